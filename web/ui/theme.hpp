#pragma once
// Colours, fonts and style: one place, so the high-contrast theme and presenter sizes
// reach every panel.
#include <imgui.h>

#include "web/ui/model.hpp"

namespace relaylab::ui {

struct Palette {
    ImU32 command, reply_2xx, reply_3xx, reply_4xx, reply_5xx, dns, tls, other;
    ImU32 client, relay, mx, dns_node, mailbox;
    ImU32 text, dim_text, link, link_active, hop, current_row, down, warn, ok, canvas_bg;
};
const Palette& palette(bool high_contrast);

struct Fonts {
    ImFont* sans = nullptr;
    ImFont* mono = nullptr;
    ImFont* big = nullptr;  // headings and the current step
};
Fonts& fonts();

// ImGui style for the given preferences (dark or high contrast, normal or large controls).
void apply_style(const Prefs& prefs);

// The glyphs the fonts carry (Latin-1, Latin Extended-A/B, Greek, Cyrillic, dashes, quotes,
// arrows, minus, ▶ ◀ ■ ✓ ✗); the build
// subsets the TTFs to the same set (web/web.cmake).
const ImWchar* glyph_ranges();

}  // namespace relaylab::ui
