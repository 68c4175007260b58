#pragma once
// Which recipients a captured message may be released to (the sandbox's allow-list, as
// Mailpit's allowed-recipients setting): without it, an API that relays captured mail to any
// address would be an open relay. Pure; the relay's configuration holds the patterns.
//
// A pattern is one of (ASCII case-insensitive, as domains are, RFC 5321 §2.4; local parts
// are compared case-insensitively too, which is stricter, never looser):
//   "dest.test"          every address at that domain (not its subdomains)
//   "*.dest.test"        every address at a subdomain of dest.test
//   "bob@dest.test"      that one address
//   "*@dest.test", "team-*@dest.test"   a glob over the whole address ("*" any run, "?" one)
#include <string>
#include <string_view>
#include <vector>

namespace relaylab {

// An error for a malformed pattern ("" when it is fine): empty, whitespace, or more than one @.
std::string release_pattern_error(std::string_view pattern);

// True when `address` ("user@domain") matches one of the patterns; never with no patterns.
bool release_allowed(const std::vector<std::string>& patterns, std::string_view address);

}  // namespace relaylab
