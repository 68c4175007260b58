#pragma once
// The outputs of a run: `relaylab sim --format json|text`, and the page's state().
#include <cstdint>
#include <string>
#include <vector>

#include "sim/scenario.hpp"
#include "sim/step.hpp"
#include "sim/world.hpp"

namespace relaylab::sim {

// {"scenario", "seed", "steps": [step_json...], "messages": [message_json...], "copies": [...]}
// (sim/step_json.hpp; every field in docs/trace-format.md)
std::string report_json(const Scenario& scenario, std::uint64_t seed, const RunResult& run);
// A readable transcript: time, hosts, line, explanation; then the outcome of each message.
std::string report_text(const Scenario& scenario, std::uint64_t seed, const RunResult& run);
// "00:01:02.345" (or "day 2 03:04:05.000") for a virtual time.
std::string format_sim_time(std::int64_t t_ms);
// A long quiet stretch between two steps, said in words so that a class sees time pass
// (a retry waits minutes, RFC 5321 §4.5.4.1): "… +5 min", "… +2 h", "… +3 days"; empty
// under a minute.
std::string format_gap(std::int64_t gap_ms);

}  // namespace relaylab::sim
