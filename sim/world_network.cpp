// The virtual network: TCP connections that open, are refused or time out, bytes that arrive
// after the link's latency, and the TLS layer (a handshake that succeeds, fails, or shows an
// untrusted certificate). No sockets: events on the virtual clock.
#include "sim/world_impl.hpp"

namespace relaylab::sim {

namespace {
constexpr std::int64_t k_connect_timeout_ms = 30'000;  // a silent host
}

Conn* World::new_conn(HostRt* client, HostRt* server, int port, Purpose purpose, const std::string& spec_id) {
    auto conn = std::make_unique<Conn>();
    Conn* c = conn.get();
    c->id = ++conn_counter_;
    c->client = client;
    c->client_ip = client->spec->ip;
    c->server = server;
    c->port = port;
    c->purpose = purpose;
    c->spec_id = spec_id;
    conns_.push_back(std::move(conn));
    WireConnection w;
    w.id = c->id;
    w.client = client->spec->name;
    w.server = server->spec->name;
    w.client_ip = wire_ipv4(client->spec->ip, w.client);
    w.server_ip = wire_ipv4(server->spec->ip, w.server);
    w.client_port = 49152 + (c->id * 37) % 16000;  // a stable ephemeral port
    w.server_port = port;
    w.start_ms = now_;
    c->wire = wire_.connections.size();
    wire_.connections.push_back(std::move(w));
    return c;
}

void World::wire_send(Conn* c, WireDir dir, const std::string& bytes) {
    if (bytes.empty()) return;
    WireConnection& w = wire_of(c);
    std::string& stream = dir == WireDir::to_server ? w.to_server : w.to_client;
    w.chunks.push_back(WireChunk{now_, dir, stream.size(), bytes, c->tls});
    stream += bytes;
}

void World::wire_tls_start(Conn* c, bool implicit) {
    WireConnection& w = wire_of(c);
    WireTls tls;
    tls.t_ms = now_;
    tls.done_ms = implicit ? now_ : now_ + 2 * latency();
    tls.to_server_offset = w.to_server.size();
    tls.to_client_offset = w.to_client.size();
    tls.implicit = implicit;
    tls.result = implicit ? TlsResult::ok : TlsResult::pending;
    w.tls = tls;
}

// on_open runs when the connection is established, on_fail when refused / timed out.
void World::open_virtual_connection(Conn* c, HostRt* from, HostRt* to, int port, const std::string& message,
                                    Topic topic, std::function<void()> on_open,
                                    std::function<void(const std::string&)> on_fail) {
    const std::string target = to->spec->name + ":" + std::to_string(port);
    const bool v6 = c->client_ip.find(':') != std::string::npos && !to->spec->ipv6.empty();
    const TraceConnect where{to->spec->name, v6 ? to->spec->ipv6 : to->spec->ip, port};
    record(TraceKind::connect, TracePhase::connect, topic, from->spec->name, to->spec->name, "connect to " + target,
           "Opens a TCP connection to the SMTP port of " + to->spec->name + ".", "RFC 5321 §3.1", message)
        .event.connect = where;
    const bool listening = to->spec->kind == HostKind::relay || to->spec->kind == HostKind::capture
                               ? (port == 25 || port == 587 || port == 465)
                           : to->spec->kind == HostKind::mx  ? port == 25
                                                             : false;
    if (to->silent) {
        at(now_ + k_connect_timeout_ms, [=, this] {
            record(TraceKind::connect, TracePhase::connect, topic, to->spec->name, from->spec->name,
                   "no answer from " + target + " (connection timed out)",
                   "The host did not answer at all: it is down or a firewall drops the packets. The sender "
                   "gives up on this host.",
                   "RFC 5321 §4.5.3.2", message, -1, TraceOutcome::timed_out)
                .event.connect = where;
            wire_of(c).open = WireOpen::timed_out;
            wire_of(c).open_ms = now_;
            on_fail("timed out");
        });
        return;
    }
    if (to->down || !listening) {
        at(now_ + 2 * latency(), [=, this] {
            record(TraceKind::connect, TracePhase::connect, topic, to->spec->name, from->spec->name,
                   "connection to " + target + " refused",
                   "Nothing listens on that port (the host is down or its mail server stopped). The sender "
                   "tries the next host, or tries again later.",
                   "RFC 5321 §5.1", message, -1, TraceOutcome::refused)
                .event.connect = where;
            wire_of(c).open = WireOpen::refused;
            wire_of(c).open_ms = now_;
            on_fail("refused");
        });
        return;
    }
    at(now_ + latency(), [this, c, on_open = std::move(on_open)] {
        wire_of(c).open = WireOpen::open;
        wire_of(c).open_ms = now_;
        on_open();
    });
}

void World::to_server(Conn* c, std::string bytes) {
    if (bytes.empty()) return;
    wire_send(c, WireDir::to_server, bytes);
    at(now_ + latency(), [this, c, bytes = std::move(bytes)] {
        if (c->closed) return;
        c->srv->feed(bytes, now_);
        pump_server(c);
    });
}

void World::to_client(Conn* c, std::string bytes, bool then_close) {
    wire_send(c, WireDir::to_client, bytes);
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

void World::close_conn(Conn* c) {
    if (c->closed) return;
    c->closed = true;
    wire_of(c).close_ms = now_;
    // The TCP connection closes: let the server know if it still listens.
    if (c->srv && !c->srv->wants_close()) {
        c->srv->feed_eof(now_);
        while (auto ev = c->srv->next_event()) (void)ev;
        absorb_server_trace(*c);
    }
    record(TraceKind::connect, TracePhase::connect, topic_of(c->purpose), c->client->spec->name, c->server->spec->name,
           "connection closed", "The TCP connection ends.", "RFC 5321 §4.1.1.10", c->spec_id, c->id);
    set_connection(*c);
}

// The TLS layer the world plays for STARTTLS. The client's TLS policy (from the engine: the
// submission client requires TLS, the relay's delivery core chooses per destination) decides
// whether an untrusted certificate stops it.
void World::run_tls_handshake(Conn* c) {
    const TlsOutcome outcome = c->server->tls;
    wire_tls_start(c, false);
    record(TraceKind::tls, TracePhase::tls, Topic::tls, c->client->spec->name, c->server->spec->name,
           "TLS handshake: ClientHello", "The client starts encrypting the connection.", "RFC 3207 §4, RFC 8446",
           c->spec_id, c->id);
    at(now_ + 2 * latency(), [this, c, outcome] {
        if (c->closed) return;
        const bool verify = c->purpose == Purpose::submission || c->attempt_tls_required;
        if (outcome == TlsOutcome::handshake_failure) {
            record(TraceKind::tls, TracePhase::tls, Topic::tls, c->server->spec->name, c->client->spec->name,
                   "TLS handshake failed (no shared protocol version or cipher)",
                   "", "",  // the note's explanation (engine/explain.cpp), said once
                   c->spec_id, c->id, TraceOutcome::failed)
                .event.note = TraceNote::tls_handshake_failed;
            wire_of(c).tls->result = TlsResult::handshake_failure;
            c->cli->tls_failed("handshake failure", now_);
            pump_client(c);
            return;
        }
        if (outcome == TlsOutcome::untrusted && verify) {
            record(TraceKind::tls, TracePhase::tls, Topic::tls, c->server->spec->name, c->client->spec->name,
                   "TLS certificate of " + c->server->spec->name + " is not trusted",
                   "The certificate is not signed by an authority the client trusts (or names another "
                   "host). A client that requires TLS must stop here.",
                   "RFC 7672 §3, RFC 6125", c->spec_id, c->id, TraceOutcome::failed)
                .event.note = TraceNote::tls_certificate_untrusted;
            wire_of(c).tls->result = TlsResult::certificate_refused;
            c->cli->tls_failed("certificate not trusted", now_);
            pump_client(c);
            return;
        }
        if (outcome == TlsOutcome::untrusted)
            record(TraceKind::tls, TracePhase::tls, Topic::tls, c->server->spec->name, c->client->spec->name,
                   "TLS certificate not trusted; opportunistic TLS goes on encrypted",
                   "Opportunistic TLS encrypts without checking the certificate: better than plain text.",
                   "RFC 7435", c->spec_id, c->id, TraceOutcome::ok)
                .event.note = TraceNote::tls_certificate_untrusted;
        c->tls = true;
        wire_of(c).tls->result = TlsResult::ok;
        set_connection(*c);
        c->srv->tls_established("TLSv1.3", now_);
        c->cli->tls_established("TLSv1.3", now_);
        pump_server(c);
        pump_client(c);
    });
}

}  // namespace relaylab::sim
