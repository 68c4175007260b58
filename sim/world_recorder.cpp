// What happens in the world becomes Steps: trace events with the changes they made (queue
// entries, connections, DNS records, message copies, message outcomes), so the state at any
// step is a fold over the steps before it.
#include <algorithm>

#include "engine/ascii.hpp"
#include "sim/world_impl.hpp"

namespace relaylab::sim {

Step& World::record(TraceKind kind, std::string from, std::string to, std::string text, std::string explain,
                    std::string rfc, std::string phase, std::string message, int conn) {
    Step s;
    s.event.t_ms = now_;
    s.event.kind = kind;
    s.event.from = std::move(from);
    s.event.to = std::move(to);
    s.event.text = std::move(text);
    s.event.explain = std::move(explain);
    s.event.rfc = std::move(rfc);
    s.phase = std::move(phase);
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
    v.purpose = purpose_name(c.purpose);
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
    // The relay hears "250" after the next hop already put the message in the mailbox: a
    // hand-over never undoes a delivery.
    if (rit->second.status == "delivered" && rs.status == "relayed") return;
    rit->second = std::move(rs);
    auto sit = std::find_if(statuses_.begin(), statuses_.end(), [&](const auto& s) { return s.id == spec_id; });
    if (sit == statuses_.end()) return;
    MessageStatus next = *sit;
    if (count_deferral) ++next.deferrals;
    // Aggregate: rejected > bounced > deferred/pending > relayed > delivered.
    const RcptOutcome* pick = nullptr;
    auto rank = [](const std::string& s) {
        if (s == "rejected") return 5;
        if (s == "bounced") return 4;
        if (s == "deferred") return 3;
        if (s == "pending") return 2;
        if (s == "relayed") return 1;
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

RcptOutcome World::status_from(const std::string& status, const Reply& r, const std::string& where) {
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
        std::string phase = c.purpose == Purpose::submission ? "submission" : "delivery";
        if (ev.text.rfind("AUTH", 0) == 0 || ev.text.rfind("334", 0) == 0 || ev.text.rfind("235", 0) == 0 ||
            ev.text.rfind("535", 0) == 0 || ev.text.rfind("530", 0) == 0 || ev.text == "<credentials hidden>")
            phase = "auth";
        if (ev.text.rfind("STARTTLS", 0) == 0 || ev.kind == TraceKind::tls) phase = "tls";
        record(ev.kind, from, to, std::move(ev.text), std::move(ev.explain), std::move(ev.rfc), phase, c.spec_id,
               c.id);
    }
}

void World::absorb_client_trace(Conn& c) {
    if (!c.cli) return;
    for (auto& ev : c.cli->take_trace()) {
        // Wire lines are recorded from the server's side; keep what only the client knows.
        if (ev.kind != TraceKind::tls && ev.kind != TraceKind::note) continue;
        if (ev.text == "connection closed by the server") continue;
        // The handshake itself is recorded by the world (it plays the TLS layer).
        if (ev.kind == TraceKind::tls && ev.text.rfind("TLS ", 0) == 0) continue;
        record(ev.kind, c.client->spec->name, c.server->spec->name, std::move(ev.text), std::move(ev.explain),
               std::move(ev.rfc),
               ev.kind == TraceKind::tls ? "tls" : (c.purpose == Purpose::submission ? "submission" : "delivery"),
               c.spec_id, c.id);
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
        rv.state = recipient_state_name(r.state);
        rv.attempts = r.attempts;
        rv.next_attempt_ms = r.state == RecipientState::deferred ? r.next_attempt_ms - k_sim_epoch_ms : -1;
        rv.last_reply = r.last_reply ? r.last_reply->summary() : std::string();
        v.recipients.push_back(rv);
    }
    return v;
}

}  // namespace relaylab::sim
