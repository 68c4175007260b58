#pragma once
// "Open in the simulator": a world rebuilt from what was observed. From the typed trace
// events of one real session, or of one message's whole route (a relay's live stream, or a
// simulator run), build a scenario the loader accepts (sim/scenario.hpp): the hosts with
// the roles, ports and extensions seen, the DNS answers, a user for an AUTH that succeeded,
// the message's envelope, and the replies seen turned into the world's host behaviours
// (greylisting, a full mailbox, a host down, broken TLS, ...). The engine then re-runs that
// world: the re-run is the engine's, not a recording, and the notes say what was
// approximated. Pure: no I/O.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/trace.hpp"
#include "sim/step_json.hpp"

namespace relaylab::sim {

// One observed event and where it happened.
struct ObservedEvent {
    TraceEvent event;     // from / to name the hosts (or a mailbox, or "dns"); t_ms on one clock
    std::string session;  // the connection or session it belongs to, "" when none (DNS, queue)
    std::string role;     // live stream: smtp | submission | submissions | outbound | queue; "" else
    std::string message;  // the message (or queue id) it concerns, "" if none
};

// A step object read back (a simulator step or a line of the live stream): the wall-clock
// `at` (live) is the time when present, so that the sessions of a route share one clock; a
// simulator step's connection number names its session.
ObservedEvent observed_event(const StepRecord& record);

struct RebuiltWorld {
    std::string json;                // the scenario, ordered and indented; its description ends with the notes
    std::vector<std::string> notes;  // what was approximated or could not be mapped
};

// `name` is the scenario's name (the page's link and the CLI show it).
RebuiltWorld rebuild_world(const std::vector<ObservedEvent>& events, std::string_view name = "rebuilt");

}  // namespace relaylab::sim
