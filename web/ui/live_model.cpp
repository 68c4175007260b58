// Live mode in the model: the panels show a recorded run built from the relay's stream
// (LiveTrace::simulation) instead of a scenario's, until Live mode is left.
#include "web/ui/model.hpp"

namespace relaylab::ui {

bool Model::apply_live(const cmd::Live& c) {
    using Do = cmd::Live::Do;
    switch (c.what) {
        case Do::on:
            if (!live_.available()) return false;
            if (!live_mode_) scenario_before_live_ = name_;
            live_mode_ = true;
            return true;
        case Do::off: {
            if (!live_mode_) return true;
            live_mode_ = false;
            const bool replaced = !live_shown_.empty();  // a session was shown in the world's place
            live_shown_.clear();
            if (!replaced) return true;
            if (custom_world()) return load_world(std::string(world_json_)).empty();  // e.g. a rebuilt one
            const std::string back = scenario_before_live_;
            return back.empty() || back.rfind("live:", 0) == 0 || apply(cmd::Load{back});
        }
        case Do::pause: live_.set_paused(true); return true;
        case Do::resume: live_.set_paused(false); return true;
        case Do::open: {
            auto sim = live_.simulation(c.id);
            if (!sim) return false;
            if (!live_mode_) scenario_before_live_ = name_;
            live_mode_ = true;
            live_shown_ = c.id;
            sim->seek(sim->total_steps());  // a real session is shown whole
            sim_ = std::move(sim);
            name_ = "live:" + c.id;
            relevant_switches_.clear();
            playing_ = false;
            play_accum_ = 0;
            hop_progress_ = 1.0f;
            ++generation_;
            return true;
        }
    }
    return false;
}

}  // namespace relaylab::ui
