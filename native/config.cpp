#include "native/config.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "engine/address.hpp"
#include "engine/relay_policy.hpp"
#include "engine/release_allow.hpp"
#include "native/http_auth.hpp"

namespace relaylab::native {

const char* relay_mode_name(RelayMode mode) {
    switch (mode) {
        case RelayMode::sandbox: return "sandbox";
        case RelayMode::mx: return "mx";
        case RelayMode::smarthost: return "smarthost";
    }
    return "?";
}

bool split_host_port(const std::string& text, std::string& host, std::uint16_t& port) {
    std::string h, p;
    if (!text.empty() && text[0] == '[') {
        auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
        h = text.substr(1, close - 1);
        p = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos) return false;
        h = text.substr(0, colon);
        p = text.substr(colon + 1);
    }
    if (h.empty() || p.empty() || p.size() > 5) return false;
    unsigned long v = 0;
    for (char c : p) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<unsigned long>(c - '0');
    }
    if (v == 0 || v > 65535) return false;
    host = h;
    port = static_cast<std::uint16_t>(v);
    return true;
}

namespace {

struct Checker {
    std::string source;
    ConfigError* error;
    bool failed = false;

    bool fail(const toml::node* node, const std::string& msg) {
        if (failed) return false;
        failed = true;
        std::string where = source;
        if (node) where.append(":").append(std::to_string(node->source().begin.line));
        error->message = where + ": " + msg;
        return false;
    }
    bool fail_at(const toml::source_region& region, const std::string& msg) {
        if (failed) return false;
        failed = true;
        error->message = source + ":" + std::to_string(region.begin.line) + ": " + msg;
        return false;
    }

    // Every key must be known: a typo is an error, not a silently ignored setting.
    void known_keys(const toml::table& table, const std::string& prefix, const std::set<std::string>& keys) {
        for (const auto& [k, v] : table) {
            const std::string key(k.str());
            if (!keys.count(key)) {
                fail_at(k.source().begin.line ? k.source() : v.source(), "unknown key '" + prefix + key + "'");
                return;
            }
        }
    }

    void str(const toml::table& t, const char* key, const std::string& name, std::string& out) {
        if (auto* n = t.get(key)) {
            if (auto* s = n->as_string()) out = s->get();
            else fail(n, name + " must be a string");
        }
    }
    void integer(const toml::table& t, const char* key, const std::string& name, std::int64_t lo, std::int64_t hi,
                 std::int64_t& out) {
        if (auto* n = t.get(key)) {
            auto* i = n->as_integer();
            if (!i) {
                fail(n, name + " must be an integer");
                return;
            }
            if (i->get() < lo || i->get() > hi) {
                fail(n, name + " must be between " + std::to_string(lo) + " and " + std::to_string(hi));
                return;
            }
            out = i->get();
        }
    }
    void boolean(const toml::table& t, const char* key, const std::string& name, bool& out) {
        if (auto* n = t.get(key)) {
            if (auto* b = n->as_boolean()) out = b->get();
            else fail(n, name + " must be true or false");
        }
    }
    void strings(const toml::table& t, const char* key, const std::string& name, std::vector<std::string>& out) {
        if (auto* n = t.get(key)) {
            auto* arr = n->as_array();
            if (!arr) {
                fail(n, name + " must be an array of strings");
                return;
            }
            out.clear();
            for (const auto& el : *arr) {
                auto* s = el.as_string();
                if (!s) {
                    fail(&el, name + " must be an array of strings");
                    return;
                }
                out.push_back(s->get());
            }
        }
    }
    const toml::table* table(const toml::table& root, const char* key) {
        if (auto* n = root.get(key)) {
            if (auto* t = n->as_table()) return t;
            fail(n, std::string(key) + " must be a table ([" + key + "])");
        }
        return nullptr;
    }
    void address(const toml::table& t, const char* key, const std::string& name, std::string& value, bool allow_empty) {
        const toml::node* n = t.get(key);
        if (!n) return;
        if (value.empty() && allow_empty) return;
        std::string host;
        std::uint16_t port = 0;
        if (!split_host_port(value, host, port))
            fail(n, name + " must be \"host:port\" (e.g. \"127.0.0.1:2525\")" + (allow_empty ? " or \"\" (off)" : ""));
    }
};

}  // namespace

std::optional<Config> parse_config(const std::string& text, const std::string& source_name, ConfigError& error) {
    toml::table root;
    try {
        root = toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        error.message = source_name + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description());
        return std::nullopt;
    }
    Config c;
    Checker ck{source_name, &error};
    ck.known_keys(root, "", {"hostname", "state_dir", "listen", "tls", "relay", "submission", "auth", "limits",
                         "sandbox", "http", "chaos"});
    ck.str(root, "hostname", "hostname", c.hostname);
    ck.str(root, "state_dir", "state_dir", c.state_dir);
    if (auto* t = ck.table(root, "listen")) {
        ck.known_keys(*t, "listen.", {"smtp", "submission", "submissions", "http"});
        ck.str(*t, "smtp", "listen.smtp", c.listen.smtp);
        ck.str(*t, "submission", "listen.submission", c.listen.submission);
        ck.str(*t, "submissions", "listen.submissions", c.listen.submissions);
        ck.str(*t, "http", "listen.http", c.listen.http);
        ck.address(*t, "smtp", "listen.smtp", c.listen.smtp, true);
        ck.address(*t, "submission", "listen.submission", c.listen.submission, true);
        ck.address(*t, "submissions", "listen.submissions", c.listen.submissions, true);
        ck.address(*t, "http", "listen.http", c.listen.http, true);
    }
    if (auto* t = ck.table(root, "tls")) {
        ck.known_keys(*t, "tls.", {"cert", "key"});
        ck.str(*t, "cert", "tls.cert", c.tls.cert);
        ck.str(*t, "key", "tls.key", c.tls.key);
        if (c.tls.cert.empty() != c.tls.key.empty())
            ck.fail(t->get(c.tls.cert.empty() ? "key" : "cert"), "tls.cert and tls.key must be given together");
    }
    if (auto* t = ck.table(root, "relay")) {
        ck.known_keys(*t, "relay.", {"mode", "local_domains", "trusted_networks", "dns_servers", "outbound_port",
                                     "smarthost", "max_message_size", "retry_base_ms", "max_lifetime_ms", "fsync",
                                     "tls_required_domains", "strict_8bitmime"});
        std::string mode = "sandbox";
        ck.str(*t, "mode", "relay.mode", mode);
        if (mode == "sandbox") c.relay.mode = RelayMode::sandbox;
        else if (mode == "mx") c.relay.mode = RelayMode::mx;
        else if (mode == "smarthost") c.relay.mode = RelayMode::smarthost;
        else ck.fail(t->get("mode"), "relay.mode must be one of sandbox, mx, smarthost (got \"" + mode + "\")");
        ck.strings(*t, "local_domains", "relay.local_domains", c.relay.local_domains);
        ck.strings(*t, "trusted_networks", "relay.trusted_networks", c.relay.trusted_networks);
        ck.strings(*t, "dns_servers", "relay.dns_servers", c.relay.dns_servers);
        std::int64_t v = c.relay.outbound_port;
        ck.integer(*t, "outbound_port", "relay.outbound_port", 1, 65535, v);
        c.relay.outbound_port = static_cast<int>(v);
        ck.str(*t, "smarthost", "relay.smarthost", c.relay.smarthost);
        std::int64_t size = static_cast<std::int64_t>(c.relay.max_message_size);
        ck.integer(*t, "max_message_size", "relay.max_message_size", 1024, std::int64_t(1) << 40, size);
        c.relay.max_message_size = static_cast<std::uint64_t>(size);
        ck.integer(*t, "retry_base_ms", "relay.retry_base_ms", 1, 86'400'000, c.relay.retry_base_ms);
        ck.integer(*t, "max_lifetime_ms", "relay.max_lifetime_ms", 1, 365LL * 86'400'000, c.relay.max_lifetime_ms);
        ck.boolean(*t, "fsync", "relay.fsync", c.relay.fsync);
        ck.strings(*t, "tls_required_domains", "relay.tls_required_domains", c.relay.tls_required_domains);
        ck.boolean(*t, "strict_8bitmime", "relay.strict_8bitmime", c.relay.strict_8bitmime);
        if (auto* n = t->get("tls_required_domains"))
            for (const auto& d : c.relay.tls_required_domains)
                if (!is_valid_domain(d, true))
                    ck.fail(n, "relay.tls_required_domains: \"" + d + "\" is not a domain name");
        if (auto* n = t->get("trusted_networks"))
            for (const auto& cidr : c.relay.trusted_networks)
                if (!parse_cidr(cidr)) ck.fail(n, "relay.trusted_networks: \"" + cidr + "\" is not an address or CIDR block");
        if (auto* n = t->get("dns_servers"))
            for (const auto& s : c.relay.dns_servers) {
                std::string host;
                std::uint16_t port = 0;
                if (!parse_ip_address(s) && !(split_host_port(s, host, port) && parse_ip_address(host)))
                    ck.fail(n, "relay.dns_servers: \"" + s + "\" must be an IP address, optionally with :port");
            }
        if (c.relay.mode == RelayMode::smarthost) {
            std::string host;
            std::uint16_t port = 0;
            if (!split_host_port(c.relay.smarthost, host, port))
                ck.fail(t->get("smarthost") ? t->get("smarthost") : t->get("mode"),
                        "relay.smarthost must be \"host:port\" when relay.mode = \"smarthost\"");
        }
    }
    if (auto* t = ck.table(root, "sandbox")) {
        ck.known_keys(*t, "sandbox.", {"release_allowed", "release_via", "accept_any_recipient", "accept_any_auth"});
        ck.strings(*t, "release_allowed", "sandbox.release_allowed", c.sandbox.release_allowed);
        ck.str(*t, "release_via", "sandbox.release_via", c.sandbox.release_via);
        ck.boolean(*t, "accept_any_recipient", "sandbox.accept_any_recipient", c.sandbox.accept_any_recipient);
        ck.boolean(*t, "accept_any_auth", "sandbox.accept_any_auth", c.sandbox.accept_any_auth);
        if (c.sandbox.accept_any_auth && c.relay.mode != RelayMode::sandbox)
            ck.fail(t->get("accept_any_auth"), "sandbox.accept_any_auth needs relay.mode = \"sandbox\" (it would let anyone relay)");
        if (auto* n = t->get("release_allowed"))
            for (const auto& p : c.sandbox.release_allowed)
                if (auto why = release_pattern_error(p); !why.empty())
                    ck.fail(n, "sandbox.release_allowed: \"" + p + "\" is not an address or domain pattern (" + why + ")");
        std::string host;
        std::uint16_t port = 0;
        if (c.sandbox.release_via != "mx" && !split_host_port(c.sandbox.release_via, host, port))
            ck.fail(t->get("release_via"), "sandbox.release_via must be \"mx\" or a smarthost \"host:port\" (got \"" +
                                               c.sandbox.release_via + "\")");
    }
    if (auto* t = ck.table(root, "submission")) {
        ck.known_keys(*t, "submission.", {"add_missing_headers"});
        ck.boolean(*t, "add_missing_headers", "submission.add_missing_headers", c.submission.add_missing_headers);
    }
    if (auto* t = ck.table(root, "auth")) {
        ck.known_keys(*t, "auth.", {"users_file", "cache_ttl_ms", "cache_size"});
        ck.str(*t, "users_file", "auth.users_file", c.auth.users_file);
        ck.integer(*t, "cache_ttl_ms", "auth.cache_ttl_ms", 0, 7LL * 86'400'000, c.auth.cache_ttl_ms);
        ck.integer(*t, "cache_size", "auth.cache_size", 1, 10'000'000, c.auth.cache_size);
    }
    if (auto* t = ck.table(root, "limits")) {
        ck.known_keys(*t, "limits.", {"connections", "per_ip", "deliveries", "command_timeout_ms", "auth_failures",
                                      "auth_lockout_ms", "auth_failure_delay_ms", "concurrent_hashes",
                                      "hash_memory_budget_mb", "min_data_rate_bps", "junk_commands",
                                      "http_connections", "connections_per_minute", "messages_per_hour",
                                      "recipients_per_hour"});
        std::int64_t v = c.limits.connections;
        ck.integer(*t, "connections", "limits.connections", 1, 100000, v);
        c.limits.connections = static_cast<int>(v);
        v = c.limits.per_ip;
        ck.integer(*t, "per_ip", "limits.per_ip", 1, 100000, v);
        c.limits.per_ip = static_cast<int>(v);
        v = c.limits.deliveries;
        ck.integer(*t, "deliveries", "limits.deliveries", 1, 10000, v);
        c.limits.deliveries = static_cast<int>(v);
        for (auto [key, field] : {std::pair{"connections_per_minute", &c.limits.connections_per_minute},
                                  std::pair{"messages_per_hour", &c.limits.messages_per_hour},
                                  std::pair{"recipients_per_hour", &c.limits.recipients_per_hour}}) {
            v = *field;
            ck.integer(*t, key, std::string("limits.") + key, 0, 100'000'000, v);
            *field = static_cast<int>(v);
        }
        v = c.limits.http_connections;
        ck.integer(*t, "http_connections", "limits.http_connections", 1, 100000, v);
        c.limits.http_connections = static_cast<int>(v);
        ck.integer(*t, "command_timeout_ms", "limits.command_timeout_ms", 100, 3'600'000, c.limits.command_timeout_ms);
        ck.integer(*t, "min_data_rate_bps", "limits.min_data_rate_bps", 0, 1LL << 30, c.limits.min_data_rate_bps);
        v = c.limits.junk_commands;
        ck.integer(*t, "junk_commands", "limits.junk_commands", 0, 100000, v);
        c.limits.junk_commands = static_cast<int>(v);
        v = c.limits.auth_failures;
        ck.integer(*t, "auth_failures", "limits.auth_failures", 0, 100000, v);
        c.limits.auth_failures = static_cast<int>(v);
        ck.integer(*t, "auth_lockout_ms", "limits.auth_lockout_ms", 1, 7LL * 86'400'000, c.limits.auth_lockout_ms);
        ck.integer(*t, "auth_failure_delay_ms", "limits.auth_failure_delay_ms", 0, 60'000,
                   c.limits.auth_failure_delay_ms);
        v = c.limits.concurrent_hashes;
        ck.integer(*t, "concurrent_hashes", "limits.concurrent_hashes", 1, 256, v);
        c.limits.concurrent_hashes = static_cast<int>(v);
        ck.integer(*t, "hash_memory_budget_mb", "limits.hash_memory_budget_mb", 1, 1'048'576,
                   c.limits.hash_memory_budget_mb);
    }
    if (auto* t = ck.table(root, "http")) {
        ck.known_keys(*t, "http.", {"token"});
        ck.str(*t, "token", "http.token", c.http.token);
        if (!c.http.token.empty() && !http_token_acceptable(c.http.token))
            ck.fail(t->get("token"), "http.token must be 16 to 256 printable characters without spaces");
    }
    if (auto* t = ck.table(root, "chaos")) {
        ck.known_keys(*t, "chaos.", {"sender_code", "sender_probability", "recipient_code", "recipient_probability",
                                     "auth_code", "auth_probability", "greylist", "greylist_delay_ms", "defer_every",
                                     "slow_reply_ms", "drop_after_data"});
        ChaosSettings& x = c.chaos;
        for (auto [name, trigger] : {std::pair{"sender", &x.sender}, std::pair{"recipient", &x.recipient},
                                     std::pair{"auth", &x.authentication}}) {
            const std::string key = name;
            std::int64_t v = trigger->error_code;
            ck.integer(*t, (key + "_code").c_str(), "chaos." + key + "_code", k_chaos_min_code, k_chaos_max_code, v);
            trigger->error_code = static_cast<int>(v);
            v = trigger->probability;
            ck.integer(*t, (key + "_probability").c_str(), "chaos." + key + "_probability", 0, 100, v);
            trigger->probability = static_cast<int>(v);
        }
        ck.boolean(*t, "greylist", "chaos.greylist", x.greylist);
        ck.integer(*t, "greylist_delay_ms", "chaos.greylist_delay_ms", 0, k_chaos_max_delay_ms, x.greylist_delay_ms);
        std::int64_t v = x.defer_every;
        ck.integer(*t, "defer_every", "chaos.defer_every", 0, 1'000'000, v);
        x.defer_every = static_cast<std::uint32_t>(v);
        ck.integer(*t, "slow_reply_ms", "chaos.slow_reply_ms", 0, k_chaos_max_slow_ms, x.slow_reply_ms);
        v = x.drop_after_data;
        ck.integer(*t, "drop_after_data", "chaos.drop_after_data", 0, 100, v);
        x.drop_after_data = static_cast<int>(v);
    }
    // Safe by default: captured mail and transcripts are private, so an HTTP listener that
    // other machines can reach needs credentials.
    if (!ck.failed && !c.listen.http.empty() && c.http.token.empty()) {
        std::string host;
        std::uint16_t port = 0;
        if (split_host_port(c.listen.http, host, port) && !is_loopback_ip(host)) {
            const toml::node* n = nullptr;
            if (auto* l = root.get("listen"); l && l->as_table()) n = l->as_table()->get("http");
            ck.fail(n, "listen.http = \"" + c.listen.http +
                           "\" is not a loopback address: set http.token (then every request needs it) or listen on "
                           "127.0.0.1");
        }
    }
    if (c.hostname.empty() && !ck.failed) ck.fail(root.get("hostname"), "hostname must not be empty");
    if (c.state_dir.empty() && !ck.failed) ck.fail(root.get("state_dir"), "state_dir must not be empty");
    if (ck.failed) return std::nullopt;
    return c;
}

std::optional<Config> load_config(const std::string& path, ConfigError& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error.message = path + ": cannot read the file";
        return std::nullopt;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_config(ss.str(), path, error);
}

}  // namespace relaylab::native
