#pragma once
// The simulated mail world: hosts running the engine's real ServerSession and
// ClientSession, a virtual network with latency, virtual DNS, relay queues with the
// engine's retry and bounce rules, and failures switched on or off. Deterministic:
// the same scenario, seed and switches give the same steps, byte for byte.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/mx.hpp"
#include "sim/scenario.hpp"
#include "sim/step.hpp"
#include "sim/wire.hpp"

namespace relaylab::sim {

using SwitchOverrides = std::map<std::string, bool>;

// Virtual time 0 is this moment (2026-03-02 09:00:00 UTC), for Date: headers.
inline constexpr std::int64_t k_sim_epoch_ms = 1772442000000LL;

struct RunResult {
    std::vector<Step> steps;
    std::vector<MessageStatus> messages;  // final outcome of each scenario message, in order
    std::int64_t end_ms = 0;              // virtual time of the last event
    WireLog wire;                         // every octet sent, per connection (sim/wire.hpp)
};

// Whether a switch is on, given the scenario's default and the overrides.
bool switch_on(const Scenario& scenario, const SwitchOverrides& overrides, const std::string& name);

// Every scenario message as it stands before anything happened (status "pending").
std::vector<MessageStatus> initial_statuses(const Scenario& scenario);

// Runs the world from virtual time 0 to the end (no more events, or scenario.end_ms).
RunResult run_world(const Scenario& scenario, const SwitchOverrides& overrides, std::uint64_t seed);

}  // namespace relaylab::sim
