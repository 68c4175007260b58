// The page's Inbox for the simulated run (web/ui/inbox_api.hpp): the run's message copies in
// Mailpit's shapes, read with the engine's MIME reader and searched with its search.
#include <doctest/doctest.h>

#include <string>

#include "engine/base64.hpp"
#include "sim/library.hpp"
#include "sim/simulation.hpp"
#include "web/ui/inbox_api.hpp"

using namespace relaylab;
using namespace relaylab::ui;

namespace {

sim::Simulation load(const char* name) {
    const auto* b = sim::find_builtin(name);
    REQUIRE(b != nullptr);
    auto loaded = sim::parse_scenario(b->json);
    REQUIRE(loaded.scenario);
    return sim::Simulation(std::move(*loaded.scenario));
}

InboxJson call(const sim::Simulation* sim, const char* op, const InboxJson& req, std::string* error = nullptr) {
    InboxJson result;
    std::string e;
    CHECK(inbox_api_op(sim, op, req, result, e));
    if (error) *error = e;
    return result;
}

}  // namespace

TEST_CASE("sim inbox: the copies shown so far, newest first, in Mailpit's list shape") {
    auto sim = load("mx-fallback");
    // Before any step nothing is stored.
    InboxJson page = sim_inbox_list(sim, {});
    CHECK(page["total"] == 0);
    CHECK(page["messages"].empty());
    CHECK(page["run_total"].get<std::size_t>() >= 2);

    sim.seek(sim.total_steps());
    page = sim_inbox_list(sim, {});
    const std::size_t copies = sim.timeline().message_copies().size();
    REQUIRE(copies >= 2);  // the relay's queue copy and bob's mailbox copy
    CHECK(page["total"] == copies);
    CHECK(page["messages_count"] == copies);
    CHECK(page["unread"] == copies);
    const auto& first = page["messages"][0];
    CHECK(first["ID"] == "sim-" + std::to_string(copies));  // the newest: stored last
    CHECK(page["messages"][copies - 1]["ID"] == "sim-1");
    CHECK(first["Subject"] == "Lunch on Friday?");
    CHECK(first["From"]["Address"] == "alice@lab.test");
    CHECK(first["To"][0]["Address"] == "bob@dest.test");
    CHECK(first["Cc"].is_array());
    CHECK(first["Attachments"] == 0);
    CHECK(first["Read"] == false);
    CHECK(first["Size"] == sim.timeline().message_copies().back().content.size());
    // RFC 2046 §5.1.4: the snippet comes from the text/plain alternative, not the HTML.
    CHECK(first["Snippet"].get<std::string>().rfind("Hi Bob, are we still on", 0) == 0);
    // Created is the virtual clock on the simulator's calendar, ISO 8601.
    CHECK(first["Created"].get<std::string>().size() == 24);
    CHECK(first["Where"] == "mailbox bob@dest.test");
    CHECK(first["Host"] == "mx2.dest.test");
}

TEST_CASE("sim inbox: search is the engine's (from:, to:, subject:, words, is:read), paging and read state") {
    auto sim = load("mx-fallback");
    sim.seek(sim.total_steps());
    const std::size_t copies = sim.timeline().message_copies().size();
    auto found = [&](const std::string& q) {
        SimInboxQuery query;
        query.search = q;
        return sim_inbox_list(sim, query)["messages_count"].get<std::size_t>();
    };
    CHECK(found("subject:lunch") == copies);
    CHECK(found("subject:invoice") == 0);
    CHECK(found("from:alice") == copies);
    CHECK(found("to:carol") == 0);
    CHECK(found("friday") == copies);
    CHECK(found("-friday") == 0);

    SimInboxQuery paged;
    paged.start = 1;
    paged.limit = 1;
    const InboxJson p = sim_inbox_list(sim, paged);
    CHECK(p["count"] == 1);
    CHECK(p["start"] == 1);
    CHECK(p["messages"][0]["ID"] == "sim-" + std::to_string(copies - 1));

    // The page keeps what was opened and passes it in: Read, unread counts and is:read follow.
    const InboxJson read = call(&sim, "inbox_list", InboxJson{{"read", {"sim-1"}}, {"query", "is:read"}});
    CHECK(read["messages_count"] == 1);
    CHECK(read["messages"][0]["ID"] == "sim-1");
    CHECK(read["messages"][0]["Read"] == true);
    CHECK(read["unread"] == copies - 1);
}

TEST_CASE("sim inbox: a message in Mailpit's shape with headers, raw, parts and its route") {
    auto sim = load("mx-fallback");
    sim.seek(sim.total_steps());
    const std::size_t copies = sim.timeline().message_copies().size();
    const std::string id = "sim-" + std::to_string(copies);
    const auto m = sim_inbox_message(sim, id);
    REQUIRE(m);
    const InboxJson& msg = *m;
    CHECK(msg["ID"] == id);
    CHECK(msg["Subject"] == "Lunch on Friday?");
    CHECK(msg["Text"].get<std::string>().find("are we still on for lunch") != std::string::npos);
    CHECK(msg["HTML"].get<std::string>().find("<b>lunch on Friday</b>") != std::string::npos);
    CHECK(msg["Raw"] == sim.timeline().message_copies().back().content);
    CHECK(msg["Headers"]["Subject"][0] == "Lunch on Friday?");
    // RFC 5321 §4.4: the final delivery added Return-Path; every hop a Received: line.
    CHECK(msg["ReturnPath"] == "alice@lab.test");
    CHECK(msg["Headers"]["Received"].size() >= 2);
    // The MIME tree, IMAP part numbers (RFC 3501 §6.4.5): root, 1 text/plain, 2 text/html.
    REQUIRE(msg["Parts"].size() == 3);
    CHECK(msg["Parts"][0]["ContentType"] == "multipart/alternative");
    CHECK(msg["Parts"][1]["PartID"] == "1");
    CHECK(msg["Parts"][1]["ContentType"] == "text/plain");
    CHECK(msg["Parts"][2]["PartID"] == "2");
    CHECK(msg["Parts"][2]["ContentType"] == "text/html");
    CHECK(msg["Parts"][2]["Depth"] == 1);
    CHECK(msg["Attachments"].empty());

    // The route: the refused connection to mx1, then mx2, ending with the delivery that
    // stored this copy (the copy's own step, which seek() shows).
    const InboxJson& route = msg["Route"];
    REQUIRE(route.size() >= 3);
    bool refused_mx1 = false, reached_mx2 = false;
    for (const auto& r : route) {
        refused_mx1 |= r["Kind"] == "connect" && r["From"] == "mx1.dest.test" && r["Outcome"] == "refused";
        reached_mx2 |= r["Kind"] == "connect" && r["To"] == "mx2.dest.test";
    }
    CHECK(refused_mx1);
    CHECK(reached_mx2);
    CHECK(route.back()["Step"] == msg["Step"]);
    CHECK(route.back()["Kind"] == "delivery");
    for (std::size_t i = 1; i < route.size(); ++i) CHECK(route[i - 1]["Step"] < route[i]["Step"]);

    // A part's bytes, decoded, for the download link.
    const auto part = sim_inbox_part(sim, id, "2");
    REQUIRE(part);
    CHECK((*part)["ContentType"] == "text/html");
    const auto bytes = base64_decode((*part)["Base64"].get<std::string>());
    REQUIRE(bytes);
    CHECK(bytes->find("<b>lunch on Friday</b>") != std::string::npos);
    CHECK((*part)["Size"] == bytes->size());
    CHECK_FALSE(sim_inbox_part(sim, id, "9"));
    CHECK_FALSE(sim_inbox_part(sim, id, ""));  // the multipart root has no bytes of its own
}

TEST_CASE("sim inbox: copies of later steps are not there yet; errors are plain") {
    auto sim = load("mx-fallback");
    sim.seek(sim.total_steps());
    const std::size_t copies = sim.timeline().message_copies().size();
    sim.seek(0);
    CHECK_FALSE(sim_inbox_message(sim, "sim-1"));
    std::string error;
    call(&sim, "inbox_message", InboxJson{{"id", "sim-1"}}, &error);
    CHECK(error.find("sim-1") != std::string::npos);
    call(nullptr, "inbox_list", InboxJson::object(), &error);
    CHECK(error == "no scenario is loaded");
    InboxJson r;
    CHECK_FALSE(inbox_api_op(&sim, "state", InboxJson::object(), r, error));
    sim.seek(sim.total_steps());
    CHECK(sim_inbox_message(sim, "sim-" + std::to_string(copies)));
    CHECK_FALSE(sim_inbox_message(sim, "sim-" + std::to_string(copies + 1)));
    CHECK_FALSE(sim_inbox_message(sim, "sim-0"));
}

TEST_CASE("sim inbox: a bounce copy is listed with its report") {
    auto sim = load("user-unknown");
    sim.seek(sim.total_steps());
    const InboxJson page = sim_inbox_list(sim, {});
    bool bounce = false;
    for (const auto& m : page["messages"]) bounce |= m["Bounce"] == true;
    CHECK(bounce);
}
