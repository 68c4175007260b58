// The glossary's entries: definitions in our own words; the RFC named is where the idea is
// defined.
#include "sim/glossary.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace relaylab::sim {
namespace {

#define MENTIONS(name, ...) constexpr const char* const name[] = {__VA_ARGS__}
MENTIONS(m_mua, "MUA", "mail client");
MENTIONS(m_msa, "MSA", "submission server");
MENTIONS(m_mta, "MTA", "mail transfer agent");
MENTIONS(m_mda, "MDA", "mailbox", "mailboxes");
MENTIONS(m_mx, "MX");
MENTIONS(m_null_mx, "null MX");
MENTIONS(m_dsn, "DSN", "notice", "notices", "delivery status notification");
MENTIONS(m_envelope, "envelope", "header", "headers");
MENTIONS(m_bounce, "bounce", "bounced", "bounces");
MENTIONS(m_backscatter, "backscatter");
MENTIONS(m_greylisting, "greylisting", "greylisted", "Greylisted");
MENTIONS(m_starttls, "STARTTLS");
MENTIONS(m_implicit_tls, "implicit TLS", "port 465");
MENTIONS(m_tls, "TLS", "handshake");
MENTIONS(m_smtputf8, "SMTPUTF8");
MENTIONS(m_8bitmime, "8BITMIME", "8-bit");
MENTIONS(m_pipelining, "PIPELINING");
MENTIONS(m_chunking, "CHUNKING", "BDAT");
MENTIONS(m_spf, "SPF");
MENTIONS(m_dkim, "DKIM");
MENTIONS(m_dmarc, "DMARC");
MENTIONS(m_smarthost, "smarthost");
MENTIONS(m_relay, "relay", "relays", "relaying", "relayed");
MENTIONS(m_open_relay, "open relay");
MENTIONS(m_submission, "submission", "port 587");
MENTIONS(m_enhanced, "enhanced status code", "enhanced code");
MENTIONS(m_queue, "queue", "queued");
MENTIONS(m_retry, "retry", "retries", "try again later", "deferred", "defer");
MENTIONS(m_reply_code, "reply code", "reply class");
MENTIONS(m_ehlo, "EHLO", "HELO");
MENTIONS(m_auth, "AUTH", "authenticate", "authentication", "logged in", "log in");
MENTIONS(m_dns, "DNS");
MENTIONS(m_a_record, "A record", "AAAA");
MENTIONS(m_smuggling, "smuggling");
#undef MENTIONS

template <std::size_t N> constexpr std::span<const char* const> m(const char* const (&a)[N]) { return {a, N}; }

const GlossaryTerm k_terms[] = {
    {"MUA", "Mail user agent: the program a person reads and writes mail with (a mail app or webmail). It hands new "
            "mail to a submission server.", "RFC 5598 §4.2.1", m(m_mua)},
    {"MSA", "Mail submission agent: the server that takes a new message from a user's MUA, usually on port 587 after "
            "a login, checks it and passes it on.", "RFC 6409 §3", m(m_msa)},
    {"MTA", "Mail transfer agent: a server that moves mail from host to host with SMTP, looking up where it goes and "
            "queueing it while it cannot be sent.", "RFC 5321 §2.3.3", m(m_mta)},
    {"MDA", "Mail delivery agent: the last step, which stores a message in the recipient's mailbox, where their MUA "
            "can read it.", "RFC 5598 §4.3.2", m(m_mda)},
    {"MX", "Mail exchanger: a DNS record saying which hosts take mail for a domain, each with a preference (lower "
           "is tried first).", "RFC 5321 §5.1", m(m_mx)},
    {"null MX", "A single MX record of preference 0 pointing at \".\": the domain says it accepts no mail at all, so "
                "senders bounce at once instead of retrying.", "RFC 7505", m(m_null_mx)},
    {"DSN", "Delivery status notification: a machine-readable report mailed back to the sender saying a message "
            "failed, was delayed, or (if asked) was delivered.", "RFC 3464", m(m_dsn)},
    {"envelope vs header", "The envelope is what SMTP's MAIL FROM and RCPT TO say: where the message really goes. "
                           "The header (From:, To:) is part of the message text and may differ, as with Bcc.",
     "RFC 5321 §2.3.1", m(m_envelope)},
    {"bounce", "A message that cannot be delivered comes back: the server that gives up sends a DSN to the "
               "envelope sender.", "RFC 5321 §6.1", m(m_bounce)},
    {"backscatter", "Bounces sent to an innocent person whose address a spammer forged as the sender. Refusing "
                    "mail during the SMTP dialogue, instead of bouncing it later, avoids it.", "RFC 3834 §2",
     m(m_backscatter)},
    {"greylisting", "A receiving server answers a first-time sender with a temporary 4xx error; a real MTA retries "
                    "later and gets through, while much spam never retries.", "RFC 6647", m(m_greylisting)},
    {"STARTTLS", "An SMTP command that turns a plain connection into an encrypted one (TLS) before anything "
                 "secret is sent.", "RFC 3207", m(m_starttls)},
    {"implicit TLS", "TLS from the first byte, with no STARTTLS: submission on port 465 works this way.",
     "RFC 8314 §3", m(m_implicit_tls)},
    {"TLS", "Transport Layer Security: encryption and server authentication for a connection, set up by a "
            "handshake.", "RFC 8446", m(m_tls)},
    {"SMTPUTF8", "An extension that lets addresses and headers contain UTF-8 (such as ü@dest.test); both sides "
                 "must offer it.", "RFC 6531", m(m_smtputf8)},
    {"8BITMIME", "An extension that lets message content contain 8-bit bytes (BODY=8BITMIME); without it a relay "
                 "converts such content to 7 bits or bounces it.", "RFC 6152", m(m_8bitmime)},
    {"PIPELINING", "An extension that lets the client send several commands without waiting for each reply, "
                   "saving round trips.", "RFC 2920", m(m_pipelining)},
    {"CHUNKING/BDAT", "An extension (CHUNKING) that sends the message in chunks of a stated size with BDAT "
                      "instead of DATA, so no dot-stuffing is needed.", "RFC 3030", m(m_chunking)},
    {"SPF", "Sender Policy Framework: a TXT record listing which hosts may send mail for a domain.", "RFC 7208",
     m(m_spf)},
    {"DKIM", "DomainKeys Identified Mail: a signature over a message's header and body that a receiver checks "
             "against a key published in DNS.", "RFC 6376", m(m_dkim)},
    {"DMARC", "A domain's policy, in DNS, on what to do with mail that fails SPF and DKIM for its From: domain.",
     "RFC 7489", m(m_dmarc)},
    {"smarthost", "A relay that a server sends all its outgoing mail to, instead of looking up MX records itself.",
     "", m(m_smarthost)},
    {"relay", "To pass mail on to another server. A relay accepts mail for domains that are not its own only from "
              "its own users (logged in or on trusted networks).", "RFC 5321 §3.6", m(m_relay)},
    {"open relay", "A server that relays mail for anyone on the internet; spammers abuse such servers, so a "
                   "relay refuses strangers with 550 5.7.1.", "RFC 5321 §3.6.2", m(m_open_relay)},
    {"submission", "Handing a new message from a user to their provider's server (the MSA), on port 587 with "
                   "STARTTLS and a login, or on 465 with implicit TLS.", "RFC 6409", m(m_submission)},
    {"enhanced status code", "A second, finer code in a reply, class.subject.detail (like 5.7.1: permanent, "
                             "security, not authorized), after the three-digit reply code.", "RFC 3463",
     m(m_enhanced)},
    {"reply code", "The three digits a server answers each command with; the first says the class: 2 done, 3 go "
                   "on, 4 try again later, 5 failed for good.", "RFC 5321 §4.2.1", m(m_reply_code)},
    {"queue", "Where an MTA keeps mail it has accepted but not yet passed on, saved on disk, with each "
              "recipient's state and next attempt.", "RFC 5321 §4.5.4.1", m(m_queue)},
    {"retry", "After a temporary failure the message stays queued and is tried again later, at growing intervals, "
              "until it is delivered or too old and bounced.", "RFC 5321 §4.5.4.1", m(m_retry)},
    {"EHLO", "The client's hello; the server answers with the list of extensions it offers (HELO is the old "
             "form without extensions).", "RFC 5321 §4.1.1.1", m(m_ehlo)},
    {"AUTH", "The command with which a client logs in to a server (SASL), usually before submitting mail.",
     "RFC 4954", m(m_auth)},
    {"DNS", "The Domain Name System: the internet's directory that turns names into addresses and says which "
            "hosts take a domain's mail.", "RFC 1035", m(m_dns)},
    {"A/AAAA record", "The DNS records that give a host's IPv4 (A) or IPv6 (AAAA) address.", "RFC 1035 §3.4.1; RFC 3596",
     m(m_a_record)},
    {"SMTP smuggling", "Hiding a second message inside the first by using an end-of-data line that one server "
                       "accepts and another does not (such as a bare LF before the dot).", "RFC 5321 §4.1.1.4",
     m(m_smuggling)},
};

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '@'; }
bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool all_caps(std::string_view w) {
    return std::none_of(w.begin(), w.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); });
}

// Where `word` occurs in `text` as a whole word (npos if nowhere).
std::size_t find_word(std::string_view text, std::string_view word) {
    const bool exact = all_caps(word);
    auto eq = [&](char a, char b) {
        return exact ? a == b : std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    };
    for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
        if (i > 0 && word_char(text[i - 1])) continue;
        if (i > 1 && text[i - 1] == '.' && alnum(text[i - 2])) continue;  // part of a host name
        const std::size_t end = i + word.size();
        if (end < text.size() && word_char(text[end])) continue;
        if (end + 1 < text.size() && text[end] == '.' && alnum(text[end + 1])) continue;
        if (std::equal(word.begin(), word.end(), text.begin() + static_cast<std::ptrdiff_t>(i), eq)) return i;
    }
    return std::string_view::npos;
}

}  // namespace

std::span<const GlossaryTerm> glossary() { return {k_terms, std::size(k_terms)}; }

const GlossaryTerm* find_glossary_term(std::string_view term) {
    for (const auto& t : k_terms)
        if (term == t.term) return &t;
    return nullptr;
}

std::vector<std::string> glossary_terms_in(std::string_view text) {
    std::vector<std::pair<std::size_t, std::string>> found;
    for (const auto& t : k_terms) {
        std::size_t first = std::string_view::npos;
        for (const char* w : t.mentions) first = std::min(first, find_word(text, w));
        if (first != std::string_view::npos) found.emplace_back(first, t.term);
    }
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto& [pos, term] : found) out.push_back(std::move(term));
    return out;
}

}  // namespace relaylab::sim
