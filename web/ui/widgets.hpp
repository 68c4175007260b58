#pragma once
// Small helpers shared by panels: how a trace event is worded and coloured, the order
// of hosts in the topology and the ladder, and what the failure switches do to a host.
#include <imgui.h>

#include <string>
#include <vector>

#include "sim/simulation.hpp"
#include "web/ui/theme.hpp"

namespace relaylab::ui {

// 2..5 for an SMTP reply line ("250 ..." → 2), 0 for anything else.
int reply_class(const TraceEvent& event);
// The transcript form: "C: EHLO x", "S: 250 ok", or the event's text.
std::string event_line(const TraceEvent& event);
ImU32 event_colour(const TraceEvent& event, const Palette& p);

// Hosts in display order: clients, relays, "dns", MX hosts, then any other name the
// trace mentions.
std::vector<std::string> host_order(const sim::Simulation& sim);

// A mark a failure switch puts on a host, e.g. {"DOWN: refuses connections", true}.
struct HostMark {
    std::string text;
    bool severe = false;
};
std::vector<HostMark> host_marks(const sim::Simulation& sim, const std::string& host);

// Hover tooltip with wrapped text (for explanations and RFC references).
void wrapped_tooltip(const std::string& text, const std::string& rfc = "");
// Text in a colour, wrapped at the window edge.
void coloured_wrapped(ImU32 colour, const std::string& text);

}  // namespace relaylab::ui
