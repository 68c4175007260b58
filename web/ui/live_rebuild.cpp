#include "web/ui/live_rebuild.hpp"

namespace relaylab::ui {

LiveRebuild live_rebuild(const LiveTrace& live, const std::string& id) {
    LiveRebuild out;
    const std::vector<sim::ObservedEvent> events = live.observed(id);
    if (events.empty()) {
        out.error = "no live session or message \"" + id + "\"";
        return out;
    }
    out.name = "rebuilt-" + id;
    sim::RebuiltWorld world = sim::rebuild_world(events, out.name);
    out.notes = std::move(world.notes);
    out.json = std::move(world.json);  // its description lists the notes (sim/rebuild_world.hpp)
    return out;
}

}  // namespace relaylab::ui
