#include "engine/reply_parser.hpp"

namespace relaylab {

const char* reply_error_text(ReplyError e) {
    switch (e) {
        case ReplyError::none: return "no error";
        case ReplyError::line_too_long: return "reply line too long";
        case ReplyError::too_many_lines: return "reply has too many lines";
        case ReplyError::bad_code: return "malformed reply code";
        case ReplyError::bad_separator: return "reply code not followed by SP or '-'";
        case ReplyError::mixed_codes: return "multi-line reply with different codes";
        case ReplyError::bad_text: return "NUL or bare CR in reply text";
    }
    return "unknown error";
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// subject / detail: "0" / (%x31-39 0*2digit); returns the length used, 0 if none.
std::size_t parse_status_number(std::string_view in) {
    if (in.empty() || !is_digit(in[0])) return 0;
    if (in[0] == '0') return 1;
    std::size_t n = 1;
    while (n < in.size() && n < 3 && is_digit(in[n])) ++n;
    return n;
}

}  // namespace

int parse_reply_code(std::string_view in) {
    if (in.size() < 3) return -1;
    if (in[0] < '2' || in[0] > '5') return -1;
    if (in[1] < '0' || in[1] > '5') return -1;
    if (!is_digit(in[2])) return -1;
    return (in[0] - '0') * 100 + (in[1] - '0') * 10 + (in[2] - '0');
}

std::size_t parse_status_code(std::string_view text) {
    if (text.size() < 5) return 0;
    if (text[0] != '2' && text[0] != '4' && text[0] != '5') return 0;
    if (text[1] != '.') return 0;
    std::size_t pos = 2;
    std::size_t n = parse_status_number(text.substr(pos));
    if (n == 0) return 0;
    pos += n;
    if (pos >= text.size() || text[pos] != '.') return 0;
    ++pos;
    n = parse_status_number(text.substr(pos));
    if (n == 0) return 0;
    pos += n;
    if (pos < text.size() && text[pos] != ' ') return 0;  // e.g. "5.1.10" or "2.0.0x"
    return pos;
}

ReplyParser::ReplyParser(ReplyLimits limits) : limits_(limits) {
    // Keep the arithmetic below meaningful whatever the caller passes.
    if (limits_.max_line < 8) limits_.max_line = 8;
    if (limits_.max_lines < 1) limits_.max_lines = 1;
}

void ReplyParser::fail(ReplyError e) {
    error_ = e;
    line_.clear();
    current_ = Pending{};
}

void ReplyParser::feed(std::string_view bytes) {
    std::size_t pos = 0;
    while (error_ == ReplyError::none && pos < bytes.size()) {
        const std::size_t lf = bytes.find('\n', pos);
        const std::size_t end = lf == std::string_view::npos ? bytes.size() : lf;
        // Guard the buffer before growing it: the line so far plus the new piece.
        const std::size_t piece = end - pos;
        if (lf == std::string_view::npos) {
            // Without its LF the line may still end in CR; reject as soon as even that
            // reading would exceed the limit (max_line - 1 octets before the LF).
            if (line_.size() + piece > limits_.max_line - 1) {
                fail(ReplyError::line_too_long);
                return;
            }
            line_.append(bytes.substr(pos, piece));
            return;
        }
        if (line_.size() + piece > limits_.max_line - 1) {
            fail(ReplyError::line_too_long);
            return;
        }
        line_.append(bytes.substr(pos, piece));
        pos = lf + 1;
        std::string line;
        line.swap(line_);
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        } else {
            saw_bare_lf_ = true;
            // With a bare LF the line is one octet shorter than with CRLF: count it as CRLF
            // so that both endings share one limit.
            if (line.size() + 2 > limits_.max_line) {
                fail(ReplyError::line_too_long);
                return;
            }
        }
        take_line(line);
    }
}

// One reply line without its ending: Reply-code [ SP / "-" textstring ] (RFC 5321 §4.2).
void ReplyParser::take_line(std::string_view line) {
    const int code = parse_reply_code(line);
    if (code < 0) return fail(ReplyError::bad_code);
    bool last = true;
    std::string_view text;
    if (line.size() > 3) {
        if (line[3] == '-') {
            last = false;
        } else if (line[3] != ' ') {
            return fail(ReplyError::bad_separator);
        }
        text = line.substr(4);
    }
    for (char c : text) {
        if (c == '\0' || c == '\r') return fail(ReplyError::bad_text);
    }
    Pending& p = current_;
    if (p.lines.empty()) {
        p.reply.code = code;
        // RFC 2034 §4 / RFC 3463 §2: the enhanced code leads the text; its class must be
        // the reply's class (a "250 5.0.0" is not an enhanced code, just text).
        const std::size_t n = parse_status_code(text);
        if (n > 0 && text[0] - '0' == code / 100) p.reply.enhanced = std::string(text.substr(0, n));
    } else if (code != p.reply.code) {
        return fail(ReplyError::mixed_codes);
    }
    if (p.lines.size() + 1 > limits_.max_lines) return fail(ReplyError::too_many_lines);
    // Strip the enhanced code from every line that repeats it (RFC 2034 §4).
    std::string_view shown = text;
    const std::string& enh = p.reply.enhanced;
    if (!enh.empty() && shown.substr(0, enh.size()) == enh &&
        (shown.size() == enh.size() || shown[enh.size()] == ' ')) {
        shown.remove_prefix(enh.size());
        if (!shown.empty()) shown.remove_prefix(1);
    }
    p.reply.lines.emplace_back(shown);
    p.lines.emplace_back(line);
    if (last) {
        ready_.push_back(std::move(current_));
        current_ = Pending{};
    }
}

std::optional<Reply> ReplyParser::next() {
    if (ready_.empty()) return std::nullopt;
    Pending p = std::move(ready_.front());
    ready_.pop_front();
    last_lines_ = std::move(p.lines);
    return std::move(p.reply);
}

void ReplyParser::discard_buffered() {
    line_.clear();
    current_ = Pending{};
    ready_.clear();
}

void ReplyParser::reset() {
    discard_buffered();
    last_lines_.clear();
    error_ = ReplyError::none;
    saw_bare_lf_ = false;
}

}  // namespace relaylab
