#pragma once
// Finding one's way through a long run: the steps that are failures, new hops
// (connection attempts) and delivery status notices, and where the next or previous
// one is. Also which steps are EHLO capability lines. From the typed trace only.
#include <cstddef>
#include <optional>

#include "sim/simulation.hpp"
#include "web/ui/model.hpp"

namespace relaylab::ui {

// A reply of class transient/permanent, or an outcome refused, timed_out, failed,
// deferred, bounced (or rejected).
bool is_failure(const TraceEvent& event);
// A connection attempt (a new hop).
bool is_hop(const TraceEvent& event);
// A delivery status notification: phase dsn.
bool is_dsn(const TraceEvent& event);
// EHLO's capability lines: the lines of its multi-line reply after the first.
bool is_capability_line(const TraceEvent& event);

// The step (1-based, the step shown once seeking there) of the next (dir > 0) or
// previous (dir < 0) event of the kind, from the current step; JumpKind::end is the
// last step (dir > 0) or step 0 (dir < 0). Empty when there is none.
std::optional<std::size_t> jump_target(const sim::Simulation& sim, JumpKind kind, int dir);

}  // namespace relaylab::ui
