// The relay's wiring: configuration into engine policies, listeners, TLS contexts, spool
// recovery, signals, and the `relaylab serve` command.
#include "native/relay.hpp"

#include <sodium.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "engine/mx.hpp"
#include "native/commands.hpp"
#include "native/log.hpp"
#include "native/tls_cert.hpp"
#include "native/tls_profile.hpp"

namespace relaylab::native {

namespace {

// The delivery core's policy from relaylab.toml. The schedule is the engine's one schedule,
// scaled by relay.retry_base_ms (tests shorten it, RFC 5321 §4.5.4.1 rules stay the same).
DeliveryPolicy delivery_policy(const Config& cfg) {
    DeliveryPolicy p;
    p.hostname = cfg.hostname;
    p.local_domains = cfg.relay.local_domains;
    p.tls_required_domains = cfg.relay.tls_required_domains;
    p.port = static_cast<std::uint16_t>(cfg.relay.outbound_port);
    p.retry = scaled_retry_policy(cfg.relay.retry_base_ms, cfg.relay.max_lifetime_ms);
    if (cfg.relay.mode == RelayMode::smarthost) {
        StaticRoute r;
        r.domain = "*";
        split_host_port(cfg.relay.smarthost, r.host, r.port);
        p.routes.push_back(r);
    }
    return p;
}

}  // namespace

Relay::Relay(Config cfg, net::io_context& io)
    : cfg_(std::move(cfg)),
      delivery_(delivery_policy(cfg_)),
      io_(io),
      pool_(16),  // fsyncs block: concurrent fsyncs share journal commits
      hash_pool_(static_cast<std::size_t>(cfg_.limits.concurrent_hashes)),  // argon2id only
      mx_tls_(ssl::context::tls_server),
      submission_tls_(ssl::context::tls_server),
      client_tls_(ssl::context::tls_client),
      spool_(cfg_.state_dir, cfg_.relay.fsync),
      wake_(io) {
    randombytes_buf(&seed_, sizeof seed_);
    chaos_ = cfg_.chaos;  // [chaos]: the switches at start
    local_.state_dir = cfg_.state_dir;
    local_.hostname = cfg_.hostname;
    local_.fsync = cfg_.relay.fsync;
    if (!cfg_.relay.local_domains.empty()) local_.first_local_domain = cfg_.relay.local_domains[0];
    wake_.expires_at(steady::time_point::max());
    auth_cache_.set_policy(AuthCachePolicy{cfg_.auth.cache_ttl_ms, static_cast<std::size_t>(cfg_.auth.cache_size)});
    AuthThrottlePolicy tp;
    tp.max_failures = cfg_.limits.auth_failures;
    tp.lockout_ms = cfg_.limits.auth_lockout_ms;
    tp.window_ms = cfg_.limits.auth_lockout_ms;  // failures are remembered as long as a lockout lasts
    tp.first_delay_ms = cfg_.limits.auth_failure_delay_ms;
    tp.max_delay_ms = 16 * cfg_.limits.auth_failure_delay_ms;  // 0.25 s doubling up to 4 s by default
    auth_throttle_.set_policy(tp);
    connection_rate_.set_policy(RateLimitPolicy{cfg_.limits.connections_per_minute, 60'000});
    message_rate_.set_policy(RateLimitPolicy{cfg_.limits.messages_per_hour, 3'600'000});
    recipient_rate_.set_policy(RateLimitPolicy{cfg_.limits.recipients_per_hour, 3'600'000});
    cache_key_.resize(crypto_generichash_KEYBYTES);
    randombytes_buf(cache_key_.data(), cache_key_.size());
}

void Relay::refresh_users() {
    struct stat st {};
    const std::int64_t mtime = ::stat(cfg_.auth.users_file.c_str(), &st) == 0
                                   ? static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec
                                   : 0;
    if (mtime == users_mtime_) return;
    std::string error;
    if (auto db = load_users(cfg_.auth.users_file, error)) {
        // A changed or removed user's cached credentials go at once: the new password is
        // required from the next AUTH on (the digest covers the stored hash too).
        std::size_t dropped = 0;
        for (const auto& [user, hash] : users_.hashes) {
            auto it = db->hashes.find(user);
            if (it == db->hashes.end() || it->second != hash) {
                auth_cache_.forget(user);
                ++dropped;
            }
        }
        const bool first = users_mtime_ == -1;
        users_ = std::move(*db);
        users_mtime_ = mtime;
        if (!first) {
            log_event("users-reloaded", {{"users", std::to_string(users_.hashes.size())},
                                         {"changed", std::to_string(dropped)}});
            check_hash_memory();
        }
    } else {
        log_event("users-error", {{"error", error}});
    }
}

// Memory of the password checks: each argon2id verification allocates the m= of its hash,
// at most concurrent_hashes run at once.
void Relay::check_hash_memory() {
    const std::uint64_t largest = largest_memlimit_bytes(users_);
    const std::uint64_t need = largest * static_cast<std::uint64_t>(cfg_.limits.concurrent_hashes);
    const std::uint64_t budget = static_cast<std::uint64_t>(cfg_.limits.hash_memory_budget_mb) << 20;
    if (need > budget) {
        log_event("hash-memory-warning", {{"concurrent_hashes", std::to_string(cfg_.limits.concurrent_hashes)},
                                          {"largest_memlimit_mb", std::to_string(largest >> 20)},
                                          {"needed_mb", std::to_string(need >> 20)},
                                          {"hash_memory_budget_mb", std::to_string(cfg_.limits.hash_memory_budget_mb)}});
        std::fprintf(stderr,
                     "relaylab: warning: limits.concurrent_hashes (%d) x the largest argon2id memlimit in %s (%llu MiB) "
                     "= %llu MiB exceeds limits.hash_memory_budget_mb (%lld)\n",
                     cfg_.limits.concurrent_hashes, cfg_.auth.users_file.c_str(),
                     static_cast<unsigned long long>(largest >> 20), static_cast<unsigned long long>(need >> 20),
                     static_cast<long long>(cfg_.limits.hash_memory_budget_mb));
        std::fflush(stderr);
    }
}

RelayPolicy Relay::policy() const {
    RelayPolicy p;
    p.local_domains = cfg_.relay.local_domains;
    p.local_users = users_.addresses();
    p.trusted_networks = cfg_.relay.trusted_networks;
    // Sandbox: a fake SMTP server for the machine's own applications (nothing leaves).
    p.capture_all = cfg_.relay.mode == RelayMode::sandbox && cfg_.sandbox.accept_any_recipient;
    p.accept_any_auth = cfg_.relay.mode == RelayMode::sandbox && cfg_.sandbox.accept_any_auth;
    return p;
}

bool Relay::setup(bool demo_user, std::string& error) {
    fit_descriptors();  // accept.cpp: raise RLIMIT_NOFILE, or fit limits.connections in it
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
    check_hash_memory();
    // Unknown users cost the same argon2id work as known ones (no user enumeration by timing).
    dummy_hash_ = hash_password(random_password());
    // TLS: the configured pair, or a self-signed one made on first start.
    std::string cert = cfg_.tls.cert, key = cfg_.tls.key;
    if (cert.empty() && !ensure_self_signed(cfg_.state_dir + "/tls", cfg_.hostname, cert, key, error)) return false;
    try {
        // One context per listener role, each with its profile (tls_profile.hpp): port 25 a
        // broad list for opportunistic TLS, the submission ports Mozilla's intermediate.
        configure_server_tls(mx_tls_, TlsProfile::broad, cert, key, "relaylab-mx");
        configure_server_tls(submission_tls_, TlsProfile::intermediate, cert, key, "relaylab-submission");
    } catch (const std::exception& e) {
        error = "TLS certificate " + cert + " / key " + key + ": " + e.what();
        return false;
    }
    // Outbound: STARTTLS does not verify the peer (RFC 7435 opportunistic security); what a
    // failed handshake means is the delivery core's decision.
    SSL_CTX_set_min_proto_version(client_tls_.native_handle(), TLS1_2_VERSION);
    client_tls_.set_verify_mode(ssl::verify_none);

    web_dir_ = find_web_dir();
    setup_inbox();  // inbox.cpp
    live_.keep_all(cfg_.relay.mode == RelayMode::sandbox);  // the live view's ring (live_hub.hpp)
    if (!spool_.init(error)) return false;
    std::vector<std::string> problems;
    for (auto& [q, info] : spool_.recover(problems)) {
        const std::string id = q.id;
        queue_[id] = QEntry{std::move(q), info, false};
        ready_.push_back(id);
    }
    for (const auto& p : problems) log_event("spool-problem", {{"detail", p}});
    log_event("spool-recovered", {{"messages", std::to_string(queue_.size())}});

    const std::pair<Role, std::string> wanted[] = {{Role::mx, cfg_.listen.smtp},
                                                   {Role::submission, cfg_.listen.submission},
                                                   {Role::submissions, cfg_.listen.submissions}};
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
    net::co_spawn(io_, on_hangup(), net::detached);
    std::string where;
    for (const auto& l : listeners_) where += std::string(" ") + role_name(l.role) + "=" + l.address;
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

// SIGHUP: re-read the users file and clear the credentials cache (every user pays one
// argon2id check again).
awaitable<void> Relay::on_hangup() {
    net::signal_set signals(io_, SIGHUP);
    for (;;) {
        boost::system::error_code ec;
        co_await signals.async_wait(net::redirect_error(use_awaitable, ec));
        if (ec || stopping_) co_return;
        const std::size_t cached = auth_cache_.size();
        auth_cache_.clear();
        users_mtime_ = -2;  // force the re-read
        refresh_users();
        log_event("reload", {{"users", std::to_string(users_.hashes.size())},
                             {"auth_cache_cleared", std::to_string(cached)}});
    }
}

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
