// The simulator's steps are typed all the way: every SMTP line of every built-in scenario
// has a protocol phase (never guessed from text), every reply's class matches its code
// (RFC 5321 §4.2.1), AUTH lines mark their credentials (RFC 4954 §4), the world's own
// steps carry outcomes, and the JSON of a step uses the documented names
// (docs/trace-format.md).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "engine/base64.hpp"
#include "engine/explain.hpp"
#include "sim/library.hpp"
#include "sim/scenario.hpp"
#include "sim/step_json.hpp"
#include "sim/world.hpp"

using namespace relaylab;
using namespace relaylab::sim;

namespace {

RunResult run_builtin(const BuiltinScenario& b) {
    auto load = parse_scenario(b.json);
    INFO(load.error);
    REQUIRE(load.scenario.has_value());
    return run_world(*load.scenario, {}, load.scenario->seed);
}

RunResult run_named(std::string_view name) {
    const BuiltinScenario* b = find_builtin(name);
    REQUIRE(b != nullptr);
    return run_builtin(*b);
}

// Commands outside any phase of a mail's journey (and the replies to them) may be `other`.
bool phaseless_verb(Verb v) {
    return v == Verb::noop || v == Verb::vrfy || v == Verb::expn || v == Verb::help || v == Verb::unknown;
}

}  // namespace

TEST_CASE("every SMTP line of every built-in scenario has a phase, and replies a class") {
    for (const auto& b : builtin_scenarios()) {
        CAPTURE(b.name);
        const RunResult run = run_builtin(b);
        Verb last_verb = Verb::unknown;
        bool any_line = false;
        for (const auto& s : run.steps) {
            const TraceEvent& e = s.event;
            CAPTURE(e.text);
            if (e.kind == TraceKind::command) {
                any_line = true;
                // Message content lines are not commands, so a command always has a verb or
                // is an unknown line the server refuses.
                last_verb = e.verb;
                if (!phaseless_verb(e.verb)) CHECK(e.phase != TracePhase::other);
                CHECK(e.wire.ends_with("\r\n"));
            } else if (e.kind == TraceKind::reply) {
                any_line = true;
                if (e.phase != TracePhase::greeting && !phaseless_verb(last_verb)) CHECK(e.phase != TracePhase::other);
                CHECK(e.code >= 200);
                CHECK(e.code <= 599);
                CHECK(e.text.substr(0, 3) == std::to_string(e.code));
                const ReplyClass want = e.code < 300   ? ReplyClass::positive
                                        : e.code < 400 ? ReplyClass::intermediate
                                        : e.code < 500 ? ReplyClass::transient
                                                       : ReplyClass::permanent;
                CHECK(e.reply_class == want);
                // Every SMTP line explains itself from its fields.
                CHECK_FALSE(explain_event(e).rfc.empty());
            }
        }
        CHECK(any_line);
    }
}

TEST_CASE("the simulator shows AUTH credentials marked, unmasked (RFC 4954 §4, RFC 4616 §2)") {
    const RunResult run = run_named("happy-path");
    int auth_lines = 0;
    for (const auto& s : run.steps) {
        const TraceEvent& e = s.event;
        if (e.kind != TraceKind::command || e.verb != Verb::auth) continue;
        ++auth_lines;
        CHECK(e.phase == TracePhase::auth);
        CHECK(s.topic == Topic::auth);
        REQUIRE(e.has_secret());
        REQUIRE(e.secret_end <= e.wire.size());
        // Decoded on demand: PLAIN is authzid NUL authcid NUL password.
        const std::string secret = e.wire.substr(e.secret_begin, e.secret_end - e.secret_begin);
        auto decoded = base64_decode(secret);
        REQUIRE(decoded.has_value());
        CHECK(std::count(decoded->begin(), decoded->end(), '\0') == 2);
        CHECK(e.text.find("<credentials hidden>") == std::string::npos);
        // Readers hide them until asked (the readable report does).
        CHECK(trace_text_hiding_secret(e).find(secret) == std::string::npos);
        CHECK(trace_text_hiding_secret(e).ends_with("<credentials hidden>"));
    }
    CHECK(auth_lines >= 1);
}

TEST_CASE("the world's own steps carry typed outcomes") {
    SUBCASE("a host that is down refuses the connection (RFC 5321 §5.1)") {
        const RunResult run = run_named("mx-fallback");
        bool refused = false;
        for (const auto& s : run.steps)
            refused |= s.event.kind == TraceKind::connect && s.event.outcome == TraceOutcome::refused &&
                       s.event.phase == TracePhase::connect;
        CHECK(refused);
    }
    SUBCASE("final delivery and DNS answers") {
        const RunResult run = run_named("happy-path");
        bool delivered = false, dns_ok = false;
        for (const auto& s : run.steps) {
            delivered |= s.event.kind == TraceKind::delivery && s.event.outcome == TraceOutcome::delivered &&
                         s.event.phase == TracePhase::delivery;
            dns_ok |= s.event.kind == TraceKind::dns_answer && s.event.outcome == TraceOutcome::ok;
        }
        CHECK(delivered);
        CHECK(dns_ok);
    }
    SUBCASE("a DNS answer naming no host is a failed lookup (RFC 5321 §5.1)") {
        const RunResult run = run_named("nxdomain");
        bool failed = false;
        for (const auto& s : run.steps)
            for (const auto& c : s.changes)
                if (const auto* add = std::get_if<AddDnsRecord>(&c)) {
                    CHECK(add->record.outcome == s.event.outcome);
                    failed |= add->record.outcome == TraceOutcome::failed;
                }
        CHECK(failed);
    }
    SUBCASE("DNS answers carry their records as data (RFC 5321 §5.1)") {
        const RunResult run = run_named("happy-path");
        bool mx = false, a = false;
        for (const auto& s : run.steps) {
            const TraceDns& d = s.event.dns;
            if (s.event.kind != TraceKind::dns_answer) continue;
            mx |= d.type == DnsQuestionType::mx && d.name == "dest.test" && d.status == DnsStatus::ok &&
                  d.mx == std::vector<MxRecord>{MxRecord{10, "mx1.dest.test"}};
            a |= d.type == DnsQuestionType::a && d.name == "mx1.dest.test" &&
                 d.addresses == std::vector<std::string>{"198.51.100.10"};
        }
        CHECK(mx);
        CHECK(a);
    }
    SUBCASE("a failed lookup says which failure (RFC 1035 §4.1.1)") {
        const RunResult run = run_named("nxdomain");
        bool nxdomain = false;
        for (const auto& s : run.steps)
            nxdomain |= s.event.kind == TraceKind::dns_answer && s.event.dns.status == DnsStatus::nxdomain &&
                        s.event.dns.mx.empty();
        CHECK(nxdomain);
    }
    SUBCASE("connection attempts name their target and port (RFC 5321 §3.1)") {
        const RunResult run = run_named("mx-fallback");
        bool attempt = false, refused = false;
        for (const auto& s : run.steps) {
            if (s.event.kind != TraceKind::connect) continue;
            attempt |= s.event.outcome == TraceOutcome::none && s.event.connect.port == 25 &&
                       !s.event.connect.host.empty() && !s.event.connect.address.empty();
            refused |= s.event.outcome == TraceOutcome::refused && s.event.connect.host == s.event.from &&
                       s.event.connect.port == 25;
            if (s.event.text == "connection closed") CHECK(s.event.connect.empty());
        }
        CHECK(attempt);
        CHECK(refused);
    }
    SUBCASE("a capture host's delivery is marked captured, not delivered") {
        const RunResult run = run_named("capture-dev");
        bool captured = false, delivered = false;
        for (const auto& s : run.steps) {
            captured |= s.event.kind == TraceKind::delivery && s.event.outcome == TraceOutcome::captured &&
                        s.event.from == "mailpit.dev.test";
            delivered |= s.event.outcome == TraceOutcome::delivered;
        }
        CHECK(captured);
        CHECK_FALSE(delivered);
    }
    SUBCASE("a bounce is a dsn step with outcome bounced (RFC 3464 §2.3.3)") {
        const RunResult run = run_named("user-unknown");
        bool bounce = false;
        for (const auto& s : run.steps)
            bounce |= s.event.phase == TracePhase::dsn && s.event.outcome == TraceOutcome::bounced &&
                      s.topic == Topic::bounce;
        CHECK(bounce);
    }
}

TEST_CASE("a step's JSON uses the documented field names and enum names") {
    const RunResult run = run_named("happy-path");
    bool saw_reply = false;
    for (const auto& s : run.steps) {
        const Json j = step_json(s);
        for (const char* key : {"t_ms", "time", "kind", "phase", "topic", "from", "to", "text", "verb", "code",
                                "enhanced", "reply_class", "reply_line", "outcome", "note", "state_before", "state_after",
                                "wire", "secret", "explain", "rfc", "message", "connection"})
            CHECK(j.contains(key));
        if (s.event.kind == TraceKind::reply && !saw_reply) {
            saw_reply = true;
            CHECK(j["phase"] == "greeting");
            CHECK(j["code"] == 220);
            CHECK(j["reply_class"] == "positive");
        }
    }
    CHECK(saw_reply);
    MessageStatus m;
    m.status = MessageState::relayed;
    CHECK(message_json(m)["status"] == "relayed");
    CHECK(std::string(purpose_name(Purpose::delivery)) == "delivery");
    CHECK(std::string(topic_name(Topic::bounce)) == "bounce");
}
