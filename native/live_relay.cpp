// The relay's side of the live view (live_hub.hpp): opening a traced session, turning the
// engine's trace events into the stream's JSON, a message's queue thread, and the REST
// paths over the ring:
//   GET /api/v1/live/sessions            the recent sessions, newest first
//   GET /api/v1/live/session/{id}        one session: {"session":{…},"events":[…]}
//   GET /api/v1/live/by-message/{id}     the sessions that carried a message (its queue id,
//                                        or the ID of a captured message in the Inbox)
// Nothing here runs unless live_.tracing(): no viewer and not sandbox → no JSON work.
#include "native/relay.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engine/explain.hpp"


namespace relaylab::native {

std::optional<LiveContext> Relay::live_open(const std::string& id, const std::string& role, const std::string& client,
                                            const std::string& server, bool server_local) {
    if (!live_.tracing()) return std::nullopt;
    LiveContext c;
    c.session = id;
    c.role = role;
    c.client = client;
    c.server = server;
    c.local = server_local ? server : client;
    c.peer = server_local ? client : server;
    c.origin_ms = steady_ms();
    c.started = wall_ms();
    LiveSessionInfo info;
    info.id = id;
    info.role = role;
    info.peer = c.peer;
    info.started = c.started;
    live_.open(info);
    return c;
}

void Relay::live_emit(LiveContext& c, std::vector<TraceEvent> events) {
    if (events.empty()) return;
    const bool inbound = c.local == c.server;
    if (const LiveSessionInfo* info = live_.ring().info(c.session);
        inbound && info && info->messages.size() > c.messages_seen) {
        c.message = info->messages.back();  // accepted while these events happened: they concern it
        c.messages_seen = info->messages.size();
    }
    for (TraceEvent& e : events) {
        live_fill_hosts(e, c);
        live_.event(c.session, live_event_json(e, c));
    }
    if (inbound) c.message.clear();
}

void Relay::live_close(const std::optional<LiveContext>& c, const std::string& status) {
    if (c) live_.close(c->session, status);
}

void Relay::live_queue_event(const QueuedMessage& q, TraceEvent e, std::int64_t next_attempt_at) {
    if (!live_.tracing()) return;
    const std::string id = "q-" + q.id;
    if (!live_.ring().info(id)) {
        LiveSessionInfo info;
        info.id = id;
        info.role = "queue";
        info.peer = q.id;
        info.started = wall_ms();
        info.messages.push_back(q.id);
        live_.open(info);
    }
    const LiveSessionInfo* info = live_.ring().info(id);
    LiveContext c;
    c.session = id;
    c.role = "queue";
    c.peer = q.id;
    c.message = q.id;
    c.local = cfg_.hostname;
    c.started = info ? info->started : wall_ms();
    c.origin_ms = c.started;
    c.next_attempt_at = next_attempt_at;
    e.t_ms = wall_ms();
    if (e.from.empty()) e.from = cfg_.hostname;
    live_.event(id, live_event_json(e, c));
    if (is_done(q)) {
        std::string worst = "delivered";
        for (const auto& r : q.recipients) {
            if (r.state == RecipientState::bounced) worst = "bounced";
            else if (r.state == RecipientState::relayed && worst == "delivered") worst = "relayed";
        }
        live_.close(id, worst);
    } else {
        live_.close(id, "queued");
    }
}

// A message accepted by an inbound session: the session carried it, and its queue thread starts.
void Relay::live_accepted(std::uint64_t sid, const QueuedMessage& q) {
    if (!live_.tracing()) return;
    live_.add_message("in-" + std::to_string(sid), q.id);
    TraceEvent e;
    e.kind = TraceKind::queue;
    e.phase = TracePhase::queue;
    e.outcome = TraceOutcome::ok;
    std::string to;
    for (const auto& r : q.recipients) to += (to.empty() ? "" : ", ") + r.address();
    e.text = "queued " + q.id + " from <" + (q.sender.null ? std::string() : q.sender_address()) + "> to " + to;
    e.explain = "The relay stored the message in its queue (on disk) before answering 250: from now on it is "
                "the relay's responsibility to deliver it or to send a bounce.";
    e.rfc = "RFC 5321 §6.1";
    live_queue_event(q, std::move(e));
}

void Relay::live_dns(const QueuedMessage& q, const TraceDns& answer) {
    if (!live_.tracing()) return;
    TraceEvent e;
    e.kind = TraceKind::dns_answer;
    e.phase = TracePhase::dns;
    e.to = cfg_.hostname;
    e.from = "dns";  // the simulator's name for the resolver (topology panel)
    e.dns = answer;
    e.outcome = dns_trace_outcome(answer.status);
    e.text = dns_question_text(answer) + ": " + dns_answer_text(answer);  // as the simulator says it
    e.explain = answer.status == DnsStatus::ok ? "The DNS answer the relay routes by."
                                               : "DNS gave no usable answer: the delivery core decides what that "
                                                 "means (no MX: the domain's own address; no address at all: defer "
                                                 "or bounce).";
    e.rfc = answer.type == DnsQuestionType::mx ? "RFC 5321 §5.1" : "RFC 5321 §5.1; RFC 1035";
    live_queue_event(q, std::move(e));
}

void Relay::live_connect_failed(const QueuedMessage& q, const Connect& target, const std::string& why) {
    if (!live_.tracing()) return;
    TraceEvent e;
    e.kind = TraceKind::connect;
    e.phase = TracePhase::connect;
    e.to = target.ip + ":" + std::to_string(target.port);
    e.connect = TraceConnect{target.host, target.ip, target.port};
    e.outcome = why == "timeout" ? TraceOutcome::timed_out : TraceOutcome::refused;
    e.text = "connect to " + target.host + " (" + e.to + ") failed: " + why;
    e.explain = "The next server could not be reached: the delivery core tries the next address or MX, or "
                "defers the recipients.";
    e.rfc = "RFC 5321 §5.1";
    live_queue_event(q, std::move(e));
}

void Relay::live_result(const QueuedMessage& q, const QueuedRecipient& r, const Reply& reply, const std::string& via,
                        bool captured) {
    if (!live_.tracing()) return;
    TraceEvent e;
    e.kind = TraceKind::delivery;
    e.phase = TracePhase::queue;
    e.to = r.address();
    e.code = reply.code;
    e.enhanced = reply.enhanced;
    e.reply_class = reply_class_of(reply.code);
    switch (r.state) {
        case RecipientState::delivered:
            // Sandbox mode: kept in the capture Maildir; nothing went on (typed, not only in the reply text).
            e.outcome = captured ? TraceOutcome::captured : TraceOutcome::delivered;
            e.phase = TracePhase::delivery;
            break;
        case RecipientState::relayed: e.outcome = TraceOutcome::relayed; break;
        case RecipientState::deferred: e.outcome = TraceOutcome::deferred; break;
        case RecipientState::bounced: e.outcome = TraceOutcome::bounced; break;
        default: break;
    }
    e.text = r.address() + ": " + recipient_state_name(r.state) + " via " + via + " (" + reply.summary() + ")" +
             (r.state == RecipientState::deferred
                  ? ", next try in " + std::to_string(std::max<std::int64_t>(0, r.next_attempt_ms - wall_ms()) / 1000) + " s"
                  : "");
    const Explanation ex = explain_reply(reply.code, reply.enhanced);
    e.explain = std::string("Attempt ") + std::to_string(r.attempts) + " for this recipient. " + ex.text;
    e.rfc = ex.rfc;
    live_queue_event(q, std::move(e), r.state == RecipientState::deferred ? r.next_attempt_ms : -1);
}

void Relay::live_notice(const QueuedMessage& original, const QueuedMessage& notice, DsnAction action) {
    if (!live_.tracing()) return;
    TraceEvent e;
    e.kind = TraceKind::delivery;
    e.phase = TracePhase::dsn;
    e.outcome = action == DsnAction::failed ? TraceOutcome::bounced
                : action == DsnAction::delayed ? TraceOutcome::deferred : TraceOutcome::delivered;
    e.to = notice.recipients.empty() ? std::string() : notice.recipients[0].address();
    e.text = std::string("delivery status notification (") + dsn_action_name(action) + ") queued as " + notice.id +
             " for " + e.to;
    e.explain = "A notice to the sender about this message's fate, itself a message (with a null sender, so it "
                "never causes another notice).";
    e.rfc = "RFC 3464; RFC 5321 §4.5.5";
    live_queue_event(original, std::move(e));
    live_queue_event(notice, [&] {
        TraceEvent n = e;
        n.kind = TraceKind::queue;
        n.text = "queued " + notice.id + ": notice about " + original.id;
        return n;
    }());
}

std::optional<ApiResponse> Relay::live_rest(const std::string& target) const {
    static const std::string base = "/api/v1/live/";
    if (target.rfind(base, 0) != 0) return std::nullopt;
    const std::string rest = target.substr(base.size());
    ApiResponse r;
    auto session_json = [](const LiveSessionInfo& i) { return nlohmann::json::parse(live_session_json(i)); };
    auto events_json = [&](const std::string& id) {
        std::string s = "[";
        bool first = true;
        if (auto* ev = live_.ring().events(id))
            for (const LiveText& t : *ev) {
                s += (first ? "" : ",") + *t;
                first = false;
            }
        return s + "]";
    };
    if (rest == "sessions") {
        nlohmann::json list = nlohmann::json::array();
        for (const LiveSessionInfo* i : live_.ring().list()) list.push_back(session_json(*i));
        r.body = list.dump();
    } else if (rest.rfind("session/", 0) == 0) {
        const std::string id = rest.substr(8);
        const LiveSessionInfo* info = live_.ring().info(id);
        if (!info) return MailpitApi::error(404, "no such session (it is not, or no longer, in the ring)");
        r.body = R"({"session":)" + live_session_json(*info) + R"(,"events":)" + events_json(id) + "}";
    } else if (rest.rfind("by-message/", 0) == 0) {
        std::string id = rest.substr(11);
        if (live_.ring().sessions_of(id).empty() && inbox_store_) {
            // An Inbox message's ID: the queue id is in its X-Relaylab-Captured: header.
            if (auto raw = inbox_api_->handle("GET", "/api/v1/message/" + id + "/raw", ""); raw && raw->status == 200)
                if (auto qid = captured_queue_id(raw->body); !qid.empty()) id = qid;
        }
        std::string s = R"({"queue_id":)" + nlohmann::json(id).dump() + R"(,"sessions":[)";
        bool first = true;
        for (const std::string& sid : live_.ring().sessions_of(id)) {
            s += (first ? "" : ",") + std::string(R"({"session":)") + live_session_json(*live_.ring().info(sid)) +
                 R"(,"events":)" + events_json(sid) + "}";
            first = false;
        }
        r.body = s + "]}";
    } else {
        return MailpitApi::error(404, "unknown live path");
    }
    return r;
}

}  // namespace relaylab::native
