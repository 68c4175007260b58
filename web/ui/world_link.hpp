#pragma once
// Links to a world of one's own: "#world=<base64url of the deflate-raw compressed JSON>" (the
// JSON itself travels in the link) or "#world-url=<a same-origin path>" (fetched). The browser
// compresses and fetches (assets/web/worlds.js); here is only how such a link is recognised and
// the rest of it ("&step=7&mx-down=1") turned into commands.
#include <string_view>

#include "web/ui/model.hpp"

namespace relaylab::ui {

inline bool is_world_fragment(std::string_view fragment) {
    if (!fragment.empty() && fragment.front() == '#') fragment.remove_prefix(1);
    return fragment.rfind("world=", 0) == 0 || fragment.rfind("world-url=", 0) == 0;
}

// "step=7&mx-down=1" (the part of a world link after the world) → Seek and SetSwitch commands.
Commands world_state_commands(std::string_view state, std::vector<std::string>* problems = nullptr);

}  // namespace relaylab::ui
