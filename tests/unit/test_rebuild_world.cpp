// "Open in the simulator" (sim/rebuild_world.hpp): run a built-in scenario, take its trace
// (as typed events, and through the step JSON the live stream sends), rebuild a world from
// it, load that with the scenario loader and run it: the rebuilt run must give the same SMTP
// replies (code and enhanced code, RFC 5321 §4.2, RFC 3463) from the same hosts, in the same
// order, and the same final outcome per message. Where the world cannot, the notes say why.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/library.hpp"
#include "sim/rebuild_world.hpp"
#include "sim/scenario.hpp"
#include "sim/step_json.hpp"
#include "sim/world.hpp"

using namespace relaylab;
using namespace relaylab::sim;

namespace {

RunResult run_builtin(std::string_view name, const SwitchOverrides& overrides = {}) {
    const auto* builtin = find_builtin(name);
    REQUIRE(builtin);
    auto load = parse_scenario(builtin->json);
    REQUIRE(load.scenario);
    return run_world(*load.scenario, overrides, load.scenario->seed);
}

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

struct ReplySeen {
    std::string host;
    int code = 0;
    std::string enhanced;
    bool operator==(const ReplySeen&) const = default;
};

// The replies of a run: the first line of each, who gave it, its codes.
std::vector<ReplySeen> replies(const RunResult& run) {
    std::vector<ReplySeen> out;
    for (const Step& s : run.steps)
        if (s.event.kind == TraceKind::reply && s.event.reply_line == 0)
            out.push_back({s.event.from, s.event.code, s.event.enhanced});
    return out;
}

std::string show(const std::vector<ReplySeen>& replies) {
    std::string out;
    for (const auto& r : replies) out += r.host + " " + std::to_string(r.code) + " " + r.enhanced + "\n";
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

}  // namespace

TEST_CASE("rebuilt worlds replay the observed replies and outcomes of built-in scenarios") {
    // Each teaches one behaviour that the replies show and the rebuilt world must re-create.
    for (const char* name : {"happy-path", "greylisting", "user-unknown", "relay-denied", "mx-fallback",
                             "message-too-large", "starttls-required", "auth-failed", "rate-limited", "mailbox-full",
                             "nxdomain", "null-mx", "implicit-mx", "dns-servfail", "tls-required-failure",
                             "submissions-465", "notify-success", "eight-bit-old-server"}) {
        const std::string scenario = name;
        CAPTURE(scenario);
        const RunResult observed = run_builtin(name);
        const Rerun rerun = rebuild_and_run(observed);
        CAPTURE(rerun.world.json);
        CHECK(rerun.scenario.title == "Rebuilt from what was observed");
        CHECK(rerun.scenario.description.find("not a recording") != std::string::npos);
        CHECK_MESSAGE(replies(rerun.run) == replies(observed),
                      "observed:\n" << show(replies(observed)) << "rebuilt:\n" << show(replies(rerun.run)));
        CHECK(outcomes(rerun.run) == outcomes(observed));
        CHECK(has_note(rerun.world, "never in the trace") == (rerun.scenario.messages.size() &&
                                                              rerun.scenario.messages[0].auth.has_value()));
    }
}
