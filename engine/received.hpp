#pragma once
// Trace header fields (RFC 5321 §4.4) and the header-formatting helpers they share with the
// bounce composer: RFC 5322 dates (§3.3) and folding (§2.2.3). Pure functions; the time is a
// parameter in milliseconds since the Unix epoch (UTC).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/reply.hpp"

namespace relaylab {

// "Sat, 28 Nov 2026 03:37:26 +0000" (RFC 5322 §3.3 date-time, always UTC).
std::string format_rfc5322_date(std::int64_t ms_since_epoch);

// Removes everything that could end or forge a header line: CR, LF, NUL and other control
// bytes (and DEL) become a space; runs of spaces collapse; leading/trailing space goes.
// Bytes >= 0x80 (UTF-8, RFC 6532) are kept.
std::string sanitize_header_text(std::string_view text);

// "Name: value" folded (RFC 5322 §2.2.3) at whitespace so lines stay near `soft_limit`
// octets, and never above 998 (a word longer than that is broken hard). Lines are joined with
// CRLF + one TAB; the result ends with CRLF. `value` must already be sanitised.
std::string fold_header_field(std::string_view name, std::string_view value, std::size_t soft_limit = 78);

// The WITH protocol names of RFC 3848 §1 (and RFC 5321 §4.4 for SMTP / ESMTP).
enum class WithProtocol { smtp, esmtp, esmtps, esmtpa, esmtpsa };
const char* with_protocol_name(WithProtocol p);
// Picks the RFC 3848 keyword from how the session went.
WithProtocol with_protocol_for(bool used_ehlo, bool tls, bool authenticated);

struct ReceivedInfo {
    std::string helo;         // the EHLO/HELO argument as received (hostile input)
    std::string client_host;  // reverse DNS name of the client, if known
    std::string client_ip;    // e.g. "192.0.2.7" or "2001:db8::1"
    std::string hostname;     // our host name ("by")
    WithProtocol with = WithProtocol::esmtp;
    std::string tls_version;  // e.g. "TLSv1.3", shown as a comment when not empty
    std::string queue_id;     // "id"
    std::string for_recipient;  // the single forward-path, without brackets; empty: no FOR clause
    std::int64_t time_ms = 0;
};

// Received: from <helo> (<client host> [<ip>]) by <hostname> with <proto> (<tls>) id <qid>
//           for <rcpt>; <date>
// (RFC 5321 §4.4 Stamp grammar). Everything taken from the envelope is sanitised so that no
// byte of it can start a new header line. Ends with CRLF.
std::string make_received_header(const ReceivedInfo& info);

// Number of "Received:" fields in the header section of `content` (a whole RFC 5322 message,
// CRLF or LF line ends): field names compare case-insensitively, continuation lines are not
// counted, and counting stops at the first empty line (the body is never looked at).
std::size_t count_received_headers(std::string_view content);

// RFC 5321 §6.3: loop detection by counting Received: fields. More than `limit` fields →
// 554 5.4.6 "Too many hops" (RFC 3463 X.4.6 "Routing loop detected"); otherwise nullopt.
std::optional<Reply> check_hop_count(std::string_view content, std::size_t limit = 50);

}  // namespace relaylab
