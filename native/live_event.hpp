#pragma once
// One typed trace event as the live view's JSON: the step object of docs/trace-format.md
// (sim::step_json, the one serialisation the simulator's CLI and page use), plus where it
// happened on the real relay.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/trace.hpp"

namespace relaylab::native {

struct LiveContext {
    std::string session;   // LiveSessionInfo::id
    std::string role;      // smtp | submission | submissions | outbound | queue
    std::string peer;      // the client's or the server's address
    std::string message;   // queue id of the message concerned, "" if none
    // Who is who on the wire (the sessions leave TraceEvent::from/to empty): commands go from
    // client to server, replies back; other events happen at the relay's end (`local`).
    std::string client, server, local;
    std::size_t messages_seen = 0;  // inbound: messages of the session already attributed
    std::int64_t origin_ms = 0;  // the session's start, on the clock of the event's t_ms
    std::int64_t started = 0;    // the same moment on the wall clock (ms since the epoch)
    // A queue event for a deferred recipient: when its next try is due (wall clock ms), -1 = none.
    std::int64_t next_attempt_at = -1;
};

// Fills the event's from/to as the context says (when the session left them empty).
void live_fill_hosts(TraceEvent& event, const LiveContext& context);
// {…step fields (t_ms relative to the session's start)…, "type":"event", "session", "role",
// "peer", "queue_id", "at" (wall clock ms), and "next_attempt_at" (wall clock ms) when the
// context has one}. `message` is the queue id too.
std::string live_event_json(const TraceEvent& event, const LiveContext& context);

}  // namespace relaylab::native
