#include "native/rooms.hpp"

#include <nlohmann/json.hpp>

namespace relaylab::native {

const Room& Rooms::create(std::string id, std::string token) {
    while (rooms_.size() >= k_max_rooms) rooms_.pop_front();
    Room r;
    r.id = std::move(id);
    r.token = std::move(token);
    rooms_.push_back(std::move(r));
    return rooms_.back();
}

Room* Rooms::find(std::string_view id) {
    for (Room& r : rooms_)
        if (r.id == id) return &r;
    return nullptr;
}

std::string Rooms::state_json(const Room& room) {
    return nlohmann::json{{"type", "state"}, {"id", room.id}, {"fragment", room.fragment}}.dump();
}

void Rooms::push(Room& room, std::string fragment) {
    room.fragment = std::move(fragment);
    room.followers->publish(std::make_shared<const std::string>(state_json(room)));
}

std::string room_of_path(std::string_view path, bool* follow) {
    static constexpr std::string_view base = "/api/v1/rooms/";
    if (follow) *follow = false;
    if (path.substr(0, base.size()) != base) return {};
    std::string_view rest = path.substr(base.size());
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        if (rest.substr(slash) != "/follow") return {};
        if (follow) *follow = true;
        rest = rest.substr(0, slash);
    }
    return std::string(rest);
}

std::optional<Rooms::Grant> Rooms::access(std::string_view path, std::string_view authorization,
                                          std::string_view cookie, std::string_view query) const {
    const bool api = path.substr(0, 5) == "/api/" || path == "/metrics" || path.substr(0, 6) == "/view/";
    const std::string id = room_of_path(path);
    for (const Room& r : rooms_) {
        if (api && id != r.id) continue;  // a room token opens its own room's paths, no other API
        const HttpAccess a = http_access(r.token, path, authorization, cookie, query);
        if (a == HttpAccess::granted || a == HttpAccess::granted_by_query) return Grant{a, r.token};
    }
    return std::nullopt;
}

}  // namespace relaylab::native
