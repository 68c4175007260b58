#include "native/live_event.hpp"

#include "sim/step_json.hpp"

namespace relaylab::native {

namespace {

// The teacher's chapter, as the simulator keys its notes (sim/step.hpp Topic).
sim::Topic live_topic(const TraceEvent& e, const std::string& role) {
    if (e.phase == TracePhase::tls) return sim::Topic::tls;
    if (e.phase == TracePhase::auth) return sim::Topic::auth;
    if (e.phase == TracePhase::dns) return sim::Topic::dns;
    if (e.phase == TracePhase::dsn) return sim::Topic::bounce;
    if (role == "queue") return sim::Topic::queue;
    if (role == "outbound") return sim::Topic::delivery;
    if (role == "smtp") return sim::Topic::relay;
    return sim::Topic::submission;
}

}  // namespace

void live_fill_hosts(TraceEvent& e, const LiveContext& c) {
    if (!e.from.empty()) return;
    if (e.kind == TraceKind::command || e.kind == TraceKind::data) {
        e.from = c.client;
        e.to = c.server;
    } else if (e.kind == TraceKind::reply) {
        e.from = c.server;
        e.to = c.client;
    } else {
        e.from = c.local;
    }
}

std::string live_event_json(const TraceEvent& event, const LiveContext& c) {
    sim::Step step;
    step.event = event;
    step.event.t_ms = event.t_ms - c.origin_ms;
    step.topic = live_topic(event, c.role);
    step.message = c.message;
    sim::Json j = sim::step_json(step);
    j["type"] = "event";
    j["session"] = c.session;
    j["role"] = c.role;
    j["peer"] = c.peer;
    j["queue_id"] = c.message;
    j["at"] = c.started + step.event.t_ms;
    if (c.next_attempt_at >= 0) j["next_attempt_at"] = c.next_attempt_at;
    return j.dump(-1, ' ', false, sim::Json::error_handler_t::replace);
}

}  // namespace relaylab::native
