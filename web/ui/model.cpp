#include "web/ui/model.hpp"

#include <algorithm>
#include <cstdlib>

#include "sim/library.hpp"
#include "web/ui/jumps.hpp"
#include "web/ui/switch_relevance.hpp"
#include "web/ui/teaching_order.hpp"

namespace relaylab::ui {

namespace {

constexpr const char* k_default_scenario = "happy-path";

template <class... F> struct overloaded : F... { using F::operator()...; };
template <class... F> overloaded(F...) -> overloaded<F...>;

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            const std::string hex(s.substr(i + 1, 2));
            char* end = nullptr;
            const long v = std::strtol(hex.c_str(), &end, 16);
            if (end == hex.c_str() + 2) {
                out.push_back(static_cast<char>(v));
                i += 2;
                continue;
            }
        }
        out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
    return out;
}

bool truthy(std::string_view v) { return v == "1" || v == "true" || v == "on" || v == "yes"; }

}  // namespace

Model::Model() {
    for (const auto& b : sim::builtin_scenarios()) {
        ScenarioInfo info;
        info.name = std::string(b.name);
        info.title = info.name;
        auto parsed = sim::parse_scenario(b.json);
        if (parsed.scenario) {
            info.title = parsed.scenario->title;
            info.description = parsed.scenario->description;
        }
        info.chapter = lesson_of(info.name).chapter;
        info.lesson = first_sentence(info.description);
        scenarios_.push_back(std::move(info));
    }
    // Teaching order: submission basics → DNS → relaying → failures → attacks.
    std::stable_sort(scenarios_.begin(), scenarios_.end(), [](const ScenarioInfo& a, const ScenarioInfo& b) {
        return lesson_of(a.name).rank < lesson_of(b.name).rank;
    });
    if (!apply(cmd::Load{k_default_scenario}) && !scenarios_.empty()) apply(cmd::Load{scenarios_.front().name});
}

const ScenarioInfo* Model::info(std::string_view name) const {
    for (const auto& s : scenarios_)
        if (s.name == name) return &s;
    return nullptr;
}

void Model::moved(std::size_t old_step) {
    // A single step forward animates its hop; jumps land at once.
    hop_progress_ = (sim_ && sim_->step() == old_step + 1) ? 0.0f : 1.0f;
}

bool Model::apply(const Command& command) {
    if (const auto done = apply_quiz(command)) return *done;
    return std::visit(
        overloaded{
            [&](const cmd::Load& c) {
                const auto* builtin = sim::find_builtin(c.name);
                if (!builtin) return false;
                auto parsed = sim::parse_scenario(builtin->json);
                if (!parsed.scenario) return false;
                relevant_switches_ = relevant_switches(*parsed.scenario);
                sim_ = std::make_unique<sim::Simulation>(std::move(*parsed.scenario));
                name_ = c.name;
                world_json_.clear();
                quiz_refresh();
                playing_ = false;
                play_accum_ = 0;
                hop_progress_ = 1.0f;
                ++generation_;
                return true;
            },
            [&](const cmd::StepForward&) {
                if (!sim_) return false;
                const auto old = sim_->step();
                const bool ok = quiz_limit(old + 1) > old && sim_->step_forward();
                moved(old);
                return ok;
            },
            [&](const cmd::StepBack&) {
                if (!sim_) return false;
                const auto old = sim_->step();
                const bool ok = sim_->step_back();
                moved(old);
                return ok;
            },
            [&](const cmd::Seek& c) {
                if (!sim_) return false;
                const auto old = sim_->step();
                sim_->seek(quiz_limit(c.step));
                moved(old);
                return true;
            },
            [&](const cmd::Restart&) {
                if (!sim_) return false;
                sim_->seek(0);
                playing_ = false;
                hop_progress_ = 1.0f;
                return true;
            },
            [&](const cmd::SetPlaying& c) {
                if (!sim_) return false;
                // Playing from the end starts again from the beginning.
                if (c.on && sim_->step() >= sim_->total_steps()) sim_->seek(0);
                playing_ = c.on;
                play_accum_ = 0;
                return true;
            },
            [&](const cmd::TogglePlaying&) { return apply(cmd::SetPlaying{!playing_}); },
            [&](const cmd::SetSpeed& c) {
                speed_ = std::clamp(c.steps_per_second, 0.25f, 64.0f);
                return true;
            },
            [&](const cmd::SetSwitch& c) {
                if (!sim_ || !sim_->set_switch(c.name, c.on)) return false;
                ++generation_;
                quiz_refresh();
                hop_progress_ = 1.0f;
                return true;
            },
            [&](const cmd::SetFontScale& c) {
                prefs_.font_scale = std::clamp(c.scale, k_min_font_scale, k_max_font_scale);
                return true;
            },
            [&](const cmd::SetHighContrast& c) {
                prefs_.high_contrast = c.on;
                return true;
            },
            [&](const cmd::SetLargeControls& c) {
                prefs_.large_controls = c.on;
                return true;
            },
            [&](const cmd::SetHideFuture& c) {
                prefs_.hide_future = c.on;
                return true;
            },
            [&](const cmd::SetHideCapabilities& c) {
                prefs_.hide_capabilities = c.on;
                return true;
            },
            [&](const auto&) { return false; },  // the quiz's commands: apply_quiz
            [&](const cmd::Jump& c) {
                if (!sim_) return false;
                const auto target = jump_target(*sim_, c.kind, c.dir);
                if (!target) return false;
                const auto old = sim_->step();
                playing_ = false;
                sim_->seek(quiz_limit(*target));
                moved(old);
                return true;
            },
            [&](const cmd::Live& c) { return apply_live(c); },
        },
        command);
}

void Model::tick(double dt) {
    if (!sim_) return;
    if (hop_progress_ < 1.0f) {
        // A hop takes 0.45 s, or less when playing fast.
        const double duration = playing_ ? std::min(0.45, 0.8 / speed_) : 0.45;
        hop_progress_ = static_cast<float>(std::min(1.0, hop_progress_ + dt / duration));
    }
    if (!playing_) return;
    play_accum_ += dt * speed_;
    while (play_accum_ >= 1.0) {
        play_accum_ -= 1.0;
        if (!apply(cmd::StepForward{})) {
            playing_ = false;
            break;
        }
    }
    if (sim_->step() >= sim_->total_steps()) playing_ = false;
}

Commands Model::presenter_commands(bool on) {
    // No spoilers on the projector: the future is hidden while presenting.
    return {cmd::SetFontScale{on ? 1.6f : 1.0f}, cmd::SetHighContrast{on}, cmd::SetLargeControls{on}, cmd::SetHideFuture{on}};
}

bool Model::switch_offered(std::size_t i) const {
    if (!sim_ || i >= sim_->scenario().switches.size()) return false;
    const auto& sw = sim_->scenario().switches[i];
    return (i < relevant_switches_.size() && relevant_switches_[i]) || sw.on || sim_->switch_on(sw.name);
}

std::string Model::load_world(std::string_view json_text) {
    auto parsed = sim::parse_scenario(json_text);
    if (!parsed.scenario) return parsed.error;
    relevant_switches_ = relevant_switches(*parsed.scenario);
    name_ = parsed.scenario->name;
    sim_ = std::make_unique<sim::Simulation>(std::move(*parsed.scenario));
    world_json_ = std::string(json_text);
    live_mode_ = false;  // the world loaded replaces what Live mode showed (and the stream no longer reopens it)
    live_shown_.clear();
    quiz_refresh();
    playing_ = false;
    play_accum_ = 0;
    hop_progress_ = 1.0f;
    ++generation_;
    return "";
}

std::string Model::world_json() const {
    if (custom_world()) return world_json_;
    const auto* builtin = sim::find_builtin(name_);
    return builtin ? std::string(builtin->json) : std::string();
}

std::string Model::fragment() const {
    if (!sim_) return "";
    std::string out = custom_world() ? std::string("world=@") : "scenario=" + name_;
    out += "&step=" + std::to_string(sim_->step());
    for (const auto& sw : sim_->scenario().switches) {
        const bool on = sim_->switch_on(sw.name);
        if (on != sw.on) out += "&" + sw.name + "=" + (on ? "1" : "0");
    }
    return out;
}

Commands Model::commands_for_fragment(std::string_view fragment, std::vector<std::string>* problems) {
    if (!fragment.empty() && fragment.front() == '#') fragment.remove_prefix(1);
    std::string scenario;
    std::size_t step = 0;
    std::vector<std::pair<std::string, bool>> switches;
    while (!fragment.empty()) {
        const auto amp = fragment.find('&');
        const std::string_view part = fragment.substr(0, amp);
        fragment = amp == std::string_view::npos ? std::string_view{} : fragment.substr(amp + 1);
        const auto eq = part.find('=');
        const std::string key = percent_decode(part.substr(0, eq));
        const std::string value = eq == std::string_view::npos ? "1" : percent_decode(part.substr(eq + 1));
        if (key == "scenario") scenario = value;
        else if (key == "step") {
            const bool number = !value.empty() && value.size() < 10 &&
                                std::all_of(value.begin(), value.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
            if (number) step = static_cast<std::size_t>(std::strtoull(value.c_str(), nullptr, 10));
            else if (problems) problems->push_back("The link's step \"" + value + "\" is not a step number: showing step 0.");
        }
        else if (!key.empty()) switches.emplace_back(key, truthy(value));
    }
    Commands out;
    if (scenario.empty()) {
        if (problems) problems->push_back("The link names no scenario (it needs #scenario=NAME).");
        return out;
    }
    out.push_back(cmd::Load{scenario});
    for (auto& [name, on] : switches) out.push_back(cmd::SetSwitch{name, on});
    out.push_back(cmd::Seek{step});
    return out;
}

}  // namespace relaylab::ui
