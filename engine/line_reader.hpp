#pragma once
// The command-line reader of the SMTP server: CR LF framed, bounded lines (RFC 5321 §2.3.8,
// §4.5.3.1.4), without owning the input buffer (DATA and BDAT read the same buffer).
//
//   LineReader r;
//   LineReader::Result got = r.next(unread_bytes, limit);  // limit: octets incl. CR LF
//   consume(got.consumed);
//   if (got.line) { got.line->too_long ? refuse(...) : got.line->bad_octets ? refuse(...) : run(...); }
//
// Choices:
//  - Only CR LF ends a line. A bare CR, bare LF or NUL inside a line does not split it: the
//    line is reported whole with bad_octets set, and the session refuses it as one line
//    ("500 5.5.2"), never as two commands (command injection, SMTP smuggling class).
//  - An over-long line is dropped as it arrives (never buffered beyond the limit) and
//    reported once, when its CR LF arrives, so every split of the input gives the same lines.
//  - Input already searched for CR LF is not searched again when more arrives (a slow
//    client sending one byte at a time costs linear time, not quadratic).
#include <cstddef>
#include <optional>
#include <string_view>

namespace relaylab {

class LineReader {
public:
    struct Line {
        std::string_view text;    // without the CR LF; empty when too_long
        bool too_long = false;    // longer than the limit: dropped, only its length is known
        std::size_t length = 0;   // octets including CR LF (also counted for a dropped line)
        bool bad_octets = false;  // a bare CR, bare LF or NUL inside the line
    };
    struct Result {
        std::size_t consumed = 0;  // bytes of the input now read (and to be skipped by the caller)
        std::optional<Line> line;  // a complete line, when one ended
    };

    // unread: the input not yet consumed (what was consumed before must not be passed again;
    // what was not consumed must be passed again, with more appended). limit: octets
    // including CR LF.
    Result next(std::string_view unread, std::size_t limit);
    // Forget any partial line (after STARTTLS the plain-text input is thrown away).
    void reset();
    bool discarding() const { return discarding_; }

private:
    std::size_t scanned_ = 0;       // unread bytes known to hold no CR LF (but maybe a trailing CR)
    bool discarding_ = false;       // inside an over-long line, dropping until CR LF
    bool discard_prev_cr_ = false;  // the last dropped byte was a CR
    std::size_t discarded_len_ = 0;
};

// A bare CR, bare LF or NUL anywhere in the line (RFC 5321 §2.3.8).
bool has_bare_line_end_or_nul(std::string_view line);

}  // namespace relaylab
