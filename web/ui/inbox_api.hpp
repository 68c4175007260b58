#pragma once
// The simulated run's inbox, in Mailpit's shapes: the page's Inbox drawer (assets/web/inbox.js)
// shows the relay's captured mail (Mailpit's REST API) and the current run's message copies
// in one panel, so both sources answer with the same JSON. No ImGui here.
//
// A message copy (sim/step.hpp MessageCopy: what one host stored, up to the current step) is
// one inbox message, ID "sim-N" (N = its place in the run, from 1). Its bytes are read with
// the engine's MIME reader and summarised and searched by engine/mail_summary.hpp, the same
// code the relay's /api/v1 uses (native/mailpit_api.cpp).
//
// JS API ops (web/ui/api.cpp hands them here):
//   inbox_list    {query?, start?, limit?, read?: [IDs]}  → Mailpit's /api/v1/messages (or
//                 /search) answer: {total, unread, count, messages_count, messages_unread, start, messages}
//   inbox_message {id}        → Mailpit's /api/v1/message/{ID} plus Headers, Raw, Parts and
//                               Route (the run's steps that carried this copy), Host, Where, Bounce, Step
//   inbox_part    {id, part}  → {PartID, ContentType, FileName, Size, Base64}
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/simulation.hpp"

namespace relaylab::ui {

using InboxJson = nlohmann::ordered_json;

struct SimInboxQuery {
    std::string search;           // Mailpit's search syntax (engine/mail_summary.hpp); "" = all
    std::size_t start = 0;
    std::size_t limit = 50;
    std::set<std::string> read;   // IDs the viewer has opened (the page keeps them)
};

// Newest first.
InboxJson sim_inbox_list(const sim::Simulation& sim, const SimInboxQuery& query);
// nullopt: no such copy (yet) in this run.
std::optional<InboxJson> sim_inbox_message(const sim::Simulation& sim, std::string_view id);
std::optional<InboxJson> sim_inbox_part(const sim::Simulation& sim, std::string_view id, std::string_view part_id);

// The ops above, for web/ui/api.cpp: true when `op` is one of them; then either `result` is
// set, or `error` says what went wrong (sim is null when no scenario is loaded).
bool is_inbox_op(std::string_view op);
bool inbox_api_op(const sim::Simulation* sim, std::string_view op, const InboxJson& request, InboxJson& result,
                  std::string& error);

}  // namespace relaylab::ui
