// Capture hosts: a fake SMTP server for development (Mailpit, MailHog, smtp4dev). The engine's
// relay policy already said yes to every recipient (policy_of: the sandbox rule with every
// network trusted); here the accepted message goes into the host's inbox, once, whatever its
// recipients, and nowhere else: no DNS, no delivery onward, no notices.
#include "sim/world_impl.hpp"

namespace relaylab::sim {

void World::capture(HostRt* h, const QueueItem& item, const Conn* via) {
    std::string rcpts;
    for (const auto& r : item.q.recipients) rcpts += (rcpts.empty() ? "" : ", ") + r.address();
    record(TraceKind::delivery, TracePhase::delivery, Topic::delivery, h->spec->name, "",
           "captured in the inbox of " + h->spec->name + " (for " + rcpts + ")",
           "A capture server is a fake SMTP server for testing: it accepts every recipient and keeps the "
           "message in its inbox, where a developer can read it. It sends nothing on, so no real "
           "recipient ever sees a test message.",
           "RFC 5321 §4.1.1.4", item.spec_id, via ? via->id : -1, TraceOutcome::captured);
    MessageCopy copy;
    copy.message = item.spec_id;
    copy.host = h->spec->name;
    copy.where = "inbox of " + h->spec->name;
    copy.bounce = item.bounce();
    // As received: the Received: chain (the route it took) on top, the sender's own bytes below.
    copy.content = item.content;
    change(AddMessageCopy{copy});
    if ((item.bounce() && !scenario_null_sender(item.spec_id)) || item.spec_id.empty()) return;
    const Reply ok = make_reply(250, "2.0.0", "captured in the inbox of " + h->spec->name);
    for (const auto& r : item.q.recipients)
        set_recipient_status(item.spec_id, r.address(), status_from(MessageState::captured, ok, h->spec->name));
}

}  // namespace relaylab::sim
