#include <algorithm>

#include "web/ui/panels.hpp"
#include "web/ui/teaching_order.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

Commands ScenarioPanel::draw(const Model& model) {
    Commands out;
    const ScenarioInfo* current = model.info(model.scenario_name());
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Scenario");
    ImGui::SameLine();
    // Narrow enough to leave the first row's buttons (Presenter mode, View…, Inbox, Your
    // world…, Export…, Quiz, Glossary) their room on a 1280-pixel screen; the list shows
    // whole titles.
    ImGui::SetNextItemWidth(std::min(ImGui::GetFontSize() * 22.0f, ImGui::GetContentRegionAvail().x * 0.45f));
    const std::string preview = model.custom_world() ? "Your world: " + model.sim().scenario().title
                                : current                ? current->title
                                                         : std::string("(none)");
    list.open = false;
    if (ImGui::BeginCombo("##scenario", preview.c_str(), ImGuiComboFlags_HeightLarge)) {
        // In teaching order, under chapter headings, each with what it teaches.
        int chapter = -1;
        float heading_y = 0;  // content y of the current chapter's heading
        const Palette& pal = palette(model.prefs().high_contrast);
        const bool appearing = ImGui::IsWindowAppearing();
        list = {};
        list.open = true;
        for (const auto& s : model.scenarios()) {
            const bool selected = current && current->name == s.name && !model.custom_world();
            if (s.chapter != chapter) {
                chapter = s.chapter;
                if (ImGui::GetCursorPosY() > ImGui::GetStyle().WindowPadding.y + 1) ImGui::Spacing();
                heading_y = ImGui::GetCursorPosY();
                ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.hop), "%s", chapter_name(chapter));
                ImGui::Separator();
            }
            ImGui::PushID(s.name.c_str());
            const float line = ImGui::GetTextLineHeight();
            const ImVec2 at = ImGui::GetCursorScreenPos();
            if (selected) {
                list.heading_y = heading_y;
                list.selected_y = ImGui::GetCursorPosY();
                list.selected_h = line * 2 + ImGui::GetStyle().ItemSpacing.y;
            }
            if (ImGui::Selectable("##pick", selected, 0, ImVec2(0, line * 2 + ImGui::GetStyle().ItemSpacing.y)))
                out.push_back(cmd::Load{s.name});
            const bool hovered = ImGui::IsItemHovered();
            ImDrawList* dl = ImGui::GetWindowDrawList();
            const float indent = ImGui::GetFontSize() * 0.6f;
            dl->AddText(ImVec2(at.x + indent, at.y), pal.text, s.title.c_str());
            // The lesson, cut to the list's width (the whole description is in the tooltip).
            const float room = ImGui::GetWindowContentRegionMax().x - ImGui::GetWindowContentRegionMin().x - indent * 2;
            std::string lesson = s.lesson;
            while (lesson.size() > 1 && ImGui::CalcTextSize((lesson + "…").c_str()).x > room) {
                lesson.pop_back();
                while (!lesson.empty() && (static_cast<unsigned char>(lesson.back()) & 0xC0) == 0x80) lesson.pop_back();
            }
            if (lesson.size() < s.lesson.size()) lesson += "…";
            dl->AddText(ImVec2(at.x + indent * 2, at.y + line), pal.dim_text, lesson.c_str());
            if (hovered) wrapped_tooltip(s.description, s.name);
            if (selected) ImGui::SetItemDefaultFocus();
            ImGui::PopID();
        }
        // Opening the list shows the selected scenario under its chapter heading: the
        // default focus alone scrolls the entry to the very top (the list's size is not
        // known on its first frame), hiding the heading, the first chapter's included. A
        // chapter is shorter than the list, so the entry stays in view.
        if (appearing && list.heading_y >= 0)
            ImGui::SetScrollY(std::max(0.0f, list.heading_y - ImGui::GetStyle().WindowPadding.y));
        list.scroll_y = ImGui::GetScrollY();
        list.visible_h = ImGui::GetWindowHeight();
        ImGui::EndCombo();
    }
    if (current && ImGui::IsItemHovered()) wrapped_tooltip(current->description, current->name);
    return out;
}

}  // namespace relaylab::ui
