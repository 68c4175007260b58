// The CR LF command-line reader (see line_reader.hpp for the choices).
#include "engine/line_reader.hpp"

#include <cstring>

namespace relaylab {

bool has_bare_line_end_or_nul(std::string_view line) {
    // Every command line passes here: three memchr passes beat a byte loop with three tests.
    const char* p = line.data();
    const std::size_t n = line.size();
    return std::memchr(p, '\r', n) != nullptr || std::memchr(p, '\n', n) != nullptr ||
           std::memchr(p, '\0', n) != nullptr;
}

LineReader::Result LineReader::next(std::string_view unread, std::size_t limit) {
    Result r;
    if (discarding_) {
        for (std::size_t i = 0; i < unread.size(); ++i) {
            if (discard_prev_cr_ && unread[i] == '\n') {
                discarding_ = false;
                discard_prev_cr_ = false;
                discarded_len_ += i + 1;
                r.consumed = i + 1;
                r.line = Line{{}, true, discarded_len_, false};
                return r;
            }
            discard_prev_cr_ = unread[i] == '\r';
        }
        discarded_len_ += unread.size();
        r.consumed = unread.size();
        return r;
    }
    // A CR at the end of what was scanned may be the first half of the CR LF.
    const std::size_t from = scanned_ > 0 ? scanned_ - 1 : 0;
    const std::size_t pos = unread.find("\r\n", from);
    if (pos == std::string_view::npos) {
        scanned_ = unread.size();
        if (!unread.empty() && unread.size() >= limit) {  // even a CR LF now would make it too long
            discarding_ = true;
            discard_prev_cr_ = unread.back() == '\r';
            discarded_len_ = unread.size();
            r.consumed = unread.size();
            scanned_ = 0;
        }
        return r;
    }
    scanned_ = 0;
    r.consumed = pos + 2;
    if (pos + 2 > limit) {
        discarded_len_ = pos + 2;
        r.line = Line{{}, true, pos + 2, false};
        return r;
    }
    const std::string_view text = unread.substr(0, pos);
    r.line = Line{text, false, pos + 2, has_bare_line_end_or_nul(text)};
    return r;
}

void LineReader::reset() {
    scanned_ = 0;
    discarding_ = false;
    discard_prev_cr_ = false;
    discarded_len_ = 0;
}

}  // namespace relaylab
