#pragma once
// What a message carries, found without parsing all of it: 8-bit octets, and where (RFC 6152
// 8BITMIME for the body, RFC 6531/6532 SMTPUTF8 for the header section), and whether it is
// MIME at all (RFC 2045 §4). The relay asks this before it opens a session to the next hop:
//
//     const ContentTraits t = scan_content(message);
//     if (t.eight_bit_headers && !hop.smtputf8) bounce("5.6.9");  // RFC 6531: UTF-8 header message
//     else if (t.eight_bit && !hop.eight_bit_mime) downgrade_to_7bit(message);  // RFC 6152 §3
//
// Messages are RFC 5322 text with CRLF line ends; a bare LF is taken as a line end too (the
// spool or a test may hold LF text). The header section ends at the first empty line; a
// message without one is all header. Nothing here allocates for the scan itself, and the body
// is only looked at eight octets at a time, so a large attachment costs one pass.
//
// The smaller helpers below (splitting off the header section, walking its fields, unfolding)
// are shared by the MIME downgrade and the header fix-ups.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab {

struct ContentTraits {
    bool eight_bit = false;          // any octet >= 0x80 anywhere
    bool eight_bit_headers = false;  // in the header section (RFC 6532 UTF-8 headers: needs SMTPUTF8 at the next hop)
    bool mime = false;               // a MIME-Version header field
    bool operator==(const ContentTraits&) const = default;
};

ContentTraits scan_content(std::string_view message);

// True when some octet of `text` is >= 0x80 (not 7-bit data in the sense of RFC 2045 §2.7;
// NUL and line length are not checked).
bool contains_8bit(std::string_view text);

// A message cut at the first empty line (RFC 5322 §2.1). header + separator + body == message.
struct MessageSections {
    std::string_view header;     // the header fields, each with its line end; may be empty
    std::string_view separator;  // the empty line: "\r\n", "\n", or empty when there is none
    std::string_view body;       // everything after the empty line
};
MessageSections split_header_section(std::string_view message);

// One field of a header section (RFC 5322 §2.2), pointing into the section.
struct HeaderField {
    std::string_view name;   // field-name without the colon or any obs-syntax WSP before it;
                             // empty for a line that is not a field (no colon, or a name with
                             // characters outside ftext)
    std::string_view value;  // after the colon, leading and trailing whitespace removed,
                             // still folded (CRLF WSP inside) when the field was folded
    std::string_view raw;    // the whole field: first line, continuation lines, last line end
};
// The fields of `header` (the `header` of split_header_section) in order. Continuation lines
// (starting with SP or HTAB) belong to the field above them; raw slices concatenate back to
// `header` exactly.
std::vector<HeaderField> header_fields(std::string_view header);

// The value of the first field called `name` (ASCII case-insensitive, RFC 5322 §1.2.2) in the
// header section of `message`, as header_fields gives it: raw, still folded if it was folded.
std::optional<std::string_view> find_header(std::string_view message, std::string_view name);
bool has_header(std::string_view message, std::string_view name);

// RFC 5322 §2.2.3 unfolding: every line end (CRLF, or a bare LF) followed by WSP is removed.
std::string unfold_header_value(std::string_view value);

}  // namespace relaylab
