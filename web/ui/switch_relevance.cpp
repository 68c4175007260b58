#include "web/ui/switch_relevance.hpp"

#include <set>
#include <string>

#include "sim/simulation.hpp"

namespace relaylab::ui {

std::vector<bool> relevant_switches(const sim::Scenario& scenario) {
    const auto& switches = scenario.switches;
    std::set<std::string> hosts;       // from/to of any step
    std::vector<std::string> queries;  // the text of every DNS question
    for (int flipped = -1; flipped < static_cast<int>(switches.size()); ++flipped) {
        sim::Scenario variant = scenario;
        if (flipped >= 0) variant.switches[static_cast<std::size_t>(flipped)].on = !variant.switches[static_cast<std::size_t>(flipped)].on;
        const sim::Simulation run(std::move(variant));
        for (const auto& step : run.timeline().steps()) {
            const auto& e = step.event;
            if (!e.from.empty()) hosts.insert(e.from);
            if (!e.to.empty()) hosts.insert(e.to);
            if (e.kind == TraceKind::dns_query) queries.push_back(e.text);
        }
    }
    auto has_message = [&](const std::string& id) {
        for (const auto& m : scenario.messages)
            if (m.id == id) return true;
        return false;
    };
    auto asked = [&](const std::string& name) {
        for (const auto& q : queries)
            if (q.find(name) != std::string::npos) return true;
        return false;
    };
    std::vector<bool> out;
    for (const auto& sw : switches) {
        bool relevant = sw.effects.empty();
        for (const auto& e : sw.effects) {
            const bool ok = (e.host.empty() || hosts.count(e.host)) && (e.message.empty() || has_message(e.message)) &&
                            (e.type != sim::EffectType::dns || e.name.empty() || asked(e.name));
            relevant = relevant || ok;
        }
        out.push_back(relevant);
    }
    return out;
}

}  // namespace relaylab::ui
