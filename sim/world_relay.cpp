// Relay queues: messages wait here between acceptance and delivery. This file carries out
// the engine's delivery core (engine/delivery.hpp) on the virtual network: it answers the
// core's DNS questions from the virtual zones, opens the connections it asks for and runs
// the engine's ClientSession on them, delivers to local mailboxes, and queues the notices the
// core composes. No delivery rule lives here.
//
// The queue model runs on the calendar (k_sim_epoch_ms + virtual time), so that the dates in
// notices (Arrival-Date, Last-Attempt-Date) are real dates; the event loop runs on virtual time.
#include "engine/ascii.hpp"
#include "engine/ids.hpp"
#include "engine/relay_policy.hpp"
#include "sim/report.hpp"
#include "sim/world_impl.hpp"

namespace relaylab::sim {

namespace {

bool all_local(const QueuedMessage& q, const DeliveryPolicy& policy) {
    for (const auto& r : q.recipients)
        if (!r.domain().empty() && !is_local_domain(r.domain(), policy.local_domains)) return false;
    return true;
}

const char* notice_words(DsnAction a) {
    switch (a) {
        case DsnAction::failed: return "bounce (delivery failed)";
        case DsnAction::delayed: return "delay notice (not a bounce: still trying)";
        case DsnAction::delivered: return "success notice (delivered)";
        case DsnAction::relayed: return "success notice (relayed to a server without DSN)";
        case DsnAction::expanded: return "notice (expanded)";
    }
    return "notice";
}

// A queue entry after an attempt, in one word: the worst recipient's fate, as the message
// table ranks them (a bounce or a deferral matters more than the hand-overs beside it).
TraceOutcome queue_outcome(const QueuedMessage& q) {
    bool bounced = false, deferred = false, relayed = false, delivered = false;
    for (const auto& r : q.recipients) {
        bounced |= r.state == RecipientState::bounced;
        deferred |= r.state == RecipientState::deferred || r.state == RecipientState::queued;
        relayed |= r.state == RecipientState::relayed;
        delivered |= r.state == RecipientState::delivered;
    }
    if (bounced) return TraceOutcome::bounced;
    if (deferred) return TraceOutcome::deferred;
    if (relayed) return TraceOutcome::relayed;
    if (delivered) return TraceOutcome::delivered;
    return TraceOutcome::none;
}

}  // namespace

void World::enqueue(HostRt* h, QueueItem item, const Conn* via) {
    const std::int64_t cal = k_sim_epoch_ms + now_;
    if (h->spec->kind == HostKind::capture) {
        capture(h, item, via);
        return;
    }
    if (all_local(item.q, h->delivery)) {
        // Every recipient is ours: into the mailboxes at once (the queue still decides what
        // happened and which notices are owed, e.g. NOTIFY=SUCCESS, RFC 3461 §5.2.3).
        for (const auto& g : start_attempts(item.q, h->delivery, cal)) {
            std::vector<AttemptResult> results;
            for (std::size_t i : g.recipients)
                results.push_back(local_delivery_result(
                    deliver_local(h, item.q, i, item.content, item.spec_id, via)));
            record_group(item.q, g, results, cal, h->delivery.retry, hash64(seed_, item.q.id));
        }
        send_notices(h, item);
        return;
    }
    const std::string id = item.q.id;
    std::string rcpts;
    for (const auto& r : item.q.recipients) rcpts += (rcpts.empty() ? "" : ", ") + r.address();
    record(TraceKind::queue, TracePhase::queue, Topic::queue, h->spec->name, "", "queued as " + id + " for " + rcpts,
           "The message is safe in " + h->spec->name +
               "'s queue on disk; only now did the server say 250. The relay will deliver it to the "
               "recipient's domain.",
           "RFC 5321 §4.1.1.4, §6.1", item.spec_id, via ? via->id : -1, TraceOutcome::ok);
    MessageCopy copy;
    copy.message = item.spec_id;
    copy.host = h->spec->name;
    copy.where = "queue " + id;
    copy.bounce = item.bounce();
    copy.content = item.content;
    change(AddMessageCopy{copy});
    change(SetQueueEntry{view_of(h, item)});
    queue_of(h).emplace(id, std::move(item));
    schedule(h, id, now_);
}

bool World::scenario_null_sender(const std::string& spec_id) const {
    for (const auto& m : sc_.messages)
        if (m.id == spec_id) return scenario_path(m.from).null;
    return false;
}

void World::schedule(HostRt* h, const std::string& id, std::int64_t when) {
    auto& item = queue_of(h).at(id);
    if (item.wake_at && *item.wake_at <= when && *item.wake_at >= now_) return;
    item.wake_at = when;
    at(when, [this, h, id, when] {
        auto& q = queue_of(h);
        auto it = q.find(id);
        if (it == q.end() || it->second.wake_at != when) return;
        it->second.wake_at.reset();
        run_queue_item(h, id);
    });
}

void World::run_queue_item(HostRt* h, const std::string& id) {
    auto& item = queue_of(h).at(id);
    if (item.in_flight) return;
    const std::int64_t cal = k_sim_epoch_ms + now_;
    send_notices(h, item);  // delay notices that came due
    auto groups = start_attempts(item.q, h->delivery, cal);
    if (groups.empty()) {
        reschedule_or_finish(h, id);
        return;
    }
    record(TraceKind::queue, TracePhase::queue, Topic::queue, h->spec->name, "", "delivery attempt for " + id,
           "The relay takes the message from its queue and tries to deliver it.", "RFC 5321 §4.5.4.1", item.spec_id);
    change(SetQueueEntry{view_of(h, item)});
    item.in_flight = static_cast<int>(groups.size());
    // Remote groups first: they go on asynchronously; a local group finishes at once.
    std::stable_partition(groups.begin(), groups.end(), [](const DeliveryGroup& g) { return !g.local; });
    for (auto& g : groups) {
        if (g.local) {
            auto& it = queue_of(h).at(id);
            std::vector<AttemptResult> results;
            for (std::size_t i : g.recipients)
                results.push_back(local_delivery_result(
                    deliver_local(h, it.q, i, it.content, it.spec_id, nullptr)));
            group_done(h, id, g, results);
            continue;
        }
        for (const auto& route : h->delivery.routes)
            if (route.domain == g.domain)
                record(TraceKind::note, TracePhase::delivery, Topic::relay, h->spec->name, route.host,
                       "route for " + g.domain + ": via " + route.host + " (no MX lookup)",
                       "This relay is configured to send all mail for " + g.domain + " to " + route.host +
                           " (a static route, like Postfix's transport map).",
                       "RFC 5321 §5", item.spec_id);
        drive(h, id, std::make_shared<Attempt>(h->delivery, g, hash64(seed_, id)));
    }
}

// One turn of the delivery core's pull loop: carry out what it asks for, feed it the answer.
void World::drive(HostRt* h, const std::string& id, std::shared_ptr<Attempt> a) {
    const std::string spec_id = queue_of(h).at(id).spec_id;
    const DeliveryStep step = a->core.next(h->tls_failures, k_sim_epoch_ms + now_);
    if (auto* mx = std::get_if<LookupMx>(&step)) {
        resolve_mx(h, spec_id, mx->domain, [=, this](const DnsMxAnswer& answer) {
            a->core.on_mx(answer);
            if (const auto& f = a->core.plan().failure)
                record(TraceKind::note, TracePhase::dns, Topic::dns, h->spec->name, "",
                       std::string(f->permanent() ? "no delivery possible: " : "no delivery possible now: ") +
                           f->summary(),
                       f->permanent() ? "A permanent failure: the message cannot be delivered to this domain."
                                      : "A temporary failure: the message stays queued and is retried later.",
                       "RFC 5321 §5.1", spec_id, -1, f->permanent() ? TraceOutcome::bounced : TraceOutcome::deferred);
            drive(h, id, a);
        });
        return;
    }
    if (auto* addr = std::get_if<LookupAddress>(&step)) {
        resolve_address(h, spec_id, addr->name, addr->type, [=, this](const DnsAddressAnswer& answer) {
            a->core.on_address(answer);
            drive(h, id, a);
        });
        return;
    }
    if (auto* c = std::get_if<Connect>(&step)) {
        connect_to(h, id, a, *c);
        return;
    }
    group_done(h, id, a->group, a->core.results());
}

void World::connect_to(HostRt* h, const std::string& id, std::shared_ptr<Attempt> a, const Connect& step) {
    const std::string spec_id = queue_of(h).at(id).spec_id;
    // The virtual network carries IPv6 like IPv4, between hosts that both have an IPv6
    // address; a relay without one has no IPv6 route, and an address no host has is
    // unreachable. Either way the connection fails and the core tries the next address (as
    // a real MTA does on "Network is unreachable").
    const bool v6 = step.ip.find(':') != std::string::npos;
    HostRt* dest = nullptr;
    for (auto& [name, rt] : hosts_)
        if ((v6 ? rt.spec->ipv6 : rt.spec->ip) == step.ip) dest = &rt;
    const bool routable = dest && (!v6 || !h->spec->ipv6.empty());
    if (!routable) {
        const std::string target = (v6 ? "[" + step.ip + "]" : step.ip) + ":" + std::to_string(step.port);
        const std::string why = v6 && h->spec->ipv6.empty() ? "no IPv6 route (this host has no IPv6 address)"
                                                            : "no route to host";
        record(TraceKind::connect, TracePhase::connect, Topic::delivery, h->spec->name, dest ? dest->spec->name : "",
               "connect to " + step.host + " " + target + ": " + why,
               "This address cannot be reached from here. The relay tries the host's next address (or the next "
               "host), as RFC 5321 §5.1 asks.",
               "RFC 5321 §5.1", spec_id, -1, TraceOutcome::failed)
            .event.connect = TraceConnect{step.host, step.ip, step.port};
        a->core.on_connect_failed(why);
        drive(h, id, a);
        return;
    }
    if (step.cleartext_retry)
        record(TraceKind::tls, TracePhase::tls, Topic::tls, h->spec->name, dest->spec->name,
               "trying " + step.host + " again without TLS",
               "TLS with this destination is opportunistic: when the handshake fails, the relay delivers in "
               "cleartext rather than not at all, and remembers the host for a while.",
               "RFC 7435 §6, RFC 3207 §4.1", spec_id);
    Conn* c = new_conn(h, dest, step.port, dest->spec->kind == HostKind::relay ? Purpose::relay : Purpose::delivery,
                       spec_id);
    c->queue_id = id;
    c->relay = h;
    if (v6) c->client_ip = h->spec->ipv6;
    c->attempt = a;
    c->attempt_tls_required = step.client.tls == TlsPolicy::required;
    const ClientConfig config = step.client;
    open_virtual_connection(
        c, h, dest, step.port, spec_id, Topic::delivery, [this, c, config] { start_delivery(c, config); },
        [this, h, id, a](const std::string& why) {
            a->core.on_connect_failed(why);
            drive(h, id, a);
        });
}

void World::start_delivery(Conn* c, const ClientConfig& config) {
    auto& item = queue_of(c->relay).at(c->queue_id);
    c->cli = std::make_unique<ClientSession>(config, now_);
    c->cli->send(outgoing_message(item.q, c->attempt->group.recipients, item.content), now_);
    c->cli->quit(now_);
    open_server(c);
}

void World::finish_delivery(Conn* c, const ClosedEvent& closed) {
    SessionReport report;
    report.outcome = c->outcome;
    report.failure = closed.failure;
    report.failure_reply = closed.reply;
    c->attempt->core.on_session(report);
    drive(c->relay, c->queue_id, c->attempt);
}

void World::group_done(HostRt* h, const std::string& id, const DeliveryGroup& group,
                       const std::vector<AttemptResult>& results) {
    auto& item = queue_of(h).at(id);
    const std::int64_t cal = k_sim_epoch_ms + now_;
    record_group(item.q, group, results, cal, h->delivery.retry, hash64(seed_, id));
    std::string summary;
    for (std::size_t i : group.recipients) {
        const auto& r = item.q.recipients[i];
        summary += (summary.empty() ? "" : "; ") + r.address() + " " + recipient_state_name(r.state);
        if (r.state == RecipientState::deferred) summary += " until " + format_sim_time(r.next_attempt_ms - k_sim_epoch_ms);
    }
    record(TraceKind::queue, TracePhase::queue, Topic::queue, h->spec->name, "", "queue " + id + ": " + summary,
           "The queue records each recipient's fate: relayed (the next server took it), delivered (into a "
           "mailbox here), deferred (a 4xx: try again later) or bounced (a 5xx, or too long in the queue).",
           "RFC 5321 §4.5.4.1, RFC 3464 §2.3.3", item.spec_id, -1, queue_outcome(item.q));
    change(SetQueueEntry{view_of(h, item)});
    for (std::size_t i : group.recipients) {
        const auto& r = item.q.recipients[i];
        if ((item.bounce() && !scenario_null_sender(item.spec_id)) || item.spec_id.empty()) continue;
        const Reply reply = r.final_reply ? *r.final_reply : r.last_reply.value_or(make_reply(451, "4.0.0", ""));
        const std::string where = r.remote_mta.empty() ? h->spec->name : r.remote_mta;
        if (r.state == RecipientState::relayed)
            set_recipient_status(item.spec_id, r.address(), status_from(MessageState::relayed, reply, where));
        else if (r.state == RecipientState::bounced)
            set_recipient_status(item.spec_id, r.address(), status_from(MessageState::bounced, reply, where));
        else if (r.state == RecipientState::deferred)
            set_recipient_status(item.spec_id, r.address(), status_from(MessageState::deferred, reply, where), true);
    }
    if (--item.in_flight > 0) return;
    send_notices(h, item);
    reschedule_or_finish(h, id);
}

// The notices the core says are owed now, composed by the engine and queued like any message.
void World::send_notices(HostRt* h, QueueItem& item) {
    const std::int64_t cal = k_sim_epoch_ms + now_;
    for (const auto& due : notices_owed(item.q, cal, h->delivery.retry)) {
        auto notice = issue_notice(item.q, due, h->spec->name, cal, h->delivery.retry,
                                   hash64(seed_, h->spec->name + "/dsn"), ++h->dsn_counter, item.content);
        if (!notice) continue;
        record(TraceKind::delivery, TracePhase::dsn, Topic::bounce, h->spec->name, item.q.sender_address(),
               std::string(notice_words(due.action)) + " to " + item.q.sender_address() +
                   " (RFC 3464 delivery status notification)",
               due.action == DsnAction::failed
                   ? "The relay tells the sender what went wrong, in a report from MAILER-DAEMON with the null "
                     "sender <> so that it can never cause another bounce."
               : due.action == DsnAction::delayed
                   ? "The relay tells the sender the message is late but still being retried; nothing was lost."
                   : "The sender asked to be told of success (NOTIFY=SUCCESS); here is the report.",
               "RFC 3464 §2.3.3, RFC 3461 §5, RFC 5321 §4.5.5", item.spec_id, -1,
               due.action == DsnAction::failed    ? TraceOutcome::bounced
               : due.action == DsnAction::delayed ? TraceOutcome::deferred
                                                  : TraceOutcome::delivered);
        QueueItem n;
        n.q = std::move(notice->message);
        n.q.id = make_queue_id(hash64(seed_, h->spec->name), ++h->queue_counter);
        n.content = std::move(notice->dsn.content);
        n.spec_id = item.spec_id;
        enqueue(h, std::move(n), nullptr);
    }
}

void World::reschedule_or_finish(HostRt* h, const std::string& id) {
    auto& q = queue_of(h);
    auto& item = q.at(id);
    if (is_done(item.q)) {
        record(TraceKind::queue, TracePhase::queue, Topic::queue, h->spec->name, "", "queue " + id + " done: removed from the queue",
               "Every recipient is final (relayed, delivered or bounced) and every notice owed is sent: "
               "nothing more to do for this message.",
               "RFC 5321 §4.5.4.1", item.spec_id);
        change(RemoveQueueEntry{id});
        q.erase(id);
        return;
    }
    if (auto wake = next_wakeup_ms(item.q, h->delivery.retry))
        schedule(h, id, std::max(*wake - k_sim_epoch_ms, now_));
}

}  // namespace relaylab::sim
