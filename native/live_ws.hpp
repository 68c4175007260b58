#pragma once
// The WebSockets on the HTTP listener (Boost.Beast): GET /api/v1/live (the live view's
// trace events, live_hub.hpp), GET /api/events (Mailpit's new-message events) and
// GET /api/v1/rooms/{id}/follow (a workshop room, rooms.hpp). http.cpp
// hands an upgrade request over after the credentials check (http_access) passed.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <optional>

#include "native/relay.hpp"
#include "native/rooms.hpp"

namespace relaylab::native {

struct LiveUpgrade {
    boost::beast::tcp_stream& stream;  // moved into the WebSocket
    boost::beast::http::request<boost::beast::http::string_body>& request;
    enum class Kind { live, inbox, room } kind = Kind::live;
    std::string room;  // Kind::room: the room followed (rooms.hpp)
};

// Which WebSocket a path is: /api/v1/live, /api/events, /api/v1/rooms/{id}/follow.
inline std::optional<LiveUpgrade::Kind> live_upgrade_kind(const std::string& target) {
    if (target == "/api/v1/live") return LiveUpgrade::Kind::live;
    if (target == "/api/events") return LiveUpgrade::Kind::inbox;
    bool follow = false;
    if (!room_of_path(target, &follow).empty() && follow) return LiveUpgrade::Kind::room;
    return std::nullopt;
}

}  // namespace relaylab::native
