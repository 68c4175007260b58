#include "engine/reply.hpp"

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

std::string format_reply(const Reply& reply) {
    std::string out;
    append_reply(out, reply);
    return out;
}

}  // namespace relaylab
