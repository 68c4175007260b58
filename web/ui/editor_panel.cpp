#include "web/ui/editor_panel.hpp"

#include <map>
#include <vector>

#include "sim/library.hpp"
#include "sim/scenario.hpp"
#include "sim/schema_reference.hpp"
#include "web/ui/theme.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

namespace {

// Dear ImGui edits a char buffer; this grows the std::string under it.
int resize_callback(ImGuiInputTextCallbackData* data) {
    if (data->EventFlag == ImGuiInputTextFlags_CallbackResize) {
        auto* text = static_cast<std::string*>(data->UserData);
        text->resize(static_cast<std::size_t>(data->BufTextLen));
        data->Buf = text->data();
    }
    return 0;
}

void draw_reference(const Palette& pal) {
    std::string object = "?";
    for (const auto& entry : sim::schema_reference()) {
        if (entry.object != object) {
            object = std::string(entry.object);
            ImGui::Spacing();
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.hop), "%s",
                               object.empty() ? "The world (top level)" : object.c_str());
        }
        std::string line = "  " + std::string(entry.key) + ": " + std::string(entry.example);
        if (!entry.text.empty()) line.append("  — ").append(entry.text);
        ImGui::TextWrapped("%s", line.c_str());
    }
}

}  // namespace

void EditorPanel::set_open(bool on, const Model& model) {
    if (on && !open_) {
        text_ = model.world_json();
        filled_generation_ = model.generation();
        edited_ = false;
        check();
    }
    open_ = on;
}

void EditorPanel::set_text(std::string text, double now_s) {
    text_ = std::move(text);
    edited_ = true;
    checked_ = false;
    edited_at_ = now_s;
}

void EditorPanel::check() {
    const auto load = sim::parse_scenario(text_);
    error_ = load.scenario ? std::string() : load.error;
    checked_ = true;
}

std::optional<std::string> EditorPanel::draw(const Model& model, double now_s, const PlatformAction& platform) {
    std::optional<std::string> run;
    const Palette& pal = palette(model.prefs().high_contrast);
    // A world loaded elsewhere (a file, a link, a scenario picked) replaces untouched text.
    if (filled_generation_ != model.generation()) {
        std::string current = model.world_json();
        if (!edited_ || current == text_) {  // after Run the text is the world: untouched again
            text_ = std::move(current);
            edited_ = false;
            check();
        }
        filled_generation_ = model.generation();
    }
    if (!checked_ && now_s - edited_at_ >= k_check_delay_s) check();

    if (ImGui::Button("▶ Run##world-run")) {
        check();
        if (error_.empty()) run = text_;
    }
    if (ImGui::IsItemHovered()) wrapped_tooltip("Load this world into the simulator");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
    if (ImGui::BeginCombo("##world-start", "Start from…")) {
        for (const auto& s : model.scenarios()) {
            if (ImGui::Selectable(s.name.c_str())) {
                if (const auto* b = sim::find_builtin(s.name)) {
                    text_ = std::string(b->json);
                    edited_ = true;
                    check();
                }
            }
        }
        ImGui::EndCombo();
    }
    if (ImGui::IsItemHovered()) wrapped_tooltip("Start from a built-in scenario's JSON");
    // On the same row while they fit, else on the next.
    auto next_to = [](const char* label) {
        const ImGuiStyle& style = ImGui::GetStyle();
        const float w = ImGui::CalcTextSize(label, nullptr, true).x + style.FramePadding.x * 2;
        const float right = ImGui::GetItemRectMax().x + style.ItemSpacing.x + w;
        if (right <= ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x) ImGui::SameLine();
    };
    ImGui::BeginDisabled(!platform);
    next_to("Open file…");
    if (ImGui::Button("Open file…##world-open") && platform) platform("open_file", "");
    next_to("Export JSON");
    if (ImGui::Button("Export JSON##world-export") && platform) platform("download", text_);
    next_to("Copy link");
    if (ImGui::Button("Copy link##world-link") && platform) platform("copy_link", text_);
    ImGui::EndDisabled();

    // The status line: checked as you type, the error at its JSON path.
    if (!checked_) {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "… checking");
    } else if (error_.empty()) {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.ok), "✓ a valid world (Run loads it)");
    } else {
        ImGui::PushStyleColor(ImGuiCol_Text, pal.down);
        ImGui::TextWrapped("✗ %s", error_.c_str());
        ImGui::PopStyleColor();
    }

    const float reference_body_h = ImGui::GetFontSize() * 14;
    const float reference_h = ImGui::GetFrameHeightWithSpacing() * 1.2f +
                              (reference_open_ ? reference_body_h + ImGui::GetStyle().ItemSpacing.y * 2 : 0);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float box_h = std::max(ImGui::GetFontSize() * 6, avail.y - reference_h);
    if (fonts().mono) ImGui::PushFont(fonts().mono);
    if (ImGui::InputTextMultiline("##world-json", text_.data(), text_.capacity() + 1, ImVec2(-1, box_h),
                                  ImGuiInputTextFlags_CallbackResize, resize_callback, &text_)) {
        edited_ = true;
        checked_ = false;
        edited_at_ = now_s;
    }
    if (fonts().mono) ImGui::PopFont();
    box_min = ImGui::GetItemRectMin();
    box_max = ImGui::GetItemRectMax();

    ImGui::SetNextItemOpen(reference_open_);
    reference_open_ = ImGui::CollapsingHeader("Schema reference (every key the loader reads)##world-ref");
    if (reference_open_) {
        ImGui::BeginChild("##world-ref-body", ImVec2(0, reference_body_h), true);
        draw_reference(pal);
        ImGui::EndChild();
    }
    return run;
}

}  // namespace relaylab::ui
