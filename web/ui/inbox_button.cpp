#include "web/ui/inbox_button.hpp"

#include <imgui.h>

#include "web/ui/theme.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

bool draw_inbox_button(const std::string& badge, bool high_contrast) {
    std::string label = "Inbox";
    if (!badge.empty()) label.append(" · ").append(badge);
    label.append("###inbox");  // one id whatever the badge says (keyboard focus stays)
    const bool chaos = badge.find("chaos") != std::string::npos;
    if (chaos) {
        const Palette& pal = palette(high_contrast);
        ImGui::PushStyleColor(ImGuiCol_Button, pal.reply_5xx);
        ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(0, 0, 0, 255));
    }
    const bool pressed = ImGui::Button(label.c_str());
    if (chaos) ImGui::PopStyleColor(2);
    if (ImGui::IsItemHovered())
        wrapped_tooltip("Captured mail (I): the relay serving this page and this run's message copies, "
                        "with the relay's chaos switches");
    return pressed;
}

}  // namespace relaylab::ui
