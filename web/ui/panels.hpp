#pragma once
// The panels of the simulator page. Each borrows the Model for one frame, draws into
// the current ImGui window and returns Commands; each owns only view state (scroll
// positions, selection, layout caches). One .cpp per panel.
#include <imgui.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "web/ui/model.hpp"
#include "web/ui/topology_layout.hpp"

namespace relaylab::ui {

// What a scrolling panel showed in its last frame, for the JS API and tests: scroll
// position and range (pixels), its line height, and which steps (1-based) it listed.
struct ViewReport {
    float scroll_y = 0, scroll_max = 0, line_h = 0, visible_h = 0;
    std::vector<std::size_t> steps;
    std::string current_line;  // the current step's line as drawn (with its symbol)
};
// Records the current ImGui window's scroll into a report.
void record_scroll(ViewReport& report);

// Scenario picker (title + description) — web/ui/scenario_panel.cpp
struct ScenarioPanel {
    Commands draw(const Model& model);
    // The open list in the last frame drawn (for tests): its scroll, its visible height, and
    // where the selected scenario's chapter heading and the selected entry sit (content y).
    struct ListReport {
        bool open = false;
        float scroll_y = 0, visible_h = 0, heading_y = -1, selected_y = -1, selected_h = 0;
    } list;
};

// Play/pause, step, back, restart, speed, scrubber — web/ui/timeline_panel.cpp
struct TimelinePanel {
    Commands draw(const Model& model);
    bool wide_scrubber = false;     // the scrubber on a row of its own, full width (presenter mode)
    ImVec2 scrubber_min, scrubber_max;  // where the scrubber was drawn in the last frame
};

// Font size, high contrast, large controls — web/ui/presenter_panel.cpp
struct PresenterPanel {
    Commands draw(const Model& model);
};

// What a topology node stands for: its colour and its column.
enum class NodeKind { client, relay, dns, mx, mailbox, other };

// Hosts as nodes, links, the current hop with the message moving along it — topology_panel.cpp
struct TopologyPanel {
    Commands draw(const Model& model);
    // What the last frame drew where (screen pixels), for the JS API and the layout tests:
    // the panel's canvas, then each node, mark block and label with its text.
    struct Drawn {
        std::string what, text;  // what: node, marks, label, caption
        Box box;
    };
    Box canvas;
    std::vector<Drawn> drawn;

private:
    struct Node {
        std::string name, caption;
        NodeKind kind = NodeKind::client;
        int column = 0;      // clients | relays | DNS and MX hosts | mailboxes
        int mark_lines = 0;  // failure marks shown under the box (at most 3)
    };
    void rebuild(const Model& model);
    std::uint64_t generation_ = ~0ull;
    std::vector<Node> nodes_;
    std::vector<std::pair<int, int>> links_;
    std::map<std::string, int> index_;
};

// Sequence (ladder) diagram: a column per host, an arrow per step — sequence_panel.cpp
struct SequencePanel {
    Commands draw(const Model& model);
    ViewReport report;

private:
    std::uint64_t generation_ = ~0ull;
    std::size_t shown_step_ = ~std::size_t{0};
    float shown_row_h_ = 0;
    bool shown_hide_future_ = false, shown_hide_caps_ = false;
    int settle_ = 0;         // frames left to bring the current step into view
    bool recenter_ = false;  // ... at 40% of the height even if it is visible
    std::vector<std::string> columns_;
};

// C:/S: transcript with explanations — transcript_panel.cpp
struct TranscriptPanel {
    Commands draw(const Model& model);
    ViewReport report;

private:
    std::size_t shown_step_ = ~std::size_t{0};
    bool shown_hide_future_ = false, shown_hide_caps_ = false;
    float shown_font_ = 0;
    std::uint64_t generation_ = ~0ull;
};

// DNS questions and answers so far — dns_panel.cpp
struct DnsPanel {
    Commands draw(const Model& model);
};

// Queue entries, recipients, connections — queue_panel.cpp
struct QueuePanel {
    Commands draw(const Model& model);
};

// Message copies (headers, Received: chain) and bounces — inspector_panel.cpp
struct InspectorPanel {
    Commands draw(const Model& model);

private:
    std::size_t selected_ = 0;
    std::size_t seen_copies_ = 0;
    std::uint64_t generation_ = ~0ull;
};

// Status of every scenario message — outcome_panel.cpp
struct OutcomePanel {
    Commands draw(const Model& model);
};

// Failure switches of the loaded scenario — switches_panel.cpp
struct SwitchesPanel {
    Commands draw(const Model& model);
};

// Scenario description, teacher's note for the phase, current step — notes_panel.cpp
struct NotesPanel {
    Commands draw(const Model& model);
    ViewReport report;
    // Where the current step's line and explanation were drawn (screen pixels), for tests.
    ImVec2 step_min, step_max;

private:
    bool show_secret_ = false;  // "Show the credentials" of an AUTH step, off until asked
};

// Quiz, glossary — quiz_panel.cpp, glossary_panel.cpp
struct QuizPanel {
    Commands draw(const Model& model);  // the question, the reveal and the score
    // The last frame's choice buttons and where their (wrapped) labels went, screen pixels.
    struct Choice {
        ImVec2 button_min, button_max, text_min, text_max;
    };
    std::vector<Choice> choices;
};
// The toolbar's Quiz (Stop quiz while it runs) and Glossary buttons.
Commands quiz_button(const Model& model);
Commands glossary_button(const Model& model);
// Keys 1-4 answer the pending question; Enter and Space (no focused widget) continue.
std::optional<Command> quiz_key_command(const Model& model, int glfw_key, bool nav_visible);
struct GlossaryPanel {
    Commands draw(const Model& model, ImVec2 pos, ImVec2 size);
    ImVec2 rect_min, rect_max;  // where the window was in the last frame

private:
    std::string shown_term_;
    bool was_open_ = false;
};
// Chips (small underlined buttons) for the glossary terms a text mentions; one opens the
// glossary at its term. The first chip drawn in a frame is reported for tests.
Commands glossary_chips(const std::string& text);
struct ChipReport {
    ImVec2 min, max;
    bool shown = false;
    std::string term;
};
ChipReport& glossary_chip_report();  // reset by the App each frame

// The exact octets of the current step, and what an observer on the path sees — wire_panel.cpp
struct WirePanel {
    Commands draw(const Model& model);
    bool decode_auth = false;  // "Decode the credentials": off until asked
};
// "Export…": handout, transcript, trace, pcap and each message as .eml — export_menu.cpp
struct ExportMenu {
    Commands draw(const Model& model);
    bool open_request = false;  // the E key: open the menu in the next frame
};
// Live mode: the toolbar's Live button and the relay's session list — live_panel.cpp
struct LivePanel {
    Commands draw_button(const Model& model);
    Commands draw_list(const Model& model);
    // The "Open in the simulator" button was pressed for this session or route (the App
    // rebuilds and loads the world: App::open_rebuilt).
    std::optional<std::string> take_rebuild_request() { return std::exchange(rebuild_request_, std::nullopt); }

private:
    std::optional<std::string> rebuild_request_;
    char filter_[128] = {};
    bool paused_view_ = false;
};

}  // namespace relaylab::ui
