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

#include <string>

#include "web/ui/api.hpp"
#include "web/ui/app.hpp"

namespace {

GLFWwindow* g_window = nullptr;
relaylab::ui::App* g_app = nullptr;
bool g_announced = false;
std::string g_shown_fragment;
std::string g_answer;  // the last relaylab_call answer (valid until the next call)

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

// Keys for the App (play, step, font size); imgui_impl_glfw chains to this callback.
void on_key(GLFWwindow*, int key, int, int action, int mods) {
    if (g_app && action != GLFW_RELEASE) g_app->on_key(key, (mods & (GLFW_MOD_CONTROL | GLFW_MOD_SUPER)) != 0, action == GLFW_REPEAT);
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
    g_answer = relaylab::ui::api_call(*g_app, request ? request : "");
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
    if (!g_window) return 1;
    glfwMakeContextCurrent(g_window);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    static relaylab::ui::App app({});
    g_app = &app;
    // A shared link reopens its scenario, switches and step.
    const char* hash = emscripten_run_script_string("decodeURIComponent(location.hash || '')");
    if (hash && *hash) app.open_link(hash);
    app.set_ui_scale(static_cast<float>(dpr));
    app.init_fonts();
    glfwSetKeyCallback(g_window, on_key);
    ImGui_ImplGlfw_InitForOpenGL(g_window, true);
    ImGui_ImplOpenGL3_Init("#version 300 es");
    emscripten_set_main_loop(frame, 0, true);
    return 0;
}
