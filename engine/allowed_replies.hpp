#pragma once
// The replies a server may give to each command: RFC 5321 §4.3.2 ("Command-Reply
// Sequences") for the base commands, RFC 3207 §4 (STARTTLS), RFC 4954 §6 (AUTH, and 530 at
// MAIL), RFC 3030 §2 (BDAT). Each reply carries the enhanced status code of RFC 3463 a
// server would usually send with it and a short text in plain words. The quiz pads its
// choices from this table (sim/quiz.hpp).
#include <span>
#include <string_view>

#include "engine/command.hpp"

namespace relaylab {

struct AllowedReply {
    int code = 0;
    const char* enhanced = "";  // RFC 3463 §3 ("" where none is sent: greeting, EHLO, 354, 334)
    const char* text = "";      // a short meaning
    const char* rfc = "";       // where the code is allowed for this command
};

// What a reply answers: the server's greeting on a new connection, a command, or the end
// of the message content after DATA's 354 (RFC 5321 §4.3.2 lists that separately).
enum class ReplyTo { greeting, command, end_of_data };

// The replies allowed there, success first, then in the order the RFC lists them. `verb`
// matters only for ReplyTo::command; an unknown verb gets replies_to_any_command().
std::span<const AllowedReply> allowed_replies(ReplyTo to, Verb verb = Verb::unknown);
// What any command may meet: 421 (RFC 5321 §3.8), 500, 501, 502 (§4.2.2, §4.2.4).
std::span<const AllowedReply> replies_to_any_command();

// The table entry with this code and enhanced code; failing that the first with this code;
// nullptr if none.
const AllowedReply* find_allowed_reply(ReplyTo to, Verb verb, int code, std::string_view enhanced);

}  // namespace relaylab
