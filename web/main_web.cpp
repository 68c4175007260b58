// The WebAssembly page: a GLFW window (emulated by Emscripten on the canvas),
// Dear ImGui with the OpenGL 3 (WebGL2) backend, and the window.relaylab JS API
// (assets/web/index.html calls relaylab_call with a JSON request; web/ui/api.cpp answers).
// The address bar's fragment (#scenario=NAME&step=N&switch=1) follows the model.
#include <GLFW/glfw3.h>
#include <emscripten/emscripten.h>
#include <emscripten/html5.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <string>

#include "web/ui/api.hpp"
#include "web/ui/app.hpp"

namespace {

GLFWwindow* g_window = nullptr;
relaylab::ui::App* g_app = nullptr;
bool g_announced = false;
std::string g_shown_fragment;
std::string g_answer;  // the last relaylab_call answer (valid until the next call)
// Frames still to draw. Idle costs nothing: a frame is drawn only after input (and a
// few more, for Dear ImGui to settle hover and popups), an API call, a resize, or while
// playing or animating a hop; otherwise the canvas keeps its last picture.
int g_redraw = 4;
void request_redraw(int frames = 6) { g_redraw = std::max(g_redraw, frames); }

// Any input draws a few frames; the events go on to GLFW and the page (EM_FALSE).
EM_BOOL on_mouse(int, const EmscriptenMouseEvent*, void*) { request_redraw(); return EM_FALSE; }
EM_BOOL on_key_event(int, const EmscriptenKeyboardEvent*, void*) { request_redraw(); return EM_FALSE; }
EM_BOOL on_focus(int, const EmscriptenFocusEvent*, void*) { request_redraw(); return EM_FALSE; }
EM_BOOL on_touch(int, const EmscriptenTouchEvent*, void*) { request_redraw(); return EM_FALSE; }

// The mouse wheel and touchpad. Emscripten 3.1.6's GLFW hands the browser's raw deltaY to
// the scroll callback: pixels (100 per notch in Chromium), positive downwards, while Dear
// ImGui wants notches, positive upwards (and scrolls 5 lines per notch): the wheel ran
// backwards and jumped ~100 times too far. Here: browser deltas → lines (3 per 100 px
// notch; a touchpad's few pixels give a fraction), then ImGui's units, sign flipped.
// Dear ImGui 1.90's GLFW backend ignores GLFW's scroll callback under Emscripten and
// installs its own wheel handler on the document (a notch = 5 lines): main() removes
// that one, so this is the only wheel input Dear ImGui gets.
EM_BOOL on_wheel(int, const EmscriptenWheelEvent* e, void*) {
    auto lines = [&](double delta) {
        switch (e->deltaMode) {
            case DOM_DELTA_LINE: return delta;
            case DOM_DELTA_PAGE: return delta * 10;
            default: return delta / 33.0;
        }
    };
    constexpr double k_imgui_lines_per_unit = 5;
    ImGui::GetIO().AddMouseWheelEvent(-static_cast<float>(lines(e->deltaX) / k_imgui_lines_per_unit),
                                      -static_cast<float>(lines(e->deltaY) / k_imgui_lines_per_unit));
    request_redraw();
    return EM_TRUE;  // the page itself never scrolls
}

// Resolves window.relaylab.ready once the first frame is on the canvas.
EM_JS(void, relaylab_js_announce_ready, (), {
    if (window.relaylab && window.relaylab._resolveReady) window.relaylab._resolveReady();
});

// The address bar follows the model without adding history entries.
void sync_fragment() {
    const std::string fragment = g_app->model().fragment();
    if (fragment == g_shown_fragment) return;
    g_shown_fragment = fragment;
    EM_ASM({ history.replaceState(null, document.title, '#' + UTF8ToString($0)); }, fragment.c_str());
}

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

void frame() {
    const double started = emscripten_get_now();
    // Follow the browser window: the canvas always fills it.
    // The canvas's backing store has one pixel per device pixel (its CSS size stays the
    // window's), and the UI scales with devicePixelRatio: sharp text on HiDPI screens.
    const double dpr = emscripten_get_device_pixel_ratio();
    g_app->set_ui_scale(static_cast<float>(dpr));
    int width = 0, height = 0;
    emscripten_get_canvas_element_size("#canvas", &width, &height);
    const int want_w = static_cast<int>(EM_ASM_INT({ return window.innerWidth; }) * dpr + 0.5);
    const int want_h = static_cast<int>(EM_ASM_INT({ return window.innerHeight; }) * dpr + 0.5);
    static double drawn_dpr = 0;
    const bool resized = want_w != width || want_h != height || dpr != drawn_dpr;
    drawn_dpr = dpr;
    if (!resized && g_redraw <= 0 && !g_app->animating() && !g_app->fonts_dirty()) return;  // idle
    if (g_redraw > 0) --g_redraw;
    if (want_w != width || want_h != height) {
        // Browser.setCanvasSize also tells Emscripten's GLFW about the new size;
        // glfwSetWindowSize would try (and fail) to leave fullscreen first.
        EM_ASM({ Browser.setCanvasSize($0, $1); }, want_w, want_h);
    }

    glfwPollEvents();
    if (g_app->fonts_dirty()) {
        g_app->init_fonts();
        ImGui_ImplOpenGL3_DestroyFontsTexture();
        ImGui_ImplOpenGL3_CreateFontsTexture();
    }
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    g_app->frame(static_cast<float>(want_w), static_cast<float>(want_h));
    // The Inbox button or the I key: the page's drawer (assets/web/inbox.js) opens.
    if (g_app->take_inbox_request())
        EM_ASM({ if (window.relaylab && relaylab.inbox && relaylab.inbox.open) relaylab.inbox.open(); });
    ImGui::Render();
    int fb_w = 0, fb_h = 0;
    glfwGetFramebufferSize(g_window, &fb_w, &fb_h);
    glViewport(0, 0, fb_w, fb_h);
    glClearColor(0.11f, 0.12f, 0.14f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    sync_fragment();
    g_app->record_frame_time(emscripten_get_now() - started);
    if (!g_announced) {
        g_announced = true;
        relaylab_js_announce_ready();
    }
}

}  // namespace

extern "C" {
EMSCRIPTEN_KEEPALIVE const char* relaylab_version() { return relaylab::ui::version(); }

// window.relaylab's one entry point: a JSON request, a JSON answer (web/ui/api.hpp).
EMSCRIPTEN_KEEPALIVE const char* relaylab_call(const char* request) {
    if (!g_app) return R"({"ok":false,"error":"not started"})";
    bool changes = false;
    g_answer = relaylab::ui::api_call(*g_app, request ? request : "", &changes);
    if (changes) request_redraw();
    sync_fragment();
    return g_answer.c_str();
}
}

int main() {
    if (!glfwInit()) return 1;
    glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    const double dpr = emscripten_get_device_pixel_ratio();
    const int w = static_cast<int>(EM_ASM_INT({ return window.innerWidth; }) * dpr + 0.5);
    const int h = static_cast<int>(EM_ASM_INT({ return window.innerHeight; }) * dpr + 0.5);
    g_window = glfwCreateWindow(w, h, "relaylab", nullptr, nullptr);
    if (!g_window) {
        EM_ASM({ Module.onAbort('no WebGL 2 context for the canvas (is hardware acceleration off?)'); });
        return 1;
    }
    glfwMakeContextCurrent(g_window);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;  // Tab / Shift-Tab, Enter / Space
    relaylab::ui::AppOptions options;
    options.inbox_button = true;  // assets/web/inbox.js
    static relaylab::ui::App app(options);
    g_app = &app;
    // A shared link reopens its scenario, switches and step.
    const char* hash = emscripten_run_script_string("decodeURIComponent(location.hash || '')");
    if (hash && *hash) app.open_link(hash);
    app.set_ui_scale(static_cast<float>(dpr));
    app.init_fonts();
    ImGui_ImplGlfw_InitForOpenGL(g_window, true);
    g_imgui_key = glfwSetKeyCallback(g_window, on_key);
    glfwSetScrollCallback(g_window, nullptr);  // on_wheel feeds Dear ImGui instead
    // The backend's own wheel handler (on the document, where the canvas's events bubble
    // to) goes: on_wheel alone converts the wheel, once.
    emscripten_set_wheel_callback(EMSCRIPTEN_EVENT_TARGET_DOCUMENT, nullptr, EM_FALSE, nullptr);
    emscripten_set_wheel_callback("#canvas", nullptr, EM_TRUE, on_wheel);
    const char* win = EMSCRIPTEN_EVENT_TARGET_WINDOW;
    emscripten_set_mousemove_callback(win, nullptr, EM_TRUE, on_mouse);
    emscripten_set_mousedown_callback(win, nullptr, EM_TRUE, on_mouse);
    emscripten_set_mouseup_callback(win, nullptr, EM_TRUE, on_mouse);
    emscripten_set_mouseleave_callback("#canvas", nullptr, EM_TRUE, on_mouse);
    emscripten_set_keydown_callback(win, nullptr, EM_TRUE, on_key_event);
    emscripten_set_keyup_callback(win, nullptr, EM_TRUE, on_key_event);
    emscripten_set_focus_callback(win, nullptr, EM_TRUE, on_focus);
    emscripten_set_touchstart_callback(win, nullptr, EM_TRUE, on_touch);
    emscripten_set_touchmove_callback(win, nullptr, EM_TRUE, on_touch);
    emscripten_set_touchend_callback(win, nullptr, EM_TRUE, on_touch);
    emscripten_set_blur_callback(win, nullptr, EM_TRUE, on_focus);
    ImGui_ImplOpenGL3_Init("#version 300 es");
    emscripten_set_main_loop(frame, 0, true);
    return 0;
}
