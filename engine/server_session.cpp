// The SMTP server session: RFC 5321 with PIPELINING (RFC 2920), SIZE (RFC 1870),
// 8BITMIME (RFC 6152), ENHANCEDSTATUSCODES (RFC 2034, 3463), STARTTLS (RFC 3207),
// AUTH (RFC 4954, PLAIN RFC 4616, LOGIN), SMTPUTF8 (RFC 6531), DSN (RFC 3461),
// CHUNKING (RFC 3030). See server_session.hpp for the shape and the security notes.
#include "engine/server_session.hpp"
#include "engine/ascii.hpp"

#include <algorithm>
#include <cstring>

#include "engine/base64.hpp"
#include "engine/explain.hpp"
#include "engine/sasl.hpp"

namespace relaylab {
namespace {

constexpr std::uint16_t bit(ServerState s) { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(s)); }

// States in which a command line is read and dispatched through the command table.
constexpr std::uint16_t k_command_states = bit(ServerState::greeted) | bit(ServerState::ready) |
                                           bit(ServerState::mail) | bit(ServerState::rcpt) |
                                           bit(ServerState::chunking);
constexpr std::uint16_t k_in_transaction = bit(ServerState::mail) | bit(ServerState::rcpt) | bit(ServerState::chunking);

bool has_bare_line_end_or_nul(std::string_view line) {
    // Every command line passes here: three memchr passes beat a byte loop with three tests.
    const char* p = line.data();
    const std::size_t n = line.size();
    return std::memchr(p, '\r', n) != nullptr || std::memchr(p, '\n', n) != nullptr ||
           std::memchr(p, '\0', n) != nullptr;
}

// A request line of HTTP/1.x (RFC 9112 §3): methods are case-sensitive.
bool looks_like_http(std::string_view line) {
    static constexpr std::string_view methods[] = {"GET ", "POST ", "PUT ", "CONNECT ", "HEAD ", "OPTIONS ", "DELETE "};
    for (auto m : methods)
        if (line.substr(0, m.size()) == m) return true;
    return false;
}

// For the trace only: control octets shown escaped, the length bounded.
std::string printable(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    constexpr std::size_t k_max = 600;
    std::string out;
    out.reserve(std::min(s.size(), k_max) + 8);
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (out.size() >= k_max) {
            out += "...";
            break;
        }
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\r') out += "\\r";
        else if (c == '\n') out += "\\n";
        else if (c == '\\') out += "\\\\";
        else if (c < 0x20 || c == 0x7F) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

// EHLO/HELO argument: RFC 5321 §4.1.1.1 wants a Domain or address-literal. We accept any
// single token of printable US-ASCII (real clients send names with "_" and the like), but
// not nothing, spaces or 8-bit octets (the client cannot yet know about SMTPUTF8).
bool acceptable_helo_argument(std::string_view s) {
    if (s.empty()) return false;
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7F) return false;
    }
    return true;
}

Explanation ehlo_line_explanation(std::string_view line) {
    auto kw = line.substr(0, line.find(' '));
    if (kw == "PIPELINING") return {"The client may send several commands without waiting for each reply.", "RFC 2920"};
    if (kw == "SIZE") return {"The largest message this server accepts, in octets.", "RFC 1870"};
    if (kw == "8BITMIME") return {"Message content may contain 8-bit octets when MAIL says BODY=8BITMIME.", "RFC 6152"};
    if (kw == "ENHANCEDSTATUSCODES") return {"Replies carry a class.subject.detail code like 5.1.1.", "RFC 2034"};
    if (kw == "STARTTLS") return {"The client may switch this connection to TLS encryption.", "RFC 3207"};
    if (kw == "AUTH") return {"The client may log in; these are the accepted SASL mechanisms.", "RFC 4954"};
    if (kw == "SMTPUTF8") return {"Addresses and headers may use UTF-8 (internationalised mail).", "RFC 6531"};
    if (kw == "DSN") return {"The client may ask for delivery status notifications (NOTIFY, RET, ENVID, ORCPT).", "RFC 3461"};
    if (kw == "CHUNKING") return {"The client may send the message in sized chunks with BDAT instead of DATA.", "RFC 3030"};
    return {"The server names itself in the first line of its EHLO reply.", "RFC 5321 §4.1.1.1"};
}

const char* state_explanation(ServerState s) {
    switch (s) {
        case ServerState::greeted: return "The client must introduce itself with EHLO or HELO.";
        case ServerState::ready: return "No mail transaction is open; MAIL may start one.";
        case ServerState::mail: return "The sender is known; now the recipients (RCPT).";
        case ServerState::rcpt: return "At least one recipient accepted; more RCPT, or DATA/BDAT.";
        case ServerState::data: return "The message content is arriving, until a line with a single dot.";
        case ServerState::bdat: return "The octets of a BDAT chunk are arriving, counted exactly.";
        case ServerState::chunking: return "Between BDAT chunks: the next BDAT continues the message.";
        case ServerState::auth: return "Authentication exchange: the client answers the server's challenge.";
        case ServerState::starttls: return "The TLS handshake happens now; plain-text bytes are ignored.";
        case ServerState::closed: return "The session is over; the connection closes.";
    }
    return "";
}

}  // namespace

const char* role_name(Role role) {
    switch (role) {
        case Role::mx: return "mx";
        case Role::submission: return "submission";
        case Role::submissions: return "submissions";
    }
    return "mx";
}

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
// is refused (RFC 3030 §2); cmd_bdat chooses the refusal.
const ServerSession::CommandSpec ServerSession::k_commands[] = {
    {Verb::ehlo, k_command_states, &ServerSession::cmd_ehlo},
    {Verb::helo, k_command_states, &ServerSession::cmd_helo},
    {Verb::mail, bit(ServerState::ready), &ServerSession::cmd_mail},
    {Verb::rcpt, bit(ServerState::mail) | bit(ServerState::rcpt), &ServerSession::cmd_rcpt},
    {Verb::data, k_in_transaction, &ServerSession::cmd_data},
    {Verb::bdat, k_command_states, &ServerSession::cmd_bdat},
    {Verb::rset, k_command_states, &ServerSession::cmd_rset},
    {Verb::noop, k_command_states, &ServerSession::cmd_noop},
    {Verb::quit, k_command_states, &ServerSession::cmd_quit},
    {Verb::vrfy, k_command_states, &ServerSession::cmd_vrfy},
    {Verb::expn, k_command_states, &ServerSession::cmd_expn},
    {Verb::help, k_command_states, &ServerSession::cmd_help},
    {Verb::starttls, bit(ServerState::ready), &ServerSession::cmd_starttls},
    {Verb::auth, bit(ServerState::ready), &ServerSession::cmd_auth},
};

// The event is built once and moved into the queue; next_event() moves it out. (Brace
// initialisation: clang 14, the WebAssembly compiler, cannot build aggregates from
// parentheses, so the variant cannot construct the alternative in place.)
template <class Event, class... Fields>
void ServerSession::emit(Pending pending, Fields&&... fields) {
    if (event_head_ > 0 && event_head_ == events_.size()) {
        events_.clear();
        event_head_ = 0;
    }
    events_.emplace_back(std::in_place_type<Event>, Event{std::forward<Fields>(fields)...});
    if (pending != Pending::none) pending_ = pending;
}

ServerSession::ServerSession(ServerConfig config, std::int64_t now_ms, bool tls_active)
    : config_(std::move(config)),
      now_(now_ms),
      last_activity_(now_ms),
      decoder_(config_.max_text_line, config_.max_message_size) {
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
            trace_note(TraceKind::note,
                       "discarded " + std::to_string(bytes.size()) + " plain-text bytes sent before the TLS handshake",
                       "Commands injected before TLS starts must not be executed inside TLS.", "RFC 3207 §4.2");
        return;
    }
    if (in_pos_ == in_.size()) {
        in_.clear();
        in_pos_ = 0;
    }
    in_.append(bytes.data(), bytes.size());
    if (pending_ != Pending::none) {
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
        trace_note(TraceKind::note,
                   mid_message ? "client closed the connection during the message; nothing was accepted"
                               : "client closed the connection",
                   mid_message ? "Without the final 250 reply the client must assume the message was not taken."
                               : "The TCP connection ended.",
                   "RFC 5321 §3.8");
    }
    pending_ = Pending::none;
    in_.clear();
    in_pos_ = 0;
    enter_state(ServerState::closed);
}

void ServerSession::process() {
    while (pending_ == Pending::none && conn_.state != ServerState::closed && in_pos_ < in_.size()) {
        switch (conn_.state) {
            case ServerState::data: process_data(); break;
            case ServerState::bdat: process_bdat(); break;
            case ServerState::starttls: in_pos_ = in_.size(); break;  // defence in depth: cmd_starttls already dropped it
            default: {
                std::string_view line;
                bool too_long = false;
                if (!read_line(line, too_long)) goto done;
                if (too_long) {
                    if (config_.trace)
                        trace_note(TraceKind::command,
                                   "<line of " + std::to_string(discarded_len_) + " octets, over the limit>",
                                   "A command line is at most 512 octets including CRLF.", "RFC 5321 §4.5.3.1.4");
                    if (conn_.state == ServerState::auth) {
                        auth_step_ = AuthStep::none;
                        auth_user_pending_.clear();
                        enter_state(ServerState::ready);
                        protocol_error(500, "5.5.6", "Authentication exchange line is too long");  // RFC 4954 §4
                    } else {
                        protocol_error(500, "5.5.2", "Line too long");  // RFC 5321 §4.5.3.1.4, §4.2.2
                    }
                } else if (conn_.state == ServerState::auth) {
                    auth_response(line);
                } else {
                    dispatch_command(line);
                }
            }
        }
    }
done:
    if (in_pos_ >= in_.size()) {
        in_.clear();
        in_pos_ = 0;
    } else if (in_pos_ >= 4096 && pending_ == Pending::none) {
        in_.erase(0, in_pos_);
        in_pos_ = 0;
    }
}

// One command line, ended only by CR LF (RFC 5321 §2.3.8). Returns false when more input
// is needed. An over-long line is dropped as it arrives (never buffered beyond the limit)
// and reported once its CR LF arrives, so any split of the input gives the same replies.
bool ServerSession::read_line(std::string_view& line, bool& too_long) {
    std::string_view avail(in_.data() + in_pos_, in_.size() - in_pos_);
    if (discarding_line_) {
        for (std::size_t i = 0; i < avail.size(); ++i) {
            if (discard_prev_cr_ && avail[i] == '\n') {
                discarding_line_ = false;
                discard_prev_cr_ = false;
                discarded_len_ += i + 1;
                in_pos_ += i + 1;
                too_long = true;
                return true;
            }
            discard_prev_cr_ = avail[i] == '\r';
        }
        discarded_len_ += avail.size();
        in_pos_ = in_.size();
        return false;
    }
    // AUTH lines may be longer (RFC 4954 §4: 12288 octets).
    std::size_t limit = config_.max_command_line;
    if (conn_.state == ServerState::auth || ascii_istarts_with(avail, "AUTH "))
        limit = std::max(config_.max_command_line, config_.max_auth_line);
    std::size_t from = scanned_ > 0 ? scanned_ - 1 : 0;
    std::size_t pos = avail.find("\r\n", from);
    if (pos == std::string_view::npos) {
        scanned_ = avail.size();
        if (avail.size() >= limit) {  // even a CR LF right now would make it longer than the limit
            discarding_line_ = true;
            discard_prev_cr_ = avail.back() == '\r';
            discarded_len_ = avail.size();
            in_pos_ = in_.size();
            scanned_ = 0;
        }
        return false;
    }
    scanned_ = 0;
    line = avail.substr(0, pos);
    in_pos_ += pos + 2;
    too_long = pos + 2 > limit;
    if (too_long) discarded_len_ = pos + 2;
    return true;
}

void ServerSession::dispatch_command(std::string_view line) {
    CommandLine cl = split_command(line);
    trace_command(line, cl.verb);
    // An HTTP client (or a cross-protocol attack from a browser) as first command.
    if (!conn_.any_command && looks_like_http(line)) {
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
    if (has_bare_line_end_or_nul(line)) {
        protocol_error(500, "5.5.2", "Syntax error: bare CR, bare LF or NUL in command line");
        return;
    }
    for (const auto& spec : k_commands) {
        if (spec.verb != cl.verb) continue;
        if ((spec.allowed & bit(conn_.state)) == 0) {
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

// ---------------------------------------------------------------- verbs

void ServerSession::cmd_ehlo(std::string_view args) { helo_common(args, true); }
void ServerSession::cmd_helo(std::string_view args) { helo_common(args, false); }

void ServerSession::helo_common(std::string_view args, bool extended) {
    if (!acceptable_helo_argument(args)) {
        protocol_error(501, "5.5.4", extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");  // RFC 5321 §4.1.1.1
        return;
    }
    pending_helo_.assign(args.data(), args.size());
    pending_extended_ = extended;
    emit<HeloEvent>(Pending::helo, extended, pending_helo_);
}

void ServerSession::cmd_mail(std::string_view args) {
    if (config_.role != Role::mx && !conn_.authenticated) {
        protocol_error(530, "5.7.0", "Authentication required");  // RFC 4954 §6, RFC 6409 §4.1
        return;
    }
    if (!ascii_istarts_with(args, "FROM:")) {
        protocol_error(501, "5.5.4", "Syntax: MAIL FROM:<address>");  // RFC 5321 §4.1.1.2
        return;
    }
    const bool utf8_ok = config_.offer_smtputf8 && conn_.esmtp;
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
    MailParams params;
    for (const auto& p : mail_args_.params) {
        // Parameters belong to extensions offered in an EHLO reply (RFC 5321 §4.1.1.11,
        // RFC 1869 §4.5); anything else is "555 5.5.4".
        const std::string& k = p.keyword;
        bool offered = conn_.esmtp &&
                       (k == "SIZE" || (k == "BODY" && config_.offer_8bitmime) ||
                        (k == "SMTPUTF8" && config_.offer_smtputf8) ||
                        ((k == "RET" || k == "ENVID") && config_.offer_dsn) ||
                        (k == "AUTH" && config_.offer_auth && config_.role != Role::mx &&
                         (config_.role != Role::submission || conn_.tls)));
        if (!offered) {
            protocol_error(555, "5.5.4", "Unsupported MAIL parameter " + k);  // RFC 5321 §4.1.1.11
            return;
        }
    }
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
    emit<MailEvent>(Pending::mail, mail_args_.path, std::move(params));
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
        bool offered = conn_.esmtp && config_.offer_dsn && (p.keyword == "NOTIFY" || p.keyword == "ORCPT");
        if (!offered) {
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
    pending_rcpt_.first = mail_args_.path;
    pending_rcpt_.second = params;
    emit<RcptEvent>(Pending::rcpt, mail_args_.path, std::move(params));
}

void ServerSession::cmd_data(std::string_view args) {
    if (!args.empty()) {
        protocol_error(501, "5.5.4", "Syntax: DATA");  // RFC 5321 §4.1.1.4
        return;
    }
    if (tx_.bdat) {
        protocol_error(503, "5.5.1", "DATA not allowed after BDAT");  // RFC 3030 §2
        return;
    }
    if (tx_.rcpts.empty()) {
        reply(554, "5.5.1", "No valid recipients");  // RFC 2920 §3.1, RFC 5321 §4.1.1.4
        return;
    }
    decoder_.reset();
    tx_.content.clear();
    reply(354, "", "End data with <CR><LF>.<CR><LF>");  // RFC 5321 §4.1.1.4; no enhanced code on 3xx
    enter_state(ServerState::data);
}

void ServerSession::cmd_bdat(std::string_view args) {
    if (!config_.offer_chunking || !conn_.esmtp) {
        protocol_error(502, "5.5.1", "BDAT not available");  // RFC 3030 §2: only after CHUNKING was offered
        return;
    }
    std::optional<BdatArgs> a = parse_bdat_args(args);
    if (!a) {
        protocol_error(501, "5.5.4", "Syntax: BDAT chunk-size [LAST]");  // RFC 3030 §2
        return;
    }
    bdat_remaining_ = a->size;
    bdat_chunk_size_ = a->size;
    bdat_last_ = a->last;
    bdat_discard_ = false;
    bdat_return_state_ = conn_.state;
    // RFC 3030 §2: a refused chunk is still read, then the refusal is the reply to it.
    auto refuse = [&](int code, const char* enhanced, const char* text, bool counts_as_error, bool reset) {
        bdat_discard_ = true;
        bdat_error_code_ = code;
        bdat_error_enhanced_ = enhanced;
        bdat_error_text_ = text;
        bdat_error_counts_ = counts_as_error;
        bdat_error_reset_ = reset;
    };
    switch (conn_.state) {
        case ServerState::greeted: refuse(503, "5.5.1", "Send HELO/EHLO first", true, false); break;
        case ServerState::ready: refuse(503, "5.5.1", "Need MAIL command", true, false); break;
        case ServerState::mail: refuse(554, "5.5.1", "No valid recipients", false, false); break;  // RFC 2920 §3.1
        default:
            if (tx_.bdat_size + a->size > config_.max_message_size ||
                tx_.bdat_size + a->size < tx_.bdat_size)
                refuse(552, "5.3.4", "Message size exceeds fixed maximum message size", false, true);  // RFC 1870 §6.3
            break;
    }
    enter_state(ServerState::bdat);
    if (bdat_remaining_ == 0) finish_chunk();
}

void ServerSession::cmd_rset(std::string_view args) {
    if (!args.empty()) {
        protocol_error(501, "5.5.4", "Syntax: RSET");  // RFC 5321 §4.1.1.5
        return;
    }
    reset_transaction();
    enter_state(conn_.helo.empty() ? ServerState::greeted : ServerState::ready);
    reply(250, "2.0.0", "Ok");  // RFC 5321 §4.1.1.5
    emit<ResetEvent>(Pending::none);
}

void ServerSession::cmd_noop(std::string_view) {
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
    emit<QuitEvent>(Pending::none);
}

void ServerSession::cmd_vrfy(std::string_view args) {
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
        trace_note(TraceKind::note,
                   "discarded " + std::to_string(dropped) + " bytes pipelined after STARTTLS",
                   "Commands sent after STARTTLS but before the TLS handshake are thrown away (CVE-2011-0411).",
                   "RFC 3207 §4.2, RFC 2920 §3.1");
    in_pos_ = in_.size();
    reset_transaction();
    enter_state(ServerState::starttls);
    emit<StartTlsEvent>(Pending::none);
}

void ServerSession::cmd_auth(std::string_view args) {
    const bool offered_here = config_.offer_auth && config_.role != Role::mx;
    if (!offered_here) {
        protocol_error(502, "5.5.1", "AUTH not available");  // not in the EHLO reply, RFC 4954 §3
        return;
    }
    if (config_.role == Role::submission && !conn_.tls) {
        protocol_error(530, "5.7.0", "Must issue a STARTTLS command first");  // RFC 3207 §4, RFC 4954 §4
        return;
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
    if (a->mechanism == "PLAIN") {
        if (!a->initial_response) {
            auth_step_ = AuthStep::plain;
            enter_state(ServerState::auth);
            reply(334, "", "");  // RFC 4954 §4: empty challenge
            return;
        }
        std::optional<std::string> decoded = base64_decode(*a->initial_response);
        if (!decoded) {
            protocol_error(501, "5.5.2", "Cannot decode response");  // RFC 4954 §4
            return;
        }
        std::optional<PlainCredentials> c = parse_sasl_plain(*decoded);
        if (!c) {
            protocol_error(501, "5.5.2", "Malformed PLAIN response");  // RFC 4616 §2
            return;
        }
        auth_complete("PLAIN", std::move(c->authzid), std::move(c->authcid), std::move(c->password));
        return;
    }
    if (a->mechanism == "LOGIN") {
        if (a->initial_response) {
            std::optional<std::string> user = base64_decode(*a->initial_response);
            if (!user) {
                protocol_error(501, "5.5.2", "Cannot decode response");  // RFC 4954 §4
                return;
            }
            auth_user_pending_ = std::move(*user);
            auth_step_ = AuthStep::login_password;
            enter_state(ServerState::auth);
            reply(334, "", "UGFzc3dvcmQ6");  // "Password:"
            return;
        }
        auth_step_ = AuthStep::login_user;
        enter_state(ServerState::auth);
        reply(334, "", "VXNlcm5hbWU6");  // "Username:"
        return;
    }
    protocol_error(504, "5.5.4", "Unrecognized authentication type");  // RFC 4954 §4
}

void ServerSession::auth_response(std::string_view line) {
    if (config_.trace) {
        Explanation e = explain_command(Verb::auth);
        trace_.push_back(TraceEvent{now_, TraceKind::command, "", "", line == "*" ? "*" : "<credentials hidden>",
                                    "The client's answer to the AUTH challenge. " + e.text, "RFC 4954 §4"});
    }
    auto fail = [&](int code, const char* enhanced, const char* text) {
        auth_step_ = AuthStep::none;
        auth_user_pending_.clear();
        enter_state(ServerState::ready);
        protocol_error(code, enhanced, text);
    };
    if (line == "*") {
        fail(501, "5.0.0", "Authentication cancelled");  // RFC 4954 §4
        return;
    }
    std::optional<std::string> decoded = base64_decode(line);
    if (!decoded) {
        fail(501, "5.5.2", "Cannot decode response");  // RFC 4954 §4
        return;
    }
    switch (auth_step_) {
        case AuthStep::plain: {
            std::optional<PlainCredentials> c = parse_sasl_plain(*decoded);
            if (!c) {
                fail(501, "5.5.2", "Malformed PLAIN response");  // RFC 4616 §2
                return;
            }
            auth_complete("PLAIN", std::move(c->authzid), std::move(c->authcid), std::move(c->password));
            return;
        }
        case AuthStep::login_user:
            auth_user_pending_ = std::move(*decoded);
            auth_step_ = AuthStep::login_password;
            reply(334, "", "UGFzc3dvcmQ6");  // "Password:"
            return;
        case AuthStep::login_password:
            auth_complete("LOGIN", "", std::move(auth_user_pending_), std::move(*decoded));
            return;
        case AuthStep::none: fail(503, "5.5.1", "No AUTH exchange in progress"); return;
    }
}

void ServerSession::auth_complete(std::string mechanism, std::string authzid, std::string user,
                                  std::string password) {
    auth_user_pending_ = user;
    auth_step_ = AuthStep::none;
    emit<AuthEvent>(Pending::auth, std::move(mechanism), std::move(authzid), std::move(user), std::move(password));
}

// ---------------------------------------------------------------- message content

void ServerSession::process_data() {
    std::string_view avail(in_.data() + in_pos_, in_.size() - in_pos_);
    DataDecoder::Result r = decoder_.feed(avail, tx_.content);
    in_pos_ += r.consumed;
    if (r.done) finish_data();
}

void ServerSession::finish_data() {
    if (config_.trace) {
        trace_note(TraceKind::data, "message content, " + std::to_string(decoder_.size()) + " bytes",
                   "The message itself (headers, blank line, body), ended by a line with a single dot.",
                   "RFC 5321 §4.1.1.4");
        if (decoder_.saw_bare_lf() || decoder_.saw_bare_cr())
            trace_note(TraceKind::note, "bare CR or LF in the message content, normalised to CRLF",
                       "Only CR LF . CR LF ends the data, so a bare line end can never hide a second message "
                       "(SMTP smuggling).",
                       "RFC 5321 §2.3.8, §4.1.1.4");
    }
    const bool eight_bit_ok = tx_.mail_params.body == Body::eight_bit_mime || tx_.mail_params.smtputf8;
    if (decoder_.too_large()) {
        reply(552, "5.3.4", "Message size exceeds fixed maximum message size");  // RFC 1870 §6.3, RFC 5321 §4.5.3.1.10
    } else if (decoder_.line_too_long()) {
        // RFC 5321 §4.5.3.1.6 (1000 octets per text line); 554 is a reply §4.3.2 allows at the
        // end of DATA, 5.6.0 marks a content problem (RFC 3463 §3.7).
        reply(554, "5.6.0", "Message content rejected: a text line is too long");
    } else if (decoder_.saw_nul()) {
        reply(554, "5.6.0", "Message content rejected: NUL octets are not allowed");  // RFC 6152 §3, RFC 2045 §2.7-2.8
    } else if (decoder_.saw_8bit() && !eight_bit_ok) {
        // RFC 6152 §3: 8-bit octets only after BODY=8BITMIME (or SMTPUTF8, RFC 6531 §3.1).
        reply(554, "5.6.0", "Message content rejected: 8-bit data requires BODY=8BITMIME");
    } else {
        tx_.bdat = false;
        Envelope env = make_envelope();
        emit<MessageEvent>(Pending::message, std::move(env), std::move(tx_.content));
        return;
    }
    reset_transaction();
    enter_state(ServerState::ready);
}

void ServerSession::process_bdat() {
    std::size_t avail = in_.size() - in_pos_;
    std::size_t n = bdat_remaining_ < avail ? static_cast<std::size_t>(bdat_remaining_) : avail;
    std::string_view chunk(in_.data() + in_pos_, n);
    if (!bdat_discard_) {
        // Content checks across chunk boundaries: 8-bit, NUL, line length, bare CR/LF.
        for (char ch : chunk) {
            unsigned char c = static_cast<unsigned char>(ch);
            if (c == '\r') {
                if (tx_.bdat_prev_cr) tx_.bdat_bare = true;
                tx_.bdat_prev_cr = true;
                continue;
            }
            if (c == '\n') {
                if (!tx_.bdat_prev_cr) tx_.bdat_bare = true;
                tx_.bdat_prev_cr = false;
                tx_.bdat_line_len = 0;
                continue;
            }
            if (tx_.bdat_prev_cr) {
                tx_.bdat_bare = true;
                tx_.bdat_line_len = 0;
                tx_.bdat_prev_cr = false;
            }
            if (c == 0) tx_.bdat_nul = true;
            if (c >= 0x80) tx_.bdat_8bit = true;
            if (++tx_.bdat_line_len + 2 > config_.max_text_line) tx_.bdat_long_line = true;
        }
        tx_.content.append(chunk.data(), chunk.size());
        tx_.bdat_size += n;
    }
    in_pos_ += n;
    bdat_remaining_ -= n;
    if (bdat_remaining_ == 0) finish_chunk();
}

void ServerSession::finish_chunk() {
    if (config_.trace)
        trace_note(TraceKind::data,
                   "BDAT chunk, " + std::to_string(bdat_chunk_size_) + " bytes" + (bdat_discard_ ? " (discarded)" : ""),
                   "A chunk of the message, exactly as many octets as BDAT announced; no dot-stuffing.",
                   "RFC 3030 §2");
    if (bdat_discard_) {
        bdat_discard_ = false;
        if (bdat_error_reset_) {
            reset_transaction();
            enter_state(ServerState::ready);
        } else {
            enter_state(bdat_return_state_);
        }
        if (bdat_error_counts_) protocol_error(bdat_error_code_, bdat_error_enhanced_, bdat_error_text_);
        else reply(bdat_error_code_, bdat_error_enhanced_, bdat_error_text_);
        return;
    }
    tx_.bdat = true;
    if (!bdat_last_) {
        enter_state(ServerState::chunking);
        reply(250, "2.0.0", std::to_string(bdat_chunk_size_) + " octets received");  // RFC 3030 §2
        return;
    }
    if (tx_.bdat_prev_cr) tx_.bdat_bare = true;
    const bool eight_bit_ok = tx_.mail_params.body == Body::eight_bit_mime || tx_.mail_params.smtputf8;
    if (tx_.bdat_long_line) {
        reply(554, "5.6.0", "Message content rejected: a text line is too long");  // RFC 5321 §4.5.3.1.6
    } else if (tx_.bdat_nul) {
        reply(554, "5.6.0", "Message content rejected: NUL octets are not allowed");  // RFC 3030 §3 (no BINARYMIME)
    } else if (tx_.bdat_8bit && !eight_bit_ok) {
        reply(554, "5.6.0", "Message content rejected: 8-bit data requires BODY=8BITMIME");  // RFC 6152 §3
    } else {
        if (tx_.bdat_bare) {
            if (config_.trace)
                trace_note(TraceKind::note, "bare CR or LF in the BDAT content, normalised to CRLF",
                           "Without BINARYMIME the content is text, whose lines end in CR LF.", "RFC 3030 §3");
            tx_.content = normalize_crlf(tx_.content);
        }
        Envelope env = make_envelope();
        emit<MessageEvent>(Pending::message, std::move(env), std::move(tx_.content));
        return;
    }
    reset_transaction();
    enter_state(ServerState::ready);
}

Envelope ServerSession::make_envelope() {
    Envelope env;
    env.helo = conn_.helo;
    env.esmtp = conn_.esmtp;
    env.tls = conn_.tls;
    env.tls_version = conn_.tls_version;
    env.auth_user = conn_.auth_user;
    env.from = tx_.from;
    env.mail_params = tx_.mail_params;
    env.rcpts = tx_.rcpts;
    env.bdat = tx_.bdat;
    return env;
}

void ServerSession::reset_transaction() {
    // Field by field, as `tx_ = ServerTransaction{}` would, but the strings and vectors keep
    // their capacity: RSET and every message go through here. Keep in step with the struct.
    tx_.active = false;
    tx_.from.null = false;
    tx_.from.source_route.clear();
    tx_.from.mailbox.local_part.clear();
    tx_.from.mailbox.domain.clear();
    tx_.from.mailbox.quoted_local = false;
    tx_.from.mailbox.domain_literal = false;
    tx_.from.mailbox.utf8 = false;
    tx_.mail_params.size.reset();
    tx_.mail_params.body = Body::unspecified;
    tx_.mail_params.smtputf8 = false;
    tx_.mail_params.ret = Ret::unspecified;
    tx_.mail_params.envid.clear();
    tx_.mail_params.auth.clear();
    tx_.rcpts.clear();
    tx_.bdat = false;
    tx_.content.clear();
    tx_.bdat_size = 0;
    tx_.bdat_line_len = 0;
    tx_.bdat_8bit = tx_.bdat_nul = tx_.bdat_long_line = tx_.bdat_bare = false;
    tx_.bdat_prev_cr = false;
}

// ---------------------------------------------------------------- host answers

bool ServerSession::accept(std::int64_t now_ms) {
    if (pending_ == Pending::none || conn_.state == ServerState::closed) return false;
    const Pending p = pending_;
    pending_ = Pending::none;
    switch (p) {
        case Pending::helo:
            // RFC 5321 §4.1.4: HELO/EHLO resets any transaction.
            reset_transaction();
            conn_.helo = pending_helo_;
            conn_.esmtp = pending_extended_;
            enter_state(ServerState::ready);
            if (pending_extended_) {
                send_ehlo_reply();
                conn_.pipelining_advertised = config_.offer_pipelining;
            } else {
                reply(250, "", config_.hostname);  // RFC 5321 §4.1.1.1; no enhanced code (RFC 2034 §3)
                conn_.pipelining_advertised = false;
                conn_.pipelining_seen = false;
            }
            break;
        case Pending::mail:
            tx_.active = true;
            enter_state(ServerState::mail);
            reply(250, "2.1.0", "Ok");  // RFC 5321 §4.1.1.2
            break;
        case Pending::rcpt:
            // Moved, not cleared afterwards: cmd_rcpt assigns both halves before the next use.
            tx_.rcpts.push_back(std::move(pending_rcpt_));
            enter_state(ServerState::rcpt);
            reply(250, "2.1.5", "Ok");  // RFC 5321 §4.1.1.3
            break;
        case Pending::auth:
            conn_.authenticated = true;
            conn_.auth_user = std::move(auth_user_pending_);
            auth_user_pending_.clear();
            enter_state(ServerState::ready);
            reply(235, "2.7.0", "Authentication successful");  // RFC 4954 §6
            break;
        case Pending::message:
            ++conn_.messages;
            reset_transaction();
            enter_state(ServerState::ready);
            reply(250, "2.0.0", "Ok: queued");  // RFC 5321 §4.1.1.4
            break;
        case Pending::none: break;
    }
    answer_done(now_ms);
    return true;
}

bool ServerSession::accept_message(std::string_view queue_id, std::int64_t now_ms) {
    if (pending_ != Pending::message || conn_.state == ServerState::closed) return false;
    pending_ = Pending::none;
    ++conn_.messages;
    reset_transaction();
    enter_state(ServerState::ready);
    std::string text = "Ok: queued as ";
    text.append(queue_id.data(), queue_id.size());
    reply(250, "2.0.0", text);  // RFC 5321 §4.1.1.4: 250 only after the message is safe
    answer_done(now_ms);
    return true;
}

bool ServerSession::reject(const Reply& r, std::int64_t now_ms) {
    if (pending_ == Pending::none || conn_.state == ServerState::closed) return false;
    if (r.code < 400 || r.code > 599) return false;  // a refusal must be 4xx or 5xx
    const Pending p = pending_;
    pending_ = Pending::none;
    const std::size_t start = out_.size();
    append_reply(out_, r);
    awaiting_flush_ = true;
    if (config_.trace) {
        std::size_t pos = start;
        bool first = true;
        while (pos < out_.size()) {
            std::size_t end = out_.find("\r\n", pos);
            trace_reply_line(r.code, r.enhanced, std::string_view(out_).substr(pos, end - pos), first);
            first = false;
            pos = end + 2;
        }
    }
    switch (p) {
        case Pending::mail: reset_transaction(); break;
        case Pending::rcpt: pending_rcpt_ = {}; break;
        case Pending::auth:
            auth_user_pending_.clear();
            enter_state(ServerState::ready);
            // Failed logins count as errors: a bound on guessing within one connection.
            if (r.code != 421 && ++conn_.errors >= config_.max_errors)
                close_with(421, "4.7.0", "Too many errors, closing connection");
            break;
        case Pending::message:
            reset_transaction();
            enter_state(ServerState::ready);
            break;
        case Pending::helo:
        case Pending::none: break;
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
    // RFC 3207 §4.2: forget everything learnt from the client before TLS.
    const int errors = conn_.errors;
    const bool any = conn_.any_command;
    const std::uint64_t messages = conn_.messages;
    conn_ = ServerConnection{};
    conn_.state = ServerState::starttls;
    conn_.errors = errors;
    conn_.any_command = any;
    conn_.messages = messages;
    conn_.tls = true;
    conn_.tls_version.assign(version.data(), version.size());
    reset_transaction();
    in_.clear();
    in_pos_ = 0;
    scanned_ = 0;
    discarding_line_ = false;
    awaiting_flush_ = false;  // the client saw the 220 before starting the handshake
    if (config_.trace)
        trace_note(TraceKind::tls, "TLS established (" + conn_.tls_version + ")",
                   "From here on the session is encrypted; the client must say EHLO again.", "RFC 3207 §4.2");
    enter_state(ServerState::greeted);
    return true;
}

void ServerSession::send_ehlo_reply() {
    // RFC 5321 §4.1.1.1: first line the server's name, then one extension per line.
    std::string_view lines[12];
    std::size_t n = 0;
    lines[n++] = config_.hostname;
    if (config_.offer_pipelining) lines[n++] = "PIPELINING";                           // RFC 2920
    lines[n++] = size_line_;                                                             // RFC 1870
    if (config_.offer_8bitmime) lines[n++] = "8BITMIME";                                 // RFC 6152
    lines[n++] = "ENHANCEDSTATUSCODES";                                                  // RFC 2034
    if (config_.tls_available && !conn_.tls) lines[n++] = "STARTTLS";                   // RFC 3207
    if (config_.offer_auth && config_.role != Role::mx && (config_.role != Role::submission || conn_.tls))
        lines[n++] = "AUTH PLAIN LOGIN";                                                 // RFC 4954
    if (config_.offer_smtputf8) lines[n++] = "SMTPUTF8";                                 // RFC 6531
    if (config_.offer_dsn) lines[n++] = "DSN";                                           // RFC 3461
    if (config_.offer_chunking) lines[n++] = "CHUNKING";                                 // RFC 3030
    reply_multi(250, "", lines, n);  // no enhanced codes on the EHLO reply (RFC 2034 §3)
}

// ---------------------------------------------------------------- output, time, trace

void ServerSession::reply(int code, std::string_view enhanced, std::string_view text) {
    reply_multi(code, enhanced, &text, 1);
}

void ServerSession::reply_multi(int code, std::string_view enhanced, const std::string_view* lines, std::size_t n) {
    const char digits[3] = {static_cast<char>('0' + code / 100 % 10), static_cast<char>('0' + code / 10 % 10),
                            static_cast<char>('0' + code % 10)};
    for (std::size_t i = 0; i < n; ++i) {
        // code ("-" / SP) [enhanced [SP]] text CRLF, RFC 5321 §4.2.1: sized once, then
        // written in place (a reply per command: this is on every command's path).
        const std::string_view text = lines[i];
        const bool space = !enhanced.empty() && !text.empty();
        const std::size_t len = 4 + enhanced.size() + (space ? 1 : 0) + text.size();
        const std::size_t start = out_.size();
        out_.resize(start + len + 2);
        char* p = out_.data() + start;
        std::memcpy(p, digits, 3);
        p[3] = (i + 1 < n) ? '-' : ' ';
        p += 4;
        if (!enhanced.empty()) std::memcpy(p, enhanced.data(), enhanced.size());
        p += enhanced.size();
        if (space) *p++ = ' ';
        if (!text.empty()) std::memcpy(p, text.data(), text.size());
        p += text.size();
        p[0] = '\r';
        p[1] = '\n';
        if (config_.trace) trace_reply_line(code, enhanced, std::string_view(out_).substr(start, len), i == 0);
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
    pending_ = Pending::none;
    in_pos_ = in_.size();
    enter_state(ServerState::closed);
}

void ServerSession::enter_state(ServerState next) {
    if (next == conn_.state) return;
    if (config_.trace) {
        std::string text = server_state_name(conn_.state);
        text += " -> ";
        text += server_state_name(next);
        trace_.push_back(TraceEvent{now_, TraceKind::state, "", "", std::move(text), state_explanation(next),
                                    "RFC 5321 §4.1.4"});
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
        if (conn_.pipelining_advertised) conn_.pipelining_seen = true;  // the EHLO reply is on its way
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

std::int64_t ServerSession::next_deadline() const {
    if (conn_.state == ServerState::closed || pending_ != Pending::none) return k_no_deadline;
    const bool content = conn_.state == ServerState::data || conn_.state == ServerState::bdat;
    return last_activity_ + (content ? config_.data_timeout_ms : config_.command_timeout_ms);
}

void ServerSession::on_timeout(std::int64_t now_ms) {
    now_ = now_ms;
    if (now_ms < next_deadline()) return;
    if (config_.trace)
        trace_note(TraceKind::note, "timeout: the client sent nothing for too long",
                   "The server gives up and closes the connection.", "RFC 5321 §4.5.3.2");
    close_with(421, "4.4.2", config_.hostname + " Timeout, closing connection");  // RFC 5321 §4.5.3.2, §3.8
}

std::vector<TraceEvent> ServerSession::take_trace() {
    std::vector<TraceEvent> t;
    t.swap(trace_);
    return t;
}

void ServerSession::trace_command(std::string_view line, Verb verb) {
    if (!config_.trace) return;
    Explanation e = explain_command(verb);
    std::string text;
    if (verb == Verb::auth) {
        // "AUTH PLAIN <initial response>": the response is the password, base64 only.
        std::size_t sp = line.find(' ');
        std::size_t sp2 = sp == std::string_view::npos ? sp : line.find_first_not_of(' ', sp);
        std::size_t sp3 = sp2 == std::string_view::npos ? sp2 : line.find(' ', sp2);
        text = printable(line.substr(0, sp3));
        if (sp3 != std::string_view::npos) text += " <credentials hidden>";
    } else {
        text = printable(line);
    }
    trace_.push_back(TraceEvent{now_, TraceKind::command, "", "", std::move(text), std::move(e.text), std::move(e.rfc)});
}

void ServerSession::trace_reply_line(int code, std::string_view enhanced, std::string_view wire_line, bool first) {
    Explanation e;
    if (code == 250 && enhanced.empty() && conn_.esmtp && !first)
        e = ehlo_line_explanation(wire_line.size() > 4 ? wire_line.substr(4) : std::string_view());
    else
        e = explain_reply(code, enhanced);
    trace_.push_back(
        TraceEvent{now_, TraceKind::reply, "", "", printable(wire_line), std::move(e.text), std::move(e.rfc)});
}

void ServerSession::trace_note(TraceKind kind, std::string text, std::string explain, std::string rfc) {
    trace_.push_back(TraceEvent{now_, kind, "", "", std::move(text), std::move(explain), std::move(rfc)});
}

}  // namespace relaylab
