#pragma once
// The WebSockets on the HTTP listener (Boost.Beast): GET /api/v1/live (the live view's
// trace events, live_hub.hpp) and GET /api/events (Mailpit's new-message events). http.cpp
// hands an upgrade request over after the credentials check (http_access) passed.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "native/relay.hpp"

namespace relaylab::native {

struct LiveUpgrade {
    boost::beast::tcp_stream& stream;  // moved into the WebSocket
    boost::beast::http::request<boost::beast::http::string_body>& request;
    bool inbox = false;  // /api/events rather than /api/v1/live
};

// Is this request a WebSocket upgrade for one of those paths?
inline bool live_upgrade_path(const std::string& target) {
    return target == "/api/v1/live" || target == "/api/events";
}

}  // namespace relaylab::native
