#pragma once
// Base64 (RFC 4648 §4), as SMTP AUTH uses it (RFC 4954 §4).
#include <optional>
#include <string>
#include <string_view>

namespace relaylab {

std::string base64_encode(std::string_view bytes);
// Strict: the standard alphabet, correct "=" padding, zero pad bits, no whitespace.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace relaylab
