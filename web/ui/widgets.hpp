#pragma once
// Small helpers shared by panels: how a trace event is worded and coloured, the order
// of hosts in the topology and the ladder, and what the failure switches do to a host.
#include <imgui.h>

#include <string>
#include <vector>

#include "sim/simulation.hpp"
#include "web/ui/model.hpp"
#include "web/ui/theme.hpp"

namespace relaylab::ui {

// The transcript form: "C: EHLO x", "S: 250 ok", or the event's text; AUTH credentials
// are shown as "<credentials hidden>" (secret_reveal says what they were, on demand).
std::string event_line(const TraceEvent& event);
// Colour is never the only signal: a symbol per reply class and outcome,
// "✓ " (2xx, ok, delivered), "→ " (3xx go on), "… " (4xx, deferred), "✗ " (5xx, refused,
// timed out, failed, bounced, rejected), or "" — from the subset font's glyphs (web/web.cmake).
const char* event_mark(const TraceEvent& event);
const char* message_state_mark(sim::MessageState state);
const char* reply_code_mark(int code);  // by the code's class, as event_mark
// event_mark + event_line.
std::string marked_line(const TraceEvent& event);
// The beginner view's line: MAIL/RCPT without ESMTP parameters (beginner_view.cpp).
std::string beginner_line(const TraceEvent& event);
// marked_line, or the beginner view's while the model hides details.
std::string shown_line(const TraceEvent& event, const Model& model);
// From the typed fields: a reply by its class, an attempt by its outcome, else by kind.
ImU32 event_colour(const TraceEvent& event, const Palette& p);
ImU32 outcome_colour(TraceOutcome outcome, ImU32 otherwise, const Palette& p);
ImU32 message_state_colour(sim::MessageState state, const Palette& p);
// For a line with an AUTH secret: the credentials as they crossed the wire (base64) and
// decoded; empty when the event has none, or when the relay masked them.
std::string secret_reveal(const TraceEvent& event);
// explain_event() of the step's event, as the tooltip and the notes show it.
void explanation_tooltip(const TraceEvent& event);

// Hosts in display order: clients, relays, "dns", MX hosts, then any other name the
// trace mentions.
std::vector<std::string> host_order(const sim::Simulation& sim);

// A mark a failure switch puts on a host, e.g. {"DOWN: refuses connections", true}.
struct HostMark {
    std::string text;
    bool severe = false;
    // What the failure does to a connection attempt: refused (down), timed_out (silent),
    // none for the failures that let the connection open.
    TraceOutcome outcome = TraceOutcome::none;
};
std::vector<HostMark> host_marks(const sim::Simulation& sim, const std::string& host);

// The steps (0-based indices) the sequence and transcript list: all of them, or only
// those up to now (Prefs::hide_future), without EHLO capability lines if asked.
std::vector<std::size_t> shown_steps(const Model& model);

// Hover tooltip with wrapped text (for explanations and RFC references).
void wrapped_tooltip(const std::string& text, const std::string& rfc = "");
// Text in a colour, wrapped at the window edge.
void coloured_wrapped(ImU32 colour, const std::string& text);

}  // namespace relaylab::ui
