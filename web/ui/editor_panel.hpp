#pragma once
// The world editor ("Your world…"): the current world's JSON in a text box, checked as you
// type (sim::parse_scenario, the loader of `relaylab sim FILE`, a moment after the last key),
// the error at its JSON path under the box, a short schema reference (sim/schema_reference.hpp),
// Run, Start from a built-in scenario, Open file, Export as JSON and Copy link.
#include <imgui.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "web/ui/model.hpp"

namespace relaylab::ui {

// What the editor asks of the page around it (the browser: a file picker, a download, the
// clipboard): action "open_file", "download" (arg: the JSON) or "copy_link" (arg: the JSON).
using PlatformAction = std::function<void(std::string_view action, std::string_view arg)>;

class EditorPanel {
public:
    static constexpr double k_check_delay_s = 0.3;  // check this long after the last key

    bool is_open() const { return open_; }
    // Opens with the current world's JSON (or closes).
    void set_open(bool on, const Model& model);
    // Draws the editor's content; returns the JSON to run when Run was pressed.
    std::optional<std::string> draw(const Model& model, double now_s, const PlatformAction& platform);
    // A check is due (the page keeps drawing frames until it has run).
    bool pending() const { return !checked_; }

    const std::string& text() const { return text_; }
    // Replaces the text (as typing would) and schedules its check.
    void set_text(std::string text, double now_s);
    const std::string& error() const { return error_; }  // "" when the text is a valid world
    bool checked() const { return checked_; }
    // Where the text box was drawn in the last frame (screen pixels), for tests.
    ImVec2 box_min, box_max;

private:
    void check();

    bool open_ = false;
    std::string text_;
    std::string error_;
    bool checked_ = true;
    double edited_at_ = 0;
    bool edited_ = false;  // the user changed the text since it was filled from the model
    std::uint64_t filled_generation_ = 0;
    bool reference_open_ = false;
};

}  // namespace relaylab::ui
