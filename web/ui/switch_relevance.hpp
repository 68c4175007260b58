#pragma once
// Which failure switches matter to a scenario: one whose effects name a host the scenario
// never contacts, a DNS name it never asks for, or a message it does not have, changes
// nothing, so the page does not offer it.
#include <vector>

#include "sim/scenario.hpp"

namespace relaylab::ui {

// One flag per scenario.switches entry. A host counts as contacted when it takes part in
// any step of the scenario's run, or of a run with any one switch flipped (the backup
// MX is only contacted when the preferred one is down).
std::vector<bool> relevant_switches(const sim::Scenario& scenario);

}  // namespace relaylab::ui
