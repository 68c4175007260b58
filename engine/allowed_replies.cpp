// RFC 5321 §4.3.2 as a table; extension commands from their own RFCs (named per entry).
#include "engine/allowed_replies.hpp"

#include <iterator>

namespace relaylab {
namespace {

constexpr const char* k_432 = "RFC 5321 §4.3.2";

constexpr AllowedReply k_greeting[] = {
    {220, "", "service ready", k_432},
    {554, "", "no SMTP service here", k_432},
};
constexpr AllowedReply k_ehlo[] = {
    {250, "", "hello, and the extensions offered", k_432},
    {504, "5.5.4", "command parameter not implemented", k_432},
    {550, "5.7.1", "not allowed to talk to this server", k_432},
    {502, "5.5.1", "command not implemented (an old server without EHLO)", k_432},
};
constexpr AllowedReply k_mail[] = {
    {250, "2.1.0", "sender ok", k_432},
    {552, "5.3.4", "message too big for system", k_432},
    {451, "4.3.0", "local error in processing, try later", k_432},
    {452, "4.3.1", "insufficient system storage", k_432},
    {550, "5.7.1", "sender not allowed", k_432},
    {553, "5.1.7", "bad sender address", k_432},
    {503, "5.5.1", "bad sequence of commands", k_432},
    {455, "4.5.4", "cannot accommodate the parameters now", k_432},
    {555, "5.5.4", "MAIL parameters not recognized", k_432},
    {530, "5.7.0", "authentication required", "RFC 4954 §6"},
};
constexpr AllowedReply k_rcpt[] = {
    {250, "2.1.5", "destination address valid", k_432},
    {251, "2.1.5", "user not local, will forward", k_432},
    {550, "5.1.1", "no such mailbox", k_432},
    {550, "5.7.1", "relaying denied", k_432},
    {551, "5.1.6", "user not local, try another path", k_432},
    {552, "5.2.2", "mailbox full", k_432},
    {553, "5.1.3", "bad recipient address syntax", k_432},
    {450, "4.2.1", "mailbox unavailable, try later", k_432},
    {451, "4.3.0", "local error in processing, try later", k_432},
    {452, "4.5.3", "too many recipients", k_432},
    {503, "5.5.1", "bad sequence of commands", k_432},
    {455, "4.5.4", "cannot accommodate the parameters now", k_432},
    {555, "5.5.4", "RCPT parameters not recognized", k_432},
};
constexpr AllowedReply k_data[] = {
    {354, "", "start mail input, end with <CRLF>.<CRLF>", k_432},
    {503, "5.5.1", "bad sequence of commands", k_432},
    {554, "5.5.1", "no valid recipients", k_432},
};
constexpr AllowedReply k_end_of_data[] = {
    {250, "2.0.0", "message accepted for delivery", k_432},
    {552, "5.3.4", "message too big", k_432},
    {554, "5.6.0", "transaction failed", k_432},
    {451, "4.3.0", "local error in processing, try later", k_432},
    {452, "4.3.1", "insufficient system storage", k_432},
    {450, "4.7.1", "refused for now by policy", k_432},
    {550, "5.7.1", "refused by policy", k_432},
};
constexpr AllowedReply k_rset[] = {{250, "2.0.0", "ok, transaction reset", k_432}};
constexpr AllowedReply k_vrfy[] = {
    {250, "2.1.5", "the mailbox exists", k_432},
    {251, "2.1.5", "user not local, will forward", k_432},
    {252, "2.1.5", "cannot verify, but will accept and try", k_432},
    {550, "5.1.1", "no such mailbox", k_432},
    {551, "5.1.6", "user not local", k_432},
    {553, "5.1.3", "mailbox name not allowed", k_432},
    {502, "5.5.1", "command not implemented", k_432},
    {504, "5.5.4", "command parameter not implemented", k_432},
};
constexpr AllowedReply k_expn[] = {
    {250, "2.1.5", "the list's members", k_432},
    {252, "2.1.5", "cannot expand, but will accept", k_432},
    {550, "5.1.1", "no such list", k_432},
    {500, "5.5.2", "syntax error, command unrecognized", k_432},
    {502, "5.5.1", "command not implemented", k_432},
    {504, "5.5.4", "command parameter not implemented", k_432},
};
constexpr AllowedReply k_help[] = {
    {211, "2.0.0", "system status", k_432},
    {214, "2.0.0", "help message", k_432},
    {502, "5.5.1", "command not implemented", k_432},
    {504, "5.5.4", "command parameter not implemented", k_432},
};
constexpr AllowedReply k_noop[] = {{250, "2.0.0", "ok", k_432}};
constexpr AllowedReply k_quit[] = {{221, "2.0.0", "closing the connection", k_432}};
constexpr AllowedReply k_starttls[] = {
    {220, "2.0.0", "ready to start TLS", "RFC 3207 §4"},
    {501, "5.5.4", "syntax error (no parameters allowed)", "RFC 3207 §4"},
    {454, "4.7.0", "TLS not available for a temporary reason", "RFC 3207 §4"},
};
constexpr AllowedReply k_auth[] = {
    {235, "2.7.0", "authentication successful", "RFC 4954 §6"},
    {334, "", "go on: send the next part of the credentials", "RFC 4954 §4"},
    {535, "5.7.8", "authentication credentials invalid", "RFC 4954 §6"},
    {534, "5.7.9", "mechanism too weak", "RFC 4954 §6"},
    {538, "5.7.11", "encryption required for this mechanism", "RFC 4954 §6"},
    {454, "4.7.0", "temporary authentication failure", "RFC 4954 §6"},
    {432, "4.7.12", "a password transition is needed", "RFC 4954 §6"},
    {500, "5.5.6", "authentication exchange line too long", "RFC 4954 §6"},
    {504, "5.5.4", "mechanism not supported", "RFC 4954 §4"},
    {503, "5.5.1", "already authenticated", "RFC 4954 §4"},
};
constexpr AllowedReply k_bdat[] = {
    {250, "2.0.0", "chunk (or message) accepted", "RFC 3030 §2"},
    {552, "5.3.4", "message too big", "RFC 3030 §2"},
    {554, "5.6.0", "transaction failed", "RFC 3030 §2"},
    {451, "4.3.0", "local error in processing, try later", "RFC 3030 §2"},
    {503, "5.5.1", "bad sequence of commands", "RFC 3030 §2"},
};
// Any command may meet these (RFC 5321 §3.8: 421 when the server shuts the channel;
// §4.2.2-§4.2.4: 500, 501, 502).
constexpr AllowedReply k_any[] = {
    {421, "4.3.2", "service not available, closing the connection", "RFC 5321 §3.8"},
    {500, "5.5.2", "syntax error, command unrecognized", "RFC 5321 §4.2.2"},
    {501, "5.5.4", "syntax error in parameters", "RFC 5321 §4.2.2"},
    {502, "5.5.1", "command not implemented", "RFC 5321 §4.2.4"},
};

template <std::size_t N> std::span<const AllowedReply> span_of(const AllowedReply (&a)[N]) { return {a, N}; }

}  // namespace

std::span<const AllowedReply> allowed_replies(ReplyTo to, Verb verb) {
    if (to == ReplyTo::greeting) return span_of(k_greeting);
    if (to == ReplyTo::end_of_data) return span_of(k_end_of_data);
    switch (verb) {
        case Verb::ehlo:
        case Verb::helo: return span_of(k_ehlo);
        case Verb::mail: return span_of(k_mail);
        case Verb::rcpt: return span_of(k_rcpt);
        case Verb::data: return span_of(k_data);
        case Verb::bdat: return span_of(k_bdat);
        case Verb::rset: return span_of(k_rset);
        case Verb::noop: return span_of(k_noop);
        case Verb::quit: return span_of(k_quit);
        case Verb::vrfy: return span_of(k_vrfy);
        case Verb::expn: return span_of(k_expn);
        case Verb::help: return span_of(k_help);
        case Verb::starttls: return span_of(k_starttls);
        case Verb::auth: return span_of(k_auth);
        case Verb::unknown: break;
    }
    return span_of(k_any);
}

std::span<const AllowedReply> replies_to_any_command() { return span_of(k_any); }

const AllowedReply* find_allowed_reply(ReplyTo to, Verb verb, int code, std::string_view enhanced) {
    const auto table = allowed_replies(to, verb);
    for (const auto& r : table)
        if (r.code == code && enhanced == r.enhanced) return &r;
    for (const auto& r : table)
        if (r.code == code) return &r;
    return nullptr;
}

}  // namespace relaylab
