#include "sim/simulation.hpp"

namespace relaylab::sim {

Simulation::Simulation(Scenario scenario, std::optional<std::uint64_t> seed)
    : scenario_(std::move(scenario)),
      seed_(seed.value_or(scenario_.seed)),
      run_(run_world(scenario_, overrides_, seed_)),
      timeline_(run_.steps, initial_statuses(scenario_)) {
    view_ = timeline_.view_at(0);
}

Simulation::Simulation(Scenario scenario, std::vector<Step> recorded, std::vector<MessageStatus> initial)
    : scenario_(std::move(scenario)), seed_(scenario_.seed), timeline_(recorded, std::move(initial)) {
    run_.steps = std::move(recorded);
    view_ = timeline_.view_at(0);
}

void Simulation::rerun() {
    run_ = run_world(scenario_, overrides_, seed_);
    timeline_ = Timeline(run_.steps, initial_statuses(scenario_));
    seek(step_);
}

bool Simulation::step_forward() {
    if (step_ >= total_steps()) return false;
    seek(step_ + 1);
    return true;
}

bool Simulation::step_back() {
    if (step_ == 0) return false;
    seek(step_ - 1);
    return true;
}

void Simulation::seek(std::size_t n) {
    step_ = std::min(n, total_steps());
    view_ = timeline_.view_at(step_);
}

bool Simulation::switch_on(const std::string& name) const { return sim::switch_on(scenario_, overrides_, name); }

bool Simulation::set_switch(const std::string& name, bool on) {
    bool known = false;
    for (const auto& sw : scenario_.switches) known = known || sw.name == name;
    if (!known) return false;
    overrides_[name] = on;
    rerun();
    return true;
}

const NoteSpec* Simulation::note() const {
    // At the last step the scenario says what happened and why, when it has such a note.
    if (step_ > 0 && step_ == total_steps())
        for (const auto& n : scenario_.notes)
            if (n.phase == "outcome") return &n;
    const char* topic = topic_name(current() ? current()->topic : Topic::intro);
    for (const auto& n : scenario_.notes)
        if (n.phase == topic) return &n;
    return nullptr;
}

}  // namespace relaylab::sim
