#pragma once
// relaylab.toml: the relay's configuration (keys, defaults and checks live in config.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/chaos.hpp"

namespace relaylab::native {

enum class RelayMode { sandbox, mx, smarthost };
const char* relay_mode_name(RelayMode mode);

struct Config {
    std::string hostname = "relay.lab.test";
    std::string state_dir = "var";
    struct Listen {
        std::string smtp = "127.0.0.1:2525";
        std::string submission = "127.0.0.1:2587";
        std::string submissions = "127.0.0.1:2465";
        std::string http = "127.0.0.1:8025";  // "" = off (the same for every listener)
    } listen;
    struct Tls {
        std::string cert, key;  // empty: a self-signed pair generated into state_dir
    } tls;
    struct Relay {
        RelayMode mode = RelayMode::sandbox;
        std::vector<std::string> local_domains = {"lab.test"};
        std::vector<std::string> trusted_networks;
        std::vector<std::string> dns_servers;  // "127.0.0.1:5353"; empty: the system's
        int outbound_port = 25;
        std::string smarthost;  // "host:port" (mode smarthost)
        // Destinations where TLS is required (RFC 7435 / RFC 8461 style policy); every other
        // destination gets opportunistic STARTTLS.
        std::vector<std::string> tls_required_domains;
        // Refuse undeclared 8-bit content instead of passing it on as BODY=8BITMIME
        // (Postfix's strict_8bitmime); the server session applies it.
        bool strict_8bitmime = false;
        std::uint64_t max_message_size = 26214400;
        // Extensions for tests and small deployments (not in the list):
        std::int64_t retry_base_ms = 300'000;  // first retry delay; the engine's schedule scales from it
        std::int64_t max_lifetime_ms = 5LL * 24 * 3600 * 1000;
        bool fsync = true;  // never turn off outside benchmarks
    } relay;
    struct Sandbox {
        // Releasing captured mail (POST /api/v1/message/{ID}/release): only to recipients
        // matching these patterns (engine/release_allow.hpp); empty = release is off.
        std::vector<std::string> release_allowed;
        // The route of released mail: "mx" (MX lookup, relay.dns_servers, port
        // relay.outbound_port) or a smarthost "host:port". Never the sandbox capture.
        std::string release_via = "mx";
        // A fake SMTP server for development: from loopback and relay.trusted_networks every
        // recipient is accepted and captured (false: the real relay policy, "550 5.7.1
        // Relaying denied", for a lesson).
        bool accept_any_recipient = true;
        // Any AUTH user and password are accepted (Mailpit's --smtp-auth-accept-any).
        bool accept_any_auth = false;
    } sandbox;
    struct Submission {
        // Add Date: and Message-ID: to submitted messages that lack them (RFC 6409 §8).
        bool add_missing_headers = true;
    } submission;
    struct Auth {
        std::string users_file = "var/users";
        // The verified-credentials cache (Dovecot's auth_cache): a keyed digest of a checked
        // (user, password) is remembered this long, so the next AUTH skips argon2id. 0 = off.
        std::int64_t cache_ttl_ms = 3'600'000;
        std::int64_t cache_size = 10'000;  // users remembered at most (least recently used out)
    } auth;
    struct Http {
        // Required when listen.http is not a loopback address: every request (but /healthz)
        // then needs it (native/http_auth.hpp). Empty: the listener is open (loopback only).
        std::string token;
    } http;
    // [chaos]: the chaos switches at start (all off by default); PUT /api/v1/chaos changes them.
    ChaosSettings chaos;
    struct Limits {
        int connections = 1000;  // concurrent SMTP connections, all listeners
        int per_ip = 50;         // concurrent SMTP connections from one client address
        int deliveries = 20;     // concurrent outbound deliveries
        int http_connections = 64;  // concurrent HTTP connections (more: 503 and close)
        // Rates (0 = off, the default): new SMTP connections per client address per minute
        // ("421 4.7.0" at connect), messages and recipients per authenticated user per hour
        // ("450 4.7.1" at MAIL, "452 4.5.3" at RCPT).
        int connections_per_minute = 0;
        int messages_per_hour = 0;
        int recipients_per_hour = 0;
        // RFC 5321 §4.5.3.2.7: at least 5 minutes for the next command (DATA gets twice that).
        std::int64_t command_timeout_ms = 300'000;
        // Total deadlines (a trickling client cannot hold a slot): DATA/BDAT content must keep
        // at least this rate after the data timeout (0 = idle timer only), and NOOP/RSET/VRFY/
        // HELP beyond junk_commands between messages get "421 4.7.0" (0 = no limit).
        std::int64_t min_data_rate_bps = 1024;
        int junk_commands = 100;
        // AUTH throttling per client address: failed AUTH answers are delayed (first delay,
        // doubling up to 16×), and after auth_failures failures the address gets 454 4.7.0
        // for auth_lockout_ms (RFC 4954 §6). auth_failures = 0: no lockout.
        int auth_failures = 10;
        std::int64_t auth_lockout_ms = 600'000;
        std::int64_t auth_failure_delay_ms = 250;  // 0 = no delay
        // argon2id checks running at once, on their own threads; memory stays within
        // concurrent_hashes × the largest memlimit in the users file (warned at start when
        // over hash_memory_budget_mb).
        int concurrent_hashes = 2;
        std::int64_t hash_memory_budget_mb = 512;
    } limits;
};

struct ConfigError {
    std::string message;  // "relaylab.toml:12: relay.mode must be one of sandbox, mx, smarthost"
};

// Parses and checks a TOML file; every error names the file and line.
std::optional<Config> load_config(const std::string& path, ConfigError& error);
std::optional<Config> parse_config(const std::string& text, const std::string& source_name, ConfigError& error);

// "127.0.0.1:2525", "[::1]:25" → host, port. False when malformed.
bool split_host_port(const std::string& text, std::string& host, std::uint16_t& port);

}  // namespace relaylab::native
