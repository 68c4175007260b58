#pragma once
// SMTP replies (RFC 5321 §4.2) carrying enhanced status codes (RFC 2034, RFC 3463): the
// Reply value, and the one place where reply lines are written in wire form (the server
// session writes its own replies with append_reply_line, the host's with append_reply).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab {

struct Reply {
    int code = 0;                    // three-digit reply code, e.g. 250
    std::string enhanced;            // enhanced status code "x.y.z", or empty
    std::vector<std::string> lines;  // text of each line, without code or enhanced code

    bool positive() const { return code >= 200 && code < 400; }
    bool transient() const { return code >= 400 && code < 500; }
    bool permanent() const { return code >= 500 && code < 600; }
    // All lines joined with a single space: for logs, diagnostics and the UI.
    std::string text() const;
    // "550 5.7.1 Relaying denied" (first line only): for one-line summaries.
    std::string summary() const;

    bool operator==(const Reply&) const = default;
};

// Builds a reply; `text` may contain '\n' to make a multi-line reply.
Reply make_reply(int code, std::string_view enhanced, std::string_view text);

// Wire form, RFC 5321 §4.2.1: every line but the last is "code-", the last "code ";
// each line carries the enhanced code when there is one; CRLF line endings.
std::string format_reply(const Reply& reply);
void append_reply(std::string& out, const Reply& reply);
// One line in wire form, written in place without a temporary: code, "-" (more lines
// follow) or " " (last), the enhanced code and a space when both it and text are there,
// text, CRLF. Returns the line's length without the CRLF. code: 100..999.
std::size_t append_reply_line(std::string& out, int code, std::string_view enhanced, std::string_view text,
                              bool last);

}  // namespace relaylab
