// Which widget has keyboard-navigation focus, by label: Dear ImGui reports each item's
// id and label to the test-engine hooks (IMGUI_ENABLE_TEST_ENGINE, set on the ImGui
// library in CMakeLists.txt); the item whose id is the navigation id is the focused one.
// Some widgets (combos) report no label: their id alone says which one has the focus.
// The page's state() shows it (window.relaylab.state().focus), for the browser tests.
#include <imgui.h>
#include <imgui_internal.h>

#include <cstdarg>
#include <string>

#include "web/ui/app.hpp"

namespace {
std::string g_seen;     // this frame's, so far
std::string g_focused;  // the last complete frame's
ImGuiID g_focused_id = 0;
bool g_visible = false;
}  // namespace

void ImGuiTestEngineHook_ItemAdd(ImGuiContext*, ImGuiID, const ImRect&, const ImGuiLastItemData*) {}
void ImGuiTestEngineHook_ItemInfo(ImGuiContext* ctx, ImGuiID id, const char* label, ImGuiItemStatusFlags) {
    if (id != 0 && id == ctx->NavId && label) g_seen = label;
}
void ImGuiTestEngineHook_Log(ImGuiContext*, const char*, ...) {}
const char* ImGuiTestEngine_FindItemDebugLabel(ImGuiContext*, ImGuiID) { return nullptr; }

namespace relaylab::ui {

void focus_probe_begin_frame() {
    GImGui->TestEngineHookItems = true;
    g_seen.clear();
}

void focus_probe_end_frame() {
    g_focused_id = GImGui->NavId;
    g_focused = g_focused_id != 0 ? g_seen : std::string();
    g_visible = ImGui::GetIO().NavVisible && g_focused_id != 0;
}

unsigned App::focused_id() { return g_focused_id; }

const std::string& App::focused_label() { return g_focused; }
bool App::focus_visible() { return g_visible; }

}  // namespace relaylab::ui
