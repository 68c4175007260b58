// Workshop rooms on the relay (rooms.hpp): creating one (random id and read-only token from
// libsodium) and the presenter's pushes; the followers' WebSockets are live_ws.cpp's.
#include <sodium.h>

#include <nlohmann/json.hpp>

#include "native/log.hpp"
#include "native/relay.hpp"

namespace relaylab::native {

namespace {
std::string random_hex(std::size_t bytes) {
    std::string raw(bytes, '\0');
    randombytes_buf(raw.data(), raw.size());
    std::string hex(bytes * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
    hex.pop_back();
    return hex;
}
}  // namespace

std::optional<ApiResponse> Relay::room_request(const std::string& method, const std::string& target,
                                               const std::string& body, bool admin) {
    ApiResponse r;
    if (target == "/api/v1/rooms") {
        if (method != "POST") return MailpitApi::error(405, "POST /api/v1/rooms opens a room");
        if (!admin) return MailpitApi::error(403, "opening a room needs the admin credentials");
        const Room& room = rooms_.create(random_hex(6), random_hex(16));
        log_event("room-open", {{"room", room.id}});
        r.status = 201;
        r.body = nlohmann::json{{"id", room.id},
                                {"token", room.token},
                                {"link", "/?room=" + room.id + "&token=" + room.token}}
                     .dump();
        return r;
    }
    Room* room = rooms_.find(room_of_path(target));
    if (!room) return MailpitApi::error(404, "no such room");
    if (method == "GET") {
        r.body = Rooms::state_json(*room);
        return r;
    }
    if (method == "PUT") {
        if (!admin) return MailpitApi::error(403, "only the presenter moves the room");
        if (body.size() > 4096) return MailpitApi::error(413, "a room's state is a link fragment");
        rooms_.push(*room, body);
        r.body = Rooms::state_json(*room);
        return r;
    }
    return MailpitApi::error(405, "GET or PUT");
}

}  // namespace relaylab::native
