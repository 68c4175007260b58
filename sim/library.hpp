#pragma once
// The built-in scenario library (assets/scenarios/*.json, embedded at build time).
#include <span>
#include <string_view>

namespace relaylab::sim {

struct BuiltinScenario {
    std::string_view name;  // file name without .json, e.g. "happy-path"
    std::string_view json;
};

std::span<const BuiltinScenario> builtin_scenarios();
const BuiltinScenario* find_builtin(std::string_view name);

}  // namespace relaylab::sim
