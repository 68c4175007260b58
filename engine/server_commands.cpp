// ServerSession: one function per SMTP verb (RFC 5321 §4.1.1), reached through the command
// table in server_session.cpp once the verb is in sequence. Each checks its arguments and
// what it needs beyond the state (an offered extension, TLS, authentication), then replies
// or hands the host an event. DATA and BDAT are in server_message.cpp.
//
// Choices where the RFCs leave room:
//  - EHLO/HELO take any single token of printable US-ASCII (real clients send names with
//    "_" and the like), not only a Domain or address-literal (RFC 5321 §4.1.1.1).
//  - VRFY is "252 2.5.0" (RFC 5321 §3.5.3), EXPN "502 5.5.1" (§7.3: lists are not disclosed).
//  - A MAIL/RCPT parameter of an extension not offered in the EHLO reply is "555 5.5.4".
#include <string>

#include "engine/ascii.hpp"
#include "engine/server_session_internal.hpp"

namespace relaylab {
namespace {

// EHLO/HELO argument: RFC 5321 §4.1.1.1 wants a Domain or address-literal. We accept any
// single token of printable US-ASCII, but not nothing, spaces or 8-bit octets (the client
// cannot yet know about SMTPUTF8).
bool acceptable_helo_argument(std::string_view s) {
    if (s.empty()) return false;
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7F) return false;
    }
    return true;
}

}  // namespace

void ServerSession::cmd_ehlo(std::string_view args) { helo_common(args, true); }
void ServerSession::cmd_helo(std::string_view args) { helo_common(args, false); }

void ServerSession::helo_common(std::string_view args, bool extended) {
    if (!acceptable_helo_argument(args)) {
        protocol_error(501, "5.5.4", extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");  // RFC 5321 §4.1.1.1
        return;
    }
    emit<HeloEvent>(PendingHelo{extended, std::string(args)}, extended, std::string(args));
}

void ServerSession::cmd_mail(std::string_view args) {
    if (mail_requires_auth(config_, conn_.authenticated)) {
        protocol_error(530, "5.7.0", "Authentication required");  // RFC 4954 §6, RFC 6409 §4.1
        return;
    }
    if (!ascii_istarts_with(args, "FROM:")) {
        protocol_error(501, "5.5.4", "Syntax: MAIL FROM:<address>");  // RFC 5321 §4.1.1.2
        return;
    }
    const bool utf8_ok = conn_.offers.smtputf8;
    const AddressError error = parse_mail_args(args, utf8_ok, mail_args_);
    if (error != AddressError::none) {
        std::string_view rest = args.substr(5);
        if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        Parsed<Path> path = parse_reverse_path(rest, utf8_ok);
        if (path.error == AddressError::utf8_not_permitted || error == AddressError::utf8_not_permitted) {
            // RFC 6531 §3.7.4.1
            protocol_error(553, "5.6.7", "Non-ASCII addresses are not permitted without SMTPUTF8");
        } else if (!path) {
            // RFC 5321 §4.1.2 syntax, §4.5.3.1 size limits; RFC 3463 5.1.7 bad sender address syntax
            protocol_error(501, "5.1.7", std::string("Bad sender address: ") + address_error_text(path.error));
        } else {
            protocol_error(501, "5.5.4", "Syntax error in MAIL parameters");  // RFC 5321 §4.1.2 esmtp-param
        }
        return;
    }
    for (const auto& p : mail_args_.params) {
        // Parameters belong to extensions offered in the EHLO reply (RFC 5321 §4.1.1.11,
        // RFC 1869 §4.5); anything else is "555 5.5.4".
        if (!conn_.offers.mail_parameter(p.keyword)) {
            protocol_error(555, "5.5.4", "Unsupported MAIL parameter " + p.keyword);  // RFC 5321 §4.1.1.11
            return;
        }
    }
    MailParams params;
    ParamResult pr = parse_mail_params(mail_args_.params, params);
    if (pr.error == ParamError::unknown_keyword) {
        protocol_error(555, "5.5.4", "Unsupported MAIL parameter " + pr.keyword);  // RFC 5321 §4.1.1.11
        return;
    }
    if (pr.error != ParamError::none) {
        protocol_error(501, "5.5.4", "Bad MAIL parameter " + pr.keyword);  // RFC 5321 §4.1.1.11
        return;
    }
    if (params.size && *params.size > config_.max_message_size) {
        reply(552, "5.3.4", "Message size exceeds fixed maximum message size");  // RFC 1870 §6.2
        return;
    }
    if (mail_args_.path.mailbox.utf8 && !params.smtputf8) {
        protocol_error(553, "5.6.7", "Non-ASCII addresses are not permitted without SMTPUTF8");  // RFC 6531 §3.7.4.1
        return;
    }
    tx_.from = mail_args_.path;  // assigned into tx_'s buffers, kept across transactions
    tx_.mail_params = params;
    emit<MailEvent>(PendingMail{}, mail_args_.path, std::move(params));
}

void ServerSession::cmd_rcpt(std::string_view args) {
    if (!ascii_istarts_with(args, "TO:")) {
        protocol_error(501, "5.5.4", "Syntax: RCPT TO:<address>");  // RFC 5321 §4.1.1.3
        return;
    }
    if (tx_.rcpts.size() >= config_.max_recipients) {
        reply(452, "4.5.3", "Too many recipients");  // RFC 5321 §4.5.3.1.10, RFC 3463 4.5.3
        return;
    }
    const bool utf8_ok = tx_.mail_params.smtputf8;
    const AddressError error = parse_rcpt_args(args, utf8_ok, mail_args_);
    if (error != AddressError::none) {
        std::string_view rest = args.substr(3);
        if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        Parsed<Path> path = parse_forward_path(rest, utf8_ok);
        if (path.error == AddressError::utf8_not_permitted || error == AddressError::utf8_not_permitted) {
            protocol_error(553, "5.6.7", "Non-ASCII addresses are not permitted without SMTPUTF8");  // RFC 6531 §3.7.4.1
        } else if (!path) {
            // RFC 5321 §4.1.2; RFC 3463 5.1.3 bad destination mailbox address syntax
            protocol_error(501, "5.1.3", std::string("Bad recipient address: ") + address_error_text(path.error));
        } else {
            protocol_error(501, "5.5.4", "Syntax error in RCPT parameters");
        }
        return;
    }
    for (const auto& p : mail_args_.params) {
        if (!conn_.offers.rcpt_parameter(p.keyword)) {
            protocol_error(555, "5.5.4", "Unsupported RCPT parameter " + p.keyword);  // RFC 5321 §4.1.1.11
            return;
        }
    }
    RcptParams params;
    ParamResult pr = parse_rcpt_params(mail_args_.params, params);
    if (pr.error == ParamError::unknown_keyword) {
        protocol_error(555, "5.5.4", "Unsupported RCPT parameter " + pr.keyword);
        return;
    }
    if (pr.error != ParamError::none) {
        protocol_error(501, "5.5.4", "Bad RCPT parameter " + pr.keyword);  // RFC 3461 §4.1, §4.2
        return;
    }
    emit<RcptEvent>(PendingRcpt{{mail_args_.path, params}}, mail_args_.path, std::move(params));
}

// NOOP, RSET, VRFY and HELP move no mail: a client that sends more than max_junk_commands
// of them (since its last message) is holding a slot, not sending mail (Postfix's
// smtpd_junk_command_limit, default 100). "421 4.7.0" and close (RFC 5321 §3.8, §4.2.4 allow
// the server to close with 421; RFC 3463 X.7.0 security/policy). True when closed.
bool ServerSession::junk_command() {
    if (config_.max_junk_commands <= 0 || ++conn_.junk_commands <= config_.max_junk_commands) return false;
    close_with(421, "4.7.0", "Too many commands that send no mail, closing connection");
    return true;
}

void ServerSession::cmd_rset(std::string_view args) {
    if (junk_command()) return;
    if (!args.empty()) {
        protocol_error(501, "5.5.4", "Syntax: RSET");  // RFC 5321 §4.1.1.5
        return;
    }
    reset_transaction();
    enter_state(conn_.helo.empty() ? ServerState::greeted : ServerState::ready);
    reply(250, "2.0.0", "Ok");  // RFC 5321 §4.1.1.5
    emit<ResetEvent>(std::monostate{});
}

void ServerSession::cmd_noop(std::string_view) {
    if (junk_command()) return;
    reply(250, "2.0.0", "Ok");  // RFC 5321 §4.1.1.9: a parameter is ignored
}

void ServerSession::cmd_quit(std::string_view args) {
    if (!args.empty()) {
        protocol_error(501, "5.5.4", "Syntax: QUIT");  // RFC 5321 §4.1.1.10
        return;
    }
    reply(221, "2.0.0", "Bye");  // RFC 5321 §4.1.1.10
    in_pos_ = in_.size();
    enter_state(ServerState::closed);
    emit<QuitEvent>(std::monostate{});
}

void ServerSession::cmd_vrfy(std::string_view args) {
    if (junk_command()) return;
    if (args.empty()) {
        protocol_error(501, "5.5.4", "Syntax: VRFY address");  // RFC 5321 §4.1.1.6
        return;
    }
    // RFC 5321 §3.5.3: 252 when the server will not verify but will try delivery.
    reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
}

void ServerSession::cmd_expn(std::string_view) {
    reply(502, "5.5.1", "EXPN not available");  // RFC 5321 §3.5.2, §7.3: lists are not disclosed
}

void ServerSession::cmd_help(std::string_view) {
    if (junk_command()) return;
    // RFC 5321 §4.1.1.8
    static constexpr std::string_view lines[] = {
        "relaylab: a teaching SMTP relay",
        "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH",
        "See RFC 5321 and https://www.rfc-editor.org/"};
    reply_multi(214, "2.0.0", lines, 3);
}

void ServerSession::cmd_starttls(std::string_view args) {
    if (!args.empty()) {
        protocol_error(501, "5.5.4", "Syntax: STARTTLS (no parameters)");  // RFC 3207 §4
        return;
    }
    if (conn_.tls) {
        protocol_error(503, "5.5.1", "TLS already active");  // RFC 3207 §4.2: not offered again
        return;
    }
    if (!config_.tls_available) {
        protocol_error(502, "5.5.1", "STARTTLS not available");  // not offered in EHLO, RFC 3207 §4
        return;
    }
    if (!conn_.esmtp) {
        protocol_error(503, "5.5.1", "Send EHLO first");  // STARTTLS is an extension, RFC 3207 §4
        return;
    }
    reply(220, "2.0.0", "Ready to start TLS");  // RFC 3207 §4
    std::size_t dropped = in_.size() - in_pos_;
    if (dropped > 0 && config_.trace)
        trace_note(TraceKind::note, TraceNote::pipelined_after_starttls,
                   "discarded " + std::to_string(dropped) + " bytes pipelined after STARTTLS");
    in_pos_ = in_.size();
    reset_transaction();
    enter_state(ServerState::starttls);
    emit<StartTlsEvent>(std::monostate{});
}

void ServerSession::cmd_auth(std::string_view args) {
    switch (auth_offer(config_, conn_.tls)) {
        case AuthOffer::never:
            protocol_error(502, "5.5.1", "AUTH not available");  // not in the EHLO reply, RFC 4954 §3
            return;
        case AuthOffer::after_starttls:
            protocol_error(530, "5.7.0", "Must issue a STARTTLS command first");  // RFC 3207 §4, RFC 4954 §4
            return;
        case AuthOffer::now: break;
    }
    if (!conn_.esmtp) {
        protocol_error(503, "5.5.1", "Send EHLO first");  // AUTH is an extension, RFC 4954 §4
        return;
    }
    if (conn_.authenticated) {
        protocol_error(503, "5.5.1", "Already authenticated");  // RFC 4954 §4
        return;
    }
    std::optional<AuthArgs> a = parse_auth_args(args);
    if (!a) {
        protocol_error(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");  // RFC 4954 §4
        return;
    }
    sasl_step(sasl_.start(a->mechanism, a->initial_response));
}

void ServerSession::auth_response(std::string_view line) {
    // The whole line is the client's answer (base64 credentials), unless it cancels: "*".
    if (config_.trace) trace_command_line(line, Verb::auth, 0, line == "*" ? 0 : line.size());
    sasl_step(sasl_.respond(line));
}

// What the SASL exchange asks for next: a "334" challenge (state auth, the next line is
// the client's response), the credentials for the host to judge, or a refusal.
void ServerSession::sasl_step(SaslStep step) {
    switch (step.kind) {
        case SaslStep::Kind::challenge:
            enter_state(ServerState::auth);
            reply(334, "", step.challenge);  // RFC 4954 §4: no enhanced code on 334
            return;
        case SaslStep::Kind::done: {
            std::string user = step.username;
            emit<AuthEvent>(PendingAuth{std::move(user)}, std::move(step.mechanism), std::move(step.authzid),
                            std::move(step.username), std::move(step.password));
            return;
        }
        case SaslStep::Kind::error:
            enter_state(ServerState::ready);
            protocol_error(step.code, step.enhanced, step.text);
            return;
    }
}

}  // namespace relaylab
