// Plain-language explanations for the UI: what a command asks for (RFC 5321 §4.1.1 and the
// extension RFCs) and what a reply means (reply classes, RFC 5321 §4.2.1; enhanced status
// codes, RFC 3463 §3 and the IANA "Enumerated Status Codes" registry, RFC 5248).
#include "engine/explain.hpp"

#include <iterator>

namespace relaylab {
namespace {

struct CodeText {
    const char* code;  // "subject.detail", e.g. "7.1"
    const char* meaning;
};

// RFC 3463 §3.2-§3.8 and later registrations (the RFC is named beside the later ones).
constexpr CodeText k_details[] = {
    {"0.0", "other or undefined status"},
    {"1.0", "other address status"},
    {"1.1", "bad destination mailbox address (no such user)"},
    {"1.2", "bad destination system address (no such domain)"},
    {"1.3", "bad destination mailbox address syntax"},
    {"1.4", "destination mailbox address ambiguous"},
    {"1.5", "destination address valid"},
    {"1.6", "destination mailbox has moved, no forwarding address"},
    {"1.7", "bad sender's mailbox address syntax"},
    {"1.8", "bad sender's system address"},
    {"1.9", "message relayed to a non-compliant mailer"},               // RFC 3886
    {"1.10", "recipient address has null MX (domain accepts no mail)"},  // RFC 7505
    {"2.0", "other or undefined mailbox status"},
    {"2.1", "mailbox disabled, not accepting messages"},
    {"2.2", "mailbox full"},
    {"2.3", "message length exceeds administrative limit"},
    {"2.4", "mailing list expansion problem"},
    {"3.0", "other or undefined mail system status"},
    {"3.1", "mail system full"},
    {"3.2", "system not accepting network messages"},
    {"3.3", "system not capable of selected features"},
    {"3.4", "message too big for system"},
    {"3.5", "system incorrectly configured"},
    {"4.0", "other or undefined network or routing status"},
    {"4.1", "no answer from host"},
    {"4.2", "bad connection"},
    {"4.3", "directory server failure (DNS)"},
    {"4.4", "unable to route"},
    {"4.5", "mail system congestion"},
    {"4.6", "routing loop detected"},
    {"4.7", "delivery time expired"},
    {"5.0", "other or undefined protocol status"},
    {"5.1", "invalid command"},
    {"5.2", "syntax error"},
    {"5.3", "too many recipients"},
    {"5.4", "invalid command arguments"},
    {"5.5", "wrong protocol version"},
    {"5.6", "authentication exchange line is too long"},  // RFC 4954
    {"6.0", "other or undefined media error"},
    {"6.1", "media not supported"},
    {"6.2", "conversion required and prohibited"},
    {"6.3", "conversion required but not supported"},
    {"6.4", "conversion with loss performed"},
    {"6.5", "conversion failed"},
    {"6.6", "message content not accepted"},                                     // RFC 7372
    {"6.7", "non-ASCII addresses not permitted for that sender or recipient"},   // RFC 6531
    {"6.8", "UTF-8 string reply is required, but not permitted by the client"},  // RFC 6531
    {"6.9", "UTF-8 header message cannot be transferred to one or more recipients"},  // RFC 6531
    {"7.0", "other or undefined security status"},
    {"7.1", "delivery not authorized, message refused (for example relaying denied)"},
    {"7.2", "mailing list expansion prohibited"},
    {"7.3", "security conversion required but not possible"},
    {"7.4", "security features not supported"},
    {"7.5", "cryptographic failure"},
    {"7.6", "cryptographic algorithm not supported"},
    {"7.7", "message integrity failure"},
    {"7.8", "authentication credentials invalid"},                       // RFC 4954
    {"7.9", "authentication mechanism is too weak"},                     // RFC 4954
    {"7.10", "encryption needed"},                                       // RFC 5248
    {"7.11", "encryption required for the requested authentication mechanism"},  // RFC 4954
    {"7.12", "a password transition is needed"},                         // RFC 4954
    {"7.13", "user account disabled"},                                   // RFC 5248
    {"7.14", "trust relationship required"},                             // RFC 5248
    {"7.15", "priority level is too low"},                               // RFC 6710
    {"7.16", "message is too big for the specified priority"},           // RFC 6710
    {"7.17", "mailbox owner has changed"},                               // RFC 7293
    {"7.18", "domain owner has changed"},                                // RFC 7293
    {"7.19", "RRVS test cannot be completed"},                           // RFC 7293
    {"7.20", "no passing DKIM signature found"},                         // RFC 7372
    {"7.21", "no acceptable DKIM signature found"},                      // RFC 7372
    {"7.22", "no valid author-matched DKIM signature found"},            // RFC 7372
    {"7.23", "SPF validation failed"},                                   // RFC 7372
    {"7.24", "SPF validation error"},                                    // RFC 7372
    {"7.25", "reverse DNS validation failed"},                           // RFC 7372
    {"7.26", "multiple authentication checks failed"},                   // RFC 7372
    {"7.27", "sender address has null MX"},                              // RFC 7505
    {"7.28", "mail flood detected"},                                     // RFC 8651
    {"7.29", "ARC validation failure"},                                  // RFC 8617
    {"7.30", "REQUIRETLS support required"},                             // RFC 8689
};

// A friendlier word for the replies a newcomer meets most, keyed by "subject.detail".
constexpr CodeText k_notes[] = {
    {"1.1", "The receiving server does not know this mailbox; check the spelling of the address."},
    {"1.10", "The recipient's domain publishes a \"null MX\" record: it says it accepts no mail at all."},
    {"2.2", "The recipient's mailbox is full."},
    {"4.3", "A DNS lookup failed, so the server could not find where to send the mail."},
    {"4.4", "No mail server could be found for the recipient's domain."},
    {"4.7", "The message waited in the queue too long and the server gave up."},
    {"7.1", "The server refuses this mail here; a common case is \"relaying denied\": it will not pass mail "
            "on to other domains for a client that has not logged in."},
    {"7.8", "The user name or password was wrong."},
    {"7.27", "The sender's domain publishes a \"null MX\" record, so replies could never reach it."},
};

// RFC 3463 §3.1-§3.8: the subject sub-code.
const char* subject_meaning(int subject) {
    switch (subject) {
    case 0: return "other or undefined status";
    case 1: return "addressing status";
    case 2: return "mailbox status";
    case 3: return "mail system status";
    case 4: return "network and routing status";
    case 5: return "mail delivery protocol status";
    case 6: return "message content or media status";
    case 7: return "security or policy status";
    default: return nullptr;
    }
}

const char* subject_section(int subject) {
    switch (subject) {
    case 0: return "RFC 3463 §3.1";
    case 1: return "RFC 3463 §3.2";
    case 2: return "RFC 3463 §3.3";
    case 3: return "RFC 3463 §3.4";
    case 4: return "RFC 3463 §3.5";
    case 5: return "RFC 3463 §3.6";
    case 6: return "RFC 3463 §3.7";
    case 7: return "RFC 3463 §3.8";
    default: return "RFC 3463 §3";
    }
}

// class "." subject "." detail; class is 2, 4 or 5; subject and detail 1 to 3 digits.
struct Enhanced {
    int cls = 0, subject = 0, detail = 0;
    std::string_view subject_detail;  // "7.1"
};
bool parse_enhanced(std::string_view s, Enhanced& e) {
    int parts[3] = {0, 0, 0};
    std::size_t i = 0;
    std::size_t subject_start = 0;
    for (int k = 0; k < 3; ++k) {
        if (k > 0) {
            if (i >= s.size() || s[i] != '.') return false;
            ++i;
            if (k == 1) subject_start = i;
        }
        std::size_t digits = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            parts[k] = parts[k] * 10 + (s[i] - '0');
            ++i;
            ++digits;
        }
        if (digits == 0 || digits > 3) return false;
        if (k == 0 && digits != 1) return false;
    }
    if (i != s.size()) return false;
    if (parts[0] != 2 && parts[0] != 4 && parts[0] != 5) return false;
    e.cls = parts[0];
    e.subject = parts[1];
    e.detail = parts[2];
    e.subject_detail = s.substr(subject_start);
    return true;
}

const char* lookup(const CodeText* table, std::size_t n, std::string_view key) {
    for (std::size_t i = 0; i < n; ++i) {
        if (key == table[i].code) return table[i].meaning;
    }
    return nullptr;
}

// Basic reply codes, RFC 5321 §4.2.2 and §4.2.3 (plus 334, 235, 530, 535 of RFC 4954 and
// 556 of RFC 7504).
const char* reply_code_text(int code) {
    switch (code) {
    case 211: return "System status reply.";
    case 214: return "Help text for a human reader.";
    case 220: return "The server is ready to talk.";
    case 221: return "The server says goodbye and closes the connection.";
    case 235: return "Login succeeded.";
    case 250: return "The request was done.";
    case 251: return "The user is not local; the server will forward the mail.";
    case 252: return "The server cannot check this user, but will try to deliver anyway.";
    case 334: return "The server waits for the next step of the login exchange.";
    case 354: return "The server is ready for the message; it ends with a line holding a single dot.";
    case 421: return "The server is not available now and closes the connection.";
    case 450: return "The mailbox is not available right now.";
    case 451: return "The server hit a local problem while processing.";
    case 452: return "The server is short of storage, or too many recipients were given.";
    case 455: return "The server cannot accept these parameters right now.";
    case 500: return "The server did not understand the command.";
    case 501: return "The command's arguments have a syntax error.";
    case 502: return "The server does not implement this command.";
    case 503: return "The command came in the wrong order.";
    case 504: return "The server does not implement this command parameter.";
    case 530: return "The server requires login (or encryption) first.";
    case 535: return "Login failed.";
    case 550: return "The mailbox is unavailable, or the server's policy refuses the request.";
    case 551: return "The user is not local to this server.";
    case 552: return "The message exceeds a storage limit.";
    case 553: return "The mailbox name is not allowed.";
    case 554: return "The transaction failed.";
    case 555: return "The server does not recognise or implement a MAIL or RCPT parameter.";
    case 556: return "The domain does not accept mail.";
    default: return nullptr;
    }
}

}  // namespace

std::string enhanced_code_meaning(std::string_view enhanced) {
    Enhanced e;
    if (!parse_enhanced(enhanced, e)) return {};
    if (const char* m = lookup(k_details, std::size(k_details), e.subject_detail)) return m;
    if (const char* s = subject_meaning(e.subject)) return s;
    return {};
}

Explanation explain_ehlo_line(std::string_view line) {
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

Explanation explain_command(Verb verb) {
    switch (verb) {
    case Verb::ehlo:
        return {"The client says hello, gives its name and asks which extensions the server supports.",
                "RFC 5321 §4.1.1.1"};
    case Verb::helo:
        return {"The client says hello in the old way, without asking for extensions.", "RFC 5321 §4.1.1.1"};
    case Verb::mail:
        return {"The client names the sender: where bounces go if the mail cannot be delivered. This starts a new "
                "mail transaction.",
                "RFC 5321 §4.1.1.2"};
    case Verb::rcpt:
        return {"The client names one recipient of the message; it repeats this for every recipient.",
                "RFC 5321 §4.1.1.3"};
    case Verb::data:
        return {"The client asks to send the message itself: headers and body, ended by a line with a single dot.",
                "RFC 5321 §4.1.1.4"};
    case Verb::bdat:
        return {"The client sends the next chunk of the message with its exact size in bytes; LAST marks the final "
                "chunk.",
                "RFC 3030 §2"};
    case Verb::rset:
        return {"The client cancels the current mail transaction and starts afresh.", "RFC 5321 §4.1.1.5"};
    case Verb::noop:
        return {"The client checks that the server is still there; nothing else happens.", "RFC 5321 §4.1.1.9"};
    case Verb::quit:
        return {"The client says goodbye; the server answers and closes the connection.", "RFC 5321 §4.1.1.10"};
    case Verb::vrfy:
        return {"The client asks whether an address is valid; most servers decline to say, to hinder spammers.",
                "RFC 5321 §4.1.1.6"};
    case Verb::expn:
        return {"The client asks for the members of a mailing list; most servers decline.", "RFC 5321 §4.1.1.7"};
    case Verb::help:
        return {"The client asks for help text meant for a human.", "RFC 5321 §4.1.1.8"};
    case Verb::starttls:
        return {"The client asks to switch this connection to encryption (TLS) before going on.", "RFC 3207 §4"};
    case Verb::auth:
        return {"The client logs in, naming a SASL mechanism such as PLAIN; its credentials follow in base64.",
                "RFC 4954 §4"};
    case Verb::unknown:
        break;
    }
    return {"The server does not know this command and answers with an error.", "RFC 5321 §4.2.4"};
}

Explanation explain_reply(int code, std::string_view enhanced) {
    Explanation out;
    switch (code / 100) {
    case 2: out.text = "Success."; break;
    case 3: out.text = "So far so good: the server waits for more from the client."; break;
    case 4: out.text = "Temporary failure: the client should try again later."; break;
    case 5: out.text = "Permanent failure: trying the same again will not help."; break;
    default: out.text = "This is not a valid SMTP reply code."; break;
    }
    out.rfc = "RFC 5321 §4.2.1";

    Enhanced e;
    if (parse_enhanced(enhanced, e)) {
        const char* note = lookup(k_notes, std::size(k_notes), e.subject_detail);
        if (e.cls == 4 && e.subject == 7 && e.detail == 1) {
            // 4.7.1 is mostly seen as greylisting or a rate limit.
            note = "The server's policy asks the client to come back later, as greylisting does: a real mail "
                   "server retries, many spam tools do not.";
        }
        if (note) {
            out.text += " ";
            out.text += note;
        } else {
            std::string m = enhanced_code_meaning(enhanced);
            if (!m.empty()) {
                m[0] = static_cast<char>(m[0] >= 'a' && m[0] <= 'z' ? m[0] - 'a' + 'A' : m[0]);
                out.text += " " + m + ".";
            }
        }
        if (e.subject == 1 && e.detail == 10) {
            out.rfc += "; RFC 7505 §3";
        } else if (e.subject == 7 && e.detail == 27) {
            out.rfc += "; RFC 7505 §4.2";
        } else {
            out.rfc += "; ";
            out.rfc += subject_section(e.subject);
        }
    } else if (const char* t = reply_code_text(code)) {
        out.text += " ";
        out.text += t;
    }
    // Replies whose class alone would teach the wrong lesson.
    if (code == 530) {
        // RFC 4954 §6, RFC 3207 §4: the refusal is of this command as it stands; after
        // STARTTLS and AUTH the same command succeeds.
        out.text = "Refused for now: the server requires encryption (STARTTLS) and login (AUTH) before it "
                   "takes mail. A client that does both and then repeats the command will succeed.";
        out.rfc = "RFC 4954 §6, RFC 3207 §4";
    } else if (code == 554 && enhanced == "5.5.1") {
        // RFC 2920 §3.1: with pipelining DATA may arrive after every RCPT was refused; only
        // that DATA fails.
        out.text = "No recipient was accepted, so this DATA fails and no message is sent. The connection "
                   "stays usable: the client may start a new transaction.";
        out.rfc = "RFC 5321 §3.3, RFC 2920 §3.1";
    } else if (code == 421) {
        out.text = "The server is closing the connection in an orderly way (too busy, shutting down, or a "
                   "policy limit). Nothing is lost: the sender keeps the message and tries again later.";
        out.rfc = "RFC 5321 §3.8, §4.2.2";
    }
    return out;
}

namespace {

// The server session's states (server_state_name) as a newcomer reads them; a client
// session's phases fall back to the generic sentence.
const char* state_meaning(std::string_view state) {
    if (state == "greeted") return "The client must introduce itself with EHLO or HELO.";
    if (state == "ready") return "No mail transaction is open; MAIL may start one.";
    if (state == "mail") return "The sender is known; now the recipients (RCPT).";
    if (state == "rcpt") return "At least one recipient accepted; more RCPT, or DATA/BDAT.";
    if (state == "data") return "The message content is arriving, until a line with a single dot.";
    if (state == "bdat") return "The octets of a BDAT chunk are arriving, counted exactly.";
    if (state == "chunking") return "Between BDAT chunks: the next BDAT continues the message.";
    if (state == "auth") return "Authentication exchange: the client answers the server's challenge.";
    if (state == "starttls") return "The TLS handshake happens now; plain-text bytes are ignored.";
    if (state == "closed") return "The session is over; the connection closes.";
    return nullptr;
}

}  // namespace

Explanation explain_note(TraceNote note) {
    switch (note) {
        case TraceNote::none: break;
        case TraceNote::plaintext_before_tls:
            return {"Bytes sent in plain text between STARTTLS and the handshake are thrown away: an attacker could "
                    "have injected them (CVE-2011-0411).",
                    "RFC 3207 §4.2"};
        case TraceNote::pipelined_after_starttls:
            return {"Commands sent after STARTTLS but before the TLS handshake are thrown away (CVE-2011-0411).",
                    "RFC 3207 §4.2, RFC 2920 §3.1"};
        case TraceNote::client_closed: return {"The TCP connection ended.", "RFC 5321 §3.8"};
        case TraceNote::client_closed_mid_message:
            return {"Without the final 250 reply the client must assume the message was not taken.", "RFC 5321 §3.8"};
        case TraceNote::server_closed:
            return {"The server closed the connection without being asked; whatever it had not confirmed counts as "
                    "not delivered.",
                    "RFC 5321 §3.8"};
        case TraceNote::line_too_long:
            return {"A command line is at most 512 octets including CRLF.", "RFC 5321 §4.5.3.1.4"};
        case TraceNote::tls_established:
            // RFC 3207 §6, RFC 7435: STARTTLS between servers protects against someone who only
            // listens; an attacker on the path can remove STARTTLS from the EHLO reply unless
            // the sender insists (MTA-STS, DANE).
            return {"From here on the session is encrypted against anyone who only listens; the client forgets what "
                    "it learned before and says EHLO again. Between mail servers this is opportunistic: an attacker "
                    "on the path could have removed STARTTLS from the EHLO reply, which MTA-STS (RFC 8461) and DANE "
                    "(RFC 7672) exist to prevent.",
                    "RFC 3207 §4.2, §6; RFC 7435"};
        case TraceNote::tls_failed:
            return {"The TLS handshake failed; a client that requires TLS stops here.", "RFC 3207 §4.1"};
        case TraceNote::starttls_refused:
            return {"Opportunistic TLS: the client carries on unencrypted.", "RFC 3207 §4.1"};
        case TraceNote::idle_timeout:
            return {"The client sent nothing for too long: the server gives up and closes the connection.",
                    "RFC 5321 §4.5.3.2"};
        case TraceNote::reply_timeout:
            return {"The server did not answer in time; the client gives up.", "RFC 5321 §4.5.3.2"};
        case TraceNote::content:
            return {"The message itself (headers, blank line, body), ended by a line with a single dot; a line that "
                    "starts with a dot is sent with an extra one (dot-stuffing, §4.5.2).",
                    "RFC 5321 §4.1.1.4"};
        case TraceNote::content_bdat:
            return {"A chunk of the message, exactly as many octets as BDAT announced: no dot-stuffing, no end marker.",
                    "RFC 3030 §2"};
        case TraceNote::end_of_data: return {"End of data: a line with only a dot.", "RFC 5321 §4.1.1.4"};
        case TraceNote::end_of_data_empty:
            return {"End of data at once: no recipient was accepted, so the message is empty.", "RFC 2920 §3.1"};
        case TraceNote::bare_line_ending:
            return {"Only CR LF . CR LF ends the data, so a bare line end can never hide a second message (SMTP "
                    "smuggling).",
                    "RFC 5321 §2.3.8, §4.1.1.4"};
        case TraceNote::bare_line_ending_bdat:
            return {"Without BINARYMIME the content is text, whose lines end in CR LF.", "RFC 3030 §3"};
        case TraceNote::eight_bit_accepted:
            return {"The client should have declared 8-bit content; like most servers this one takes it anyway and "
                    "passes it on as 8BITMIME.",
                    "RFC 6152 §3, RFC 5321 §2.4"};
        case TraceNote::eight_bit_converted:
            return {"Text parts become quoted-printable, so the recipient reads the same text.", "RFC 6152 §3"};
        case TraceNote::unparseable_reply:
            return {"The server's reply does not follow the reply syntax.", "RFC 5321 §4.2"};
        case TraceNote::message_not_sent:
            return {"The client does not send a message the server has said it cannot take; the reason becomes the "
                    "recipients' reply.",
                    ""};
        case TraceNote::session_failed:
            return {"The session ended early: every message still open gets the failure as its reply.", ""};
        case TraceNote::tls_handshake_failed:
            return {"The two sides could not agree on encryption. The connection is useless now.", "RFC 8446 §6.2"};
        case TraceNote::tls_certificate_untrusted:
            return {"The certificate is not signed by an authority the client trusts (or names another host): a "
                    "client that requires TLS stops; opportunistic TLS goes on encrypted.",
                    "RFC 7672 §3, RFC 6125, RFC 7435"};
    }
    return {};
}

Explanation explain_event(const TraceEvent& ev) {
    if (!ev.explain.empty() || !ev.rfc.empty()) return {ev.explain, ev.rfc};
    if (ev.note != TraceNote::none) return explain_note(ev.note);
    switch (ev.kind) {
        case TraceKind::command: {
            if (ev.verb == Verb::auth && ev.has_secret() && ev.secret_begin == 0) {
                Explanation e = explain_command(Verb::auth);
                return {"The client's answer to the AUTH challenge (base64). " + e.text, "RFC 4954 §4"};
            }
            if (ev.verb == Verb::auth && ev.text == "*")
                return {"The client cancels the AUTH exchange.", "RFC 4954 §4"};
            return explain_command(ev.verb);
        }
        case TraceKind::reply:
            // The lines after the first of a 250 EHLO reply each name an extension.
            if (ev.phase == TracePhase::ehlo && ev.code == 250 && ev.reply_line > 0 && ev.enhanced.empty())
                return explain_ehlo_line(ev.wire.size() > 4 ? std::string_view(ev.wire).substr(4, ev.wire.find('\r') - 4)
                                                            : std::string_view());
            return explain_reply(ev.code, ev.enhanced);
        case TraceKind::state: {
            const char* m = state_meaning(ev.state_after);
            return {m ? m : "The session moved from " + ev.state_before + " to " + ev.state_after + ".",
                    "RFC 5321 §4.1.4"};
        }
        default: return {};
    }
}

}  // namespace relaylab
