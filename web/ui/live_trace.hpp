#pragma once
// The page's Live mode model (no ImGui): what the relay serving the page streams over
// GET /api/v1/live (native/live_ws.cpp) — sessions and their typed trace events — kept per
// session, and turned into a recorded sim::Simulation so the simulator's own panels
// (transcript, sequence, topology, DNS, queue) show a real session unchanged.
// Messages fed in (assets/web/live.js → relaylab_call op "live_feed"):
//   {"type":"hello","sessions":[…],"events":[…]}   the backlog on connect
//   {"type":"session",id,role,peer,started,status,messages}
//   {"type":"session",…,"events":[…]}   a session with all its events (GET /api/v1/live/by-message
//                                        answers so): they replace the events the page had of it
//   {"type":"event", …step fields of docs/trace-format.md…, session, role, peer, queue_id, at}
//   {"type":"missed","count":N}
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/rebuild_world.hpp"
#include "sim/simulation.hpp"
#include "sim/step_json.hpp"

namespace relaylab::ui {

struct LiveSession {
    std::string id, role, peer, status = "open";
    std::int64_t started = 0;
    std::vector<std::string> messages;
    // The events as the relay sent them, read by sim::read_step_json: the step plus its
    // session, role, peer, queue_id and wall-clock `at` (ms), by which a route is merged.
    std::vector<sim::StepRecord> records;
    std::uint64_t order = 0;       // arrival order: newest first in the list
};

class LiveTrace {
public:
    // The page is served by a relay (its Mailpit API answered): Live mode is offered.
    void set_available(bool on) { available_ = on; }
    bool available() const { return available_; }
    bool connected() const { return connected_; }
    void set_connected(bool on) { connected_ = on; }

    // One message from the stream; false if it is not understood. While paused, messages
    // wait and are applied on resume (the list stays still).
    bool feed(const sim::Json& message);
    void set_paused(bool on);
    bool paused() const { return paused_; }
    std::uint64_t missed() const { return missed_; }

    // Newest first; `filter` matches the peer, an address seen in the session, its status,
    // role or a queue id ("" = all).
    std::vector<const LiveSession*> sessions(const std::string& filter = {}) const;
    const LiveSession* find(const std::string& id) const;
    // {id, role, peer, started, status, messages}: relaylab.live.sessions()
    static sim::Json summary(const LiveSession& s);

    // The session `id` (or, given a queue id, every session that carried that message,
    // merged in time order: its whole route) as a recorded run; null if unknown.
    std::unique_ptr<sim::Simulation> simulation(const std::string& id) const;
    // The same events, in the same order, as observed events for sim::rebuild_world ("Open
    // in the simulator"); empty if unknown.
    std::vector<sim::ObservedEvent> observed(const std::string& id) const;
    std::uint64_t generation() const { return generation_; }  // changes with every applied message

private:
    struct Merged {  // one event of a route: parts[part]->records[index], at its wall-clock time
        std::size_t part, index;
        std::int64_t at;
    };
    void apply(const sim::Json& message);
    LiveSession& session(const std::string& id);
    void add_event(const sim::Json& event);
    // The sessions shown for `id` (that session, or every one that carried the message `id`)
    // and their events merged in wall-clock order.
    std::vector<const LiveSession*> parts(const std::string& id) const;
    static std::vector<Merged> merged(const std::vector<const LiveSession*>& parts);

    bool available_ = false, connected_ = false, paused_ = false;
    std::vector<sim::Json> waiting_;  // while paused
    std::map<std::string, LiveSession> sessions_;
    std::uint64_t next_order_ = 0, missed_ = 0, generation_ = 0;
    static constexpr std::size_t k_max_sessions = 500;
};

}  // namespace relaylab::ui
