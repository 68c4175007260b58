#pragma once
// One loaded scenario that a user steps through: the run, its timeline, the switches,
// and the current step. This is the model the UI (web and desktop) and the CLI read.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario.hpp"
#include "sim/timeline.hpp"
#include "sim/world.hpp"

namespace relaylab::sim {

class Simulation {
public:
    Simulation(Scenario scenario, std::optional<std::uint64_t> seed = std::nullopt);
    // A recorded run (the page's live view of a real relay, web/ui/live_trace.hpp): the steps
    // as observed, nothing re-runs; the scenario only names the hosts (and has no switches).
    Simulation(Scenario scenario, std::vector<Step> recorded, std::vector<MessageStatus> initial);

    const Scenario& scenario() const { return scenario_; }
    std::uint64_t seed() const { return seed_; }
    const RunResult& run() const { return run_; }
    const Timeline& timeline() const { return timeline_; }
    const WireLog& wire() const { return run_.wire; }  // every octet of the run (sim/wire.hpp)

    std::size_t total_steps() const { return timeline_.total_steps(); }
    std::size_t step() const { return step_; }  // steps shown: 0 .. total_steps()
    const WorldView& view() const { return view_; }
    // The step most recently shown (step() - 1), if any.
    const Step* current() const { return step_ == 0 ? nullptr : &timeline_.steps()[step_ - 1]; }

    bool step_forward();  // false at the end
    bool step_back();     // false at the start
    void seek(std::size_t n);

    bool switch_on(const std::string& name) const;
    // Flips a failure switch: the world re-runs from the start; the current step stays
    // where it is if it still exists. False if the scenario has no such switch.
    bool set_switch(const std::string& name, bool on);
    const SwitchOverrides& switches() const { return overrides_; }

    // The teacher's note for the current step's phase (empty if none).
    const NoteSpec* note() const;

private:
    void rerun();

    Scenario scenario_;
    std::uint64_t seed_;
    SwitchOverrides overrides_;
    RunResult run_;
    Timeline timeline_;
    std::size_t step_ = 0;
    WorldView view_;
};

}  // namespace relaylab::sim
