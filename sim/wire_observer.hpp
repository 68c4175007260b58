#pragma once
// What an observer on the path sees of a connection: the cleartext octets as they were
// sent, and once TLS starts a TLS 1.3 handshake (ClientHello, ServerHello, then encrypted
// records) and application-data records whose lengths follow the SMTP octets inside them.
// The record contents are deterministic filler, not encryption: the simulator has no keys
// and no randomness. Used by the pcap export and the page's wire view.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/wire.hpp"

namespace relaylab::sim {

enum class ObservedKind : std::uint8_t {
    cleartext,         // SMTP octets readable by anyone on the path
    tls_handshake,     // ClientHello / ServerHello / ChangeCipherSpec (readable TLS framing)
    tls_encrypted,     // encrypted handshake messages (certificate, Finished, an alert)
    tls_alert,         // a cleartext TLS alert (handshake failure)
    tls_application,   // application data: SMTP inside, opaque
};

struct ObservedChunk {
    std::int64_t t_ms = 0;
    WireDir dir = WireDir::to_server;
    ObservedKind kind = ObservedKind::cleartext;
    std::string bytes;   // what crosses the wire
    std::string label;   // "ClientHello", "application data (42 octets of SMTP)", ...
    std::size_t plain_offset = 0, plain_length = 0;  // the SMTP octets it carries (stream position)
};

// In the order they were sent.
std::vector<ObservedChunk> observe_connection(const WireConnection& c);

// TLS record framing, exposed for tests: an application-data record carries its plaintext
// plus one content-type octet and a 16-octet AEAD tag (RFC 8446 §5.2).
inline constexpr std::size_t k_tls_record_overhead = 5 + 1 + 16;
inline constexpr std::size_t k_tls_max_plaintext = 16384;  // RFC 8446 §5.1

}  // namespace relaylab::sim
