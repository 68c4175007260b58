#pragma once
// xtext (RFC 3461 §4): used by ENVID, ORCPT and AUTH= parameters.
#include <optional>
#include <string>
#include <string_view>

namespace relaylab {

// Strict: "+" must be followed by two upper-case hex digits; characters outside
// "!" .. "~" and a bare "=" are rejected.
std::optional<std::string> xtext_decode(std::string_view);
// "+", "=" and every byte outside "!" .. "~" become "+XX".
std::string xtext_encode(std::string_view);

}  // namespace relaylab
