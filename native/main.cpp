// The relaylab command: wires the subcommands together; each lives in its own file.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <vector>

#include "native/commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"relaylab: see how e-mail travels, and run a real SMTP relay", "relaylab"};
    app.set_version_flag("--version", std::string("relaylab ") + RELAYLAB_VERSION);
    app.footer("Run `relaylab SUBCOMMAND --help` for the options of a subcommand.");
    app.require_subcommand(0, 1);
    std::vector<std::function<int()>> commands = {
        relaylab::cli::add_scenarios(app),
        relaylab::cli::add_sim(app),
        relaylab::cli::add_rebuild(app),
        relaylab::cli::add_serve(app),
        relaylab::cli::add_check_config(app),
        relaylab::cli::add_user(app),
        relaylab::cli::add_queue(app),
    };
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int status = app.exit(e);
        if (status != 0) {
            std::fprintf(stderr, "Run `relaylab --help` for usage.\n");
            return 2;
        }
        return 0;
    }
    for (const auto& run : commands) {
        const int status = run();
        if (status >= 0) return status;
    }
    std::printf("%s", app.help().c_str());
    return 0;
}
