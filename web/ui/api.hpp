#pragma once
// The page's automation API (window.relaylab in assets/web/index.html) as one function:
// a JSON request in, a JSON answer out. Platform-independent, so it is the same for the
// web page and any native host.
//   {"op":"state"}                       → {"ok":true,"result":{...}}
//   {"op":"load","name":"happy-path"}    → the new state
//   {"op":"nope"}                        → {"ok":false,"error":"unknown op \"nope\""}
// Ops: version, scenarios, scenario_list, load{name}, step, back, seek{n}, restart,
// play, pause, setSwitch{name,on}, state, layout, link, stats, open{fragment},
// fontScale{scale}, highContrast{on}, largeControls{on}, hideFuture{on},
// hideCapabilities{on}, presenter{on}, jump{kind: failure|hop|dsn|end, dir: 1|-1}, dismissNotice,
// inbox_list, inbox_message, inbox_part (web/ui/inbox_api.hpp), inboxBadge{text};
// wire, showWire, decodeAuth{on}, exports, exportFile{kind,index} (web/ui/export_api.hpp).
// loadWorld, worldJson, editor, editorState, showNotice (web/ui/worlds_api.cpp).
// live_* (Live mode, web/ui/live_api.hpp).
// The quiz, glossary and beginner view (web/ui/quiz_api.cpp): quiz_start, quiz_stop,
// quiz_question, quiz_answer{i}, quiz_skip, quiz_continue, quiz_score, glossary,
// glossaryOpen{term}, glossaryClose, beginner{on}, showAll{on}.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "web/ui/app.hpp"

namespace relaylab::ui {

// A read-only op (state, layout, stats, ...) leaves *changes false: the page then
// draws no frame for it (idle costs nothing).
std::string api_call(App& app, std::string_view request, bool* changes = nullptr);

// Ops that only read.
bool api_read_only(std::string_view op);

// The quiz's, glossary's and beginner view's ops (nullopt: not one of them) and its part of state() (quiz_api.cpp).
std::optional<std::string> quiz_api_call(App& app, const std::string& op, const nlohmann::ordered_json& req);
void quiz_state(const App& app, nlohmann::ordered_json& state);

// The ops of your own world (web/ui/worlds_api.cpp): loadWorld, worldJson, editor,
// editorState, showNotice; nullopt for any other op.
std::optional<std::string> worlds_api_call(App& app, const std::string& op, std::string_view request);

}  // namespace relaylab::ui
