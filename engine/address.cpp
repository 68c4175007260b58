// Mail address parsers after the grammar of RFC 5321 §4.1.2 (Path, Mailbox, Local-part,
// Domain), §4.1.3 (address literals), with the limits of §4.5.3.1.1-3 and the UTF-8
// extensions of RFC 6531 §3.3 (atext, qtextSMTP and sub-domain accept UTF8-non-ascii).
//
// The grammar-rule functions parse a prefix and return how many characters they used (0:
// no match). They take `utf8`: whether UTF8-non-ascii is acceptable. The public entry
// points parse with UTF-8 accepted and report utf8_not_permitted afterwards, so a
// well-formed internationalised address is told apart from a broken one.
#include "engine/address.hpp"

#include <algorithm>

namespace relaylab {
namespace {

constexpr std::size_t k_max_local_part = 64;   // RFC 5321 §4.5.3.1.1
constexpr std::size_t k_max_domain = 255;      // RFC 5321 §4.5.3.1.2
constexpr std::size_t k_max_label = 63;        // RFC 1035 §2.3.4 (a label of a domain name)
constexpr std::size_t k_max_path = 256;        // RFC 5321 §4.5.3.1.3, punctuation included

bool is_alpha(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_let_dig(unsigned char c) { return is_alpha(c) || is_digit(c); }
bool is_hex(unsigned char c) { return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); }

// atext, RFC 5322 §3.2.3.
bool is_atext(unsigned char c) {
    if (is_let_dig(c)) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}': case '~':
        return true;
    default:
        return false;
    }
}

// qtextSMTP = %d32-33 / %d35-91 / %d93-126 (RFC 5321 §4.1.2)
bool is_qtext_smtp(unsigned char c) { return c >= 32 && c <= 126 && c != '"' && c != '\\'; }

// Length of the well-formed UTF8-non-ascii sequence (RFC 3629 §4: UTF8-2 / UTF8-3 /
// UTF8-4, no overlong forms, no surrogates) starting at in[i], or 0.
std::size_t utf8_non_ascii(std::string_view in, std::size_t i) {
    auto at = [&](std::size_t k) -> unsigned { return i + k < in.size() ? static_cast<unsigned char>(in[i + k]) : 0u; };
    auto tail = [&](std::size_t k) { return (at(k) & 0xC0u) == 0x80u; };
    unsigned b0 = at(0);
    if (b0 >= 0xC2 && b0 <= 0xDF) return tail(1) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        unsigned b1 = at(1);
        if (b0 == 0xE0 && (b1 < 0xA0 || b1 > 0xBF)) return 0;
        if (b0 == 0xED && (b1 < 0x80 || b1 > 0x9F)) return 0;
        return tail(1) && tail(2) ? 3 : 0;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        unsigned b1 = at(1);
        if (b0 == 0xF0 && (b1 < 0x90 || b1 > 0xBF)) return 0;
        if (b0 == 0xF4 && (b1 < 0x80 || b1 > 0x8F)) return 0;
        return tail(1) && tail(2) && tail(3) ? 4 : 0;
    }
    return 0;
}

bool has_non_ascii(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// Atom = 1*atext (RFC 6531: atext =/ UTF8-non-ascii)
std::size_t parse_atom(std::string_view in, bool utf8) {
    std::size_t i = 0;
    while (i < in.size()) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (is_atext(c)) {
            ++i;
        } else if (c >= 0x80 && utf8) {
            std::size_t n = utf8_non_ascii(in, i);
            if (n == 0) return 0;  // broken UTF-8 is never part of an address
            i += n;
        } else {
            break;
        }
    }
    return i;
}

// sub-domain = Let-dig [Ldh-str] (RFC 6531: sub-domain =/ U-label). Returns 0 when the
// label does not match; sets `too_long` for a label over 63 octets.
std::size_t parse_sub_domain(std::string_view in, bool utf8, bool& too_long) {
    std::size_t i = 0;
    bool last_hyphen = false;
    while (i < in.size()) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (is_let_dig(c)) {
            ++i;
            last_hyphen = false;
        } else if (c == '-' && i > 0) {
            ++i;
            last_hyphen = true;
        } else if (c >= 0x80 && utf8) {
            std::size_t n = utf8_non_ascii(in, i);
            if (n == 0) return 0;
            i += n;
            last_hyphen = false;
        } else {
            break;
        }
    }
    if (i == 0 || last_hyphen) return 0;  // Ldh-str ends with a Let-dig
    if (i > k_max_label) too_long = true;
    return i;
}

// Domain with its label-length check reported apart.
std::size_t parse_domain_checked(std::string_view in, bool utf8, bool& label_too_long) {
    std::size_t i = parse_sub_domain(in, utf8, label_too_long);
    if (i == 0) return 0;
    while (i + 1 < in.size() && in[i] == '.') {
        std::size_t n = parse_sub_domain(in.substr(i + 1), utf8, label_too_long);
        if (n == 0) break;  // the "." is not ours: the caller sees it and decides
        i += 1 + n;
    }
    return i;
}

// Snum = 1*3DIGIT, value 0..255
std::size_t parse_snum(std::string_view in) {
    std::size_t i = 0;
    unsigned value = 0;
    while (i < in.size() && i < 3 && is_digit(static_cast<unsigned char>(in[i]))) {
        value = value * 10 + static_cast<unsigned>(in[i] - '0');
        ++i;
    }
    if (i == 0 || value > 255) return 0;
    if (i < in.size() && is_digit(static_cast<unsigned char>(in[i]))) return 0;  // a fourth digit
    return i;
}

// h16 groups "IPv6-hex *(":" IPv6-hex)"; counts them. The empty string is zero groups.
bool parse_ipv6_hex_groups(std::string_view in, std::size_t& groups) {
    groups = 0;
    if (in.empty()) return true;
    std::size_t i = 0;
    for (;;) {
        std::size_t digits = 0;
        while (i < in.size() && digits < 5 && is_hex(static_cast<unsigned char>(in[i]))) {
            ++i;
            ++digits;
        }
        if (digits == 0 || digits > 4) return false;  // IPv6-hex = 1*4HEXDIG
        ++groups;
        if (i == in.size()) return true;
        if (in[i] != ':') return false;
        ++i;
        if (i == in.size()) return false;  // a trailing single ":"
    }
}

// A Mailbox at the start of `in` (Local-part "@" ( Domain / address-literal )), parsed
// with UTF-8 accepted. Returns characters used, 0 on a syntax error.
std::size_t parse_mailbox_prefix(std::string_view in, Mailbox& box, bool& label_too_long) {
    std::size_t local = parse_local_part(in, true);
    if (local == 0 || local >= in.size() || in[local] != '@') return 0;
    box.local_part.assign(in.data(), local);
    box.quoted_local = in[0] == '"';
    std::string_view rest = in.substr(local + 1);
    std::size_t dom = 0;
    if (!rest.empty() && rest[0] == '[') {
        dom = parse_address_literal(rest);
        box.domain_literal = true;
    } else {
        dom = parse_domain_checked(rest, true, label_too_long);
        box.domain_literal = false;
    }
    if (dom == 0) return 0;
    box.domain.assign(rest.data(), dom);
    box.utf8 = has_non_ascii(box.local_part) || has_non_ascii(box.domain);
    return local + 1 + dom;
}

// Length and UTF-8 checks shared by every entry point, in the order a user would fix them.
AddressError check_mailbox(const Mailbox& box, bool label_too_long, bool smtputf8) {
    if (box.utf8 && !smtputf8) return AddressError::utf8_not_permitted;
    if (box.local_part.size() > k_max_local_part) return AddressError::local_part_too_long;
    if (box.domain.size() > k_max_domain || label_too_long) return AddressError::domain_too_long;
    return AddressError::none;
}

// Empties a Path as `Path{}` would, but keeps its buffers' capacity.
void clear_path(Path& p) {
    p.null = false;
    p.source_route.clear();
    p.mailbox.local_part.clear();
    p.mailbox.domain.clear();
    p.mailbox.quoted_local = false;
    p.mailbox.domain_literal = false;
    p.mailbox.utf8 = false;
}

AddressError parse_path(std::string_view in, bool smtputf8, bool reverse, Path& out, std::size_t& consumed) {
    clear_path(out);
    consumed = 0;
    if (in.empty() || in[0] != '<') return AddressError::syntax;
    if (reverse && in.size() >= 2 && in[1] == '>') {  // "<>", the null reverse-path
        out.null = true;
        consumed = 2;
        return AddressError::none;
    }
    if (!reverse) {
        // "<Postmaster>" without a domain, RFC 5321 §4.1.1.3 and §4.5.1.
        constexpr std::string_view pm = "postmaster";
        if (in.size() >= pm.size() + 2 && iequals(in.substr(1, pm.size()), pm) && in[pm.size() + 1] == '>') {
            out.mailbox.local_part = "Postmaster";
            consumed = pm.size() + 2;
            return AddressError::none;
        }
    }
    std::size_t i = 1;
    bool label_too_long = false;
    if (i < in.size() && in[i] == '@') {  // A-d-l ":"
        std::size_t n = parse_a_d_l(in.substr(i), out.source_route);
        if (n == 0 || i + n >= in.size() || in[i + n] != ':') return AddressError::syntax;
        for (const auto& d : out.source_route) {
            if (d.size() > k_max_domain) label_too_long = true;
            if (!smtputf8 && has_non_ascii(d)) return AddressError::utf8_not_permitted;
        }
        i += n + 1;
    }
    std::size_t m = parse_mailbox_prefix(in.substr(i), out.mailbox, label_too_long);
    if (m == 0 || i + m >= in.size() || in[i + m] != '>') {
        clear_path(out);
        return AddressError::syntax;
    }
    i += m + 1;
    AddressError error = check_mailbox(out.mailbox, label_too_long, smtputf8);
    if (error == AddressError::none && i > k_max_path) error = AddressError::path_too_long;
    if (error == AddressError::none) consumed = i;
    return error;
}

Parsed<Path> parse_path(std::string_view in, bool smtputf8, bool reverse) {
    Parsed<Path> r;
    r.error = parse_path(in, smtputf8, reverse, r.value, r.consumed);
    return r;
}

}  // namespace

// Dot-string = Atom *("." Atom)
std::size_t parse_dot_string(std::string_view in, bool smtputf8) {
    std::size_t i = parse_atom(in, smtputf8);
    if (i == 0) return 0;
    while (i + 1 < in.size() && in[i] == '.') {
        std::size_t n = parse_atom(in.substr(i + 1), smtputf8);
        if (n == 0) break;
        i += 1 + n;
    }
    return i;
}

// Quoted-string = DQUOTE *QcontentSMTP DQUOTE; QcontentSMTP = qtextSMTP / quoted-pairSMTP;
// quoted-pairSMTP = %d92 %d32-126 (RFC 5321 §4.1.2; RFC 6531: qtextSMTP =/ UTF8-non-ascii)
std::size_t parse_quoted_string(std::string_view in, bool smtputf8) {
    if (in.empty() || in[0] != '"') return 0;
    std::size_t i = 1;
    while (i < in.size()) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (c == '"') return i + 1;
        if (c == '\\') {
            if (i + 1 >= in.size()) return 0;
            unsigned char e = static_cast<unsigned char>(in[i + 1]);
            if (e < 32 || e > 126) return 0;
            i += 2;
        } else if (is_qtext_smtp(c)) {
            ++i;
        } else if (c >= 0x80 && smtputf8) {
            std::size_t n = utf8_non_ascii(in, i);
            if (n == 0) return 0;
            i += n;
        } else {
            return 0;
        }
    }
    return 0;  // no closing DQUOTE
}

// Local-part = Dot-string / Quoted-string
std::size_t parse_local_part(std::string_view in, bool smtputf8) {
    if (!in.empty() && in[0] == '"') return parse_quoted_string(in, smtputf8);
    return parse_dot_string(in, smtputf8);
}

// Domain = sub-domain *("." sub-domain)
std::size_t parse_domain(std::string_view in, bool smtputf8) {
    bool label_too_long = false;
    return parse_domain_checked(in, smtputf8, label_too_long);
}

// IPv4-address-literal = Snum 3("." Snum)
bool is_ipv4_address_literal(std::string_view in) {
    std::size_t i = 0;
    for (int k = 0; k < 4; ++k) {
        if (k > 0) {
            if (i >= in.size() || in[i] != '.') return false;
            ++i;
        }
        std::size_t n = parse_snum(in.substr(i));
        if (n == 0) return false;
        i += n;
    }
    return i == in.size();
}

// IPv6-addr = IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp (RFC 5321 §4.1.3):
// 8 groups; or "::" with at most 6 groups beside it; or 6 groups and an IPv4 tail; or
// "::" with at most 4 groups beside it and an IPv4 tail.
bool is_ipv6_addr(std::string_view in) {
    std::string_view hex = in;
    bool v4 = false;
    if (in.find('.') != std::string_view::npos) {
        std::size_t colon = in.rfind(':');
        if (colon == std::string_view::npos || !is_ipv4_address_literal(in.substr(colon + 1))) return false;
        v4 = true;
        // Keep a "::" right before the IPv4 part; drop a single separating ":".
        if (colon >= 1 && in[colon - 1] == ':') {
            hex = in.substr(0, colon + 1);
        } else {
            if (colon == 0) return false;
            hex = in.substr(0, colon);
        }
    }
    std::size_t dc = hex.find("::");
    std::size_t left = 0, right = 0;
    if (dc == std::string_view::npos) {
        if (!parse_ipv6_hex_groups(hex, left) || hex.empty()) return false;
        return left == (v4 ? 6u : 8u);
    }
    if (!parse_ipv6_hex_groups(hex.substr(0, dc), left)) return false;
    if (!parse_ipv6_hex_groups(hex.substr(dc + 2), right)) return false;
    return left + right <= (v4 ? 4u : 6u);
}

// General-address-literal = Standardized-tag ":" 1*dcontent; Standardized-tag = Ldh-str;
// dcontent = %d33-90 / %d94-126. The tag "IPv6" is reserved for IPv6-address-literal.
bool is_general_address_literal(std::string_view in) {
    std::size_t colon = in.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 >= in.size()) return false;
    std::string_view tag = in.substr(0, colon);
    for (char ch : tag) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (!is_let_dig(c) && c != '-') return false;
    }
    if (!is_let_dig(static_cast<unsigned char>(tag.back()))) return false;
    if (iequals(tag, "IPv6")) return false;
    for (char ch : in.substr(colon + 1)) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c < 33 || c > 126 || c == '[' || c == '\\' || c == ']') return false;
    }
    return true;
}

// address-literal = "[" ( IPv4-address-literal / IPv6-address-literal /
//                         General-address-literal ) "]"; IPv6-address-literal = "IPv6:" IPv6-addr
std::size_t parse_address_literal(std::string_view in) {
    if (in.empty() || in[0] != '[') return 0;
    std::size_t close = in.find(']');
    if (close == std::string_view::npos) return 0;
    std::string_view body = in.substr(1, close - 1);
    bool ok = false;
    if (body.size() > 5 && iequals(body.substr(0, 5), "IPv6:")) {
        ok = is_ipv6_addr(body.substr(5));
    } else {
        ok = is_ipv4_address_literal(body) || is_general_address_literal(body);
    }
    return ok ? close + 1 : 0;
}

// A-d-l = At-domain *( "," At-domain ); At-domain = "@" Domain
std::size_t parse_a_d_l(std::string_view in, std::vector<std::string>& route) {
    route.clear();
    std::size_t i = 0;
    for (;;) {
        if (i >= in.size() || in[i] != '@') return 0;
        std::size_t n = parse_domain(in.substr(i + 1), true);
        if (n == 0) return 0;
        route.emplace_back(in.substr(i + 1, n));
        i += 1 + n;
        if (i < in.size() && in[i] == ',') {
            ++i;
            continue;
        }
        return i;
    }
}

bool is_valid_utf8(std::string_view in) {
    for (std::size_t i = 0; i < in.size();) {
        if (static_cast<unsigned char>(in[i]) < 0x80) {
            ++i;
            continue;
        }
        std::size_t n = utf8_non_ascii(in, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

Parsed<Path> parse_reverse_path(std::string_view in, bool smtputf8) { return parse_path(in, smtputf8, true); }

Parsed<Path> parse_forward_path(std::string_view in, bool smtputf8) { return parse_path(in, smtputf8, false); }

AddressError parse_reverse_path_into(std::string_view in, bool smtputf8, Path& out, std::size_t& consumed) {
    return parse_path(in, smtputf8, true, out, consumed);
}

AddressError parse_forward_path_into(std::string_view in, bool smtputf8, Path& out, std::size_t& consumed) {
    return parse_path(in, smtputf8, false, out, consumed);
}

Parsed<Mailbox> parse_mailbox(std::string_view in, bool smtputf8) {
    Parsed<Mailbox> r;
    bool label_too_long = false;
    std::size_t n = parse_mailbox_prefix(in, r.value, label_too_long);
    if (n == 0 || n != in.size()) {
        r.value = Mailbox{};
        r.error = AddressError::syntax;
        return r;
    }
    r.error = check_mailbox(r.value, label_too_long, smtputf8);
    if (r.error == AddressError::none) r.consumed = n;
    return r;
}

bool is_valid_domain(std::string_view domain, bool smtputf8) {
    bool label_too_long = false;
    std::size_t n = parse_domain_checked(domain, true, label_too_long);
    if (n == 0 || n != domain.size() || label_too_long || domain.size() > k_max_domain) return false;
    return smtputf8 || !has_non_ascii(domain);
}

std::string local_part_unquoted(const Mailbox& box) {
    const std::string& s = box.local_part;
    if (s.size() < 2 || s.front() != '"' || s.back() != '"') return s;
    std::string out;
    out.reserve(s.size() - 2);
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        if (s[i] == '\\' && i + 2 < s.size()) ++i;  // quoted-pairSMTP: keep the escaped char
        out += s[i];
    }
    return out;
}

const char* address_error_text(AddressError e) {
    switch (e) {
    case AddressError::none: return "ok";
    case AddressError::syntax: return "syntax error in address";
    case AddressError::local_part_too_long: return "local part longer than 64 octets";
    case AddressError::domain_too_long: return "domain name too long";
    case AddressError::path_too_long: return "path longer than 256 octets";
    case AddressError::utf8_not_permitted: return "non-ASCII address without SMTPUTF8";
    }
    return "unknown address error";
}

}  // namespace relaylab
