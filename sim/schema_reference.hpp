#pragma once
// A short reference of the scenario schema (the keys sim/scenario.cpp reads), for the page's
// world editor. One entry per key with an example value; tests/unit/test_world_load.cpp feeds
// every example to parse_scenario, so the reference cannot name a key the loader refuses.
#include <span>
#include <string_view>

namespace relaylab::sim {

struct SchemaKey {
    std::string_view object;   // where the key lives: "" (the top level), "hosts[]", "hosts[].users[]", ...
    std::string_view key;      // "kind"
    std::string_view example;  // a valid value, as JSON text: "\"capture\""
    std::string_view text;     // what it means, in a few words
};

std::span<const SchemaKey> schema_reference();

}  // namespace relaylab::sim
