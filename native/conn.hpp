#pragma once
// One TCP connection, plain or TLS, with a watchdog deadline: when it passes, pending socket
// operations are cancelled (not closed), so a session can still say "421" and close.
#include <memory>
#include <string>

#include "native/asio.hpp"

namespace relaylab::native {

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
    // The session ended cleanly (QUIT or the client's EOF): mark the TLS session as shut down
    // so OpenSSL keeps it in the server's session cache (it drops the session of a connection
    // freed without a shutdown), and a TLS 1.2 client can resume it by session ID.
    void keep_tls_session() {
        if (tls) SSL_set_shutdown(tls->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
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
    bool tls_resumed() const { return tls && SSL_session_reused(tls->native_handle()) == 1; }
    std::string tls_version() const { return tls ? SSL_get_version(tls->native_handle()) : ""; }
};

}  // namespace relaylab::native
