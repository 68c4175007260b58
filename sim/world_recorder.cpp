// What happens in the world becomes Steps: trace events with the changes they made (queue
// entries, connections, DNS records, message copies, message outcomes), so the state at any
// step is a fold over the steps before it.
#include <algorithm>

#include "engine/ascii.hpp"
#include "sim/world_impl.hpp"

namespace relaylab::sim {

Step& World::record(TraceKind kind, TracePhase phase, Topic topic, std::string from, std::string to,
                    std::string text, std::string explain, std::string rfc, std::string message, int conn,
                    TraceOutcome outcome) {
    Step s;
    s.event.t_ms = now_;
    s.event.kind = kind;
    s.event.phase = phase;
    s.event.outcome = outcome;
    s.event.from = std::move(from);
    s.event.to = std::move(to);
    s.event.text = std::move(text);
    s.event.explain = std::move(explain);
    s.event.rfc = std::move(rfc);
    s.topic = topic;
    s.message = std::move(message);
    s.connection = conn;
    steps_.push_back(std::move(s));
    return steps_.back();
}

void World::set_connection(const Conn& c) {
    ConnectionView v;
    v.id = c.id;
    v.client = c.client->spec->name;
    v.server = c.server->spec->name;
    v.port = c.port;
    v.purpose = c.purpose;
    v.tls = c.tls;
    v.open = !c.closed;
    change(SetConnection{v});
}

void World::set_recipient_status(const std::string& spec_id, const std::string& rcpt, RcptOutcome rs,
                                 bool count_deferral) {
    auto mit = rcpt_status_.find(spec_id);
    if (mit == rcpt_status_.end()) return;
    auto rit = mit->second.find(ascii_lowercase(rcpt));
    if (rit == mit->second.end()) return;
    // The relay hears "250" after the next hop already put the message in the mailbox (or a
    // capture host's inbox): a hand-over never undoes a delivery.
    if ((rit->second.status == MessageState::delivered || rit->second.status == MessageState::captured) &&
        rs.status == MessageState::relayed)
        return;
    rit->second = std::move(rs);
    auto sit = std::find_if(statuses_.begin(), statuses_.end(), [&](const auto& s) { return s.id == spec_id; });
    if (sit == statuses_.end()) return;
    MessageStatus next = *sit;
    if (count_deferral) ++next.deferrals;
    // Aggregate: rejected > bounced > deferred/pending > relayed > captured > delivered.
    const RcptOutcome* pick = nullptr;
    auto rank = [](MessageState s) {
        switch (s) {
            case MessageState::rejected: return 6;
            case MessageState::bounced: return 5;
            case MessageState::deferred: return 4;
            case MessageState::pending: return 3;
            case MessageState::relayed: return 2;
            case MessageState::captured: return 1;
            case MessageState::delivered: return 0;
        }
        return 0;
    };
    for (const auto& r : mit->second)
        if (!pick || rank(r.second.status) > rank(pick->status)) pick = &r.second;
    if (pick) {
        next.status = pick->status;
        next.code = pick->code;
        next.enhanced = pick->enhanced;
        next.final_host = pick->final_host;
    }
    if (!(next == *sit)) {
        *sit = next;
        change(SetMessageStatus{next});
    }
}

RcptOutcome World::status_from(MessageState status, const Reply& r, const std::string& where) {
    RcptOutcome rs;
    rs.status = status;
    rs.code = r.code;
    rs.enhanced = r.enhanced;
    rs.final_host = where;
    return rs;
}

// Copies a session's trace into steps; the server's view is the transcript.
void World::absorb_server_trace(Conn& c) {
    for (auto& ev : c.srv->take_trace()) {
        if (ev.kind == TraceKind::state) continue;
        std::string from = c.client->spec->name, to = c.server->spec->name;
        if (ev.kind == TraceKind::reply || ev.kind == TraceKind::note || ev.kind == TraceKind::tls) std::swap(from, to);
        absorb(std::move(ev), std::move(from), std::move(to), c);
    }
}

// A session's event as a step: its typed fields kept, placed between the two hosts, and
// given the teacher's topic from its phase and the connection's purpose.
void World::absorb(TraceEvent&& ev, std::string from, std::string to, const Conn& c) {
    Step s;
    s.event = std::move(ev);
    s.event.t_ms = now_;
    s.event.from = std::move(from);
    s.event.to = std::move(to);
    s.topic = s.event.phase == TracePhase::auth                                       ? Topic::auth
              : s.event.phase == TracePhase::tls || s.event.kind == TraceKind::tls ? Topic::tls
                                                                                    : topic_of(c.purpose);
    s.message = c.spec_id;
    s.connection = c.id;
    steps_.push_back(std::move(s));
}

void World::absorb_client_trace(Conn& c) {
    if (!c.cli) return;
    for (auto& ev : c.cli->take_trace()) {
        // Wire lines are recorded from the server's side; keep what only the client knows.
        if (ev.kind != TraceKind::tls && ev.kind != TraceKind::note) continue;
        // The world records the connection's end and the TLS handshake's result itself (it
        // plays the network and the TLS layer).
        if (ev.note == TraceNote::server_closed || ev.note == TraceNote::tls_established ||
            ev.note == TraceNote::tls_failed)
            continue;
        absorb(std::move(ev), c.client->spec->name, c.server->spec->name, c);
    }
}

QueueEntryView World::view_of(const HostRt* h, const QueueItem& item) const {
    QueueEntryView v;
    v.queue_id = item.q.id;
    v.host = h->spec->name;
    v.message = item.spec_id;
    v.sender = item.q.sender.null ? std::string("<>") : item.q.sender_address();
    v.bounce = item.bounce();
    for (const auto& r : item.q.recipients) {
        RecipientView rv;
        rv.address = r.address();
        rv.state = r.state;
        rv.attempts = r.attempts;
        rv.next_attempt_ms = r.state == RecipientState::deferred ? r.next_attempt_ms - k_sim_epoch_ms : -1;
        rv.last_reply = r.last_reply ? r.last_reply->summary() : std::string();
        v.recipients.push_back(rv);
    }
    return v;
}

}  // namespace relaylab::sim
