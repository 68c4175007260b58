// The client session's frame: name tables, the host's calls (feed, send, quit, TLS,
// timeouts), the steps between transactions (STARTTLS, AUTH, RSET, QUIT), failure and close,
// and the command writer. Reply handlers live in client_replies.cpp, one transaction in
// client_transaction.cpp.
#include "engine/client_session.hpp"

#include "engine/ascii.hpp"
#include "engine/base64.hpp"
#include "engine/dot_codec.hpp"
#include "engine/sasl.hpp"

namespace relaylab {

const char* recipient_status_name(RecipientStatus s) {
    switch (s) {
        case RecipientStatus::accepted: return "accepted";
        case RecipientStatus::temporary: return "temporary";
        case RecipientStatus::permanent: return "permanent";
    }
    return "temporary";
}

const char* session_failure_name(SessionFailure f) {
    switch (f) {
        case SessionFailure::none: return "none";
        case SessionFailure::greeting_rejected: return "greeting_rejected";
        case SessionFailure::helo_rejected: return "helo_rejected";
        case SessionFailure::tls_unavailable: return "tls_unavailable";
        case SessionFailure::tls_rejected: return "tls_rejected";
        case SessionFailure::auth_unavailable: return "auth_unavailable";
        case SessionFailure::auth_failed: return "auth_failed";
        case SessionFailure::protocol_error: return "protocol_error";
        case SessionFailure::timeout: return "timeout";
        case SessionFailure::connection_lost: return "connection_lost";
        case SessionFailure::service_closing: return "service_closing";
    }
    return "none";
}

const char* session_failure_text(SessionFailure f) {
    switch (f) {
        case SessionFailure::none: return "no failure";
        case SessionFailure::greeting_rejected: return "the server refused to talk (its greeting was not 220)";
        case SessionFailure::helo_rejected: return "the server refused the EHLO/HELO greeting";
        case SessionFailure::tls_unavailable: return "TLS is required but the server does not offer STARTTLS";
        case SessionFailure::tls_rejected: return "TLS could not be started (refused, or the handshake failed)";
        case SessionFailure::auth_unavailable: return "login is needed but the server offers no usable mechanism";
        case SessionFailure::auth_failed: return "the login was refused";
        case SessionFailure::protocol_error: return "the server's replies broke the SMTP rules";
        case SessionFailure::timeout: return "the server did not answer in time";
        case SessionFailure::connection_lost: return "the connection was lost";
        case SessionFailure::service_closing: return "the server closed the connection in an orderly way (421)";
    }
    return "no failure";
}

const char* client_phase_name(ClientPhase p) {
    switch (p) {
        case ClientPhase::greeting: return "greeting";
        case ClientPhase::ehlo: return "ehlo";
        case ClientPhase::helo: return "helo";
        case ClientPhase::starttls: return "starttls";
        case ClientPhase::tls_handshake: return "tls_handshake";
        case ClientPhase::auth: return "auth";
        case ClientPhase::ready: return "ready";
        case ClientPhase::transaction: return "transaction";
        case ClientPhase::rset: return "rset";
        case ClientPhase::quit: return "quit";
        case ClientPhase::closed: return "closed";
    }
    return "closed";
}

std::string format_path(const Path& path) {
    if (path.null) return "<>";
    // A source route is never sent (RFC 5321 §4.1.1.3: clients SHOULD NOT use them).
    if (path.mailbox.domain.empty()) return "<" + path.mailbox.local_part + ">";  // <Postmaster>
    return "<" + path.mailbox.local_part + "@" + path.mailbox.domain + ">";
}

RecipientStatus recipient_status_of(const Reply& reply) {
    if (reply.permanent()) return RecipientStatus::permanent;
    if (reply.positive()) return RecipientStatus::accepted;
    return RecipientStatus::temporary;
}

namespace {

// Replies the session makes up itself when the server never gave one.
// RFC 3463 §3.5 X.4.2 "bad connection" - used for timeouts and lost connections.
Reply synthesized_connection_reply(SessionFailure f) {
    if (f == SessionFailure::timeout)
        return make_reply(451, "4.4.2", "timeout waiting for the server (RFC 5321 §4.5.3.2)");
    return make_reply(451, "4.4.2", "connection lost");
}

Reply synthesized_failure_reply(SessionFailure f) {
    switch (f) {
        case SessionFailure::timeout:
        case SessionFailure::connection_lost:
            return synthesized_connection_reply(f);
        // RFC 3463 §3.8 X.7.4 "security features not supported" (as Postfix reports it).
        case SessionFailure::tls_unavailable:
            return make_reply(451, "4.7.4", "TLS is required, but was not offered by the server");
        case SessionFailure::tls_rejected:
            return make_reply(451, "4.7.4", "TLS is required, but could not be established");
        // RFC 4954 §6 454 4.7.0 "temporary authentication failure".
        case SessionFailure::auth_unavailable:
            return make_reply(454, "4.7.0", "the server offers no usable AUTH mechanism");
        case SessionFailure::auth_failed:
            return make_reply(454, "4.7.0", "authentication failed");
        // RFC 3463 §3.6 X.5.0 "other or undefined protocol status".
        case SessionFailure::protocol_error:
            return make_reply(451, "4.5.0", "protocol error in the server's replies");
        case SessionFailure::greeting_rejected:
        case SessionFailure::helo_rejected:
        case SessionFailure::service_closing:  // the server's own 421 settles these
        case SessionFailure::none:
            break;
    }
    return make_reply(451, "4.3.0", "session failed");
}

}  // namespace

ClientSession::ClientSession(ClientConfig config, std::int64_t now_ms)
    : config_(std::move(config)), now_(now_ms), tls_active_(config_.tls_active) {
    if (tls_active_) tls_version_ = "implicit";
    expect(Await::greeting);
}

// ---- host calls ---------------------------------------------------------------------

void ClientSession::feed(std::string_view bytes, std::int64_t now_ms) {
    now_ = now_ms;
    if (closed() || bytes.empty()) return;
    if (phase_ == ClientPhase::tls_handshake) {
        // RFC 3207 §4.2: nothing from before the handshake may be trusted.
        trace_event(TraceKind::tls, TraceNote::plaintext_before_tls,
                    "dropped " + std::to_string(bytes.size()) + " octets sent before TLS");
        return;
    }
    parser_.feed(bytes);
    while (!closed() && phase_ != ClientPhase::tls_handshake) {
        auto r = parser_.next();
        if (!r) break;
        const auto& lines = parser_.last_lines();
        if (config_.trace)
            for (std::size_t i = 0; i < lines.size(); ++i) trace_reply(*r, lines[i], static_cast<int>(i));
        on_reply(*r);
    }
    if (!closed() && phase_ != ClientPhase::tls_handshake && parser_.error() != ReplyError::none) {
        trace_event(TraceKind::note, TraceNote::unparseable_reply,
                    std::string("unparseable reply: ") + reply_error_text(parser_.error()));
        fail(SessionFailure::protocol_error, std::nullopt, false);
    }
}

void ClientSession::feed_eof(std::int64_t now_ms) {
    now_ = now_ms;
    if (closed()) return;
    if (phase_ == ClientPhase::quit) {
        close();
        return;
    }
    trace_phase_ = TracePhase::connect;
    trace_event(TraceKind::note, TraceNote::server_closed, "connection closed by the server", TraceOutcome::failed);
    fail(SessionFailure::connection_lost, std::nullopt, false);
}

std::optional<std::size_t> ClientSession::send(OutgoingMessage message, std::int64_t now_ms) {
    now_ = now_ms;
    if (closed() || quit_requested_ || failure_ != SessionFailure::none) return std::nullopt;
    const std::size_t id = next_id_++;
    queue_.emplace_back(id, std::move(message));
    if (phase_ == ClientPhase::ready && awaiting_.empty()) proceed();
    return id;
}

void ClientSession::quit(std::int64_t now_ms) {
    now_ = now_ms;
    if (closed() || quit_requested_) return;
    quit_requested_ = true;
    if (phase_ == ClientPhase::ready && awaiting_.empty()) proceed();
}

void ClientSession::tls_established(std::string_view version, std::int64_t now_ms) {
    now_ = now_ms;
    if (phase_ != ClientPhase::tls_handshake) return;  // host misuse: ignored
    tls_active_ = true;
    tls_version_ = std::string(version);
    trace_phase_ = TracePhase::tls;
    trace_event(TraceKind::tls, TraceNote::tls_established, "TLS established (" + tls_version_ + ")",
                TraceOutcome::ok);
    // RFC 3207 §4.2: discard all knowledge obtained from the server before TLS.
    caps_ = ServerCapabilities{};
    parser_.reset();
    deadline_.reset();
    write_command("EHLO " + config_.helo_name, Verb::ehlo);
    expect(Await::ehlo);
    enter(ClientPhase::ehlo);
}

void ClientSession::tls_failed(std::string_view reason, std::int64_t now_ms) {
    now_ = now_ms;
    if (phase_ != ClientPhase::tls_handshake) return;
    trace_phase_ = TracePhase::tls;
    trace_event(TraceKind::tls, TraceNote::tls_failed, "TLS handshake failed: " + std::string(reason),
                TraceOutcome::failed);
    fail(SessionFailure::tls_rejected, std::nullopt, false);
}

std::optional<ClientEvent> ClientSession::next_event() {
    if (events_.empty()) return std::nullopt;
    ClientEvent ev = std::move(events_.front());
    events_.pop_front();
    return ev;
}

std::string ClientSession::take_output() {
    std::string out;
    out.swap(out_);
    return out;
}

Trace ClientSession::take_trace() {
    Trace t;
    t.swap(trace_);
    return t;
}

void ClientSession::on_timeout(std::int64_t now_ms) {
    now_ = now_ms;
    if (closed() || !deadline_ || now_ms < *deadline_) return;
    trace_event(TraceKind::note, TraceNote::reply_timeout, "timeout waiting for the server", TraceOutcome::timed_out);
    if (phase_ == ClientPhase::quit) {
        close();  // nothing was pending but the 221
        return;
    }
    fail(SessionFailure::timeout, std::nullopt, false);
}

// ---- steps -------------------------------------------------------------------------

// After EHLO/HELO: STARTTLS, then AUTH, then mail.
void ClientSession::after_hello() {
    if (!tls_active_ && !tried_starttls_ && config_.tls != TlsPolicy::none && caps_.starttls) {
        tried_starttls_ = true;
        write_command("STARTTLS", Verb::starttls);
        expect(Await::starttls);
        enter(ClientPhase::starttls);
        return;
    }
    if (config_.tls == TlsPolicy::required && !tls_active_)
        return fail(SessionFailure::tls_unavailable, std::nullopt, true);
    if (config_.auth && !authenticated_) {
        const std::string wanted = ascii_uppercase(config_.auth_mechanism);
        auth_mech_.clear();
        if ((wanted == "PLAIN" || wanted == "LOGIN") && caps_.offers_auth(wanted)) auth_mech_ = wanted;
        else if (caps_.offers_auth("PLAIN")) auth_mech_ = "PLAIN";
        else if (caps_.offers_auth("LOGIN")) auth_mech_ = "LOGIN";
        if (auth_mech_.empty()) return fail(SessionFailure::auth_unavailable, std::nullopt, true);
        enter(ClientPhase::auth);
        if (auth_mech_ == "PLAIN") {
            // RFC 4616 §2 message, sent as the RFC 4954 §4 initial response.
            const std::string msg = make_sasl_plain("", config_.auth->first, config_.auth->second);
            write_command("AUTH PLAIN " + base64_encode(msg), Verb::auth, std::string_view("AUTH PLAIN ").size());
            expect(Await::auth);
        } else {
            write_command("AUTH LOGIN", Verb::auth);
            expect(Await::auth_login_user);
        }
        return;
    }
    enter(ClientPhase::ready);
    proceed();
}

// Idle and greeted: RSET if a transaction is left open, then the next message, or QUIT.
void ClientSession::proceed() {
    while (!closed() && awaiting_.empty() && phase_ == ClientPhase::ready) {
        if (!queue_.empty()) {
            if (needs_rset_) {
                write_command("RSET", Verb::rset);
                expect(Await::rset);
                enter(ClientPhase::rset);
                return;
            }
            if (start_message()) return;  // commands sent; otherwise the message was settled
            continue;
        }
        if (quit_requested_) {
            write_command("QUIT", Verb::quit);
            expect(Await::quit);
            enter(ClientPhase::quit);
        }
        return;
    }
}

// The session cannot go on: settle every message, then QUIT or close.
void ClientSession::fail(SessionFailure f, std::optional<Reply> reply, bool send_quit) {
    if (closed()) return;
    if (failure_ == SessionFailure::none) {
        failure_ = f;
        failure_reply_ = reply;
    }
    // Recipients get the server's reply when it is a refusal, else one we make up.
    const bool from_server = reply && (reply->transient() || reply->permanent());
    const Reply settle = from_server ? *reply : synthesized_failure_reply(f);
    trace_event(TraceKind::note, TraceNote::session_failed, std::string("session ended: ") + session_failure_text(f));
    awaiting_.clear();
    deadline_.reset();
    if (tx_) {
        complete_all(*tx_, settle, !from_server);
        MessageOutcome outcome;
        outcome.message = tx_->id;
        outcome.next_hop_dsn = caps_.dsn;
        for (auto& r : tx_->results) outcome.recipients.push_back(std::move(*r));
        tx_.reset();
        events_.push_back(MessageDoneEvent{std::move(outcome)});
    }
    while (!queue_.empty()) {
        auto [id, msg] = std::move(queue_.front());
        queue_.pop_front();
        MessageOutcome outcome;
        outcome.message = id;
        for (auto& [path, params] : msg.rcpts)
            outcome.recipients.push_back(RecipientOutcome{path, recipient_status_of(settle), settle, !from_server});
        events_.push_back(MessageDoneEvent{std::move(outcome)});
    }
    quit_requested_ = true;
    if (send_quit) {
        write_command("QUIT", Verb::quit);
        expect(Await::quit);
        enter(ClientPhase::quit);
        return;
    }
    close();
}

void ClientSession::close() {
    if (closed()) return;
    awaiting_.clear();
    deadline_.reset();
    enter(ClientPhase::closed);
    events_.push_back(ClosedEvent{failure_, failure_reply_});
}

// All phase changes pass here, so the trace shows each "old -> new".
void ClientSession::enter(ClientPhase p) {
    if (p == phase_) return;
    if (config_.trace) {
        std::string before = client_phase_name(phase_), after = client_phase_name(p);
        TraceEvent* ev = trace_event(TraceKind::state, TraceNote::none, before + " -> " + after);
        ev->state_before = std::move(before);
        ev->state_after = std::move(after);
    }
    phase_ = p;
}

// ---- output and trace -----------------------------------------------------------------

std::int64_t ClientSession::timeout_for(Await what) const {
    const ClientTimeouts& t = config_.timeouts;
    switch (what) {
        case Await::greeting: return t.greeting;
        case Await::mail: return t.mail;
        case Await::rcpt: return t.rcpt;
        case Await::data: return t.data_init;
        case Await::data_end:
        case Await::bdat: return t.data_end;
        default: return t.other;
    }
}

void ClientSession::expect(Await what, std::size_t rcpt) {
    if (awaiting_.empty()) deadline_ = now_ + timeout_for(what);
    awaiting_.push_back(Expectation{what, rcpt});
}

// A command line never carries a CR or LF of its own (RFC 5321 §2.3.8): any that came in
// through names or addresses are dropped, so the host cannot be made to inject commands.
void ClientSession::write_command(std::string line, Verb verb, std::size_t secret_begin) {
    std::erase_if(line, [](char c) { return c == '\r' || c == '\n'; });
    out_ += line;
    out_ += "\r\n";
    trace_line(TraceKind::command, line, verb, secret_begin);
}

// An answer to a 334 challenge: all of it is credentials, unless it is "*" (cancel).
void ClientSession::write_continuation(std::string line) {
    std::erase_if(line, [](char c) { return c == '\r' || c == '\n'; });
    out_ += line;
    out_ += "\r\n";
    trace_line(TraceKind::command, line, Verb::auth, line == "*" ? std::string::npos : 0);
}

}  // namespace relaylab
