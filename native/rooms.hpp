#pragma once
// Rooms for workshops: a presenter (admin credentials) opens a room; the room's link carries
// a room-scoped, read-only token; students open it and follow the presenter's scenario, step
// and switches (the page's link fragment) over a WebSocket. No sockets here (live_ws.cpp
// carries the followers): the registry, the state pushed, and what a room token opens.
//   POST /api/v1/rooms                 (admin) → {"id","token","link"}
//   PUT  /api/v1/rooms/{id}            (admin) body: the fragment "scenario=…&step=…"
//   GET  /api/v1/rooms/{id}            (admin or the room's token) → {"id","fragment"}
//   GET  /api/v1/rooms/{id}/follow     WebSocket: {"type":"state","fragment":…} now and on change
// A room token opens only the page's files and its own room's paths: never the rest of the API,
// the inbox, the live view or /metrics (students never get the admin token).
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "native/http_auth.hpp"
#include "native/live_hub.hpp"

namespace relaylab::native {

struct Room {
    std::string id, token;
    std::string fragment;  // the presenter's last state, "" until the first push
    std::shared_ptr<LiveFeed> followers = std::make_shared<LiveFeed>(64, 1u << 16);
};

class Rooms {
public:
    static constexpr std::size_t k_max_rooms = 16;
    // id and token come from the caller (random); the oldest room goes beyond k_max_rooms.
    const Room& create(std::string id, std::string token);
    Room* find(std::string_view id);
    void push(Room& room, std::string fragment);  // followers get state_json
    static std::string state_json(const Room& room);  // {"type":"state","id","fragment"}

    struct Grant {
        HttpAccess access = HttpAccess::denied;
        std::string token;  // the room's: the session cookie to set on a ?token= grant
    };
    // A request the admin check refused: does a room's token (header, cookie or ?token=)
    // open this path? The page's files and that room's own paths only.
    std::optional<Grant> access(std::string_view path, std::string_view authorization, std::string_view cookie,
                                std::string_view query) const;

private:
    std::deque<Room> rooms_;
};

// "/api/v1/rooms/{id}" or "/api/v1/rooms/{id}/follow" → id ("" otherwise); *follow set.
std::string room_of_path(std::string_view path, bool* follow = nullptr);

}  // namespace relaylab::native
