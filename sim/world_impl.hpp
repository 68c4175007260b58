#pragma once
// The inside of the simulated world (sim/world.hpp is its face). One object, World, whose
// parts live in one file each:
//   world.cpp            the event loop on the virtual clock, switches, run_world()
//   world_recorder.cpp   turning what happens into Steps (and the message outcome table)
//   world_network.cpp    virtual TCP connections, latency, the TLS layer
//   world_dns.cpp        virtual DNS zones and the queries a relay makes
//   world_server.cpp     hosts answering SMTP: policy, credentials, failures, acceptance
//   world_relay.cpp      relay queues, carrying out the engine's delivery core
//   world_clients.cpp    the scenario's mail clients (the engine's client, or a raw script)
//   world_capture.cpp    capture hosts (fake SMTP servers): keep every message, send nothing
// Every protocol and delivery decision is the engine's (ServerSession, ClientSession, relay
// policy, the delivery core); these files only play the network, the disks and the clock.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "engine/client_session.hpp"
#include "engine/delivery.hpp"
#include "engine/greylist.hpp"
#include "engine/queue_model.hpp"
#include "engine/relay_policy.hpp"
#include "engine/reply_parser.hpp"
#include "engine/server_session.hpp"
#include "sim/world.hpp"

namespace relaylab::sim {

// One simulated host and the failures switched on for it.
struct HostRt {
    const HostSpec* spec = nullptr;
    bool down = false, silent = false, greylisting = false, mailbox_full = false, rate_limit = false;
    std::optional<std::uint64_t> size_limit;
    TlsOutcome tls = TlsOutcome::ok;
    DeliveryPolicy delivery;        // the relay side: routes, TLS per destination, retry schedule
    TlsFailureMemory tls_failures;  // what the delivery core asked it to remember
    Greylist greylist;  // first sightings of (client, sender, recipient)
    std::set<std::string> rate_seen;
    std::uint64_t queue_counter = 0;
    std::uint64_t dsn_counter = 0;
};

// A message in a relay's queue: the engine's model plus what the world needs to show it.
struct QueueItem {
    QueuedMessage q;
    std::string content;
    std::string spec_id;  // scenario message it carries
    int in_flight = 0;    // destination groups being attempted
    std::optional<std::int64_t> wake_at;
    bool bounce() const { return q.origin == MessageOrigin::notice; }
};

// One attempt of the delivery core for one destination group.
struct Attempt {
    Attempt(const DeliveryPolicy& policy, DeliveryGroup g, std::uint64_t seed)
        : group(std::move(g)), core(policy, group, seed) {}
    DeliveryGroup group;
    DomainDelivery core;
};


struct Conn {
    int id = 0;
    HostRt* client = nullptr;
    HostRt* server = nullptr;
    int port = 25;
    Purpose purpose = Purpose::submission;
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
    std::shared_ptr<Attempt> attempt;
    std::optional<MessageOutcome> outcome;
    std::string client_ip;  // the address the client connects from (its IPv6 one over IPv6)
    bool attempt_tls_required = false;  // the delivery core asked for TLS (certificate checked)
    bool tls = false;
    bool closed = false;
    std::size_t wire = 0;  // its WireConnection in World::wire_
};

// A scenario message's outcome per recipient, folded into MessageStatus.
struct RcptOutcome {
    MessageState status = MessageState::pending;
    int code = 0;
    std::string enhanced;
    std::string final_host;
};

class World {
public:
    World(const Scenario& scenario, const SwitchOverrides& overrides, std::uint64_t seed);
    RunResult run();

private:
    // ---- event loop (world.cpp)
    struct Ev {
        std::int64_t t;
        std::uint64_t seq;
        std::function<void()> fn;
    };
    struct Later {
        bool operator()(const Ev& a, const Ev& b) const { return a.t != b.t ? a.t > b.t : a.seq > b.seq; }
    };
    void at(std::int64_t t, std::function<void()> fn) { events_.push(Ev{t, seq_++, std::move(fn)}); }
    HostRt* host(std::string_view name);
    void apply_effect(const EffectSpec& e);

    // ---- recording (world_recorder.cpp)
    // A step the world composes itself (DNS, connect, TLS layer, queue, notices): typed
    // phase and outcome, with prose written here (the sessions' lines are absorbed below).
    Step& record(TraceKind kind, TracePhase phase, Topic topic, std::string from, std::string to, std::string text,
                 std::string explain, std::string rfc, std::string message, int conn = -1,
                 TraceOutcome outcome = TraceOutcome::none);
    static Topic topic_of(Purpose p) { return p == Purpose::submission ? Topic::submission : Topic::delivery; }
    void change(Change c) { steps_.back().changes.push_back(std::move(c)); }
    void set_connection(const Conn& c);
    void set_recipient_status(const std::string& spec_id, const std::string& rcpt, RcptOutcome rs,
                              bool count_deferral = false);
    static RcptOutcome status_from(MessageState status, const Reply& r, const std::string& where);
    void absorb_server_trace(Conn& c);
    void absorb(TraceEvent&& ev, std::string from, std::string to, const Conn& c);
    void absorb_client_trace(Conn& c);
    QueueEntryView view_of(const HostRt* h, const QueueItem& item) const;

    // ---- network (world_network.cpp)
    std::int64_t latency() const { return sc_.latency_ms; }
    void open_virtual_connection(Conn* c, HostRt* from, HostRt* to, int port, const std::string& message,
                                 Topic topic, std::function<void()> on_open,
                                 std::function<void(const std::string&)> on_fail);
    void to_server(Conn* c, std::string bytes);
    void to_client(Conn* c, std::string bytes, bool then_close);
    void run_tls_handshake(Conn* c);
    void close_conn(Conn* c);
    Conn* new_conn(HostRt* client, HostRt* server, int port, Purpose purpose, const std::string& spec_id);
    WireConnection& wire_of(const Conn* c) { return wire_.connections[c->wire]; }
    void wire_send(Conn* c, WireDir dir, const std::string& bytes);
    void wire_tls_start(Conn* c, bool implicit);

    // ---- DNS (world_dns.cpp)
    std::optional<DnsStatus> dns_failure(const std::string& name) const;
    bool name_exists(const std::string& name) const;
    DnsMxAnswer lookup_mx(const std::string& domain) const;
    DnsAddressAnswer lookup_address(const std::string& name, AddressType type) const;
    void dns_query(HostRt* h, const std::string& spec_id, const TraceDns& question, std::string explain,
                   bool is_timeout, std::function<void()> then);
    void resolve_mx(HostRt* h, const std::string& spec_id, const std::string& domain,
                    std::function<void(const DnsMxAnswer&)> then);
    void resolve_address(HostRt* h, const std::string& spec_id, const std::string& name, AddressType type,
                         std::function<void(const DnsAddressAnswer&)> then);

    // ---- server side (world_server.cpp)
    ServerConfig server_config(const HostRt* h, int port) const;
    RelayPolicy policy_of(const HostRt* h) const;
    RelayClient relay_client(const Conn* c) const;
    void open_server(Conn* c);
    void pump_server(Conn* c);
    void handle_server_event(Conn* c, ServerEvent& ev);
    void accept_message(Conn* c, MessageEvent& msg);
    Reply deliver_local(HostRt* h, const QueuedMessage& q, std::size_t rcpt, const std::string& content,
                        const std::string& spec_id, const Conn* via);

    // ---- relay queue (world_relay.cpp)
    std::map<std::string, QueueItem>& queue_of(HostRt* h) { return queues_[h->spec->name]; }
    void enqueue(HostRt* h, QueueItem item, const Conn* via);
    void capture(HostRt* h, const QueueItem& item, const Conn* via);  // world_capture.cpp
    // A scenario message sent from the null sender (a bounce the scenario itself sends, not a
    // notice the world composed): its recipients' fate is the message's outcome.
    bool scenario_null_sender(const std::string& spec_id) const;
    void schedule(HostRt* h, const std::string& id, std::int64_t when);
    void run_queue_item(HostRt* h, const std::string& id);
    void drive(HostRt* h, const std::string& id, std::shared_ptr<Attempt> a);
    void connect_to(HostRt* h, const std::string& id, std::shared_ptr<Attempt> a, const Connect& step);
    void start_delivery(Conn* c, const ClientConfig& config);
    void finish_delivery(Conn* c, const ClosedEvent& closed);
    void group_done(HostRt* h, const std::string& id, const DeliveryGroup& group, const std::vector<AttemptResult>& results);
    void send_notices(HostRt* h, QueueItem& item);
    void reschedule_or_finish(HostRt* h, const std::string& id);

    // ---- clients (world_clients.cpp)
    void pump_client(Conn* c);
    void handle_client_event(Conn* c, ClientEvent& ev);
    void start_submission(const MessageSpec& m);
    void start_client(Conn* c, const MessageSpec& m);
    std::string compose(const MessageSpec& m);
    void script_feed(Conn* c, const std::string& bytes);
    void script_close(Conn* c);
    void finish_submission(Conn* c);

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
    WireLog wire_;
};

// "alice@lab.test" → the Path the scenario means; "" → the null reverse-path. Scenario
// files name addresses as text; this is the one place they become typed.
Path scenario_path(std::string_view address);
std::string domain_of(std::string_view address);

}  // namespace relaylab::sim
