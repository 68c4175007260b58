// The JS API's ops for your own world (window.relaylab.loadWorld, worldJson, the editor):
//   {"op":"loadWorld","json":"{...}","state":"step=7&mx-down=1","source":"the file w.json"}
//       → {"ok":true,"result":{"ok":true|false,"error":"scenario.hots: unknown key (misspelt?)"}}
//   {"op":"worldJson"}  → the current world's JSON text
//   {"op":"editor","on":true}, {"op":"editorState"} → {open, text, error, checked, box}
//   {"op":"showNotice","title":"…","text":"…"}  (errors the page script finds: a refused URL)
#include <nlohmann/json.hpp>

#include "web/ui/api.hpp"
#include "web/ui/world_link.hpp"

namespace relaylab::ui {

namespace {
using json = nlohmann::ordered_json;
std::string answer(const json& result) {
    return json{{"ok", true}, {"result", result}}.dump(-1, ' ', false, json::error_handler_t::replace);
}
std::string text_of(const json& req, const char* key) {
    const auto it = req.find(key);
    return it != req.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

std::optional<std::string> worlds_api_call(App& app, const std::string& op, std::string_view request) {
    if (op != "loadWorld" && op != "worldJson" && op != "editor" && op != "editorState" && op != "showNotice")
        return std::nullopt;
    const json req = json::parse(request, nullptr, false);
    if (op == "loadWorld") {
        const std::string source = text_of(req, "source");
        const std::string error = app.load_world(text_of(req, "json"), source.empty() ? "This world" : source);
        if (!error.empty()) return answer(json{{"ok", false}, {"error", error}});
        std::vector<std::string> problems;
        app.model().apply_all(world_state_commands(text_of(req, "state"), &problems));
        return answer(json{{"ok", true}, {"error", nullptr}, {"name", app.model().scenario_name()}});
    }
    if (op == "worldJson") return answer(app.model().world_json());
    if (op == "editor") {
        const auto it = req.find("on");
        app.editor().set_open(it != req.end() && it->is_boolean() && it->get<bool>(), app.model());
        return answer(json{{"open", app.editor().is_open()}});
    }
    if (op == "editorState") {
        const EditorPanel& e = app.editor();
        return answer(json{{"open", e.is_open()},
                           {"text", e.text()},
                           {"error", e.error().empty() ? json(nullptr) : json(e.error())},
                           {"checked", e.checked()},
                           {"box", json{{"x", e.box_min.x}, {"y", e.box_min.y},
                                        {"width", e.box_max.x - e.box_min.x}, {"height", e.box_max.y - e.box_min.y}}}});
    }
    if (op == "showNotice") {
        app.show_notice(text_of(req, "title"), text_of(req, "text"));
        return answer(json{{"notice", app.notice()}});
    }
    return std::nullopt;
}

}  // namespace relaylab::ui
