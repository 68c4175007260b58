#pragma once
// Chaos switches: failures a server can be told to produce on purpose, so an application
// under test meets the replies a real mail system gives on a bad day — the failure
// switches the simulator teaches, on the relay's real ports. Mailpit's three triggers
// (an error code with a probability at MAIL, RCPT and AUTH) and relaylab's own: greylisting
// (engine/greylist.hpp), every Nth message deferred at the end of DATA, slow replies, and
// the connection dropped after DATA without a reply.
//
// Pure decisions: the host passes in the random draw (a number 0..99) and the message
// count; nothing here reads a clock or a random source. All off by default.
#include <cstdint>
#include <optional>

#include "engine/reply.hpp"

namespace relaylab {

// Mailpit's trigger: ErrorCode 400..599, Probability 0..100 (percent).
struct ChaosTrigger {
    int error_code = 451;
    int probability = 0;
    bool operator==(const ChaosTrigger&) const = default;
};

struct ChaosSettings {
    ChaosTrigger sender{451, 0};          // at MAIL FROM
    ChaosTrigger recipient{451, 0};       // at RCPT TO
    ChaosTrigger authentication{535, 0};  // at AUTH
    bool greylist = false;                // 451 4.7.1 for a first-seen triple (RFC 6647)
    std::int64_t greylist_delay_ms = 60'000;
    std::uint32_t defer_every = 0;        // every Nth message gets 451 4.3.0 after DATA; 0 = off
    std::int64_t slow_reply_ms = 0;       // every reply is held back this long; 0 = off
    int drop_after_data = 0;              // percent: close after DATA without a reply
    bool operator==(const ChaosSettings&) const = default;
};

// Is any switch on? (For the page and /metrics.)
bool chaos_active(const ChaosSettings& settings);

// Limits the REST API and the configuration check; nullopt when acceptable, else what is wrong.
constexpr int k_chaos_min_code = 400, k_chaos_max_code = 599;
constexpr std::int64_t k_chaos_max_delay_ms = 86'400'000;  // greylist delay: a day
constexpr std::int64_t k_chaos_max_slow_ms = 600'000;      // 10 minutes: past every client timeout of RFC 5321 §4.5.3.2
const char* chaos_trigger_problem(const ChaosTrigger& trigger);

// Does a switch with `probability` percent fire for `draw` (uniform in 0..99)? Exact at the
// ends: 0 never fires, 100 always does.
bool chaos_fires(int probability, unsigned draw);

enum class ChaosStage { sender, recipient, authentication };

// The reply the trigger of `stage` gives for this draw, or nullopt. The enhanced code
// follows the reply's class (RFC 3463): X.7.8 for a permanent AUTH failure (RFC 4954 §6),
// X.7.0 for a transient one, X.0.0 (other or undefined) at MAIL and RCPT.
std::optional<Reply> chaos_reply(const ChaosSettings& settings, ChaosStage stage, unsigned draw);

// What becomes of a complete message (end of DATA or BDAT LAST). message_number counts the
// messages that reached this point since the switches were last set, from 1.
//  drop:  the connection is closed without a reply; the message is not kept (the client
//         sees no reply, so it must assume failure and retry, RFC 5321 §4.1.1.4 / §6.1)
//  defer: "451 4.3.0" and the message is not kept (the client keeps it and retries)
enum class DataChaos { none, defer, drop };
DataChaos chaos_after_data(const ChaosSettings& settings, std::uint64_t message_number, unsigned drop_draw);
Reply chaos_defer_reply();

}  // namespace relaylab
