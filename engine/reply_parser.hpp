#pragma once
// Incremental parser of SMTP server replies (RFC 5321 §4.2, §4.2.1), with the enhanced
// status code of RFC 2034 §4 / RFC 3463 §2 split off the text.
//
// Bytes go in with feed() in any split; complete replies come out of next(). The parser
// never buffers without bound: a line longer than the limit, a reply with too many lines,
// a malformed reply code or mixed codes in one multi-line reply put it into an error state
// (a closed set, ReplyError) in which it ignores further input. It never throws or asserts,
// whatever the input (a libFuzzer harness runs it).
//
// Line endings: RFC 5321 §2.3.8 requires CRLF, but some servers send a bare LF. We accept
// LF-only endings on replies (a client gains nothing by refusing them, and unlike the
// server side there is no smuggling risk in how a client splits reply lines) and record
// that we saw one (saw_bare_lf) so the UI can point it out. A CR that is not followed by
// LF is an error (bad_text).
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/reply.hpp"

namespace relaylab {

enum class ReplyError {
    none,
    line_too_long,   // a reply line over max_line octets including CRLF (RFC 5321 §4.5.3.1.5)
    too_many_lines,  // a multi-line reply of more than max_lines lines
    bad_code,        // not Reply-code = %x32-35 %x30-35 %x30-39 (RFC 5321 §4.2)
    bad_separator,   // the code is followed by neither SP, "-" nor the end of the line
    mixed_codes,     // lines of one multi-line reply carry different codes (RFC 5321 §4.2.1)
    bad_text,        // NUL or a bare CR inside a reply line
};
const char* reply_error_text(ReplyError);

struct ReplyLimits {
    std::size_t max_line = 512;   // octets including CRLF (RFC 5321 §4.5.3.1.5)
    std::size_t max_lines = 100;  // lines of one reply (our limit; RFC 5321 sets none)
};

class ReplyParser {
public:
    explicit ReplyParser(ReplyLimits limits = {});

    // Appends server bytes; parses every complete line at once (so the partial-line buffer
    // stays below max_line). Ignored once in the error state.
    void feed(std::string_view bytes);
    // The next complete reply in arrival order, or nullopt when more input is needed or the
    // parser stopped on an error (check error()). Replies completed before an error are
    // still returned.
    std::optional<Reply> next();
    // The wire lines (without line ending) of the reply the last next() returned.
    const std::vector<std::string>& last_lines() const { return last_lines_; }

    ReplyError error() const { return error_; }
    bool saw_bare_lf() const { return saw_bare_lf_; }
    // True while part of a reply (a line or earlier lines of a multi-line reply) is buffered.
    bool partial() const { return !line_.empty() || !current_.lines.empty(); }
    // Drops every byte and reply not yet returned. Used after the 220 reply to STARTTLS:
    // whatever the server sent after it in plaintext must not be trusted (RFC 3207 §4.2,
    // CVE-2011-0411 "STARTTLS command injection").
    void discard_buffered();
    // Back to the initial state (also clears the error and the bare-LF flag).
    void reset();

private:
    struct Pending {
        Reply reply;
        std::vector<std::string> lines;
    };
    void take_line(std::string_view line);
    void fail(ReplyError e);

    ReplyLimits limits_;
    std::string line_;      // the partial line, always < max_line octets
    Pending current_;       // the multi-line reply being assembled
    std::deque<Pending> ready_;
    std::vector<std::string> last_lines_;
    ReplyError error_ = ReplyError::none;
    bool saw_bare_lf_ = false;
};

// RFC 3463 §2: status-code = class "." subject "." detail, class = "2"/"4"/"5",
// subject = 1*3digit, detail = 1*3digit, without leading zeros (RFC 3463 §2 grammar
// "0" / (%x31-39 0*2digit)). Returns the length of the code at the start of `text`
// (it must be followed by SP or the end of the text), or 0 when there is none.
std::size_t parse_status_code(std::string_view text);
// Reply-code = %x32-35 %x30-35 %x30-39 (RFC 5321 §4.2); -1 when `in` does not start with one.
int parse_reply_code(std::string_view in);

}  // namespace relaylab
