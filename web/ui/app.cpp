#include "web/ui/app.hpp"

#include <imgui.h>

namespace relaylab::ui {

const char* version() { return RELAYLAB_VERSION; }

App::App(AppOptions options) : options_(std::move(options)) {}

void App::init_fonts() {
    ImGuiIO& io = ImGui::GetIO();
    const std::string sans = options_.asset_dir + "/DejaVuSans.ttf";
    // ImGui's built-in pixel font is unreadable on a projector: always use a TTF.
    if (!io.Fonts->AddFontFromFileTTF(sans.c_str(), options_.font_size)) io.Fonts->AddFontDefault();
    io.IniFilename = nullptr;  // layout comes from the code, never from a stale file
}

void App::frame(float width, float height) {
    ++frames_;
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(width, height));
    ImGui::Begin("relaylab", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                          ImGuiWindowFlags_NoCollapse);
    ImGui::TextWrapped("relaylab %s shows how e-mail travels: submission, MX lookup, relay hops, "
                       "queueing, retries and bounces.", version());
    ImGui::Separator();
    ImGui::TextWrapped("The simulator's scenarios appear here as they are built.");
    ImGui::End();
}

}  // namespace relaylab::ui
