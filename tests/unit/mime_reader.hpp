#pragma once
// A small MIME reader for the tests only: enough of RFC 5322 (header fields, unfolding) and
// RFC 2045/2046 (Content-Type parameters, multipart boundaries) to take a DSN apart again and
// check what it says, independently of how dsn.cpp built it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mime {

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

inline std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

struct Field {
    std::string name;
    std::string value;  // unfolded: CRLF before whitespace removed (RFC 5322 §2.2.3), trimmed
};

using Fields = std::vector<Field>;

inline std::optional<std::string> find(const Fields& fields, std::string_view name) {
    for (const auto& f : fields)
        if (iequals(f.name, name)) return f.value;
    return std::nullopt;
}

inline std::size_t count(const Fields& fields, std::string_view name) {
    std::size_t n = 0;
    for (const auto& f : fields)
        if (iequals(f.name, name)) ++n;
    return n;
}

// Splits text into lines at CRLF; `ok` is false if a bare CR or LF occurs.
struct Lines {
    std::vector<std::string_view> lines;
    bool crlf_only = true;
};

inline Lines split_lines(std::string_view text) {
    Lines out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t crlf = text.find("\r\n", pos);
        std::string_view line = text.substr(pos, crlf == std::string_view::npos ? crlf : crlf - pos);
        if (line.find('\r') != std::string_view::npos || line.find('\n') != std::string_view::npos)
            out.crlf_only = false;
        out.lines.push_back(line);
        if (crlf == std::string_view::npos) {
            out.crlf_only = false;  // last line without CRLF
            break;
        }
        pos = crlf + 2;
    }
    return out;
}

// Header fields of a block of lines (no empty line inside).
inline Fields parse_fields(const std::vector<std::string_view>& lines) {
    Fields out;
    for (std::string_view line : lines) {
        if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
            if (!out.empty()) {
                out.back().value += ' ';
                out.back().value += trim(line);
            }
            continue;
        }
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        out.push_back(Field{trim(line.substr(0, colon)), trim(line.substr(colon + 1))});
    }
    return out;
}

struct Entity {
    Fields headers;
    std::string body;  // everything after the empty line, CRLFs kept
};

inline Entity parse_entity(std::string_view text) {
    Entity e;
    const std::size_t sep = text.find("\r\n\r\n");
    std::string_view head = sep == std::string_view::npos ? text : text.substr(0, sep + 2);
    e.body = sep == std::string_view::npos ? std::string() : std::string(text.substr(sep + 4));
    if (text.starts_with("\r\n")) {  // no header at all
        head = {};
        e.body = std::string(text.substr(2));
    }
    e.headers = parse_fields(split_lines(head).lines);
    return e;
}

// The media type of a Content-Type value, lower case, without parameters.
inline std::string media_type(std::string_view content_type) {
    std::string out = trim(content_type.substr(0, content_type.find(';')));
    for (char& c : out) c = lower(c);
    return out;
}

// A Content-Type parameter (RFC 2045 §5.1), quoted or not.
inline std::optional<std::string> parameter(std::string_view content_type, std::string_view name) {
    std::size_t pos = content_type.find(';');
    while (pos != std::string_view::npos) {
        std::size_t next = pos + 1;
        // find the end of this parameter, respecting quotes
        bool quoted = false;
        std::size_t end = next;
        while (end < content_type.size() && (quoted || content_type[end] != ';')) {
            if (content_type[end] == '"') quoted = !quoted;
            ++end;
        }
        std::string_view item = content_type.substr(next, end - next);
        const std::size_t eq = item.find('=');
        if (eq != std::string_view::npos && iequals(trim(item.substr(0, eq)), name)) {
            std::string value = trim(item.substr(eq + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
            return value;
        }
        pos = end < content_type.size() ? end : std::string_view::npos;
    }
    return std::nullopt;
}

// Body parts of a multipart entity (RFC 2046 §5.1.1): the CRLF before a delimiter line
// belongs to the delimiter; the preamble and epilogue are dropped.
struct Multipart {
    std::vector<Entity> parts;
    bool closed = false;  // the close-delimiter "--boundary--" was seen
};

inline Multipart split_multipart(std::string_view body, std::string_view boundary) {
    Multipart out;
    const std::string delim = "--" + std::string(boundary);
    std::vector<std::string_view> lines = split_lines(body).lines;
    bool in_part = false;
    std::string current;
    bool first_line = true;
    for (std::string_view line : lines) {
        const std::string t = trim(line);
        if (t == delim || t == delim + "--") {
            if (in_part) out.parts.push_back(parse_entity(current));
            current.clear();
            first_line = true;
            in_part = t == delim;
            if (!in_part) {
                out.closed = true;
                break;
            }
            continue;
        }
        if (!in_part) continue;
        if (!first_line) current += "\r\n";
        current += line;
        first_line = false;
    }
    return out;
}

// message/delivery-status (RFC 3464 §2.1): blocks of fields separated by empty lines; the
// first is the per-message block, the others per-recipient.
inline std::vector<Fields> parse_field_blocks(std::string_view body) {
    std::vector<Fields> out;
    std::vector<std::string_view> block;
    for (std::string_view line : split_lines(body).lines) {
        if (line.empty()) {
            if (!block.empty()) out.push_back(parse_fields(block));
            block.clear();
            continue;
        }
        block.push_back(line);
    }
    if (!block.empty()) out.push_back(parse_fields(block));
    return out;
}

}  // namespace mime
