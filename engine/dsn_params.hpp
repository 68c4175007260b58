#pragma once
// What a sender asks of delivery status notifications (RFC 3461): the per-recipient NOTIFY
// and the action a notice reports. Shared by the RCPT parameter parser, the queue and the
// DSN composer, so one value travels from the wire to the notice without re-encoding.
#include <optional>
#include <string>
#include <string_view>

namespace relaylab {

// RFC 3464 §2.3.3 action-value.
enum class DsnAction { failed, delayed, delivered, relayed, expanded };
const char* dsn_action_name(DsnAction action);

// NOTIFY (RFC 3461 §4.1): NEVER, or any of SUCCESS, FAILURE, DELAY.
struct DsnNotify {
    bool never = false;
    bool success = false;
    bool failure = true;  // absent NOTIFY: failure and delay (RFC 3461 §4.1 allows either
    bool delay = true;    // FAILURE or FAILURE,DELAY as the default)
    bool wants(DsnAction action) const;
    bool operator==(const DsnNotify&) const = default;
};
// Parses the NOTIFY value ("NEVER", "SUCCESS,DELAY", case-insensitive); nullopt when
// malformed (NEVER combined with others, unknown keyword, empty item).
std::optional<DsnNotify> parse_notify(std::string_view value);
// The wire form: "NEVER" or "SUCCESS,FAILURE,DELAY" (RFC 3461 §4.1).
std::string notify_wire_value(const DsnNotify& notify);

}  // namespace relaylab
