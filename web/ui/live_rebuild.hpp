#pragma once
// "Open in the simulator" from Live mode: the session (or message route) shown, as the relay
// sent its events (LiveTrace keeps them as read by sim::read_step_json), rebuilt into a world
// by sim::rebuild_world. The world's description lists what the rebuild had to guess, so the
// page shows it beside the title "Rebuilt from what was observed". No ImGui, no I/O.
#include <string>
#include <vector>

#include "web/ui/live_trace.hpp"

namespace relaylab::ui {

struct LiveRebuild {
    std::string error;               // "" when rebuilt
    std::string name;                // the world's name: "rebuilt-" + the id
    std::string json;                // the scenario, as App::load_world takes it
    std::vector<std::string> notes;  // what was approximated (sim::RebuiltWorld::notes)
};

LiveRebuild live_rebuild(const LiveTrace& live, const std::string& id);

}  // namespace relaylab::ui
