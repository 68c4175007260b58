#pragma once
// Delivery status notifications (bounces): RFC 3464 message format inside an RFC 6522
// multipart/report, honouring the DSN SMTP extension's NOTIFY / RET / ENVID / ORCPT
// (RFC 3461). Pure: time, host name and seed are parameters.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.hpp"
#include "engine/dsn_params.hpp"
#include "engine/reply.hpp"

namespace relaylab {

struct DsnRecipient {
    std::string final_recipient;     // "bob@example.org" (RFC 3464 §2.3.2, type rfc822)
    std::string original_recipient;  // ORCPT, decoded: "rfc822;bob@example.org"; empty if none
    DsnNotify notify;                // what this recipient's sender asked for
    DsnAction action = DsnAction::failed;
    std::string status;              // "5.1.1" (RFC 3463); empty: from the diagnostic or x.0.0
    std::string remote_mta;          // host that gave the diagnostic, empty if none
    std::optional<Reply> diagnostic;  // the reply a remote host sent (Diagnostic-Code: smtp; ...)
    // A local condition no remote host replied with (a refused connection, a DNS failure, a
    // limit known from EHLO): "Diagnostic-Code: X-local; ..." and the human part.
    std::string local_diagnostic;
    bool expired = false;            // given up: the queue lifetime (lifetime_ms) ran out
    std::int64_t lifetime_ms = 0;
    std::optional<std::int64_t> last_attempt_ms;
    std::optional<std::int64_t> will_retry_until_ms;  // for Action: delayed
};

struct DsnRequest {
    std::string reporting_mta;    // our host name (Reporting-MTA: dns; ..., From: MAILER-DAEMON@...)
    std::string original_sender;  // the MAIL FROM mailbox; empty = null reverse-path "<>"
    std::string envid;            // ENVID, decoded; empty if none
    Ret ret = Ret::unspecified;
    std::int64_t arrival_ms = 0;
    std::int64_t now_ms = 0;      // Date of the DSN
    std::uint64_t seed = 0;       // Message-ID and boundary come from (seed, counter)
    std::uint64_t counter = 0;
    std::vector<DsnRecipient> recipients;
    std::string original_message;  // the message as queued (header section, empty line, body)
};

enum class DsnOutcome {
    composed,
    null_sender,    // the message was itself a bounce (<>): never answer it (RFC 5321 §4.5.5)
    not_requested,  // NOTIFY excluded every recipient (NEVER, or no matching flag)
};

struct DsnResult {
    DsnOutcome outcome = DsnOutcome::not_requested;
    // The DSN travels with the null reverse-path "<>" (RFC 3461 §6.2, RFC 5321 §4.5.5)
    // to the original sender.
    std::string envelope_sender;     // always empty: MAIL FROM:<>
    std::string envelope_recipient;  // the original sender
    std::string message_id;
    std::string content;                // the whole RFC 5322 message, CRLF lines <= 998 octets
    std::vector<std::size_t> reported;  // indices into DsnRequest::recipients that are in it
};

DsnResult compose_dsn(const DsnRequest& request);

}  // namespace relaylab
