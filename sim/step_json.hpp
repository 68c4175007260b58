#pragma once
// The JSON objects of a run's steps and messages, defined once: `relaylab sim --format
// json` prints them and the page's window.relaylab.state() returns the same objects
// (web/ui/api.cpp adds them to its document as they are, without printing and parsing).
// Every field and enum value is described in docs/trace-format.md. Both directions live
// here: read_step_json() turns a step object (or a line of the relay's live stream, which
// is a step object with a few more keys) back into typed values.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/step.hpp"

namespace relaylab::sim {

using Json = nlohmann::ordered_json;

// {t_ms, time, kind, phase, topic, from, to, text, verb, code, enhanced, reply_class,
//  reply_line, outcome, note, state_before, state_after, wire, secret, dns, connect, explain,
//  rfc, message, connection}; explain and rfc come from explain_event().
Json step_json(const Step& step);
// {id, from, to, status, code, enhanced, final_host, deferrals}
Json message_json(const MessageStatus& message);
Json messages_json_array(const std::vector<MessageStatus>& messages);

// One step object read back: the Step (no `changes`: the JSON has none), and what the live
// stream adds (`session`, `role`, `peer`, `queue_id`, `at`, `next_attempt_at`), "" / nullopt when absent.
// `explain` and `rfc` stay empty when they are what explain_event() computes from the typed
// fields (a session's line), so write → read gives back the same event.
struct StepRecord {
    Step step;
    std::string session;  // live: the session id
    std::string role;     // live: smtp | submission | submissions | outbound | queue
    std::string peer;     // live: the other end's address
    std::string queue_id;
    std::optional<std::int64_t> at_ms;  // live: wall-clock time (ms since the epoch)
    // live, a queue event for a deferred recipient: when its next try is due (wall clock ms)
    std::optional<std::int64_t> next_attempt_at_ms;
    bool operator==(const StepRecord&) const = default;
};
struct StepRead {
    std::optional<StepRecord> record;
    std::string error;  // "kind: unknown value \"x\"" when it fails
};
// Never throws. Unknown keys are ignored (the stream may grow); a known key of the wrong
// type or an unknown enum name is an error.
StepRead read_step_json(const Json& object);
StepRead read_step_json_text(std::string_view text);  // one JSON object (one jsonl line)

}  // namespace relaylab::sim
