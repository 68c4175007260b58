// Workshop rooms (native/rooms.hpp): a room's read-only token opens the page and its own
// room's paths, nothing else of the API; the presenter's pushes reach every follower.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "native/rooms.hpp"

using namespace relaylab::native;

TEST_CASE("rooms: a room token opens the page's files and its own room, no other API") {
    Rooms rooms;
    const Room& a = rooms.create("aaa", "room-token-aaaaaaaaaaaaaaaa");
    rooms.create("bbb", "room-token-bbbbbbbbbbbbbbbb");
    const std::string bearer = "Bearer " + a.token;
    CHECK(rooms.access("/index.html", bearer, "", "").has_value());
    CHECK(rooms.access("/relaylab.wasm", bearer, "", "").has_value());
    CHECK(rooms.access("/api/v1/rooms/aaa/follow", bearer, "", "").has_value());
    CHECK(rooms.access("/api/v1/rooms/aaa", bearer, "", "").has_value());
    CHECK_FALSE(rooms.access("/api/v1/rooms/bbb/follow", bearer, "", ""));  // another room
    CHECK_FALSE(rooms.access("/api/v1/rooms", bearer, "", ""));             // opening rooms: admin
    for (const char* path : {"/api/v1/messages", "/api/v1/live", "/api/v1/live/sessions", "/api/events",
                             "/api/v1/chaos", "/metrics", "/view/x.html"})
        CHECK_MESSAGE(!rooms.access(path, bearer, "", ""), path);
    CHECK_FALSE(rooms.access("/index.html", "Bearer wrong-token-0123456789", "", ""));
    // The link's ?token= grants, and names the room's token for the cookie.
    auto g = rooms.access("/", "", "", "room=aaa&token=" + a.token);
    REQUIRE(g);
    CHECK(g->access == HttpAccess::granted_by_query);
    CHECK(g->token == a.token);
    // ... which the browser then sends back.
    const std::string cookie = http_session_cookie(a.token);
    CHECK(rooms.access("/relaylab.js", "", cookie.substr(0, cookie.find(';')), ""));
}

TEST_CASE("rooms: a push reaches every follower as {type: state, fragment}; at most 16 rooms") {
    Rooms rooms;
    rooms.create("r1", "room-token-1111111111111111");
    Room* r = rooms.find("r1");
    REQUIRE(r);
    auto f1 = r->followers->attach(nullptr);
    auto f2 = r->followers->attach(nullptr);
    rooms.push(*r, "scenario=happy-path&step=4");
    for (auto* f : {f1.get(), f2.get()}) {
        auto texts = LiveFeed::take(*f);
        REQUIRE(texts.size() == 1);
        const auto j = nlohmann::json::parse(*texts[0]);
        CHECK(j["type"] == "state");
        CHECK(j["fragment"] == "scenario=happy-path&step=4");
    }
    for (int i = 0; i < 20; ++i) rooms.create("x" + std::to_string(i), "room-token-xxxxxxxxxxxxxxxx");
    CHECK(rooms.find("r1") == nullptr);  // the oldest went
    CHECK(rooms.find("x19") != nullptr);
    CHECK(room_of_path("/api/v1/rooms/abc") == "abc");
    bool follow = false;
    CHECK(room_of_path("/api/v1/rooms/abc/follow", &follow) == "abc");
    CHECK(follow);
    CHECK(room_of_path("/api/v1/rooms/abc/other").empty());
}
