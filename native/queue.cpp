// The queue runner and the delivery driver: the delivery core (engine/delivery.hpp) decides
// which recipients are due, how they are grouped, where each group goes, what every answer
// means, and which notices are owed; this file only carries its steps out (DNS through
// c-ares, Connect through the outbound channels, local Maildir or sandbox capture, spool
// writes) and keeps the in-memory queue.
#include <algorithm>
#include <cstring>
#include <limits>

#include "engine/dsn.hpp"
#include "engine/ids.hpp"
#include "native/dns.hpp"
#include "native/log.hpp"
#include "native/relay.hpp"

namespace relaylab::native {

awaitable<void> Relay::queue_runner() {
    for (;;) {
        if (stopping_) co_return;
        while (!ready_.empty() && deliveries_ < cfg_.limits.deliveries) {
            std::string id = std::move(ready_.front());
            ready_.pop_front();
            auto it = queue_.find(id);
            if (it == queue_.end() || it->second.busy) continue;
            it->second.busy = true;
            ++deliveries_;
            net::co_spawn(io_, deliver_message(id), net::detached);
        }
        const std::int64_t now = wall_ms();
        if (now >= next_scan_ms_ && ready_.empty()) {
            next_scan_ms_ = std::numeric_limits<std::int64_t>::max();
            for (auto& [id, e] : queue_) {
                if (e.busy) continue;
                if (!due_recipients(e.q, now).empty() || !notices_owed(e.q, now, delivery_.retry).empty() ||
                    is_done(e.q)) {
                    ready_.push_back(id);  // deliver_message attempts, notifies or tidies up
                } else if (auto w = next_wakeup_ms(e.q, delivery_.retry)) {
                    next_scan_ms_ = std::min(next_scan_ms_, std::max(*w, now + 1));
                }
            }
            if (!ready_.empty() && deliveries_ < cfg_.limits.deliveries) continue;
        }
        const std::int64_t wait = next_scan_ms_ == std::numeric_limits<std::int64_t>::max()
                                      ? 3'600'000
                                      : std::clamp<std::int64_t>(next_scan_ms_ - now, 1, 3'600'000);
        if (!ready_.empty() && deliveries_ < cfg_.limits.deliveries) continue;
        wake_.expires_after(std::chrono::milliseconds(wait));
        boost::system::error_code ec;
        co_await wake_.async_wait(net::redirect_error(use_awaitable, ec));
    }
}

awaitable<void> Relay::deliver_message(std::string id) {
    auto it = queue_.find(id);
    QEntry& e = it->second;  // std::map: stable while other entries come and go
    std::string content;
    auto load_job = [&] { return spool_.load_content(id, content); };
    bool loaded = co_await blocking(load_job);
    if (!loaded) {
        log_event("spool-problem", {{"id", id}, {"detail", "cannot read the message file"}});
    } else {
        const std::uint64_t seed = hash64(seed_, id);
        // Mail released from the sandbox inbox goes by its own route (inbox.cpp).
        const bool released = e.info.release;
        for (const DeliveryGroup& group : start_attempts(e.q, released ? release_policy_ : delivery_, wall_ms())) {
            // (No co_await inside ?: : GCC 12 miscompiles it.)
            std::vector<AttemptResult> results;
            std::vector<bool> captured;  // sandbox: kept in the capture Maildir, sent nowhere
            if (group.local) results = co_await deliver_local(e.q, group, content, &captured);
            else results = co_await deliver_domain(e.q, group, content, released, &captured);
            record_group(e.q, group, results, wall_ms(), delivery_.retry, seed);
            for (std::size_t k = 0; k < group.recipients.size(); ++k) {
                const QueuedRecipient& r = e.q.recipients[group.recipients[k]];
                switch (r.state) {
                    case RecipientState::delivered: ++m_.delivered; break;
                    case RecipientState::relayed: ++m_.relayed; break;
                    case RecipientState::deferred: ++m_.deferred; break;
                    case RecipientState::bounced: ++m_.bounced; break;
                    default: break;
                }
                const Reply& reply = k < results.size() ? results[k].reply : *r.last_reply;
                live_result(e.q, r, reply, r.remote_mta.empty() ? (group.local ? "mailbox" : "local") : r.remote_mta,
                            k < captured.size() && captured[k]);
                log_event("delivery", {{"id", id},
                                       {"rcpt", r.address()},
                                       {"via", r.remote_mta.empty() ? (group.local ? "mailbox" : "local") : r.remote_mta},
                                       {"attempt", std::to_string(r.attempts)},
                                       {"outcome", recipient_state_name(r.state)},
                                       {"reply", reply.summary()}});
            }
        }
        co_await send_notices(e, content);
    }
    --deliveries_;
    e.busy = false;
    if (!loaded || is_done(e.q)) {
        if (loaded) spool_.remove(id);
        queue_.erase(id);
    } else {
        spool_.save_state(e.q);
        if (auto w = next_wakeup_ms(e.q, delivery_.retry)) next_scan_ms_ = std::min(next_scan_ms_, *w);
    }
    wake_.cancel();
}

// A group of our own domains: into mailboxes here. In sandbox mode every other group is
// "delivered" the same way, into the capture Maildir (nothing leaves the machine).
awaitable<std::vector<AttemptResult>> Relay::deliver_local(const QueuedMessage& q, const DeliveryGroup& group,
                                                           const std::string& content, std::vector<bool>* captured) {
    std::vector<AttemptResult> results;
    for (std::size_t i : group.recipients) {
        const Path to = q.recipients[i].path;
        Reply reply;
        std::string stored;  // the Maildir file written, for the inbox's new-message event
        const std::string key = group.local ? mailbox_key(local_, to) : std::string();
        const bool known = group.local && users_.hashes.count(key) > 0;  // users_ is the I/O thread's
        // Sandbox: an unknown user of our domains was accepted (nothing leaves): captured too.
        const bool capture_unknown = group.local && !known && key.rfind("postmaster@", 0) != 0 &&
                                     cfg_.relay.mode == RelayMode::sandbox && cfg_.sandbox.accept_any_recipient;
        if (group.local && !capture_unknown) {
            auto job = [&] { return deliver_to_mailbox(local_, q.sender, to, content, known, &stored); };
            reply = co_await blocking(job);
        } else if (capture_unknown) {
            const std::string route = "no mailbox " + key + " here";
            const std::string& qid = q.id;
            auto job = [&] { return capture(local_, q.sender, to, route, qid, content, &stored); };
            reply = co_await blocking(job);
        } else {
            const std::string route = "MX of " + group.domain + ", port " + std::to_string(delivery_.port);
            const std::string& qid = q.id;
            auto job = [&] { return capture(local_, q.sender, to, route, qid, content, &stored); };
            reply = co_await blocking(job);
        }
        if (!stored.empty()) inbox_stored(stored);
        if (captured) captured->push_back(!group.local || capture_unknown);
        results.push_back(local_delivery_result(reply));
    }
    co_return results;
}

awaitable<DnsAddressAnswer> Relay::addresses_of(const std::string& name, AddressType type) {
    if (auto ip = parse_ip_address(name)) {
        if (ip->v6 == (type == AddressType::aaaa)) co_return DnsAddressAnswer{DnsStatus::ok, {name}};
        co_return DnsAddressAnswer{DnsStatus::nodata, {}};
    }
    const auto servers = cfg_.relay.dns_servers;
    DnsAddressAnswer a = co_await resolve_address(servers, name, type);  // on the I/O thread (dns.cpp)
    if (a.status != DnsStatus::ok && (cfg_.relay.mode == RelayMode::smarthost || cfg_.sandbox.release_via != "mx")) {
        // A smarthost (the relay's, or the sandbox's release route) may be named in
        // /etc/hosts: ask the system resolver too.
        auto sys = [&] {
            DnsAddressAnswer out;
            net::io_context ctx;
            tcp::resolver res(ctx);
            boost::system::error_code ec;
            for (auto& r : res.resolve(type == AddressType::aaaa ? tcp::v6() : tcp::v4(), name, "", ec))
                out.addresses.push_back(r.endpoint().address().to_string());
            out.status = out.addresses.empty() ? a.status : DnsStatus::ok;
            return out;
        };
        a = co_await blocking(sys);
    }
    co_return a;
}

// One destination: the core's pull loop (LookupMx, LookupAddress, Connect, Finished).
awaitable<std::vector<AttemptResult>> Relay::deliver_domain(const QueuedMessage& q, const DeliveryGroup& group,
                                                            const std::string& content, bool released,
                                                            std::vector<bool>* captured) {
    if (cfg_.relay.mode == RelayMode::sandbox && !released) co_return co_await deliver_local(q, group, content, captured);
    const OutgoingMessage msg = outgoing_message(q, group.recipients, content);
    DomainDelivery d(released ? release_policy_ : delivery_, group, hash64(seed_, q.id));
    for (;;) {
        DeliveryStep step = d.next(tls_memory_, wall_ms());
        if (auto* mx = std::get_if<LookupMx>(&step)) {
            const auto servers = cfg_.relay.dns_servers;
            const std::string domain = mx->domain;
            DnsMxAnswer answer = co_await resolve_mx(servers, domain);
            log_event("dns", {{"id", q.id},
                              {"query", domain + " MX"},
                              {"status", dns_status_name(answer.status)},
                              {"records", std::to_string(answer.records.size())}});
            if (live_.tracing()) live_dns(q, TraceDns{domain, DnsQuestionType::mx, answer.status, answer.records, {}});
            d.on_mx(answer);
        } else if (auto* a = std::get_if<LookupAddress>(&step)) {
            const std::string name = a->name;
            DnsAddressAnswer answer = co_await addresses_of(name, a->type);
            log_event("dns", {{"id", q.id},
                              {"query", name + " " + address_type_name(a->type)},
                              {"status", dns_status_name(answer.status)},
                              {"records", std::to_string(answer.addresses.size())}});
            if (live_.tracing())
                live_dns(q, TraceDns{name, dns_question_type_of(a->type), answer.status, {}, answer.addresses});
            d.on_address(answer);
        } else if (auto* c = std::get_if<Connect>(&step)) {
            const Connect target = *c;
            if (target.cleartext_retry)
                log_event("tls-fallback", {{"id", q.id}, {"to", target.ip + ":" + std::to_string(target.port)}});
            OutJob job(io_);
            job.msg = &msg;
            job.queue_id = q.id;
            co_await smtp_client(job, target);
            if (job.connect_error) live_connect_failed(q, target, *job.connect_error);
            if (job.connect_error) d.on_connect_failed(*job.connect_error);
            else d.on_session(job.report);
        } else {
            break;  // Finished
        }
    }
    co_return d.results();
}

// Every notice the core says is owed now: composed by the core, committed to the spool as
// a message of its own, and queued.
awaitable<void> Relay::send_notices(QEntry& e, const std::string& content) {
    const std::int64_t now = wall_ms();
    for (const NoticeDue& due : notices_owed(e.q, now, delivery_.retry)) {
        auto notice = issue_notice(e.q, due, cfg_.hostname, now, delivery_.retry, hash64(seed_, "dsn"),
                                   ++dsn_counter_, content);
        if (!notice) continue;
        QEntry b;
        b.q = std::move(notice->message);
        b.q.id = new_queue_id();
        b.info.size = notice->dsn.content.size();
        const QueuedMessage& q = b.q;
        const SpoolInfo& si = b.info;
        const std::string& text = notice->dsn.content;
        auto job = [&] { return spool_.commit(q, si, text); };
        const int err = co_await blocking(job);
        if (err) {
            log_event("dsn-not-queued", {{"for", e.q.id}, {"error", std::strerror(err)}});
            continue;
        }
        ++m_.dsn_sent;
        log_event("dsn-queued", {{"id", b.q.id},
                                 {"for", e.q.id},
                                 {"action", dsn_action_name(due.action)},
                                 {"to", b.q.recipients.empty() ? "" : b.q.recipients[0].address()}});
        live_notice(e.q, b.q, due.action);
        const std::string bid = b.q.id;
        queue_[bid] = std::move(b);
        kick(bid);
    }
}

}  // namespace relaylab::native
