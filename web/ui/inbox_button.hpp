#pragma once
// The toolbar's Inbox button: opens the page's Inbox drawer (assets/web/inbox.js), which
// lists the relay's captured mail and the run's message copies. `badge` (set by the page
// through the inboxBadge op, e.g. "chaos ON") is shown beside the name, in the warning
// colour when it speaks of chaos. True when pressed.
#include <string>

namespace relaylab::ui {

bool draw_inbox_button(const std::string& badge, bool high_contrast);

}  // namespace relaylab::ui
