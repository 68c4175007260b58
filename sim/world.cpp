#include "sim/world.hpp"
#include "engine/ascii.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <set>

#include "engine/address.hpp"
#include "engine/client_session.hpp"
#include "engine/dsn.hpp"
#include "engine/ids.hpp"
#include "engine/mx.hpp"
#include "engine/queue_model.hpp"
#include "engine/received.hpp"
#include "engine/relay_policy.hpp"
#include "engine/reply_parser.hpp"
#include "engine/retry.hpp"
#include "engine/server_session.hpp"
#include "sim/report.hpp"

namespace relaylab::sim {

bool switch_on(const Scenario& scenario, const SwitchOverrides& overrides, const std::string& name) {
    if (auto it = overrides.find(name); it != overrides.end()) return it->second;
    for (const auto& sw : scenario.switches)
        if (sw.name == name) return sw.on;
    return false;
}

namespace {

constexpr std::int64_t k_connect_timeout_ms = 30'000;  // a silent host
constexpr std::int64_t k_dns_timeout_ms = 5'000;       // resolver gives up
constexpr std::int64_t k_greylist_delay_ms = 60'000;   // greylisting lets a retry in after this
const char* const k_dns_host = "dns";

std::string domain_of(std::string_view address) {
    auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string() : ascii_lowercase(address.substr(at + 1));
}

Path path_of(std::string_view address) {
    Path p;
    if (address.empty()) {
        p.null = true;
        return p;
    }
    auto at = address.rfind('@');
    p.mailbox.local_part = std::string(address.substr(0, at));
    p.mailbox.domain = at == std::string_view::npos ? std::string() : std::string(address.substr(at + 1));
    return p;
}

struct HostRt {
    const HostSpec* spec = nullptr;
    bool down = false, silent = false, greylisting = false, mailbox_full = false, rate_limit = false;
    std::optional<std::uint64_t> size_limit;
    TlsOutcome tls = TlsOutcome::ok;
    std::set<std::string> tls_required;
    std::map<std::string, std::int64_t> greylist_first_seen;
    std::set<std::string> rate_seen;
    std::uint64_t queue_counter = 0;
    std::uint64_t dsn_counter = 0;
};

struct QueueItem {
    QueuedMessage q;
    std::string content;
    std::string spec_id;  // scenario message it carries
    bool bounce = false;
    MailParams mail_params;
    std::vector<std::pair<Path, RcptParams>> rcpt_params;
    int in_flight = 0;  // domain groups being attempted
    std::optional<std::int64_t> wake_at;
};

struct ClientHooks;

struct Conn {
    int id = 0;
    HostRt* client = nullptr;
    HostRt* server = nullptr;
    int port = 25;
    std::string purpose;  // submission | relay | delivery
    std::string spec_id;
    std::unique_ptr<ServerSession> srv;
    std::unique_ptr<ClientSession> cli;
    // scripted client
    std::vector<std::string> script;
    std::size_t script_pos = 0;
    ReplyParser script_parser;
    std::optional<Reply> script_first_negative;
    bool script_message_accepted = false;
    // delivery
    std::string queue_id;
    HostRt* relay = nullptr;
    std::string domain;
    std::vector<std::size_t> rcpts;  // recipient indices in the queue item
    std::vector<std::string> hosts_left;
    std::optional<MessageOutcome> outcome;
    bool tls = false;
    bool closed = false;
    int commands = 0;
    bool tls_policy_required = false;
};

struct RcptOutcome {
    std::string status = "pending";
    int code = 0;
    std::string enhanced;
    std::string final_host;
};

class WorldImpl {
public:
    WorldImpl(const Scenario& scenario, const SwitchOverrides& overrides, std::uint64_t seed)
        : sc_(scenario), seed_(seed) {
        for (const auto& h : sc_.hosts) {
            HostRt rt;
            rt.spec = &h;
            for (const auto& d : h.tls_required_domains) rt.tls_required.insert(ascii_lowercase(d));
            hosts_.emplace(h.name, rt);
        }
        for (const auto& sw : sc_.switches) {
            if (!switch_on(sc_, overrides, sw.name)) continue;
            for (const auto& e : sw.effects) apply_effect(e);
        }
        statuses_ = initial_statuses(sc_);
        for (const auto& m : sc_.messages)
            for (const auto& rcpt : m.to) rcpt_status_[m.id][ascii_lowercase(rcpt)] = {};
    }

    RunResult run() {
        Step intro;
        intro.event.kind = TraceKind::note;
        intro.event.text = "scenario \"" + sc_.name + "\" starts";
        intro.event.explain = sc_.description;
        intro.phase = "intro";
        steps_.push_back(std::move(intro));
        for (std::size_t i = 0; i < sc_.messages.size(); ++i) {
            const MessageSpec* m = &sc_.messages[i];
            at(m->at_ms, [this, m] { start_submission(*m); });
        }
        while (!events_.empty()) {
            Ev ev = events_.top();
            events_.pop();
            if (ev.t > sc_.end_ms) break;
            now_ = ev.t;
            ev.fn();
        }
        RunResult result;
        result.steps = std::move(steps_);
        result.messages = statuses_;
        result.end_ms = now_;
        return result;
    }

private:
    // ---------------------------------------------------------------- events
    struct Ev {
        std::int64_t t;
        std::uint64_t seq;
        std::function<void()> fn;
    };
    struct Later {
        bool operator()(const Ev& a, const Ev& b) const { return a.t != b.t ? a.t > b.t : a.seq > b.seq; }
    };
    void at(std::int64_t t, std::function<void()> fn) { events_.push(Ev{t, seq_++, std::move(fn)}); }

    // ---------------------------------------------------------------- effects
    HostRt* host(std::string_view name) {
        auto it = hosts_.find(std::string(name));
        return it == hosts_.end() ? nullptr : &it->second;
    }
    void apply_effect(const EffectSpec& e) {
        HostRt* h = host(e.host);
        switch (e.type) {
            case EffectType::host_down: if (h) h->down = true; break;
            case EffectType::host_silent: if (h) h->silent = true; break;
            case EffectType::greylisting: if (h) h->greylisting = true; break;
            case EffectType::mailbox_full: if (h) h->mailbox_full = true; break;
            case EffectType::rate_limit: if (h) h->rate_limit = true; break;
            case EffectType::size_limit: if (h) h->size_limit = e.bytes; break;
            case EffectType::tls:
                if (h) h->tls = e.result == "untrusted" ? TlsOutcome::untrusted : TlsOutcome::handshake_failure;
                break;
            case EffectType::tls_required: if (h) h->tls_required.insert(ascii_lowercase(e.domain)); break;
            case EffectType::dns: dns_failures_.push_back(e); break;
            case EffectType::wrong_password: wrong_password_.insert(e.message); break;
            case EffectType::skip_starttls: skip_starttls_.insert(e.message); break;
            case EffectType::skip_auth: skip_auth_.insert(e.message); break;
        }
    }

    // ---------------------------------------------------------------- recording
    Step& record(TraceKind kind, std::string from, std::string to, std::string text, std::string explain,
                 std::string rfc, std::string phase, std::string message, int conn = -1) {
        Step s;
        s.event.t_ms = now_;
        s.event.kind = kind;
        s.event.from = std::move(from);
        s.event.to = std::move(to);
        s.event.text = std::move(text);
        s.event.explain = std::move(explain);
        s.event.rfc = std::move(rfc);
        s.phase = std::move(phase);
        s.message = std::move(message);
        s.connection = conn;
        steps_.push_back(std::move(s));
        return steps_.back();
    }
    void change(Change c) { steps_.back().changes.push_back(std::move(c)); }

    void set_connection(const Conn& c) {
        ConnectionView v;
        v.id = c.id;
        v.client = c.client->spec->name;
        v.server = c.server->spec->name;
        v.port = c.port;
        v.purpose = c.purpose;
        v.tls = c.tls;
        v.open = !c.closed;
        change(SetConnection{v});
    }

    void set_recipient_status(const std::string& spec_id, const std::string& rcpt, RcptOutcome rs,
                              bool count_deferral = false) {
        auto mit = rcpt_status_.find(spec_id);
        if (mit == rcpt_status_.end()) return;
        auto rit = mit->second.find(ascii_lowercase(rcpt));
        if (rit == mit->second.end()) return;
        rit->second = std::move(rs);
        auto sit = std::find_if(statuses_.begin(), statuses_.end(), [&](const auto& s) { return s.id == spec_id; });
        if (sit == statuses_.end()) return;
        MessageStatus next = *sit;
        if (count_deferral) ++next.deferrals;
        // Aggregate: rejected > bounced > deferred/pending > delivered.
        const RcptOutcome* pick = nullptr;
        auto rank = [](const std::string& s) {
            if (s == "rejected") return 4;
            if (s == "bounced") return 3;
            if (s == "deferred") return 2;
            if (s == "pending") return 1;
            return 0;
        };
        for (const auto& r : mit->second)
            if (!pick || rank(r.second.status) > rank(pick->status)) pick = &r.second;
        if (pick) {
            next.status = pick->status;
            next.code = pick->code;
            next.enhanced = pick->enhanced;
            next.final_host = pick->final_host;
        }
        if (!(next == *sit)) {
            *sit = next;
            change(SetMessageStatus{next});
        }
    }

    static RcptOutcome status_from(const std::string& status, const Reply& r, const std::string& where) {
        RcptOutcome rs;
        rs.status = status;
        rs.code = r.code;
        rs.enhanced = r.enhanced;
        rs.final_host = where;
        return rs;
    }

    // Copies a session's trace into steps; the server's view is the transcript.
    void absorb_server_trace(Conn& c) {
        for (auto& ev : c.srv->take_trace()) {
            if (ev.kind == TraceKind::state) continue;
            std::string from = c.client->spec->name, to = c.server->spec->name;
            if (ev.kind == TraceKind::reply || ev.kind == TraceKind::note || ev.kind == TraceKind::tls) std::swap(from, to);
            std::string phase = c.purpose == "submission" ? "submission" : "delivery";
            if (ev.text.rfind("AUTH", 0) == 0 || ev.text.rfind("334", 0) == 0 || ev.text.rfind("235", 0) == 0 ||
                ev.text.rfind("535", 0) == 0 || ev.text.rfind("530", 0) == 0 || ev.text == "<credentials hidden>")
                phase = "auth";
            if (ev.text.rfind("STARTTLS", 0) == 0 || ev.kind == TraceKind::tls) phase = "tls";
            record(ev.kind, from, to, std::move(ev.text), std::move(ev.explain), std::move(ev.rfc), phase, c.spec_id,
                   c.id);
        }
    }
    void absorb_client_trace(Conn& c) {
        if (!c.cli) return;
        for (auto& ev : c.cli->take_trace()) {
            // Wire lines are recorded from the server's side; keep what only the client knows.
            if (ev.kind != TraceKind::tls && ev.kind != TraceKind::note) continue;
            if (ev.text == "connection closed by the server") continue;
            // The handshake itself is recorded by the world (it plays the TLS layer).
            if (ev.kind == TraceKind::tls && ev.text.rfind("TLS ", 0) == 0) continue;
            record(ev.kind, c.client->spec->name, c.server->spec->name, std::move(ev.text), std::move(ev.explain),
                   std::move(ev.rfc), ev.kind == TraceKind::tls ? "tls" : (c.purpose == "submission" ? "submission" : "delivery"),
                   c.spec_id, c.id);
        }
    }

    // ---------------------------------------------------------------- network
    std::int64_t latency() const { return sc_.latency_ms; }

    // Opens a connection on the virtual network (no socket: events on the virtual clock);
    // on_open runs when it is established, on_fail when refused / timed out.
    void open_virtual_connection(HostRt* from, HostRt* to, int port, const std::string& message, const std::string& phase,
                 std::function<void()> on_open, std::function<void(const std::string&)> on_fail) {
        const std::string target = to->spec->name + ":" + std::to_string(port);
        record(TraceKind::connect, from->spec->name, to->spec->name, "connect to " + target,
               "Opens a TCP connection to the SMTP port of " + to->spec->name + ".", "RFC 5321 §3.1", phase, message);
        const bool listening = to->spec->kind == HostKind::relay ? (port == 25 || port == 587 || port == 465)
                               : to->spec->kind == HostKind::mx  ? port == 25
                                                                 : false;
        if (to->silent) {
            at(now_ + k_connect_timeout_ms, [=, this] {
                record(TraceKind::connect, to->spec->name, from->spec->name,
                       "no answer from " + target + " (connection timed out)",
                       "The host did not answer at all: it is down or a firewall drops the packets. The sender "
                       "gives up on this host.",
                       "RFC 5321 §4.5.3.2", phase, message);
                on_fail("timed out");
            });
            return;
        }
        if (to->down || !listening) {
            at(now_ + 2 * latency(), [=, this] {
                record(TraceKind::connect, to->spec->name, from->spec->name, "connection to " + target + " refused",
                       "Nothing listens on that port (the host is down or its mail server stopped). The sender "
                       "tries the next host, or tries again later.",
                       "RFC 5321 §5.1", phase, message);
                on_fail("refused");
            });
            return;
        }
        at(now_ + latency(), std::move(on_open));
    }

    // Moves bytes from one side to the other after the link's latency.
    void to_server(Conn* c, std::string bytes) {
        if (bytes.empty()) return;
        at(now_ + latency(), [this, c, bytes = std::move(bytes)] {
            if (c->closed) return;
            c->srv->feed(bytes, now_);
            pump_server(c);
        });
    }
    void to_client(Conn* c, std::string bytes, bool then_close) {
        at(now_ + latency(), [this, c, bytes = std::move(bytes), then_close] {
            if (c->closed) return;
            if (!bytes.empty()) {
                if (c->cli) c->cli->feed(bytes, now_);
                else script_feed(c, bytes);
            }
            if (then_close) {
                if (c->cli) c->cli->feed_eof(now_);
                else script_close(c);
            }
            pump_client(c);
        });
    }

    // ---------------------------------------------------------------- server side
    ServerConfig server_config(const HostRt* h, int port) const {
        ServerConfig cfg;
        cfg.role = port == 587 ? Role::submission : port == 465 ? Role::submissions : Role::mx;
        cfg.hostname = h->spec->name;
        cfg.max_message_size = h->size_limit.value_or(h->spec->max_message_size);
        return cfg;
    }

    void open_server(Conn* c) {
        c->srv = std::make_unique<ServerSession>(server_config(c->server, c->port), now_, c->port == 465);
        set_connection(*c);
        pump_server(c);
    }

    RelayPolicy policy_of(const HostRt* h) const {
        RelayPolicy p;
        p.local_domains = h->spec->local_domains;
        for (const auto& u : h->spec->users) p.local_users.push_back(u.address);
        p.trusted_networks = h->spec->trusted_networks;
        return p;
    }
    RelayClient relay_client(const Conn* c) const {
        RelayClient rc;
        rc.role = c->port == 587 ? ListenerRole::submission : c->port == 465 ? ListenerRole::submissions : ListenerRole::mx;
        if (c->srv->connection().authenticated) rc.auth_user = c->srv->connection().auth_user;
        rc.ip = c->client->spec->ip;
        return rc;
    }

    void pump_server(Conn* c) {
        while (auto ev = c->srv->next_event()) handle_server_event(c, *ev);
        absorb_server_trace(*c);
        std::string out = c->srv->take_output();
        const bool closing = c->srv->wants_close();
        if (!out.empty() || closing) to_client(c, std::move(out), closing);
    }

    void handle_server_event(Conn* c, ServerEvent& ev) {
        HostRt* h = c->server;
        if (auto* helo = std::get_if<HeloEvent>(&ev)) {
            (void)helo;
            if (h->rate_limit && !h->rate_seen.count(c->client->spec->ip)) {
                h->rate_seen.insert(c->client->spec->ip);
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
                const std::string key = c->client->spec->ip + " " + c->srv->transaction().from.mailbox.to_string() +
                                        " " + ascii_lowercase(address);
                auto it = h->greylist_first_seen.find(key);
                if (it == h->greylist_first_seen.end()) {
                    h->greylist_first_seen[key] = now_;
                    c->srv->reject(make_reply(451, "4.7.1", "Greylisted, please try again later"), now_);
                    return;
                }
                if (now_ - it->second < k_greylist_delay_ms) {
                    c->srv->reject(make_reply(451, "4.7.1", "Greylisted, please try again later"), now_);
                    return;
                }
            }
            c->srv->accept(now_);
            return;
        }
        if (auto* auth = std::get_if<AuthEvent>(&ev)) {
            for (const auto& u : h->spec->users) {
                if (!u.password.empty() && ascii_lowercase(u.address) == ascii_lowercase(auth->username) && u.password == auth->password) {
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

    // A complete message reached a server: check hops, add Received:, store or queue.
    void accept_message(Conn* c, MessageEvent& msg) {
        HostRt* h = c->server;
        if (auto r = check_hop_count(msg.content, h->spec->max_hops)) {
            c->srv->reject(*r, now_);
            return;
        }
        const std::string queue_id = make_queue_id(hash64(seed_, h->spec->name), ++h->queue_counter);
        ReceivedInfo info;
        info.helo = msg.envelope.helo;
        info.client_host = c->client->spec->name;
        info.client_ip = c->client->spec->ip;
        info.hostname = h->spec->name;
        info.with = with_protocol_for(msg.envelope.esmtp, msg.envelope.tls, !msg.envelope.auth_user.empty());
        info.tls_version = msg.envelope.tls_version;
        info.queue_id = queue_id;
        if (msg.envelope.rcpts.size() == 1) info.for_recipient = msg.envelope.rcpts[0].first.mailbox.to_string();
        info.time_ms = k_sim_epoch_ms + now_;
        std::string content = make_received_header(info) + msg.content;
        if (!c->script.empty()) c->script_message_accepted = true;

        // Local recipients go to mailboxes, the others into the relay queue.
        const auto policy = policy_of(h);
        QueueItem item;
        item.q = queued_message(queue_id, msg.envelope.from, msg.envelope.mail_params, now_);
        item.content = content;
        item.spec_id = c->spec_id;
        item.bounce = msg.envelope.from.null && c->spec_id.empty();
        item.mail_params = msg.envelope.mail_params;
        std::vector<std::string> local;
        for (const auto& [path, params] : msg.envelope.rcpts) {
            QueuedRecipient qr = queued_recipient(path, params);
            if (path.mailbox.domain.empty() || is_local_domain(path.mailbox.domain, policy.local_domains)) {
                local.push_back(qr.address);
            } else {
                item.q.recipients.push_back(std::move(qr));
                item.rcpt_params.emplace_back(path, params);
            }
        }
        c->srv->accept_message(queue_id, now_);
        absorb_server_trace(*c);
        for (const auto& address : local) deliver_local(h, address, content, c->spec_id, item.bounce, c);
        if (!item.q.recipients.empty()) enqueue(h, std::move(item), c);
    }

    void deliver_local(HostRt* h, const std::string& address, const std::string& content, const std::string& spec_id,
                       bool bounce, const Conn* via) {
        record(TraceKind::delivery, h->spec->name, address,
               std::string(bounce ? "bounce" : "message") + " stored in the mailbox of " + address,
               "This host is the final destination for " + domain_of(address) +
                   ": the message is delivered into the recipient's mailbox.",
               "RFC 5321 §4.4", "delivery", spec_id, via ? via->id : -1);
        MessageCopy copy;
        copy.message = spec_id;
        copy.host = h->spec->name;
        copy.where = "mailbox " + address;
        copy.bounce = bounce;
        copy.content = content;
        change(AddMessageCopy{copy});
        if (!bounce && !spec_id.empty()) {
            Reply ok = make_reply(250, "2.0.0", "delivered");
            set_recipient_status(spec_id, address, status_from("delivered", ok, h->spec->name));
        }
    }

    // ---------------------------------------------------------------- relay queue
    RetryPolicy retry_policy(const HostRt* h) const {
        RetryPolicy p;
        p.max_lifetime_ms = h->spec->queue_lifetime_ms;
        if (*p.delay_warning_ms >= p.max_lifetime_ms) p.delay_warning_ms.reset();
        return p;
    }

    QueueEntryView view_of(const HostRt* h, const QueueItem& item) const {
        QueueEntryView v;
        v.queue_id = item.q.id;
        v.host = h->spec->name;
        v.message = item.spec_id;
        v.sender = item.q.sender.empty() ? "<>" : item.q.sender;
        v.bounce = item.bounce;
        for (const auto& r : item.q.recipients) {
            RecipientView rv;
            rv.address = r.address;
            rv.state = recipient_state_name(r.state);
            rv.attempts = r.attempts;
            rv.next_attempt_ms = r.state == RecipientState::deferred ? r.next_attempt_ms : -1;
            rv.last_reply = r.last_reply ? r.last_reply->summary() : std::string();
            v.recipients.push_back(rv);
        }
        return v;
    }

    std::map<std::string, QueueItem>& queue_of(HostRt* h) { return queues_[h->spec->name]; }

    void enqueue(HostRt* h, QueueItem item, const Conn* via) {
        const std::string id = item.q.id;
        std::string rcpts;
        for (const auto& r : item.q.recipients) rcpts += (rcpts.empty() ? "" : ", ") + r.address;
        record(TraceKind::queue, h->spec->name, "",
               "queued as " + id + " for " + rcpts,
               "The message is safe in " + h->spec->name +
                   "'s queue on disk; only now did the server say 250. The relay will deliver it to the "
                   "recipient's domain.",
               "RFC 5321 §4.1.1.4, §6.1", "queue", item.spec_id, via ? via->id : -1);
        MessageCopy copy;
        copy.message = item.spec_id;
        copy.host = h->spec->name;
        copy.where = "queue " + id;
        copy.bounce = item.bounce;
        copy.content = item.content;
        change(AddMessageCopy{copy});
        change(SetQueueEntry{view_of(h, item)});
        auto& q = queue_of(h);
        q.emplace(id, std::move(item));
        schedule(h, id, now_);
    }

    void schedule(HostRt* h, const std::string& id, std::int64_t when) {
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

    void run_queue_item(HostRt* h, const std::string& id) {
        auto& item = queue_of(h).at(id);
        if (item.in_flight) return;
        const RetryPolicy policy = retry_policy(h);
        // Delay warnings owed now (RFC 3464 Action: delayed).
        send_dsns(h, item, DsnAction::delayed, policy);
        auto due = due_recipients(item.q, now_);
        if (due.empty()) {
            reschedule_or_finish(h, id);
            return;
        }
        // Group due recipients by domain: one MX lookup and one connection per domain.
        std::map<std::string, std::vector<std::size_t>> groups;
        for (std::size_t i : due) groups[domain_of(item.q.recipients[i].address)].push_back(i);
        for (std::size_t i : due) begin_attempt(item.q, i, now_);
        record(TraceKind::queue, h->spec->name, "", "delivery attempt for " + id,
               "The relay takes the message from its queue and tries to deliver it.", "RFC 5321 §4.5.4.1",
               "queue", item.spec_id);
        change(SetQueueEntry{view_of(h, item)});
        item.in_flight = static_cast<int>(groups.size());
        for (auto& [domain, idx] : groups) attempt_domain(h, id, domain, idx);
    }

    // Resolves where mail for `domain` goes, then tries the hosts in order.
    void attempt_domain(HostRt* h, const std::string& id, const std::string& domain, std::vector<std::size_t> idx) {
        auto& item = queue_of(h).at(id);
        for (const auto& route : h->spec->routes) {
            if (ascii_lowercase(route.domain) == domain) {
                record(TraceKind::note, h->spec->name, route.via,
                       "route for " + domain + ": via " + route.via + " (no MX lookup)",
                       "This relay is configured to send all mail for " + domain + " to " + route.via +
                           " (a static route, like Postfix's transport map).",
                       "RFC 5321 §5", "relay", item.spec_id);
                try_hosts(h, id, domain, std::move(idx), {route.via}, std::nullopt);
                return;
            }
        }
        dns_mx(h, id, domain, std::move(idx));
    }

    // ---------------------------------------------------------------- DNS
    std::optional<DnsStatus> dns_failure(const std::string& name) const {
        for (const auto& e : dns_failures_) {
            if (ascii_lowercase(e.name) != ascii_lowercase(name)) continue;
            if (e.until_ms >= 0 && now_ >= e.until_ms) continue;
            if (e.result == "nxdomain") return DnsStatus::nxdomain;
            if (e.result == "servfail") return DnsStatus::servfail;
            return DnsStatus::timeout;
        }
        return std::nullopt;
    }
    bool name_exists(const std::string& name) const {
        for (const auto& r : sc_.dns)
            if (ascii_lowercase(r.name) == ascii_lowercase(name)) return true;
        return false;
    }
    DnsMxAnswer lookup_mx(const std::string& domain) const {
        DnsMxAnswer a;
        if (auto f = dns_failure(domain)) {
            a.status = *f;
            return a;
        }
        for (const auto& r : sc_.dns)
            if (r.type == DnsType::mx && ascii_lowercase(r.name) == domain) a.records.push_back({r.preference, r.value});
        if (a.records.empty()) a.status = name_exists(domain) ? DnsStatus::nodata : DnsStatus::nxdomain;
        return a;
    }
    DnsAddressAnswer lookup_a(const std::string& name) const {
        DnsAddressAnswer a;
        if (auto f = dns_failure(name)) {
            a.status = *f;
            return a;
        }
        for (const auto& r : sc_.dns)
            if (r.type == DnsType::a && ascii_lowercase(r.name) == ascii_lowercase(name)) a.addresses.push_back(r.value);
        if (a.addresses.empty()) a.status = name_exists(name) ? DnsStatus::nodata : DnsStatus::nxdomain;
        return a;
    }
    static std::string status_text(DnsStatus s) {
        switch (s) {
            case DnsStatus::ok: return "ok";
            case DnsStatus::nxdomain: return "NXDOMAIN (no such domain)";
            case DnsStatus::nodata: return "no records of this type";
            case DnsStatus::servfail: return "SERVFAIL (the DNS server failed)";
            case DnsStatus::timeout: return "no answer (timeout)";
        }
        return "?";
    }

    void dns_query(HostRt* h, const std::string& spec_id, const std::string& question, bool is_timeout,
                   std::function<void()> then) {
        record(TraceKind::dns_query, h->spec->name, k_dns_host, question + "?",
               "Asks DNS where mail for this name should go.", "RFC 5321 §5.1", "dns", spec_id);
        at(now_ + (is_timeout ? k_dns_timeout_ms : 2 * latency()), std::move(then));
    }

    void dns_mx(HostRt* h, const std::string& id, const std::string& domain, std::vector<std::size_t> idx) {
        const std::string spec_id = queue_of(h).at(id).spec_id;
        const DnsMxAnswer pre = lookup_mx(domain);
        dns_query(h, spec_id, domain + " IN MX", pre.status == DnsStatus::timeout, [=, this] {
            const DnsMxAnswer mx = lookup_mx(domain);
            std::string answer;
            if (mx.status == DnsStatus::ok) {
                for (const auto& r : mx.records)
                    answer += (answer.empty() ? "" : ", ") + std::to_string(r.preference) + " " + r.exchange;
            } else {
                answer = status_text(mx.status);
            }
            std::string explain = "The DNS answer for " + domain + ".";
            if (mx.status == DnsStatus::ok && mx.records.size() == 1 && mx.records[0].exchange == ".")
                explain = "A null MX (\"0 .\"): the domain says it accepts no mail at all (RFC 7505).";
            else if (mx.status == DnsStatus::ok)
                explain = "The mail exchangers for " + domain + ", lowest preference first to try.";
            else if (mx.status == DnsStatus::nodata)
                explain = "No MX records: RFC 5321 §5.1 says to use the domain's own address (implicit MX).";
            else if (mx.status == DnsStatus::nxdomain)
                explain = "The domain does not exist: no mail can ever be delivered there.";
            else
                explain = "DNS failed for now: a temporary problem, the relay will try again later.";
            record(TraceKind::dns_answer, k_dns_host, h->spec->name, domain + " MX: " + answer, explain,
                   "RFC 5321 §5.1, RFC 7505", "dns", spec_id);
            change(AddDnsRecord{DnsRecordView{now_, h->spec->name, domain + " MX", answer}});
            std::optional<DnsAddressAnswer> a;
            if (mx.status == DnsStatus::nodata) a = lookup_a(domain);
            const std::vector<std::string> own = {h->spec->name};
            MxPlan plan = plan_mx(domain, mx, a ? &*a : nullptr, own, hash64(seed_, id));
            if (plan.failure) {
                record(TraceKind::note, h->spec->name, "", "no delivery possible now: " + plan.failure->summary(),
                       plan.failure->permanent() ? "A permanent failure: the message cannot be delivered."
                                                 : "A temporary failure: the message stays queued.",
                       "RFC 5321 §5.1", "dns", spec_id);
                finish_group(h, id, idx, *plan.failure, h->spec->name);
                return;
            }
            std::vector<std::string> hosts;
            for (const auto& r : plan.hosts) hosts.push_back(r.exchange);
            try_hosts(h, id, domain, idx, hosts, std::nullopt);
        });
    }

    // Tries the hosts in order: A lookup, connect, SMTP.
    void try_hosts(HostRt* h, const std::string& id, const std::string& domain, std::vector<std::size_t> idx,
                   std::vector<std::string> hosts, std::optional<Reply> last) {
        const std::string spec_id = queue_of(h).at(id).spec_id;
        if (hosts.empty()) {
            finish_group(h, id, idx, last.value_or(attempts_exhausted_reply()), h->spec->name);
            return;
        }
        const std::string target = hosts.front();
        hosts.erase(hosts.begin());
        const DnsAddressAnswer pre = lookup_a(target);
        dns_query(h, spec_id, target + " IN A", pre.status == DnsStatus::timeout, [=, this]() mutable {
            const DnsAddressAnswer a = lookup_a(target);
            std::string answer = a.status == DnsStatus::ok ? a.addresses.front() : status_text(a.status);
            record(TraceKind::dns_answer, k_dns_host, h->spec->name, target + " A: " + answer,
                   a.status == DnsStatus::ok ? "The address to connect to." : "This host's address is unknown now.",
                   "RFC 5321 §5.1", "dns", spec_id);
            change(AddDnsRecord{DnsRecordView{now_, h->spec->name, target + " A", answer}});
            HostRt* dest = nullptr;
            if (a.status == DnsStatus::ok)
                for (auto& [name, rt] : hosts_)
                    if (rt.spec->ip == a.addresses.front()) dest = &rt;
            if (!dest) {
                try_hosts(h, id, domain, idx, hosts, make_reply(451, "4.4.3", "cannot resolve " + target));
                return;
            }
            auto conn = std::make_unique<Conn>();
            Conn* c = conn.get();
            c->id = ++conn_counter_;
            c->client = h;
            c->server = dest;
            c->port = 25;
            c->purpose = dest->spec->kind == HostKind::relay ? "relay" : "delivery";
            c->spec_id = spec_id;
            c->queue_id = id;
            c->relay = h;
            c->domain = domain;
            c->rcpts = idx;
            c->hosts_left = hosts;
            c->tls_policy_required = h->tls_required.count(domain) > 0;
            conns_.push_back(std::move(conn));
            open_virtual_connection(
                h, dest, 25, spec_id, "delivery", [this, c] { start_delivery(c); },
                [=, this](const std::string&) {
                    try_hosts(h, id, domain, idx, hosts,
                              make_reply(451, "4.4.1", "connection to " + target + " failed"));
                });
        });
    }

    void start_delivery(Conn* c) {
        auto& item = queue_of(c->relay).at(c->queue_id);
        ClientConfig cfg;
        cfg.helo_name = c->relay->spec->name;
        cfg.tls = c->tls_policy_required ? TlsPolicy::required : TlsPolicy::opportunistic;
        c->cli = std::make_unique<ClientSession>(cfg, now_);
        OutgoingMessage out;
        out.from = path_of(item.q.sender);
        out.mail_params = item.mail_params;
        out.mail_params.size.reset();
        for (std::size_t i : c->rcpts) out.rcpts.push_back(item.rcpt_params[i]);
        out.content = item.content;
        c->cli->send(std::move(out), now_);
        c->cli->quit(now_);
        open_server(c);
    }

    // ---------------------------------------------------------------- client side
    void pump_client(Conn* c) {
        if (c->cli) {
            while (auto ev = c->cli->next_event()) handle_client_event(c, *ev);
            absorb_client_trace(*c);
            if (c->closed) return;
            std::string out = c->cli->take_output();
            if (!out.empty()) to_server(c, std::move(out));
        }
    }

    void handle_client_event(Conn* c, ClientEvent& ev) {
        if (std::holds_alternative<TlsStartEvent>(ev)) {
            run_tls_handshake(c);
            return;
        }
        if (auto* done = std::get_if<MessageDoneEvent>(&ev)) {
            c->outcome = done->outcome;
            return;
        }
        if (auto* closed = std::get_if<ClosedEvent>(&ev)) {
            close_conn(c);
            if (c->purpose == "submission") finish_submission(c);
            else finish_delivery(c, closed->failure);
            return;
        }
    }

    void close_conn(Conn* c) {
        if (c->closed) return;
        c->closed = true;
        // The TCP connection closes: let the server know if it still listens.
        if (c->srv && !c->srv->wants_close()) {
            c->srv->feed_eof(now_);
            while (auto ev = c->srv->next_event()) (void)ev;
            absorb_server_trace(*c);
        }
        record(TraceKind::connect, c->client->spec->name, c->server->spec->name, "connection closed",
               "The TCP connection ends.", "RFC 5321 §4.1.1.10", c->purpose == "submission" ? "submission" : "delivery",
               c->spec_id, c->id);
        set_connection(*c);
    }

    void run_tls_handshake(Conn* c) {
        const TlsOutcome outcome = c->server->tls;
        const bool verify = c->purpose == "submission" || c->tls_policy_required;
        record(TraceKind::tls, c->client->spec->name, c->server->spec->name, "TLS handshake: ClientHello",
               "The client starts encrypting the connection; from here on nobody on the path can read it.",
               "RFC 3207 §4, RFC 8446", "tls", c->spec_id, c->id);
        at(now_ + 2 * latency(), [this, c, outcome, verify] {
            if (c->closed) return;
            if (outcome == TlsOutcome::handshake_failure) {
                record(TraceKind::tls, c->server->spec->name, c->client->spec->name,
                       "TLS handshake failed (no shared protocol version or cipher)",
                       "The two sides could not agree on encryption. The connection is useless now.",
                       "RFC 8446 §6.2", "tls", c->spec_id, c->id);
                c->cli->tls_failed("handshake failure", now_);
                pump_client(c);
                return;
            }
            if (outcome == TlsOutcome::untrusted && verify) {
                record(TraceKind::tls, c->server->spec->name, c->client->spec->name,
                       "TLS certificate of " + c->server->spec->name + " is not trusted",
                       "The certificate is not signed by an authority the client trusts (or names another "
                       "host). A client that requires TLS must stop here.",
                       "RFC 7672 §3, RFC 6125", "tls", c->spec_id, c->id);
                c->cli->tls_failed("certificate not trusted", now_);
                pump_client(c);
                return;
            }
            if (outcome == TlsOutcome::untrusted)
                record(TraceKind::tls, c->server->spec->name, c->client->spec->name,
                       "TLS certificate not trusted; opportunistic TLS goes on encrypted",
                       "Opportunistic TLS encrypts without checking the certificate: better than plain text.",
                       "RFC 7435", "tls", c->spec_id, c->id);
            c->tls = true;
            set_connection(*c);
            c->srv->tls_established("TLSv1.3", now_);
            c->cli->tls_established("TLSv1.3", now_);
            pump_server(c);
            pump_client(c);
        });
    }

    // Outcome of a relay → next hop connection.
    void finish_delivery(Conn* c, SessionFailure failure) {
        const bool connection_level = failure == SessionFailure::greeting_rejected ||
                                      failure == SessionFailure::helo_rejected || failure == SessionFailure::timeout ||
                                      failure == SessionFailure::connection_lost ||
                                      failure == SessionFailure::tls_rejected ||
                                      failure == SessionFailure::tls_unavailable ||
                                      failure == SessionFailure::protocol_error;
        bool all_temporary = c->outcome.has_value();
        if (c->outcome)
            for (const auto& r : c->outcome->recipients)
                if (r.status != RecipientStatus::temporary) all_temporary = false;
        if (connection_level && all_temporary && !c->hosts_left.empty()) {
            // RFC 5321 §5.1: try the next host of the list.
            std::optional<Reply> last;
            if (c->outcome && !c->outcome->recipients.empty()) last = c->outcome->recipients[0].reply;
            try_hosts(c->relay, c->queue_id, c->domain, c->rcpts, c->hosts_left, last);
            return;
        }
        auto& item = queue_of(c->relay).at(c->queue_id);
        const RetryPolicy policy = retry_policy(c->relay);
        const std::string remote = c->server->spec->name;
        for (std::size_t k = 0; k < c->rcpts.size(); ++k) {
            const std::size_t i = c->rcpts[k];
            Reply reply = make_reply(451, "4.4.2", "no reply");
            if (c->outcome && k < c->outcome->recipients.size()) reply = c->outcome->recipients[k].reply;
            apply_attempt_outcome(item.q, i, reply, now_, policy, hash64(seed_, c->queue_id), remote);
        }
        group_done(c->relay, c->queue_id, c->rcpts, remote);
    }

    // A whole group got one reply without any SMTP session (DNS failure, null MX, all hosts down).
    void finish_group(HostRt* h, const std::string& id, const std::vector<std::size_t>& idx, const Reply& reply,
                      const std::string& where) {
        auto& item = queue_of(h).at(id);
        const RetryPolicy policy = retry_policy(h);
        for (std::size_t i : idx) apply_attempt_outcome(item.q, i, reply, now_, policy, hash64(seed_, id), {});
        group_done(h, id, idx, where);
    }

    void group_done(HostRt* h, const std::string& id, const std::vector<std::size_t>& idx, const std::string& where) {
        auto& item = queue_of(h).at(id);
        std::string summary;
        for (std::size_t i : idx) {
            const auto& r = item.q.recipients[i];
            summary += (summary.empty() ? "" : "; ") + r.address + " " + recipient_state_name(r.state);
            if (r.state == RecipientState::deferred) summary += " until " + format_sim_time(r.next_attempt_ms);
        }
        std::string explain = "The queue records each recipient's fate: delivered, deferred (a 4xx: try again "
                              "later) or bounced (a 5xx, or too long in the queue).";
        record(TraceKind::queue, h->spec->name, "", "queue " + id + ": " + summary, explain, "RFC 5321 §4.5.4.1",
               "queue", item.spec_id);
        change(SetQueueEntry{view_of(h, item)});
        for (std::size_t i : idx) {
            const auto& r = item.q.recipients[i];
            if (item.bounce || item.spec_id.empty()) continue;
            const Reply reply = r.final_reply ? *r.final_reply : r.last_reply.value_or(make_reply(451, "4.0.0", ""));
            const std::string host = r.remote_mta.empty() ? where : r.remote_mta;
            if (r.state == RecipientState::delivered)
                set_recipient_status(item.spec_id, r.address, status_from("delivered", reply, host));
            else if (r.state == RecipientState::bounced)
                set_recipient_status(item.spec_id, r.address,
                                     status_from("bounced", reply, r.remote_mta.empty() ? h->spec->name : host));
            else if (r.state == RecipientState::deferred)
                set_recipient_status(item.spec_id, r.address, status_from("deferred", reply, host), true);
        }
        if (--item.in_flight > 0) return;
        send_dsns(h, item, DsnAction::failed, retry_policy(h));
        reschedule_or_finish(h, id);
    }

    void send_dsns(HostRt* h, QueueItem& item, DsnAction action, const RetryPolicy& policy) {
        auto who = recipients_needing_dsn(item.q, action, now_, policy);
        if (who.empty()) return;
        const std::uint64_t counter = ++h->dsn_counter;
        DsnRequest req = make_dsn_request(item.q, who, action, h->spec->name, k_sim_epoch_ms + now_, policy,
                                          hash64(seed_, h->spec->name + "/dsn"), counter, item.content);
        // Header dates are on the simulated calendar (k_sim_epoch_ms + virtual time).
        req.arrival_ms = k_sim_epoch_ms + item.q.created_ms;
        DsnResult dsn = compose_dsn(req);
        mark_dsn_sent(item.q, who, action);
        if (dsn.outcome != DsnOutcome::composed) return;
        record(TraceKind::delivery, h->spec->name, item.q.sender,
               std::string(action == DsnAction::delayed ? "delay notice" : "bounce") + " to " + item.q.sender +
                   " (RFC 3464 delivery status notification)",
               "The relay tells the sender what went wrong, in a report from MAILER-DAEMON with the null "
               "sender <> so that it can never cause another bounce.",
               "RFC 3464, RFC 5321 §4.5.5", "bounce", item.spec_id);
        // Bounce goes to the sender: a local mailbox here, or relayed on.
        const std::string sender = item.q.sender;
        if (is_local_domain(domain_of(sender), h->spec->local_domains)) {
            deliver_local(h, sender, dsn.content, item.spec_id, true, nullptr);
            return;
        }
        QueueItem bounce;
        bounce.q.id = make_queue_id(hash64(seed_, h->spec->name), ++h->queue_counter);
        bounce.q.created_ms = now_;
        QueuedRecipient qr;
        qr.address = sender;
        bounce.q.recipients.push_back(qr);
        bounce.rcpt_params.emplace_back(path_of(sender), RcptParams{});
        bounce.content = dsn.content;
        bounce.spec_id = item.spec_id;
        bounce.bounce = true;
        enqueue(h, std::move(bounce), nullptr);
    }

    void reschedule_or_finish(HostRt* h, const std::string& id) {
        auto& q = queue_of(h);
        auto& item = q.at(id);
        if (is_done(item.q)) {
            record(TraceKind::queue, h->spec->name, "", "queue " + id + " done: removed from the queue",
                   "Every recipient is delivered or bounced: nothing more to do for this message.",
                   "RFC 5321 §4.5.4.1", "queue", item.spec_id);
            change(RemoveQueueEntry{id});
            q.erase(id);
            return;
        }
        if (auto wake = next_wakeup_ms(item.q, retry_policy(h))) schedule(h, id, std::max(*wake, now_));
    }

    // ---------------------------------------------------------------- submission
    void start_submission(const MessageSpec& m) {
        HostRt* client = host(m.client);
        HostRt* server = host(m.server);
        auto conn = std::make_unique<Conn>();
        Conn* c = conn.get();
        c->id = ++conn_counter_;
        c->client = client;
        c->server = server;
        c->port = m.port;
        c->purpose = "submission";
        c->spec_id = m.id;
        conns_.push_back(std::move(conn));
        open_virtual_connection(
            client, server, m.port, m.id, "submission",
            [this, c, &m] {
                if (c->port == 465) {
                    // RFC 8314 §3.3: implicit TLS, the handshake comes before any SMTP.
                    record(TraceKind::tls, c->client->spec->name, c->server->spec->name,
                           "TLS handshake (implicit TLS on port 465)",
                           "On port 465 the connection is encrypted from the first byte; SMTP starts after "
                           "the handshake.",
                           "RFC 8314 §3.3", "tls", c->spec_id, c->id);
                    c->tls = true;
                }
                start_client(c, m);
                open_server(c);
            },
            [this, c, &m](const std::string& why) {
                for (const auto& rcpt : m.to)
                    set_recipient_status(m.id, rcpt,
                                         status_from("deferred", make_reply(451, "4.4.1", "connection " + why),
                                                     c->server->spec->name));
            });
    }

    void start_client(Conn* c, const MessageSpec& m) {
        if (!m.script.empty()) {
            c->script = m.script;
            return;
        }
        ClientConfig cfg;
        cfg.helo_name = m.client;
        cfg.tls = (m.starttls && !skip_starttls_.count(m.id)) ? TlsPolicy::required : TlsPolicy::none;
        cfg.tls_active = m.port == 465;
        if (m.port == 465) cfg.tls = TlsPolicy::none;
        if (m.auth && !skip_auth_.count(m.id)) {
            std::string password = m.auth->password;
            if (wrong_password_.count(m.id)) password += "-typo";
            cfg.auth = std::make_pair(m.auth->address, password);
        }
        c->cli = std::make_unique<ClientSession>(cfg, now_);
        OutgoingMessage out;
        out.from = path_of(m.from);
        for (const auto& rcpt : m.to) out.rcpts.emplace_back(path_of(rcpt), RcptParams{});
        out.content = compose(m);
        c->cli->send(std::move(out), now_);
        c->cli->quit(now_);
    }

    std::string compose(const MessageSpec& m) {
        std::string to;
        for (const auto& r : m.to) to += (to.empty() ? "" : ", ") + r;
        std::string content;
        content += "From: " + m.from + "\r\n";
        content += "To: " + to + "\r\n";
        content += "Subject: " + m.subject + "\r\n";
        content += "Date: " + format_rfc5322_date(k_sim_epoch_ms + now_) + "\r\n";
        content += "Message-ID: " + make_message_id(hash64(seed_, m.id), 1, m.client) + "\r\n";
        content += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
        content += m.body;
        if (content.size() < 2 || content.substr(content.size() - 2) != "\r\n") content += "\r\n";
        static const char* filler = "The quick brown fox jumps over the lazy dog. ";
        while (content.size() < m.pad_to) {
            std::string line;
            while (line.size() < 70) line += filler;
            content += line + "\r\n";
        }
        return content;
    }

    // A scripted (raw) client: one chunk after each complete reply.
    void script_feed(Conn* c, const std::string& bytes) {
        c->script_parser.feed(bytes);
        while (auto reply = c->script_parser.next()) {
            if (c->script_pos > 0 && !reply->positive() && !c->script_first_negative) c->script_first_negative = *reply;
            if (c->script_pos < c->script.size()) to_server(c, c->script[c->script_pos++]);
        }
    }
    void script_close(Conn* c) {
        close_conn(c);
        finish_submission(c);
    }

    void finish_submission(Conn* c) {
        const MessageSpec* m = nullptr;
        for (const auto& spec : sc_.messages)
            if (spec.id == c->spec_id) m = &spec;
        if (!m) return;
        const std::string where = c->server->spec->name;
        if (!c->cli) {
            if (!c->script_message_accepted && c->script_first_negative)
                for (const auto& rcpt : m->to)
                    set_recipient_status(m->id, rcpt, status_from("rejected", *c->script_first_negative, where));
            return;
        }
        if (!c->outcome) return;
        for (const auto& r : c->outcome->recipients) {
            const std::string rcpt = r.rcpt.mailbox.to_string();
            if (r.status == RecipientStatus::permanent)
                set_recipient_status(m->id, rcpt, status_from("rejected", r.reply, where));
            else if (r.status == RecipientStatus::temporary)
                set_recipient_status(m->id, rcpt, status_from("deferred", r.reply, where));
        }
    }

    const Scenario& sc_;
    std::uint64_t seed_;
    std::int64_t now_ = 0;
    std::uint64_t seq_ = 0;
    std::priority_queue<Ev, std::vector<Ev>, Later> events_;
    std::map<std::string, HostRt> hosts_;
    std::map<std::string, std::map<std::string, QueueItem>> queues_;
    std::vector<std::unique_ptr<Conn>> conns_;
    int conn_counter_ = 0;
    std::vector<EffectSpec> dns_failures_;
    std::set<std::string> wrong_password_, skip_starttls_, skip_auth_;
    std::vector<MessageStatus> statuses_;
    std::map<std::string, std::map<std::string, RcptOutcome>> rcpt_status_;
    std::vector<Step> steps_;
};

}  // namespace

std::vector<MessageStatus> initial_statuses(const Scenario& scenario) {
    std::vector<MessageStatus> out;
    for (const auto& m : scenario.messages) {
        MessageStatus s;
        s.id = m.id;
        s.from = m.from;
        s.to = m.to;
        out.push_back(s);
    }
    return out;
}

RunResult run_world(const Scenario& scenario, const SwitchOverrides& overrides, std::uint64_t seed) {
    WorldImpl world(scenario, overrides, seed);
    return world.run();
}

}  // namespace relaylab::sim
