// `relaylab scenarios` and `relaylab sim NAME|FILE`: the simulator on the command line.
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
    };
    auto opts = std::make_shared<Options>();
    auto* cmd = app.add_subcommand("sim", "Run a scenario to the end and print its transcript");
    cmd->add_option("scenario", opts->target, "a built-in scenario name (see `relaylab scenarios`) or a JSON file")
        ->required();
    cmd->add_option("--format", opts->format, "text (a readable transcript) or json")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_option("--seed", opts->seed, "seed for the world's choices (default: the scenario's)");
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
        const auto run = sim::run_world(*load.scenario, {}, seed);
        const std::string out = opts->format == "json" ? sim::report_json(*load.scenario, seed, run)
                                                       : sim::report_text(*load.scenario, seed, run);
        std::fwrite(out.data(), 1, out.size(), stdout);
        return 0;
    };
}

}  // namespace relaylab::cli
