#include "web/ui/theme.hpp"

namespace relaylab::ui {

namespace {
constexpr ImU32 rgb(int r, int g, int b, int a = 255) { return IM_COL32(r, g, b, a); }
}  // namespace

const Palette& palette(bool high_contrast) {
    static const Palette dark{
        // Reply classes 2xx teal, 3xx sky blue, 4xx yellow, 5xx red, and the outcomes in the same
        // hues: chosen to stay apart (CIEDE2000 >= 10) under protanopia and deuteranopia as well
        // (tests/browser/colour.mjs); the symbols ✓ → … ✗ say the same without colour.
        rgb(120, 180, 255), rgb(40, 190, 170), rgb(86, 180, 233), rgb(240, 228, 66), rgb(255, 95, 95),
        rgb(200, 150, 255), rgb(230, 210, 110), rgb(170, 175, 185),
        rgb(70, 110, 170), rgb(60, 130, 110), rgb(120, 90, 160), rgb(150, 120, 60), rgb(90, 95, 110),
        rgb(230, 233, 240), rgb(140, 145, 155), rgb(95, 100, 115), rgb(255, 210, 80), rgb(255, 220, 90),
        rgb(255, 210, 80, 50), rgb(240, 70, 70), rgb(240, 228, 66), rgb(40, 190, 170), rgb(24, 26, 32)};
    static const Palette contrast{
        rgb(120, 200, 255), rgb(0, 220, 200), rgb(120, 160, 255), rgb(255, 230, 60), rgb(255, 80, 80),
        rgb(230, 160, 255), rgb(255, 255, 0), rgb(255, 255, 255),
        rgb(0, 70, 160), rgb(0, 110, 80), rgb(100, 40, 150), rgb(140, 100, 0), rgb(60, 60, 60),
        rgb(255, 255, 255), rgb(200, 200, 200), rgb(200, 200, 200), rgb(255, 255, 0), rgb(255, 255, 0),
        rgb(255, 255, 0, 70), rgb(255, 60, 60), rgb(255, 230, 60), rgb(0, 220, 200), rgb(0, 0, 0)};
    return high_contrast ? contrast : dark;
}

Fonts& fonts() {
    static Fonts f;
    return f;
}

void apply_style(const Prefs& prefs) {
    ImGuiStyle style;
    if (prefs.high_contrast) {
        ImGui::StyleColorsDark(&style);
        ImVec4* c = style.Colors;
        c[ImGuiCol_Text] = ImVec4(1, 1, 1, 1);
        c[ImGuiCol_TextDisabled] = ImVec4(0.8f, 0.8f, 0.8f, 1);
        c[ImGuiCol_WindowBg] = ImVec4(0, 0, 0, 1);
        c[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 1);
        c[ImGuiCol_PopupBg] = ImVec4(0.05f, 0.05f, 0.05f, 1);
        c[ImGuiCol_Border] = ImVec4(1, 1, 1, 0.8f);
        c[ImGuiCol_FrameBg] = ImVec4(0.15f, 0.15f, 0.15f, 1);
        c[ImGuiCol_FrameBgHovered] = ImVec4(0.3f, 0.3f, 0.1f, 1);
        c[ImGuiCol_TitleBg] = c[ImGuiCol_TitleBgActive] = ImVec4(0.1f, 0.1f, 0.35f, 1);
        c[ImGuiCol_Button] = ImVec4(0.1f, 0.1f, 0.45f, 1);
        c[ImGuiCol_ButtonHovered] = ImVec4(0.2f, 0.2f, 0.7f, 1);
        c[ImGuiCol_ButtonActive] = ImVec4(0.5f, 0.5f, 0, 1);
        c[ImGuiCol_Header] = ImVec4(0.25f, 0.25f, 0, 1);
        c[ImGuiCol_HeaderHovered] = ImVec4(0.4f, 0.4f, 0, 1);
        c[ImGuiCol_CheckMark] = ImVec4(1, 1, 0, 1);
        c[ImGuiCol_SliderGrab] = c[ImGuiCol_SliderGrabActive] = ImVec4(1, 1, 0, 1);
        c[ImGuiCol_Tab] = ImVec4(0.1f, 0.1f, 0.35f, 1);
        c[ImGuiCol_TabActive] = ImVec4(0.3f, 0.3f, 0.8f, 1);
        c[ImGuiCol_TabHovered] = ImVec4(0.4f, 0.4f, 0.9f, 1);
        c[ImGuiCol_TableRowBgAlt] = ImVec4(1, 1, 1, 0.08f);
        style.WindowBorderSize = style.FrameBorderSize = 1.0f;
    } else {
        ImGui::StyleColorsDark(&style);
        style.Colors[ImGuiCol_WindowBg] = ImVec4(0.10f, 0.11f, 0.13f, 1);
        style.Colors[ImGuiCol_ChildBg] = ImVec4(0.09f, 0.10f, 0.12f, 1);
        style.Colors[ImGuiCol_TitleBgActive] = style.Colors[ImGuiCol_TitleBg] = ImVec4(0.16f, 0.20f, 0.30f, 1);
    }
    style.WindowRounding = 0;
    style.FrameRounding = 3;
    style.TabRounding = 3;
    style.ScrollbarSize = 16;
    if (prefs.large_controls) {
        style.FramePadding = ImVec2(12, 8);
        style.ItemSpacing = ImVec2(12, 8);
        style.ScrollbarSize = 24;
        style.GrabMinSize = 24;
    }
    ImGui::GetStyle() = style;
}

const ImWchar* glyph_ranges() {
    static const ImWchar ranges[] = {
        0x0020, 0x024F,  // Basic Latin, Latin-1, Latin Extended-A and -B
        0x0370, 0x03FF,  // Greek and Coptic
        0x0400, 0x04FF,  // Cyrillic
        0x2013, 0x2014, 0x2018, 0x201D, 0x2022, 0x2022, 0x2026, 0x2026,
        0x2190, 0x2193, 0x2212, 0x2212, 0x25A0, 0x25A0, 0x25B6, 0x25B6, 0x25C0, 0x25C0, 0x2713, 0x2713, 0x2717, 0x2717, 0,
    };
    return ranges;
}

}  // namespace relaylab::ui
