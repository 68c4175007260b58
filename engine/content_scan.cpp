// Scanning a message for 8-bit octets and MIME (RFC 6152, RFC 6532, RFC 2045 §4), and the
// header-section walking it needs (RFC 5322 §2.1, §2.2).
#include "engine/content_scan.hpp"

#include <cstdint>
#include <cstring>

#include "engine/ascii.hpp"

namespace relaylab {

namespace {

constexpr bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// RFC 5322 §2.2: ftext = %d33-57 / %d59-126 (printable US-ASCII except ':').
constexpr bool is_ftext(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 33 && u <= 126 && c != ':';
}

// One line of `text` starting at `pos`: [pos, content_end) is the line without its line end,
// [content_end, next) the line end ("\r\n", "\n", or nothing on an unterminated last line).
struct Line {
    std::size_t content_end;
    std::size_t next;
};

Line line_at(std::string_view text, std::size_t pos) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    if (nl == nullptr) return {text.size(), text.size()};
    const std::size_t lf = static_cast<std::size_t>(static_cast<const char*>(nl) - text.data());
    const std::size_t end = (lf > pos && text[lf - 1] == '\r') ? lf - 1 : lf;
    return {end, lf + 1};
}

std::string_view trim_wsp(std::string_view s) {
    while (!s.empty() && (is_wsp(s.front()) || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
    while (!s.empty() && (is_wsp(s.back()) || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
    return s;
}

}  // namespace

bool contains_8bit(std::string_view text) {
    // Eight octets at a time: OR them into one word and test the top bit of each byte. The
    // loop has no branch per octet, so the compiler can vectorise it; memcpy keeps the loads
    // legal at any alignment.
    constexpr std::uint64_t high_bits = 0x8080808080808080ull;
    const char* p = text.data();
    std::size_t n = text.size();
    while (n >= 64) {
        std::uint64_t acc = 0;
        for (int i = 0; i < 8; ++i) {
            std::uint64_t w;
            std::memcpy(&w, p + 8 * i, 8);
            acc |= w;
        }
        if (acc & high_bits) return true;
        p += 64;
        n -= 64;
    }
    for (; n > 0; ++p, --n)
        if (static_cast<unsigned char>(*p) >= 0x80) return true;
    return false;
}

MessageSections split_header_section(std::string_view message) {
    std::size_t pos = 0;
    while (pos < message.size()) {
        const Line line = line_at(message, pos);
        if (line.content_end == pos && line.next > pos)  // an empty line ends the header section
            return {message.substr(0, pos), message.substr(pos, line.next - pos), message.substr(line.next)};
        pos = line.next;
    }
    return {message, {}, {}};
}

namespace {

// The field that starts at `pos` of `header`, and where the next one starts.
HeaderField field_at(std::string_view header, std::size_t& pos) {
    const std::size_t start = pos;
    Line line = line_at(header, pos);
    const std::string_view first = header.substr(start, line.content_end - start);
    pos = line.next;
    // Continuation lines: a line that starts with WSP carries on the field above
    // (RFC 5322 §2.2.3). A section that starts with one gets a nameless field of its own.
    std::size_t value_end = line.content_end;
    while (pos < header.size() && is_wsp(header[pos])) {
        line = line_at(header, pos);
        value_end = line.content_end;
        pos = line.next;
    }
    HeaderField f;
    f.raw = header.substr(start, pos - start);
    const std::size_t colon = first.find(':');
    if (colon == std::string_view::npos || first.empty() || is_wsp(first.front())) return f;
    std::string_view name = first.substr(0, colon);
    while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);  // obs-optional
    bool ok = !name.empty();
    for (char c : name) ok = ok && is_ftext(c);
    if (!ok) return f;
    f.name = name;
    f.value = trim_wsp(header.substr(start + colon + 1, value_end - (start + colon + 1)));
    return f;
}

}  // namespace

std::vector<HeaderField> header_fields(std::string_view header) {
    std::vector<HeaderField> out;
    std::size_t pos = 0;
    while (pos < header.size()) out.push_back(field_at(header, pos));
    return out;
}

std::optional<std::string_view> find_header(std::string_view message, std::string_view name) {
    // Walks the fields without collecting them: this runs for every message the relay sends.
    const std::string_view header = split_header_section(message).header;
    std::size_t pos = 0;
    while (pos < header.size()) {
        const HeaderField f = field_at(header, pos);
        if (!f.name.empty() && ascii_iequals(f.name, name)) return f.value;
    }
    return std::nullopt;
}

bool has_header(std::string_view message, std::string_view name) { return find_header(message, name).has_value(); }

std::string unfold_header_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\r' && i + 2 < value.size() && value[i + 1] == '\n' && is_wsp(value[i + 2])) {
            ++i;  // CR LF: drop both, the WSP stays
            continue;
        }
        if (value[i] == '\n' && i + 1 < value.size() && is_wsp(value[i + 1])) continue;
        out += value[i];
    }
    return out;
}

ContentTraits scan_content(std::string_view message) {
    ContentTraits t;
    const MessageSections s = split_header_section(message);
    t.eight_bit_headers = contains_8bit(s.header);
    t.eight_bit = t.eight_bit_headers || contains_8bit(s.body);
    t.mime = has_header(message, "MIME-Version");
    return t;
}

}  // namespace relaylab
