// SMTP replies: the value type and its wire form (RFC 5321 §4.2.1).
#include "engine/reply.hpp"

#include <cstring>

namespace relaylab {

std::string Reply::text() const {
    std::string out;
    for (const auto& line : lines) {
        if (!out.empty()) out += ' ';
        out += line;
    }
    return out;
}

std::string Reply::summary() const {
    std::string out = std::to_string(code);
    if (!enhanced.empty()) out += ' ' + enhanced;
    if (!lines.empty() && !lines.front().empty()) out += ' ' + lines.front();
    return out;
}

Reply make_reply(int code, std::string_view enhanced, std::string_view text) {
    Reply r;
    r.code = code;
    r.enhanced = std::string(enhanced);
    std::size_t start = 0;
    while (true) {
        std::size_t nl = text.find('\n', start);
        r.lines.emplace_back(text.substr(start, nl == std::string_view::npos ? nl : nl - start));
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    return r;
}

void append_reply(std::string& out, const Reply& reply) {
    const std::string code = std::to_string(reply.code);
    const std::size_t n = reply.lines.empty() ? 1 : reply.lines.size();
    for (std::size_t i = 0; i < n; ++i) {
        out += code;
        out += (i + 1 < n) ? '-' : ' ';
        if (!reply.enhanced.empty()) {
            out += reply.enhanced;
            if (!reply.lines.empty() && !reply.lines[i].empty()) out += ' ';
        }
        if (!reply.lines.empty()) out += reply.lines[i];
        out += "\r\n";
    }
}

std::size_t append_reply_line(std::string& out, int code, std::string_view enhanced, std::string_view text,
                              bool last) {
    // Sized once, then written in place: the server writes a reply per command, so this is
    // on every command's path.
    const bool space = !enhanced.empty() && !text.empty();
    const std::size_t len = 4 + enhanced.size() + (space ? 1 : 0) + text.size();
    const std::size_t start = out.size();
    out.resize(start + len + 2);
    char* p = out.data() + start;
    p[0] = static_cast<char>('0' + code / 100 % 10);
    p[1] = static_cast<char>('0' + code / 10 % 10);
    p[2] = static_cast<char>('0' + code % 10);
    p[3] = last ? ' ' : '-';
    p += 4;
    if (!enhanced.empty()) std::memcpy(p, enhanced.data(), enhanced.size());
    p += enhanced.size();
    if (space) *p++ = ' ';
    if (!text.empty()) std::memcpy(p, text.data(), text.size());
    p += text.size();
    p[0] = '\r';
    p[1] = '\n';
    return len;
}

std::string format_reply(const Reply& reply) {
    std::string out;
    append_reply(out, reply);
    return out;
}

}  // namespace relaylab
