// The page's Live mode model (web/ui/live_trace.hpp) and its "Open in the simulator"
// (web/ui/live_rebuild.hpp). The relay's live stream is made here from a simulator run: each
// step as sim::step_json writes it, plus the keys the relay adds (type, session, role, peer,
// queue_id, at; native/live_event.cpp). Fed to LiveTrace, a session (or a message's route) is
// rebuilt into a world; loaded and run, that world must give the same SMTP replies (code and
// enhanced code, RFC 5321 §4.2, RFC 3463) from the same hosts as the observed run.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "sim/library.hpp"
#include "sim/scenario.hpp"
#include "sim/step_json.hpp"
#include "sim/world.hpp"
#include "tests/unit/run_replies.hpp"
#include "web/ui/live_rebuild.hpp"
#include "web/ui/live_trace.hpp"

using namespace relaylab;
using namespace relaylab::sim;
using namespace relaylab::test;
using relaylab::ui::LiveRebuild;
using relaylab::ui::LiveTrace;

namespace {

constexpr std::int64_t k_epoch_ms = 1'767'225'600'000;  // the wall clock the events are stamped with

// The session id the relay would give a step: its connection, or the message's queue thread.
std::string session_of(const Step& s) {
    if (s.connection >= 0) return "c" + std::to_string(s.connection);
    return "q-" + (s.message.empty() ? std::string("world") : s.message);
}

// The run as the relay's live stream: {"type":"event", …step…, session, role, peer, queue_id, at}.
std::vector<Json> live_events(const RunResult& run) {
    std::map<int, ConnectionView> connections;
    std::vector<Json> out;
    for (const Step& s : run.steps) {
        for (const Change& c : s.changes)
            if (const auto* set = std::get_if<SetConnection>(&c)) connections[set->connection.id] = set->connection;
        Json j = step_json(s);
        j["type"] = "event";
        j["session"] = session_of(s);
        const auto conn = connections.find(s.connection);
        const bool smtp = s.connection >= 0 && conn != connections.end();
        j["role"] = !smtp ? "queue" : conn->second.purpose == Purpose::submission ? "submission" : "smtp";
        j["peer"] = smtp ? conn->second.client : "";
        j["queue_id"] = s.message;
        j["at"] = k_epoch_ms + s.event.t_ms;
        out.push_back(std::move(j));
    }
    return out;
}

LiveTrace fed(const std::vector<Json>& events) {
    LiveTrace live;
    for (const Json& e : events) CHECK(live.feed(e));
    return live;
}

// The world rebuilt from `id`, loaded as the page loads it, and run.
RunResult rebuilt_run(const LiveTrace& live, const std::string& id, Scenario* scenario = nullptr) {
    const LiveRebuild r = ui::live_rebuild(live, id);
    REQUIRE_MESSAGE(r.error.empty(), r.error);
    CHECK(r.name == "rebuilt-" + id);
    auto load = parse_scenario(r.json);
    REQUIRE_MESSAGE(load.scenario, load.error << "\n" << r.json);
    CHECK(load.scenario->name == r.name);
    CHECK(load.scenario->title == "Rebuilt from what was observed");
    // What was guessed is in the world's description, where the page shows it under the title.
    for (const auto& note : r.notes) CHECK_MESSAGE(load.scenario->description.find(note) != std::string::npos, note);
    if (scenario) *scenario = *load.scenario;
    return run_world(*load.scenario, {}, load.scenario->seed);
}

}  // namespace

TEST_CASE("LiveTrace reads the stream with sim::read_step_json: the recorded run has the events sent") {
    const RunResult run = run_builtin("happy-path");
    const std::vector<Json> events = live_events(run);
    LiveTrace live = fed(events);
    const auto* c1 = live.find("c1");
    REQUIRE(c1);
    CHECK(c1->role == "submission");
    // Every event of the session, as sent: role, session, queue id and wall-clock time kept.
    std::vector<const Step*> sent;
    for (const Step& s : run.steps)
        if (session_of(s) == "c1") sent.push_back(&s);
    REQUIRE(c1->records.size() == sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        const StepRecord& r = c1->records[i];
        CHECK(r.session == "c1");
        CHECK(r.role == "submission");
        CHECK(r.queue_id == sent[i]->message);
        CHECK(r.at_ms == k_epoch_ms + sent[i]->event.t_ms);
        CHECK(r.step.event.kind == sent[i]->event.kind);
        CHECK(r.step.event.text == sent[i]->event.text);
        CHECK(r.step.event.code == sent[i]->event.code);
        CHECK(r.step.event.verb == sent[i]->event.verb);
    }
    // Shown in the panels: the same replies, in order, from the same hosts.
    auto shown = live.simulation("c1");
    REQUIRE(shown);
    shown->seek(shown->total_steps());
    CHECK(shown->total_steps() == sent.size());
    std::vector<Step> shown_steps;
    for (std::size_t i = 1; i <= shown->total_steps(); ++i) {
        shown->seek(i);
        shown_steps.push_back(*shown->current());
    }
    std::vector<Step> sent_steps;
    for (const Step* s : sent) sent_steps.push_back(*s);
    CHECK(replies(shown_steps) == replies(sent_steps));
    CHECK(!replies(sent_steps).empty());
    // An event the reader refuses (an unknown kind) is left out; the rest stay.
    Json bad = events.front();
    bad["kind"] = "telegram";
    CHECK(live.feed(bad));
    CHECK(live.find(events.front()["session"].get<std::string>())->records.size() ==
          static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](const Json& e) {
              return e["session"] == events.front()["session"];
          })));
}

TEST_CASE("LiveTrace: a session sent again with all its events replaces them (the Inbox's Show the session)") {
    const RunResult run = run_builtin("happy-path");
    const std::vector<Json> events = live_events(run);
    LiveTrace live = fed(events);
    const std::size_t before = live.find("c1")->records.size();
    // GET /api/v1/live/by-message answers {"session":{…summary…},"events":[…]}: live.js feeds
    // the summary with its events.
    Json again = live.summary(*live.find("c1"));
    again["type"] = "session";
    again["status"] = "quit";
    again["events"] = Json::array();
    for (const Json& e : events)
        if (e["session"] == "c1") again["events"].push_back(e);
    CHECK(live.feed(again));
    CHECK(live.find("c1")->records.size() == before);
    CHECK(live.find("c1")->status == "quit");
    // A page that had seen nothing of it learns the whole session from that one message.
    LiveTrace fresh;
    CHECK(fresh.feed(again));
    REQUIRE(fresh.find("c1"));
    CHECK(fresh.find("c1")->records.size() == before);
    CHECK(fresh.simulation("c1"));
}

TEST_CASE("Open in the simulator: one live session rebuilt gives the replies observed in it") {
    const RunResult run = run_builtin("happy-path");
    LiveTrace live = fed(live_events(run));
    const RunResult rerun = rebuilt_run(live, "c1");  // the submission: alice's client to her relay
    std::string server, client;
    std::vector<Step> session;
    for (const Step& s : run.steps)
        if (session_of(s) == "c1") session.push_back(s);
    for (const Step& s : session)
        if (s.event.kind == TraceKind::reply && server.empty()) server = s.event.from, client = s.event.to;
    const auto observed = replies(session);
    REQUIRE(observed.size() >= 5);  // greeting, EHLO, ..., the 250 after the content
    // The rebuilt world's client submits to the same server, which answers the same.
    CHECK_MESSAGE(replies(rerun.steps, server, client) == observed,
                  "observed:\n" << show(observed) << "rebuilt:\n" << show(replies(rerun.steps, server, client)));
    CHECK(ui::live_rebuild(live, "in-404").error == "no live session or message \"in-404\"");
}

TEST_CASE("Open in the simulator: a message's whole route rebuilt gives the same replies and outcome") {
    // Greylisting (RFC 6647): 451 4.7.1 on the first attempt, delivered on the retry.
    const RunResult run = run_builtin("greylisting");
    LiveTrace live = fed(live_events(run));
    REQUIRE(!run.messages.empty());
    const std::string id = run.messages.front().id;
    Scenario scenario;
    const RunResult rerun = rebuilt_run(live, id, &scenario);
    CHECK_MESSAGE(replies(rerun.steps) == replies(run.steps),
                  "observed:\n" << show(replies(run.steps)) << "rebuilt:\n" << show(replies(rerun.steps)));
    const auto seen = replies(rerun.steps);
    CHECK(std::find(seen.begin(), seen.end(), ReplySeen{"mx1.dest.test", 451, "4.7.1"}) != seen.end());
    REQUIRE(rerun.messages.size() == run.messages.size());
    CHECK(rerun.messages.front().status == run.messages.front().status);
    CHECK(rerun.messages.front().code == run.messages.front().code);
    // The behaviour seen is a switch, on, that the learner can turn off (and re-run).
    CHECK(std::any_of(scenario.switches.begin(), scenario.switches.end(),
                      [](const SwitchSpec& s) { return s.on && s.name.find("greylisting") != std::string::npos; }));
}

TEST_CASE("LiveTrace: the DNS panel and the queue read the relay's typed fields, not its text") {
    // A message's queue thread as the relay streams it: an MX answer (RFC 5321 §5.1), then a
    // 451 4.7.1 deferral (RFC 6647 greylisting) with the next try's wall-clock time.
    const auto event = [](std::int64_t at, const TraceEvent& e) {
        Step s;
        s.event = e;
        s.event.t_ms = at - k_epoch_ms;
        s.message = "Q1";
        Json j = step_json(s);
        j["type"] = "event";
        j["session"] = "q-Q1";
        j["role"] = "queue";
        j["peer"] = "Q1";
        j["queue_id"] = "Q1";
        j["at"] = at;
        return j;
    };
    TraceEvent dns;
    dns.kind = TraceKind::dns_answer;
    dns.phase = TracePhase::dns;
    dns.from = "dns";
    dns.to = "relay.lab.test";
    dns.dns = TraceDns{"dest.test", DnsQuestionType::mx, DnsStatus::ok, {{10, "mx1.dest.test"}, {20, "mx2.dest.test"}}, {}};
    dns.outcome = TraceOutcome::ok;
    dns.text = "words that are not the answer";  // the page must not read them
    TraceEvent deferred;
    deferred.kind = TraceKind::delivery;
    deferred.phase = TracePhase::queue;
    deferred.from = "relay.lab.test";
    deferred.to = "bob@dest.test";
    deferred.code = 451;
    deferred.enhanced = "4.7.1";
    deferred.outcome = TraceOutcome::deferred;
    deferred.text = "bob@dest.test: deferred";
    Json later = event(k_epoch_ms + 2'000, deferred);
    later["next_attempt_at"] = k_epoch_ms + 302'000;
    LiveTrace live = fed({event(k_epoch_ms + 1'000, dns), later});
    auto shown = live.simulation("Q1");
    REQUIRE(shown);
    shown->seek(shown->total_steps());
    const auto& rows = shown->timeline().dns_records();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].question == "dest.test MX");
    CHECK(rows[0].answer == "10 mx1.dest.test, 20 mx2.dest.test");
    CHECK(rows[0].resolver_of == "relay.lab.test");
    CHECK(rows[0].outcome == TraceOutcome::ok);
    REQUIRE(shown->view().queue.count("Q1"));
    const auto& recipients = shown->view().queue.at("Q1").recipients;
    REQUIRE(recipients.size() == 1);
    CHECK(recipients[0].state == RecipientState::deferred);
    // On the view's clock: the route's first event (the DNS answer) is 0.
    CHECK(recipients[0].next_attempt_ms == 301'000);
}
