// Live mode: the toolbar's Live button (only when a relay serves the page) and the list of
// the relay's sessions (newest first, filter, pause); picking one shows it in the panels, and
// "Open in the simulator" rebuilds a world from what the one shown did.
#include <algorithm>
#include <ctime>

#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

Commands LivePanel::draw_button(const Model& model) {
    Commands out;
    if (!model.live().available()) return out;
    ImGui::SameLine();
    const bool on = model.live_mode();
    if (on) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
    if (ImGui::Button(on ? "Live: on##live" : "Live##live")) out.push_back(cmd::Live{on ? cmd::Live::Do::off : cmd::Live::Do::on, {}});
    if (on) ImGui::PopStyleColor();
    if (ImGui::IsItemHovered())
        wrapped_tooltip("Live mode: the sessions of the relay serving this page, shown in these panels as they happen.");
    return out;
}

Commands LivePanel::draw_list(const Model& model) {
    Commands out;
    const LiveTrace& live = model.live();
    ImGui::SetWindowFontScale(model.presenting() ? 0.7f : 1.0f);  // compact on a projector: more sessions in view
    // First row: Open in the simulator (for the session shown), the filter taking the room
    // left, Pause and the connection. On a projector the list is small: no filter, no pause.
    if (!model.live_shown().empty()) {
        if (ImGui::Button("Open in the simulator##liverebuild")) rebuild_request_ = model.live_shown();
        if (ImGui::IsItemHovered())
            wrapped_tooltip("A world rebuilt from what was observed in the session (or route) shown: the engine re-runs "
                            "it, with failure switches for the behaviours seen; its description says what was guessed. "
                            "Live mode ends.");
        ImGui::SameLine();
    }
    const char* status = live.connected() ? (live.missed() ? "connected (some events were missed)" : "connected")
                                          : "not connected";
    if (!model.presenting()) {
        const ImGuiStyle& style = ImGui::GetStyle();
        const float rest = ImGui::GetFrameHeight() + ImGui::CalcTextSize("Pause").x + ImGui::CalcTextSize(status).x +
                           style.ItemInnerSpacing.x + style.ItemSpacing.x * 2;
        ImGui::SetNextItemWidth(std::max(ImGui::GetFontSize() * 6, ImGui::GetContentRegionAvail().x - rest));
        ImGui::InputTextWithHint("##livefilter", "filter: address, status, queue id", filter_, sizeof filter_);
        ImGui::SameLine();
        if (ImGui::Checkbox("Pause##livepause", &paused_view_))
            out.push_back(cmd::Live{paused_view_ ? cmd::Live::Do::pause : cmd::Live::Do::resume, {}});
        paused_view_ = live.paused();
        ImGui::SameLine();
    }
    ImGui::TextDisabled("%s", status);
    const Palette& pal = palette(model.prefs().high_contrast);
    ImGui::BeginChild("##livesessions");
    const auto list = live.sessions(model.presenting() ? "" : filter_);  // no filter shown: none applied
    if (list.empty()) ImGui::TextDisabled("No session yet: send a message to the relay (swaks, your app).");
    for (const LiveSession* s : list) {
        char when[16] = "";
        const std::time_t t = static_cast<std::time_t>(s->started / 1000);
        if (std::tm tm{}; s->started > 0 && gmtime_r(&t, &tm)) std::strftime(when, sizeof when, "%H:%M:%S", &tm);
        std::string line = std::string(when) + "  " + s->role + "  " + s->peer + "  " + s->status;
        if (!s->messages.empty()) line += "  [" + s->messages.front() + (s->messages.size() > 1 ? " …]" : "]");
        const bool selected = model.live_shown() == s->id;
        ImGui::PushID(s->id.c_str());
        const bool failed = s->status == "bounced" || s->status == "timeout" || s->status.rfind("read", 0) == 0;
        if (failed) ImGui::PushStyleColor(ImGuiCol_Text, pal.reply_5xx);
        if (ImGui::Selectable(line.c_str(), selected)) out.push_back(cmd::Live{cmd::Live::Do::open, s->id});
        if (failed) ImGui::PopStyleColor();
        if (ImGui::IsItemHovered() && !s->messages.empty())
            wrapped_tooltip("Session " + s->id + ". Right-click: the whole route of message " + s->messages.front() + ".");
        if (ImGui::IsItemClicked(ImGuiMouseButton_Right) && !s->messages.empty())
            out.push_back(cmd::Live{cmd::Live::Do::open, s->messages.front()});
        ImGui::PopID();
    }
    ImGui::EndChild();
    return out;
}

}  // namespace relaylab::ui
