// SASL PLAIN, RFC 4616 §2.
#include "engine/sasl.hpp"

namespace relaylab {

std::optional<PlainCredentials> parse_sasl_plain(std::string_view decoded) {
    // message = [authzid] UTF8NUL authcid UTF8NUL passwd; authcid and passwd are
    // 1*SAFE (non-empty, no NUL); each part is at most 255 octets (RFC 4616 §2).
    auto first = decoded.find('\0');
    if (first == std::string_view::npos) return std::nullopt;
    auto second = decoded.find('\0', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    std::string_view authzid = decoded.substr(0, first);
    std::string_view authcid = decoded.substr(first + 1, second - first - 1);
    std::string_view password = decoded.substr(second + 1);
    if (password.find('\0') != std::string_view::npos) return std::nullopt;
    if (authcid.empty() || password.empty()) return std::nullopt;
    if (authzid.size() > 255 || authcid.size() > 255 || password.size() > 255) return std::nullopt;
    return PlainCredentials{std::string(authzid), std::string(authcid), std::string(password)};
}

std::string make_sasl_plain(std::string_view authzid, std::string_view authcid, std::string_view password) {
    std::string out;
    out.reserve(authzid.size() + authcid.size() + password.size() + 2);
    out += authzid;
    out += '\0';
    out += authcid;
    out += '\0';
    out += password;
    return out;
}

}  // namespace relaylab
