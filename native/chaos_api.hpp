#pragma once
// GET and PUT /api/v1/chaos: the chaos switches over HTTP (engine/chaos.hpp), in Mailpit's
// shape so its clients work unchanged —
//   {"Sender": {"ErrorCode": 451, "Probability": 50}, "Recipient": {...}, "Authentication": {...}}
// — plus relaylab's own switches under "Relaylab":
//   {"Greylist": {"Enabled": true, "DelayMs": 60000}, "DeferEvery": 3, "SlowRepliesMs": 0,
//    "DropAfterData": {"Probability": 0}}
// PUT replaces everything, as Mailpit's does: what the body leaves out is reset to its
// default (probability 0, switch off), so "{}" turns every switch off. A body wrapped in
// {"Triggers": {...}} is read the same. Pure: the relay keeps the settings and applies them.
#include <optional>
#include <string>
#include <string_view>

#include "engine/chaos.hpp"

namespace relaylab::native {

struct ApiReply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

std::string chaos_json(const ChaosSettings& settings);
// nullopt and `error` (naming the field) when the body is not acceptable.
std::optional<ChaosSettings> parse_chaos_json(std::string_view body, std::string& error);

// method: "GET", "HEAD" or "PUT" (others: 405). On a valid PUT `settings` is replaced and
// `changed` set; a bad body is 400 with the reason in plain text (as Mailpit answers).
ApiReply chaos_api(std::string_view method, std::string_view body, ChaosSettings& settings, bool& changed);

}  // namespace relaylab::native
