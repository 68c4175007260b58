#include <algorithm>

#include "sim/report.hpp"
#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

namespace {
std::string fit(const std::string& text, float width) {
    if (ImGui::CalcTextSize(text.c_str()).x <= width) return text;
    std::string s = text;
    while (!s.empty() && ImGui::CalcTextSize((s + "…").c_str()).x > width) s.pop_back();
    return s + "…";
}
}  // namespace

Commands SequencePanel::draw(const Model& model) {
    Commands out;
    if (!model.loaded()) return out;
    const auto& sim = model.sim();
    if (generation_ != model.generation()) {
        generation_ = model.generation();
        columns_ = host_order(sim);
        shown_step_ = ~std::size_t{0};
    }
    const Palette& pal = palette(model.prefs().high_contrast);
    const auto& steps = sim.timeline().steps();
    const float fs = ImGui::GetFontSize();
    const float time_w = ImGui::CalcTextSize("00:00:00.000").x + fs * 0.8f;
    const float row_h = fs * 1.55f;

    // Header: one column per host (fixed above the scrolling ladder).
    const float width = ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ScrollbarSize;
    const float col_w = columns_.empty() ? width : (width - time_w) / static_cast<float>(columns_.size());
    auto col_x = [&](float left, const std::string& name) {
        const auto it = std::find(columns_.begin(), columns_.end(), name);
        if (it == columns_.end()) return -1.0f;
        return left + time_w + col_w * (static_cast<float>(it - columns_.begin()) + 0.5f);
    };
    {
        const ImVec2 o = ImGui::GetCursorScreenPos();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        dl->AddText(ImVec2(o.x, o.y), pal.dim_text, "time");
        for (const auto& c : columns_) {
            const std::string label = fit(c, col_w - 6);
            const float w = ImGui::CalcTextSize(label.c_str()).x;
            dl->AddText(ImVec2(col_x(o.x, c) - w / 2, o.y), pal.text, label.c_str());
        }
        ImGui::Dummy(ImVec2(width, fs * 1.2f));
        ImGui::Separator();
    }

    ImGui::BeginChild("##ladder", ImVec2(0, 0), ImGuiChildFlags_None);
    report.current_line.clear();  // the current step's label as drawn (with its symbol)
    const std::size_t step = sim.step();
    // Every step (the future dimmed), or only those up to now; capability lines too, or not.
    const std::vector<std::size_t> rows = shown_steps(model);
    const auto upto = std::lower_bound(rows.begin(), rows.end(), step);
    const float cur_row = static_cast<float>(upto - rows.begin()) - 1.0f;
    const bool filters_changed = shown_hide_future_ != model.prefs().hide_future ||
                                 shown_hide_caps_ != (model.prefs().hide_capabilities || model.hides_details());
    shown_hide_future_ = model.prefs().hide_future;
    shown_hide_caps_ = model.prefs().hide_capabilities || model.hides_details();
    if (shown_step_ != step || shown_row_h_ != row_h || filters_changed) {
        // Keep the current step in view, checked on this frame and the next (the list's
        // height is only known a frame later when the filters change it).
        recenter_ = shown_row_h_ != row_h || filters_changed;
        shown_step_ = step;
        shown_row_h_ = row_h;
        settle_ = 2;
        if (cur_row < 0) ImGui::SetScrollY(0);
    }
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows.size()), row_h);
    const int current_row = static_cast<int>(cur_row);
    if (settle_ > 0 && current_row >= 0) clipper.ForceDisplayRangeByIndices(current_row, current_row + 1);
    while (clipper.Step()) {
        for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
            const int i = static_cast<int>(rows[static_cast<std::size_t>(r)]);
            const auto& ev = steps[i].event;
            const ImVec2 o = ImGui::GetCursorScreenPos();
            ImGui::PushID(i);
            if (ImGui::InvisibleButton("##row", ImVec2(width, row_h))) out.push_back(cmd::Seek{static_cast<std::size_t>(i) + 1});
            if (r == current_row && settle_ > 0) {
                const float top = ImGui::GetWindowPos().y, bottom = top + ImGui::GetWindowHeight();
                if (recenter_ || o.y < top || o.y + row_h > bottom - row_h) ImGui::SetScrollHereY(0.4f);
            }
            const bool hovered = ImGui::IsItemHovered();
            ImGui::PopID();
            const bool current = static_cast<std::size_t>(i) + 1 == step;
            const bool future = static_cast<std::size_t>(i) >= step;
            if (current) dl->AddRectFilled(o, ImVec2(o.x + width, o.y + row_h), pal.current_row);
            else if (hovered) dl->AddRectFilled(o, ImVec2(o.x + width, o.y + row_h), IM_COL32(128, 128, 128, 40));
            // Lifelines.
            for (const auto& c : columns_) {
                const float x = col_x(o.x, c);
                dl->AddLine(ImVec2(x, o.y), ImVec2(x, o.y + row_h), pal.link, 1.0f);
            }
            ImU32 colour = event_colour(ev, pal);
            if (future) colour = (colour & 0x00FFFFFF) | (0x60u << 24);
            dl->AddText(ImVec2(o.x, o.y + row_h * 0.25f), future ? pal.link : pal.dim_text,
                        sim::format_sim_time(ev.t_ms).c_str());
            const float y = o.y + row_h * 0.78f;
            const float x1 = col_x(o.x, ev.from), x2 = col_x(o.x, ev.to);
            const std::string line = shown_line(ev, model);  // the symbol too: colour is never the only signal
            if (x1 >= 0 && x2 >= 0 && x1 != x2) {
                dl->AddLine(ImVec2(x1, y), ImVec2(x2, y), colour, current ? 3.0f : 1.5f);
                const float dir = x2 > x1 ? 1.0f : -1.0f, ah = fs * 0.35f;
                dl->AddTriangleFilled(ImVec2(x2, y), ImVec2(x2 - dir * ah * 1.6f, y - ah), ImVec2(x2 - dir * ah * 1.6f, y + ah), colour);
                const float span = std::abs(x2 - x1);
                const std::string label = fit(line, std::max(span - 8, col_w * 2.6f));
                const float tw = ImGui::CalcTextSize(label.c_str()).x;
                float tx = std::min(x1, x2) + (span - tw) / 2;
                tx = std::clamp(tx, o.x + time_w, o.x + width - tw);
                dl->AddText(ImVec2(tx, y - fs - 1), colour, label.c_str());
                if (current) report.current_line = label;
            } else {
                const float x = x1 >= 0 ? x1 : o.x + time_w + 4;
                dl->AddCircleFilled(ImVec2(x, y - fs * 0.3f), fs * 0.25f, colour);
                const float room = o.x + width - x - fs;
                const std::string label = fit(line, std::max(room, col_w));
                dl->AddText(ImVec2(x + fs * 0.5f, y - fs - 1), colour, label.c_str());
                if (current) report.current_line = label;
            }
            if (hovered) explanation_tooltip(ev);
        }
    }
    if (settle_ > 0 && --settle_ == 0) recenter_ = false;
    record_scroll(report);
    report.line_h = row_h;
    report.steps.clear();
    for (const std::size_t i : rows) report.steps.push_back(i + 1);
    ImGui::EndChild();
    return out;
}

}  // namespace relaylab::ui
