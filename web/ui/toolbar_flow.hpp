#pragma once
// The toolbar's first row, laid out like words in a paragraph: each item (a button, or a
// few drawn together) stays on the current line when its width fits before the window's
// right edge, else it opens the next line. A projector's big text thus never pushes a
// button off the screen. An item's width is the one the previous frame drew (an item's
// width is known only once drawn; the first frame guesses it fits), and the toolbar's
// height (App::frame) follows the lines the previous frame used: after a change (the
// font, a label) the page redraws a few frames and the layout settles on the second.
#include <string>
#include <vector>


namespace relaylab::ui {

// Where an item was drawn (screen pixels), by its name: for tests (relaylab.layout()).
struct ToolbarItem {
    std::string name;
    float x = 0, y = 0, w = 0, h = 0;
};

class ToolbarFlow {
public:
    void begin();  // at the row's start, the cursor at the left of the window
    // Opens the item `name`: beside the one before it (`spacing` pixels apart; negative:
    // the style's), or on a new line when it would not fit. Close it with end_item().
    void begin_item(const std::string& name, float spacing = -1);
    void end_item();
    // Lines used: by the frame being drawn so far, and by the last complete frame.
    int lines() const { return lines_; }
    int last_lines() const { return last_lines_; }
    const std::vector<ToolbarItem>& items() const { return items_; }
    void end();  // after the last item

private:
    float width_of(const std::string& name) const;  // in the last frame; 0 when unknown
    std::vector<ToolbarItem> items_, last_items_;
    int lines_ = 1, last_lines_ = 1;
    bool first_ = true;
};

}  // namespace relaylab::ui
