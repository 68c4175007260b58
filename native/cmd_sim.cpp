// `relaylab scenarios` and `relaylab sim NAME|FILE`: the simulator on the command line.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "native/commands.hpp"
#include "sim/library.hpp"
#include "sim/report.hpp"
#include "sim/scenario.hpp"
#include "sim/world.hpp"

namespace relaylab::cli {

std::function<int()> add_scenarios(CLI::App& app) {
    auto* cmd = app.add_subcommand("scenarios", "List the built-in scenarios with one-line descriptions");
    return [cmd] {
        if (!*cmd) return -1;
        for (const auto& builtin : sim::builtin_scenarios()) {
            auto load = sim::parse_scenario(builtin.json);
            const std::string title = load.scenario ? load.scenario->title : "(invalid: " + load.error + ")";
            std::printf("%-22s %s\n", std::string(builtin.name).c_str(), title.c_str());
        }
        return 0;
    };
}

std::function<int()> add_sim(CLI::App& app) {
    struct Options {
        std::string target;
        std::string format = "text";
        std::optional<std::uint64_t> seed;
        std::vector<std::string> switches_on, switches_off;
    };
    auto opts = std::make_shared<Options>();
    auto* cmd = app.add_subcommand("sim", "Run a scenario to the end and print its transcript");
    cmd->add_option("scenario", opts->target, "a built-in scenario name (see `relaylab scenarios`) or a JSON file")
        ->required();
    cmd->add_option("--format", opts->format, "text (a readable transcript) or json")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_option("--seed", opts->seed, "seed for the world's choices (default: the scenario's)");
    cmd->add_option("--switch", opts->switches_on,
                    "turn a failure switch on (repeatable; the same switches as the page)");
    cmd->add_option("--no-switch", opts->switches_off, "turn a failure switch off (repeatable)");
    return [cmd, opts] {
        if (!*cmd) return -1;
        std::string text;
        if (const auto* builtin = sim::find_builtin(opts->target)) {
            text = std::string(builtin->json);
        } else {
            std::ifstream in(opts->target, std::ios::binary);
            if (!in) {
                std::fprintf(stderr,
                             "relaylab sim: \"%s\" is neither a built-in scenario (see `relaylab scenarios`) "
                             "nor a readable file\n",
                             opts->target.c_str());
                return 2;
            }
            std::ostringstream ss;
            ss << in.rdbuf();
            text = ss.str();
        }
        auto load = sim::parse_scenario(text);
        if (!load.scenario) {
            std::fprintf(stderr, "relaylab sim: %s: %s\n", opts->target.c_str(), load.error.c_str());
            return 2;
        }
        const std::uint64_t seed = opts->seed.value_or(load.scenario->seed);
        sim::SwitchOverrides overrides;
        for (const auto& [names, on] : {std::pair{&opts->switches_on, true}, {&opts->switches_off, false}}) {
            for (const auto& name : *names) {
                const auto& sws = load.scenario->switches;
                if (std::none_of(sws.begin(), sws.end(), [&](const auto& sw) { return sw.name == name; })) {
                    std::string known;
                    for (const auto& sw : sws) known += (known.empty() ? "" : ", ") + sw.name;
                    std::fprintf(stderr, "relaylab sim: %s has no switch \"%s\" (it has: %s)\n",
                                 opts->target.c_str(), name.c_str(), known.empty() ? "none" : known.c_str());
                    return 2;
                }
                overrides[name] = on;
            }
        }
        const auto run = sim::run_world(*load.scenario, overrides, seed);
        const std::string out = opts->format == "json" ? sim::report_json(*load.scenario, seed, run)
                                                       : sim::report_text(*load.scenario, seed, run);
        std::fwrite(out.data(), 1, out.size(), stdout);
        return 0;
    };
}

}  // namespace relaylab::cli
