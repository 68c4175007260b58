#pragma once
// Where the topology panel puts its boxes, in pixels, so that nothing overlaps and
// nothing leaves the panel at any size (a 1280×720 projector in presenter mode included).
// Pure geometry: no ImGui, no model; the panel measures text and draws (topology_panel.cpp),
// and the unit tests check the rules on many shapes.
//
// The rules:
//  - the hosts stand in columns (clients | relays | DNS and MX hosts | mailboxes); an empty
//    column takes no room, and each column owns a band of the panel's width;
//  - a host's box and its mark lines (failures switched on) stay inside its column's band;
//  - the boxes of a column are spread down the panel above a band kept for the caption line;
//  - when they do not fit, the boxes first lose their second line (the caption), then all
//    text shrinks, down to half size; past that the mark lines go too (a mark block of
//    height 0) and the text shrinks further;
//  - a label (a connection's port, the message's line) takes the first of its candidate
//    places that is inside the panel and clear of every box placed so far, or is left out.
#include <optional>
#include <vector>

namespace relaylab::ui {

struct Box {
    float x = 0, y = 0, w = 0, h = 0;
    float right() const { return x + w; }
    float bottom() const { return y + h; }
};
// Whether two boxes share any area (touching edges do not count).
bool boxes_overlap(const Box& a, const Box& b);
// Whether `inner` lies wholly inside `outer`.
bool box_inside(const Box& inner, const Box& outer);

struct TopologyItem {
    int column = 0;      // 0..3
    int mark_lines = 0;  // lines of marks under the box
};

struct TopologyPlacement {
    float font = 0, small = 0;  // the text sizes to draw with (possibly shrunk)
    bool captions = true;       // whether the boxes have room for their second line
    Box caption_band;           // the bottom line of the panel, kept for the step's caption
    std::vector<Box> nodes;     // one per item
    std::vector<Box> marks;     // one per item: the area under the box for its mark lines (h 0: none shown)
    float mark_line_h = 0;      // the height of one mark line
};

// Places the items in a panel of `width` × `height` pixels with text of `font` pixels.
TopologyPlacement place_topology(const std::vector<TopologyItem>& items, float width, float height, float font);

// The first candidate inside `bounds` that overlaps none of `taken`; nothing if none is.
std::optional<Box> place_label(const std::vector<Box>& candidates, const std::vector<Box>& taken, const Box& bounds);

}  // namespace relaylab::ui
