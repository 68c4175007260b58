#pragma once
// The transcript as a handout: Markdown (title, description, switches, every step with its
// line, explanation and RFC section, the teacher's outcome note and each message's fate).
// The plain-text transcript is report_text (sim/report.hpp).
#include <cstdint>
#include <string>

#include "sim/scenario.hpp"
#include "sim/world.hpp"

namespace relaylab::sim {

std::string export_markdown(const Scenario& scenario, std::uint64_t seed, const SwitchOverrides& overrides,
                            const RunResult& run);

}  // namespace relaylab::sim
