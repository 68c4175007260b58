// Hosts answering SMTP: the engine's ServerSession on each accepted connection, with the
// host's answers to its events — the engine's relay policy for senders and recipients, the
// scenario's users for AUTH, the failures switched on (rate limit, full mailbox, greylisting)
// — and the acceptance of a complete message: hop count, Received:, the queue.
#include <algorithm>

#include "engine/ascii.hpp"
#include "engine/greylist.hpp"
#include "engine/header_fixup.hpp"
#include "engine/ids.hpp"
#include "engine/received.hpp"
#include "sim/world_impl.hpp"

namespace relaylab::sim {

namespace {
constexpr std::int64_t k_greylist_delay_ms = 60'000;  // greylisting lets a retry in after this

}  // namespace

ServerConfig World::server_config(const HostRt* h, int port) const {
    ServerConfig cfg;
    cfg.role = port == 587 ? Role::submission : port == 465 ? Role::submissions : Role::mx;
    cfg.hostname = h->spec->name;
    cfg.max_message_size = h->size_limit.value_or(h->spec->max_message_size);
    cfg.mask_secrets = false;  // a lesson shows what crossed the wire, credentials included
    for (const auto& ext : h->spec->without_extensions) {
        if (ext == "8BITMIME") cfg.offer_8bitmime = false;
        if (ext == "SMTPUTF8") cfg.offer_smtputf8 = false;
        if (ext == "DSN") cfg.offer_dsn = false;
        if (ext == "PIPELINING") cfg.offer_pipelining = false;
        if (ext == "CHUNKING") cfg.offer_chunking = false;
    }
    return cfg;
}

RelayPolicy World::policy_of(const HostRt* h) const {
    RelayPolicy p;
    p.local_domains = h->spec->local_domains;
    for (const auto& u : h->spec->users) p.local_users.push_back(u.address);
    p.trusted_networks = h->spec->trusted_networks;
    if (h->spec->kind == HostKind::capture) {
        // A fake SMTP server: the engine's sandbox rule (every recipient from a trusted
        // network, any credentials), with every network trusted.
        p.capture_all = true;
        p.accept_any_auth = true;
        p.trusted_networks = {"0.0.0.0/0", "::/0"};
    }
    return p;
}

RelayClient World::relay_client(const Conn* c) const {
    RelayClient rc;
    rc.role = c->srv->config().role;
    if (c->srv->connection().authenticated) rc.auth_user = c->srv->connection().auth_user;
    rc.ip = c->client_ip;
    return rc;
}

void World::open_server(Conn* c) {
    c->srv = std::make_unique<ServerSession>(server_config(c->server, c->port), now_, c->port == 465);
    set_connection(*c);
    pump_server(c);
}

void World::pump_server(Conn* c) {
    while (auto ev = c->srv->next_event()) handle_server_event(c, *ev);
    absorb_server_trace(*c);
    std::string out = c->srv->take_output();
    const bool closing = c->srv->wants_close();
    if (!out.empty() || closing) to_client(c, std::move(out), closing);
}

void World::handle_server_event(Conn* c, ServerEvent& ev) {
    HostRt* h = c->server;
    if (std::holds_alternative<HeloEvent>(ev)) {
        if (h->rate_limit && !h->rate_seen.count(c->client_ip)) {
            h->rate_seen.insert(c->client_ip);
            // RFC 5321 §3.8: 421 closes the connection; the client retries later.
            c->srv->reject(make_reply(421, "4.7.0", h->spec->name + " too many connections, slow down"), now_);
            return;
        }
        c->srv->accept(now_);
        return;
    }
    if (auto* mail = std::get_if<MailEvent>(&ev)) {
        if (h->spec->kind == HostKind::relay) {
            if (auto r = check_sender(policy_of(h), relay_client(c), mail->from)) {
                c->srv->reject(*r, now_);
                return;
            }
        }
        c->srv->accept(now_);
        return;
    }
    if (auto* rcpt = std::get_if<RcptEvent>(&ev)) {
        const RelayPolicy policy = policy_of(h);
        if (auto r = check_recipient(policy, relay_client(c), rcpt->to)) {
            c->srv->reject(*r, now_);
            return;
        }
        const std::string address = rcpt->to.mailbox.to_string();
        const bool local = is_local_domain(rcpt->to.mailbox.domain, policy.local_domains);
        if (local && h->mailbox_full) {
            // RFC 3463 X.2.2 mailbox full: temporary, the sender retries.
            c->srv->reject(make_reply(452, "4.2.2", "Mailbox full: " + address), now_);
            return;
        }
        if (local && h->greylisting) {
            // The same rule as the relay's greylisting chaos switch (engine/greylist.hpp).
            if (auto r = h->greylist.check(greylist_key(c->client_ip, c->srv->transaction().from, rcpt->to),
                                           now_, k_greylist_delay_ms)) {
                c->srv->reject(*r, now_);
                return;
            }
        }
        c->srv->accept(now_);
        return;
    }
    if (auto* auth = std::get_if<AuthEvent>(&ev)) {
        if (accepts_any_credentials(policy_of(h))) {
            c->srv->accept(now_);
            return;
        }
        for (const auto& u : h->spec->users) {
            if (!u.password.empty() && ascii_lowercase(u.address) == ascii_lowercase(auth->username) &&
                u.password == auth->password) {
                c->srv->accept(now_);
                return;
            }
        }
        // RFC 4954 §6: 535 5.7.8 authentication credentials invalid.
        c->srv->reject(make_reply(535, "5.7.8", "Authentication credentials invalid"), now_);
        return;
    }
    if (std::holds_alternative<StartTlsEvent>(ev)) return;  // the client side runs the handshake
    if (auto* msg = std::get_if<MessageEvent>(&ev)) {
        accept_message(c, *msg);
        return;
    }
}

// A complete message reached a server: check hops, add Received:, queue it. Its local
// recipients are delivered by the queue at once; the others wait for the delivery core.
void World::accept_message(Conn* c, MessageEvent& msg) {
    HostRt* h = c->server;
    if (auto r = check_hop_count(msg.content, h->spec->max_hops)) {
        c->srv->reject(*r, now_);
        return;
    }
    const std::string queue_id = make_queue_id(hash64(seed_, h->spec->name), ++h->queue_counter);
    ReceivedInfo info;
    info.helo = msg.envelope.helo;
    info.client_host = c->client->spec->name;
    info.client_ip = c->client_ip;
    info.hostname = h->spec->name;
    info.with = with_protocol_for(msg.envelope.esmtp, msg.envelope.tls, !msg.envelope.auth_user.empty());
    info.tls_version = msg.envelope.tls_version;
    info.queue_id = queue_id;
    if (msg.envelope.rcpts.size() == 1) info.for_recipient = msg.envelope.rcpts[0].first.mailbox.to_string();
    info.time_ms = k_sim_epoch_ms + now_;

    QueueItem item;
    item.q = queued_message(queue_id, msg.envelope.from, msg.envelope.mail_params, k_sim_epoch_ms + now_);
    item.q.content_8bit = msg.envelope.content_8bit;  // the session's content check saw it
    if (msg.envelope.from.null) item.q.origin = MessageOrigin::notice;
    for (const auto& [path, params] : msg.envelope.rcpts) item.q.recipients.push_back(queued_recipient(path, params));
    std::string headers;
    if (c->srv->config().role != Role::mx) {
        // RFC 6409 §8.2, §8.3: the submission server completes a message without Date: or
        // Message-ID:.
        headers = missing_submission_headers(msg.content, h->spec->name, k_sim_epoch_ms + now_,
                                             hash64(seed_, h->spec->name + "/message-id"), h->queue_counter)
                      .headers;
    }
    item.content = make_received_header(info) + headers + msg.content;
    item.spec_id = c->spec_id;
    if (!c->script.empty()) c->script_message_accepted = true;
    c->srv->accept_message(queue_id, now_);
    absorb_server_trace(*c);
    enqueue(h, std::move(item), c);
}

// Final delivery into a mailbox of this host.
Reply World::deliver_local(HostRt* h, const QueuedMessage& q, std::size_t rcpt, const std::string& content,
                           const std::string& spec_id, const Conn* via) {
    const std::string address = q.recipients[rcpt].address();
    const bool bounce = q.origin == MessageOrigin::notice;
    record(TraceKind::delivery, TracePhase::delivery, Topic::delivery, h->spec->name, address,
           std::string(bounce ? "bounce" : "message") + " stored in the mailbox of " + address,
           "This host is the final destination for " + domain_of(address) +
               ": the message is delivered into the recipient's mailbox.",
           "RFC 5321 §4.4", spec_id, via ? via->id : -1, TraceOutcome::delivered);
    MessageCopy copy;
    copy.message = spec_id;
    copy.host = h->spec->name;
    copy.where = "mailbox " + address;
    copy.bounce = bounce;
    // RFC 5321 §4.4: the final delivery records the reverse-path; one from the sender is not
    // trusted.
    copy.content = return_path_header(q.sender) + strip_return_path(content);
    change(AddMessageCopy{copy});
    const Reply ok = make_reply(250, "2.0.0", "delivered to mailbox " + address);
    if ((!bounce || scenario_null_sender(spec_id)) && !spec_id.empty()) set_recipient_status(spec_id, address, status_from(MessageState::delivered, ok, h->spec->name));
    return ok;
}

}  // namespace relaylab::sim
