// Loading a world of one's own (the page's loadWorld, `relaylab sim FILE`: one function,
// sim::parse_scenario): errors name the JSON path; the capture host kind; the editor's schema
// reference only names keys the loader accepts.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "sim/library.hpp"
#include "sim/scenario.hpp"
#include "sim/schema_reference.hpp"
#include "sim/simulation.hpp"
#include "sim/world.hpp"

using namespace relaylab::sim;
using json = nlohmann::json;

namespace {

// The smallest world with one object of every kind the schema has (host c is the one the
// reference's examples change; the others carry the names the examples refer to).
json minimal_world() {
    return json::parse(R"({
      "name": "t",
      "hosts": [{"name": "c", "kind": "client", "ip": "192.0.2.1",
                 "users": [{"address": "a@x.test"}], "routes": [{"domain": "x.test", "via": "mx1.dest.test"}]},
                {"name": "alice-laptop", "kind": "client"}, {"name": "relay.lab.test", "kind": "relay"},
                {"name": "mx1.dest.test", "kind": "mx"}],
      "dns": [{"name": "x.test", "type": "A", "value": "192.0.2.1"}],
      "messages": [{"id": "m", "client": "alice-laptop", "server": "relay.lab.test", "from": "a@x.test", "to": ["b@x.test"],
                    "auth": {"user": "a@x.test", "password": "p"}}],
      "switches": [{"name": "s", "label": "S", "effects": [{"type": "host_down", "host": "c"}]}],
      "notes": [{"phase": "intro", "text": "t"}],
      "expect": [{"id": "m", "status": "delivered"}]
    })");
}

// The object a reference entry's `object` names, inside minimal_world().
json& object_at(json& doc, std::string_view where) {
    if (where.empty()) return doc;
    if (where == "hosts[]") return doc["hosts"][0];
    if (where == "hosts[].users[]") return doc["hosts"][0]["users"][0];
    if (where == "hosts[].routes[]") return doc["hosts"][0]["routes"][0];
    if (where == "dns[]") return doc["dns"][0];
    if (where == "messages[]") return doc["messages"][0];
    if (where == "messages[].auth") return doc["messages"][0]["auth"];
    if (where == "switches[]") return doc["switches"][0];
    if (where == "switches[].effects[]") return doc["switches"][0]["effects"][0];
    if (where == "notes[]") return doc["notes"][0];
    if (where == "expect[]") return doc["expect"][0];
    FAIL("the test does not know the object " << where);
    return doc;
}

std::string error_of(const json& doc) {
    const auto load = parse_scenario(doc.dump());
    return load.scenario ? std::string() : load.error;
}

}  // namespace

TEST_CASE("a world with a mistake is refused with the mistake's JSON path") {
    REQUIRE(error_of(minimal_world()).empty());
    SUBCASE("an unknown top-level key") {
        json doc = minimal_world();
        doc["hots"] = json::array();
        CHECK(error_of(doc) == "scenario.hots: unknown key (misspelt?)");
    }
    SUBCASE("an unknown key deep inside") {
        json doc = minimal_world();
        doc["hosts"][0]["users"][0]["pasword"] = "x";
        CHECK(error_of(doc) == "scenario.hosts[0].users[0].pasword: unknown key (misspelt?)");
    }
    SUBCASE("an unknown host kind names the kinds there are") {
        json doc = minimal_world();
        doc["hosts"][2]["kind"] = "mxx";
        CHECK(error_of(doc) == "scenario.hosts[2].kind: unknown kind \"mxx\" (client, relay, mx or capture)");
    }
    SUBCASE("a value of the wrong type") {
        json doc = minimal_world();
        doc["messages"][0]["port"] = "25";
        CHECK(error_of(doc) == "scenario.messages[0].port: expected an integer");
    }
    SUBCASE("a message from a host that does not exist") {
        json doc = minimal_world();
        doc["messages"][0]["client"] = "nobody";
        CHECK(error_of(doc) == "scenario.messages[0].client: no host named \"nobody\"");
    }
    SUBCASE("not JSON at all: the line and column") {
        const auto load = parse_scenario("{\n  \"name\": \"x\",\n  \"hosts\": [\n");
        CHECK_FALSE(load.scenario);
        CHECK(load.error.rfind("not valid JSON (line 4", 0) == 0);
    }
}

TEST_CASE("the schema reference names only keys the loader accepts, with valid examples") {
    std::set<std::string> seen;
    for (const auto& entry : schema_reference()) {
        CAPTURE(entry.object);
        CAPTURE(entry.key);
        CHECK(seen.insert(std::string(entry.object) + "." + std::string(entry.key)).second);  // no duplicates
        json doc = minimal_world();
        const json example = json::parse(entry.example, nullptr, false);
        REQUIRE_FALSE(example.is_discarded());
        json& obj = object_at(doc, entry.object);
        const bool required_array = entry.key == "hosts" || entry.key == "messages";
        if (!required_array) obj[std::string(entry.key)] = example;  // the required arrays stay filled
        CHECK(error_of(doc) == "");
        // And a misspelling of it is refused, at its path: the key is really read.
        json typo = minimal_world();
        object_at(typo, entry.object)[std::string(entry.key) + "x"] = example;
        CHECK(error_of(typo).find(std::string(entry.key) + "x: unknown key") != std::string::npos);
    }
}

TEST_CASE("every key the built-in scenarios use is in the schema reference") {
    std::set<std::string> documented;
    for (const auto& entry : schema_reference()) documented.insert(std::string(entry.object) + "." + std::string(entry.key));
    // Walks a scenario's JSON, naming each object as the reference does ("hosts[].users[]").
    std::function<void(const json&, const std::string&)> walk = [&](const json& obj, const std::string& where) {
        for (const auto& item : obj.items()) {
            CAPTURE(where);
            CAPTURE(item.key());
            CHECK(documented.count(where + "." + item.key()) == 1);
            const std::string inner = where.empty() ? item.key() : where + "." + item.key();
            if (item.value().is_object()) walk(item.value(), inner);
            if (item.value().is_array())
                for (const auto& element : item.value())
                    if (element.is_object()) walk(element, inner + "[]");
        }
    };
    for (const auto& b : builtin_scenarios()) {
        CAPTURE(b.name);
        walk(json::parse(b.json), "");
    }
}

TEST_CASE("a capture host accepts every recipient and login, keeps the message and sends nothing on") {
    json doc = json::parse(R"({
      "name": "capture",
      "hosts": [
        {"name": "app", "kind": "client", "ip": "203.0.113.9"},
        {"name": "catcher", "kind": "capture", "ip": "10.0.0.25"},
        {"name": "mx1.dest.test", "kind": "mx", "ip": "198.51.100.10", "local_domains": ["dest.test"],
         "users": [{"address": "bob@dest.test"}]}
      ],
      "dns": [{"name": "dest.test", "type": "MX", "preference": 10, "value": "mx1.dest.test"},
              {"name": "mx1.dest.test", "type": "A", "value": "198.51.100.10"}],
      "messages": [
        {"id": "m1", "client": "app", "server": "catcher", "port": 25, "starttls": false,
         "from": "app@shop.test", "to": ["bob@dest.test", "nobody@elsewhere.test"]},
        {"id": "m2", "at_ms": 1000, "client": "app", "server": "catcher", "port": 587,
         "auth": {"user": "anyone", "password": "any password"},
         "from": "someone-else@other.test", "to": ["carol@dest.test"]}
      ]
    })");
    const auto load = parse_scenario(doc.dump());
    INFO(load.error);
    REQUIRE(load.scenario);
    REQUIRE(load.scenario->hosts[1].kind == HostKind::capture);
    const RunResult run = run_world(*load.scenario, {}, 1);
    REQUIRE(run.messages.size() == 2);
    for (const auto& m : run.messages) {
        CAPTURE(m.id);
        // RFC 5321 §4.1.1.4: 250 after the content; the capture host is where it ends.
        CHECK(m.status == MessageState::captured);
        CHECK(message_state_name(m.status) == std::string("captured"));
        CHECK(m.final_host == "catcher");
        CHECK(m.code == 250);
    }
    std::vector<MessageCopy> copies;
    bool connected_onward = false, asked_dns = false;
    for (const auto& s : run.steps) {
        if (s.event.kind == relaylab::TraceKind::connect && s.event.from != "app") connected_onward = true;
        if (s.event.kind == relaylab::TraceKind::dns_query) asked_dns = true;
        for (const auto& c : s.changes)
            if (const auto* add = std::get_if<AddMessageCopy>(&c)) copies.push_back(add->copy);
    }
    CHECK_FALSE(connected_onward);  // nothing delivered onward
    CHECK_FALSE(asked_dns);
    REQUIRE(copies.size() == 2);   // one inbox copy per message, whatever its recipients
    for (const auto& c : copies) {
        CHECK(c.host == "catcher");
        CHECK(c.where == "inbox of catcher");
        CHECK_FALSE(c.bounce);
        // The route it took: the capture host's own Received: line on top.
        CHECK(c.content.rfind("Received: from app", 0) == 0);
        CHECK(c.content.find("by catcher") != std::string::npos);
    }
    // The page's and the CLI's message view after the last step: captured, with the host.
    Simulation sim(*load.scenario);
    sim.seek(sim.total_steps());
    REQUIRE(sim.view().messages.size() == 2);
    CHECK(sim.view().messages[0].status == MessageState::captured);
    CHECK(sim.view().messages[0].final_host == "catcher");
    CHECK(sim.view().message_copies == 2);
    CHECK(sim.timeline().message_copies()[0].host == "catcher");
}
