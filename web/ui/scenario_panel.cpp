#include <algorithm>

#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

Commands ScenarioPanel::draw(const Model& model) {
    Commands out;
    const ScenarioInfo* current = model.info(model.scenario_name());
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Scenario");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(std::min(ImGui::GetFontSize() * 30.0f, ImGui::GetContentRegionAvail().x * 0.55f));
    const std::string preview = current ? current->title : std::string("(none)");
    if (ImGui::BeginCombo("##scenario", preview.c_str(), ImGuiComboFlags_HeightLarge)) {
        for (const auto& s : model.scenarios()) {
            const bool selected = current && current->name == s.name;
            ImGui::PushID(s.name.c_str());
            if (ImGui::Selectable(s.title.c_str(), selected)) out.push_back(cmd::Load{s.name});
            if (ImGui::IsItemHovered()) wrapped_tooltip(s.description, s.name);
            if (selected) ImGui::SetItemDefaultFocus();
            ImGui::PopID();
        }
        ImGui::EndCombo();
    }
    if (current && ImGui::IsItemHovered()) wrapped_tooltip(current->description, current->name);
    return out;
}

}  // namespace relaylab::ui
