// `relaylab rebuild FILE.jsonl`: "Open in the simulator" on the command line. The file holds
// typed trace events, one JSON object per line as the relay's live stream sends them (or a
// `relaylab sim --format json` report); the world rebuilt from them (sim/rebuild_world.hpp)
// is written as a scenario that `relaylab sim world.json` runs. Notes go to stderr.
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "native/commands.hpp"
#include "sim/rebuild_world.hpp"
#include "sim/step_json.hpp"

namespace relaylab::cli {

namespace {

struct Read {
    std::vector<sim::StepRecord> records;
    std::string error;
};

// One object per line; blank lines are skipped. A whole `relaylab sim --format json` report
// (an object with "steps") is read too.
Read read_events(const std::string& text) {
    Read out;
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{') {
        sim::Json doc = sim::Json::parse(text, nullptr, false);
        if (!doc.is_discarded() && doc.is_object() && doc.contains("steps") && doc["steps"].is_array()) {
            for (std::size_t i = 0; i < doc["steps"].size(); ++i) {
                auto r = sim::read_step_json(doc["steps"][i]);
                if (!r.record) {
                    out.error = "steps[" + std::to_string(i) + "]: " + r.error;
                    return out;
                }
                out.records.push_back(std::move(*r.record));
            }
            return out;
        }
    }
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        auto r = sim::read_step_json_text(line);
        if (!r.record) {
            out.error = "line " + std::to_string(n) + ": " + r.error;
            return out;
        }
        // The live stream may send other objects too (a "missed" count, a session's end).
        if (!r.record->step.event.from.empty() || !r.record->step.event.text.empty()) out.records.push_back(std::move(*r.record));
    }
    return out;
}

}  // namespace

std::function<int()> add_rebuild(CLI::App& app) {
    struct Options {
        std::string file, output, session, message, name = "rebuilt";
    };
    auto opts = std::make_shared<Options>();
    auto* cmd = app.add_subcommand(
        "rebuild", "Rebuild a simulator world from observed trace events (one JSON object per line, as /api/v1/live sends them)");
    cmd->add_option("file", opts->file, "the events: a .jsonl file (or a `relaylab sim --format json` report)")->required();
    cmd->add_option("-o,--output", opts->output, "write the world here (default: standard output)");
    cmd->add_option("--session", opts->session, "only this session's events (its id; a simulator step's connection number)");
    cmd->add_option("--message", opts->message, "only the sessions that carried this message (its id or queue id)");
    cmd->add_option("--name", opts->name, "the rebuilt scenario's name (default: rebuilt)");
    return [cmd, opts] {
        if (!*cmd) return -1;
        std::ifstream in(opts->file, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "relaylab rebuild: cannot read \"%s\"\n", opts->file.c_str());
            return 2;
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        Read read = read_events(ss.str());
        if (!read.error.empty()) {
            std::fprintf(stderr, "relaylab rebuild: %s: %s\n", opts->file.c_str(), read.error.c_str());
            return 2;
        }
        std::vector<sim::ObservedEvent> events;
        for (const auto& r : read.records) events.push_back(sim::observed_event(r));
        auto session_matches = [&](const sim::ObservedEvent& e) {
            return e.session == opts->session || e.session == "c" + opts->session;
        };
        if (!opts->session.empty()) std::erase_if(events, [&](const auto& e) { return !session_matches(e); });
        if (!opts->message.empty()) {
            std::set<std::string> sessions;
            for (const auto& e : events)
                if (e.message == opts->message && !e.session.empty()) sessions.insert(e.session);
            std::erase_if(events, [&](const auto& e) {
                return e.session.empty() ? e.message != opts->message : !sessions.count(e.session);
            });
        }
        if (events.empty()) {
            std::fprintf(stderr, "relaylab rebuild: %s: no events%s\n", opts->file.c_str(),
                         opts->session.empty() && opts->message.empty() ? "" : " match the --session/--message given");
            return 2;
        }
        const sim::RebuiltWorld world = sim::rebuild_world(events, opts->name);
        for (const auto& note : world.notes) std::fprintf(stderr, "note: %s\n", note.c_str());
        if (opts->output.empty()) {
            std::fwrite(world.json.data(), 1, world.json.size(), stdout);
            return 0;
        }
        std::ofstream out(opts->output, std::ios::binary | std::ios::trunc);
        out << world.json;
        if (!out.flush()) {
            std::fprintf(stderr, "relaylab rebuild: cannot write \"%s\"\n", opts->output.c_str());
            return 2;
        }
        std::fprintf(stderr, "relaylab rebuild: wrote %s (run it: relaylab sim %s)\n", opts->output.c_str(),
                     opts->output.c_str());
        return 0;
    };
}

}  // namespace relaylab::cli
