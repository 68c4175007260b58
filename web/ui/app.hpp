#pragma once
// The relaylab user interface, independent of the window system: the web page
// (main_web.cpp) and the desktop window (main_desktop.cpp) both create one App
// and call frame() once per displayed frame.
#include <string>

namespace relaylab::ui {

struct AppOptions {
    std::string asset_dir = "/assets";  // fonts and scenarios
    float font_size = 18.0f;
};

class App {
public:
    explicit App(AppOptions options);
    // Loads fonts into the current ImGui context; call once after ImGui::CreateContext().
    void init_fonts();
    // Builds one frame of UI filling a window of the given size (in pixels).
    void frame(float width, float height);
    // Frames drawn so far.
    long frames() const { return frames_; }

private:
    AppOptions options_;
    long frames_ = 0;
};

const char* version();

}  // namespace relaylab::ui
