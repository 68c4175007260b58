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
// live_* (Live mode, web/ui/live_api.hpp).
#include <string>
#include <string_view>

#include "web/ui/app.hpp"

namespace relaylab::ui {

// A read-only op (state, layout, stats, ...) leaves *changes false: the page then
// draws no frame for it (idle costs nothing).
std::string api_call(App& app, std::string_view request, bool* changes = nullptr);

// Ops that only read.
bool api_read_only(std::string_view op);

}  // namespace relaylab::ui
