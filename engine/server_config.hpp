#pragma once
// What an SMTP server listener is configured to do (ServerConfig), and what it offers a
// client in its EHLO reply (ServerOffers): computed once per EHLO, then consulted by every
// command that depends on an extension (MAIL/RCPT parameters, BDAT, AUTH, SMTPUTF8).
//
//   ServerOffers o = server_offers(config, /*extended=*/true, /*tls=*/false);
//   o.mail_parameter("BODY")  // may MAIL carry it? (RFC 5321 §4.1.1.11: only if offered)
//   ehlo_reply_lines(o, config.hostname, size_line, lines);
//
// Choices where the RFCs leave room:
//  - After HELO nothing is offered (RFC 5321 §4.1.1.1): no parameters, no BDAT, no AUTH.
//  - AUTH is never offered on an MX (port 25 takes mail for our domains, no relaying for
//    logged-in users there), and on submission only after STARTTLS (RFC 4954 §4, RFC 8314
//    §3: no passwords in clear text). STARTTLS is not offered again once TLS is up
//    (RFC 3207 §4.2).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/role.hpp"

namespace relaylab {


struct ServerConfig {
    Role role = Role::mx;
    std::string hostname = "relay.lab.test";
    bool tls_available = true;  // the host can do STARTTLS (it has a certificate)
    std::uint64_t max_message_size = 26214400;  // SIZE (RFC 1870)
    std::size_t max_recipients = 100;           // RFC 5321 §4.5.3.1.8 asks for at least 100
    std::size_t max_command_line = 512;         // octets incl. CRLF, RFC 5321 §4.5.3.1.4
    std::size_t max_auth_line = 12288;          // AUTH lines, RFC 4954 §4
    std::size_t max_text_line = 1000;           // octets incl. CRLF, RFC 5321 §4.5.3.1.6
    int max_errors = 10;                        // protocol errors before "421 4.7.0"
    std::size_t max_pending_input = 1 << 20;    // bytes buffered while the host decides
    // RFC 5321 §4.5.3.2.7: the server waits at least 5 minutes for the next command;
    // a more generous 10 minutes while message content is arriving.
    std::int64_t command_timeout_ms = 300000;
    std::int64_t data_timeout_ms = 600000;
    // Total deadlines, not only idle timers: a command line must be complete within
    // command_timeout_ms of its first byte, and a DATA/BDAT transfer within data_timeout_ms
    // plus its octets at this rate (0: no rate bound, idle timer only).
    std::uint64_t min_data_rate_bps = 1024;
    // NOOP/RSET/VRFY/HELP allowed between messages before "421 4.7.0" (Postfix's
    // smtpd_junk_command_limit); 0: no limit.
    int max_junk_commands = 100;
    bool offer_pipelining = true, offer_chunking = true, offer_8bitmime = true, offer_smtputf8 = true,
         offer_dsn = true, offer_auth = true;
    // Undeclared 8-bit content (no BODY=8BITMIME, no SMTPUTF8): false accepts it (Postfix's
    // strict_8bitmime = no; Envelope::content_8bit tells the host), true refuses it at the
    // end of DATA/BDAT with "554 5.6.0" (RFC 6152 §3). See content_check.hpp.
    bool strict_8bitmime = false;
    bool trace = true;  // emit TraceEvents (off for benchmarks)
    // The trace replaces AUTH credentials (initial response, continuation lines) with
    // "<credentials hidden>" in text and wire: a relay's logs must not keep passwords. The
    // simulator turns it off so a lesson can show what crossed the wire in cleartext (the
    // secret span stays marked either way).
    bool mask_secrets = true;
};

// Whether AUTH is offered, and if not, whether it will be after STARTTLS. The one place
// that says so: the EHLO reply, MAIL's AUTH= parameter and the AUTH command all ask here.
enum class AuthOffer : std::uint8_t { never, after_starttls, now };
AuthOffer auth_offer(const ServerConfig& config, bool tls);

// The session's "530 5.7.0 Authentication required" before MAIL: the submission ports take
// mail only from authenticated users (RFC 4954 §6, RFC 6409 §4.1). The relay policy
// (relay_policy.cpp, check_sender) says the same for the host's own listeners; this is
// the engine's copy, so a ServerSession used without that policy still enforces it.
bool mail_requires_auth(const ServerConfig& config, bool authenticated);

// What one EHLO reply offered (all false after HELO, or before any greeting).
struct ServerOffers {
    bool esmtp = false;  // the client said EHLO: SIZE and ENHANCEDSTATUSCODES are always offered
    bool pipelining = false, eight_bit_mime = false, starttls = false, auth = false, smtputf8 = false,
         dsn = false, chunking = false;
    // RFC 5321 §4.1.1.11, RFC 1869 §4.5: a parameter belongs to an offered extension.
    bool mail_parameter(std::string_view keyword) const;  // SIZE BODY SMTPUTF8 RET ENVID AUTH
    bool rcpt_parameter(std::string_view keyword) const;  // NOTIFY ORCPT
};
ServerOffers server_offers(const ServerConfig& config, bool extended, bool tls);

// The EHLO reply's lines (RFC 5321 §4.1.1.1): the host name, then one extension per line.
// size_line: "SIZE <max>", kept by the caller. Returns the number of lines written.
constexpr std::size_t k_max_ehlo_lines = 12;
std::size_t ehlo_reply_lines(const ServerOffers& offers, std::string_view hostname, std::string_view size_line,
                             std::string_view (&lines)[k_max_ehlo_lines]);

}  // namespace relaylab
