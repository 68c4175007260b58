// libFuzzer harness: the scenario loader (sim::parse_scenario) on arbitrary text, as a user's
// own world file or a damaged download would give it. It promises never to throw and to
// give either a scenario or a non-empty error, never both. A scenario it accepts must name
// hosts that exist for every message (the simulator relies on that).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sim/scenario.hpp"

using namespace relaylab::sim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const ScenarioLoad load = parse_scenario(text);
    if (load.scenario.has_value() == !load.error.empty()) std::abort();
    if (!load.scenario) return 0;
    for (const auto& m : load.scenario->messages)
        if (!load.scenario->host(m.client) || !load.scenario->host(m.server)) std::abort();
    return 0;
}
