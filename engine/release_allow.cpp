#include "engine/release_allow.hpp"

#include "engine/ascii.hpp"

namespace relaylab {

namespace {

// "*" matches any run of characters, "?" exactly one; iterative with one backtrack point.
bool glob_match(std::string_view pat, std::string_view text) {
    std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
    while (t < text.size()) {
        if (p < pat.size() && (pat[p] == '?' || ascii_lower(pat[p]) == ascii_lower(text[t]))) {
            ++p;
            ++t;
        } else if (p < pat.size() && pat[p] == '*') {
            star = p++;
            mark = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pat.size() && pat[p] == '*') ++p;
    return p == pat.size();
}

}  // namespace

std::string release_pattern_error(std::string_view pattern) {
    if (pattern.empty()) return "an empty pattern";
    for (char c : pattern)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "whitespace or a control character";
    const auto at = pattern.find('@');
    if (at != std::string_view::npos && pattern.find('@', at + 1) != std::string_view::npos) return "more than one @";
    if (at != std::string_view::npos && (at == 0 || at + 1 == pattern.size())) return "nothing before or after the @";
    return {};
}

bool release_allowed(const std::vector<std::string>& patterns, std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
    const std::string_view domain = address.substr(at + 1);
    for (const std::string& pat : patterns) {
        if (!release_pattern_error(pat).empty()) continue;
        if (pat.find('@') != std::string::npos) {
            if (glob_match(pat, address)) return true;
        } else if (glob_match(pat, domain)) {  // a domain pattern: the whole domain matches it
            return true;
        }
    }
    return false;
}

}  // namespace relaylab
