// The App's part in "your own world": loading JSON (with the notice on an error), the toolbar's
// "Your world…" button and the editor's window over the right-hand column.
#include <imgui.h>

#include "web/ui/app.hpp"
#include "web/ui/world_link.hpp"

namespace relaylab::ui {

Commands world_state_commands(std::string_view state, std::vector<std::string>* problems) {
    // The same reading as a scenario link's, without the scenario: its first command (Load) goes.
    std::string fragment = "scenario=-";
    if (!state.empty()) fragment.append("&").append(state);
    Commands out = Model::commands_for_fragment(fragment, problems);
    if (!out.empty()) out.erase(out.begin());
    return out;
}

void App::show_notice(std::string title, std::string text) {
    notice_title_ = std::move(title);
    notice_ = std::move(text);
}

std::string App::load_world(std::string_view json_text, std::string_view source) {
    std::string error = model_.load_world(json_text);
    if (!error.empty()) {
        std::string text(source);
        text.append(": ").append(error).append("\nThe world shown stays as it was.");
        show_notice("Cannot load this world", std::move(text));
    } else if (!notice_title_.empty()) {
        notice_.clear();  // an earlier world's error is out of date
    }
    return error;
}

LiveRebuild App::open_rebuilt(const std::string& id) {
    LiveRebuild r = live_rebuild(model_.live(), id);
    if (r.error.empty()) r.error = load_world(r.json, "The world rebuilt from " + id);
    else show_notice("Cannot open this in the simulator", r.error);
    return r;
}

void App::draw_world_button() {
    if (ImGui::Button(editor_.is_open() ? "Close your world##world" : "Your world…##world"))
        editor_.set_open(!editor_.is_open(), model_);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Edit the world as JSON, load your own (a file, or drop a .json on the page), share it as a link");
}

void App::draw_editor() {
    const float x = layout_.notes.x, y = layout_.notes.y;
    const float h = layout_.sequence.y + layout_.sequence.h - y;
    ImGui::SetNextWindowPos(ImVec2(x, y));
    ImGui::SetNextWindowSize(ImVec2(layout_.notes.w, h));
    bool open = true;
    constexpr ImGuiWindowFlags flags = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                       ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings;
    if (ImGui::Begin("Your world (JSON)###world-editor", &open, flags)) {
        if (auto run = editor_.draw(model_, ImGui::GetTime(), platform_action)) load_world(*run, "The editor's world");
    }
    ImGui::End();
    if (!open) editor_.set_open(false, model_);
}

}  // namespace relaylab::ui
