#pragma once
// Plain-language explanations of SMTP commands and replies for the UI.
#include <string>
#include <string_view>

#include "engine/command.hpp"
#include "engine/trace.hpp"

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
// What one trace event means, from its typed fields: a command from its verb (an AUTH line
// that is all credentials is the answer to a challenge), a reply from its code and enhanced
// code (an EHLO extension line from its keyword), a state change from the states, a
// session's notice from its TraceNote. Steps the simulator composed with prose of their own
// (DNS, connect, the TLS layer, queue) keep it: it is returned as it is.
Explanation explain_event(const TraceEvent& event);
// What a session's notice means (the sessions write no prose of their own).
Explanation explain_note(TraceNote note);
// RFC 3463 §3 plus the IANA registry entries we use; empty when unknown.
std::string enhanced_code_meaning(std::string_view enhanced);

}  // namespace relaylab
