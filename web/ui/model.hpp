#pragma once
// The UI's model: the loaded Simulation plus what the viewer chose (playback, speed,
// presenter settings). Panels borrow it read-only each frame and return Commands; only
// Model::apply changes it. No ImGui here: the JS API and tests drive the same model.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/quiz.hpp"
#include "sim/simulation.hpp"
#include "web/ui/live_trace.hpp"

namespace relaylab::ui {

struct ScenarioInfo {
    std::string name, title, description;
    int chapter = 5;     // teaching order (web/ui/teaching_order.hpp)
    std::string lesson;  // what you will learn: the description's first sentence
};

struct Prefs {
    float font_scale = 1.0f;     // Ctrl + / Ctrl -
    bool high_contrast = false;
    bool large_controls = false;
    bool hide_future = false;        // sequence and transcript show only steps up to now
    bool hide_capabilities = false;  // ... and leave out EHLO's capability lines
    bool beginner = false;  // beginner view: no capability lines, no ESMTP parameters ...
    bool show_all = false;  // ... until asked ("show all")
};

// What relaylab.jump(kind, dir) and the F/H/N keys look for (web/ui/jumps.cpp).
enum class JumpKind { failure, hop, dsn, end };

// What a panel (or the JS API, or a link) asks the model to do.
namespace cmd {
struct Load { std::string name; };
struct StepForward {};
struct StepBack {};
struct Seek { std::size_t step = 0; };
struct Restart {};
struct SetPlaying { bool on = false; };
struct TogglePlaying {};
struct SetSpeed { float steps_per_second = 2.0f; };
struct SetSwitch { std::string name; bool on = false; };
struct SetFontScale { float scale = 1.0f; };
struct SetHighContrast { bool on = false; };
struct SetLargeControls { bool on = false; };
struct SetHideFuture { bool on = false; };
struct SetHideCapabilities { bool on = false; };
struct Jump { JumpKind kind = JumpKind::failure; int dir = 1; };  // dir +1 next, -1 previous
// Quiz, glossary and beginner view (web/ui/model_quiz.cpp).
struct QuizStart {};
struct QuizStop {};
struct QuizAnswer { int choice = 0; };  // 0-based
struct QuizSkip {};
struct QuizContinue {};  // on to the next question (or the end)
struct OpenGlossary { std::string term; };  // "" for the whole list
struct CloseGlossary {};
struct SetBeginner { bool on = false; };
struct SetShowAll { bool on = false; };
// Live mode (web/ui/live_trace.hpp, live_model.cpp): on/off, pause the list, open a session
// (or a message's route, by queue id) in the panels.
struct Live { enum class Do { on, off, pause, resume, open } what = Do::on; std::string id; };
}  // namespace cmd
using Command = std::variant<cmd::Load, cmd::StepForward, cmd::StepBack, cmd::Seek, cmd::Restart,
                             cmd::SetPlaying, cmd::TogglePlaying, cmd::SetSpeed, cmd::SetSwitch,
                             cmd::SetFontScale, cmd::SetHighContrast, cmd::SetLargeControls,
                             cmd::SetHideFuture, cmd::SetHideCapabilities, cmd::Jump,
                             cmd::QuizStart, cmd::QuizStop, cmd::QuizAnswer, cmd::QuizSkip, cmd::QuizContinue,
                             cmd::OpenGlossary, cmd::CloseGlossary, cmd::SetBeginner, cmd::SetShowAll, cmd::Live>;
using Commands = std::vector<Command>;

class Model {
public:
    static constexpr float k_min_font_scale = 0.75f, k_max_font_scale = 3.0f;

    Model();

    const std::vector<ScenarioInfo>& scenarios() const { return scenarios_; }
    const ScenarioInfo* info(std::string_view name) const;

    // Applies one command; false if it could not (unknown scenario or switch).
    bool apply(const Command& command);
    void apply_all(const Commands& commands) {
        for (const auto& c : commands) apply(c);
    }
    // Advances playback and the hop animation by dt seconds.
    void tick(double dt_seconds);

    bool loaded() const { return sim_ != nullptr; }
    const sim::Simulation& sim() const { return *sim_; }
    const std::string& scenario_name() const { return name_; }
    std::size_t step() const { return sim_ ? sim_->step() : 0; }
    std::size_t total_steps() const { return sim_ ? sim_->total_steps() : 0; }

    bool playing() const { return playing_; }
    float speed() const { return speed_; }
    // 0 → 1 while the current step's hop is animated (1 when at rest).
    float hop_progress() const { return hop_progress_; }
    // Changes whenever the run is replaced (load, switch): panels drop their caches.
    std::uint64_t generation() const { return generation_; }

    // Live mode: the relay's stream (fed by the JS API) and whether the panels show it.
    LiveTrace& live() { return live_; }
    const LiveTrace& live() const { return live_; }
    bool live_mode() const { return live_mode_; }
    const std::string& live_shown() const { return live_shown_; }  // session or queue id shown

    const Prefs& prefs() const { return prefs_; }
    // Whether the page offers scenario().switches[i]: it changes something here, or is on
    // (web/ui/switch_relevance.hpp). Computed when a scenario loads.
    bool switch_offered(std::size_t i) const;

    // The shareable link state: "scenario=NAME&step=N&switch=1" (switches that differ
    // from the scenario's default only). For a world loaded from JSON "world=@&step=N...":
    // the page puts the world itself, compressed, in place of the @ (web/ui/world_link.hpp).
    std::string fragment() const;
    // A world of one's own, from JSON text: validated by sim::parse_scenario (the same as
    // `relaylab sim FILE`). Returns the error naming the JSON path, or "" when it loaded; on
    // an error the world shown stays as it was. Loaded, it ends Live mode.
    std::string load_world(std::string_view json_text);
    bool custom_world() const { return !world_json_.empty(); }
    // The current world's JSON: the text loaded, or the built-in scenario's file.
    std::string world_json() const;
    // Presenter mode: big text, high contrast, large controls and the future hidden (on),
    // or back to the defaults (off).
    static Commands presenter_commands(bool on);
    bool presenting() const { return prefs_.large_controls && prefs_.high_contrast && prefs_.font_scale >= 1.5f; }
    // Commands that reopen a fragment (with or without its leading '#'); what cannot be
    // understood (a step that is not a number) is added to *problems, in plain words.
    static Commands commands_for_fragment(std::string_view fragment, std::vector<std::string>* problems = nullptr);

    // Quiz, glossary and beginner view (web/ui/model_quiz.cpp).
    const sim::QuizRun* quiz() const { return quiz_ ? &*quiz_ : nullptr; }
    const sim::QuizQuestion* quiz_pending() const;  // the unanswered question at this step
    bool glossary_open() const { return glossary_open_; }
    const std::string& glossary_term() const { return glossary_term_; }
    bool hides_details() const { return prefs_.beginner && !prefs_.show_all; }

private:
    void moved(std::size_t old_step);
    bool apply_live(const cmd::Live& c);  // live_model.cpp
    std::optional<bool> apply_quiz(const Command& command);  // nullopt: not one of its commands
    std::size_t quiz_limit(std::size_t to) const;                // how far a move may go
    void quiz_refresh();                                         // new run: new questions

    std::optional<sim::QuizRun> quiz_;
    bool quiz_restore_hide_future_ = false;
    bool glossary_open_ = false;
    std::string glossary_term_;

    std::vector<ScenarioInfo> scenarios_;
    std::unique_ptr<sim::Simulation> sim_;
    std::string name_;
    std::string world_json_;  // the JSON of a world loaded with load_world ("" for a built-in)
    std::vector<bool> relevant_switches_;
    bool playing_ = false;
    float speed_ = 2.0f;
    double play_accum_ = 0;
    float hop_progress_ = 1.0f;
    std::uint64_t generation_ = 0;
    Prefs prefs_;
    LiveTrace live_;
    bool live_mode_ = false;
    std::string live_shown_, scenario_before_live_;
};

}  // namespace relaylab::ui
