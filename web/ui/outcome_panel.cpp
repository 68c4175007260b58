#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

Commands OutcomePanel::draw(const Model& model) {
    Commands out;
    if (!model.loaded()) return out;
    const Palette& pal = palette(model.prefs().high_contrast);
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("##outcome", 5, flags)) return out;
    ImGui::TableSetupColumn("message", 0, 0.6f);
    ImGui::TableSetupColumn("from → to", 0, 2.2f);
    ImGui::TableSetupColumn("status", 0, 0.9f);
    ImGui::TableSetupColumn("reply", 0, 0.8f);
    ImGui::TableSetupColumn("where", 0, 1.3f);
    ImGui::TableHeadersRow();
    for (const auto& m : model.sim().view().messages) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextUnformatted(m.id.c_str());
        ImGui::TableSetColumnIndex(1);
        std::string to;
        for (const auto& t : m.to) to += (to.empty() ? "" : ", ") + t;
        ImGui::TextWrapped("%s → %s", m.from.c_str(), to.c_str());
        ImGui::TableSetColumnIndex(2);
        const ImU32 c = message_state_colour(m.status, pal);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(c), "%s%s", message_state_mark(m.status), sim::message_state_name(m.status));
        if (m.deferrals > 0) {
            ImGui::SameLine();
            ImGui::TextDisabled("(%d deferral%s)", m.deferrals, m.deferrals == 1 ? "" : "s");
        }
        ImGui::TableSetColumnIndex(3);
        if (m.code) ImGui::Text("%s%d %s", reply_code_mark(m.code), m.code, m.enhanced.c_str());
        else ImGui::TextDisabled("—");
        ImGui::TableSetColumnIndex(4);
        ImGui::TextUnformatted(m.final_host.empty() ? "—" : m.final_host.c_str());
    }
    ImGui::EndTable();
    return out;
}

}  // namespace relaylab::ui
