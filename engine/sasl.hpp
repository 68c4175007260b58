#pragma once
// SASL PLAIN (RFC 4616) as carried by SMTP AUTH (RFC 4954).
#include <optional>
#include <string>
#include <string_view>

namespace relaylab {

struct PlainCredentials {
    std::string authzid, authcid, password;
};
// message = [authzid] NUL authcid NUL passwd (RFC 4616 §2), already base64-decoded.
std::optional<PlainCredentials> parse_sasl_plain(std::string_view decoded);
// Builds the message (not base64-encoded).
std::string make_sasl_plain(std::string_view authzid, std::string_view authcid, std::string_view password);

}  // namespace relaylab
