#include "engine/mime_header.hpp"

#include <algorithm>
#include <cstdio>

#include "engine/ascii.hpp"
#include "engine/content_scan.hpp"

namespace relaylab {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && (is_wsp(s.front()) || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
    while (!s.empty() && (is_wsp(s.back()) || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
    return s;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Windows-1252's 0x80..0x9F (the rest of it is ISO-8859-1).
constexpr std::uint16_t k_cp1252[32] = {0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
                                        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

// RFC 2231 §4: charset'language'percent-encoded.
std::string decode_rfc2231(std::string_view v, std::string_view charset) {
    std::string bytes;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size() && hex_value(v[i + 1]) >= 0 && hex_value(v[i + 2]) >= 0) {
            bytes += static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2]));
            i += 2;
        } else {
            bytes += v[i];
        }
    }
    return to_utf8(bytes, charset);
}

// Removes (comments) outside quoted strings; returns the text without them.
std::string strip_comments(std::string_view s) {
    std::string out;
    int depth = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (quoted) {
            out += c;
            if (c == '\\' && i + 1 < s.size()) out += s[++i];
            else if (c == '"') quoted = false;
        } else if (depth > 0) {
            if (c == '\\') ++i;
            else if (c == '(') ++depth;
            else if (c == ')') --depth;
        } else if (c == '(') {
            ++depth;
        } else {
            if (c == '"') quoted = true;
            out += c;
        }
    }
    return out;
}

// A display name: quotes removed (with their backslash escapes), encoded words decoded.
std::string display_name(std::string_view s) {
    std::string out;
    s = trim(s);
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '"') continue;
        if (s[i] == '\\' && i + 1 < s.size()) {
            out += s[++i];
            continue;
        }
        out += s[i];
    }
    // Encoded words inside a quoted string are not allowed (RFC 2047 §5) but common: decode.
    return std::string(trim(decode_encoded_words(out)));
}

int month_number(std::string_view m) {
    static const char* names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    for (int i = 0; i < 12; ++i)
        if (ascii_iequals(m.substr(0, 3), names[i])) return i + 1;
    return 0;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

MimeFields parse_mime_fields(std::string_view header) {
    MimeFields out;
    for (const HeaderField& f : header_fields(header)) {
        if (f.name.empty()) continue;  // not a field (no colon, or a continuation with no field above)
        out.push_back({std::string(f.name), std::string(trim(unfold_header_value(f.value)))});
    }
    return out;
}

std::optional<std::string> header_value(const MimeFields& fields, std::string_view name) {
    for (const auto& f : fields)
        if (ascii_iequals(f.name, name)) return f.value;
    return std::nullopt;
}

MimeValue parse_mime_value(std::string_view field_value) {
    MimeValue out;
    const std::string text = strip_comments(field_value);
    std::size_t i = 0;
    const std::size_t n = text.size();
    // The value itself: up to the first ';'.
    std::size_t semi = text.find(';');
    out.value = ascii_lowercase(trim(std::string_view(text).substr(0, semi)));
    i = semi == std::string::npos ? n : semi + 1;
    // RFC 2231: name*N and name*N* pieces, joined in order; name* alone is one encoded piece.
    struct Piece {
        std::string value;
        bool encoded = false;
    };
    std::map<std::string, std::map<int, Piece>> pieces;
    while (i < n) {
        while (i < n && (is_wsp(text[i]) || text[i] == ';' || text[i] == '\r' || text[i] == '\n')) ++i;
        std::size_t eq = text.find('=', i);
        if (eq == std::string::npos) break;
        std::string attr = ascii_lowercase(trim(std::string_view(text).substr(i, eq - i)));
        i = eq + 1;
        while (i < n && is_wsp(text[i])) ++i;
        std::string value;
        if (i < n && text[i] == '"') {
            ++i;
            while (i < n && text[i] != '"') {
                if (text[i] == '\\' && i + 1 < n) ++i;
                value += text[i++];
            }
            ++i;  // closing quote
            while (i < n && text[i] != ';') ++i;
        } else {
            const std::size_t end = text.find(';', i);
            value = std::string(trim(std::string_view(text).substr(i, end == std::string::npos ? n - i : end - i)));
            i = end == std::string::npos ? n : end;
        }
        if (attr.empty()) continue;
        bool encoded = false;
        if (attr.back() == '*') {
            encoded = true;
            attr.pop_back();
        }
        int index = -1;  // -1: not a continuation
        if (auto star = attr.find('*'); star != std::string::npos) {
            index = 0;
            // RFC 2231 §3 section numbers are small; a longer run of digits is clamped rather
            // than allowed to overflow.
            constexpr int k_max_section = 100000;
            for (char c : attr.substr(star + 1))
                if (c >= '0' && c <= '9') index = std::min(k_max_section, index * 10 + (c - '0'));
            attr.resize(star);
        }
        if (index < 0) index = 0;
        pieces[attr][index] = Piece{value, encoded};
    }
    for (auto& [name, parts] : pieces) {
        std::string charset, joined;
        bool first = true;
        for (auto& [index, piece] : parts) {
            std::string v = piece.value;
            if (piece.encoded) {
                if (first) {  // charset'language'value
                    const auto a = v.find('\''), b = a == std::string::npos ? a : v.find('\'', a + 1);
                    if (b != std::string::npos) {
                        charset = v.substr(0, a);
                        v = v.substr(b + 1);
                    }
                }
                joined += decode_rfc2231(v, charset.empty() ? "us-ascii" : charset);
            } else {
                joined += v;
            }
            first = false;
        }
        // A plain value may still carry RFC 2047 words (not allowed there, but mailers do it).
        out.params[name] = joined.find("=?") != std::string::npos ? decode_encoded_words(joined) : joined;
    }
    return out;
}

std::string to_utf8(std::string_view bytes, std::string_view charset) {
    std::string cs = ascii_lowercase(trim(charset));
    if (auto star = cs.find('*'); star != std::string::npos) cs.resize(star);  // RFC 2231 §5 language
    const bool latin1 = cs == "iso-8859-1" || cs == "latin1" || cs == "iso8859-1" || cs == "l1";
    const bool cp1252 = cs == "windows-1252" || cs == "cp1252";
    if (!latin1 && !cp1252) return std::string(bytes);
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 8);
    for (char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (cp1252 && c >= 0x80 && c < 0xA0) append_utf8(out, k_cp1252[c - 0x80]);
        else append_utf8(out, c);
    }
    return out;
}

std::string decode_encoded_words(std::string_view text) {
    std::string out;
    std::size_t i = 0;
    bool last_was_word = false;
    std::string pending_space;  // whitespace after an encoded word, dropped if another follows
    while (i < text.size()) {
        if (text.compare(i, 2, "=?") == 0) {
            // =?charset?enc?text?=
            const std::size_t q1 = text.find('?', i + 2);
            const std::size_t q2 = q1 == std::string_view::npos ? q1 : text.find('?', q1 + 1);
            const std::size_t end = q2 == std::string_view::npos ? q2 : text.find("?=", q2 + 1);
            if (end != std::string_view::npos && q2 == q1 + 2) {
                const std::string_view charset = text.substr(i + 2, q1 - i - 2);
                const char enc = ascii_lower(text[q1 + 1]);
                const std::string_view payload = text.substr(q2 + 1, end - q2 - 1);
                if ((enc == 'b' || enc == 'q') && payload.find(' ') == std::string_view::npos) {
                    std::string bytes;
                    if (enc == 'b') {
                        bytes = decode_base64_lenient(payload);
                    } else {  // RFC 2047 §4.2: "_" is a space, =XX an octet
                        for (std::size_t k = 0; k < payload.size(); ++k) {
                            if (payload[k] == '_') bytes += ' ';
                            else if (payload[k] == '=' && k + 2 < payload.size() &&
                                     hex_value(payload[k + 1]) >= 0 && hex_value(payload[k + 2]) >= 0) {
                                bytes += static_cast<char>(hex_value(payload[k + 1]) * 16 + hex_value(payload[k + 2]));
                                k += 2;
                            } else {
                                bytes += payload[k];
                            }
                        }
                    }
                    if (!last_was_word) out += pending_space;
                    pending_space.clear();
                    out += to_utf8(bytes, charset);
                    last_was_word = true;
                    i = end + 2;
                    continue;
                }
            }
        }
        if (is_wsp(text[i]) || text[i] == '\r' || text[i] == '\n') {
            pending_space += text[i] == '\r' || text[i] == '\n' ? ' ' : text[i];
            ++i;
            continue;
        }
        out += pending_space;
        pending_space.clear();
        out += text[i++];
        last_was_word = false;
    }
    out += pending_space;
    return out;
}

std::string decode_quoted_printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t eol = text.find('\n', pos);
        std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
        const bool has_eol = eol != std::string_view::npos;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        // Rule 3: trailing whitespace on an encoded line is not part of the content.
        while (!line.empty() && is_wsp(line.back())) line.remove_suffix(1);
        bool soft = false;
        for (std::size_t k = 0; k < line.size(); ++k) {
            if (line[k] != '=') {
                out += line[k];
            } else if (k + 1 == line.size()) {
                soft = true;  // rule 5: "=" at the end of a line is a soft break
            } else if (k + 2 < line.size() && hex_value(line[k + 1]) >= 0 &&
                       hex_value(line[k + 2]) >= 0) {
                out += static_cast<char>(hex_value(line[k + 1]) * 16 + hex_value(line[k + 2]));
                k += 2;
            } else {
                out += '=';  // malformed: kept as it is
            }
        }
        if (!has_eol) break;
        if (!soft) out += "\r\n";
        pos = eol + 1;
    }
    return out;
}

std::string decode_base64_lenient(std::string_view text) {
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        int v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else if (c == '=') break;
        else continue;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

std::vector<MailAddress> parse_address_list(std::string_view text) {
    std::vector<MailAddress> out;
    // Split at top-level commas (and group delimiters), outside quotes, comments and <>.
    std::vector<std::string> items;
    std::string cur;
    int depth = 0;
    bool quoted = false, angle = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            cur += c;
            if (c == '\\' && i + 1 < text.size()) cur += text[++i];
            else if (c == '"') quoted = false;
            continue;
        }
        if (depth > 0) {
            cur += c;
            if (c == '(') ++depth;
            else if (c == ')') --depth;
            continue;
        }
        if (c == '"') quoted = true;
        else if (c == '(') depth = 1;
        else if (c == '<') angle = true;
        else if (c == '>') angle = false;
        if (!angle && (c == ',' || c == ';')) {
            items.push_back(cur);
            cur.clear();
            continue;
        }
        if (!angle && c == ':') {  // "group-name:" starts a group; its name is not an address
            cur.clear();
            continue;
        }
        cur += c;
    }
    items.push_back(cur);
    for (const std::string& raw : items) {
        const std::string item = raw;
        MailAddress a;
        const std::size_t lt = item.rfind('<');
        const std::size_t gt = lt == std::string::npos ? lt : item.find('>', lt);
        if (lt != std::string::npos && gt != std::string::npos) {
            std::string addr = strip_comments(std::string_view(item).substr(lt + 1, gt - lt - 1));
            if (auto colon = addr.find(':'); colon != std::string::npos && addr[0] == '@') addr = addr.substr(colon + 1);
            a.address = std::string(trim(addr));
            a.name = display_name(strip_comments(std::string_view(item).substr(0, lt)));
        } else {
            // addr-spec, perhaps with a comment holding the name: "bob@x (Bob)".
            const std::string bare = strip_comments(item);
            a.address = std::string(trim(bare));
            // The name is the last comment: "bob@x (Bob)".
            const auto close = item.rfind(')');
            const auto open = close == std::string::npos ? close : item.rfind('(', close);
            if (open != std::string::npos && close != std::string::npos && close > open && bare.find('"') == std::string::npos)
                a.name = display_name(std::string_view(item).substr(open + 1, close - open - 1));
        }
        // An addr-spec holds no whitespace outside quotes (obsolete forms put some there).
        if (a.address.find('"') == std::string::npos) {
            std::string compact;
            for (char c : a.address)
                if (!is_wsp(c) && c != '\r' && c != '\n') compact += c;
            a.address = compact;
        }
        if (a.address.empty() && a.name.empty()) continue;
        out.push_back(std::move(a));
    }
    return out;
}

std::optional<std::int64_t> parse_rfc5322_date(std::string_view text) {
    std::string s = strip_comments(text);
    // Tokens split at whitespace and commas; the day of week is optional and ignored.
    std::vector<std::string> tok;
    std::string cur;
    for (char c : s) {
        if (is_wsp(c) || c == ',' || c == '\r' || c == '\n') {
            if (!cur.empty()) tok.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) tok.push_back(cur);
    std::size_t k = 0;
    if (k < tok.size() && !tok[k].empty() && !(tok[k][0] >= '0' && tok[k][0] <= '9')) ++k;  // day-of-week
    if (tok.size() < k + 4) return std::nullopt;
    auto number = [](const std::string& t, int& v) {
        if (t.empty() || t.size() > 4) return false;
        v = 0;
        for (char c : t) {
            if (c < '0' || c > '9') return false;
            v = v * 10 + (c - '0');
        }
        return true;
    };
    int day = 0, year = 0;
    if (!number(tok[k], day) || day < 1 || day > 31) return std::nullopt;
    const int month = month_number(tok[k + 1]);
    if (month == 0 || !number(tok[k + 2], year)) return std::nullopt;
    if (tok[k + 2].size() <= 2) year += year < 50 ? 2000 : 1900;  // obs-year (§4.3)
    else if (tok[k + 2].size() == 3) year += 1900;
    int hh = 0, mm = 0, ss = 0;
    {
        const std::string& t = tok[k + 3];
        std::vector<int> parts;
        std::size_t p = 0;
        while (p <= t.size()) {
            const auto c = t.find(':', p);
            int v = 0;
            if (!number(t.substr(p, c == std::string::npos ? std::string::npos : c - p), v)) return std::nullopt;
            parts.push_back(v);
            if (c == std::string::npos) break;
            p = c + 1;
        }
        if (parts.size() < 2 || parts.size() > 3) return std::nullopt;
        hh = parts[0];
        mm = parts[1];
        ss = parts.size() == 3 ? parts[2] : 0;
        if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    }
    int offset_min = 0;
    if (tok.size() > k + 4) {
        const std::string& z = tok[k + 4];
        if ((z[0] == '+' || z[0] == '-') && z.size() == 5) {
            int v = 0;
            if (!number(z.substr(1), v)) return std::nullopt;
            offset_min = (v / 100) * 60 + v % 100;
            if (z[0] == '-') offset_min = -offset_min;
        } else {  // obs-zone (§4.3): UT, GMT, and the US zones; military zones count as +0000
            static const std::pair<const char*, int> zones[] = {{"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
                                                                {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
            for (auto [name, h] : zones)
                if (ascii_iequals(z, name)) offset_min = h * 60;
        }
    }
    const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - offset_min * 60;
    return secs * 1000;
}

std::string iso8601_utc(std::int64_t ms) {
    std::int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    const int millis = static_cast<int>(ms - secs * 1000);
    std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    const std::int64_t rem = secs - days * 86400;
    // civil_from_days (Howard Hinnant)
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y), m, d,
                  static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60), millis);
    return buf;
}

}  // namespace relaylab
