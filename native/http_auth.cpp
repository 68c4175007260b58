#include "native/http_auth.hpp"

#include <sodium.h>

#include <array>

#include "engine/ascii.hpp"
#include "engine/base64.hpp"

namespace relaylab::native {

namespace {

constexpr std::string_view k_cookie_name = "relaylab_session";

// Comparing digests of equal length in constant time: a wrong guess takes as long however
// many of its leading characters are right.
using Digest = std::array<unsigned char, crypto_generichash_BYTES>;

Digest digest(std::string_view text, std::string_view context) {
    Digest out{};
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, out.size());
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(context.data()), context.size());
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    crypto_generichash_final(&st, out.data(), out.size());
    return out;
}

bool same_secret(std::string_view candidate, std::string_view token) {
    const Digest a = digest(candidate, "token:"), b = digest(token, "token:");
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The cookie's value: hex of a digest of the token (the cookie never holds the token).
std::string cookie_value(std::string_view token) {
    const Digest d = digest(token, "relaylab http session cookie:");
    std::string hex(d.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), d.data(), d.size());
    hex.pop_back();
    return hex;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Authorization: "Bearer <token>" (RFC 6750 §2.1) or "Basic <base64 user:password>" (RFC 7617 §2).
bool authorization_ok(std::string_view header, std::string_view token) {
    header = trim(header);
    const std::size_t sp = header.find(' ');
    if (sp == std::string_view::npos) return false;
    const std::string scheme = ascii_lowercase(header.substr(0, sp));
    const std::string_view value = trim(header.substr(sp + 1));
    if (scheme == "bearer") return same_secret(value, token);
    if (scheme == "basic") {
        auto decoded = base64_decode(value);
        if (!decoded) return false;
        const std::size_t colon = decoded->find(':');
        if (colon == std::string::npos) return false;
        return same_secret(std::string_view(*decoded).substr(colon + 1), token);
    }
    return false;
}

// Cookie: "a=b; relaylab_session=...; c=d" (RFC 6265 §5.4).
bool cookie_ok(std::string_view header, std::string_view token) {
    const std::string want = cookie_value(token);
    while (!header.empty()) {
        const std::size_t semi = header.find(';');
        std::string_view pair = trim(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        const std::size_t eq = pair.find('=');
        if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != k_cookie_name) continue;
        if (same_secret(trim(pair.substr(eq + 1)), want)) return true;
    }
    return false;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "token=..." among the query's '&'-separated pairs, percent-decoded (RFC 3986 §2.1).
bool query_ok(std::string_view query, std::string_view token) {
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.substr(0, 6) != "token=") continue;
        std::string value;
        pair.remove_prefix(6);
        for (std::size_t i = 0; i < pair.size(); ++i) {
            if (pair[i] == '%' && i + 2 < pair.size() && hex_digit(pair[i + 1]) >= 0 && hex_digit(pair[i + 2]) >= 0) {
                value += static_cast<char>(hex_digit(pair[i + 1]) * 16 + hex_digit(pair[i + 2]));
                i += 2;
            } else {
                value += pair[i] == '+' ? ' ' : pair[i];
            }
        }
        if (same_secret(value, token)) return true;
    }
    return false;
}

}  // namespace

bool http_token_acceptable(std::string_view token) {
    if (token.size() < 16 || token.size() > 256) return false;
    for (char c : token)
        if (c <= ' ' || c > '~') return false;
    return true;
}

HttpAccess http_access(std::string_view token, std::string_view path, std::string_view authorization,
                       std::string_view cookie, std::string_view query) {
    if (token.empty()) return HttpAccess::open;
    if (path == "/healthz") return HttpAccess::open;
    if (!authorization.empty() && authorization_ok(authorization, token)) return HttpAccess::granted;
    if (!cookie.empty() && cookie_ok(cookie, token)) return HttpAccess::granted;
    if (!query.empty() && query_ok(query, token)) return HttpAccess::granted_by_query;
    return HttpAccess::denied;
}

std::string http_session_cookie(std::string_view token) {
    return std::string(k_cookie_name) + "=" + cookie_value(token) + "; Path=/; HttpOnly; SameSite=Strict";
}

}  // namespace relaylab::native
