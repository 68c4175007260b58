// relaylab-desktop: the same user interface as the web page, in a native GLFW window.
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "web/ui/app.hpp"

namespace {
relaylab::ui::App* g_app = nullptr;

// Keys for the App (play, step, font size), installed over imgui_impl_glfw's callback:
// the App's shortcuts stop here, every other key goes on to Dear ImGui (text fields,
// Tab / Enter / Space keyboard navigation).
GLFWkeyfun g_imgui_key = nullptr;
void on_key(GLFWwindow* window, int key, int scancode, int action, int mods) {
    const bool shortcut = g_app && action != GLFW_RELEASE &&
                          g_app->on_key(key, (mods & (GLFW_MOD_CONTROL | GLFW_MOD_SUPER)) != 0, action == GLFW_REPEAT,
                                        (mods & GLFW_MOD_SHIFT) != 0);
    if (!shortcut && g_imgui_key) g_imgui_key(window, key, scancode, action, mods);
}

// The wheel: GLFW gives notches (fractions from a touchpad), positive up, as Dear ImGui
// wants, but ImGui scrolls 5 lines a notch; the page scrolls 3 (main_web.cpp).
void on_scroll(GLFWwindow*, double x, double y) {
    constexpr float k_lines_per_notch = 3, k_imgui_lines_per_unit = 5;
    ImGui::GetIO().AddMouseWheelEvent(static_cast<float>(x) * k_lines_per_notch / k_imgui_lines_per_unit,
                                      static_cast<float>(y) * k_lines_per_notch / k_imgui_lines_per_unit);
}

}  // namespace

int main(int argc, char** argv) {
    relaylab::ui::AppOptions options;
    options.asset_dir = "/usr/share/fonts/truetype/dejavu";
    int max_frames = -1;  // --frames N: draw N frames and exit (for tests and screenshots)
    std::string link;     // --link "scenario=mx-fallback&step=7": open that state
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--frames") && i + 1 < argc) max_frames = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--link") && i + 1 < argc) link = argv[++i];
        else if (!std::strcmp(argv[i], "--version")) { std::printf("relaylab-desktop %s\n", relaylab::ui::version()); return 0; }
        else { std::fprintf(stderr, "usage: relaylab-desktop [--frames N] [--link FRAGMENT] [--version]\n"); return 2; }
    }
    glfwSetErrorCallback([](int code, const char* text) { std::fprintf(stderr, "glfw error %d: %s\n", code, text); });
    if (!glfwInit()) return 1;
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    GLFWwindow* window = glfwCreateWindow(1280, 800, "relaylab", nullptr, nullptr);
    if (!window) return 1;
    glfwMakeContextCurrent(window);
    glfwSwapInterval(1);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;  // Tab / Shift-Tab, Enter / Space
    relaylab::ui::App app(options);
    if (!link.empty() && !app.open_link(link)) std::fprintf(stderr, "relaylab-desktop: cannot open link %s\n", link.c_str());
    app.init_fonts();
    g_app = &app;
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    g_imgui_key = glfwSetKeyCallback(window, on_key);
    glfwSetScrollCallback(window, on_scroll);  // instead of the backend's 5 lines a notch
    ImGui_ImplOpenGL3_Init("#version 130");

    int settle = 4;  // frames still to draw after the last event
    while (!glfwWindowShouldClose(window) && (max_frames < 0 || app.frames() < max_frames)) {
        const auto started = std::chrono::steady_clock::now();
        // Idle costs nothing: with nothing moving, sleep until the next event, then draw a
        // few frames for Dear ImGui to settle (--frames runs never wait).
        if (max_frames < 0 && settle <= 0 && !app.animating()) {
            glfwWaitEvents();
            settle = 4;
        } else {
            glfwPollEvents();
            --settle;
        }
        if (app.fonts_dirty()) {
            app.init_fonts();
            ImGui_ImplOpenGL3_DestroyFontsTexture();
            ImGui_ImplOpenGL3_CreateFontsTexture();
        }
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        int w = 0, h = 0;
        glfwGetWindowSize(window, &w, &h);
        app.frame(static_cast<float>(w), static_cast<float>(h));
        ImGui::Render();
        int fb_w = 0, fb_h = 0;
        glfwGetFramebufferSize(window, &fb_w, &fb_h);
        glViewport(0, 0, fb_w, fb_h);
        glClearColor(0.11f, 0.12f, 0.14f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        app.record_frame_time(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
        glfwSwapBuffers(window);
    }
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return 0;
}
