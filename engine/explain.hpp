#pragma once
// Plain-language explanations of SMTP commands and replies for the UI.
#include <string>
#include <string_view>

#include "engine/command.hpp"

namespace relaylab {

struct Explanation {
    std::string text;
    std::string rfc;  // like "RFC 5321 §4.1.1.2"
};
Explanation explain_command(Verb verb);
// Uses the enhanced code's meaning (RFC 3463 subject and detail) and the reply class
// (RFC 5321 §4.2.1).
Explanation explain_reply(int code, std::string_view enhanced);
// A line of an EHLO reply after the first (its text without "250-"): what the keyword offers.
Explanation explain_ehlo_line(std::string_view line);
// RFC 3463 §3 plus the IANA registry entries we use; empty when unknown.
std::string enhanced_code_meaning(std::string_view enhanced);

}  // namespace relaylab
