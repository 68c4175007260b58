// The client session's reply handlers: one per command it sent, each taking the codes RFC
// 5321 §4.3.2 lists for that command (and RFC 3207, RFC 4954, RFC 3030 for STARTTLS, AUTH and
// BDAT). Which command a reply answers is the queue of expectations kept in
// client_session.cpp; what happens next is decided here.
#include "engine/client_session.hpp"

#include "engine/base64.hpp"
#include "engine/dot_codec.hpp"
#include "engine/sasl.hpp"

namespace relaylab {

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

}  // namespace relaylab
