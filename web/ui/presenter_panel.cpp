#include <cstdio>

#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

Commands PresenterPanel::draw(const Model& model) {
    Commands out;
    const auto& p = model.prefs();
    const bool presenting = model.presenting();
    if (ImGui::Button(presenting ? "Leave presenter mode" : "Presenter mode")) out = Model::presenter_commands(!presenting);
    if (ImGui::IsItemHovered()) wrapped_tooltip("Big text, high contrast, large controls and the future hidden, for a projector");
    ImGui::SameLine();
    if (ImGui::Button("View…")) ImGui::OpenPopup("##view");
    if (ImGui::IsItemHovered()) wrapped_tooltip("Text size (Ctrl + / Ctrl − / Ctrl 0), contrast, control size");
    if (ImGui::BeginPopup("##view")) {
        const float h = ImGui::GetFrameHeight();
        ImGui::AlignTextToFramePadding();
        ImGui::TextUnformatted("Text size");
        ImGui::SameLine();
        if (ImGui::Button("−##font", ImVec2(h * 1.3f, h))) out.push_back(cmd::SetFontScale{p.font_scale / 1.15f});
        ImGui::SameLine();
        char pct[16];
        std::snprintf(pct, sizeof pct, "%d%%", static_cast<int>(p.font_scale * 100 + 0.5f));
        ImGui::TextUnformatted(pct);
        ImGui::SameLine();
        if (ImGui::Button("+##font", ImVec2(h * 1.3f, h))) out.push_back(cmd::SetFontScale{p.font_scale * 1.15f});
        ImGui::SameLine();
        if (ImGui::Button("Reset")) out.push_back(cmd::SetFontScale{1.0f});
        bool contrast = p.high_contrast;
        if (ImGui::Checkbox("High contrast", &contrast)) out.push_back(cmd::SetHighContrast{contrast});
        bool large = p.large_controls;
        if (ImGui::Checkbox("Large controls", &large)) out.push_back(cmd::SetLargeControls{large});
        bool hide_future = p.hide_future;
        if (ImGui::Checkbox("Hide the future (show only steps up to now)", &hide_future))
            out.push_back(cmd::SetHideFuture{hide_future});
        bool hide_caps = p.hide_capabilities;
        if (ImGui::Checkbox("Hide EHLO capability lines", &hide_caps)) out.push_back(cmd::SetHideCapabilities{hide_caps});
        bool beginner = p.beginner;
        if (ImGui::Checkbox("Beginner view (no capability lines or ESMTP parameters until \"show all\")", &beginner))
            out.push_back(cmd::SetBeginner{beginner});
        ImGui::TextDisabled("Keys: Space play/pause, → step, ← back, Home restart, End last step,\n"
                            "F / Shift+F next / previous failure, H hop, N notice, W the wire, E export");
        ImGui::EndPopup();
    }
    return out;
}

}  // namespace relaylab::ui
