// How the server session records itself: typed trace events for the command lines it reads
// and the reply lines it writes (phase, verb, code, class, wire, the AUTH secret span,
// masked unless ServerConfig::mask_secrets is off), and its notices. Called only when
// ServerConfig::trace is on; the prose is explain_event()'s.
#include "engine/server_session.hpp"

namespace relaylab {

namespace {

constexpr std::string_view k_hidden = "<credentials hidden>";

}  // namespace

// A command line as the trace shows it. `secret` is the AUTH credentials' span within the
// line (empty when none): with mask_secrets the relay never keeps them, not even in memory
// meant for a log; the simulator keeps them so a lesson can show what crossed the wire.
void ServerSession::trace_command_line(std::string_view line, Verb verb, std::size_t secret_begin,
                                       std::size_t secret_end) {
    trace_phase_ = trace_phase_of(verb);  // an AUTH continuation line comes as Verb::auth
    TraceEvent& ev = trace_.emplace_back();
    ev.t_ms = now_;
    ev.kind = TraceKind::command;
    ev.phase = trace_phase_;
    ev.verb = verb;
    // The raw bytes as read, when this is the line being handled (always, from process_line).
    std::string_view raw = raw_line_.substr(0, line.size()) == line ? raw_line_ : std::string_view();
    std::string_view ending = raw.size() > line.size() ? raw.substr(line.size()) : std::string_view("\r\n");
    if (secret_end > secret_begin && config_.mask_secrets) {
        ev.wire.assign(line.substr(0, secret_begin));
        ev.wire += k_hidden;
        ev.wire += line.substr(secret_end);
        ev.secret_begin = secret_begin;
        ev.secret_end = secret_begin + k_hidden.size();
        ev.text = trace_printable(line.substr(0, secret_begin));
        ev.text += k_hidden;
        ev.text += trace_printable(line.substr(secret_end));
    } else {
        ev.wire.assign(line);
        ev.secret_begin = secret_begin;
        ev.secret_end = secret_end;
        ev.text = trace_printable(line);
    }
    ev.wire += ending;
}

void ServerSession::trace_command(std::string_view line, Verb verb) {
    if (!config_.trace) return;
    std::size_t secret_begin = 0, secret_end = 0;
    if (verb == Verb::auth) {
        // "AUTH PLAIN <initial response>": the response is the password, base64 only.
        std::size_t sp = line.find(' ');
        std::size_t mech = sp == std::string_view::npos ? sp : line.find_first_not_of(' ', sp);
        std::size_t sp2 = mech == std::string_view::npos ? mech : line.find(' ', mech);
        std::size_t resp = sp2 == std::string_view::npos ? sp2 : line.find_first_not_of(' ', sp2);
        if (resp != std::string_view::npos) {
            secret_begin = resp;
            secret_end = line.size();
        }
    }
    trace_command_line(line, verb, secret_begin, secret_end);
}

void ServerSession::trace_reply_line(int code, std::string_view enhanced, std::string_view wire_line, int index) {
    TraceEvent& ev = trace_.emplace_back();
    ev.t_ms = now_;
    ev.kind = TraceKind::reply;
    ev.phase = trace_phase_;
    ev.text = trace_printable(wire_line);
    ev.wire.reserve(wire_line.size() + 2);
    ev.wire.assign(wire_line);
    ev.wire += "\r\n";
    ev.code = code;
    ev.enhanced.assign(enhanced);
    ev.reply_class = reply_class_of(code);
    ev.reply_line = index;
}

void ServerSession::trace_note(TraceKind kind, TraceNote note, std::string text) {
    append_trace_note(trace_, now_, kind, trace_phase_, note, std::move(text));
}

}  // namespace relaylab
