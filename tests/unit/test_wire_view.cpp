// The wire log (sim/wire.hpp) and the wire view of a step (sim/wire_view.hpp): every command
// and reply step points at exactly its octets; message content is the stretch up to the
// next command; the view explains dot-stuffing (RFC 5321 §4.5.2), a bare LF before a dot
// that does not end the data (RFC 5321 §2.3.8, §4.1.1.4), BDAT sizes (RFC 3030 §2), and AUTH
// PLAIN credentials (RFC 4616 §2) sent in cleartext.
#include <doctest/doctest.h>

#include <string>

#include "sim/export_file.hpp"
#include "sim/export_text.hpp"
#include "sim/library.hpp"
#include "sim/scenario.hpp"
#include "sim/simulation.hpp"
#include "sim/wire_observer.hpp"
#include "sim/wire_view.hpp"

using namespace relaylab;
using namespace relaylab::sim;

namespace {

Scenario builtin(std::string_view name) {
    const BuiltinScenario* b = find_builtin(name);
    REQUIRE(b != nullptr);
    auto load = parse_scenario(b->json);
    REQUIRE(load.scenario.has_value());
    return *load.scenario;
}

bool has_note(const WireStepView& v, const std::string& part, const std::string& rfc) {
    for (const auto& l : v.lines)
        for (const auto& n : l.notes)
            if (n.text.find(part) != std::string::npos && n.rfc.find(rfc) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("wire log: command and reply steps point at exactly their octets, in every built-in scenario") {
    for (const auto& b : builtin_scenarios()) {
        auto load = parse_scenario(b.json);
        REQUIRE(load.scenario.has_value());
        const RunResult run = run_world(*load.scenario, {}, load.scenario->seed);
        REQUIRE(run.wire.spans.size() == run.steps.size());
        std::size_t lines = 0, located = 0;
        for (std::size_t i = 0; i < run.steps.size(); ++i) {
            const TraceEvent& ev = run.steps[i].event;
            if ((ev.kind != TraceKind::command && ev.kind != TraceKind::reply) || ev.wire.empty()) continue;
            ++lines;
            const WireSpan* span = run.wire.span(i);
            if (!span) continue;
            ++located;
            const WireConnection* c = run.wire.connection(span->connection);
            REQUIRE(c != nullptr);
            CHECK(span->connection == run.steps[i].connection);
            CHECK(span->dir == (ev.kind == TraceKind::command ? WireDir::to_server : WireDir::to_client));
            CHECK(c->stream(span->dir).substr(span->offset, span->length) == ev.wire);
        }
        INFO(b.name);
        CHECK(located == lines);
        for (const auto& c : run.wire.connections) {
            // The chunks are the streams, in order.
            std::string up, down;
            for (const auto& ch : c.chunks) (ch.dir == WireDir::to_server ? up : down) += ch.bytes;
            CHECK(up == c.to_server);
            CHECK(down == c.to_client);
        }
    }
}

TEST_CASE("wire view: smtp-smuggling shows the attacker's \\n.\\r\\n and why the data did not end there") {
    Simulation sim(builtin("smtp-smuggling"));
    const auto& steps = sim.timeline().steps();
    bool found = false;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (steps[i].event.note != TraceNote::content) continue;
        const WireStepView v = wire_step_view(steps, sim.wire(), i);
        REQUIRE(!v.lines.empty());
        std::string all;
        for (const auto& l : v.lines) all += l.bytes;
        CHECK(all.find("here.\n.\r\nMAIL FROM:<ceo@lab.test>\r\n") != std::string::npos);
        CHECK(all.size() >= 5);
        CHECK(all.substr(all.size() - 5) == "\r\n.\r\n");
        CHECK(has_note(v, "bare LF", "RFC 5321 §2.3.8"));
        CHECK(has_note(v, "NOT the end of the data", "RFC 5321 §4.1.1.4"));
        CHECK(has_note(v, "the end of the data", "§4.1.1.4"));
        CHECK_FALSE(v.tls);
        found = true;
    }
    CHECK(found);
}

TEST_CASE("wire view: AUTH PLAIN sent before STARTTLS decodes to alice's password, in cleartext") {
    Simulation sim(builtin("starttls-required"));
    const auto& steps = sim.timeline().steps();
    bool found = false;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (steps[i].event.verb != Verb::auth || steps[i].event.kind != TraceKind::command) continue;
        const WireStepView v = wire_step_view(steps, sim.wire(), i);
        REQUIRE(v.lines.size() == 1);
        const WireLine& l = v.lines[0];
        CHECK_FALSE(l.tls);
        REQUIRE(l.secret_end > l.secret_begin);
        CHECK(l.bytes.substr(l.secret_begin, l.secret_end - l.secret_begin) == "AGFsaWNlQGxhYi50ZXN0AHdvbmRlcmxhbmQ=");
        CHECK(l.secret_user == "alice@lab.test");
        CHECK(l.secret_password == "wonderland");
        CHECK(has_note(v, "readable by anyone on the path", "RFC 4954"));
        found = true;
    }
    CHECK(found);
}

TEST_CASE("wire view: after STARTTLS the observer sees records 22 octets longer than the SMTP inside") {
    Simulation sim(builtin("happy-path"));
    const auto& steps = sim.timeline().steps();
    bool found = false;
    for (std::size_t i = 0; i < steps.size() && !found; ++i) {
        if (steps[i].event.verb != Verb::mail || steps[i].event.kind != TraceKind::command) continue;
        const WireStepView v = wire_step_view(steps, sim.wire(), i);
        CHECK(v.tls);
        REQUIRE(v.observer.size() == 1);
        CHECK(v.observer[0].opaque);
        // MAIL, RCPT and DATA go in one write (PIPELINING, RFC 2920): one record for all.
        CHECK(v.observer[0].smtp_length > steps[i].event.wire.size());
        CHECK(v.observer[0].length == v.observer[0].smtp_length + k_tls_record_overhead);
        found = true;
    }
    CHECK(found);
}

TEST_CASE("wire view: a line starting with a dot travels dot-stuffed (RFC 5321 §4.5.2)") {
    auto load = parse_scenario(R"({"name": "dots", "hosts": [
      {"name": "c", "kind": "client", "ip": "192.0.2.1"},
      {"name": "r.example", "kind": "relay", "ip": "192.0.2.2", "local_domains": ["example"],
       "users": [{"address": "u@example", "password": "pw"}, {"address": "v@example"}]}],
      "messages": [{"id": "x", "client": "c", "server": "r.example", "port": 587,
                    "auth": {"user": "u@example", "password": "pw"}, "from": "u@example", "to": ["v@example"],
                    "body": ".hidden starts with a dot\r\n"}]})");
    INFO(load.error);
    REQUIRE(load.scenario.has_value());
    Simulation sim(*load.scenario);
    const auto& steps = sim.timeline().steps();
    bool found = false;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (steps[i].event.note != TraceNote::content) continue;
        const WireStepView v = wire_step_view(steps, sim.wire(), i);
        bool stuffed = false;
        for (const auto& l : v.lines) stuffed = stuffed || l.bytes == "..hidden starts with a dot\r\n";
        CHECK(stuffed);
        CHECK(has_note(v, "doubled the leading dot", "RFC 5321 §4.5.2"));
        found = true;
    }
    CHECK(found);
    // Stored with one dot (the receiver removed the stuffing).
    const auto copies = run_message_copies(sim.run());
    REQUIRE(!copies.empty());
    CHECK(copies.back().content.find("\r\n.hidden starts with a dot\r\n") != std::string::npos);
}

TEST_CASE("exports: the Markdown handout and the .eml files") {
    const Scenario sc = builtin("happy-path");
    const RunResult run = run_world(sc, {}, sc.seed);
    const std::string md = export_markdown(sc, sc.seed, {}, run);
    CHECK(md.rfind("# " + sc.title, 0) == 0);
    CHECK(md.find("## Steps") != std::string::npos);
    CHECK(md.find("`C: EHLO alice-laptop`") != std::string::npos);
    CHECK(md.find("RFC 5321") != std::string::npos);
    CHECK(md.find("**delivered** 250 2.0.0 at mx1.dest.test") != std::string::npos);
    const auto copies = run_message_copies(run);
    REQUIRE(copies.size() >= 2);
    for (std::size_t i = 0; i < copies.size(); ++i) {
        const auto f = export_file(sc, sc.seed, {}, run, "eml", i);
        REQUIRE(f.has_value());
        CHECK(f->bytes == copies[i].content);
        CHECK(f->name.size() > 4);
        CHECK(f->name.substr(f->name.size() - 4) == ".eml");
    }
    CHECK_FALSE(export_file(sc, sc.seed, {}, run, "eml", copies.size()).has_value());
    CHECK_FALSE(export_file(sc, sc.seed, {}, run, "docx").has_value());
}

TEST_CASE("wire view: a BDAT command says its chunk size; the chunk is the octets after it (RFC 3030 §2)") {
    auto load = parse_scenario(R"({"name": "chunks", "hosts": [
      {"name": "c", "kind": "client", "ip": "192.0.2.1"},
      {"name": "r.example", "kind": "relay", "ip": "192.0.2.2", "local_domains": ["example"],
       "users": [{"address": "v@example"}]}],
      "messages": [{"id": "x", "client": "c", "server": "r.example", "port": 25, "from": "u@other.test",
                    "to": ["v@example"], "script": ["EHLO c\r\n", "MAIL FROM:<u@other.test>\r\n",
                    "RCPT TO:<v@example>\r\n", "BDAT 12 LAST\r\nSubject: x\r\n", "QUIT\r\n"]}]})");
    INFO(load.error);
    REQUIRE(load.scenario.has_value());
    Simulation sim(*load.scenario);
    const auto& steps = sim.timeline().steps();
    bool command = false, chunk = false;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const WireStepView v = wire_step_view(steps, sim.wire(), i);
        if (steps[i].event.verb == Verb::bdat && steps[i].event.kind == TraceKind::command) {
            REQUIRE(v.lines.size() == 1);
            CHECK(v.lines[0].bytes == "BDAT 12 LAST\r\n");
            CHECK(has_note(v, "exactly 12 octets", "RFC 3030 §2"));
            command = true;
        }
        if (steps[i].event.note == TraceNote::content_bdat) {
            std::string all;
            for (const auto& l : v.lines) all += l.bytes;
            CHECK(all == "Subject: x\r\n");
            chunk = true;
        }
    }
    CHECK(command);
    CHECK(chunk);
}
