#include <cstdio>

#include "sim/report.hpp"
#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

Commands TimelinePanel::draw(const Model& model) {
    Commands out;
    if (!model.loaded()) return out;
    const auto step = model.step(), total = model.total_steps();
    const float h = ImGui::GetFrameHeight();
    const ImVec2 button(h * 1.6f, h);

    if (ImGui::Button("|◀##restart", button)) out.push_back(cmd::Restart{});
    if (ImGui::IsItemHovered()) wrapped_tooltip("Restart (Home)");
    ImGui::SameLine();
    ImGui::BeginDisabled(step == 0);
    if (ImGui::Button("◀##back", button)) out.push_back(cmd::StepBack{});
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) wrapped_tooltip("Step back (←)");
    ImGui::SameLine();
    if (ImGui::Button(model.playing() ? "■ Pause##play" : "▶ Play##play", ImVec2(h * 4.2f, h)))
        out.push_back(cmd::TogglePlaying{});
    if (ImGui::IsItemHovered()) wrapped_tooltip("Play / pause (Space)");
    ImGui::SameLine();
    ImGui::BeginDisabled(step >= total);
    if (ImGui::Button("▶|##step", button)) out.push_back(cmd::StepForward{});
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) wrapped_tooltip("Step forward (→)");
    ImGui::SameLine();
    if (ImGui::Button("Jump…##jump")) ImGui::OpenPopup("##jumps");
    if (ImGui::IsItemHovered()) wrapped_tooltip("Next or previous failure (F / Shift+F), hop (H), notice (N); End: last step");
    if (ImGui::BeginPopup("##jumps")) {
        struct Row { const char* label; JumpKind kind; const char* keys; };
        static const Row rows[] = {{"Failure (4xx, 5xx, refused, timed out…)", JumpKind::failure, "Shift+F / F"},
                                   {"Hop (a new connection)", JumpKind::hop, "Shift+H / H"},
                                   {"Delivery status notice", JumpKind::dsn, "Shift+N / N"}};
        for (const auto& r : rows) {
            ImGui::PushID(r.label);
            if (ImGui::Button("◀ previous")) out.push_back(cmd::Jump{r.kind, -1});
            ImGui::SameLine();
            if (ImGui::Button("next ▶")) out.push_back(cmd::Jump{r.kind, 1});
            ImGui::SameLine();
            ImGui::AlignTextToFramePadding();
            ImGui::Text("%s", r.label);
            ImGui::SameLine();
            ImGui::TextDisabled("%s", r.keys);
            ImGui::PopID();
        }
        if (ImGui::Button("Last step")) out.push_back(cmd::Jump{JumpKind::end, 1});
        ImGui::SameLine();
        ImGui::TextDisabled("End");
        ImGui::EndPopup();
    }

    ImGui::SameLine();
    static const float speeds[] = {0.5f, 1, 2, 4, 8, 16, 32};
    char label[32];
    std::snprintf(label, sizeof label, "%g steps/s", model.speed());
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7.5f);
    if (ImGui::BeginCombo("##speed", label)) {
        for (float s : speeds) {
            std::snprintf(label, sizeof label, "%g steps/s", s);
            if (ImGui::Selectable(label, s == model.speed())) out.push_back(cmd::SetSpeed{s});
        }
        ImGui::EndCombo();
    }
    if (ImGui::IsItemHovered()) wrapped_tooltip("Playback speed");

    ImGui::SameLine();
    const auto* cur = model.sim().current();
    char info[96];
    std::snprintf(info, sizeof info, "step %zu / %zu   %s", step, total,
                  sim::format_sim_time(cur ? cur->event.t_ms : 0).c_str());
    auto scrubber = [&](float width) {
        ImGui::SetNextItemWidth(width);
        int n = static_cast<int>(step);
        if (ImGui::SliderInt("##scrub", &n, 0, static_cast<int>(total), ""))
            out.push_back(cmd::Seek{static_cast<std::size_t>(n)});
        scrubber_min = ImGui::GetItemRectMin();
        scrubber_max = ImGui::GetItemRectMax();
        if (ImGui::IsItemHovered()) wrapped_tooltip("Drag to any step");
    };
    if (wide_scrubber) {
        // On a projector the buttons are large: the scrubber gets a row of its own. A narrow
        // screen (1024 px) leaves no room for the time after the buttons: the step count only.
        if (ImGui::CalcTextSize(info).x > ImGui::GetContentRegionAvail().x)
            std::snprintf(info, sizeof info, "step %zu / %zu", step, total);
        ImGui::AlignTextToFramePadding();
        ImGui::TextUnformatted(info);
        scrubber(ImGui::GetContentRegionAvail().x);
        return out;
    }
    const float info_w = ImGui::CalcTextSize(info).x;
    scrubber(ImGui::GetContentRegionAvail().x - info_w - ImGui::GetStyle().ItemSpacing.x);
    ImGui::SameLine();
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(info);
    return out;
}

}  // namespace relaylab::ui
