#pragma once
// Subcommands of the relaylab command; main.cpp only wires them together.
#include <CLI/CLI.hpp>

#include <functional>

namespace relaylab::cli {

// Each add_* registers a subcommand and returns the function that runs it (exit status).
std::function<int()> add_scenarios(CLI::App& app);
std::function<int()> add_sim(CLI::App& app);
std::function<int()> add_rebuild(CLI::App& app);       // cmd_rebuild.cpp
std::function<int()> add_check_config(CLI::App& app);  // cmd_tools.cpp
std::function<int()> add_user(CLI::App& app);          // cmd_tools.cpp
std::function<int()> add_queue(CLI::App& app);         // cmd_tools.cpp
std::function<int()> add_serve(CLI::App& app);         // relay.cpp

}  // namespace relaylab::cli
