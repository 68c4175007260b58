#pragma once
// The JSON objects of a run's steps and messages, defined once: `relaylab sim --format
// json` prints them and the page's window.relaylab.state() returns the same objects
// (web/ui/api.cpp adds them to its document as they are, without printing and parsing).
// Every field and enum value is described in docs/trace-format.md.
#include <nlohmann/json.hpp>

#include "sim/step.hpp"

namespace relaylab::sim {

using Json = nlohmann::ordered_json;

// {t_ms, time, kind, phase, topic, from, to, text, verb, code, enhanced, reply_class,
//  reply_line, outcome, note, state_before, state_after, wire, secret, explain, rfc, message,
//  connection}; explain and rfc come from explain_event().
Json step_json(const Step& step);
// {id, from, to, status, code, enhanced, final_host, deferrals}
Json message_json(const MessageStatus& message);
Json messages_json_array(const std::vector<MessageStatus>& messages);

}  // namespace relaylab::sim
