#pragma once
// 8-bit to 7-bit conversion for a next hop that does not offer 8BITMIME. RFC 6152 §3 (and
// RFC 1652 §3 before it) leaves a relay two choices for an 8-bit message and a 7-bit-only
// server: convert the content to 7 bits with the MIME content-transfer-encodings, or return
// it as undeliverable. This does the first when it can be done without changing what the
// recipient decodes, and otherwise says why not so the caller can do the second:
//
//     const DowngradeResult r = downgrade_to_7bit(message);
//     if (r.status != DowngradeStatus::impossible) send(r.content);
//     else if (scan_content(message).eight_bit_headers) bounce("5.6.9", r.reason);  // RFC 6531
//     else bounce("5.6.3", r.reason);  // RFC 3463: conversion required but not supported
//
// What is converted (RFC 2045 §6, RFC 2046):
//   - a leaf entity whose body has 8-bit octets and whose Content-Transfer-Encoding is 8bit,
//     7bit (mislabelled) or absent: text/* (also the default text/plain when there is no
//     Content-Type) becomes quoted-printable (§6.7), anything else base64 (§6.8); its
//     Content-Transfer-Encoding field is replaced in place, or added after the last field;
//   - multipart/*: each body part on its own, found by the boundary parameter; the preamble,
//     the delimiter lines and the epilogue are copied byte for byte;
//   - message/rfc822: the enclosed message on its own (RFC 2046 §5.2.1 forbids encoding it as
//     a whole), by the same rules as the outer one;
//   - a multipart or message/rfc822 entity labelled 8bit is relabelled 7bit once its content is.
// Every entity without 8-bit octets, header included, is copied byte for byte.
//
// What makes it impossible (the reason says which rule and which part):
//   - 8-bit octets in a header section: UTF-8 header fields (RFC 6532) need SMTPUTF8 at the
//     next hop, no MIME encoding stands in for them here (the caller bounces 5.6.7 / 5.6.9);
//   - 8-bit octets in a message without MIME-Version (RFC 2045 §4): nothing says what the
//     octets mean, so there is nothing to label an encoding with;
//   - Content-Transfer-Encoding binary (needs BINARYMIME, RFC 3030), an unknown encoding, or
//     a body labelled quoted-printable / base64 that holds 8-bit octets anyway;
//   - 8-bit octets in a multipart preamble or epilogue (no encoding can apply there), a
//     multipart without a usable boundary parameter (RFC 2231 continuations are not read),
//     or no delimiter line in its body;
//   - 8-bit octets in message/partial or message/external-body (7bit only, RFC 2046 §5.2.2,
//     §5.2.3) or in another message/* type this does not know (its definition may forbid
//     encodings as rfc822's does); message/global (RFC 6532 §3.5) is encoded like text;
//   - structures nested deeper than 32 levels.
//
// Line ends: the input's own. Hard line breaks keep their octets (CRLF, or a bare LF in LF
// text), and the lines written here (soft breaks, base64 lines, a new header field) end the
// way the message's first line does. Quoted-printable bodies therefore decode to the exact
// original octets.
#include <string>
#include <string_view>

namespace relaylab {

enum class DowngradeStatus {
    unchanged,  // already 7-bit: content is a copy of the message
    converted,  // content is the 7-bit message
    impossible  // content is empty; reason says why
};

struct DowngradeResult {
    DowngradeStatus status = DowngradeStatus::unchanged;
    std::string content;
    std::string reason;  // why impossible, in plain words; empty otherwise
};

DowngradeResult downgrade_to_7bit(std::string_view message);

// The transfer encodings on their own, as the conversion writes them. An input line end is
// kept as it is (a hard break); a quoted-printable soft break ends like the line it splits
// (`eol` for a last line without a line end) and base64 lines end with `eol`. The output ends
// with a line end only where the input did.
// RFC 2045 §6.7: encoded lines of at most 76 characters with "=" soft breaks; '=', octets
// >= 0x80, control characters other than TAB (a lone CR too) and a space or TAB before a
// line end are written as "=XX" (upper-case hex).
std::string encode_quoted_printable(std::string_view body, std::string_view eol = "\r\n");
// RFC 2045 §6.8: base64 in lines of 76 characters.
std::string encode_base64_lines(std::string_view body, std::string_view eol = "\r\n");

}  // namespace relaylab
