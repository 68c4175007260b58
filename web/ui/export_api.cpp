// The JS API of the wire view and the exports (relaylab.wire(), exportFile(), exports(),
// showWire(), decodeAuth()); api.cpp hands these ops here.
#include <nlohmann/json.hpp>

#include "engine/base64.hpp"
#include "sim/export_file.hpp"
#include "sim/wire_view.hpp"
#include "web/ui/export_api.hpp"

namespace relaylab::ui {

namespace {
using json = nlohmann::ordered_json;

std::string ok(const json& result) {
    return json{{"ok", true}, {"result", result}}.dump(-1, ' ', false, json::error_handler_t::replace);
}
std::string fail(const std::string& error) { return json{{"ok", false}, {"error", error}}.dump(); }

json wire_json(const App& app) {
    const auto& sim = app.model().sim();
    const bool decode = app.wire_panel().decode_auth;
    json out{{"step", sim.step()}, {"auth_decoded", decode}};
    if (sim.step() == 0) return out;
    const sim::WireStepView v = sim::wire_step_view(sim.timeline().steps(), sim.wire(), sim.step() - 1);
    out["connection"] = v.connection;
    out["client"] = v.client;
    out["server"] = v.server;
    out["port"] = v.port;
    out["tls"] = v.tls;
    out["summary"] = v.summary;
    json segments = json::array();
    for (const auto& l : v.lines) {
        json notes = json::array();
        for (const auto& n : l.notes) notes.push_back(json{{"text", n.text}, {"rfc", n.rfc}});
        json seg{{"direction", sim::wire_dir_name(l.dir)}, {"bytes", sim::wire_escaped(l.bytes)}, {"length", l.bytes.size()},
                 {"tls_opaque", l.tls}, {"notes", notes}};
        const bool secret = l.secret_end > l.secret_begin;
        seg["secret"] = secret ? json{{"begin", l.secret_begin}, {"end", l.secret_end}} : json(nullptr);
        // Decoded only on demand, as the panel shows it.
        seg["decoded"] = secret && decode ? json(l.secret_decoded) : json(nullptr);
        seg["warning"] = secret && decode && !l.tls && !l.secret_user.empty()
                             ? json("This is " + l.secret_user.substr(0, l.secret_user.find('@')) +
                                    "'s password, readable by anyone on the path.")
                             : json(nullptr);
        segments.push_back(seg);
    }
    out["segments"] = segments;
    json observer = json::array();
    for (const auto& o : v.observer)
        observer.push_back(json{{"direction", sim::wire_dir_name(o.dir)}, {"label", o.label}, {"length", o.length},
                                {"smtp_length", o.smtp_length}, {"opaque", o.opaque}});
    out["observer"] = observer;
    return out;
}

std::size_t index_of(const json& req) {
    const auto it = req.find("index");
    return it != req.end() && it->is_number() && it->get<double>() > 0 ? static_cast<std::size_t>(it->get<double>()) : 0;
}
}  // namespace

std::optional<std::string> export_api_call(App& app, const std::string& op, const nlohmann::ordered_json& req) {
    if (op != "wire" && op != "exportFile" && op != "exports" && op != "showWire" && op != "decodeAuth") return std::nullopt;
    if (!app.model().loaded()) return fail("no scenario loaded");
    const auto& sim = app.model().sim();
    if (op == "wire") return ok(wire_json(app));
    if (op == "showWire") {
        app.show_wire();
        return ok(wire_json(app));
    }
    if (op == "decodeAuth") {
        const auto it = req.find("on");
        app.wire_panel().decode_auth = it != req.end() && it->is_boolean() && it->get<bool>();
        return ok(wire_json(app));
    }
    if (op == "exports") {
        json list = json::array();
        for (const std::string& kind : sim::export_kinds()) {
            if (kind == "eml") continue;
            list.push_back(json{{"kind", kind}, {"index", 0},
                                {"name", sim::export_file(sim.scenario(), sim.seed(), sim.switches(), sim.run(), kind)->name}});
        }
        const auto copies = sim::run_message_copies(sim.run());
        for (std::size_t i = 0; i < copies.size(); ++i)
            list.push_back(json{{"kind", "eml"}, {"index", i},
                                {"name", sim::export_file(sim.scenario(), sim.seed(), sim.switches(), sim.run(), "eml", i)->name},
                                {"host", copies[i].host}, {"where", copies[i].where}, {"bounce", copies[i].bounce}});
        return ok(list);
    }
    // exportFile: {name, mime, text} for text kinds, {name, mime, base64} for pcap and .eml
    // (the stored octets exactly).
    const std::string kind = req.value("kind", std::string());
    const auto f = sim::export_file(sim.scenario(), sim.seed(), sim.switches(), sim.run(), kind, index_of(req));
    if (!f) return fail("no export \"" + kind + "\" (kinds: markdown, text, json, pcap, eml with an index)");
    json r{{"name", f->name}, {"mime", f->mime}, {"size", f->bytes.size()}};
    if (f->binary || kind == "eml") r["base64"] = base64_encode(f->bytes);
    else r["text"] = f->bytes;
    return ok(r);
}

}  // namespace relaylab::ui
