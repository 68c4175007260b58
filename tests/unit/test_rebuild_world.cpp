// "Open in the simulator" (sim/rebuild_world.hpp): run a built-in scenario, take its trace
// (as typed events, and through the step JSON the live stream sends), rebuild a world from
// it, load that with the scenario loader and run it: the rebuilt run must give the same SMTP
// replies (code and enhanced code, RFC 5321 §4.2, RFC 3463) from the same hosts, in the same
// order, and the same final outcome per message. Where the world cannot, the notes say why.
#include <doctest/doctest.h>

#include <set>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "sim/library.hpp"
#include "sim/rebuild_world.hpp"
#include "sim/scenario.hpp"
#include "sim/step_json.hpp"
#include "sim/world.hpp"
#include "tests/unit/run_replies.hpp"

using namespace relaylab;
using namespace relaylab::sim;
using namespace relaylab::test;

namespace {

std::vector<ObservedEvent> typed_events(const RunResult& run) {
    std::vector<ObservedEvent> out;
    for (const Step& s : run.steps) {
        ObservedEvent o;
        o.event = s.event;
        o.session = s.connection >= 0 ? "c" + std::to_string(s.connection) : "";
        o.message = s.message;
        out.push_back(std::move(o));
    }
    return out;
}

// The same events as the live stream carries them: one JSON line each, read back.
std::vector<ObservedEvent> json_events(const RunResult& run) {
    std::vector<ObservedEvent> out;
    for (const Step& s : run.steps) {
        const StepRead r = read_step_json_text(step_json(s).dump());
        REQUIRE_MESSAGE(r.record, r.error);
        out.push_back(observed_event(*r.record));
    }
    return out;
}

struct Outcome {
    std::string id;
    MessageState status;
    int code;
    std::string enhanced, final_host;
    bool operator==(const Outcome&) const = default;
};
std::vector<Outcome> outcomes(const RunResult& run) {
    std::vector<Outcome> out;
    for (const auto& m : run.messages) out.push_back({m.id, m.status, m.code, m.enhanced, m.final_host});
    return out;
}

bool has_note(const RebuiltWorld& w, std::string_view part) {
    return std::any_of(w.notes.begin(), w.notes.end(),
                       [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

struct Rerun {
    RebuiltWorld world;
    Scenario scenario;
    RunResult run;
};

Rerun rebuild_and_run(const RunResult& observed) {
    Rerun out;
    out.world = rebuild_world(typed_events(observed), "rebuilt");
    // Through JSON, the world is the same.
    CHECK(rebuild_world(json_events(observed), "rebuilt").json == out.world.json);
    auto load = parse_scenario(out.world.json);
    REQUIRE_MESSAGE(load.scenario, load.error << "\n" << out.world.json);
    out.scenario = *load.scenario;
    out.run = run_world(out.scenario, {}, out.scenario.seed);
    return out;
}

void check_replayed(std::string_view name, const SwitchOverrides& overrides, std::vector<std::string> notes) {
    CAPTURE(std::string(name));
    const RunResult observed = run_builtin(name, overrides);
    const Rerun rerun = rebuild_and_run(observed);
    CAPTURE(rerun.world.json);
    CHECK(rerun.scenario.title == "Rebuilt from what was observed");
    CHECK(rerun.scenario.description.find("not a recording") != std::string::npos);
    REQUIRE(!replies(observed).empty());
    CHECK_MESSAGE(replies(rerun.run) == replies(observed),
                  "observed:\n" << show(replies(observed)) << "rebuilt:\n" << show(replies(rerun.run)));
    REQUIRE(!outcomes(observed).empty());
    CHECK(outcomes(rerun.run) == outcomes(observed));
    // RFC 4954 §4: the credentials are not in a trace; a note says the password is a stand-in.
    const bool auth = std::any_of(rerun.scenario.messages.begin(), rerun.scenario.messages.end(),
                                  [](const MessageSpec& m) { return m.auth.has_value(); });
    CHECK(has_note(rerun.world, "never in the trace") == auth);
    for (const auto& note : notes) CHECK_MESSAGE(has_note(rerun.world, note), note);
    // Everything was mapped: no reply left unexplained.
    CHECK_FALSE(has_note(rerun.world, "not a behaviour the world offers"));
}

}  // namespace

TEST_CASE("rebuilt worlds replay the observed replies and outcomes of built-in scenarios") {
    // Each teaches one behaviour that the replies show and the rebuilt world must re-create;
    // the notes name the behaviour read from the replies.
    check_replayed("happy-path", {}, {"content was not observed"});
    check_replayed("greylisting", {}, {"4.7.1 to a recipient: taken as greylisting"});  // RFC 6647
    check_replayed("user-unknown", {}, {"refused unknown recipients (550 5.1.1)"});    // RFC 3463 X.1.1
    check_replayed("relay-denied", {}, {});                                             // RFC 5321 §3.6.2
    check_replayed("mx-fallback", {}, {});                                              // RFC 5321 §5.1
    check_replayed("message-too-large", {}, {});                                        // RFC 1870 §6.2
    check_replayed("starttls-required", {}, {"AUTH before STARTTLS", "sent as a script"});  // RFC 3207 §4
    check_replayed("auth-failed", {}, {});                                              // RFC 4954 §6
    check_replayed("rate-limited", {}, {"taken as a rate limit"});                      // RFC 5321 §3.8
    check_replayed("mailbox-full", {}, {"queue lifetime is taken as 2 h"});             // RFC 5321 §4.5.4.1
    check_replayed("nxdomain", {}, {});
    check_replayed("null-mx", {}, {});  // RFC 7505
    check_replayed("implicit-mx", {}, {});
    check_replayed("dns-servfail", {}, {"the failure lasts until the time of the first answer"});
    check_replayed("tls-required-failure", {}, {"TLS is required for dest.test"});
    check_replayed("tls-required-failure", {{"tls-failure", false}, {"tls-untrusted", true}},
                   {"TLS is required for dest.test"});
    check_replayed("submissions-465", {}, {});  // RFC 8314 §3.3
    check_replayed("submissions-465", {{"wrong-password", true}}, {});  // RFC 4954 §6: 535 5.7.8
    check_replayed("notify-success", {}, {});   // RFC 3461
    check_replayed("eight-bit-old-server", {}, {});
    check_replayed("smtputf8", {}, {});  // RFC 6531
    check_replayed("smtp-smuggling", {}, {});
    check_replayed("mail-loop", {}, {"static route", "hop limit is taken as 20"});  // RFC 5321 §6.3
    check_replayed("happy-path", {{"tls-failure", true}}, {});  // opportunistic: on in clear (RFC 7435)
    check_replayed("happy-path", {{"mx-down", true}}, {});
    check_replayed("happy-path", {{"dns-failure", true}}, {});
    check_replayed("happy-path", {{"size-limit", true}}, {});
    check_replayed("happy-path", {{"wrong-password", true}}, {});
    check_replayed("greylisting", {{"mx-down", true}}, {});
    check_replayed("capture-dev", {}, {"rebuilt as a capture host"});                   // outcome `captured`
    check_replayed("bdat-chunking", {}, {"several BDAT chunks", "sent as a script"});    // RFC 3030 §2
}

TEST_CASE("rebuilt world: a capture host stays one, and a raw client's BDAT chunks keep their sizes") {
    {
        const Rerun rerun = rebuild_and_run(run_builtin("capture-dev"));
        CAPTURE(rerun.world.json);
        REQUIRE(rerun.scenario.host("mailpit.dev.test"));
        CHECK(rerun.scenario.host("mailpit.dev.test")->kind == HostKind::capture);
        CHECK_FALSE(rerun.scenario.host("mx1.dest.test"));  // never contacted, so not in the world
        REQUIRE(rerun.run.messages.size() == 1);
        CHECK(rerun.run.messages[0].status == MessageState::captured);
    }
    {
        const Rerun rerun = rebuild_and_run(run_builtin("bdat-chunking"));
        CAPTURE(rerun.world.json);
        const MessageSpec* chunks = nullptr;
        for (const auto& m : rerun.scenario.messages)
            if (m.client == "app-server") chunks = &m;
        REQUIRE(chunks);
        std::vector<std::string> bdat;
        for (const auto& line : chunks->script)
            if (line.rfind("BDAT ", 0) == 0) bdat.push_back(line);
        REQUIRE(bdat.size() == 2);
        // RFC 3030 §2: exactly the octets each chunk declared follow its command line.
        CHECK(bdat[0].rfind("BDAT 59\r\n", 0) == 0);
        CHECK(bdat[0].size() == std::string("BDAT 59\r\n").size() + 59);
        CHECK(bdat[1].rfind("BDAT 67 LAST\r\n", 0) == 0);
        CHECK(bdat[1].size() == std::string("BDAT 67 LAST\r\n").size() + 67);
        // The other client's one BDAT LAST is the engine's client asked to use BDAT.
        for (const auto& m : rerun.scenario.messages)
            if (m.client == "alice-laptop") CHECK(m.bdat);
    }
}

TEST_CASE("rebuilt world: DNS and connect facts come from the typed fields, never from the text") {
    // The same printable text with and without the typed objects: only the typed ones count.
    auto world_of = [](bool typed) {
        const std::string dns = typed ? R"(,"dns":{"name":"example.org","type":"MX","status":"servfail","mx":[],"addresses":[]})" : "";
        const std::string connect = typed ? R"(,"connect":{"host":"mx.example.org","address":"127.0.0.2","port":25})" : "";
        const std::string lines[] = {
            R"({"t_ms":0,"kind":"dns_answer","phase":"dns","from":"dns","to":"lab.test","text":"example.org MX: SERVFAIL","outcome":"failed","message":"Q1","at":1000)" + dns + "}",
            R"({"t_ms":0,"kind":"connect","phase":"connect","from":"lab.test","to":"127.0.0.2:25","text":"connect to mx.example.org (127.0.0.2:25) failed: Connection refused","outcome":"refused","message":"Q1","at":1001)" + connect + "}",
        };
        std::vector<ObservedEvent> events;
        for (const auto& line : lines) {
            const StepRead r = read_step_json_text(line);
            REQUIRE_MESSAGE(r.record, r.error);
            events.push_back(observed_event(*r.record));
        }
        return rebuild_world(events, "typed").json;
    };
    const std::string typed = world_of(true), text_only = world_of(false);
    CHECK(typed.find("\"dns-example.org-mx\"") != std::string::npos);  // RFC 1035 §4.1.1: SERVFAIL
    CHECK(typed.find("\"down-mx.example.org\"") != std::string::npos);
    CHECK(text_only.find("dns-example.org") == std::string::npos);
    CHECK(text_only.find("mx.example.org") == std::string::npos);
}

TEST_CASE("rebuilt world: the observed behaviours are switches, on, that the learner can turn off") {
    const Rerun rerun = rebuild_and_run(run_builtin("greylisting"));
    const SwitchSpec* grey = nullptr;
    for (const auto& sw : rerun.scenario.switches)
        if (sw.name == "greylisting-mx1.dest.test") grey = &sw;
    REQUIRE(grey);
    CHECK(grey->on);
    REQUIRE(grey->effects.size() == 1);
    CHECK(grey->effects[0].type == EffectType::greylisting);
    // Off: no 451 4.7.1 (RFC 6647), delivered at the first attempt.
    const RunResult off = run_world(rerun.scenario, {{"greylisting-mx1.dest.test", false}}, rerun.scenario.seed);
    for (const auto& r : replies(off)) CHECK(r.code != 451);
    REQUIRE(off.messages.size() == 1);
    CHECK(off.messages[0].status == MessageState::delivered);
    CHECK(off.messages[0].deferrals == 0);
}

TEST_CASE("rebuilt world: a reply the world cannot give is named in the notes, and the re-run differs there") {
    RunResult observed = run_builtin("happy-path");
    // Say the destination had refused the recipient with a policy code the world has no
    // behaviour for (RFC 7372 §3.2: 5.7.26, DMARC).
    bool changed = false;
    for (Step& s : observed.steps)
        if (!changed && s.event.kind == TraceKind::reply && s.event.from == "mx1.dest.test" && s.event.phase == TracePhase::envelope &&
            s.event.enhanced == "2.1.5") {
            s.event.code = 550;
            s.event.enhanced = "5.7.26";
            s.event.reply_class = ReplyClass::permanent;
            s.event.wire = "550 5.7.26 Unauthenticated email is not accepted\r\n";
            s.event.text = "550 5.7.26 Unauthenticated email is not accepted";
            changed = true;
        }
    REQUIRE(changed);
    const Rerun rerun = rebuild_and_run(observed);
    CHECK(has_note(rerun.world, "mx1.dest.test answered 550 5.7.26 to RCPT: not a behaviour the world offers"));
    CHECK(replies(rerun.run) != replies(observed));
}

TEST_CASE("rebuilt world: events as the live stream sends them (sessions, wall-clock times)") {
    // The relay's stream: each session has an id and its own t_ms; `at` is the wall clock.
    const RunResult observed = run_builtin("greylisting");
    std::vector<ObservedEvent> events;
    std::map<int, std::int64_t> started;
    for (const Step& s : observed.steps) {
        Json j = step_json(s);
        if (s.connection >= 0) {
            started.try_emplace(s.connection, s.event.t_ms);
            j["session"] = "in-" + std::to_string(s.connection);
            j["t_ms"] = s.event.t_ms - started[s.connection];
        } else {
            j["session"] = "q-" + s.message;
        }
        j["connection"] = -1;
        j["queue_id"] = s.message;
        j["at"] = k_sim_epoch_ms + s.event.t_ms;
        const StepRead r = read_step_json_text(j.dump());
        REQUIRE_MESSAGE(r.record, r.error);
        events.push_back(observed_event(*r.record));
    }
    const RebuiltWorld world = rebuild_world(events, "live");
    auto load = parse_scenario(world.json);
    REQUIRE_MESSAGE(load.scenario, load.error);
    CHECK(load.scenario->name == "live");
    REQUIRE(load.scenario->messages.size() == 1);
    CHECK(load.scenario->messages[0].at_ms == 0);
    CHECK(load.scenario->messages[0].port == 587);
    const RunResult rerun = run_world(*load.scenario, {}, load.scenario->seed);
    CHECK(replies(rerun) == replies(observed));
    CHECK(outcomes(rerun) == outcomes(observed));
}

TEST_CASE("rebuilt world: a real relay's stream (addresses as peers, its DNS and connect lines)") {
    // What `relaylab serve` sends on /api/v1/live for one submission and its delivery attempt
    // (native/live_*.cpp): the inbound session's client is the peer's address, the outbound
    // session's server is "host:port", DNS answers carry their records as a typed `dns`
    // object (their text is only the printable form).
    const char* lines[] = {
        R"j({"type":"event","t_ms":0,"kind":"reply","phase":"greeting","from":"lab.test","to":"127.0.0.1","text":"220 lab.test ESMTP","code":220,"reply_class":"positive","wire":"220 lab.test ESMTP\r\n","session":"in-1","role":"submission","peer":"127.0.0.1","at":1000})j",
        R"j({"type":"event","t_ms":5,"kind":"command","phase":"ehlo","from":"127.0.0.1","to":"lab.test","text":"EHLO app","verb":"EHLO","wire":"EHLO app\r\n","session":"in-1","role":"submission","at":1005})j",
        R"j({"type":"event","t_ms":5,"kind":"reply","phase":"ehlo","from":"lab.test","to":"127.0.0.1","text":"250-lab.test","code":250,"reply_class":"positive","wire":"250-lab.test\r\n","session":"in-1","role":"submission","at":1005})j",
        R"j({"type":"event","t_ms":5,"kind":"reply","phase":"ehlo","from":"lab.test","to":"127.0.0.1","text":"250-AUTH PLAIN","code":250,"reply_line":1,"reply_class":"positive","wire":"250-AUTH PLAIN\r\n","session":"in-1","role":"submission","at":1005})j",
        R"j({"type":"event","t_ms":5,"kind":"reply","phase":"ehlo","from":"lab.test","to":"127.0.0.1","text":"250 SIZE 1000000","code":250,"reply_line":2,"reply_class":"positive","wire":"250 SIZE 1000000\r\n","session":"in-1","role":"submission","at":1005})j",
        R"j({"type":"event","t_ms":9,"kind":"command","phase":"auth","from":"127.0.0.1","to":"lab.test","text":"AUTH PLAIN <credentials hidden>","verb":"AUTH","wire":"AUTH PLAIN <credentials hidden>\r\n","secret":{"begin":11,"end":31},"session":"in-1","role":"submission","at":1009})j",
        R"j({"type":"event","t_ms":9,"kind":"reply","phase":"auth","from":"lab.test","to":"127.0.0.1","text":"235 2.7.0 ok","code":235,"enhanced":"2.7.0","reply_class":"positive","wire":"235 2.7.0 ok\r\n","session":"in-1","role":"submission","at":1009})j",
        R"j({"type":"event","t_ms":12,"kind":"command","phase":"envelope","from":"127.0.0.1","to":"lab.test","text":"MAIL FROM:<app@lab.test> SIZE=900","verb":"MAIL","wire":"MAIL FROM:<app@lab.test> SIZE=900\r\n","session":"in-1","role":"submission","at":1012})j",
        R"j({"type":"event","t_ms":12,"kind":"reply","phase":"envelope","from":"lab.test","to":"127.0.0.1","text":"250 2.1.0 Ok","code":250,"enhanced":"2.1.0","reply_class":"positive","wire":"250 2.1.0 Ok\r\n","session":"in-1","role":"submission","at":1012})j",
        R"j({"type":"event","t_ms":13,"kind":"command","phase":"envelope","from":"127.0.0.1","to":"lab.test","text":"RCPT TO:<nobody@example.org>","verb":"RCPT","wire":"RCPT TO:<nobody@example.org>\r\n","session":"in-1","role":"submission","at":1013})j",
        R"j({"type":"event","t_ms":13,"kind":"reply","phase":"envelope","from":"lab.test","to":"127.0.0.1","text":"250 2.1.5 Ok","code":250,"enhanced":"2.1.5","reply_class":"positive","wire":"250 2.1.5 Ok\r\n","session":"in-1","role":"submission","at":1013})j",
        R"j({"type":"event","t_ms":14,"kind":"command","phase":"content","from":"127.0.0.1","to":"lab.test","text":"DATA","verb":"DATA","wire":"DATA\r\n","session":"in-1","role":"submission","at":1014})j",
        R"j({"type":"event","t_ms":14,"kind":"reply","phase":"content","from":"lab.test","to":"127.0.0.1","text":"354 go ahead","code":354,"reply_class":"intermediate","wire":"354 go ahead\r\n","session":"in-1","role":"submission","at":1014})j",
        R"j({"type":"event","t_ms":15,"kind":"data","phase":"content","from":"127.0.0.1","to":"lab.test","text":"message content, 900 bytes","note":"content","session":"in-1","role":"submission","at":1015})j",
        R"j({"type":"event","t_ms":15,"kind":"reply","phase":"content","from":"lab.test","to":"127.0.0.1","text":"250 2.0.0 queued as Q1","code":250,"enhanced":"2.0.0","reply_class":"positive","wire":"250 2.0.0 queued as Q1\r\n","session":"in-1","role":"submission","queue_id":"Q1","message":"Q1","at":1015})j",
        R"j({"type":"event","t_ms":0,"kind":"queue","phase":"queue","from":"lab.test","text":"queued Q1 from <app@lab.test> to nobody@example.org","outcome":"ok","session":"q-Q1","role":"queue","queue_id":"Q1","message":"Q1","at":1016})j",
        R"j({"type":"event","t_ms":0,"kind":"dns_answer","phase":"dns","from":"dns","to":"lab.test","text":"example.org MX: 10 mx.example.org","dns":{"name":"example.org","type":"MX","status":"ok","mx":[{"preference":10,"host":"mx.example.org"}],"addresses":[]},"outcome":"ok","session":"q-Q1","role":"queue","queue_id":"Q1","message":"Q1","at":1020})j",
        R"j({"type":"event","t_ms":0,"kind":"dns_answer","phase":"dns","from":"dns","to":"lab.test","text":"mx.example.org AAAA: nodata","dns":{"name":"mx.example.org","type":"AAAA","status":"nodata","mx":[],"addresses":[]},"outcome":"failed","session":"q-Q1","role":"queue","queue_id":"Q1","message":"Q1","at":1021})j",
        R"j({"type":"event","t_ms":0,"kind":"dns_answer","phase":"dns","from":"dns","to":"lab.test","text":"mx.example.org A: 127.0.0.2","dns":{"name":"mx.example.org","type":"A","status":"ok","mx":[],"addresses":["127.0.0.2"]},"outcome":"ok","session":"q-Q1","role":"queue","queue_id":"Q1","message":"Q1","at":1022})j",
        R"j({"type":"event","t_ms":0,"kind":"reply","phase":"greeting","from":"mx.example.org:25","to":"lab.test","text":"220 mx ESMTP","code":220,"reply_class":"positive","wire":"220 mx ESMTP\r\n","session":"out-1","role":"outbound","queue_id":"Q1","message":"Q1","at":1030})j",
        R"j({"type":"event","t_ms":1,"kind":"command","phase":"ehlo","from":"lab.test","to":"mx.example.org:25","text":"EHLO lab.test","verb":"EHLO","wire":"EHLO lab.test\r\n","session":"out-1","role":"outbound","queue_id":"Q1","message":"Q1","at":1031})j",
        R"j({"type":"event","t_ms":1,"kind":"reply","phase":"ehlo","from":"mx.example.org:25","to":"lab.test","text":"250 mx","code":250,"reply_class":"positive","wire":"250 mx\r\n","session":"out-1","role":"outbound","queue_id":"Q1","message":"Q1","at":1031})j",
        R"j({"type":"event","t_ms":2,"kind":"command","phase":"envelope","from":"lab.test","to":"mx.example.org:25","text":"MAIL FROM:<app@lab.test>","verb":"MAIL","wire":"MAIL FROM:<app@lab.test>\r\n","session":"out-1","role":"outbound","queue_id":"Q1","message":"Q1","at":1032})j",
        R"j({"type":"event","t_ms":2,"kind":"reply","phase":"envelope","from":"mx.example.org:25","to":"lab.test","text":"250 2.1.0 Ok","code":250,"enhanced":"2.1.0","reply_class":"positive","wire":"250 2.1.0 Ok\r\n","session":"out-1","role":"outbound","queue_id":"Q1","message":"Q1","at":1032})j",
        R"j({"type":"event","t_ms":3,"kind":"command","phase":"envelope","from":"lab.test","to":"mx.example.org:25","text":"RCPT TO:<nobody@example.org>","verb":"RCPT","wire":"RCPT TO:<nobody@example.org>\r\n","session":"out-1","role":"outbound","queue_id":"Q1","message":"Q1","at":1033})j",
        R"j({"type":"event","t_ms":3,"kind":"reply","phase":"envelope","from":"mx.example.org:25","to":"lab.test","text":"550 5.1.1 no such user","code":550,"enhanced":"5.1.1","reply_class":"permanent","wire":"550 5.1.1 no such user\r\n","session":"out-1","role":"outbound","queue_id":"Q1","message":"Q1","at":1033})j",
        R"j({"type":"event","t_ms":4,"kind":"command","phase":"connect","from":"lab.test","to":"mx.example.org:25","text":"QUIT","verb":"QUIT","wire":"QUIT\r\n","session":"out-1","role":"outbound","queue_id":"Q1","message":"Q1","at":1034})j",
        R"j({"type":"event","t_ms":4,"kind":"reply","phase":"connect","from":"mx.example.org:25","to":"lab.test","text":"221 bye","code":221,"reply_class":"positive","wire":"221 bye\r\n","session":"out-1","role":"outbound","queue_id":"Q1","message":"Q1","at":1034})j",
        R"j({"type":"event","t_ms":0,"kind":"delivery","phase":"queue","from":"lab.test","to":"nobody@example.org","text":"nobody@example.org: bounced via mx.example.org (550 5.1.1 no such user)","code":550,"enhanced":"5.1.1","reply_class":"permanent","outcome":"bounced","session":"q-Q1","role":"queue","queue_id":"Q1","message":"Q1","at":1035})j",
    };
    std::vector<ObservedEvent> events;
    for (const char* line : lines) {
        const StepRead r = read_step_json_text(line);
        REQUIRE_MESSAGE(r.record, r.error << ": " << line);
        events.push_back(observed_event(*r.record));
    }
    const RebuiltWorld world = rebuild_world(events, "live");
    CAPTURE(world.json);
    auto load = parse_scenario(world.json);
    REQUIRE_MESSAGE(load.scenario, load.error);
    const Scenario& sc = *load.scenario;
    REQUIRE(sc.host("127.0.0.1"));
    CHECK(sc.host("127.0.0.1")->kind == HostKind::client);
    REQUIRE(sc.host("lab.test"));
    CHECK(sc.host("lab.test")->kind == HostKind::relay);
    REQUIRE(sc.host("mx.example.org"));  // "host:port" named by its host
    CHECK(sc.host("mx.example.org")->kind == HostKind::mx);
    CHECK(sc.host("mx.example.org")->ip == "127.0.0.2");
    CHECK(sc.host("mx.example.org")->local_domains == std::vector<std::string>{"example.org"});
    CHECK(sc.host("mx.example.org")->users.empty());  // 550 5.1.1: nobody is unknown there
    CHECK(sc.host("lab.test")->max_message_size == 1000000);  // RFC 1870: SIZE in the EHLO reply
    REQUIRE(sc.messages.size() == 1);
    CHECK(sc.messages[0].id == "m1");
    CHECK(sc.messages[0].port == 587);  // role "submission"
    CHECK(sc.messages[0].pad_to == 900);
    REQUIRE(sc.messages[0].auth);  // AUTH succeeded: a placeholder login, the secret never seen
    CHECK(sc.messages[0].auth->address == "app@lab.test");
    CHECK(has_note(world, "never in the trace"));
    // AUTH in clear text on 587 (a sandbox on loopback): the world's client starts TLS first.
    CHECK(sc.messages[0].starttls);
    CHECK(has_note(world, "lab.test accepted AUTH without TLS"));
    const RunResult rerun = run_world(sc, {}, sc.seed);
    REQUIRE(rerun.messages.size() == 1);
    CHECK(rerun.messages[0].status == MessageState::bounced);
    CHECK(rerun.messages[0].code == 550);
    CHECK(rerun.messages[0].enhanced == "5.1.1");
    CHECK(rerun.messages[0].final_host == "mx.example.org");
}

TEST_CASE("rebuilt worlds: every built-in scenario, and each of its switches flipped, replays the same") {
    // The same replies from the same hosts and the same outcome per message, or a failure.
    // No exceptions: capture hosts (outcome `captured`) and a raw client's several BDAT
    // chunks (RFC 3030 §2) are rebuilt too.
    std::size_t runs = 0;
    for (const auto& builtin : builtin_scenarios()) {
        auto load = parse_scenario(builtin.json);
        REQUIRE(load.scenario);
        std::vector<SwitchOverrides> variants{{}};
        for (const auto& sw : load.scenario->switches) variants.push_back({{sw.name, !sw.on}});
        for (const auto& overrides : variants) {
            CAPTURE(std::string(builtin.name));
            CAPTURE(overrides.empty() ? std::string("-") : overrides.begin()->first);
            const RunResult observed = run_world(*load.scenario, overrides, load.scenario->seed);
            const Rerun rerun = rebuild_and_run(observed);
            CHECK_MESSAGE(replies(rerun.run) == replies(observed),
                          "observed:\n" << show(replies(observed)) << "rebuilt:\n" << show(replies(rerun.run)));
            CHECK(outcomes(rerun.run) == outcomes(observed));
            ++runs;
        }
    }
    CHECK(runs >= 50);
}
