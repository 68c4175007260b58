// `relaylab serve`: the real relay. Boost.Asio C++20 coroutines move bytes between sockets,
// disk and the sans-I/O engine (ServerSession, ClientSession, relay policy, MX plan, queue
// model, DSN); every protocol decision is the engine's. One I/O thread; blocking work (fsync,
// argon2id, c-ares) runs on a small worker pool and the coroutine resumes on the I/O thread.
// This is the only translation unit with Asio (it is slow to compile: TOOLCHAIN.md).
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <csignal>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "engine/ascii.hpp"
#include "engine/client_session.hpp"
#include "engine/dsn.hpp"
#include "engine/ids.hpp"
#include "engine/mx.hpp"
#include "engine/queue_model.hpp"
#include "engine/received.hpp"
#include "engine/relay_policy.hpp"
#include "engine/server_session.hpp"
#include "native/commands.hpp"
#include "native/config.hpp"
#include "native/dns.hpp"
#include "native/log.hpp"
#include "native/spool.hpp"
#include "native/tls_cert.hpp"
#include "native/users.hpp"

namespace relaylab::native {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now().time_since_epoch()).count();
}
std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string domain_of(const std::string& address) {
    auto at = address.rfind('@');
    return at == std::string::npos ? std::string() : ascii_lowercase(address.substr(at + 1));
}
std::string local_of(const std::string& address) {
    auto at = address.rfind('@');
    return at == std::string::npos ? address : address.substr(0, at);
}
// A folder name from mail-address text: no '/', no leading dot.
std::string safe_component(std::string s) {
    s = ascii_lowercase(std::move(s));
    for (char& c : s)
        if (c == '/' || c == '\0' || static_cast<unsigned char>(c) < 0x20) c = '_';
    if (s.empty() || s[0] == '.') s = "_" + s;
    return s;
}
Path path_of(const std::string& address) {
    Path p;
    if (address.empty()) {
        p.null = true;
        return p;
    }
    auto at = address.rfind('@');
    p.mailbox.local_part = at == std::string::npos ? address : address.substr(0, at);
    p.mailbox.domain = at == std::string::npos ? std::string() : address.substr(at + 1);
    return p;
}

struct Metrics {
    std::uint64_t sessions_total = 0, sessions_active = 0, sessions_refused = 0;
    std::uint64_t messages_accepted = 0, messages_rejected_storage = 0;
    std::uint64_t delivered = 0, deferred = 0, bounced = 0, dsn_sent = 0;
    std::uint64_t tls_handshakes = 0, tls_failures = 0, auth_ok = 0, auth_failures = 0;
    std::uint64_t bytes_accepted = 0;
};

// One TCP connection, plain or TLS, with a watchdog deadline: when it passes, pending socket
// operations are cancelled (not closed), so the session can still say "421" and close.
struct Conn : std::enable_shared_from_this<Conn> {
    tcp::socket sock;
    std::unique_ptr<ssl::stream<tcp::socket&>> tls;
    net::steady_timer timer;
    steady::time_point deadline = steady::time_point::max();
    bool timed_out = false, closed = false;

    explicit Conn(tcp::socket s) : sock(std::move(s)), timer(sock.get_executor()) {
        timer.expires_at(steady::time_point::max());
    }
    void start_watchdog() { net::co_spawn(sock.get_executor(), watch(shared_from_this()), net::detached); }
    static awaitable<void> watch(std::shared_ptr<Conn> self) {
        while (!self->closed) {
            boost::system::error_code ec;
            co_await self->timer.async_wait(net::redirect_error(use_awaitable, ec));
            if (self->closed) break;
            if (steady::now() >= self->deadline) {
                self->timed_out = true;
                self->deadline = steady::time_point::max();
                self->sock.cancel(ec);
            }
            self->timer.expires_at(self->deadline);
        }
    }
    void expires_after(std::chrono::milliseconds d) {
        timed_out = false;
        deadline = steady::now() + d;
        if (deadline < timer.expiry()) timer.expires_at(deadline);  // wakes the watchdog to re-arm
    }
    void close() {
        closed = true;
        boost::system::error_code ec;
        timer.cancel();
        sock.shutdown(tcp::socket::shutdown_both, ec);
        sock.close(ec);
    }
    awaitable<std::size_t> read_some(net::mutable_buffer b, boost::system::error_code& ec) {
        if (tls) co_return co_await tls->async_read_some(b, net::redirect_error(use_awaitable, ec));
        co_return co_await sock.async_read_some(b, net::redirect_error(use_awaitable, ec));
    }
    awaitable<void> write(const std::string& data, boost::system::error_code& ec) {
        if (tls)
            co_await net::async_write(*tls, net::buffer(data), net::redirect_error(use_awaitable, ec));
        else
            co_await net::async_write(sock, net::buffer(data), net::redirect_error(use_awaitable, ec));
    }
    awaitable<void> handshake(ssl::context& ctx, ssl::stream_base::handshake_type type, const std::string& sni,
                              boost::system::error_code& ec) {
        tls = std::make_unique<ssl::stream<tcp::socket&>>(sock, ctx);
        if (!sni.empty()) SSL_set_tlsext_host_name(tls->native_handle(), sni.c_str());
        co_await tls->async_handshake(type, net::redirect_error(use_awaitable, ec));
    }
    std::string tls_version() const { return tls ? SSL_get_version(tls->native_handle()) : ""; }
};

std::string find_web_dir();

struct QEntry {
    QueuedMessage q;
    SpoolInfo info;
    bool busy = false;
};

// One message handed to an outbound channel, and what became of it.
struct OutJob {
    explicit OutJob(net::io_context& io) : signal(io) {}
    const OutgoingMessage* msg = nullptr;
    std::optional<MessageOutcome> outcome;
    SessionFailure failure = SessionFailure::none;
    std::optional<Reply> failure_reply;
    bool tls_broken = false;
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

struct Listener {
    ListenerRole role;
    std::string address;
    std::unique_ptr<tcp::acceptor> acceptor;
};

class Relay {
public:
    Relay(Config cfg, net::io_context& io)
        : cfg_(std::move(cfg)),
          io_(io),
          pool_(16),  // fsyncs, argon2id and DNS block: concurrent fsyncs share journal commits
          server_tls_(ssl::context::tls_server),
          client_tls_(ssl::context::tls_client),
          spool_(cfg_.state_dir, cfg_.relay.fsync),
          wake_(io) {
        randombytes_buf(&seed_, sizeof seed_);
        retry_.base_delays_ms.clear();
        for (int f : {1, 5, 10, 20, 40, 60}) retry_.base_delays_ms.push_back(cfg_.relay.retry_base_ms * f);
        retry_.max_lifetime_ms = cfg_.relay.max_lifetime_ms;
        wake_.expires_at(steady::time_point::max());
    }

    bool setup(bool demo_user, std::string& error);
    void start();
    void stop_pool() {
        pool_.stop();
        pool_.join();
    }

private:
    // ---- blocking work on the pool; the coroutine resumes on the I/O thread ----
    // (Not a coroutine: GCC 12 destroys captures of coroutine lambdas twice.)
    // GCC 12 also destroys temporaries of a co_await expression twice: the job is a named
    // local of the caller (it outlives the wait), and only references cross the co_await.
    template <class F>
    auto blocking(F& job) {
        using R = std::invoke_result_t<F&>;
        F* fp = &job;
        return net::async_initiate<const net::use_awaitable_t<>&, void(R)>(
            [this, fp](auto handler) {
                auto work = net::make_work_guard(io_);
                net::post(pool_, [handler = std::move(handler), fp, work = std::move(work)]() mutable {
                    R r = (*fp)();
                    auto ex = net::get_associated_executor(handler, work.get_executor());
                    net::post(ex, [handler = std::move(handler), r = std::move(r)]() mutable {
                        std::move(handler)(std::move(r));
                    });
                });
            },
            use_awaitable);
    }
    awaitable<DnsAddressAnswer> addresses_of(const std::string& name) {
        if (parse_ip_address(name)) co_return DnsAddressAnswer{DnsStatus::ok, {name}};
        const auto servers = cfg_.relay.dns_servers;
        auto job = [&] { return resolve_a(servers, name); };
        DnsAddressAnswer a = co_await blocking(job);
        co_return a;
    }

    void refresh_users();
    RelayPolicy policy() const;
    awaitable<void> accept_loop(Listener& l);
    awaitable<void> smtp_session(tcp::socket sock, ListenerRole role);
    awaitable<void> handle_event(ServerSession& s, ServerEvent& ev, const RelayClient& client, std::uint64_t sid,
                                 bool& starttls);
    awaitable<void> accept_message(ServerSession& s, MessageEvent& msg, const RelayClient& client, std::uint64_t sid);
    std::string new_queue_id() { return make_queue_id(seed_, ++id_counter_); }

    // queue
    void kick(const std::string& id) {
        ready_.push_back(id);
        wake_.cancel();
    }
    awaitable<void> queue_runner();
    awaitable<void> deliver_message(std::string id);
    awaitable<std::vector<std::pair<Reply, std::string>>> deliver_remote(const QueuedMessage& q,
                                                                         const std::vector<std::size_t>& idx,
                                                                         const std::string& domain,
                                                                         const std::string& content);
    awaitable<std::optional<MessageOutcome>> smtp_client(const std::string& ip, std::uint16_t port,
                                                         const std::string& mx_name, const OutgoingMessage& msg,
                                                         bool plaintext, bool& tls_broken, SessionFailure& failure,
                                                         std::optional<Reply>& failure_reply);
    awaitable<void> run_channel(std::shared_ptr<Channel> ch, std::string ip, std::uint16_t port, std::string mx_name,
                                bool plaintext);
    awaitable<void> send_dsn(QEntry& e, DsnAction action, const std::string& content);
    Reply deliver_local_sync(const std::string& address, const std::string& content, bool known_user);

    // http
    awaitable<void> http_loop(tcp::acceptor& acc);
    awaitable<void> http_session(tcp::socket sock);
    std::string metrics_text() const;
    awaitable<void> on_signal();

    Config cfg_;
    net::io_context& io_;
    net::thread_pool pool_;
    ssl::context server_tls_, client_tls_;
    Spool spool_;
    UserDb users_;
    std::int64_t users_mtime_ = -1;
    std::string dummy_hash_;
    std::uint64_t seed_ = 0, id_counter_ = 0, session_counter_ = 0, dsn_counter_ = 0;
    RetryPolicy retry_;
    Metrics m_;
    std::vector<Listener> listeners_;
    std::unique_ptr<tcp::acceptor> http_acceptor_;
    std::string web_dir_;
    std::map<std::string, int> per_ip_;
    int active_ = 0;
    bool stopping_ = false;

    std::map<std::string, QEntry> queue_;
    std::deque<std::string> ready_;
    int deliveries_ = 0;
    std::int64_t next_scan_ms_ = 0;
    net::steady_timer wake_;
    std::map<std::string, std::vector<std::shared_ptr<Channel>>> channels_;  // by "ip:port:tls|plain"
    std::map<std::string, std::int64_t> tls_broken_until_;  // "ip:port" → wall ms
};

// ---------------------------------------------------------------- setup

void Relay::refresh_users() {
    struct stat st {};
    const std::int64_t mtime = ::stat(cfg_.auth.users_file.c_str(), &st) == 0
                                   ? static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec
                                   : 0;
    if (mtime == users_mtime_) return;
    std::string error;
    if (auto db = load_users(cfg_.auth.users_file, error)) {
        users_ = std::move(*db);
        users_mtime_ = mtime;
    } else {
        log_event("users-error", {{"error", error}});
    }
}

RelayPolicy Relay::policy() const {
    RelayPolicy p;
    p.local_domains = cfg_.relay.local_domains;
    p.local_users = users_.addresses();
    p.trusted_networks = cfg_.relay.trusted_networks;
    return p;
}

bool Relay::setup(bool demo_user, std::string& error) {
    std::error_code ec;
    std::filesystem::create_directories(cfg_.state_dir, ec);
    if (ec) {
        error = "cannot create state_dir " + cfg_.state_dir + ": " + ec.message();
        return false;
    }
    refresh_users();
    if (demo_user && users_.hashes.empty()) {
        const std::string address =
            "demo@" + (cfg_.relay.local_domains.empty() ? std::string("lab.test") : cfg_.relay.local_domains[0]);
        const std::string password = random_password();
        if (!add_user(cfg_.auth.users_file, address, password, error)) return false;
        std::printf("relaylab: created the demo user %s with password %s (shown once; stored hashed in %s)\n",
                    address.c_str(), password.c_str(), cfg_.auth.users_file.c_str());
        std::fflush(stdout);
        users_mtime_ = -1;
        refresh_users();
    }
    // TLS: the configured pair, or a self-signed one made on first start.
    std::string cert = cfg_.tls.cert, key = cfg_.tls.key;
    if (cert.empty() && !ensure_self_signed(cfg_.state_dir + "/tls", cfg_.hostname, cert, key, error)) return false;
    try {
        // RFC 8996 / RFC 8314 §4.1: TLS 1.2 or later only.
        server_tls_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                                ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
        SSL_CTX_set_min_proto_version(server_tls_.native_handle(), TLS1_2_VERSION);
        server_tls_.use_certificate_chain_file(cert);
        server_tls_.use_private_key_file(key, ssl::context::pem);
    } catch (const std::exception& e) {
        error = "TLS certificate " + cert + " / key " + key + ": " + e.what();
        return false;
    }
    // Outbound: opportunistic STARTTLS does not verify the peer (RFC 7435); a failed
    // handshake falls back as the engine decides.
    SSL_CTX_set_min_proto_version(client_tls_.native_handle(), TLS1_2_VERSION);
    client_tls_.set_verify_mode(ssl::verify_none);

    web_dir_ = find_web_dir();
    if (!spool_.init(error)) return false;
    std::vector<std::string> problems;
    for (auto& [q, info] : spool_.recover(problems)) {
        const std::string id = q.id;
        queue_[id] = QEntry{std::move(q), info, false};
        ready_.push_back(id);
    }
    for (const auto& p : problems) log_event("spool-problem", {{"detail", p}});
    log_event("spool-recovered", {{"messages", std::to_string(queue_.size())}});

    const std::pair<ListenerRole, std::string> wanted[] = {{ListenerRole::mx, cfg_.listen.smtp},
                                                           {ListenerRole::submission, cfg_.listen.submission},
                                                           {ListenerRole::submissions, cfg_.listen.submissions}};
    auto open = [&](const std::string& addr, std::unique_ptr<tcp::acceptor>& out) -> bool {
        std::string host;
        std::uint16_t port = 0;
        if (!split_host_port(addr, host, port)) {
            error = "bad listen address " + addr;
            return false;
        }
        boost::system::error_code bec;
        auto ip = net::ip::make_address(host, bec);
        if (bec) {
            error = "listen address " + addr + ": not an IP address";
            return false;
        }
        auto acc = std::make_unique<tcp::acceptor>(io_);
        tcp::endpoint ep(ip, port);
        acc->open(ep.protocol(), bec);
        if (!bec) acc->set_option(net::socket_base::reuse_address(true), bec);
        if (!bec) acc->bind(ep, bec);
        if (!bec) acc->listen(net::socket_base::max_listen_connections, bec);
        if (bec) {
            error = "cannot listen on " + addr + ": " + bec.message();
            return false;
        }
        out = std::move(acc);
        return true;
    };
    for (const auto& [role, addr] : wanted) {
        if (addr.empty()) continue;
        Listener l{role, addr, nullptr};
        if (!open(addr, l.acceptor)) return false;
        listeners_.push_back(std::move(l));
    }
    if (!cfg_.listen.http.empty() && !open(cfg_.listen.http, http_acceptor_)) return false;
    return true;
}

void Relay::start() {
    for (auto& l : listeners_) net::co_spawn(io_, accept_loop(l), net::detached);
    if (http_acceptor_) net::co_spawn(io_, http_loop(*http_acceptor_), net::detached);
    net::co_spawn(io_, queue_runner(), net::detached);
    net::co_spawn(io_, on_signal(), net::detached);
    std::string where;
    for (const auto& l : listeners_) where += std::string(" ") + listener_role_name(l.role) + "=" + l.address;
    log_event("relay-started", {{"hostname", cfg_.hostname},
                                {"mode", relay_mode_name(cfg_.relay.mode)},
                                {"listen", where.empty() ? "" : where.substr(1)},
                                {"http", cfg_.listen.http}});
    if (http_acceptor_) {
        std::printf("relaylab: web UI at http://%s/\n", cfg_.listen.http.c_str());
        std::fflush(stdout);
    }
}

awaitable<void> Relay::on_signal() {
    net::signal_set signals(io_, SIGINT, SIGTERM);
    boost::system::error_code ec;
    int sig = co_await signals.async_wait(net::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    log_event("relay-stopping", {{"signal", std::to_string(sig)}, {"sessions", std::to_string(active_)}});
    // Stop accepting; sessions finish (bounded); queued mail stays on disk for the next start.
    stopping_ = true;
    for (auto& l : listeners_) l.acceptor->close(ec);
    if (http_acceptor_) http_acceptor_->close(ec);
    wake_.cancel();
    net::steady_timer t(io_);
    for (int i = 0; i < 100 && (active_ > 0 || deliveries_ > 0); ++i) {
        t.expires_after(100ms);
        co_await t.async_wait(net::redirect_error(use_awaitable, ec));
    }
    log_event("relay-stopped", {{"queued", std::to_string(queue_.size())}});
    io_.stop();
}

// ---------------------------------------------------------------- SMTP server

awaitable<void> Relay::accept_loop(Listener& l) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket sock = co_await l.acceptor->async_accept(net::redirect_error(use_awaitable, ec));
        if (ec) {
            if (stopping_ || !l.acceptor->is_open()) co_return;
            continue;  // e.g. EMFILE: keep serving the others
        }
        net::co_spawn(io_, smtp_session(std::move(sock), l.role), net::detached);
    }
}

awaitable<void> Relay::smtp_session(tcp::socket sock, ListenerRole role) {
    boost::system::error_code ec;
    auto remote = sock.remote_endpoint(ec);
    if (ec) co_return;
    std::string ip = remote.address().to_string();
    if (remote.address().is_v6() && remote.address().to_v6().is_v4_mapped())
        ip = net::ip::make_address_v4(net::ip::v4_mapped, remote.address().to_v6()).to_string();
    auto conn = std::make_shared<Conn>(std::move(sock));
    conn->start_watchdog();
    const std::uint64_t sid = ++session_counter_;
    // Connection limits: overall and per client address (RFC 5321 §4.3.2: 421 at greeting).
    if (active_ >= cfg_.limits.connections || per_ip_[ip] >= cfg_.limits.per_ip || stopping_) {
        ++m_.sessions_refused;
        log_event("session-refused", {{"session", std::to_string(sid)}, {"ip", ip}, {"reason", "connection limit"}});
        conn->expires_after(5s);
        const std::string busy = "421 4.7.0 " + cfg_.hostname + " too many connections, try again later\r\n";
        co_await conn->write(busy, ec);
        conn->close();
        if (per_ip_[ip] == 0) per_ip_.erase(ip);
        co_return;
    }
    ++active_;
    ++per_ip_[ip];
    ++m_.sessions_total;
    ++m_.sessions_active;
    const auto started = steady::now();
    const std::string no_sni;
    refresh_users();
    log_event("session-open", {{"session", std::to_string(sid)}, {"role", listener_role_name(role)}, {"ip", ip}});
    std::string reason = "quit";
    std::uint64_t messages = 0;
    try {
        const bool implicit = role == ListenerRole::submissions;
        std::string tls_version;
        if (implicit) {  // RFC 8314 §3.3: TLS from the first byte
            conn->expires_after(30s);
            co_await conn->handshake(server_tls_, ssl::stream_base::server, no_sni, ec);
            if (ec) {
                ++m_.tls_failures;
                throw std::runtime_error("tls handshake: " + ec.message());
            }
            ++m_.tls_handshakes;
            tls_version = conn->tls_version();
        }
        ServerConfig sc;
        sc.role = role == ListenerRole::mx ? Role::mx : role == ListenerRole::submission ? Role::submission
                                                                                           : Role::submissions;
        sc.hostname = cfg_.hostname;
        sc.tls_available = true;
        sc.max_message_size = cfg_.relay.max_message_size;
        sc.trace = false;
        sc.command_timeout_ms = cfg_.limits.command_timeout_ms;
        sc.data_timeout_ms = 2 * cfg_.limits.command_timeout_ms;
        ServerSession s(sc, steady_ms(), implicit);
        if (implicit) s.set_tls_version(tls_version);
        RelayClient client;
        client.role = role;
        client.ip = ip;
        std::string buf(8 * 1024, '\0');  // per connection: keep idle sessions small
        for (;;) {
            bool starttls = false;
            while (auto ev = s.next_event()) {
                if (s.connection().authenticated) client.auth_user = s.connection().auth_user;
                co_await handle_event(s, *ev, client, sid, starttls);
                if (std::holds_alternative<MessageEvent>(*ev)) ++messages;
            }
            std::string out = s.take_output();
            if (!out.empty()) {
                conn->expires_after(60s);
                co_await conn->write(out, ec);
                if (ec) throw std::runtime_error("write: " + ec.message());
            }
            if (starttls) {
                conn->expires_after(30s);
                co_await conn->handshake(server_tls_, ssl::stream_base::server, no_sni, ec);
                if (ec) {
                    ++m_.tls_failures;
                    throw std::runtime_error("starttls handshake: " + ec.message());
                }
                ++m_.tls_handshakes;
                s.tls_established(conn->tls_version(), steady_ms());
                continue;
            }
            if (s.wants_close()) break;
            const std::int64_t dl = s.next_deadline();
            const std::int64_t wait = dl == ServerSession::k_no_deadline ? 600'000 : std::max<std::int64_t>(1, dl - steady_ms());
            conn->expires_after(std::chrono::milliseconds(wait));
            std::size_t n = co_await conn->read_some(net::buffer(buf), ec);
            if (conn->timed_out) {
                reason = "timeout";
                s.on_timeout(steady_ms());  // "421 4.4.2" and close
                continue;
            }
            if (ec) {
                if (ec != net::error::eof && ec != ssl::error::stream_truncated) reason = "read: " + ec.message();
                else reason = "eof";
                s.feed_eof(steady_ms());
                (void)s.take_output();  // the client is gone
                break;
            }
            s.feed(std::string_view(buf.data(), n), steady_ms());
        }
    } catch (const std::exception& e) {
        reason = e.what();
    }
    conn->close();
    --active_;
    --m_.sessions_active;
    if (--per_ip_[ip] <= 0) per_ip_.erase(ip);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started).count();
    log_event("session-close", {{"session", std::to_string(sid)},
                                {"ip", ip},
                                {"messages", std::to_string(messages)},
                                {"ms", std::to_string(ms)},
                                {"reason", reason}});
}

awaitable<void> Relay::handle_event(ServerSession& s, ServerEvent& ev, const RelayClient& client, std::uint64_t sid,
                                    bool& starttls) {
    const std::int64_t now = steady_ms();
    if (std::holds_alternative<HeloEvent>(ev)) {
        s.accept(now);
    } else if (auto* mail = std::get_if<MailEvent>(&ev)) {
        if (auto r = check_sender(policy(), client, mail->from)) s.reject(*r, now);
        else s.accept(now);
    } else if (auto* rcpt = std::get_if<RcptEvent>(&ev)) {
        if (auto r = check_recipient(policy(), client, rcpt->to)) s.reject(*r, now);
        else s.accept(now);
    } else if (auto* auth = std::get_if<AuthEvent>(&ev)) {
        auto it = users_.hashes.find(ascii_lowercase(auth->username));
        // Unknown users cost the same argon2id work as known ones (no user enumeration by timing).
        // (A member, not a static local: GCC 12 destroys statics declared in coroutines.)
        if (dummy_hash_.empty()) dummy_hash_ = hash_password(random_password());
        const std::string hash = it == users_.hashes.end() ? dummy_hash_ : it->second;
        const std::string password = auth->password;
        auto job = [&] { return verify_password(hash, password); };
        bool ok = co_await blocking(job);
        ok = ok && it != users_.hashes.end();
        if (ok) {
            ++m_.auth_ok;
            s.accept(steady_ms());
        } else {
            ++m_.auth_failures;
            log_event("auth-failed", {{"session", std::to_string(sid)}, {"ip", client.ip}, {"user", auth->username}});
            // RFC 4954 §6: 535 5.7.8 authentication credentials invalid.
            s.reject(make_reply(535, "5.7.8", "Authentication credentials invalid"), steady_ms());
        }
    } else if (std::holds_alternative<StartTlsEvent>(ev)) {
        starttls = true;
    } else if (auto* msg = std::get_if<MessageEvent>(&ev)) {
        co_await accept_message(s, *msg, client, sid);
    }
}

awaitable<void> Relay::accept_message(ServerSession& s, MessageEvent& msg, const RelayClient& client,
                                      std::uint64_t sid) {
    if (auto r = check_hop_count(msg.content)) {  // RFC 5321 §6.3 loop detection
        s.reject(*r, steady_ms());
        co_return;
    }
    const std::string id = new_queue_id();
    ReceivedInfo info;
    info.helo = msg.envelope.helo;
    info.client_ip = client.ip;
    info.hostname = cfg_.hostname;
    info.with = with_protocol_for(msg.envelope.esmtp, msg.envelope.tls, !msg.envelope.auth_user.empty());
    info.tls_version = msg.envelope.tls_version;
    info.queue_id = id;
    if (msg.envelope.rcpts.size() == 1) info.for_recipient = msg.envelope.rcpts[0].first.mailbox.to_string();
    info.time_ms = wall_ms();
    std::string content = make_received_header(info) + msg.content;

    QEntry e;
    e.q = queued_message(id, msg.envelope.from, msg.envelope.mail_params, wall_ms());
    std::string rcpt_list;
    for (const auto& [path, params] : msg.envelope.rcpts) {
        QueuedRecipient r = queued_recipient(path, params);
        rcpt_list += (rcpt_list.empty() ? "" : ",") + r.address;
        e.q.recipients.push_back(std::move(r));
    }
    e.info.client_ip = client.ip;
    e.info.auth_user = msg.envelope.auth_user;
    e.info.size = content.size();
    // Durable first, then "250" (RFC 5321 §6.1: once accepted, the message is our responsibility).
    const QueuedMessage& q = e.q;
    const SpoolInfo& si = e.info;
    Spool& spool = spool_;
    auto job = [&] { return spool.commit(q, si, content); };
    const int err = co_await blocking(job);
    if (err) {
        ++m_.messages_rejected_storage;
        const Reply r = commit_failure_reply(err);
        log_event("message-not-queued",
                  {{"session", std::to_string(sid)}, {"error", std::strerror(err)}, {"reply", r.summary()}});
        s.reject(r, steady_ms());
        co_return;
    }
    s.accept_message(id, steady_ms());
    ++m_.messages_accepted;
    m_.bytes_accepted += content.size();
    log_event("message-accepted", {{"session", std::to_string(sid)},
                                   {"id", id},
                                   {"size", std::to_string(content.size())},
                                   {"from", e.q.sender.empty() ? "<>" : e.q.sender},
                                   {"to", rcpt_list}});
    queue_[id] = std::move(e);
    kick(id);
}

// ---------------------------------------------------------------- queue and delivery

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
                if (!due_recipients(e.q, now).empty()) {
                    ready_.push_back(id);
                } else if (auto w = next_wakeup_ms(e.q, retry_)) {
                    next_scan_ms_ = std::min(next_scan_ms_, std::max(*w, now + 1));
                } else if (is_done(e.q)) {
                    ready_.push_back(id);  // deliver_message tidies it up
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

// Runs on a worker thread: it reads nothing shared but cfg_ (constant after start).
Reply Relay::deliver_local_sync(const std::string& address, const std::string& content, bool known_user) {
    std::string domain = domain_of(address), user = ascii_lowercase(local_of(address));
    if (domain.empty()) {  // <Postmaster>
        domain = cfg_.relay.local_domains.empty() ? "localhost" : ascii_lowercase(cfg_.relay.local_domains[0]);
        user = "postmaster";
    }
    const std::string full = user + "@" + domain;
    if (!known_user && user != "postmaster")
        return make_reply(550, "5.1.1", "No such user here: " + full);  // RFC 3463 X.1.1
    const std::string dir = cfg_.state_dir + "/mail/" + safe_component(domain) + "/" + safe_component(user);
    const int err = maildir_deliver(dir, "Delivered-To: " + full + "\r\n" + content, cfg_.hostname, cfg_.relay.fsync);
    if (err) return commit_failure_reply(err);
    return make_reply(250, "2.0.0", "Delivered to mailbox " + full);
}

awaitable<void> Relay::deliver_message(std::string id) {
    auto it = queue_.find(id);
    QEntry& e = it->second;  // std::map: stable while other entries come and go
    std::string content;
    auto load_job = [&] { return spool_.load_content(id, content); };
    bool loaded = co_await blocking(load_job);
    const std::int64_t now = wall_ms();
    if (!loaded) {
        log_event("spool-problem", {{"id", id}, {"detail", "cannot read the message file"}});
    } else {
        const auto due = due_recipients(e.q, now);
        for (std::size_t i : due) begin_attempt(e.q, i, now);
        const RelayPolicy pol = policy();
        std::vector<std::size_t> local;
        std::map<std::string, std::vector<std::size_t>> remote;  // by domain (or one smarthost group)
        for (std::size_t i : due) {
            const std::string& a = e.q.recipients[i].address;
            const std::string d = domain_of(a);
            if (d.empty() || is_local_domain(d, pol.local_domains)) local.push_back(i);
            else remote[cfg_.relay.mode == RelayMode::smarthost ? std::string() : d].push_back(i);
        }
        auto record = [&](std::size_t i, const Reply& r, const std::string& where) {
            apply_attempt_outcome(e.q, i, r, wall_ms(), retry_, hash64(seed_, id), where);
            const auto& qr = e.q.recipients[i];
            if (qr.state == RecipientState::delivered) ++m_.delivered;
            else if (qr.state == RecipientState::deferred) ++m_.deferred;
            else if (qr.state == RecipientState::bounced) ++m_.bounced;
            log_event("delivery", {{"id", id},
                                   {"rcpt", qr.address},
                                   {"via", where},
                                   {"attempt", std::to_string(qr.attempts)},
                                   {"outcome", recipient_state_name(qr.state)},
                                   {"reply", r.summary()}});
        };
        for (std::size_t i : local) {
            const std::string a = e.q.recipients[i].address;
            const std::string d = domain_of(a);
            const bool known = users_.hashes.count(ascii_lowercase(local_of(a)) + "@" + d) > 0;  // users_ is the I/O thread's
            auto job = [&] { return deliver_local_sync(a, content, known); };
            Reply r = co_await blocking(job);
            record(i, r, "mailbox");
        }
        for (auto& [domain, idx] : remote) {
            if (cfg_.relay.mode == RelayMode::sandbox) {
                // Nothing leaves the machine: keep the message with the route it would take.
                for (std::size_t i : idx) {
                    const std::string a = e.q.recipients[i].address;
                    const std::string header = "X-Relaylab-Captured: mode=sandbox; rcpt=" + a + "; route=MX of " +
                                               domain_of(a) + ", port " + std::to_string(cfg_.relay.outbound_port) +
                                               "; queue-id=" + id + "\r\n";
                    const std::string dir = cfg_.state_dir + "/captured";
                    const bool fs = cfg_.relay.fsync;
                    const std::string host = cfg_.hostname;
                    auto job = [&] { return maildir_deliver(dir, header + content, host, fs); };
                    int err = co_await blocking(job);
                    record(i, err ? commit_failure_reply(err) : make_reply(250, "2.0.0", "Captured (sandbox mode)"),
                           "sandbox");
                }
                continue;
            }
            auto results = co_await deliver_remote(e.q, idx, domain, content);
            for (std::size_t k = 0; k < idx.size(); ++k) record(idx[k], results[k].first, results[k].second);
        }
        co_await send_dsn(e, DsnAction::failed, content);
        co_await send_dsn(e, DsnAction::delayed, content);
    }
    --deliveries_;
    e.busy = false;
    if (is_done(e.q) || !loaded) {
        if (loaded) spool_.remove(id);
        queue_.erase(id);
    } else {
        spool_.save_state(e.q);
        if (auto w = next_wakeup_ms(e.q, retry_)) next_scan_ms_ = std::min(next_scan_ms_, *w);
    }
    wake_.cancel();
}

awaitable<void> Relay::send_dsn(QEntry& e, DsnAction action, const std::string& content) {
    const std::int64_t now = wall_ms();
    auto who = recipients_needing_dsn(e.q, action, now, retry_);
    if (who.empty()) co_return;
    DsnRequest req = make_dsn_request(e.q, who, action, cfg_.hostname, now, retry_, hash64(seed_, "dsn"),
                                      ++dsn_counter_, content);
    DsnResult dsn = compose_dsn(req);
    mark_dsn_sent(e.q, who, action);
    if (dsn.outcome != DsnOutcome::composed) co_return;
    QEntry b;
    b.q.id = new_queue_id();
    b.q.created_ms = now;
    QueuedRecipient r;
    r.address = dsn.envelope_recipient;
    r.notify.never = true;  // a bounce is never bounced (RFC 3461 §6.2)
    b.q.recipients.push_back(r);
    b.info.size = dsn.content.size();
    const QueuedMessage& q = b.q;
    const SpoolInfo& si = b.info;
    const std::string& text = dsn.content;
    auto job = [&] { return spool_.commit(q, si, text); };
    const int err = co_await blocking(job);
    if (err) {
        log_event("dsn-not-queued", {{"for", e.q.id}, {"error", std::strerror(err)}});
        co_return;
    }
    ++m_.dsn_sent;
    log_event("dsn-queued", {{"id", b.q.id},
                             {"for", e.q.id},
                             {"action", dsn_action_name(action)},
                             {"to", dsn.envelope_recipient}});
    const std::string bid = b.q.id;
    queue_[bid] = std::move(b);
    kick(bid);
}

awaitable<std::vector<std::pair<Reply, std::string>>> Relay::deliver_remote(const QueuedMessage& q,
                                                                            const std::vector<std::size_t>& idx,
                                                                            const std::string& domain,
                                                                            const std::string& content) {
    std::vector<std::pair<Reply, std::string>> results(idx.size(), {attempts_exhausted_reply(), std::string()});
    // Targets: (ip, port, name) in order.
    struct Target {
        std::string ip, name;
        std::uint16_t port;
    };
    std::vector<Target> targets;
    std::optional<Reply> failure;
    const auto servers = cfg_.relay.dns_servers;
    if (cfg_.relay.mode == RelayMode::smarthost) {
        std::string host;
        std::uint16_t port = 0;
        split_host_port(cfg_.relay.smarthost, host, port);
        auto a = co_await addresses_of(host);
        if (a.status != DnsStatus::ok) {
            auto job = [&] {
                DnsAddressAnswer out;  // the system resolver (e.g. /etc/hosts names)
                boost::asio::io_context ctx;
                tcp::resolver res(ctx);
                boost::system::error_code ec;
                for (auto& r : res.resolve(tcp::v4(), host, "", ec)) out.addresses.push_back(r.endpoint().address().to_string());
                out.status = out.addresses.empty() ? DnsStatus::servfail : DnsStatus::ok;
                return out;
            };
            a = co_await blocking(job);
        }
        for (const auto& ip : a.addresses) targets.push_back({ip, host, port});
        if (targets.empty()) failure = make_reply(451, "4.4.3", "Cannot resolve smarthost " + host);
    } else {
        const std::string d = domain;
        auto job = [&] { return resolve_mx(servers, d); };
        DnsMxAnswer mx = co_await blocking(job);
        log_event("dns", {{"id", q.id}, {"query", domain + " MX"}, {"status", dns_status_name(mx.status)},
                          {"records", std::to_string(mx.records.size())}});
        std::optional<DnsAddressAnswer> a;
        if (mx.status == DnsStatus::nodata) a = co_await addresses_of(domain);
        const std::vector<std::string> own = {cfg_.hostname};
        MxPlan plan = plan_mx(domain, mx, a ? &*a : nullptr, own, hash64(seed_, q.id));
        if (plan.need_address_lookup) {
            a = co_await addresses_of(domain);
            plan = plan_mx(domain, mx, &*a, own, hash64(seed_, q.id));
        }
        if (plan.failure) {
            failure = *plan.failure;
        } else {
            for (const auto& h : plan.hosts) {
                DnsAddressAnswer ha;
                if (plan.implicit && a) ha = *a;
                else ha = co_await addresses_of(h.exchange);
                for (const auto& ip : ha.addresses)
                    targets.push_back({ip, h.exchange, static_cast<std::uint16_t>(cfg_.relay.outbound_port)});
            }
        }
    }
    if (failure) {
        for (auto& r : results) r = {*failure, cfg_.hostname};
        co_return results;
    }
    OutgoingMessage msg;
    msg.from = path_of(q.sender);
    if (!q.envid.empty()) msg.mail_params.envid = q.envid;
    msg.mail_params.ret = q.ret == DsnRet::hdrs ? Ret::hdrs : q.ret == DsnRet::full ? Ret::full : Ret::unspecified;
    for (std::size_t i : idx) {
        RcptParams p;
        p.orcpt = q.recipients[i].original_recipient;
        msg.rcpts.emplace_back(path_of(q.recipients[i].address), p);
    }
    msg.content = content;
    std::optional<Reply> last;
    for (const auto& t : targets) {
        SessionFailure failure_kind = SessionFailure::none;
        std::optional<Reply> failure_reply;
        bool tls_broken = false;
        const std::string hostkey = t.ip + ":" + std::to_string(t.port);
        // A host whose TLS just failed is spoken to in cleartext for a while (as Postfix's
        // TLS session cache of failures does), instead of failing a handshake per message.
        const bool plain = tls_broken_until_.count(hostkey) && tls_broken_until_[hostkey] > wall_ms();
        auto outcome = co_await smtp_client(t.ip, t.port, t.name, msg, plain, tls_broken, failure_kind, failure_reply);
        if (tls_broken && !plain) {
            tls_broken_until_[hostkey] = wall_ms() + 3'600'000;
            // RFC 7435 (opportunistic security): a failed handshake must not stop delivery;
            // try the same host again in cleartext, as Postfix does at security level "may".
            log_event("tls-fallback", {{"id", q.id}, {"to", t.ip + ":" + std::to_string(t.port)}});
            failure_kind = SessionFailure::none;
            failure_reply.reset();
            auto again = co_await smtp_client(t.ip, t.port, t.name, msg, true, tls_broken, failure_kind, failure_reply);
            outcome = std::move(again);
        }
        const std::string where = t.name + "[" + t.ip + "]:" + std::to_string(t.port);
        bool all_temporary = true;
        if (outcome)
            for (const auto& r : outcome->recipients)
                if (r.status != RecipientStatus::temporary) all_temporary = false;
        if (outcome && outcome->recipients.size() == idx.size() && !(all_temporary && failure_kind != SessionFailure::none)) {
            for (std::size_t k = 0; k < idx.size(); ++k) results[k] = {outcome->recipients[k].reply, where};
            co_return results;
        }
        // RFC 5321 §5.1: a connection-level failure → try the next host.
        if (outcome && !outcome->recipients.empty()) last = outcome->recipients[0].reply;
        else if (failure_reply) last = failure_reply;
        for (auto& r : results) r = {last.value_or(attempts_exhausted_reply()), where};
    }
    co_return results;
}

// Outbound SMTP goes through channels: one connection and one ClientSession per channel,
// reused for message after message to the same host (RFC 5321 §4.5.4.1 has no objection;
// Postfix does the same), closed after a short idle time. A job waits on its own timer,
// which the channel cancels when the job's outcome is known.
awaitable<std::optional<MessageOutcome>> Relay::smtp_client(const std::string& ip, std::uint16_t port,
                                                            const std::string& mx_name, const OutgoingMessage& msg,
                                                            bool plaintext, bool& tls_broken, SessionFailure& failure,
                                                            std::optional<Reply>& failure_reply) {
    OutJob job(io_);
    job.msg = &msg;
    const std::string key = ip + ":" + std::to_string(port) + (plaintext ? ":plain" : ":tls");
    for (int tries = 0; tries < 3; ++tries) {
        job.done = job.resend = false;
        auto& list = channels_[key];
        std::erase_if(list, [](const std::shared_ptr<Channel>& c) { return !c->accepting; });
        std::shared_ptr<Channel> ch;
        for (auto& c : list)
            if (!ch || c->load() < ch->load()) ch = c;
        if (!ch || (ch->load() > 0 && static_cast<int>(list.size()) < cfg_.limits.deliveries)) {
            ch = std::make_shared<Channel>(io_);
            list.push_back(ch);
            net::co_spawn(io_, run_channel(ch, ip, port, mx_name, plaintext), net::detached);
        }
        ch->waiting.push_back(&job);
        ch->wake.cancel();
        while (!job.done) {
            boost::system::error_code ec;
            job.signal.expires_at(steady::time_point::max());
            co_await job.signal.async_wait(net::redirect_error(use_awaitable, ec));
        }
        if (!job.resend) break;
    }
    if (job.resend) {  // no channel took it (the host keeps closing): a temporary failure
        job.failure = SessionFailure::connection_lost;
        job.failure_reply = make_reply(451, "4.4.2", "Connection to " + ip + " lost");
    }
    tls_broken = job.tls_broken;
    failure = job.failure;
    failure_reply = job.failure_reply;
    co_return job.outcome;
}

awaitable<void> Relay::run_channel(std::shared_ptr<Channel> ch, std::string ip, std::uint16_t port, std::string mx_name,
                                   bool plaintext) {
    std::map<std::size_t, OutJob*> inflight;
    auto finish = [](OutJob* j) {
        j->done = true;
        j->signal.cancel();
    };
    auto give_back = [&] {  // jobs no session took: to another channel
        ch->accepting = false;
        while (!ch->waiting.empty()) {
            OutJob* j = ch->waiting.front();
            ch->waiting.pop_front();
            j->resend = true;
            finish(j);
        }
    };
    boost::system::error_code ec;
    auto conn = std::make_shared<Conn>(tcp::socket(io_));
    conn->start_watchdog();
    auto addr = net::ip::make_address(ip, ec);
    if (!ec) {
        conn->expires_after(30s);
        co_await conn->sock.async_connect(tcp::endpoint(addr, port), net::redirect_error(use_awaitable, ec));
    }
    if (ec || conn->timed_out) {
        const Reply r = make_reply(451, "4.4.1", "Cannot connect to " + ip + ":" + std::to_string(port) + ": " +
                                                     (conn->timed_out ? std::string("timeout") : ec.message()));
        log_event("connect-failed", {{"to", ip + ":" + std::to_string(port)}, {"error", r.summary()}});
        ch->accepting = false;
        while (!ch->waiting.empty()) {
            OutJob* j = ch->waiting.front();
            ch->waiting.pop_front();
            j->failure = SessionFailure::connection_lost;
            j->failure_reply = r;
            finish(j);
        }
        conn->close();
        co_return;
    }
    ClientConfig cc;
    cc.helo_name = cfg_.hostname;
    cc.tls = plaintext ? TlsPolicy::none : TlsPolicy::opportunistic;
    cc.trace = false;
    ClientSession c(cc, steady_ms());
    std::string buf(16 * 1024, '\0');
    bool quitting = false, tls_broken = false;
    int sent = 0;
    for (;;) {
        while (!quitting && !ch->waiting.empty()) {
            OutJob* j = ch->waiting.front();
            ch->waiting.pop_front();
            if (auto n = c.send(*j->msg, steady_ms())) {
                inflight[*n] = j;
                ch->in_session = inflight.size();
                ++sent;
            } else {
                j->resend = true;
                finish(j);
            }
        }
        bool tls = false, closed = false;
        std::vector<OutJob*> done;
        SessionFailure failure = SessionFailure::none;
        std::optional<Reply> failure_reply;
        while (auto ev = c.next_event()) {
            if (std::holds_alternative<TlsStartEvent>(*ev)) {
                tls = true;
            } else if (auto* d = std::get_if<MessageDoneEvent>(&*ev)) {
                auto it = inflight.find(d->outcome.message);
                if (it != inflight.end()) {
                    it->second->outcome = d->outcome;
                    done.push_back(it->second);
                    inflight.erase(it);
                }
            } else if (auto* cl = std::get_if<ClosedEvent>(&*ev)) {
                closed = true;
                failure = cl->failure;
                failure_reply = cl->reply;
            }
        }
        ch->in_session = inflight.size();
        // A message and the connection failing come out of the same feed: tell the jobs why.
        for (OutJob* j : done) {
            if (closed) {
                j->failure = failure;
                j->failure_reply = failure_reply;
            }
            j->tls_broken = tls_broken;
            finish(j);
        }
        std::string out = c.take_output();
        if (!out.empty()) {
            conn->expires_after(180s);  // RFC 5321 §4.5.3.2.5 data block
            co_await conn->write(out, ec);
            if (ec) {
                c.feed_eof(steady_ms());
                continue;
            }
        }
        if (tls) {
            conn->expires_after(30s);
            co_await conn->handshake(client_tls_, ssl::stream_base::client, mx_name, ec);
            if (ec) {
                ++m_.tls_failures;
                tls_broken = true;
                c.tls_failed(ec.message(), steady_ms());
            } else {
                ++m_.tls_handshakes;
                c.tls_established(conn->tls_version(), steady_ms());
            }
            continue;
        }
        if (closed) break;
        if (inflight.empty() && !quitting) {
            // Idle between messages: wait a little for the next one, then QUIT.
            if (ch->waiting.empty() && sent < 1000 && !stopping_) {
                ch->wake.expires_after(2s);
                co_await ch->wake.async_wait(net::redirect_error(use_awaitable, ec));
            }
            if (ch->waiting.empty() || sent >= 1000 || stopping_) {
                quitting = true;
                ch->accepting = false;
                c.quit(steady_ms());
            }
            continue;
        }
        const auto dl = c.next_deadline();
        conn->expires_after(std::chrono::milliseconds(dl ? std::max<std::int64_t>(1, *dl - steady_ms()) : 600'000));
        std::size_t n = co_await conn->read_some(net::buffer(buf), ec);
        if (conn->timed_out) {
            c.on_timeout(steady_ms());
            continue;
        }
        if (ec) {
            c.feed_eof(steady_ms());
            continue;
        }
        c.feed(std::string_view(buf.data(), n), steady_ms());
    }
    for (auto& [n, j] : inflight) {  // the engine promises a MessageDone each; belt and braces
        j->failure = SessionFailure::connection_lost;
        j->failure_reply = make_reply(451, "4.4.2", "Connection lost");
        finish(j);
    }
    give_back();
    conn->close();
}

// ---------------------------------------------------------------- HTTP

std::string Relay::metrics_text() const {
    std::string s;
    auto metric = [&](const char* name, const char* type, const char* help, std::uint64_t v) {
        s += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
             std::to_string(v) + "\n";
    };
    metric("relaylab_sessions_total", "counter", "SMTP sessions opened", m_.sessions_total);
    metric("relaylab_sessions_active", "gauge", "SMTP sessions open now", m_.sessions_active);
    metric("relaylab_sessions_refused_total", "counter", "SMTP connections refused by a limit", m_.sessions_refused);
    metric("relaylab_messages_accepted_total", "counter", "messages committed to the spool (250)", m_.messages_accepted);
    metric("relaylab_messages_not_queued_total", "counter", "messages refused because the spool write failed",
           m_.messages_rejected_storage);
    metric("relaylab_messages_delivered_total", "counter", "recipients delivered", m_.delivered);
    metric("relaylab_messages_deferred_total", "counter", "recipient attempts deferred (4xx)", m_.deferred);
    metric("relaylab_messages_bounced_total", "counter", "recipients bounced (5xx or expired)", m_.bounced);
    metric("relaylab_dsn_total", "counter", "delivery status notifications queued", m_.dsn_sent);
    metric("relaylab_queue_size", "gauge", "messages in the spool", queue_.size());
    metric("relaylab_tls_handshakes_total", "counter", "TLS handshakes completed", m_.tls_handshakes);
    metric("relaylab_tls_failures_total", "counter", "TLS handshakes failed", m_.tls_failures);
    metric("relaylab_auth_success_total", "counter", "successful AUTH", m_.auth_ok);
    metric("relaylab_auth_failures_total", "counter", "failed AUTH", m_.auth_failures);
    metric("relaylab_bytes_accepted_total", "counter", "message bytes accepted", m_.bytes_accepted);
    return s;
}

const char* mime_type(const std::string& path) {
    auto ext = std::filesystem::path(path).extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
    if (ext == ".wasm") return "application/wasm";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".json") return "application/json";
    if (ext == ".png") return "image/png";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".ico") return "image/x-icon";
    if (ext == ".ttf") return "font/ttf";
    if (ext == ".txt") return "text/plain; charset=utf-8";
    return "application/octet-stream";  // .data (Emscripten preload) and the rest
}

awaitable<void> Relay::http_loop(tcp::acceptor& acc) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket sock = co_await acc.async_accept(net::redirect_error(use_awaitable, ec));
        if (ec) {
            if (stopping_ || !acc.is_open()) co_return;
            continue;
        }
        net::co_spawn(io_, http_session(std::move(sock)), net::detached);
    }
}

awaitable<void> Relay::http_session(tcp::socket sock) {
    beast::tcp_stream stream(std::move(sock));
    beast::flat_buffer buffer;
    for (;;) {
        boost::system::error_code ec;
        http::request<http::string_body> req;
        stream.expires_after(30s);
        co_await http::async_read(stream, buffer, req, net::redirect_error(use_awaitable, ec));
        if (ec) break;
        http::response<http::string_body> res;
        res.version(req.version());
        res.keep_alive(req.keep_alive());
        res.set(http::field::server, "relaylab");
        std::string target(req.target());
        if (auto q = target.find('?'); q != std::string::npos) target.resize(q);
        auto reply = [&](http::status st, const std::string& type, std::string body) {
            res.result(st);
            res.set(http::field::content_type, type);
            res.body() = std::move(body);
        };
        if (req.method() != http::verb::get && req.method() != http::verb::head) {
            reply(http::status::method_not_allowed, "text/plain", "method not allowed\n");
        } else if (target == "/healthz") {
            reply(http::status::ok, "text/plain; charset=utf-8", "ok\n");
        } else if (target == "/metrics") {
            reply(http::status::ok, "text/plain; version=0.0.4; charset=utf-8", metrics_text());
        } else if (target.find("..") != std::string::npos || target.empty() || target[0] != '/') {
            reply(http::status::bad_request, "text/plain", "bad path\n");
        } else {
            std::string path = web_dir_ + (target == "/" ? "/index.html" : target);
            std::ifstream in(path, std::ios::binary);
            if (web_dir_.empty() || !in || std::filesystem::is_directory(path)) {
                reply(http::status::not_found, "text/plain; charset=utf-8",
                      web_dir_.empty() ? "the web UI is not built (scripts/build web)\n" : "not found\n");
            } else {
                std::stringstream ss;
                ss << in.rdbuf();
                reply(http::status::ok, mime_type(path), ss.str());
            }
        }
        res.prepare_payload();
        if (req.method() == http::verb::head) res.body().clear();
        stream.expires_after(60s);
        co_await http::async_write(stream, res, net::redirect_error(use_awaitable, ec));
        if (ec || !res.keep_alive()) break;
    }
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

std::string find_web_dir() {
    // build/web beside the build folder of the binary: <dir of relaylab>/../web
    std::error_code ec;
    if (const char* env = std::getenv("RELAYLAB_WEB_DIR"); env && *env) return env;  // tests, packaging
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    for (auto dir : {exe.parent_path().parent_path() / "web", exe.parent_path() / "web"})
        if (std::filesystem::exists(dir / "index.html", ec)) return dir.string();
    return {};
}

}  // namespace

int run_serve(const std::string& config_path, const std::string& log_format) {
    set_log_format(log_format == "json" ? LogFormat::json : LogFormat::text);
    Config cfg;
    if (!config_path.empty()) {
        ConfigError err;
        auto c = load_config(config_path, err);
        if (!c) {
            std::fprintf(stderr, "relaylab: %s\n", err.message.c_str());
            return 2;
        }
        cfg = *c;
    }
    sodium_ready();
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGXFSZ, SIG_IGN);  // a file size limit is a write error (EFBIG), not death
    net::io_context io(1);
    Relay relay(cfg, io);
    std::string error;
    if (!relay.setup(config_path.empty(), error)) {
        std::fprintf(stderr, "relaylab: %s\n", error.c_str());
        return 1;
    }
    relay.start();
    io.run();
    relay.stop_pool();
    return 0;
}

}  // namespace relaylab::native

namespace relaylab::cli {

std::function<int()> add_serve(CLI::App& app) {
    auto* cmd = app.add_subcommand("serve", "Run the relay (SMTP 25/587/465 roles, durable queue, delivery) and the web UI");
    struct Opts {
        std::string config, log_format = "text";
    };
    auto o = std::make_shared<Opts>();
    cmd->add_option("--config", o->config, "relaylab.toml (default: a safe sandbox on 127.0.0.1, demo user)");
    cmd->add_option("--log-format", o->log_format, "text or json (one JSON object per line)")
        ->check(CLI::IsMember({"text", "json"}));
    return [cmd, o]() -> int {
        if (!cmd->parsed()) return -1;
        return relaylab::native::run_serve(o->config, o->log_format);
    };
}

}  // namespace relaylab::cli
