// `relaylab scenarios` and `relaylab sim NAME|FILE`: the simulator on the command line.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <filesystem>
#include <sstream>

#include <unistd.h>

#include "native/commands.hpp"
#include "sim/export_file.hpp"
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

namespace {

bool write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (out) return true;
    std::fprintf(stderr, "relaylab sim: cannot write %s\n", path.c_str());
    return false;
}

// eml: one copy goes to -o FILE (or stdout); with several copies (or when -o names an existing
// folder) -o is a folder that gets one file per copy, named NN-message-host-mailbox.eml.
int write_exports(const sim::Scenario& sc, std::uint64_t seed, const sim::SwitchOverrides& overrides,
                  const sim::RunResult& run, const std::string& format, const std::string& output) {
    if (format == "eml") {
        const std::size_t n = sim::run_message_copies(run).size();
        if (n == 0) {
            std::fprintf(stderr, "relaylab sim: no host stored a message in this run; nothing to export\n");
            return 1;
        }
        namespace fs = std::filesystem;
        std::error_code ec;
        const bool folder = !output.empty() && (n > 1 || fs::is_directory(output, ec));
        if (n > 1 && output.empty()) {
            std::fprintf(stderr, "relaylab sim: %zu messages were stored; give a folder with -o DIR\n", n);
            return 2;
        }
        if (folder) {
            fs::create_directories(output, ec);
            for (std::size_t i = 0; i < n; ++i) {
                const auto f = sim::export_file(sc, seed, overrides, run, "eml", i);
                if (!write_file((fs::path(output) / f->name).string(), f->bytes)) return 1;
            }
            return 0;
        }
    }
    const auto f = sim::export_file(sc, seed, overrides, run, format, 0);
    if (output.empty()) {
        if (f->binary && isatty(STDOUT_FILENO)) {
            std::fprintf(stderr, "relaylab sim: %s is binary; write it to a file with -o FILE (or redirect)\n",
                         format.c_str());
            return 2;
        }
        std::fwrite(f->bytes.data(), 1, f->bytes.size(), stdout);
        return 0;
    }
    return write_file(output, f->bytes) ? 0 : 1;
}

}  // namespace

std::function<int()> add_sim(CLI::App& app) {
    struct Options {
        std::string target;
        std::string format = "text";
        std::string output;
        std::optional<std::uint64_t> seed;
        std::vector<std::string> switches_on, switches_off;
    };
    auto opts = std::make_shared<Options>();
    auto* cmd = app.add_subcommand("sim", "Run a scenario to the end and print its transcript");
    cmd->add_option("scenario", opts->target, "a built-in scenario name (see `relaylab scenarios`) or a JSON file")
        ->required();
    cmd->add_option("--format", opts->format,
                    "text (a readable transcript), json, markdown (a handout), pcap (the traffic, for "
                    "Wireshark) or eml (the messages as stored: one file, or with several a folder -o DIR)")
        ->check(CLI::IsMember({"text", "json", "markdown", "pcap", "eml"}));
    cmd->add_option("-o,--output", opts->output, "write to this file (eml with several messages: this folder)");
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
        return write_exports(*load.scenario, seed, overrides, run, opts->format, opts->output);
    };
}

}  // namespace relaylab::cli
