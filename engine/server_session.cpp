// The SMTP server session: RFC 5321 with PIPELINING (RFC 2920), SIZE (RFC 1870),
// 8BITMIME (RFC 6152), ENHANCEDSTATUSCODES (RFC 2034, 3463), STARTTLS (RFC 3207),
// AUTH (RFC 4954, PLAIN RFC 4616, LOGIN), SMTPUTF8 (RFC 6531), DSN (RFC 3461),
// CHUNKING (RFC 3030). See server_session.hpp for the shape and the security notes.
//
// This file: the command table, the input loop (bytes -> lines -> commands, or content),
// the host's answers, output and time. The verbs are in server_commands.cpp, DATA and
// BDAT in server_message.cpp, the trace events in server_trace.cpp.
#include "engine/server_session.hpp"

#include <algorithm>
#include <utility>

#include "engine/ascii.hpp"
#include "engine/server_session_internal.hpp"

namespace relaylab {
namespace {

// A request line of HTTP/1.x (RFC 9112 §3): methods are case-sensitive.
bool looks_like_http(std::string_view line) {
    static constexpr std::string_view methods[] = {"GET ", "POST ", "PUT ", "CONNECT ", "HEAD ", "OPTIONS ", "DELETE "};
    for (auto m : methods)
        if (line.substr(0, m.size()) == m) return true;
    return false;
}

}  // namespace

const char* server_state_name(ServerState state) {
    switch (state) {
        case ServerState::greeted: return "greeted";
        case ServerState::ready: return "ready";
        case ServerState::mail: return "mail";
        case ServerState::rcpt: return "rcpt";
        case ServerState::data: return "data";
        case ServerState::bdat: return "bdat";
        case ServerState::chunking: return "chunking";
        case ServerState::auth: return "auth";
        case ServerState::starttls: return "starttls";
        case ServerState::closed: return "closed";
    }
    return "closed";
}

bool needs_answer(const ServerEvent& event) {
    return std::holds_alternative<HeloEvent>(event) || std::holds_alternative<MailEvent>(event) ||
           std::holds_alternative<RcptEvent>(event) || std::holds_alternative<AuthEvent>(event) ||
           std::holds_alternative<MessageEvent>(event);
}

// The command table (OpenSMTPD smtp_session.c style): the verb, the states in which it is
// in sequence (RFC 5321 §4.1.4; a verb out of sequence gets "503 5.5.1"), its handler.
// EHLO/HELO/RSET/NOOP/QUIT/VRFY/EXPN/HELP are allowed at any point between commands.
// BDAT is dispatched in every command state because its chunk must be read even when it
// is refused (RFC 3030 §2); cmd_bdat chooses the refusal. What a verb needs beyond its
// state (an extension offered, TLS, authentication) its handler checks.
const ServerSession::CommandSpec ServerSession::k_commands[] = {
    {Verb::ehlo, k_command_states, &ServerSession::cmd_ehlo},
    {Verb::helo, k_command_states, &ServerSession::cmd_helo},
    {Verb::mail, state_bit(ServerState::ready), &ServerSession::cmd_mail},
    {Verb::rcpt, state_bit(ServerState::mail) | state_bit(ServerState::rcpt), &ServerSession::cmd_rcpt},
    {Verb::data, k_in_transaction, &ServerSession::cmd_data},
    {Verb::bdat, k_command_states, &ServerSession::cmd_bdat},
    {Verb::rset, k_command_states, &ServerSession::cmd_rset},
    {Verb::noop, k_command_states, &ServerSession::cmd_noop},
    {Verb::quit, k_command_states, &ServerSession::cmd_quit},
    {Verb::vrfy, k_command_states, &ServerSession::cmd_vrfy},
    {Verb::expn, k_command_states, &ServerSession::cmd_expn},
    {Verb::help, k_command_states, &ServerSession::cmd_help},
    {Verb::starttls, state_bit(ServerState::ready), &ServerSession::cmd_starttls},
    {Verb::auth, state_bit(ServerState::ready), &ServerSession::cmd_auth},
};

ServerSession::ServerSession(ServerConfig config, std::int64_t now_ms, bool tls_active)
    : config_(std::move(config)),
      now_(now_ms),
      last_activity_(now_ms),
      decoder_(config_.max_text_line, config_.max_message_size),
      content_(config_.max_text_line, config_.max_message_size) {
    conn_.tls = tls_active;
    size_line_ = "SIZE " + std::to_string(config_.max_message_size);
    out_.reserve(512);
    // RFC 5321 §4.2, §3.1: the greeting; no enhanced code on it (RFC 2034 §3).
    std::string greeting = config_.hostname + " ESMTP relaylab";
    reply(220, "", greeting);
    awaiting_flush_ = false;  // the greeting is not a reply to a command (pipelining check)
}

// ---------------------------------------------------------------- input

void ServerSession::feed(std::string_view bytes, std::int64_t now_ms) {
    now_ = now_ms;
    if (!bytes.empty()) last_activity_ = now_ms;
    if (conn_.state == ServerState::closed || bytes.empty()) return;
    if (conn_.state == ServerState::starttls) {
        // RFC 3207 §4.2 / CVE-2011-0411: nothing sent in plain text after STARTTLS counts.
        if (config_.trace)
            trace_note(TraceKind::note, TraceNote::plaintext_before_tls,
                       "discarded " + std::to_string(bytes.size()) + " plain-text bytes sent before the TLS handshake");
        return;
    }
    if (in_pos_ == in_.size()) {
        in_.clear();
        in_pos_ = 0;
    }
    in_.append(bytes.data(), bytes.size());
    if (awaiting_answer()) {
        if (in_.size() - in_pos_ > config_.max_pending_input)
            close_with(421, "4.7.0", "Too much pipelined input, closing connection");  // RFC 5321 §3.8
        return;
    }
    process();
}

void ServerSession::feed_eof(std::int64_t now_ms) {
    now_ = now_ms;
    if (conn_.state == ServerState::closed) return;
    if (config_.trace) {
        bool mid_message = conn_.state == ServerState::data || conn_.state == ServerState::bdat ||
                           conn_.state == ServerState::chunking;
        trace_note(TraceKind::note, mid_message ? TraceNote::client_closed_mid_message : TraceNote::client_closed,
                   mid_message ? "client closed the connection during the message; nothing was accepted"
                               : "client closed the connection");
    }
    pending_ = std::monostate{};
    in_.clear();
    in_pos_ = 0;
    enter_state(ServerState::closed);
}

void ServerSession::process() {
    bool progressed = false;  // a line or some message content was completed or read
    while (!awaiting_answer() && conn_.state != ServerState::closed && in_pos_ < in_.size()) {
        if (conn_.state == ServerState::data || conn_.state == ServerState::bdat) {
            const std::size_t before = in_pos_;
            if (conn_.state == ServerState::data) {
                process_data();
            } else {
                process_bdat();
            }
            transfer_bytes_ += in_pos_ - before;
            progressed = true;
        } else if (conn_.state == ServerState::starttls) {
            in_pos_ = in_.size();  // defence in depth: cmd_starttls already dropped it
        } else if (!process_line()) {
            break;  // no complete line yet
        } else {
            progressed = true;
        }
    }
    // The command-line deadline runs from when the unfinished line began (see next_deadline).
    const bool command_state = conn_.state != ServerState::data && conn_.state != ServerState::bdat &&
                               conn_.state != ServerState::closed && conn_.state != ServerState::starttls;
    const bool partial = command_state && !awaiting_answer() && (in_pos_ < in_.size() || lines_.discarding());
    if (!partial) {
        line_started_ = k_no_time;
    } else if (line_started_ == k_no_time || progressed) {
        line_started_ = now_;
    }
    if (in_pos_ >= in_.size()) {
        in_.clear();
        in_pos_ = 0;
    } else if (in_pos_ >= 4096 && !awaiting_answer()) {
        in_.erase(0, in_pos_);
        in_pos_ = 0;
    }
}

// AUTH lines may be longer than commands (RFC 4954 §4: 12288 octets).
std::size_t ServerSession::line_limit(std::string_view unread) const {
    if (conn_.state == ServerState::auth || ascii_istarts_with(unread, "AUTH "))
        return std::max(config_.max_command_line, config_.max_auth_line);
    return config_.max_command_line;
}

// One line from the input: a command, or a response in an AUTH exchange. False when the
// line is not complete yet.
bool ServerSession::process_line() {
    const std::string_view unread(in_.data() + in_pos_, in_.size() - in_pos_);
    const LineReader::Result r = lines_.next(unread, line_limit(unread));
    in_pos_ += r.consumed;
    if (!r.line) return false;
    raw_line_ = unread.substr(0, r.consumed);  // the line with its ending, for the trace's wire
    const LineReader::Line& line = *r.line;
    if (line.too_long) {
        if (config_.trace)
        {
            trace_phase_ = conn_.state == ServerState::auth ? TracePhase::auth : TracePhase::other;
            trace_note(TraceKind::command, TraceNote::line_too_long,
                       "<line of " + std::to_string(line.length) + " octets, over the limit>");
        }
        if (conn_.state == ServerState::auth) {
            sasl_.cancel();
            enter_state(ServerState::ready);
            protocol_error(500, "5.5.6", "Authentication exchange line is too long");  // RFC 4954 §4
        } else {
            protocol_error(500, "5.5.2", "Line too long");  // RFC 5321 §4.5.3.1.4, §4.2.2
        }
    } else if (conn_.state == ServerState::auth) {
        auth_response(line.text);
    } else {
        dispatch_command(line);
    }
    raw_line_ = {};  // in_ may change from here on
    return true;
}

void ServerSession::dispatch_command(const LineReader::Line& line) {
    CommandLine cl = split_command(line.text);
    trace_command(line.text, cl.verb);
    // An HTTP client (or a cross-protocol attack from a browser) as first command.
    if (!conn_.any_command && looks_like_http(line.text)) {
        close_with(554, "5.7.0", "This is an SMTP server, not a web server");  // RFC 5321 §3.1
        return;
    }
    // RFC 2920 §3.1 and RFC 5321 §4.1.4: without PIPELINING in an EHLO reply the client has
    // seen, it must wait for each reply. A command that arrives while our previous reply is
    // still unsent was sent blind: the client is not talking SMTP (spamware, injection).
    if (awaiting_flush_ && !conn_.pipelining_seen) {
        close_with(554, "5.5.0", "Improper use of SMTP command pipelining");
        return;
    }
    conn_.any_command = true;
    // RFC 5321 §2.3.8: CR and LF only as the CR LF line end; NUL nowhere. Such a line is
    // rejected whole: it never turns into two commands.
    if (line.bad_octets) {
        protocol_error(500, "5.5.2", "Syntax error: bare CR, bare LF or NUL in command line");
        return;
    }
    for (const auto& spec : k_commands) {
        if (spec.verb != cl.verb) continue;
        if ((spec.allowed & state_bit(conn_.state)) == 0) {
            out_of_sequence(cl.verb);
            return;
        }
        (this->*spec.handler)(cl.args);
        return;
    }
    protocol_error(500, "5.5.1", "Command unrecognized");  // RFC 5321 §4.2.4
}

void ServerSession::out_of_sequence(Verb verb) {
    // RFC 5321 §4.1.4 (order of commands), §4.2.4 (503).
    std::string_view text = "Bad sequence of commands";
    if (conn_.state == ServerState::greeted) {
        text = (verb == Verb::auth || verb == Verb::starttls) ? "Send EHLO first" : "Send HELO/EHLO first";
    } else if (verb == Verb::mail) {
        text = "Nested MAIL command";
    } else if (verb == Verb::rcpt || verb == Verb::data) {
        text = conn_.state == ServerState::chunking ? "RCPT not allowed after BDAT" : "Need MAIL command";
    } else if (verb == Verb::auth) {
        text = "AUTH not permitted during a mail transaction";  // RFC 4954 §4
    } else if (verb == Verb::starttls) {
        text = "STARTTLS not permitted during a mail transaction";
    }
    protocol_error(503, "5.5.1", text);
}

// ---------------------------------------------------------------- host answers

bool ServerSession::accept(std::int64_t now_ms) {
    if (!awaiting_answer() || conn_.state == ServerState::closed) return false;
    // The decision is used in place, then cleared before any further input is processed.
    Pending& p = pending_;
    if (auto* helo = std::get_if<PendingHelo>(&p)) {
        // RFC 5321 §4.1.4: HELO/EHLO resets any transaction.
        reset_transaction();
        conn_.helo = std::move(helo->domain);
        conn_.esmtp = helo->extended;
        conn_.offers = server_offers(config_, helo->extended, conn_.tls);  // once per EHLO
        enter_state(ServerState::ready);
        if (helo->extended) {
            send_ehlo_reply();
        } else {
            reply(250, "", config_.hostname);  // RFC 5321 §4.1.1.1; no enhanced code (RFC 2034 §3)
            conn_.pipelining_seen = false;
        }
    } else if (std::holds_alternative<PendingMail>(p)) {
        tx_.active = true;
        enter_state(ServerState::mail);
        reply(250, "2.1.0", "Ok");  // RFC 5321 §4.1.1.2
    } else if (auto* rcpt = std::get_if<PendingRcpt>(&p)) {
        tx_.rcpts.push_back(std::move(rcpt->rcpt));
        enter_state(ServerState::rcpt);
        reply(250, "2.1.5", "Ok");  // RFC 5321 §4.1.1.3
    } else if (auto* auth = std::get_if<PendingAuth>(&p)) {
        conn_.authenticated = true;
        conn_.auth_user = std::move(auth->user);
        enter_state(ServerState::ready);
        reply(235, "2.7.0", "Authentication successful");  // RFC 4954 §6
    } else if (std::holds_alternative<PendingMessage>(p)) {
        ++conn_.messages;
        conn_.junk_commands = 0;
        reset_transaction();
        enter_state(ServerState::ready);
        reply(250, "2.0.0", "Ok: queued");  // RFC 5321 §4.1.1.4
    }
    pending_.emplace<std::monostate>();
    answer_done(now_ms);
    return true;
}

bool ServerSession::accept_message(std::string_view queue_id, std::int64_t now_ms) {
    if (!std::holds_alternative<PendingMessage>(pending_) || conn_.state == ServerState::closed) return false;
    pending_ = std::monostate{};
    ++conn_.messages;
    conn_.junk_commands = 0;  // a client that hands over messages is not idling on junk
    reset_transaction();
    enter_state(ServerState::ready);
    std::string text = "Ok: queued as ";
    text.append(queue_id.data(), queue_id.size());
    reply(250, "2.0.0", text);  // RFC 5321 §4.1.1.4: 250 only after the message is safe
    answer_done(now_ms);
    return true;
}

bool ServerSession::reject(const Reply& r, std::int64_t now_ms) {
    if (!awaiting_answer() || conn_.state == ServerState::closed) return false;
    if (r.code < 400 || r.code > 599) return false;  // a refusal must be 4xx or 5xx
    const bool mail = std::holds_alternative<PendingMail>(pending_);
    const bool auth = std::holds_alternative<PendingAuth>(pending_);
    const bool message = std::holds_alternative<PendingMessage>(pending_);
    pending_.emplace<std::monostate>();
    const std::size_t start = out_.size();
    append_reply(out_, r);
    awaiting_flush_ = true;
    if (config_.trace) {
        std::size_t pos = start;
        int index = 0;
        while (pos < out_.size()) {
            std::size_t end = out_.find("\r\n", pos);
            trace_reply_line(r.code, r.enhanced, std::string_view(out_).substr(pos, end - pos), index++);
            pos = end + 2;
        }
    }
    if (mail) {
        reset_transaction();
    } else if (auth) {
        enter_state(ServerState::ready);
        // Failed logins count as errors: a bound on guessing within one connection.
        if (r.code != 421 && ++conn_.errors >= config_.max_errors)
            close_with(421, "4.7.0", "Too many errors, closing connection");
    } else if (message) {
        reset_transaction();
        enter_state(ServerState::ready);
    }
    if (r.code == 421 && conn_.state != ServerState::closed) {  // RFC 5321 §3.8: 421 closes
        in_pos_ = in_.size();
        enter_state(ServerState::closed);
    }
    answer_done(now_ms);
    return true;
}

void ServerSession::answer_done(std::int64_t now_ms) {
    if (now_ms != k_no_time) {
        now_ = now_ms;
        last_activity_ = now_ms;
    }
    process();
}

bool ServerSession::tls_established(std::string_view version, std::int64_t now_ms) {
    if (conn_.state != ServerState::starttls) return false;
    now_ = now_ms;
    last_activity_ = now_ms;
    // RFC 3207 §4.2: forget everything learnt from the client before TLS (the EHLO offers too).
    const int errors = conn_.errors;
    const bool any = conn_.any_command;
    const std::uint64_t messages = conn_.messages;
    const int junk = conn_.junk_commands;
    conn_ = ServerConnection{};
    conn_.junk_commands = junk;
    conn_.state = ServerState::starttls;
    conn_.errors = errors;
    conn_.any_command = any;
    conn_.messages = messages;
    conn_.tls = true;
    conn_.tls_version.assign(version.data(), version.size());
    reset_transaction();
    in_.clear();
    in_pos_ = 0;
    lines_.reset();
    awaiting_flush_ = false;  // the client saw the 220 before starting the handshake
    if (config_.trace) {
        trace_phase_ = TracePhase::tls;
        trace_note(TraceKind::tls, TraceNote::tls_established, "TLS established (" + conn_.tls_version + ")");
        trace_.back().outcome = TraceOutcome::ok;
    }
    enter_state(ServerState::greeted);
    return true;
}

void ServerSession::send_ehlo_reply() {
    std::string_view lines[k_max_ehlo_lines];
    const std::size_t n = ehlo_reply_lines(conn_.offers, config_.hostname, size_line_, lines);
    reply_multi(250, "", lines, n);  // no enhanced codes on the EHLO reply (RFC 2034 §3)
}

// ---------------------------------------------------------------- output, time, trace

void ServerSession::reply(int code, std::string_view enhanced, std::string_view text) {
    reply_multi(code, enhanced, &text, 1);
}

void ServerSession::reply_multi(int code, std::string_view enhanced, const std::string_view* lines, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t start = out_.size();
        const std::size_t len = append_reply_line(out_, code, enhanced, lines[i], i + 1 == n);
        if (config_.trace) trace_reply_line(code, enhanced, std::string_view(out_).substr(start, len), static_cast<int>(i));
    }
    awaiting_flush_ = true;
}

void ServerSession::protocol_error(int code, std::string_view enhanced, std::string_view text) {
    reply(code, enhanced, text);
    if (conn_.state != ServerState::closed && ++conn_.errors >= config_.max_errors)
        close_with(421, "4.7.0", "Too many errors, closing connection");  // RFC 5321 §3.8
}

void ServerSession::close_with(int code, std::string_view enhanced, std::string_view text) {
    reply(code, enhanced, text);
    pending_ = std::monostate{};
    in_pos_ = in_.size();
    enter_state(ServerState::closed);
}

void ServerSession::enter_state(ServerState next) {
    if (next == conn_.state) return;
    if (next == ServerState::data || next == ServerState::bdat) {  // a transfer starts
        transfer_started_ = now_;
        transfer_bytes_ = 0;
    }
    if (config_.trace) {
        TraceEvent& ev = trace_.emplace_back();
        ev.t_ms = now_;
        ev.kind = TraceKind::state;
        ev.phase = trace_phase_;
        ev.state_before = server_state_name(conn_.state);
        ev.state_after = server_state_name(next);
        ev.text = ev.state_before + " -> " + ev.state_after;
    }
    conn_.state = next;
}

std::optional<ServerEvent> ServerSession::next_event() {
    if (event_head_ >= events_.size()) return std::nullopt;
    std::optional<ServerEvent> e(std::move(events_[event_head_++]));
    if (event_head_ == events_.size()) {
        events_.clear();
        event_head_ = 0;
    }
    return e;
}

std::string ServerSession::take_output() {
    std::string result;
    if (!out_.empty()) {
        if (conn_.offers.pipelining) conn_.pipelining_seen = true;  // the EHLO reply is on its way
        awaiting_flush_ = false;
        // Small output is copied so out_ keeps its capacity (the next replies are appended
        // without allocating); a large one is handed over whole.
        if (out_.size() <= 4096) {
            result.assign(out_);
            out_.clear();
        } else {
            result.swap(out_);
        }
    }
    return result;
}

// Idle timers alone let a client hold a connection for ever by sending one byte every few
// seconds (slowloris). So besides the idle timer (RFC 5321 §4.5.3.2.7: time since the last
// byte), each command line and each DATA/BDAT transfer has a total deadline:
//  - a command line must be complete within command_timeout of its first byte;
//  - content within data_timeout of its start (the 354, the BDAT command) plus the time the
//    octets received so far need at min_data_rate_bps: a client sending fast keeps
//    extending its deadline, one trickling a byte at a time runs out of it.
std::int64_t ServerSession::next_deadline() const {
    if (conn_.state == ServerState::closed || awaiting_answer()) return k_no_deadline;
    const bool content = conn_.state == ServerState::data || conn_.state == ServerState::bdat;
    std::int64_t deadline = last_activity_ + (content ? config_.data_timeout_ms : config_.command_timeout_ms);
    if (content && config_.min_data_rate_bps > 0) {
        const auto allowance = static_cast<std::int64_t>(transfer_bytes_ * 1000 / config_.min_data_rate_bps);
        deadline = std::min(deadline, transfer_started_ + config_.data_timeout_ms + allowance);
    } else if (!content && line_started_ != k_no_time) {
        deadline = std::min(deadline, line_started_ + config_.command_timeout_ms);
    }
    return deadline;
}

void ServerSession::on_timeout(std::int64_t now_ms) {
    now_ = now_ms;
    if (now_ms < next_deadline()) return;
    if (config_.trace) {
        trace_phase_ = TracePhase::connect;
        const bool content = conn_.state == ServerState::data || conn_.state == ServerState::bdat;
        const bool idle = now_ms - last_activity_ >= (content ? config_.data_timeout_ms : config_.command_timeout_ms);
        trace_note(TraceKind::note, TraceNote::idle_timeout,
                   idle ? "timeout: the client sent nothing for too long"
                        : (content ? "timeout: the message content arrived too slowly"
                                   : "timeout: the command line arrived too slowly"));
        trace_.back().outcome = TraceOutcome::timed_out;
    }
    close_with(421, "4.4.2", config_.hostname + " Timeout, closing connection");  // RFC 5321 §4.5.3.2, §3.8
}

std::vector<TraceEvent> ServerSession::take_trace() {
    std::vector<TraceEvent> t;
    t.swap(trace_);
    return t;
}

}  // namespace relaylab
