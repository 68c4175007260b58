// The relaylab command: wires the subcommands together; each lives in its own file.
#include <CLI/CLI.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    CLI::App app{"relaylab: see how e-mail travels, and run a real SMTP relay", "relaylab"};
    app.set_version_flag("--version", std::string("relaylab ") + RELAYLAB_VERSION);
    app.footer("Run `relaylab SUBCOMMAND --help` for the options of a subcommand.");
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
    if (argc == 1) {
        std::printf("%s", app.help().c_str());
    }
    return 0;
}
