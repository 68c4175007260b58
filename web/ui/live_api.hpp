#pragma once
// The JS API's Live-mode ops (assets/web/live.js feeds the stream, tests read the list):
//   {"op":"live_available","on":true}   the page is served by a relay: offer the Live button
//   {"op":"live_connected","on":bool}   the WebSocket is open (shown in the list)
//   {"op":"live_feed","text":"…"}       one message of GET /api/v1/live, as received
//   {"op":"live_sessions"}              → [{id, role, peer, started, status, messages}] newest first
//   {"op":"live_open","id":"in-3"}      show that session (or a queue id's whole route)
//   {"op":"live_mode","on":bool}        Live mode on or off
//   {"op":"live_rebuild","id":"in-3"}   "Open in the simulator": the world rebuilt from that
//                                       session (or route), loaded → {ok, name, notes, json} or {ok:false, error}
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "web/ui/app.hpp"

namespace relaylab::ui {

// The answer ({"ok":…}) when `op` is one of those; nullopt otherwise.
std::optional<nlohmann::ordered_json> live_api(App& app, const std::string& op, const nlohmann::ordered_json& req);

}  // namespace relaylab::ui
