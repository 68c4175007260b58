#include "web/ui/api.hpp"

#include <imgui.h>
#include <cstdio>
#include <imgui_internal.h>  // ImTextCharFromUtf8
#include <nlohmann/json.hpp>

#include "sim/report.hpp"
#include "sim/step_json.hpp"
#include "web/ui/export_api.hpp"
#include "web/ui/live_api.hpp"
#include "web/ui/inbox_api.hpp"
#include "web/ui/teaching_order.hpp"
#include "web/ui/theme.hpp"

namespace relaylab::ui {

namespace {

using json = nlohmann::ordered_json;

json view_json(const ViewReport& v) {
    return json{{"scroll_y", v.scroll_y}, {"scroll_max", v.scroll_max}, {"line_h", v.line_h}, {"visible_h", v.visible_h}, {"steps", v.steps},
                {"current_line", v.current_line}};
}

json state_json(const App& app) {
    const Model& model = app.model();
    json s;
    s["scenario"] = model.scenario_name();
    s["notice"] = app.notice().empty() ? json(nullptr) : json(app.notice());
    if (!model.loaded()) return s;
    const auto& sim = model.sim();
    s["title"] = sim.scenario().title;
    s["step"] = sim.step();
    s["total_steps"] = sim.total_steps();
    // Exactly the objects `relaylab sim NAME --format json` prints under "messages" and
    // "steps" (sim/step_json.hpp, docs/trace-format.md), built once, not printed and parsed.
    s["messages"] = sim::messages_json_array(sim.view().messages);
    if (const sim::Step* cur = sim.current()) {
        s["current"] = sim::step_json(*cur);
    } else {
        s["current"] = nullptr;
    }
    json switches = json::object();
    for (const auto& sw : sim.scenario().switches) switches[sw.name] = sim.switch_on(sw.name);
    s["switches"] = switches;
    json offered = json::array();  // the switches the page offers (the rest change nothing here)
    const auto& specs = sim.scenario().switches;
    for (std::size_t i = 0; i < specs.size(); ++i)
        if (model.switch_offered(i)) offered.push_back(specs[i].name);
    s["switches_offered"] = offered;
    s["note"] = sim.note() ? json(sim.note()->text) : json(nullptr);
    s["queue_entries"] = sim.view().queue.size();
    s["dns_records"] = sim.view().dns_records;
    s["message_copies"] = sim.view().message_copies;
    s["playing"] = model.playing();
    s["speed"] = model.speed();
    s["link"] = model.fragment();
    s["custom_world"] = model.custom_world();  // loaded with loadWorld (the link is then #world=…)
    // The widget with keyboard-navigation focus (Tab / Shift-Tab) in the last frame drawn:
    // its Dear ImGui id and label ("▶ Play##play"; empty for a combo), and whether the
    // focus rectangle shows.
    s["focus"] = json{{"id", App::focused_id()}, {"label", App::focused_label()}, {"visible", App::focus_visible()}};
    // What the scrolling panels showed in the last frame drawn (device pixels).
    s["views"] = json{{"transcript", view_json(app.transcript_view())},
                      {"sequence", view_json(app.sequence_view())},
                      {"notes", view_json(app.notes_view())}};
    const auto& list = app.scenario_list_view();  // the scenario picker's list, while open
    s["views"]["scenario_list"] = json{{"open", list.open},           {"scroll_y", list.scroll_y},
                                       {"visible_h", list.visible_h}, {"heading_y", list.heading_y},
                                       {"selected_y", list.selected_y}, {"selected_h", list.selected_h}};
    const auto& p = model.prefs();
    s["prefs"] = json{{"font_scale", p.font_scale}, {"high_contrast", p.high_contrast},
                      {"large_controls", p.large_controls}, {"hide_future", p.hide_future},
                      {"hide_capabilities", p.hide_capabilities}, {"presenting", model.presenting()}};
    quiz_state(app, s);  // prefs.beginner, quiz, glossary
    return s;
}

json rect_json(const Rect& r) { return json{{"x", r.x}, {"y", r.y}, {"width", r.w}, {"height", r.h}}; }

// What the topology drew where: its canvas and each node, mark block, label and caption.
json topology_drawn_json(const TopologyPanel& t) {
    json items = json::array();
    for (const auto& d : t.drawn)
        items.push_back(json{{"what", d.what}, {"text", d.text}, {"x", d.box.x}, {"y", d.box.y}, {"width", d.box.w}, {"height", d.box.h}});
    return json{{"canvas", json{{"x", t.canvas.x}, {"y", t.canvas.y}, {"width", t.canvas.w}, {"height", t.canvas.h}}}, {"items", items}};
}

// The toolbar's first-row items by name, and the quiz's choices (button, label), as drawn.
json toolbar_items_json(const Layout& l) {
    json items = json::object();
    for (const auto& i : l.toolbar_items) items[i.name] = rect_json({i.x, i.y, i.w, i.h});
    return items;
}
json quiz_choices_json(const Layout& l) {
    json choices = json::array();
    for (const auto& c : l.quiz_choices) choices.push_back(json{{"button", rect_json(c.button)}, {"text", rect_json(c.text)}});
    return choices;
}

std::string ok(const json& result) { return json{{"ok", true}, {"result", result}}.dump(-1, ' ', false, json::error_handler_t::replace); }
std::string fail(const std::string& error) { return json{{"ok", false}, {"error", error}}.dump(); }

std::string str(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool api_read_only(std::string_view op) {
    for (const char* r : {"version", "scenarios", "scenario_list", "state", "layout", "link", "stats", "glyphs", "palette",
                          "quiz_question", "quiz_score", "glossary", "wire", "exports", "exportFile", "worldJson", "editorState", "live_sessions"})
        if (op == r) return true;
    return is_inbox_op(op);
}

std::string api_call(App& app, std::string_view request, bool* changes) {
    if (changes) *changes = false;
    const json req = json::parse(request, nullptr, false);
    if (req.is_discarded() || !req.is_object()) return fail("request is not a JSON object");
    const std::string op = str(req, "op");
    if (changes) *changes = !api_read_only(op);
    Model& model = app.model();
    if (auto answer = worlds_api_call(app, op, request)) return *answer;  // your own world (worlds_api.cpp)

    if (op == "version") return ok(version());
    if (op == "scenarios") {
        json names = json::array();
        for (const auto& s : model.scenarios()) names.push_back(s.name);
        return ok(names);
    }
    if (op == "scenario_list") {
        json list = json::array();
        for (const auto& s : model.scenarios())
            list.push_back(json{{"name", s.name}, {"title", s.title}, {"description", s.description},
                                {"chapter", chapter_name(s.chapter)}, {"lesson", s.lesson}});
        return ok(list);
    }
    if (op == "state") return ok(state_json(app));
    if (op == "layout") {
        const Layout& l = app.layout();
        return ok(json{{"toolbar", rect_json(l.toolbar)}, {"topology", rect_json(l.topology)},
                       {"sequence", rect_json(l.sequence)}, {"notes", rect_json(l.notes)},
                       {"details", rect_json(l.details)}, {"switches", rect_json(l.switches)},
                       {"notice", rect_json(l.notice)}, {"scrubber", rect_json(l.scrubber)},
                       {"step_note", rect_json(l.step_note)}, {"presenter", l.presenter},
                       {"quiz", rect_json(l.quiz)}, {"glossary", rect_json(l.glossary)},
                       {"glossary_chip", rect_json(l.glossary_chip)}, {"glossary_chip_term", l.glossary_chip_term},
                       {"topology_drawn", topology_drawn_json(app.topology_view())},
                       {"toolbar_items", toolbar_items_json(l)}, {"toolbar_lines", l.toolbar_lines},
                       {"frame_height", l.frame_height}, {"quiz_choices", quiz_choices_json(l)}});
    }
    if (op == "link") return ok(model.fragment());
    if (op == "palette") {
        // The class and outcome colours of both palettes, "#rrggbb", for the colour-blindness
        // check (tests/browser/colour.mjs).
        auto hex = [](ImU32 c) {
            char b[8];
            std::snprintf(b, sizeof b, "#%02x%02x%02x", static_cast<unsigned>(c & 0xFF),
                          static_cast<unsigned>((c >> 8) & 0xFF), static_cast<unsigned>((c >> 16) & 0xFF));
            return std::string(b);
        };
        auto colours = [&](const Palette& p) {
            return json{{"reply_2xx", hex(p.reply_2xx)}, {"reply_3xx", hex(p.reply_3xx)}, {"reply_4xx", hex(p.reply_4xx)},
                        {"reply_5xx", hex(p.reply_5xx)}, {"command", hex(p.command)},     {"dns", hex(p.dns)},
                        {"ok", hex(p.ok)},               {"warn", hex(p.warn)},           {"down", hex(p.down)},
                        {"background", hex(p.canvas_bg)}};
        };
        return ok(json{{"normal", colours(palette(false))}, {"high_contrast", colours(palette(true))}});
    }
    if (op == "glyphs") {
        // The characters of `text` the sans or mono font cannot draw (they would show as
        // '?'): the font atlas has no glyph for them (not in the ranges or not in the subset).
        const std::string text = str(req, "text");
        json missing = json::array();
        const char* p = text.c_str();
        const char* end = p + text.size();
        while (p < end) {
            unsigned int c = 0;
            const int n = ImTextCharFromUtf8(&c, p, end);
            if (n <= 0) break;
            const std::string ch(p, static_cast<std::size_t>(n));
            p += n;
            if (c < 0x20) continue;
            for (ImFont* f : {fonts().sans, fonts().mono})
                if (!f || !f->FindGlyphNoFallback(static_cast<ImWchar>(c))) {
                    missing.push_back(ch);
                    break;
                }
        }
        return ok(json{{"missing", missing}});
    }
    if (op == "stats") return ok(json{{"frame_ms", app.average_frame_ms()}, {"frames", app.frames()}});
    if (auto answer = export_api_call(app, op, req)) return *answer;  // wire view, exports
    if (auto live = live_api(app, op, req)) return live->dump(-1, ' ', false, json::error_handler_t::replace);
    // The Inbox drawer: the run's message copies in Mailpit's shapes (web/ui/inbox_api.hpp),
    // and what the toolbar's Inbox button says beside its name ("chaos ON").
    if (is_inbox_op(op)) {
        InboxJson result;
        std::string error;
        inbox_api_op(model.loaded() ? &model.sim() : nullptr, op, req, result, error);
        return error.empty() ? ok(result) : fail(error);
    }
    if (op == "inboxBadge") {
        app.set_inbox_badge(str(req, "text"));
        return ok(app.inbox_badge());
    }

    if (auto answer = quiz_api_call(app, op, req)) return *answer;  // quiz, glossary, beginner view

    Command c;
    if (op == "load") {
        const std::string name = str(req, "name");
        if (!model.info(name)) return fail("unknown scenario \"" + name + "\"");
        c = cmd::Load{name};
    } else if (op == "step") {
        c = cmd::StepForward{};
    } else if (op == "back") {
        c = cmd::StepBack{};
    } else if (op == "seek") {
        const auto it = req.find("n");
        if (it == req.end() || !it->is_number()) return fail("seek needs a number n");
        const double n = it->get<double>();
        c = cmd::Seek{n <= 0 ? 0 : static_cast<std::size_t>(n)};
    } else if (op == "restart") {
        c = cmd::Restart{};
    } else if (op == "play" || op == "pause") {
        c = cmd::SetPlaying{op == "play"};
    } else if (op == "setSwitch") {
        const auto it = req.find("on");
        const bool on = it != req.end() && (it->is_boolean() ? it->get<bool>() : it->is_number() && it->get<double>() != 0);
        c = cmd::SetSwitch{str(req, "name"), on};
    } else if (op == "fontScale") {
        const auto it = req.find("scale");
        if (it == req.end() || !it->is_number()) return fail("fontScale needs a number scale");
        c = cmd::SetFontScale{it->get<float>()};
    } else if (op == "highContrast" || op == "largeControls") {
        const auto it = req.find("on");
        const bool on = it != req.end() && it->is_boolean() && it->get<bool>();
        if (op == "highContrast") c = cmd::SetHighContrast{on};
        else c = cmd::SetLargeControls{on};
    } else if (op == "presenter") {
        const auto it = req.find("on");
        model.apply_all(Model::presenter_commands(it != req.end() && it->is_boolean() && it->get<bool>()));
        return ok(state_json(app));
    } else if (op == "hideFuture" || op == "hideCapabilities") {
        const auto it = req.find("on");
        const bool on = it != req.end() && it->is_boolean() && it->get<bool>();
        if (op == "hideFuture") c = cmd::SetHideFuture{on};
        else c = cmd::SetHideCapabilities{on};
    } else if (op == "jump") {
        const std::string kind = str(req, "kind");
        JumpKind k;
        if (kind == "failure") k = JumpKind::failure;
        else if (kind == "hop") k = JumpKind::hop;
        else if (kind == "dsn") k = JumpKind::dsn;
        else if (kind == "end") k = JumpKind::end;
        else return fail("jump kind is failure, hop, dsn or end, not \"" + kind + "\"");
        const auto it = req.find("dir");
        const int dir = it != req.end() && it->is_number() && it->get<double>() < 0 ? -1 : 1;
        model.apply(cmd::Jump{k, dir});  // nothing further that way: the step stays
        return ok(state_json(app));
    } else if (op == "dismissNotice") {
        app.dismiss_notice();
        return ok(state_json(app));
    } else if (op == "open") {
        if (!app.open_link(str(req, "fragment"))) return fail("cannot open link \"" + str(req, "fragment") + "\"");
        return ok(state_json(app));
    } else {
        return fail("unknown op \"" + op + "\"");
    }
    if (!model.apply(c)) {
        if (op == "setSwitch") return fail("no switch \"" + str(req, "name") + "\" in this scenario");
        if (op == "load") return fail("cannot load \"" + str(req, "name") + "\"");
    }
    return ok(state_json(app));
}

}  // namespace relaylab::ui
