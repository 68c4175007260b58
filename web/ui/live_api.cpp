#include "web/ui/live_api.hpp"

namespace relaylab::ui {

namespace {
using ojson = nlohmann::ordered_json;
ojson ok(ojson result) { return ojson{{"ok", true}, {"result", std::move(result)}}; }
ojson fail(const std::string& error) { return ojson{{"ok", false}, {"error", error}}; }
bool flag(const ojson& req) {
    const auto it = req.find("on");
    return it != req.end() && it->is_boolean() && it->get<bool>();
}
std::string text(const ojson& req, const char* key) {
    const auto it = req.find(key);
    return it != req.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

std::optional<ojson> live_api(App& app, const std::string& op, const ojson& req) {
    if (op.rfind("live_", 0) != 0) return std::nullopt;
    Model& model = app.model();
    LiveTrace& live = model.live();
    if (op == "live_available") {
        live.set_available(flag(req));
        return ok(live.available());
    }
    if (op == "live_connected") {
        live.set_connected(flag(req));
        return ok(live.connected());
    }
    if (op == "live_feed") {
        const auto message = sim::Json::parse(text(req, "text"), nullptr, false);
        if (message.is_discarded() || !live.feed(message)) return fail("not a live message");
        // The session shown follows what arrives (unless the list is paused).
        if (model.live_mode() && !model.live_shown().empty() && !live.paused()) {
            const std::size_t step = model.step(), total = model.total_steps();
            model.apply(cmd::Live{cmd::Live::Do::open, model.live_shown()});
            if (step < total) model.apply(cmd::Seek{step});  // the viewer had stepped back: stay
        }
        return ok(true);
    }
    if (op == "live_sessions") {
        ojson list = ojson::array();
        for (const LiveSession* s : live.sessions()) list.push_back(LiveTrace::summary(*s));
        return ok(list);
    }
    if (op == "live_open") {
        if (!model.apply(cmd::Live{cmd::Live::Do::open, text(req, "id")}))
            return fail("no live session or message \"" + text(req, "id") + "\"");
        return ok(model.scenario_name());
    }
    if (op == "live_rebuild") {
        // "Open in the simulator": the world rebuilt from what was observed, loaded (Live mode ends).
        const LiveRebuild r = app.open_rebuilt(text(req, "id"));
        if (!r.error.empty()) return ok(ojson{{"ok", false}, {"error", r.error}});
        return ok(ojson{{"ok", true}, {"name", r.name}, {"notes", r.notes}, {"json", r.json}});
    }
    if (op == "live_mode") {
        if (!model.apply(cmd::Live{flag(req) ? cmd::Live::Do::on : cmd::Live::Do::off, {}}))
            return fail("Live mode needs a relay serving the page");
        return ok(model.live_mode());
    }
    return fail("unknown op \"" + op + "\"");
}

}  // namespace relaylab::ui
