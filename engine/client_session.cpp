#include "engine/client_session.hpp"

#include "engine/next_hop.hpp"
#include "engine/ascii.hpp"

#include "engine/base64.hpp"
#include "engine/dot_codec.hpp"
#include "engine/sasl.hpp"
#include "engine/xtext.hpp"

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

std::string body_for_wire(std::string_view content) {
    std::string body = normalize_crlf(content);
    if (!body.empty() && (body.size() < 2 || body.compare(body.size() - 2, 2, "\r\n") != 0)) body += "\r\n";
    return body;
}

// RFC 3461 §4.2: ORCPT=addr-type ";" xtext.
std::string orcpt_value(std::string_view orcpt) {
    const std::size_t semi = orcpt.find(';');
    if (semi == std::string_view::npos) return "rfc822;" + xtext_encode(orcpt);
    return std::string(orcpt.substr(0, semi)) + ";" + xtext_encode(orcpt.substr(semi + 1));
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

// ---- replies --------------------------------------------------------------------------

void ClientSession::on_reply(const Reply& r) {
    if (awaiting_.empty()) {
        // A reply nobody asked for (RFC 5321 §4.2: every reply answers one command).
        fail(SessionFailure::protocol_error, std::nullopt, true);
        return;
    }
    const Expectation e = awaiting_.front();
    awaiting_.pop_front();
    if (awaiting_.empty()) deadline_.reset();
    else deadline_ = now_ + timeout_for(awaiting_.front().what);

    // RFC 5321 §3.8: 421 may answer any command; the server closes the channel.
    if (r.code == 421 && e.what != Await::quit) {
        fail(e.what == Await::greeting ? SessionFailure::greeting_rejected : SessionFailure::service_closing, r,
             false);
        return;
    }
    switch (e.what) {
        case Await::greeting: return on_greeting(r);
        case Await::ehlo: return on_ehlo(r);
        case Await::helo: return on_helo(r);
        case Await::starttls: return on_starttls(r);
        case Await::auth:
        case Await::auth_login_user:
        case Await::auth_login_pass: return on_auth(e.what, r);
        case Await::mail: return on_mail(r);
        case Await::rcpt: return on_rcpt(e.rcpt, r);
        case Await::data: return on_data(r);
        case Await::data_end: return on_data_end(r);
        case Await::bdat: return on_bdat(r);
        case Await::rset: return on_rset(r);
        case Await::quit: return close();  // RFC 5321 §4.1.1.10: 221, or anything: we are done
    }
}

// RFC 5321 §3.1, §4.3.2: greeting is 220, or 554 (no service).
void ClientSession::on_greeting(const Reply& r) {
    if (r.code == 220) {
        write_command("EHLO " + config_.helo_name, Verb::ehlo);
        expect(Await::ehlo);
        enter(ClientPhase::ehlo);
        return;
    }
    if (r.transient() || r.permanent()) return fail(SessionFailure::greeting_rejected, r, true);
    fail(SessionFailure::protocol_error, r, true);
}

// RFC 5321 §4.1.1.1, §3.2: a server that refuses EHLO (5xx) gets HELO.
void ClientSession::on_ehlo(const Reply& r) {
    if (r.code / 100 == 2) {
        caps_ = parse_ehlo_reply(r);
        after_hello();
        return;
    }
    if (r.permanent()) {
        write_command("HELO " + config_.helo_name, Verb::helo);
        expect(Await::helo);
        enter(ClientPhase::helo);
        return;
    }
    fail(r.transient() ? SessionFailure::helo_rejected : SessionFailure::protocol_error, r, true);
}

void ClientSession::on_helo(const Reply& r) {
    if (r.code / 100 == 2) {
        caps_ = ServerCapabilities{};  // HELO: no service extensions (RFC 5321 §2.2.1)
        after_hello();
        return;
    }
    fail(r.positive() ? SessionFailure::protocol_error : SessionFailure::helo_rejected, r, true);
}

// RFC 3207 §4: 220 ready to start TLS; 454 TLS not available; 501 syntax.
void ClientSession::on_starttls(const Reply& r) {
    if (r.code == 220) {
        // Anything after the 220 came in plaintext: drop it (RFC 3207 §4.2, CVE-2011-0411).
        parser_.discard_buffered();
        enter(ClientPhase::tls_handshake);
        // The state event ("... -> tls_handshake") says the handshake starts; the host
        // reports its end with tls_established or tls_failed.
        deadline_ = now_ + config_.timeouts.other;
        events_.push_back(TlsStartEvent{});
        return;
    }
    if (config_.tls == TlsPolicy::required) return fail(SessionFailure::tls_rejected, r, true);
    // Opportunistic: go on in plaintext (RFC 3207 §4.1); the session state is unchanged.
    trace_event(TraceKind::tls, TraceNote::starttls_refused, "STARTTLS refused, continuing without TLS",
                TraceOutcome::rejected);
    after_hello();
}

// RFC 4954 §4, §6: 235 success, 334 continue, 5xx/4xx failure.
void ClientSession::on_auth(Await what, const Reply& r) {
    if (r.code == 235) {
        authenticated_ = true;
        enter(ClientPhase::ready);
        proceed();
        return;
    }
    if (r.code == 334 && config_.auth) {
        if (what == Await::auth_login_user) {
            // RFC 4954 §4: the response is base64; LOGIN asks for the user name first.
            write_continuation(base64_encode(config_.auth->first));
            expect(Await::auth_login_pass);
            return;
        }
        if (what == Await::auth_login_pass) {
            write_continuation(base64_encode(config_.auth->second));
            expect(Await::auth);
            return;
        }
        // PLAIN was sent with its initial response: a further challenge is not expected.
        write_continuation("*");  // RFC 4954 §4: "*" cancels the exchange
        expect(Await::auth);
        return;
    }
    if (r.positive()) return fail(SessionFailure::protocol_error, r, true);
    fail(SessionFailure::auth_failed, r, true);
}

// RFC 5321 §4.3.2 MAIL: 250 | 552 451 452 550 553 503 455 555.
void ClientSession::on_mail(const Reply& r) {
    if (!tx_) return fail(SessionFailure::protocol_error, r, true);
    Transaction& tx = *tx_;
    if (r.code / 100 == 2) {
        tx.mail_ok = true;
        needs_rset_ = true;
        if (!tx.pipelined) send_rcpt(0);
        return;
    }
    if (r.code / 100 == 3) return fail(SessionFailure::protocol_error, r, true);
    // Every recipient shares the fate of the envelope.
    tx.mail_failed = true;
    for (std::size_t i = 0; i < tx.results.size(); ++i)
        tx.results[i] = RecipientOutcome{tx.msg.rcpts[i].first, recipient_status_of(r), r};
    // Pipelined: the RCPT and DATA replies that follow are still awaited (and ignored).
    if (!tx.pipelined) finish_message(r);
}

// RFC 5321 §4.3.2 RCPT: 250 251 | 550 551 552 553 450 451 452 503 455 555.
void ClientSession::on_rcpt(std::size_t i, const Reply& r) {
    if (!tx_ || i >= tx_->results.size()) return fail(SessionFailure::protocol_error, r, true);
    Transaction& tx = *tx_;
    if (!tx.mail_failed) {
        if (r.code / 100 == 2) {
            tx.rcpt_ok[i] = true;
            ++tx.accepted;
        } else if (r.code / 100 == 3) {
            return fail(SessionFailure::protocol_error, r, true);
        } else {
            tx.results[i] = RecipientOutcome{tx.msg.rcpts[i].first, recipient_status_of(r), r};
        }
    }
    const bool last = i + 1 == tx.results.size();
    if (!tx.pipelined) {
        if (!last) return send_rcpt(i + 1);
        if (tx.accepted == 0) return finish_message(r);
        if (tx.bdat) send_bdat();
        else send_data();
        return;
    }
    // Pipelined with BDAT: the chunk goes only once some recipient was accepted.
    if (last && tx.bdat) {
        if (tx.mail_failed || tx.accepted == 0) return finish_message(r);
        send_bdat();
    }
}

// RFC 5321 §4.3.2 DATA: 354 | 554 503 451 452 550.
void ClientSession::on_data(const Reply& r) {
    if (!tx_) return fail(SessionFailure::protocol_error, r, true);
    Transaction& tx = *tx_;
    if (r.code == 354) {
        if (tx.mail_failed || tx.accepted == 0) {
            // RFC 2920 §3.1: the server should have refused DATA; end an empty message.
            tx.empty_data = true;
            out_ += ".\r\n";
            if (TraceEvent* ev = trace_event(TraceKind::command, TraceNote::end_of_data_empty, "."))
                ev->wire = ".\r\n";
        } else {
            dot_stuff_append(tx.body, out_);
            trace_event(TraceKind::data, TraceNote::content, std::to_string(tx.body.size()) + " octets of message content");
            if (TraceEvent* ev = trace_event(TraceKind::command, TraceNote::end_of_data, ".")) ev->wire = ".\r\n";
        }
        expect(Await::data_end);
        return;
    }
    if (r.positive()) return fail(SessionFailure::protocol_error, r, true);
    finish_message(r);
}

// RFC 5321 §4.3.2 end of data: 250 | 552 554 451 452 550.
void ClientSession::on_data_end(const Reply& r) {
    if (!tx_) return fail(SessionFailure::protocol_error, r, true);
    // The transaction ends with the reply to "." whatever it says (RFC 5321 §4.1.1.4).
    needs_rset_ = false;
    if (r.code / 100 == 3) return fail(SessionFailure::protocol_error, r, true);
    finish_message(r);
}

// RFC 3030 §2: reply to BDAT n LAST ends the transaction on success.
void ClientSession::on_bdat(const Reply& r) {
    if (!tx_) return fail(SessionFailure::protocol_error, r, true);
    if (r.code / 100 == 3) return fail(SessionFailure::protocol_error, r, true);
    if (r.code / 100 == 2) needs_rset_ = false;
    finish_message(r);
}

void ClientSession::on_rset(const Reply& r) {
    if (r.code / 100 != 2) return fail(SessionFailure::protocol_error, r, true);
    needs_rset_ = false;
    enter(ClientPhase::ready);
    proceed();
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

// Starts the queue's first message. Returns false when it was settled without any command
// (too big, an extension it needs is missing, no recipients).
bool ClientSession::start_message() {
    auto [id, msg] = std::move(queue_.front());
    queue_.pop_front();
    Transaction tx;
    tx.id = id;
    tx.body = body_for_wire(msg.content);
    tx.msg = std::move(msg);
    tx.pipelined = caps_.pipelining;
    tx.bdat = config_.use_bdat && caps_.chunking;
    tx.rcpt_ok.assign(tx.msg.rcpts.size(), false);
    tx.results.assign(tx.msg.rcpts.size(), std::nullopt);
    tx_ = std::move(tx);

    std::optional<Reply> refused;
    if (tx_->msg.rcpts.empty()) {
        refused = make_reply(554, "5.5.1", "no recipients");  // RFC 3463 X.5.1; nobody to tell
    } else {
        bool utf8_address = tx_->msg.from.mailbox.utf8;
        for (const auto& [path, params] : tx_->msg.rcpts) utf8_address |= path.mailbox.utf8;
        NextHopContent hop = adapt_for_next_hop(tx_->body, tx_->msg.mail_params.body == Body::eight_bit_mime,
                                                tx_->msg.mail_params.smtputf8, utf8_address, caps_);
        if (hop.refusal) {
            refused = hop.refusal;
        } else if (hop.converted) {
            tx_->body = std::move(hop.content);
            tx_->msg.mail_params.body = Body::seven_bit;
            trace_event(TraceKind::note, TraceNote::eight_bit_converted,
                        "8-bit content converted to 7 bits (the server does not offer 8BITMIME)");
        }
    }
    if (!refused && caps_.size && caps_.size_limit > 0 && tx_->body.size() > caps_.size_limit) {
        // RFC 1870 §6: a client must not send a message the server declared too big.
        refused = make_reply(552, "5.3.4", "message size exceeds the server's fixed limit of " +
                                               std::to_string(caps_.size_limit) + " octets");
    }
    if (refused) {
        trace_event(TraceKind::note, TraceNote::message_not_sent, "message not sent: " + refused->summary());
        complete_all(*tx_, *refused, true);
        finish_message(*refused);
        return false;
    }
    enter(ClientPhase::transaction);
    send_mail();
    if (tx_->pipelined) {
        // RFC 2920 §3.1: MAIL, every RCPT and DATA in one group.
        for (std::size_t i = 0; i < tx_->msg.rcpts.size(); ++i) send_rcpt(i);
        if (!tx_->bdat) send_data();
    }
    return true;
}

void ClientSession::send_mail() {
    const Transaction& tx = *tx_;
    const MailParams& p = tx.msg.mail_params;
    std::string line = "MAIL FROM:" + format_path(tx.msg.from);
    if (caps_.size) line += " SIZE=" + std::to_string(tx.body.size());  // RFC 1870 §3
    if (caps_.eight_bit_mime) {                                           // RFC 6152 §2
        if (p.body == Body::eight_bit_mime) line += " BODY=8BITMIME";
        else if (p.body == Body::seven_bit) line += " BODY=7BIT";
    }
    if (p.smtputf8 && caps_.smtputf8) line += " SMTPUTF8";  // RFC 6531 §3.4
    if (caps_.dsn) {                                        // RFC 3461 §4.3, §4.4
        if (p.ret == Ret::full) line += " RET=FULL";
        else if (p.ret == Ret::hdrs) line += " RET=HDRS";
        if (!p.envid.empty()) line += " ENVID=" + xtext_encode(p.envid);
    }
    if (!p.auth.empty() && authenticated_) line += " AUTH=" + xtext_encode(p.auth);  // RFC 4954 §5
    write_command(std::move(line), Verb::mail);
    expect(Await::mail);
}

void ClientSession::send_rcpt(std::size_t i) {
    const auto& [path, p] = tx_->msg.rcpts[i];
    std::string line = "RCPT TO:" + format_path(path);
    if (caps_.dsn) {  // RFC 3461 §4.1, §4.2
        if (p.notify) line += " NOTIFY=" + notify_wire_value(*p.notify);
        if (!p.orcpt.empty()) line += " ORCPT=" + orcpt_value(p.orcpt);
    }
    tx_->next_rcpt = i + 1;
    write_command(std::move(line), Verb::rcpt);
    expect(Await::rcpt, i);
}

void ClientSession::send_data() {
    write_command("DATA", Verb::data);
    expect(Await::data);
}

// RFC 3030 §2: one chunk carrying the whole (CRLF-normalised) message, marked LAST.
void ClientSession::send_bdat() {
    const std::string& body = tx_->body;
    write_command("BDAT " + std::to_string(body.size()) + " LAST", Verb::bdat);
    out_ += body;
    trace_event(TraceKind::data, TraceNote::content_bdat, std::to_string(body.size()) + " octets of message content");
    expect(Await::bdat);
}

// Every recipient without a final result yet gets `reply`.
void ClientSession::complete_all(Transaction& tx, const Reply& reply, bool local) {
    for (std::size_t i = 0; i < tx.results.size(); ++i)
        if (!tx.results[i])
            tx.results[i] = RecipientOutcome{tx.msg.rcpts[i].first, recipient_status_of(reply), reply, local};
}

// The transaction's last expected reply arrived: accepted recipients take `final_reply`.
void ClientSession::finish_message(const Reply& final_reply) {
    if (!tx_) return;
    Transaction& tx = *tx_;
    // (After an empty DATA every recipient already has its RCPT or MAIL reply.)
    complete_all(tx, final_reply, false);
    MessageOutcome outcome;
    outcome.message = tx.id;
    outcome.next_hop_dsn = caps_.dsn;
    for (auto& r : tx.results) outcome.recipients.push_back(std::move(*r));
    tx_.reset();
    events_.push_back(MessageDoneEvent{std::move(outcome)});
    if (phase_ == ClientPhase::transaction) enter(ClientPhase::ready);
    if (phase_ == ClientPhase::ready && awaiting_.empty()) proceed();
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
