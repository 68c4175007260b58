// The built-in scenario library run end to end on the engine: each scenario's expected
// outcome (assets/scenarios/*.json "expect"), determinism, switches, and a golden
// transcript for happy-path.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/received.hpp"
#include "engine/retry.hpp"
#include "sim/library.hpp"
#include "sim/report.hpp"
#include "sim/scenario.hpp"
#include "sim/simulation.hpp"
#include "sim/world.hpp"

using namespace relaylab;
using namespace relaylab::sim;

namespace {

Scenario builtin(std::string_view name) {
    const auto* b = find_builtin(name);
    REQUIRE(b != nullptr);
    auto load = parse_scenario(b->json);
    INFO(load.error);
    REQUIRE(load.scenario.has_value());
    return *load.scenario;
}

std::vector<MessageCopy> mailbox(const RunResult& run, const std::string& address) {
    std::vector<MessageCopy> out;
    for (const auto& s : run.steps)
        for (const auto& c : s.changes)
            if (auto* add = std::get_if<AddMessageCopy>(&c))
                if (add->copy.where == "mailbox " + address) out.push_back(add->copy);
    return out;
}

template <class Pred>
std::size_t count_if(const RunResult& run, Pred pred) {
    std::size_t n = 0;
    for (const auto& s : run.steps) n += pred(s.event) ? 1 : 0;
    return n;
}

std::size_t count(const RunResult& run, TraceKind kind, std::string_view text_prefix) {
    std::size_t n = 0;
    for (const auto& s : run.steps)
        if (s.event.kind == kind && s.event.text.rfind(text_prefix, 0) == 0) ++n;
    return n;
}

}  // namespace

TEST_CASE("the scenario library has the names the UI, CLI and tests rely on") {
    const char* required[] = {"happy-path", "relay-denied", "auth-failed", "starttls-required", "mx-fallback",
                              "implicit-mx", "null-mx", "nxdomain", "dns-servfail", "greylisting", "user-unknown",
                              "message-too-large", "mailbox-full", "tls-required-failure", "mail-loop",
                              "rate-limited", "smtp-smuggling"};
    for (const char* name : required) {
        CAPTURE(name);
        const auto* b = find_builtin(name);
        REQUIRE(b != nullptr);
        auto load = parse_scenario(b->json);
        CAPTURE(load.error);
        REQUIRE(load.scenario);
        CHECK(load.scenario->name == name);
        CHECK_FALSE(load.scenario->expect.empty());
    }
}

TEST_CASE("every built-in scenario ends in its expected outcome") {
    for (const auto& b : builtin_scenarios()) {
        CAPTURE(b.name);
        const Scenario sc = builtin(b.name);
        // A built-in scenario is a lesson with a known ending: without an "expect" block it
        // would run here and prove nothing, so a missing block is an error, not a skip.
        INFO("assets/scenarios/" << b.name << ".json needs an \"expect\" entry for every message");
        REQUIRE_FALSE(sc.expect.empty());
        for (const auto& m : sc.messages) {
            CAPTURE(m.id);
            CHECK(std::any_of(sc.expect.begin(), sc.expect.end(), [&](const auto& e) { return e.id == m.id; }));
        }
        const RunResult run = run_world(sc, {}, sc.seed);
        REQUIRE(run.messages.size() == sc.messages.size());
        for (const auto& e : sc.expect) {
            CAPTURE(e.id);
            auto it = std::find_if(run.messages.begin(), run.messages.end(), [&](const auto& m) { return m.id == e.id; });
            REQUIRE(it != run.messages.end());
            CHECK(message_state_name(it->status) == e.status);
            if (e.code) CHECK(it->code == e.code);
            if (!e.enhanced.empty()) CHECK(it->enhanced == e.enhanced);
            if (!e.final_host.empty()) CHECK(it->final_host == e.final_host);
            CHECK(it->deferrals >= e.min_deferrals);
            if (e.mailbox_messages) CHECK(mailbox(run, e.mailbox).size() == *e.mailbox_messages);
        }
    }
}

TEST_CASE("scenario details that the outcome alone does not show") {
    SUBCASE("null MX: no connection is attempted (RFC 7505 §4.1)") {
        const RunResult run = run_world(builtin("null-mx"), {}, 1);
        CHECK(count(run, TraceKind::connect, "connect to mx1") == 0);
        const auto box = mailbox(run, "alice@lab.test");
        REQUIRE(box.size() == 1);
        CHECK(box[0].bounce);
        CHECK(box[0].content.find("multipart/report; report-type=delivery-status") != std::string::npos);
        CHECK(box[0].content.find("Status: 5.1.10") != std::string::npos);
    }
    SUBCASE("mx-fallback: the preferred MX is tried first and refuses (RFC 5321 §5.1)") {
        const RunResult run = run_world(builtin("mx-fallback"), {}, 1);
        CHECK(count_if(run, [](const TraceEvent& e) {
            return e.kind == TraceKind::connect && e.outcome == TraceOutcome::refused && e.from == "mx1.dest.test";
        }) == 1);
        CHECK(mailbox(run, "bob@dest.test").size() == 1);
    }
    SUBCASE("dns-servfail: deferred with 4.4.3 while DNS fails (RFC 3463 §3.5)") {
        const RunResult run = run_world(builtin("dns-servfail"), {}, 1);
        CHECK(count(run, TraceKind::dns_answer, "dest.test MX: SERVFAIL") >= 1);
        CHECK(run.messages[0].deferrals >= 1);
    }
    SUBCASE("smtp-smuggling: one message; the hidden MAIL FROM never ran (RFC 5321 §4.1.1.4)") {
        const RunResult run = run_world(builtin("smtp-smuggling"), {}, 1);
        const auto box = mailbox(run, "alice@lab.test");
        REQUIRE(box.size() == 1);
        CHECK(box[0].content.find("Subject: Harmless") != std::string::npos);
        // The smuggled commands are inside the one message, as text.
        CHECK(box[0].content.find("MAIL FROM:<ceo@lab.test>") != std::string::npos);
        CHECK(count(run, TraceKind::command, "MAIL FROM:<ceo@lab.test>") == 0);
        CHECK(count(run, TraceKind::reply, "250 2.0.0 Ok: queued") == 1);
    }
    SUBCASE("mail-loop: Received: lines grow by one per hop until 554 5.4.6 (RFC 5321 §6.3)") {
        const RunResult run = run_world(builtin("mail-loop"), {}, 1);
        CHECK(count_if(run, [](const TraceEvent& e) {
            return e.kind == TraceKind::reply && e.code == 554 && e.enhanced == "5.4.6";
        }) == 1);
        std::vector<std::size_t> received;
        for (const auto& s : run.steps)
            for (const auto& c : s.changes)
                if (auto* add = std::get_if<AddMessageCopy>(&c); add && !add->copy.bounce)
                    received.push_back(count_received_headers(add->copy.content));
        // Each hop adds one line; a copy arriving with more than max_hops (20 here)
        // is refused, so the last stored copy carries 20 + the last relay's own.
        REQUIRE(received.size() == 21);
        for (std::size_t i = 0; i < received.size(); ++i) CHECK(received[i] == i + 1);
    }
    SUBCASE("tls-required-failure: never sent in clear text; the diagnostic names TLS (RFC 3207 §4.1)") {
        const RunResult run = run_world(builtin("tls-required-failure"), {}, 1);
        CHECK(count_if(run, [](const TraceEvent& e) { return e.kind == TraceKind::command && e.verb == Verb::mail; }) == 1);  // only the submission
        const auto box = mailbox(run, "alice@lab.test");
        REQUIRE(box.size() == 1);
        CHECK(box[0].content.find("TLS") != std::string::npos);
        // RFC 3464 §2.3.6: no host replied, so no "smtp;" diagnostic and no Remote-MTA: the
        // relay itself refused to send without TLS (4.7.4), kept as the reason on expiry.
        CHECK(box[0].content.find("Status: 4.7.4") != std::string::npos);
        CHECK(box[0].content.find("Diagnostic-Code: X-local;") != std::string::npos);
        CHECK(box[0].content.find("Diagnostic-Code: smtp;") == std::string::npos);
        CHECK(box[0].content.find("Remote-MTA:") == std::string::npos);
        CHECK(box[0].content.find("given up: the next try would pass the queue lifetime") != std::string::npos);
    }
    SUBCASE("mailbox-full: on expiry the last real reply is kept, with its host (RFC 3464 §2.3.4-6)") {
        const RunResult run = run_world(builtin("mailbox-full"), {}, 1);
        const auto box = mailbox(run, "alice@lab.test");
        REQUIRE(box.size() == 1);
        CHECK(box[0].content.find("Status: 4.2.2") != std::string::npos);
        CHECK(box[0].content.find("Remote-MTA: dns; mx1.dest.test") != std::string::npos);
        CHECK(box[0].content.find("Diagnostic-Code: smtp; 452 4.2.2") != std::string::npos);
        CHECK(box[0].content.find("given up: the next try would pass the queue lifetime") != std::string::npos);
        // The dates are on the simulated calendar (2026), not virtual time since 1970.
        CHECK(box[0].content.find("Last-Attempt-Date: ") != std::string::npos);
        CHECK(box[0].content.find("1970") == std::string::npos);
    }
    SUBCASE("eight-bit-old-server: converted to quoted-printable, not bounced (RFC 6152 §3)") {
        const RunResult run = run_world(builtin("eight-bit-old-server"), {}, 1);
        CHECK(count(run, TraceKind::command, "MAIL FROM:<alice@lab.test> SIZE=") == 2);
        const auto box = mailbox(run, "bob@dest.test");
        REQUIRE(box.size() == 1);
        CHECK(box[0].content.find("Content-Transfer-Encoding: quoted-printable") != std::string::npos);
        CHECK(box[0].content.find("Gr=C3=BC=C3=9Fe") != std::string::npos);
        CHECK(std::none_of(box[0].content.begin(), box[0].content.end(),
                           [](char c) { return static_cast<unsigned char>(c) >= 0x80; }));
        CHECK(box[0].content.rfind("Return-Path: <alice@lab.test>\r\n", 0) == 0);  // RFC 5321 §4.4
    }
    SUBCASE("notify-success: the relay reports \"relayed\" when DSN cannot go on (RFC 3461 §5.2.2)") {
        const RunResult run = run_world(builtin("notify-success"), {}, 1);
        const auto box = mailbox(run, "alice@lab.test");
        REQUIRE(box.size() == 1);
        CHECK(box[0].bounce);
        CHECK(box[0].content.find("Action: relayed") != std::string::npos);
        CHECK(box[0].content.find("Status: 2.0.0") != std::string::npos);
        CHECK(box[0].content.find("Remote-MTA: dns; mx1.dest.test") != std::string::npos);
        // The request did not travel: the next hop offers no DSN.
        CHECK(count(run, TraceKind::command, "RCPT TO:<bob@dest.test> NOTIFY") == 1);
        // Every recipient final and every notice sent: the message leaves the queue.
        Simulation sim(builtin("notify-success"));
        sim.seek(sim.total_steps());
        CHECK(sim.view().queue.empty());
        CHECK(count(run, TraceKind::queue, "queue ") >= 2);  // queued, then "done: removed"
    }
    SUBCASE("null MX: decided before any attempt, so no Last-Attempt-Date (RFC 3464 §2.3.7)") {
        const auto box = mailbox(run_world(builtin("null-mx"), {}, 1), "alice@lab.test");
        REQUIRE(box.size() == 1);
        CHECK(box[0].content.find("Last-Attempt-Date:") == std::string::npos);
        CHECK(box[0].content.find("Diagnostic-Code: smtp;") == std::string::npos);
    }
    SUBCASE("retries never come sooner than the schedule allows (RFC 5321 §4.5.4.1)") {
        for (const char* name : {"greylisting", "mailbox-full", "dns-servfail"}) {
            CAPTURE(name);
            const RunResult run = run_world(builtin(name), {}, 1);
            std::vector<std::int64_t> attempts;
            for (const auto& s : run.steps)
                if (s.event.kind == TraceKind::queue && s.event.text.rfind("delivery attempt for", 0) == 0)
                    attempts.push_back(s.event.t_ms);
            REQUIRE(attempts.size() >= 2);
            const RetryPolicy schedule;
            for (std::size_t i = 1; i < attempts.size(); ++i) {
                CAPTURE(i);
                const std::size_t k = std::min(i - 1, schedule.base_delays_ms.size() - 1);
                CHECK(attempts[i] - attempts[i - 1] >= schedule.base_delays_ms[k]);
            }
        }
    }
}

TEST_CASE("same scenario, seed and switches give the same steps, byte for byte") {
    for (const auto& b : builtin_scenarios()) {
        CAPTURE(b.name);
        const Scenario sc = builtin(b.name);
        const RunResult a = run_world(sc, {}, sc.seed);
        const RunResult c = run_world(sc, {}, sc.seed);
        CHECK(a.steps == c.steps);
        CHECK(report_json(sc, sc.seed, a) == report_json(sc, sc.seed, c));
    }
}

TEST_CASE("the seed changes the world's choices") {
    // Equal-preference MX hosts are tried in a seeded order (RFC 5321 §5.1).
    Scenario sc = builtin("happy-path");
    sc.hosts.push_back(HostSpec{"mx2.dest.test", HostKind::mx, "198.51.100.20", "", {"dest.test"},
                                {{"bob@dest.test", ""}}, {}, {}, 26214400, 50, {}, 5LL * 24 * 3600 * 1000});
    sc.dns.push_back({"dest.test", DnsType::mx, 10, "mx2.dest.test"});
    sc.dns.push_back({"mx2.dest.test", DnsType::a, 0, "198.51.100.20"});
    std::set<std::string> finals;
    for (std::uint64_t seed = 1; seed <= 16; ++seed) finals.insert(run_world(sc, {}, seed).messages[0].final_host);
    CHECK(finals == std::set<std::string>{"mx1.dest.test", "mx2.dest.test"});
}

TEST_CASE("failure switches change the outcome and can be turned off") {
    SUBCASE("happy-path with its MX down is no longer delivered") {
        const Scenario sc = builtin("happy-path");
        const RunResult run = run_world(sc, {{"mx-down", true}}, sc.seed);
        CHECK(run.messages[0].status != MessageState::delivered);
    }
    SUBCASE("auth-failed with the wrong password switched off is delivered") {
        const Scenario sc = builtin("auth-failed");
        const RunResult run = run_world(sc, {{"wrong-password", false}}, sc.seed);
        CHECK(run.messages[0].status == MessageState::delivered);
    }
    SUBCASE("happy-path with a failed TLS handshake: delivered in cleartext (RFC 7435 §6)") {
        // Between relays TLS is opportunistic: a failed handshake is retried at once on the
        // same host without TLS, and the message is delivered, not deferred.
        const Scenario sc = builtin("happy-path");
        const RunResult run = run_world(sc, {{"tls-failure", true}}, sc.seed);
        CHECK(run.messages[0].status == MessageState::delivered);
        CHECK(run.messages[0].deferrals == 0);
        CHECK(count_if(run, [](const TraceEvent& e) {
            return e.kind == TraceKind::tls && e.outcome == TraceOutcome::failed;
        }) == 1);
        CHECK(count(run, TraceKind::tls, "trying mx1.dest.test again without TLS") == 1);
    }
    SUBCASE("greylisting switched off: delivered without deferral") {
        const Scenario sc = builtin("greylisting");
        const RunResult run = run_world(sc, {{"greylisting", false}}, sc.seed);
        CHECK(run.messages[0].status == MessageState::delivered);
        CHECK(run.messages[0].deferrals == 0);
    }
    SUBCASE("every switch of every scenario runs without breaking the world") {
        for (const auto& b : builtin_scenarios()) {
            const Scenario sc = builtin(b.name);
            for (const auto& sw : sc.switches) {
                CAPTURE(b.name);
                CAPTURE(sw.name);
                const RunResult run = run_world(sc, {{sw.name, !sw.on}}, sc.seed);
                CHECK(run.steps.size() > 1);
                for (const auto& m : run.messages) CHECK(m.status != MessageState::pending);
            }
        }
    }
}

TEST_CASE("stepping: back() gives exactly the state that forward gave") {
    for (const char* name : {"happy-path", "mx-fallback", "mailbox-full", "mail-loop"}) {
        CAPTURE(name);
        Simulation sim(builtin(name));
        std::vector<WorldView> forward;
        forward.push_back(sim.view());
        while (sim.step_forward()) forward.push_back(sim.view());
        REQUIRE(forward.size() == sim.total_steps() + 1);
        CHECK(forward.back().messages == sim.run().messages);
        for (std::size_t i = forward.size() - 1; i-- > 0;) {
            REQUIRE(sim.step_back());
            CHECK(sim.step() == i);
            CHECK(sim.view() == forward[i]);
        }
        CHECK_FALSE(sim.step_back());
        // Random access agrees too.
        for (std::size_t n : {std::size_t{0}, forward.size() / 3, forward.size() - 1}) {
            sim.seek(n);
            CHECK(sim.view() == forward[n]);
        }
    }
}

TEST_CASE("a switch flipped mid-way re-runs the world and keeps the step") {
    Simulation sim(builtin("happy-path"));
    sim.seek(10);
    REQUIRE(sim.set_switch("mx-down", true));
    CHECK(sim.step() == 10);
    sim.seek(sim.total_steps());
    CHECK(sim.view().messages[0].status != MessageState::delivered);
    CHECK_FALSE(sim.set_switch("no-such-switch", true));
}

TEST_CASE("golden transcript: happy-path") {
    // tests/golden/happy-path.txt is the reviewed transcript; regenerate it with
    // `relaylab sim happy-path > tests/golden/happy-path.txt` after an intended change.
    const Scenario sc = builtin("happy-path");
    const std::string text = report_text(sc, sc.seed, run_world(sc, {}, sc.seed));
    std::ifstream in(std::string(RELAYLAB_SOURCE_DIR) + "/tests/golden/happy-path.txt", std::ios::binary);
    REQUIRE(in.good());
    std::stringstream golden;
    golden << in.rdbuf();
    CHECK(text == golden.str());
}

TEST_CASE("a scenario file of one's own may leave out the expect block") {
    auto load = parse_scenario(R"({"name": "mine",
        "hosts": [{"name": "c", "kind": "client", "ip": "192.0.2.1"},
                  {"name": "r.example", "kind": "relay", "ip": "192.0.2.2", "local_domains": ["example"],
                   "users": [{"address": "v@example"}]}],
        "messages": [{"id": "x", "client": "c", "server": "r.example", "port": 25, "from": "u@example.net",
                      "to": ["v@example"]}]})");
    CAPTURE(load.error);
    REQUIRE(load.scenario.has_value());
    CHECK(load.scenario->expect.empty());
    const RunResult run = run_world(*load.scenario, {}, load.scenario->seed);
    REQUIRE(run.messages.size() == 1);
    CHECK(run.messages[0].status == MessageState::delivered);
}

TEST_CASE("every built-in scenario ends with a note that says what happened and why") {
    for (const auto& b : builtin_scenarios()) {
        CAPTURE(b.name);
        Simulation sim(builtin(b.name));
        sim.seek(sim.total_steps());
        const NoteSpec* n = sim.note();
        REQUIRE(n != nullptr);
        CHECK(n->phase == "outcome");
        CHECK(n->text.size() > 40);
        CHECK_FALSE(n->rfc.empty());
        sim.seek(1);  // earlier steps keep their topic's note
        CHECK((sim.note() == nullptr || sim.note()->phase != "outcome"));
    }
}

TEST_CASE("quiet stretches are said in words, so a class sees time pass") {
    CHECK(format_gap(59'999).empty());
    CHECK(format_gap(60'000) == "… +1 min");
    CHECK(format_gap(5 * 60'000 + 30'000) == "… +5 min");
    CHECK(format_gap(2 * 3'600'000) == "… +2 h");
    CHECK(format_gap(3 * 86'400'000LL) == "… +3 days");
    // greylisting: the retry comes minutes after the first try, never seconds (RFC 5321 §4.5.4.1).
    const RunResult run = run_world(builtin("greylisting"), {}, 1);
    bool minutes = false;
    for (std::size_t i = 1; i < run.steps.size(); ++i)
        minutes |= format_gap(run.steps[i].event.t_ms - run.steps[i - 1].event.t_ms).find(" min") !=
                   std::string::npos;
    CHECK(minutes);
}

TEST_CASE("IPv6: AAAA asked before A, IPv6 tried first, no IPv6 route falls back to A (RFC 5321 §5.1)") {
    SUBCASE("implicit-mx: both ends have IPv6, so the relay delivers over IPv6") {
        const RunResult run = run_world(builtin("implicit-mx"), {}, 1);
        std::vector<std::string> questions;
        for (const auto& s : run.steps)
            if (s.event.kind == TraceKind::dns_query) questions.push_back(s.event.text);
        REQUIRE(questions.size() >= 3);
        CHECK(questions[0] == "dest.test IN MX?");
        CHECK(questions[1] == "dest.test IN AAAA?");
        CHECK(questions[2] == "dest.test IN A?");
        CHECK(count(run, TraceKind::dns_answer, "dest.test AAAA: 2001:db8:30::30") == 1);
        const auto box = mailbox(run, "bob@dest.test");
        REQUIRE(box.size() == 1);
        CHECK(box[0].content.find("[IPv6:2001:db8:25::25]") != std::string::npos);
    }
    SUBCASE("a relay without an IPv6 address cannot reach the AAAA address: the A address is used") {
        Scenario sc = builtin("implicit-mx");
        for (auto& h : sc.hosts)
            if (h.name == "relay.lab.test") h.ipv6.clear();
        const RunResult run = run_world(sc, {}, 1);
        CHECK(count_if(run, [](const TraceEvent& e) {
            return e.kind == TraceKind::connect && e.outcome == TraceOutcome::failed &&
                   e.text.find("no IPv6 route") != std::string::npos;
        }) == 1);
        const auto box = mailbox(run, "bob@dest.test");
        REQUIRE(box.size() == 1);
        CHECK(box[0].content.find("[198.51.100.30]") == std::string::npos);  // the relay's own IPv4 is stamped
        CHECK(box[0].content.find("[192.0.2.25]") != std::string::npos);
    }
    SUBCASE("a host without AAAA: AAAA says no data, then A") {
        const RunResult run = run_world(builtin("happy-path"), {}, 1);
        CHECK(count(run, TraceKind::dns_answer, "mx1.dest.test AAAA: no records") == 1);
        CHECK(count(run, TraceKind::dns_answer, "mx1.dest.test A: ") == 1);
    }
}

TEST_CASE("scenario files: clear errors for malformed input") {
    struct Case {
        const char* json;
        const char* error_part;
    };
    const Case cases[] = {
        {"{", "not valid JSON (line 1"},
        {"{\n  \"name\": \"x\",\n  \"hosts\": [,]\n}", "line 3"},
        {"[]", "expected an object"},
        {R"({"hosts": [], "messages": []})", "missing \"name\""},
        {R"({"name": "x", "hosts": [{"name": "a", "kind": "mxx"}], "messages": []})", "hosts[0].kind: unknown kind"},
        {R"({"name": "x", "hosts": [{"name": "a", "kind": "mx"}], "messages": [{"id": "m", "client": "a", "server": "b", "from": "x@y", "to": []}]})",
         "no host named \"b\""},
        {R"({"name": "x", "hosts": [], "messages": [], "switches": [{"name": "s", "label": "l", "effects": [{"type": "dns", "name": "d", "result": "maybe"}]}]})",
         "switches[0].effects[0].result"},
        {R"({"name": 5, "hosts": [], "messages": []})", "scenario.name: expected a string"},
        // A misspelt key is refused with its path, never ignored.
        {R"({"name": "x", "hosts": [{"name": "a", "kind": "mx", "local_domain": ["d"]}], "messages": []})",
         "scenario.hosts[0].local_domain: unknown key"},
        {R"({"name": "x", "hosts": [], "messages": [], "seeed": 3})", "scenario.seeed: unknown key"},
        {R"({"name": "x", "hosts": [], "messages": [], "dns": [{"name": "d", "type": "SRV", "value": "v"}]})",
         "scenario.dns[0].type: unknown record type \"SRV\" (MX, A, AAAA or TXT)"},
        {R"({"name": "x", "hosts": [], "messages": [], "dns": [{"name": "d", "type": "AAAA", "value": "192.0.2.1"}]})",
         "scenario.dns[0].value: an AAAA record needs an IPv6 address"},
        {R"({"name": "x", "hosts": [{"name": "a", "kind": "mx", "ipv6": "nope"}], "messages": []})",
         "scenario.hosts[0].ipv6: not an IPv6 address"},
        {R"({"name": "x", "hosts": [], "messages": [], "notes": [{"phase": "sumbission", "text": "t"}]})",
         "scenario.notes[0].phase: unknown phase"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.json);
        auto load = parse_scenario(c.json);
        CHECK_FALSE(load.scenario.has_value());
        CHECK(load.error.find(c.error_part) != std::string::npos);
    }
}

namespace {
std::vector<MessageCopy> copies_at(const RunResult& run, const std::string& where) {
    std::vector<MessageCopy> out;
    for (const auto& s : run.steps)
        for (const auto& c : s.changes)
            if (auto* add = std::get_if<AddMessageCopy>(&c))
                if (add->copy.where == where) out.push_back(add->copy);
    return out;
}
const MessageStatus& status_of(const RunResult& run, std::string_view id) {
    auto it = std::find_if(run.messages.begin(), run.messages.end(), [&](const auto& m) { return m.id == id; });
    REQUIRE(it != run.messages.end());
    return *it;
}
}  // namespace

TEST_CASE("the workshop scenarios: capture vs relay, partial failure, backscatter, BDAT") {
    SUBCASE("capture-dev: the app's message stays in the capture server's inbox; the MX is never contacted") {
        const RunResult run = run_world(builtin("capture-dev"), {}, 1);
        CHECK(status_of(run, "order").status == MessageState::captured);
        CHECK(status_of(run, "order").final_host == "mailpit.dev.test");
        const auto inbox = copies_at(run, "inbox of mailpit.dev.test");
        REQUIRE(inbox.size() == 1);
        CHECK(inbox[0].content.find("Subject: Your order #1042") != std::string::npos);
        CHECK(mailbox(run, "bob@dest.test").empty());
        CHECK(count_if(run, [](const TraceEvent& e) { return e.kind == TraceKind::dns_query; }) == 0);
        CHECK(count(run, TraceKind::connect, "connect to mx1") == 0);
    }
    SUBCASE("relay-prod: the same message, submitted with AUTH and relayed to Bob's MX (RFC 6409, RFC 5321 §5.1)") {
        const RunResult run = run_world(builtin("relay-prod"), {}, 1);
        CHECK(status_of(run, "order").status == MessageState::delivered);
        const auto box = mailbox(run, "bob@dest.test");
        REQUIRE(box.size() == 1);
        CHECK(box[0].content.find("Subject: Your order #1042") != std::string::npos);
        CHECK(count_received_headers(box[0].content) == 2);  // the submission server, then the MX
        CHECK(count_if(run, [](const TraceEvent& e) { return e.kind == TraceKind::command && e.verb == Verb::auth; }) == 1);
    }
    SUBCASE("partial-failure: bob and dave get it, carol bounces alone (RFC 5321 §3.3, RFC 3464 §2.3)") {
        const RunResult run = run_world(builtin("partial-failure"), {}, 1);
        CHECK(mailbox(run, "bob@dest.test").size() == 1);
        CHECK(mailbox(run, "dave@dest.test").size() == 1);
        CHECK(mailbox(run, "carol@dest.test").empty());
        CHECK(count_if(run, [](const TraceEvent& e) {
            return e.kind == TraceKind::reply && e.code == 550 && e.enhanced == "5.1.1";
        }) == 1);
        const auto box = mailbox(run, "alice@lab.test");
        REQUIRE(box.size() == 1);
        CHECK(box[0].bounce);
        CHECK(box[0].content.find("Final-Recipient: rfc822; carol@dest.test") != std::string::npos);
        CHECK(box[0].content.find("Action: failed") != std::string::npos);
        CHECK(box[0].content.find("Status: 5.1.1") != std::string::npos);
        CHECK(box[0].content.find("Final-Recipient: rfc822; bob@dest.test") == std::string::npos);
        CHECK(box[0].content.find("Final-Recipient: rfc822; dave@dest.test") == std::string::npos);
    }
    SUBCASE("backscatter: refused at RCPT, no bounce; a bounce reaches the forged sender; a bounce is never bounced (RFC 5321 §4.5.5)") {
        const RunResult run = run_world(builtin("backscatter"), {}, 1);
        CHECK(status_of(run, "forged").status == MessageState::rejected);
        CHECK(status_of(run, "forged").enhanced == "5.1.1");
        // The victim gets the gateway's bounce for mail it never sent: backscatter.
        const auto victim = mailbox(run, "victim@victim.test");
        REQUIRE(victim.size() == 1);
        CHECK(victim[0].content.rfind("Return-Path: <>\r\n", 0) == 0);  // the null sender
        CHECK(count(run, TraceKind::command, "MAIL FROM:<>") >= 2);
        // The bounce to ghost@ is refused with 550 5.1.1 and dropped: no notice about a notice.
        CHECK(count_if(run, [](const TraceEvent& e) {
            return e.kind == TraceKind::reply && e.code == 550 && e.enhanced == "5.1.1";
        }) == 2);
        std::size_t notices = 0;
        for (const auto& s : run.steps)
            for (const auto& c : s.changes)
                if (auto* add = std::get_if<AddMessageCopy>(&c); add && add->copy.bounce && add->copy.where.rfind("queue", 0) == 0 &&
                                                                 add->copy.host == "relay.other.test" && add->copy.message.empty())
                    ++notices;
        CHECK(notices == 0);
        CHECK(mailbox(run, "ghost@victim.test").empty());
    }
    SUBCASE("bdat-chunking: two chunks, the last with LAST; the relay goes on with DATA (RFC 3030 §2)") {
        const RunResult run = run_world(builtin("bdat-chunking"), {}, 1);
        CHECK(count_if(run, [](const TraceEvent& e) { return e.kind == TraceKind::command && e.verb == Verb::bdat; }) == 3);
        CHECK(count_if(run, [](const TraceEvent& e) {
            return e.kind == TraceKind::command && e.verb == Verb::bdat && e.text.find("LAST") != std::string::npos;
        }) == 2);
        const auto box = mailbox(run, "bob@dest.test");
        REQUIRE(box.size() == 2);
        CHECK(box[0].content.find("This body came in a second chunk.") != std::string::npos);
        CHECK(box[1].content.find("\r\n.this line starts with a dot") != std::string::npos);  // not stuffed in the mailbox
        CHECK(status_of(run, "chunks").status == MessageState::delivered);
        CHECK(status_of(run, "one-chunk").status == MessageState::delivered);
    }
}
