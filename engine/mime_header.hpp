#pragma once
// Reading header fields of a received message (no I/O): field values (RFC 5322 §2.2,
// unfolding §2.2.3), MIME parameters (RFC 2045 §5.1, with RFC 2231 continuations and
// charsets), encoded words (RFC 2047), address lists (RFC 5322 §3.4) and dates (§3.3).
// Lenient where real mail is sloppy: a reader of captured mail shows what is there, it does
// not refuse it. Text comes out as UTF-8 (UTF-8, US-ASCII and ISO-8859-1/Windows-1252 are
// converted; other charsets pass through as they are).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab {

// One header field with its value unfolded (RFC 5322 §2.2.3) and trimmed; the section is
// split and the fields found by engine/content_scan.hpp (split_header_section, header_fields).
struct MimeField {
    std::string name;
    std::string value;
};
using MimeFields = std::vector<MimeField>;
MimeFields parse_mime_fields(std::string_view header);

// The first field of that name (ASCII case-insensitive), if any.
std::optional<std::string> header_value(const MimeFields& fields, std::string_view name);

// "text/plain; charset=utf-8; name*=utf-8''caf%C3%A9" → value "text/plain" (lower-cased),
// params {charset: "utf-8", name: "café"} (names lower-cased, values unquoted, RFC 2231
// continuations joined and decoded into UTF-8).
struct MimeValue {
    std::string value;
    std::map<std::string, std::string> params;
};
MimeValue parse_mime_value(std::string_view field_value);

// Bytes in `charset` as UTF-8 (see the file comment for which charsets convert).
std::string to_utf8(std::string_view bytes, std::string_view charset);

// RFC 2047: every encoded word (=?charset?B|Q?text?=) decoded into UTF-8; whitespace between
// two adjacent encoded words dropped (§6.2); malformed words kept as they are.
std::string decode_encoded_words(std::string_view text);

// Quoted-printable (RFC 2045 §6.7): =XX octets, soft line breaks removed, trailing whitespace
// of each line dropped; a malformed "=" is kept literally.
std::string decode_quoted_printable(std::string_view text);
// Base64 as found in mail bodies (RFC 2045 §6.8): characters outside the alphabet (line
// breaks) are ignored, decoding stops at "=".
std::string decode_base64_lenient(std::string_view text);

// One address of an address list: the display name (encoded words decoded, quotes removed)
// and the addr-spec.
struct MailAddress {
    std::string name;
    std::string address;
};
// RFC 5322 §3.4 address-list: name-addr and addr-spec, comments, quoted strings and groups
// ("undisclosed-recipients:;" gives nothing). Empty entries are skipped.
std::vector<MailAddress> parse_address_list(std::string_view text);

// RFC 5322 §3.3 date-time ("Tue, 1 Dec 2026 08:21:28 +0000", obsolete zone names too) as
// milliseconds since the epoch (UTC); nullopt when it does not parse.
std::optional<std::int64_t> parse_rfc5322_date(std::string_view text);

// Milliseconds since the epoch as "2026-12-01T08:21:28.123Z" (ISO 8601, UTC).
std::string iso8601_utc(std::int64_t ms);

}  // namespace relaylab
