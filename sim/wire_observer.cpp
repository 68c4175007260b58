// The observer's view of a connection: cleartext as sent, TLS as records (see the header).
#include "sim/wire_observer.hpp"

#include <algorithm>

#include "engine/ids.hpp"

namespace relaylab::sim {

namespace {

// Deterministic filler octets (splitmix64 over a seed): what ciphertext looks like.
std::string filler(std::uint64_t seed, std::size_t n) {
    std::string out;
    out.reserve(n);
    std::uint64_t x = seed;
    while (out.size() < n) {
        x += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        for (int i = 0; i < 8 && out.size() < n; ++i) out.push_back(static_cast<char>((z >> (8 * i)) & 0xff));
    }
    return out;
}

void put16(std::string& s, std::size_t v) {
    s.push_back(static_cast<char>((v >> 8) & 0xff));
    s.push_back(static_cast<char>(v & 0xff));
}
void put24(std::string& s, std::size_t v) {
    s.push_back(static_cast<char>((v >> 16) & 0xff));
    put16(s, v);
}
std::string record(unsigned char type, unsigned legacy_version, const std::string& body) {
    std::string r;
    r.push_back(static_cast<char>(type));
    put16(r, legacy_version);
    put16(r, body.size());
    return r + body;
}
std::string handshake(unsigned char type, const std::string& body) {
    std::string h(1, static_cast<char>(type));
    put24(h, body.size());
    return h + body;
}
std::string extension(unsigned type, const std::string& data) {
    std::string e;
    put16(e, type);
    put16(e, data.size());
    return e + data;
}

// RFC 8446 §4.1.2: a TLS 1.3 ClientHello naming the server (SNI, RFC 6066 §3).
std::string client_hello(const WireConnection& c, std::uint64_t seed) {
    std::string b;
    put16(b, 0x0303);
    b += filler(seed ^ 1, 32);  // random
    b.push_back(32);
    b += filler(seed ^ 2, 32);  // legacy_session_id
    put16(b, 6);
    put16(b, 0x1301), put16(b, 0x1302), put16(b, 0x1303);
    b.push_back(1), b.push_back(0);  // compression: null
    std::string sni, name;
    name.push_back(0);
    put16(name, c.server.size());
    name += c.server;
    put16(sni, name.size());
    sni += name;
    std::string groups;
    put16(groups, 2), put16(groups, 0x001d);  // x25519
    std::string sigs;
    put16(sigs, 6), put16(sigs, 0x0403), put16(sigs, 0x0804), put16(sigs, 0x0401);
    std::string versions(1, 2);
    put16(versions, 0x0304);
    std::string share;
    put16(share, 36), put16(share, 0x001d), put16(share, 32);
    share += filler(seed ^ 3, 32);
    const std::string exts = extension(0x0000, sni) + extension(0x000a, groups) + extension(0x000d, sigs) +
                             extension(0x002b, versions) + extension(0x0033, share);
    put16(b, exts.size());
    b += exts;
    return record(0x16, 0x0301, handshake(1, b));
}

std::string server_hello(std::uint64_t seed) {
    std::string b;
    put16(b, 0x0303);
    b += filler(seed ^ 4, 32);
    b.push_back(32);
    b += filler(seed ^ 2, 32);  // echoes the client's legacy_session_id
    put16(b, 0x1301);
    b.push_back(0);
    std::string versions;
    put16(versions, 0x0304);
    std::string share;
    put16(share, 0x001d), put16(share, 32);
    share += filler(seed ^ 5, 32);
    const std::string exts = extension(0x002b, versions) + extension(0x0033, share);
    put16(b, exts.size());
    b += exts;
    return record(0x16, 0x0303, handshake(2, b));
}

const std::string k_change_cipher_spec = std::string("\x14\x03\x03\x00\x01\x01", 6);

std::string opaque_record(std::uint64_t seed, std::size_t plain) {
    return record(0x17, 0x0303, filler(seed, plain + 1 + 16));
}

ObservedChunk chunk(std::int64_t t, WireDir dir, ObservedKind kind, std::string bytes, std::string label) {
    ObservedChunk o;
    o.t_ms = t;
    o.dir = dir;
    o.kind = kind;
    o.bytes = std::move(bytes);
    o.label = std::move(label);
    return o;
}

void add_handshake(const WireConnection& c, std::uint64_t seed, std::vector<ObservedChunk>& out) {
    const WireTls& tls = *c.tls;
    const std::int64_t mid = (tls.t_ms + tls.done_ms) / 2;
    out.push_back(chunk(tls.t_ms, WireDir::to_server, ObservedKind::tls_handshake, client_hello(c, seed),
                        "TLS ClientHello (names " + c.server + " in the clear)"));
    if (tls.result == TlsResult::handshake_failure) {
        out.push_back(chunk(mid, WireDir::to_client, ObservedKind::tls_alert,
                            record(0x15, 0x0303, std::string("\x02\x28", 2)), "TLS alert: handshake_failure"));
        return;
    }
    if (tls.result == TlsResult::pending) return;
    // ServerHello, then the encrypted EncryptedExtensions, Certificate, CertificateVerify,
    // Finished (about 1.1 kB with one certificate).
    out.push_back(chunk(mid, WireDir::to_client, ObservedKind::tls_handshake,
                        server_hello(seed) + k_change_cipher_spec, "TLS ServerHello, ChangeCipherSpec"));
    const std::string flight = opaque_record(seed ^ 6, 1100);
    out.push_back(chunk(mid, WireDir::to_client, ObservedKind::tls_encrypted, flight,
                        "encrypted handshake: certificate, Finished (" + std::to_string(flight.size()) + " octets)"));
    if (tls.result == TlsResult::certificate_refused) {
        out.push_back(chunk(tls.done_ms, WireDir::to_server, ObservedKind::tls_encrypted,
                            k_change_cipher_spec + opaque_record(seed ^ 7, 2),
                            "encrypted alert: the client does not trust the certificate"));
        return;
    }
    out.push_back(chunk(tls.done_ms, WireDir::to_server, ObservedKind::tls_encrypted,
                        k_change_cipher_spec + opaque_record(seed ^ 8, 36), "TLS ChangeCipherSpec, encrypted Finished"));
}

}  // namespace

std::vector<ObservedChunk> observe_connection(const WireConnection& c) {
    std::vector<ObservedChunk> out;
    const std::uint64_t seed = hash64(static_cast<std::uint64_t>(c.id), c.client + ">" + c.server);
    bool handshake_done = false;
    auto handshake_now = [&](std::int64_t t) {
        if (handshake_done || !c.tls || c.tls->t_ms > t) return;
        add_handshake(c, seed, out);
        handshake_done = true;
    };
    for (const auto& ch : c.chunks) {
        // Octets written after the ClientHello (the 465 greeting, the EHLO after STARTTLS).
        if (ch.tls || (c.tls && ch.t_ms > c.tls->t_ms)) handshake_now(ch.t_ms);
        if (!ch.tls) {
            ObservedChunk o = chunk(ch.t_ms, ch.dir, ObservedKind::cleartext, ch.bytes,
                                    std::to_string(ch.bytes.size()) + " octets of SMTP in cleartext");
            o.plain_offset = ch.offset;
            o.plain_length = ch.bytes.size();
            out.push_back(std::move(o));
            continue;
        }
        for (std::size_t at = 0; at < ch.bytes.size(); at += k_tls_max_plaintext) {
            const std::size_t n = std::min(k_tls_max_plaintext, ch.bytes.size() - at);
            const std::uint64_t s = seed ^ (static_cast<std::uint64_t>(ch.offset + at) << 1) ^
                                    (ch.dir == WireDir::to_client ? 0x5555ULL << 40 : 0);
            ObservedChunk o = chunk(ch.t_ms, ch.dir, ObservedKind::tls_application, opaque_record(s, n),
                                    "TLS application data: " + std::to_string(n + k_tls_record_overhead) +
                                        " octets on the wire, " + std::to_string(n) + " octets of SMTP inside");
            o.plain_offset = ch.offset + at;
            o.plain_length = n;
            out.push_back(std::move(o));
        }
    }
    if (c.tls && !handshake_done) add_handshake(c, seed, out);
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.t_ms < b.t_ms; });
    return out;
}

}  // namespace relaylab::sim
