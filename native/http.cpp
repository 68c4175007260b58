// The HTTP side: the web UI's static files, /healthz, /metrics (Prometheus text format) and
// the inbox's Mailpit API under /api/v1/ (inbox.cpp).
// With live_ws.cpp (the WebSockets), the only translation units with Beast.
#include "native/relay.hpp"  // first: Asio (and <utility> before it)
#include "native/chaos_api.hpp"
#include "native/http_auth.hpp"
#include "native/live_ws.hpp"
#include "native/log.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace relaylab::native {

namespace beast = boost::beast;
namespace http = boost::beast::http;

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
    metric("relaylab_messages_delivered_total", "counter", "recipients delivered into a mailbox here", m_.delivered);
    metric("relaylab_messages_relayed_total", "counter", "recipients relayed to the next hop", m_.relayed);
    metric("relaylab_messages_deferred_total", "counter", "recipient attempts deferred (4xx)", m_.deferred);
    metric("relaylab_messages_bounced_total", "counter", "recipients bounced (5xx or expired)", m_.bounced);
    metric("relaylab_dsn_total", "counter", "delivery status notifications queued", m_.dsn_sent);
    metric("relaylab_queue_size", "gauge", "messages in the spool", queue_.size());
    metric("relaylab_tls_handshakes_total", "counter", "TLS handshakes completed", m_.tls_handshakes);
    metric("relaylab_tls_resumed_total", "counter", "TLS handshakes that resumed a session (ticket or session ID)",
           m_.tls_resumed);
    metric("relaylab_tls_failures_total", "counter", "TLS handshakes failed", m_.tls_failures);
    metric("relaylab_auth_success_total", "counter", "successful AUTH", m_.auth_ok);
    metric("relaylab_auth_failures_total", "counter", "failed AUTH", m_.auth_failures);
    metric("relaylab_auth_hashes_total", "counter", "argon2id password checks run (cache misses, unknown users)",
           m_.auth_hashes);
    metric("relaylab_auth_hashes_active", "gauge", "argon2id checks running or waiting for the hashing pool",
           m_.auth_hashes_active);
    metric("relaylab_auth_cache_hits_total", "counter", "AUTH answered from the verified-credentials cache",
           auth_cache_.hits());
    metric("relaylab_auth_cache_misses_total", "counter", "AUTH of a known user not in the cache (or another password)",
           auth_cache_.misses());
    metric("relaylab_auth_cache_evictions_total", "counter", "cache entries pushed out by auth.cache_size",
           auth_cache_.evictions());
    metric("relaylab_auth_cache_invalidations_total", "counter",
           "cache entries dropped because the users file changed or on reload", auth_cache_.invalidations());
    metric("relaylab_auth_cache_entries", "gauge", "users in the verified-credentials cache", auth_cache_.size());
    metric("relaylab_auth_delayed_total", "counter", "failed AUTH answered after the throttle delay", m_.auth_delayed);
    metric("relaylab_auth_lockouts_total", "counter", "client addresses locked out after limits.auth_failures",
           m_.auth_lockouts);
    metric("relaylab_auth_locked_refusals_total", "counter", "AUTH refused with 454 4.7.0 during a lockout",
           m_.auth_locked_refusals);
    metric("relaylab_auth_throttle_addresses", "gauge", "client addresses with failures remembered",
           auth_throttle_.size());
    metric("relaylab_bytes_accepted_total", "counter", "message bytes accepted", m_.bytes_accepted);
    metric("relaylab_fd_limit", "gauge", "soft RLIMIT_NOFILE in force", m_.fd_limit);
    metric("relaylab_connections_limit", "gauge",
           "SMTP connections allowed (limits.connections, lowered when the descriptor limit is too small)",
           m_.connections_limit);
    metric("relaylab_accept_fd_exhausted_total", "counter", "accepts that failed with EMFILE/ENFILE",
           m_.accept_fd_exhausted);
    metric("relaylab_fd_refused_total", "counter", "connections answered 421 4.3.2 with the reserve descriptor",
           m_.fd_refused);
    metric("relaylab_rate_limited_connections_total", "counter",
           "connections refused 421 4.7.0 by limits.connections_per_minute", m_.rate_connections);
    metric("relaylab_rate_limited_messages_total", "counter", "MAIL refused 450 4.7.1 by limits.messages_per_hour",
           m_.rate_messages);
    metric("relaylab_rate_limited_recipients_total", "counter",
           "RCPT refused 452 4.5.3 by limits.recipients_per_hour", m_.rate_recipients);
    metric("relaylab_http_active", "gauge", "HTTP connections open now", m_.http_active);
    metric("relaylab_http_refused_total", "counter", "HTTP connections refused by limits.http_connections",
           m_.http_refused);
    metric("relaylab_chaos_active", "gauge", "1 while a chaos switch is on (GET /api/v1/chaos)", chaos_active(chaos_));
    metric("relaylab_chaos_refusals_total", "counter", "replies refused or deferred by a chaos switch",
           m_.chaos_refusals);
    metric("relaylab_chaos_drops_total", "counter", "connections dropped after DATA by a chaos switch", m_.chaos_drops);
    return s;
}

void Relay::chaos_changed() {
    chaos_messages_ = 0;  // "every Nth" counts from the new setting
    if (!chaos_.greylist) greylist_.clear();
    std::string settings = chaos_json(chaos_);
    if (!settings.empty() && settings.back() == '\n') settings.pop_back();
    log_event("chaos-set", {{"settings", settings}});
}

namespace {

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

}  // namespace

awaitable<void> Relay::http_loop(tcp::acceptor& acc) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket sock = co_await acc.async_accept(net::redirect_error(use_awaitable, ec));
        if (ec) {
            static const std::string refusal =
                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            if (!co_await accept_failed(acc, ec, refusal)) co_return;
            continue;
        }
        // limits.http_connections: a flood of idle HTTP connections cannot take every descriptor.
        if (m_.http_active >= static_cast<std::uint64_t>(cfg_.limits.http_connections)) {
            ++m_.http_refused;
            static const std::string busy =
                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            sock.non_blocking(true, ec);
            if (!ec) sock.send(net::buffer(busy), 0, ec);
            sock.close(ec);
            continue;
        }
        net::co_spawn(io_, http_session(std::move(sock)), net::detached);
    }
}

awaitable<void> Relay::http_session(tcp::socket sock) {
    ++m_.http_active;
    struct Leave {
        std::uint64_t& n;
        ~Leave() { --n; }
    } leave{m_.http_active};
    beast::tcp_stream stream(std::move(sock));
    beast::flat_buffer buffer;
    for (;;) {
        boost::system::error_code ec;
        // Bounded requests (Beast's parser limits): the request line and header fields at most
        // k_header_limit octets, at most k_max_fields fields, a target of at most k_max_target
        // octets, a small body. Beyond: 414 URI Too Long (RFC 9110 §15.5.15) or 431 Request
        // Header Fields Too Large (RFC 6585 §5), and the connection is closed.
        constexpr std::size_t k_header_limit = 8192, k_max_target = 2048, k_max_fields = 64;
        http::request_parser<http::string_body> parser;
        parser.header_limit(k_header_limit);
        parser.body_limit(65536);
        stream.expires_after(30s);
        co_await http::async_read(stream, buffer, parser, net::redirect_error(use_awaitable, ec));
        http::status too_large{};
        if (ec == http::error::header_limit) {
            // Which part is too long: the request line (the parser never got through it, so the
            // message has no method yet) or the fields after it.
            too_large = parser.get().method_string().empty() ? http::status::uri_too_long
                                                             : http::status::request_header_fields_too_large;
        } else if (ec) {
            break;
        } else if (parser.get().target().size() > k_max_target) {
            too_large = http::status::uri_too_long;
        } else if (static_cast<std::size_t>(std::distance(parser.get().begin(), parser.get().end())) > k_max_fields) {
            too_large = http::status::request_header_fields_too_large;
        }
        if (too_large != http::status{}) {
            http::response<http::string_body> res{too_large, 11};
            res.set(http::field::server, "relaylab");
            res.set(http::field::content_type, "text/plain");
            res.keep_alive(false);
            res.body() = too_large == http::status::uri_too_long ? "URI too long\n" : "request header fields too large\n";
            res.prepare_payload();
            stream.expires_after(10s);
            co_await http::async_write(stream, res, net::redirect_error(use_awaitable, ec));
            // Closing with unread input would send a reset that can overtake the reply: say we
            // are done, then read and drop what the client is still sending (bounded).
            stream.socket().shutdown(tcp::socket::shutdown_send, ec);
            stream.expires_after(2s);
            char sink[4096];
            for (std::size_t dropped = 0; !ec && dropped < (1u << 20);)
                dropped += co_await stream.async_read_some(net::buffer(sink), net::redirect_error(use_awaitable, ec));
            break;
        }
        http::request<http::string_body>& req = parser.get();
        http::response<http::string_body> res;
        res.version(req.version());
        res.keep_alive(req.keep_alive());
        res.set(http::field::server, "relaylab");
        std::string target(req.target()), query;
        if (auto q = target.find('?'); q != std::string::npos) {
            query = target.substr(q + 1);
            target.resize(q);
        }
        auto reply = [&](http::status st, const std::string& type, std::string body) {
            res.result(st);
            res.set(http::field::content_type, type);
            res.body() = std::move(body);
        };
        // Every request, WebSocket upgrades included, passes http_access first (http_auth.hpp).
        auto sv = [](beast::string_view v) { return std::string_view(v.data(), v.size()); };
        HttpAccess access = http_access(cfg_.http.token, target, sv(req[http::field::authorization]),
                                        sv(req[http::field::cookie]), query);
        std::string granted_token = cfg_.http.token;
        const bool admin = access != HttpAccess::denied;
        if (!admin) {  // a workshop room's read-only token opens the page and its room (rooms.hpp)
            if (auto g = rooms_.access(target, sv(req[http::field::authorization]), sv(req[http::field::cookie]), query)) {
                access = g->access;
                granted_token = g->token;
            }
        }
        if (access == HttpAccess::granted_by_query) res.set(http::field::set_cookie, http_session_cookie(granted_token));
        // The live view, Mailpit's events, a room's followers: WebSockets after the same check (live_ws.cpp).
        if (auto kind = live_upgrade_kind(target);
            kind && access != HttpAccess::denied && beast::websocket::is_upgrade(req)) {
            LiveUpgrade up{stream, req, *kind, room_of_path(target)};
            co_await live_upgrade(up);
            co_return;
        }
        const bool live_path = target.rfind("/api/v1/live/", 0) == 0 || target.rfind("/api/v1/rooms", 0) == 0;
        // Mailpit's REST API over the captured-mail inbox (inbox.cpp, mailpit_api.cpp).
        std::optional<ApiResponse> api;
        const bool inbox_path =
            (target.rfind("/api/v1/", 0) == 0 && target != "/api/v1/chaos" && !live_path) ||
            target.rfind("/view/", 0) == 0;
        if (access != HttpAccess::denied && inbox_path) {
            std::string method(req.method_string()), full(req.target()), body = std::move(req.body());
            api = co_await inbox_request(std::move(method), std::move(full), std::move(body));
        }
        if (access == HttpAccess::denied) {
            res.set(http::field::www_authenticate, k_http_auth_challenge);
            reply(http::status::unauthorized, "text/plain; charset=utf-8", "authentication required (http.token)\n");
        } else if (target == "/api/v1/chaos") {
            bool changed = false;
            ApiReply r = chaos_api(sv(req.method_string()), req.body(), chaos_, changed);
            if (changed) chaos_changed();
            reply(static_cast<http::status>(r.status), r.content_type, std::move(r.body));
        } else if (live_path) {  // live_relay.cpp, room_relay.cpp
            const std::string method(req.method_string());
            ApiResponse r = target.rfind("/api/v1/rooms", 0) == 0 ? *room_request(method, target, req.body(), admin)
                            : method == "GET" ? live_rest(target).value_or(MailpitApi::error(404, "not found"))
                                              : MailpitApi::error(405, "GET only");
            reply(static_cast<http::status>(r.status), r.content_type, std::move(r.body));
        } else if (api) {
            reply(static_cast<http::status>(api->status), api->content_type, std::move(api->body));
            for (const auto& [name, value] : api->headers) res.set(name, value);
        } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
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

}  // namespace relaylab::native
