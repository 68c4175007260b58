// The live view's bookkeeping (native/live_hub.hpp) and its event JSON (native/live_event.hpp):
// a viewer's buffer is bounded and what it lost is counted and told once it catches up; the
// ring of recent sessions is bounded in sessions and bytes; an event is the simulator's step
// JSON (docs/trace-format.md) plus where it happened, with AUTH credentials masked
// (RFC 4954 §4: the AUTH initial response and the answers to 334 carry them).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/base64.hpp"
#include "engine/server_session.hpp"
#include "native/live_event.hpp"
#include "native/live_hub.hpp"

using namespace relaylab;
using namespace relaylab::native;

namespace {

LiveText text(const std::string& s) { return std::make_shared<const std::string>(s); }

std::vector<std::string> strings(const std::vector<LiveText>& v) {
    std::vector<std::string> out;
    for (const auto& t : v) out.push_back(*t);
    return out;
}

LiveSessionInfo session(const std::string& id, const std::string& message = {}) {
    LiveSessionInfo i;
    i.id = id;
    i.role = "submission";
    i.peer = "127.0.0.1";
    if (!message.empty()) i.messages.push_back(message);
    return i;
}

}  // namespace

TEST_CASE("live feed: a viewer gets every event in order while its buffer has room") {
    LiveFeed feed(3, 1000);
    int wakes = 0;
    auto v = feed.attach([&] { ++wakes; });
    feed.publish(text("a"));
    feed.publish(text("b"));
    CHECK(wakes == 1);  // woken when the buffer stops being empty, not per event
    CHECK(strings(LiveFeed::take(*v)) == std::vector<std::string>{"a", "b"});
    CHECK(LiveFeed::take(*v).empty());
    feed.publish(text("c"));
    CHECK(wakes == 2);
}

TEST_CASE("live feed: a full buffer drops events for that viewer only, and says how many once caught up") {
    LiveFeed feed(2, 1000);
    auto slow = feed.attach(nullptr);
    auto fast = feed.attach(nullptr);
    feed.publish(text("1"));
    feed.publish(text("2"));
    CHECK(strings(LiveFeed::take(*fast)) == std::vector<std::string>{"1", "2"});
    feed.publish(text("3"));  // slow is full: dropped for it
    feed.publish(text("4"));
    CHECK(strings(LiveFeed::take(*fast)) == std::vector<std::string>{"3", "4"});
    CHECK(strings(LiveFeed::take(*slow)) == std::vector<std::string>{"1", "2", R"({"type":"missed","count":2})"});
    feed.publish(text("5"));  // caught up: the count starts again
    CHECK(strings(LiveFeed::take(*slow)) == std::vector<std::string>{"5"});
}

TEST_CASE("live feed: the byte bound counts too, and a detached viewer gets nothing") {
    LiveFeed feed(100, 10);
    auto v = feed.attach(nullptr);
    feed.publish(text("123456"));
    feed.publish(text("789012"));  // 12 bytes > 10: dropped
    CHECK(strings(LiveFeed::take(*v)) == std::vector<std::string>{"123456", R"({"type":"missed","count":1})"});
    CHECK_FALSE(feed.empty());
    feed.detach(v);
    CHECK(feed.empty());
    feed.publish(text("x"));
    CHECK(LiveFeed::take(*v).empty());
}

TEST_CASE("live ring: bounded in sessions, newest first, the oldest go with their message index") {
    LiveRing ring(3, 1 << 20, 100);
    for (int i = 1; i <= 5; ++i) ring.open(session("in-" + std::to_string(i), "Q" + std::to_string(i)));
    CHECK(ring.size() == 3);
    const auto list = ring.list();
    REQUIRE(list.size() == 3);
    CHECK(list[0]->id == "in-5");
    CHECK(list[2]->id == "in-3");
    CHECK(ring.info("in-1") == nullptr);
    CHECK(ring.sessions_of("Q1").empty());
    CHECK(ring.sessions_of("Q4") == std::vector<std::string>{"in-4"});
}

TEST_CASE("live ring: bounded in bytes (never evicting the session being written) and events per session") {
    LiveRing ring(10, 10, 3);
    ring.open(session("a"));
    ring.add_event("a", text("12345"));
    ring.open(session("b"));
    ring.add_event("b", text("12345"));
    CHECK(ring.size() == 2);
    ring.add_event("b", text("12"));  // 12 bytes > 10: "a" goes
    CHECK(ring.size() == 1);
    CHECK(ring.info("a") == nullptr);
    CHECK(ring.bytes() == 7);
    ring.add_event("b", text("1"));
    ring.add_event("b", text("2"));  // the fourth event of b: over the per-session bound
    CHECK(ring.events("b")->size() == 3);
    ring.add_event("nobody", text("x"));  // unknown session: ignored
    CHECK(ring.bytes() == 8);
}

TEST_CASE("live ring: a message's thread is every session that carried it, oldest first") {
    LiveRing ring(10, 1 << 20, 100);
    ring.open(session("in-1"));
    ring.add_message("in-1", "Q7");
    ring.open(session("q-Q7", "Q7"));
    ring.open(session("out-1"));
    ring.add_message("out-1", "Q7");
    ring.add_message("out-1", "Q7");  // once
    CHECK(ring.sessions_of("Q7") == std::vector<std::string>{"in-1", "q-Q7", "out-1"});
    CHECK(ring.info("out-1")->messages.size() == 1);
}

TEST_CASE("live hub: nothing is traced without a viewer unless every session is kept (sandbox)") {
    LiveHub hub;
    CHECK_FALSE(hub.tracing());
    auto v = hub.live().attach(nullptr);
    CHECK(hub.tracing());
    hub.live().detach(v);
    CHECK_FALSE(hub.tracing());
    hub.keep_all(true);
    CHECK(hub.tracing());
    hub.open(session("in-1"));
    hub.event("in-1", R"({"type":"event","n":1})");
    const auto hello = nlohmann::json::parse(hub.hello());
    CHECK(hello["type"] == "hello");
    CHECK(hello["sessions"][0]["id"] == "in-1");
    CHECK(hello["events"][0]["n"] == 1);
}

TEST_CASE("live event: the step JSON of docs/trace-format.md plus session, role, peer; AUTH masked (RFC 4954 §4)") {
    ServerConfig cfg;
    cfg.role = Role::submission;
    ServerSession s(cfg, 1000, true);  // implicit TLS: AUTH is offered
    const std::string secret = base64_encode(std::string("\0alice\0s3cret", 13));
    std::int64_t now = 1000;
    for (const std::string& chunk : std::vector<std::string>{"EHLO c.example\r\n", "AUTH PLAIN " + secret + "\r\n"}) {
        s.feed(chunk, now += 10);
        while (auto ev = s.next_event()) s.accept(now);
    }
    LiveContext c;
    c.session = "in-4";
    c.role = "submission";
    c.peer = c.client = "192.0.2.7";
    c.server = c.local = "relay.test";
    c.origin_ms = 1000;
    c.started = 1'700'000'000'000;
    bool saw_auth = false;
    for (TraceEvent e : s.take_trace()) {
        live_fill_hosts(e, c);
        const std::string text = live_event_json(e, c);
        CHECK(text.find(secret) == std::string::npos);
        CHECK(text.find("s3cret") == std::string::npos);
        const auto j = nlohmann::json::parse(text);
        for (const char* key : {"t_ms", "time", "kind", "phase", "topic", "from", "to", "text", "verb", "code",
                                "enhanced", "reply_class", "outcome", "note", "wire", "secret", "explain", "rfc",
                                "message", "connection", "session", "role", "peer", "queue_id", "at"})
            CHECK_MESSAGE(j.contains(key), key);
        CHECK(j["type"] == "event");
        CHECK(j["session"] == "in-4");
        CHECK(j["at"] == 1'700'000'000'000 + j["t_ms"].get<std::int64_t>());
        if (j["kind"] == "command") {
            CHECK(j["from"] == "192.0.2.7");
            CHECK(j["to"] == "relay.test");
        }
        if (j["kind"] == "reply") CHECK(j["from"] == "relay.test");
        if (j["verb"] == "AUTH") {
            saw_auth = true;
            CHECK(j["text"].get<std::string>().find("<credentials hidden>") != std::string::npos);
            CHECK(j["rfc"].get<std::string>().find("RFC 4954") != std::string::npos);
            CHECK(j["topic"] == "auth");
        }
    }
    CHECK(saw_auth);
    // Only a context with a next try (a deferred recipient's queue event) writes one.
    CHECK_FALSE(nlohmann::json::parse(live_event_json(TraceEvent{}, c)).contains("next_attempt_at"));
    c.next_attempt_at = 1'700'000'300'000;
    CHECK(nlohmann::json::parse(live_event_json(TraceEvent{}, c))["next_attempt_at"] == 1'700'000'300'000);
}
