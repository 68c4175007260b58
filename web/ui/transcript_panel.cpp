#include <algorithm>
#include <iterator>

#include "engine/explain.hpp"
#include "sim/report.hpp"
#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

Commands TranscriptPanel::draw(const Model& model) {
    Commands out;
    if (!model.loaded()) return out;
    const auto& sim = model.sim();
    const Palette& pal = palette(model.prefs().high_contrast);
    const auto& steps = sim.timeline().steps();
    const std::size_t step = sim.step();
    const auto& prefs = model.prefs();
    const bool moved = shown_step_ != step || generation_ != model.generation() || shown_font_ != ImGui::GetFontSize() ||
                       shown_hide_future_ != prefs.hide_future || shown_hide_caps_ != (prefs.hide_capabilities || model.hides_details());
    shown_hide_future_ = prefs.hide_future;
    shown_hide_caps_ = prefs.hide_capabilities || model.hides_details();
    shown_step_ = step;
    shown_font_ = ImGui::GetFontSize();
    generation_ = model.generation();

    // The legend: in words when it fits on one line, else in short (and wrapping).
    struct Key { ImU32 colour; const char* words; const char* brief; };
    const Key legend[] = {{pal.command, "C: client command", "C:"}, {pal.reply_2xx, "✓ 2xx ok", "✓ 2xx"},
                          {pal.reply_3xx, "→ 3xx go on", "→ 3xx"}, {pal.reply_4xx, "… 4xx try later", "… 4xx"},
                          {pal.reply_5xx, "✗ 5xx refused", "✗ 5xx"}, {pal.dns, "DNS", "DNS"}};
    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    float words_w = 0;
    for (const auto& k : legend) words_w += ImGui::CalcTextSize(k.words).x + spacing;
    const bool brief = words_w > ImGui::GetContentRegionAvail().x;
    for (std::size_t k = 0; k < std::size(legend); ++k) {
        const char* label = brief ? legend[k].brief : legend[k].words;
        if (k > 0) {
            ImGui::SameLine();
            if (ImGui::GetContentRegionAvail().x < ImGui::CalcTextSize(label).x + spacing) ImGui::NewLine();
        }
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(legend[k].colour), "%s", label);
        if (brief && ImGui::IsItemHovered()) wrapped_tooltip(legend[k].words);
    }

    if (prefs.beginner) {  // beginner view: the details come back on request
        if (ImGui::SmallButton(prefs.show_all ? "Beginner view: hide the details again##showall"
                                              : "Show all (capability lines, ESMTP parameters)##showall"))
            out.push_back(cmd::SetShowAll{!prefs.show_all});
    }
    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("##transcript", 3, flags)) return out;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("time", ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("00:00:00.000").x);
    ImGui::TableSetupColumn("who", ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableSetupColumn("line, and what it means", ImGuiTableColumnFlags_WidthStretch, 3.2f);
    ImGui::TableHeadersRow();

    // Two lines per step: the wire line, then its plain-language explanation and RFC.
    // Steps after now are dimmed, or left out with "hide the future".
    const std::vector<std::size_t> rows = shown_steps(model);
    const auto upto = std::lower_bound(rows.begin(), rows.end(), step);  // rows before it are past or now
    const int cur_row = upto == rows.begin() ? -1 : static_cast<int>(upto - rows.begin()) - 1;
    const float row_h = ImGui::GetTextLineHeightWithSpacing() * 2 + ImGui::GetStyle().CellPadding.y * 2;
    if (moved && cur_row < 0) ImGui::SetScrollY(0);
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows.size()), row_h);
    if (moved && cur_row >= 0) clipper.ForceDisplayRangeByIndices(cur_row, cur_row + 1);
    while (clipper.Step()) {
        for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
            const std::size_t i = rows[static_cast<std::size_t>(r)];
            const auto& ev = steps[i].event;
            const bool future = i >= step;
            ImGui::TableNextRow(0, row_h);
            const bool current = i + 1 == step;
            if (current) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, pal.current_row);
            if (future) ImGui::PushStyleVar(ImGuiStyleVar_Alpha, 0.45f);
            ImGui::TableSetColumnIndex(0);
            ImGui::PushID(static_cast<int>(i));
            // A quiet stretch before this step (a retry minutes later) is said under its time.
            std::string when = sim::format_sim_time(ev.t_ms);
            if (r > 0) {
                const std::string gap =
                    sim::format_gap(ev.t_ms - steps[rows[static_cast<std::size_t>(r - 1)]].event.t_ms);
                if (!gap.empty()) when += "\n" + gap;
            }
            if (ImGui::Selectable(when.c_str(), false,
                                  ImGuiSelectableFlags_SpanAllColumns, ImVec2(0, row_h - ImGui::GetStyle().CellPadding.y * 2)))
                out.push_back(cmd::Seek{i + 1});
            const bool hovered = ImGui::IsItemHovered();
            ImGui::PopID();
            ImGui::TableSetColumnIndex(1);
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "%s", ev.from.c_str());
            if (!ev.to.empty()) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "→ %s", ev.to.c_str());
            ImGui::TableSetColumnIndex(2);
            if (fonts().mono) ImGui::PushFont(fonts().mono);
            ImGui::PushStyleColor(ImGuiCol_Text, event_colour(ev, pal));
            ImGui::TextUnformatted(shown_line(ev, model).c_str());
            ImGui::PopStyleColor();
            if (fonts().mono) ImGui::PopFont();
            const Explanation ex = explain_event(ev);
            ImGui::TextUnformatted(ex.text.c_str());
            if (!ex.rfc.empty()) {
                ImGui::SameLine();
                ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "[%s]", ex.rfc.c_str());
            }
            if (future) ImGui::PopStyleVar();
            if (hovered) explanation_tooltip(ev);
            if (moved && r == cur_row) ImGui::SetScrollHereY(model.prefs().hide_future ? 1.0f : 0.7f);
        }
    }
    record_scroll(report);
    report.current_line = step > 0 ? shown_line(steps[step - 1].event, model) : std::string();
    report.steps.clear();
    for (const std::size_t i : rows) report.steps.push_back(i + 1);
    ImGui::EndTable();
    return out;
}

}  // namespace relaylab::ui
