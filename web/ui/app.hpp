#pragma once
// The relaylab user interface, independent of the window system: the web page
// (main_web.cpp) and the desktop window (main_desktop.cpp) both create one App, and
// per displayed frame call, outside ImGui's NewFrame/Render pair,
//     if (app.fonts_dirty()) { app.init_fonts(); /* recreate the backend's font texture */ }
// and inside it app.frame(width, height).
#include <deque>
#include <string>
#include <string_view>
#include <utility>

#include "web/ui/editor_panel.hpp"
#include "web/ui/live_rebuild.hpp"
#include "web/ui/model.hpp"
#include "web/ui/panels.hpp"
#include "web/ui/toolbar_flow.hpp"

namespace relaylab::ui {

struct AppOptions {
    std::string asset_dir = "/assets";  // DejaVuSans.ttf and DejaVuSansMono.ttf
    float font_size = 18.0f;
    bool inbox_button = false;  // the web page's Inbox drawer (assets/web/inbox.js): button and I key
};

struct Rect {
    float x = 0, y = 0, w = 0, h = 0;
};
// Where each panel sits on screen (pixels), for tests and screenshots.
struct Layout {
    Rect toolbar, topology, sequence, notes, details, switches;  // switches: the Live list in Live mode
    Rect notice;  // the link's error message; empty when none is shown
    Rect scrubber;   // the timeline's slider
    Rect step_note;  // the current step's line and explanation in the notes
    bool presenter = false;  // the projector layout (no switches panel, the Live list under the note; Details collapsible)
    Rect quiz, glossary, glossary_chip;  // the quiz panel, the glossary window, the first chip
    std::string glossary_chip_term;
    // The toolbar's first row: its items (scenario, presenter, inbox, world, export, quiz,
    // glossary) where drawn, the lines they took, and the height of one control (a frame).
    std::vector<ToolbarItem> toolbar_items;
    int toolbar_lines = 1;
    float frame_height = 0;
    // The quiz's choice buttons and where their labels were drawn (wrapped to fit).
    struct Choice {
        Rect button, text;
    };
    std::vector<Choice> quiz_choices;
};

class App {
public:
    explicit App(AppOptions options);
    // (Re)builds the font atlas at the current font scale; call before ImGui::NewFrame.
    void init_fonts();
    bool fonts_dirty() const;
    // Device pixels per layout pixel (the browser's devicePixelRatio): the UI draws in
    // device pixels, with fonts and sizes scaled, so HiDPI screens get sharp text.
    void set_ui_scale(float scale);
    float ui_scale() const { return ui_scale_; }
    // Builds one frame of UI filling a window of the given size (in device pixels).
    void frame(float width, float height);
    long frames() const { return frames_; }
    // Something moves on its own (playback, a hop's animation): keep drawing frames.
    bool animating() const { return model_.playing() || model_.hop_progress() < 1.0f || editor_.pending(); }
    // The scrolling panels' last frame (for the JS API): transcript, sequence, notes.
    const ViewReport& transcript_view() const { return transcript_.report; }
    const ViewReport& sequence_view() const { return sequence_.report; }
    const ViewReport& notes_view() const { return notes_.report; }
    const ScenarioPanel::ListReport& scenario_list_view() const { return scenario_.list; }
    const TopologyPanel& topology_view() const { return topology_; }
    // The Wire tab (W key, relaylab.showWire()) and its "decode the credentials" switch.
    WirePanel& wire_panel() { return wire_; }
    const WirePanel& wire_panel() const { return wire_; }
    void show_wire() { select_wire_ = true; }

    Model& model() { return model_; }
    const Model& model() const { return model_; }
    bool apply(const Command& command) { return model_.apply(command); }
    // Reopens the state of a link ("scenario=NAME&step=N&switch=1"); false if the
    // scenario is unknown (nothing changes then). What went wrong (unknown scenario or
    // switch, a bad step) becomes the notice the page shows until dismissed.
    bool open_link(std::string_view fragment);
    const std::string& notice() const { return notice_; }
    void dismiss_notice() { notice_.clear(); }
    // Your own world (web/ui/app_worlds.cpp): loads JSON text with the loader of `relaylab sim
    // FILE`; on an error (returned, naming the JSON path) the page shows it as a notice and
    // the world shown stays. `source` says where it came from ("the file x.json").
    std::string load_world(std::string_view json_text, std::string_view source = "this world");
    void show_notice(std::string title, std::string text);
    // "Open in the simulator" (Live mode): the world rebuilt from live session or message
    // route `id` (web/ui/live_rebuild.hpp), loaded as load_world loads one; Live mode ends.
    LiveRebuild open_rebuilt(const std::string& id);
    EditorPanel& editor() { return editor_; }
    const EditorPanel& editor() const { return editor_; }
    // The page's file picker, downloads and clipboard, when the platform has them.
    PlatformAction platform_action;
    const Layout& layout() const { return layout_; }
    // The Inbox button (web/ui/inbox_button.cpp): pressed, or the I key; the platform layer
    // takes the request and opens the page's drawer. The badge is shown beside its name.
    bool take_inbox_request() { return std::exchange(inbox_requested_, false); }
    void set_inbox_badge(std::string text) { inbox_badge_ = std::move(text); }
    const std::string& inbox_badge() const { return inbox_badge_; }

    // A key went down (GLFW key code; both platform layers use GLFW). Queued by the
    // platform's key callback, so a press and release within one frame still count.
    // True when the key is one of the App's shortcuts: the platform layer then keeps it
    // from Dear ImGui. Nothing is a shortcut while a text field has the keyboard; Space
    // is not one while a widget shows keyboard-navigation focus (it activates the widget
    // then); Tab, Enter and the rest always go to Dear ImGui's navigation.
    bool on_key(int glfw_key, bool ctrl, bool repeat, bool shift = false);

    // The widget that has keyboard-navigation focus, by its label ("▶ Play##play"), and
    // whether the focus is shown; empty when nothing has it (see focus_probe.cpp).
    static const std::string& focused_label();
    static unsigned focused_id();  // Dear ImGui's id of that widget; 0 for none
    static bool focus_visible();

    // Frame statistics, fed by the platform layer (it owns the clock).
    void record_frame_time(double work_ms);
    double average_frame_ms() const;

private:
    void handle_keys();
    void draw_notice(float width);
    void draw_world_button();  // app_worlds.cpp
    void draw_editor();
    void apply_commands(const Commands& commands);

    AppOptions options_;
    Model model_;
    long frames_ = 0;
    float built_font_scale_ = 0;
    float ui_scale_ = 1;
    float built_ui_scale_ = 0;
    float styled_ui_scale_ = 0;
    Prefs styled_{};
    bool styled_once_ = false;
    Layout layout_;
    bool details_collapsed_ = false;  // presenter mode: the Details window folded to its title
    std::string notice_;
    std::string notice_title_;  // "" → "Cannot open this link"
    EditorPanel editor_;
    bool inbox_requested_ = false;
    std::string inbox_badge_;
    std::deque<double> frame_ms_;
    struct KeyPress {
        int key;
        bool ctrl;
        bool repeat;
        bool shift;
    };
    std::vector<KeyPress> keys_;

    ToolbarFlow toolbar_flow_;
    ScenarioPanel scenario_;
    LivePanel live_;
    TimelinePanel timeline_;
    PresenterPanel presenter_;
    TopologyPanel topology_;
    SequencePanel sequence_;
    TranscriptPanel transcript_;
    DnsPanel dns_;
    QueuePanel queue_;
    InspectorPanel inspector_;
    OutcomePanel outcome_;
    SwitchesPanel switches_;
    NotesPanel notes_;
    QuizPanel quiz_;
    GlossaryPanel glossary_;
    WirePanel wire_;
    ExportMenu export_;
    bool select_wire_ = false;
};

const char* version();

}  // namespace relaylab::ui
