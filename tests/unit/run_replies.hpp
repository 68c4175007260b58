#pragma once
// A built-in scenario's run, and the SMTP replies in a run (the first line of each: who gave
// it, its code and enhanced code, RFC 5321 §4.2, RFC 3463), for the unit tests that compare a
// rebuilt world's re-run with what was observed.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "sim/library.hpp"
#include "sim/scenario.hpp"
#include "sim/world.hpp"

namespace relaylab::test {

inline sim::RunResult run_builtin(std::string_view name, const sim::SwitchOverrides& overrides = {}) {
    const auto* builtin = sim::find_builtin(name);
    REQUIRE(builtin);
    auto load = sim::parse_scenario(builtin->json);
    REQUIRE(load.scenario);
    return sim::run_world(*load.scenario, overrides, load.scenario->seed);
}

struct ReplySeen {
    std::string host;
    int code = 0;
    std::string enhanced;
    bool operator==(const ReplySeen&) const = default;
};

// With `server` and `client`, only the replies the one gave the other.
inline std::vector<ReplySeen> replies(const std::vector<sim::Step>& steps, const std::string& server = {},
                                      const std::string& client = {}) {
    std::vector<ReplySeen> out;
    for (const sim::Step& s : steps)
        if (s.event.kind == TraceKind::reply && s.event.reply_line == 0 &&
            (server.empty() || (s.event.from == server && s.event.to == client)))
            out.push_back({s.event.from, s.event.code, s.event.enhanced});
    return out;
}
inline std::vector<ReplySeen> replies(const sim::RunResult& run) { return replies(run.steps); }

inline std::string show(const std::vector<ReplySeen>& replies) {
    std::string out;
    for (const auto& r : replies) out += r.host + " " + std::to_string(r.code) + " " + r.enhanced + "\n";
    return out;
}

}  // namespace relaylab::test
