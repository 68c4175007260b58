// How the client session records itself: typed trace events for the lines it writes and
// the replies it reads (phase, verb, code, class, wire, the masked AUTH span), and its
// notices. Built only when ClientConfig::trace is on; the prose is explain_event()'s.
#include "engine/client_session.hpp"

namespace relaylab {

namespace {

constexpr std::string_view k_hidden = "<credentials hidden>";

}  // namespace

// The client always masks the credentials it sends: it is the relay's (and a host's) own
// password, and nothing in the simulator shows the client's side of the wire.
void ClientSession::trace_line(TraceKind kind, std::string_view line, Verb verb, std::size_t secret_begin) {
    if (!config_.trace) return;
    trace_phase_ = trace_phase_of(verb);
    TraceEvent& ev = trace_.emplace_back();
    ev.t_ms = now_;
    ev.kind = kind;
    ev.phase = trace_phase_;
    ev.verb = verb;
    if (secret_begin < line.size()) {
        ev.wire.assign(line.substr(0, secret_begin));
        ev.wire += k_hidden;
        ev.secret_begin = secret_begin;
        ev.secret_end = secret_begin + k_hidden.size();
        ev.text = trace_printable(ev.wire);
    } else {
        ev.wire.assign(line);
        ev.text = trace_printable(line);
    }
    ev.wire += "\r\n";
}

void ClientSession::trace_reply(const Reply& r, std::string_view line, int index) {
    if (!awaiting_.empty()) trace_phase_ = reply_phase(awaiting_.front().what);
    TraceEvent& ev = trace_.emplace_back();
    ev.t_ms = now_;
    ev.kind = TraceKind::reply;
    ev.phase = trace_phase_;
    ev.text = trace_printable(line);
    ev.wire.assign(line);
    ev.wire += "\r\n";
    ev.code = r.code;
    ev.enhanced = r.enhanced;
    ev.reply_class = reply_class_of(r.code);
    ev.reply_line = index;
}

TraceEvent* ClientSession::trace_event(TraceKind kind, TraceNote note, std::string text, TraceOutcome outcome) {
    if (!config_.trace) return nullptr;
    TraceEvent& ev = append_trace_note(trace_, now_, kind, trace_phase_, note, std::move(text));
    ev.outcome = outcome;
    return &ev;
}

TracePhase ClientSession::reply_phase(Await what) {
    using A = Await;
    switch (what) {
        case A::greeting: return TracePhase::greeting;
        case A::ehlo:
        case A::helo: return TracePhase::ehlo;
        case A::starttls: return TracePhase::tls;
        case A::auth:
        case A::auth_login_user:
        case A::auth_login_pass: return TracePhase::auth;
        case A::mail:
        case A::rcpt:
        case A::rset: return TracePhase::envelope;
        case A::data:
        case A::data_end:
        case A::bdat: return TracePhase::content;
        case A::quit: return TracePhase::connect;
    }
    return TracePhase::other;
}

}  // namespace relaylab
