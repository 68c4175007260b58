// Step JSON read back into typed values (sim/step_json.hpp): write → read → equal, for every
// TraceKind, and for every step of every built-in scenario; the live stream's extra keys;
// clear errors for wrong types and unknown names. docs/trace-format.md lists the fields.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sim/library.hpp"
#include "sim/scenario.hpp"
#include "sim/step_json.hpp"
#include "sim/world.hpp"

using namespace relaylab;
using namespace relaylab::sim;

namespace {

Step round_trip(const Step& step) {
    Step plain = step;
    plain.changes.clear();  // the JSON carries no changes
    const std::string text = step_json(plain).dump();
    const StepRead read = read_step_json_text(text);
    REQUIRE_MESSAGE(read.record, read.error);
    return read.record->step;
}

Step make(TraceKind kind, TracePhase phase) {
    Step s;
    s.event.t_ms = 1234;
    s.event.kind = kind;
    s.event.phase = phase;
    s.event.from = "relay.lab.test";
    s.event.to = "mx1.dest.test";
    s.topic = Topic::delivery;
    s.message = "m1";
    s.connection = 3;
    return s;
}

}  // namespace

TEST_CASE("step JSON: write → read gives the same step, for every TraceKind") {
    std::vector<Step> steps;
    {  // RFC 5321 §4.1.1.2: a command line, verb typed
        Step s = make(TraceKind::command, TracePhase::envelope);
        s.event.verb = Verb::mail;
        s.event.wire = "MAIL FROM:<alice@lab.test> SIZE=266\r\n";
        s.event.text = "MAIL FROM:<alice@lab.test> SIZE=266";
        steps.push_back(s);
    }
    {  // RFC 4954 §4: an AUTH line with its secret span
        Step s = make(TraceKind::command, TracePhase::auth);
        s.event.verb = Verb::auth;
        s.event.wire = "AUTH PLAIN AGFAYgBj\r\n";
        s.event.text = "AUTH PLAIN AGFAYgBj";
        s.event.secret_begin = 11;
        s.event.secret_end = 19;
        steps.push_back(s);
    }
    {  // RFC 5321 §4.2.1, RFC 3463: a reply line of a multi-line reply
        Step s = make(TraceKind::reply, TracePhase::envelope);
        s.event.code = 451;
        s.event.enhanced = "4.7.1";
        s.event.reply_class = ReplyClass::transient;
        s.event.reply_line = 2;
        s.event.wire = "451 4.7.1 Greylisted\r\n";
        s.event.text = "451 4.7.1 Greylisted";
        steps.push_back(s);
    }
    {
        Step s = make(TraceKind::data, TracePhase::content);
        s.event.note = TraceNote::content;
        s.event.text = "message content, 266 bytes";
        steps.push_back(s);
    }
    {
        Step s = make(TraceKind::state, TracePhase::other);
        s.event.state_before = "greeting";
        s.event.state_after = "ready";
        steps.push_back(s);
    }
    {
        Step s = make(TraceKind::tls, TracePhase::tls);
        s.event.note = TraceNote::tls_established;
        s.event.outcome = TraceOutcome::ok;
        s.event.text = "TLS established (TLSv1.3)";
        steps.push_back(s);
    }
    {  // composed prose survives (it is not what explain_event would compute)
        Step s = make(TraceKind::dns_query, TracePhase::dns);
        s.event.text = "dest.test IN MX?";
        s.event.explain = "Asks DNS which hosts accept mail for this domain.";
        s.event.rfc = "RFC 5321 §5.1";
        s.connection = -1;
        steps.push_back(s);
    }
    {
        Step s = make(TraceKind::dns_answer, TracePhase::dns);
        s.event.text = "dest.test MX: NXDOMAIN (no such domain)";
        s.event.outcome = TraceOutcome::failed;
        s.event.explain = "The domain does not exist.";
        steps.push_back(s);
    }
    {
        Step s = make(TraceKind::connect, TracePhase::connect);
        s.event.text = "connection to mx1.dest.test:25 refused";
        s.event.outcome = TraceOutcome::refused;
        s.event.rfc = "RFC 5321 §5.1";  // rfc without explain
        steps.push_back(s);
    }
    {
        Step s = make(TraceKind::queue, TracePhase::queue);
        s.topic = Topic::queue;
        s.event.outcome = TraceOutcome::deferred;
        s.event.text = "queue Q1: bob@dest.test deferred";
        s.event.explain = "Deferred.";
        steps.push_back(s);
    }
    {
        Step s = make(TraceKind::delivery, TracePhase::dsn);
        s.topic = Topic::bounce;
        s.event.outcome = TraceOutcome::bounced;
        s.event.text = "bounce sent";
        s.event.explain = "A notice.";
        steps.push_back(s);
    }
    {
        Step s = make(TraceKind::note, TracePhase::intro);
        s.topic = Topic::intro;
        s.message = "";
        s.connection = -1;
        s.event.text = "scenario starts";
        s.event.explain = "A world.";
        steps.push_back(s);
    }
    std::vector<bool> kinds(11, false);
    for (const auto& s : steps) {
        CAPTURE(trace_kind_name(s.event.kind));
        CHECK(round_trip(s) == s);
        kinds.at(static_cast<std::size_t>(s.event.kind)) = true;
    }
    for (std::size_t k = 0; k < kinds.size(); ++k) CHECK_MESSAGE(kinds[k], trace_kind_name(static_cast<TraceKind>(k)));
}

TEST_CASE("step JSON: every step of every built-in scenario reads back equal") {
    std::size_t total = 0;
    for (const auto& builtin : builtin_scenarios()) {
        auto load = parse_scenario(builtin.json);
        REQUIRE(load.scenario);
        const RunResult run = run_world(*load.scenario, {}, load.scenario->seed);
        for (const Step& s : run.steps) {
            CAPTURE(builtin.name);
            CAPTURE(s.event.text);
            Step want = s;
            want.changes.clear();
            // The JSON names the verb of command lines only (docs/trace-format.md).
            if (want.event.kind != TraceKind::command) want.event.verb = Verb::unknown;
            CHECK(round_trip(s) == want);
            ++total;
        }
    }
    CHECK(total > 1000);
}

TEST_CASE("step JSON: the live stream's keys are read, unknown keys ignored") {
    const StepRead r = read_step_json_text(
        R"({"type":"event","t_ms":40,"kind":"reply","phase":"greeting","topic":"submission","from":"relay",)"
        R"("to":"127.0.0.1","text":"220 relay ESMTP","code":220,"reply_class":"positive","wire":"220 relay ESMTP\r\n",)"
        R"("secret":null,"session":"in-7","role":"submission","peer":"127.0.0.1:4242","queue_id":"Q9",)"
        R"("message":"Q9","at":1772442000040,"connection":-1})");
    REQUIRE_MESSAGE(r.record, r.error);
    CHECK(r.record->session == "in-7");
    CHECK(r.record->role == "submission");
    CHECK(r.record->peer == "127.0.0.1:4242");
    CHECK(r.record->queue_id == "Q9");
    CHECK(r.record->at_ms == 1772442000040);
    CHECK(r.record->step.event.code == 220);
    CHECK(r.record->step.event.reply_class == ReplyClass::positive);
    CHECK(r.record->step.event.phase == TracePhase::greeting);
    CHECK_FALSE(r.record->next_attempt_at_ms);
}

TEST_CASE("step JSON: a deferred recipient's next try is read as a time, not from the text") {
    const StepRead r = read_step_json_text(
        R"({"type":"event","t_ms":900,"kind":"delivery","phase":"queue","from":"relay","to":"bob@dest.test",)"
        R"("text":"bob@dest.test: deferred via mx.dest.test (451 4.7.1 later), next try in 299 s","code":451,)"
        R"("enhanced":"4.7.1","outcome":"deferred","session":"q-Q9","role":"queue","queue_id":"Q9",)"
        R"("at":1772442000900,"next_attempt_at":1772442300000})");
    REQUIRE_MESSAGE(r.record, r.error);
    CHECK(r.record->step.event.outcome == TraceOutcome::deferred);
    CHECK(r.record->next_attempt_at_ms == 1772442300000);
    CHECK(read_step_json_text(R"({"next_attempt_at":"soon"})").error == "next_attempt_at: expected an integer");
}

TEST_CASE("step JSON: wrong types and unknown names are errors, with the key") {
    CHECK(read_step_json_text("[1]").error == "expected a JSON object");
    CHECK(read_step_json_text("{").error == "not valid JSON");
    CHECK(read_step_json_text(R"({"kind":"telegram"})").error == "kind: unknown value \"telegram\"");
    CHECK(read_step_json_text(R"({"code":"250"})").error == "code: expected an integer");
    CHECK(read_step_json_text(R"({"wire":"AB\r\n","secret":{"begin":1,"end":9}})").error.rfind("secret:", 0) == 0);
    CHECK(read_step_json_text(R"({"verb":"MAIL","kind":"command"})").record->step.event.verb == Verb::mail);
}

TEST_CASE("step JSON: typed DNS answers, connect targets and the captured outcome round-trip") {
    std::vector<Step> steps;
    {  // RFC 5321 §5.1: an MX answer, records in the order given
        Step s = make(TraceKind::dns_answer, TracePhase::dns);
        s.event.outcome = TraceOutcome::ok;
        s.event.text = "dest.test MX: 10 mx1.dest.test, 20 mx2.dest.test";
        s.event.dns = TraceDns{"dest.test", DnsQuestionType::mx, DnsStatus::ok,
                               {MxRecord{10, "mx1.dest.test"}, MxRecord{20, "mx2.dest.test"}}, {}};
        steps.push_back(s);
    }
    {  // RFC 3596 §2: an AAAA answer
        Step s = make(TraceKind::dns_answer, TracePhase::dns);
        s.event.outcome = TraceOutcome::ok;
        s.event.dns = TraceDns{"mx1.dest.test", DnsQuestionType::aaaa, DnsStatus::ok, {}, {"2001:db8::10", "2001:db8::11"}};
        steps.push_back(s);
    }
    // RFC 1035 §4.1.1, RFC 2308 §2.2: each failure kind
    for (DnsStatus st : {DnsStatus::nxdomain, DnsStatus::nodata, DnsStatus::servfail, DnsStatus::timeout}) {
        Step s = make(TraceKind::dns_answer, TracePhase::dns);
        s.event.outcome = st == DnsStatus::timeout ? TraceOutcome::timed_out : TraceOutcome::failed;
        s.event.dns = TraceDns{"dest.test", DnsQuestionType::a, st, {}, {}};
        steps.push_back(s);
    }
    {  // a question: name and type only
        Step s = make(TraceKind::dns_query, TracePhase::dns);
        s.event.dns = TraceDns{"dest.test", DnsQuestionType::mx, DnsStatus::ok, {}, {}};
        steps.push_back(s);
    }
    {  // RFC 5321 §3.1: where a connection went
        Step s = make(TraceKind::connect, TracePhase::connect);
        s.event.text = "connect to mx1.dest.test:587";
        s.event.connect = TraceConnect{"mx1.dest.test", "198.51.100.10", 587};
        steps.push_back(s);
    }
    {  // a sandbox took the message: captured, nothing goes on
        Step s = make(TraceKind::delivery, TracePhase::delivery);
        s.event.outcome = TraceOutcome::captured;
        s.event.text = "captured in the inbox of mailpit.dev.test";
        s.event.explain = "Kept by a capture host.";
        steps.push_back(s);
    }
    for (const auto& s : steps) {
        CAPTURE(s.event.text);
        CHECK(round_trip(s) == s);
    }

    // The keys as docs/trace-format.md names them.
    const Json mx = step_json(steps[0]);
    CHECK(mx["dns"]["name"] == "dest.test");
    CHECK(mx["dns"]["type"] == "MX");
    CHECK(mx["dns"]["status"] == "ok");
    CHECK(mx["dns"]["mx"][1]["preference"] == 20);
    CHECK(mx["dns"]["mx"][1]["host"] == "mx2.dest.test");
    CHECK(mx["dns"]["addresses"].empty());
    CHECK(mx["connect"].is_null());
    CHECK(step_json(steps[4])["dns"]["status"] == "servfail");
    const Json connect = step_json(steps[7]);
    CHECK(connect["connect"] == Json{{"host", "mx1.dest.test"}, {"address", "198.51.100.10"}, {"port", 587}});
    CHECK(connect["dns"].is_null());
    CHECK(step_json(steps[8])["outcome"] == "captured");
}

TEST_CASE("step JSON: the typed DNS and connect objects: unknown keys ignored, wrong ones refused") {
    // A stream that grows keys inside the objects still reads.
    const StepRead grown = read_step_json_text(
        R"({"kind":"dns_answer","dns":{"name":"dest.test","type":"MX","status":"ok","ttl":300,)"
        R"("mx":[{"preference":5,"host":"mx.dest.test","weight":1}],"addresses":[]},)"
        R"("connect":null,"future":{"x":1}})");
    REQUIRE_MESSAGE(grown.record, grown.error);
    const TraceDns& d = grown.record->step.event.dns;
    CHECK(d.name == "dest.test");
    CHECK(d.type == DnsQuestionType::mx);
    CHECK(d.mx == std::vector<MxRecord>{MxRecord{5, "mx.dest.test"}});
    // A step without the keys (an older stream) has none of them.
    const StepRead old = read_step_json_text(R"({"kind":"dns_answer","text":"dest.test MX: 10 mx.dest.test"})");
    REQUIRE(old.record);
    CHECK(old.record->step.event.dns.empty());
    CHECK(old.record->step.event.connect.empty());

    CHECK(read_step_json_text(R"({"dns":"dest.test MX"})").error == "dns: expected null or an object");
    CHECK(read_step_json_text(R"({"dns":{"name":"a","type":"TXT"}})").error == "dns.type: unknown value \"TXT\"");
    CHECK(read_step_json_text(R"({"dns":{"name":"a","type":"MX","status":"lost"}})").error ==
          "dns.status: unknown value \"lost\"");
    CHECK(read_step_json_text(R"({"dns":{"name":"a","type":"MX","mx":[{"preference":70000,"host":"b"}]}})")
              .error.rfind("dns.mx:", 0) == 0);
    CHECK(read_step_json_text(R"({"dns":{"name":"a","type":"A","addresses":[1]}})").error ==
          "dns.addresses: expected an array of strings");
    CHECK(read_step_json_text(R"({"connect":{"port":"25"}})").error == "connect.port: expected an integer");
    CHECK(read_step_json_text(R"({"connect":{"port":70000}})").error == "connect.port: expected 0..65535");
    CHECK(read_step_json_text(R"({"outcome":"captured"})").record->step.event.outcome == TraceOutcome::captured);
}
