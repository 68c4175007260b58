// `relaylab check-config`, `relaylab user add`, `relaylab queue`: small tools beside serve.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "engine/ascii.hpp"
#include "native/commands.hpp"
#include "native/config.hpp"
#include "native/spool.hpp"
#include "native/users.hpp"

namespace relaylab::cli {

using namespace relaylab::native;

namespace {

// The config at `path`, or the defaults when no path is given; a bad file is reported
// (with its line) and gives nullopt, for exit status 2.
std::optional<Config> config_or_defaults(const std::string& path) {
    if (path.empty()) return Config{};
    ConfigError err;
    auto cfg = load_config(path, err);
    if (!cfg) std::fprintf(stderr, "relaylab: %s\n", err.message.c_str());
    return cfg;
}

}  // namespace

std::function<int()> add_check_config(CLI::App& app) {
    auto* cmd = app.add_subcommand("check-config", "Check a relaylab.toml file (exit 2 when it is not valid)");
    auto file = std::make_shared<std::string>();
    cmd->add_option("FILE", *file, "the configuration file")->required();
    return [cmd, file]() -> int {
        if (!cmd->parsed()) return -1;
        ConfigError err;
        auto cfg = load_config(*file, err);
        if (!cfg) {
            std::fprintf(stderr, "relaylab: %s\n", err.message.c_str());
            return 2;
        }
        std::printf("%s: ok (hostname %s, mode %s, state_dir %s)\n", file->c_str(), cfg->hostname.c_str(),
                    relay_mode_name(cfg->relay.mode), cfg->state_dir.c_str());
        return 0;
    };
}

std::function<int()> add_user(CLI::App& app) {
    auto* cmd = app.add_subcommand("user", "Manage the users who may submit mail (AUTH)");
    cmd->require_subcommand(1);
    auto* add = cmd->add_subcommand("add", "Add a user (or change its password); the password is read from stdin");
    struct Opts {
        std::string address, users_file, config, cost = "interactive";
    };
    auto o = std::make_shared<Opts>();
    add->add_option("ADDRESS", o->address, "the user's mail address, which is also its login name")->required();
    // libsodium's named argon2id limits; the parameters are stored in the hash, so users of
    // every cost can live in one file. Each AUTH that misses the credentials cache pays it.
    // One verification measured on the development machine (2 cores, loaded): interactive
    // 80 ms and 64 MiB, moderate 480 ms and 256 MiB, sensitive 3.3 s and 1 GiB.
    add->add_option("--cost", o->cost,
                    "argon2id cost per check: interactive (64 MiB, t=2, ~80 ms; default), moderate (256 MiB, t=3, "
                    "~0.5 s) or sensitive (1 GiB, t=4, ~3 s); mind limits.concurrent_hashes x memory")
        ->check(CLI::IsMember({"interactive", "moderate", "sensitive"}));
    add->add_option("--users-file", o->users_file, "the users file (default: auth.users_file of the config)");
    add->add_option("--config", o->config, "relaylab.toml to take auth.users_file from");
    return [add, o]() -> int {
        if (!add->parsed()) return -1;
        std::string path = o->users_file;
        if (path.empty()) {
            auto cfg = config_or_defaults(o->config);
            if (!cfg) return 2;
            path = cfg->auth.users_file;
        }
        if (isatty(0)) std::fprintf(stderr, "Password for %s: ", o->address.c_str());
        std::string password;
        std::getline(std::cin, password);
        if (!password.empty() && password.back() == '\r') password.pop_back();
        std::string error;
        native::HashCost cost = native::HashCost::interactive;
        native::parse_hash_cost(o->cost, cost);
        if (!native::add_user(path, o->address, password, error, cost)) {
            std::fprintf(stderr, "relaylab: %s\n", error.c_str());
            return 1;
        }
        std::printf("user %s saved in %s (argon2id, %s)\n", ascii_lowercase(o->address).c_str(), path.c_str(),
                    o->cost.c_str());
        return 0;
    };
}

std::function<int()> add_queue(CLI::App& app) {
    auto* cmd = app.add_subcommand("queue", "List the messages in the spool (the durable queue)");
    struct Opts {
        std::string config, state_dir;
    };
    auto o = std::make_shared<Opts>();
    cmd->add_option("--config", o->config, "relaylab.toml (for state_dir)");
    cmd->add_option("--state-dir", o->state_dir, "the state folder (overrides the config)");
    return [cmd, o]() -> int {
        if (!cmd->parsed()) return -1;
        auto cfg = config_or_defaults(o->config);
        if (!cfg) return 2;
        if (!o->state_dir.empty()) cfg->state_dir = o->state_dir;
        Spool spool(cfg->state_dir, false);
        std::vector<std::string> problems;
        auto items = spool.recover(problems);
        for (const auto& p : problems) std::fprintf(stderr, "relaylab: %s\n", p.c_str());
        std::printf("%-14s %-20s %8s  %-30s %s\n", "ID", "ARRIVED (UTC)", "SIZE", "SENDER", "RECIPIENTS");
        for (const auto& [q, info] : items) {
            std::time_t t = static_cast<std::time_t>(q.created_ms / 1000);
            std::tm tm{};
            gmtime_r(&t, &tm);
            char when[32];
            std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
            std::string rcpts;
            for (const auto& r : q.recipients) {
                rcpts += (rcpts.empty() ? "" : ", ") + r.address() + " (" + recipient_state_name(r.state);
                if (r.attempts) rcpts += ", " + std::to_string(r.attempts) + " attempts";
                if (r.last_reply) rcpts += ": " + r.last_reply->summary();
                rcpts += ")";
            }
            std::printf("%-14s %-20s %8llu  %-30s %s\n", q.id.c_str(), when,
                        static_cast<unsigned long long>(info.size), q.sender.null ? "<>" : q.sender_address().c_str(),
                        rcpts.c_str());
        }
        std::printf("%zu message(s)\n", items.size());
        return 0;
    };
}

}  // namespace relaylab::cli
