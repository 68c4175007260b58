#pragma once
// `relaylab serve`: the relay's wiring. Boost.Asio C++20 coroutines move bytes between
// sockets, disk and the sans-I/O engine; every protocol and delivery decision is the engine's
// (ServerSession, relay policy, and the delivery core of engine/delivery.hpp). One I/O
// thread; blocking work (fsync, argon2id, c-ares) runs on a small worker pool and the
// coroutine resumes on the I/O thread. The member functions live by responsibility:
//   relay.cpp      setup, listeners, signals, `relaylab serve`
//   inbound.cpp    the SMTP server sessions and message acceptance
//   queue.cpp      the queue runner and the delivery core's pull loop, notices
//   outbound.cpp   outbound channels: one reused ClientSession per connection
//   http.cpp       the web UI, /healthz and /metrics
//   inbox.cpp      the captured-mail inbox: Mailpit's API, new-message events, release
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/auth_cache.hpp"
#include "engine/auth_throttle.hpp"
#include "engine/chaos.hpp"
#include "engine/client_session.hpp"
#include "engine/delivery.hpp"
#include "engine/greylist.hpp"
#include "engine/ids.hpp"
#include "engine/queue_model.hpp"
#include "engine/rate_limit.hpp"
#include "engine/relay_policy.hpp"
#include "engine/role.hpp"
#include "engine/server_session.hpp"
#include "native/asio.hpp"
#include "native/config.hpp"
#include "native/live_event.hpp"
#include "native/live_hub.hpp"
#include "native/rooms.hpp"
#include "native/local_delivery.hpp"
#include "native/mailpit_api.hpp"
#include "native/spool.hpp"
#include "native/users.hpp"

namespace relaylab::native {

struct Metrics {
    std::uint64_t sessions_total = 0, sessions_active = 0, sessions_refused = 0;
    std::uint64_t messages_accepted = 0, messages_rejected_storage = 0;
    std::uint64_t delivered = 0, relayed = 0, deferred = 0, bounced = 0, dsn_sent = 0;
    std::uint64_t tls_handshakes = 0, tls_resumed = 0, tls_failures = 0, auth_ok = 0, auth_failures = 0;
    std::uint64_t bytes_accepted = 0;
    // AUTH: argon2id verifications run (cache misses, unknown users), failures answered late,
    // lockouts begun and AUTH commands refused with 454 4.7.0 while locked out.
    std::uint64_t auth_hashes = 0, auth_hashes_active = 0, auth_delayed = 0, auth_lockouts = 0,
                  auth_locked_refusals = 0;
    // Descriptors: the soft RLIMIT_NOFILE in force, the SMTP connection limit that fits in it,
    // accepts that failed for want of descriptors (EMFILE/ENFILE) and connections answered
    // "421 4.3.2" with the reserve descriptor; HTTP connections open and refused by the cap.
    std::uint64_t fd_limit = 0, connections_limit = 0, accept_fd_exhausted = 0, fd_refused = 0;
    std::uint64_t http_active = 0, http_refused = 0;
    // Refused by the rate limits: connections per address, messages and recipients per user.
    std::uint64_t rate_connections = 0, rate_messages = 0, rate_recipients = 0;
    // Chaos switches: replies refused or deferred on purpose, connections dropped after DATA.
    std::uint64_t chaos_refusals = 0, chaos_drops = 0;
};

struct QEntry {
    QueuedMessage q;
    SpoolInfo info;
    bool busy = false;
};

// One message handed to an outbound channel, and what became of it.
struct OutJob {
    explicit OutJob(net::io_context& io) : signal(io) {}
    const OutgoingMessage* msg = nullptr;
    std::string queue_id;  // the live view's thread of the message
    std::optional<std::string> connect_error;  // the connection could not be made
    SessionReport report;
    bool done = false;
    bool resend = false;  // no session took it: try another channel
    net::steady_timer signal;
};

struct Channel {
    explicit Channel(net::io_context& io) : wake(io) {}
    std::deque<OutJob*> waiting;  // not yet handed to the session
    bool accepting = true;        // false once quitting or closed
    net::steady_timer wake;       // cancelled when a job arrives
    std::size_t in_session = 0;   // handed to the session, outcome not known yet
    std::size_t load() const { return waiting.size() + in_session; }
};

struct LiveUpgrade;  // a WebSocket upgrade request (live_ws.hpp)

struct Listener {
    Role role;
    std::string address;
    std::unique_ptr<tcp::acceptor> acceptor;
};

class Relay {
public:
    Relay(Config cfg, net::io_context& io);
    bool setup(bool demo_user, std::string& error);
    void start();
    // The inbox's events (Mailpit's WebSocket messages: {"Type":"new","Data":{…list item…}},
    // "update", "delete", "truncate"), as JSON text, on the I/O thread, for every message
    // stored in a capture or local Maildir and every change made through the API. A
    // listener must not block (queue the text and return).
    void add_inbox_listener(std::function<void(const std::string& event_json)> listener) {
        inbox_listeners_.push_back(std::move(listener));
    }

    void stop_pool() {
        pool_.stop();
        pool_.join();
        hash_pool_.stop();
        hash_pool_.join();
    }

private:
    // ---- blocking work on the pool; the coroutine resumes on the I/O thread ----
    // (Not a coroutine: GCC 12 destroys captures of coroutine lambdas twice.)
    // GCC 12 also destroys temporaries of a co_await expression twice: the job is a named
    // local of the caller (it outlives the wait), and only references cross the co_await.
    template <class F>
    auto blocking(F& job) {
        return blocking_on(pool_, job);
    }
    // argon2id runs on its own small pool: the number of its threads bounds the memory the
    // hashes take, and the spool's fsyncs never queue behind a password check.
    template <class F>
    auto hashing(F& job) {
        return blocking_on(hash_pool_, job);
    }
    template <class F>
    auto blocking_on(net::thread_pool& pool, F& job) {
        using R = std::invoke_result_t<F&>;
        F* fp = &job;
        return net::async_initiate<const net::use_awaitable_t<>&, void(R)>(
            [this, fp, &pool](auto handler) {
                auto work = net::make_work_guard(io_);
                net::post(pool, [handler = std::move(handler), fp, work = std::move(work)]() mutable {
                    R r = (*fp)();
                    auto ex = net::get_associated_executor(handler, work.get_executor());
                    net::post(ex, [handler = std::move(handler), r = std::move(r)]() mutable {
                        std::move(handler)(std::move(r));
                    });
                });
            },
            use_awaitable);
    }

    // relay.cpp
    void refresh_users();
    void check_hash_memory();
    RelayPolicy policy() const;
    awaitable<void> on_signal();
    awaitable<void> on_hangup();

    // inbound.cpp (AUTH)
    awaitable<void> authenticate(ServerSession& s, const AuthEvent& auth, const RelayClient& client, std::uint64_t sid);
    std::string credentials_digest(const std::string& user, const std::string& password, const std::string& hash) const;
    std::string new_queue_id() { return make_queue_id(seed_, ++id_counter_); }

    // accept.cpp: descriptor limits, and accepting when the descriptor table is full
    void fit_descriptors();
    awaitable<bool> accept_failed(tcp::acceptor& acc, const boost::system::error_code& ec, std::string_view refusal);

    // inbound.cpp
    awaitable<void> accept_loop(Listener& l);
    awaitable<void> smtp_session(tcp::socket sock, Role role);
    awaitable<void> handle_event(ServerSession& s, ServerEvent& ev, const RelayClient& client, std::uint64_t sid,
                                 bool& starttls, bool& drop);
    std::optional<Reply> chaos_refusal(ChaosStage stage, std::uint64_t sid);  // logged and counted
    std::optional<Reply> chaos_greylisted(const RelayClient& client, const Path& from, const Path& to,
                                          std::uint64_t sid);
    awaitable<void> accept_message(ServerSession& s, MessageEvent& msg, const RelayClient& client, std::uint64_t sid);

    // queue.cpp
    void kick(const std::string& id) {
        ready_.push_back(id);
        wake_.cancel();
    }
    awaitable<void> queue_runner();
    awaitable<void> deliver_message(std::string id);
    // `captured` (when given) gets, per recipient of the group, whether the sandbox captured
    // it rather than a mailbox or a next hop taking it.
    awaitable<std::vector<AttemptResult>> deliver_local(const QueuedMessage& q, const DeliveryGroup& group,
                                                        const std::string& content,
                                                        std::vector<bool>* captured = nullptr);
    awaitable<std::vector<AttemptResult>> deliver_domain(const QueuedMessage& q, const DeliveryGroup& group,
                                                         const std::string& content, bool released = false,
                                                         std::vector<bool>* captured = nullptr);
    awaitable<DnsAddressAnswer> addresses_of(const std::string& name, AddressType type);
    awaitable<void> send_notices(QEntry& e, const std::string& content);

    // outbound.cpp
    awaitable<void> smtp_client(OutJob& job, const Connect& target);
    awaitable<void> run_channel(std::shared_ptr<Channel> ch, Connect target);

    // inbox.cpp
    void setup_inbox();
    void inbox_stored(const std::string& path);  // a Maildir file was written: announce it
    void publish_inbox_events(const std::vector<std::string>& events);
    // The API's answer to a request under /api/v1/ (nullopt: not one of its paths); an
    // accepted release is queued here before the answer goes out.
    awaitable<std::optional<ApiResponse>> inbox_request(std::string method, std::string target, std::string body);
    awaitable<int> queue_release(const ReleaseRequest& release);

    // live_relay.cpp, live_ws.cpp: the live view (live_hub.hpp) and /api/events
    std::optional<LiveContext> live_open(const std::string& id, const std::string& role, const std::string& client,
                                         const std::string& server, bool server_local);
    void live_emit(LiveContext& c, std::vector<TraceEvent> events);
    void live_close(const std::optional<LiveContext>& c, const std::string& status);
    // The message's queue thread; `next_attempt_at`: a deferred recipient's next try (wall clock ms).
    void live_queue_event(const QueuedMessage& q, TraceEvent e, std::int64_t next_attempt_at = -1);
    void live_accepted(std::uint64_t sid, const QueuedMessage& q);
    void live_dns(const QueuedMessage& q, const TraceDns& answer);
    void live_connect_failed(const QueuedMessage& q, const Connect& target, const std::string& why);
    void live_result(const QueuedMessage& q, const QueuedRecipient& r, const Reply& reply, const std::string& via,
                     bool captured = false);
    void live_notice(const QueuedMessage& original, const QueuedMessage& notice, DsnAction action);
    std::optional<ApiResponse> live_rest(const std::string& target) const;
    awaitable<void> live_upgrade(LiveUpgrade& up);
    // room_relay.cpp: workshop rooms (rooms.hpp); admin: the request passed the admin check
    std::optional<ApiResponse> room_request(const std::string& method, const std::string& target,
                                            const std::string& body, bool admin);

    // http.cpp
    awaitable<void> http_loop(tcp::acceptor& acc);
    awaitable<void> http_session(tcp::socket sock);
    std::string metrics_text() const;
    void chaos_changed();  // after PUT /api/v1/chaos

    // Chaos switches (engine/chaos.hpp): off until set over /api/v1/chaos; in memory only.
    ChaosSettings chaos_;
    Greylist greylist_;
    std::uint64_t chaos_messages_ = 0;  // complete messages since the switches were set

    Config cfg_;
    DeliveryPolicy delivery_;
    DeliveryPolicy release_policy_;  // released inbox mail: sandbox.release_via, never the capture
    LocalDelivery local_;
    net::io_context& io_;
    net::thread_pool pool_;
    net::thread_pool hash_pool_;
    // Server TLS per listener role (tls_profile.hpp): mx_tls_ broad (port 25, opportunistic),
    // submission_tls_ Mozilla intermediate (submission and submissions).
    ssl::context mx_tls_, submission_tls_, client_tls_;
    ssl::context& server_tls(Role role) { return role == Role::mx ? mx_tls_ : submission_tls_; }
    Spool spool_;
    UserDb users_;
    std::int64_t users_mtime_ = -1;
    std::string dummy_hash_;
    AuthCache auth_cache_;
    AuthThrottle auth_throttle_;
    RateLimiter connection_rate_, message_rate_, recipient_rate_;  // limits.*_per_minute/_per_hour
    std::string cache_key_;  // random per process: the cache's digests are useless elsewhere
    std::uint64_t seed_ = 0, id_counter_ = 0, session_counter_ = 0, dsn_counter_ = 0;
    Metrics m_;
    std::vector<Listener> listeners_;
    std::unique_ptr<tcp::acceptor> http_acceptor_;
    std::string web_dir_;
    std::map<std::string, int> per_ip_;
    int active_ = 0;
    int reserve_fd_ = -1;  // spent to accept and refuse a connection when the table is full
    bool stopping_ = false;

    std::map<std::string, QEntry> queue_;
    std::deque<std::string> ready_;
    int deliveries_ = 0;
    std::int64_t next_scan_ms_ = 0;
    net::steady_timer wake_;
    std::map<std::string, std::vector<std::shared_ptr<Channel>>> channels_;  // by target and TLS policy
    TlsFailureMemory tls_memory_;

    std::unique_ptr<MaildirInbox> inbox_store_;
    std::unique_ptr<MailpitApi> inbox_api_;
    std::vector<std::function<void(const std::string&)>> inbox_listeners_;
    std::int64_t started_ms_ = 0;
    LiveHub live_;
    Rooms rooms_;
    bool live_inbox_hooked_ = false;
    std::uint64_t live_out_counter_ = 0;
};

// The web UI folder: $RELAYLAB_WEB_DIR, or build/web beside the binary's build folder.
std::string find_web_dir();

}  // namespace relaylab::native
