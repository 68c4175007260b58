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
    // The guesses go into the world itself (its description under the title), so they stay
    // with it when it is edited, exported or shared as a link.
    sim::Json doc = sim::Json::parse(world.json, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        out.error = "the rebuilt world is not a JSON object";
        return out;
    }
    if (!out.notes.empty()) {
        std::string description = doc.value("description", std::string());
        description += "\n\nWhat the rebuild had to guess:";
        for (const auto& n : out.notes) description.append("\n- ").append(n);
        doc["description"] = description;
    }
    out.json = doc.dump(2);
    return out;
}

}  // namespace relaylab::ui
