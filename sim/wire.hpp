#pragma once
// The wire log: every byte the simulated hosts sent each other, per TCP connection, in order
// and with its virtual time, and where TLS starts. The virtual network writes it
// (sim/world_network.cpp) as it moves bytes; exports (pcap) and the page's wire view read it.
// It covers the whole run, so it is valid whatever step the page shows.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relaylab::sim {

enum class WireDir : std::uint8_t { to_server, to_client };
const char* wire_dir_name(WireDir dir);  // "to_server" | "to_client"

// One write by one side: the octets as the sending session produced them (cleartext; after
// TLS started they travel encrypted, see `tls`).
struct WireChunk {
    std::int64_t t_ms = 0;  // when the sender wrote them (they arrive one latency later)
    WireDir dir = WireDir::to_server;
    std::size_t offset = 0;  // position in that direction's stream
    std::string bytes;
    bool tls = false;  // sent inside TLS: an observer on the path sees only records
    bool operator==(const WireChunk&) const = default;
};

// How a TCP connection attempt went.
enum class WireOpen : std::uint8_t { pending, open, refused, timed_out };
enum class TlsResult : std::uint8_t { pending, ok, handshake_failure, certificate_refused };

// Where TLS starts: after STARTTLS's 220 (both streams' lengths at that moment), or at
// octet 0 on port 465 (implicit TLS, RFC 8314 §3.3).
struct WireTls {
    std::int64_t t_ms = 0;     // the ClientHello
    std::int64_t done_ms = 0;  // the handshake's end (success or failure)
    std::size_t to_server_offset = 0, to_client_offset = 0;
    bool implicit = false;
    TlsResult result = TlsResult::pending;
    bool operator==(const WireTls&) const = default;
};

struct WireConnection {
    int id = 0;  // the connection id of the steps (Step::connection)
    std::string client, server;  // host names
    std::string client_ip, server_ip;  // stable IPv4 addresses (wire_ipv4)
    int client_port = 0, server_port = 25;
    std::int64_t start_ms = 0;  // the SYN
    std::int64_t open_ms = 0;   // the SYN-ACK (or the refusal)
    WireOpen open = WireOpen::pending;
    std::optional<std::int64_t> close_ms;
    std::vector<WireChunk> chunks;
    std::string to_server, to_client;  // each direction's stream: the chunks concatenated
    std::optional<WireTls> tls;
    const std::string& stream(WireDir dir) const { return dir == WireDir::to_server ? to_server : to_client; }
    bool operator==(const WireConnection&) const = default;
};

// The octets a step stands for: a command or reply line, or message content (the octets
// between the command before it and the command after it).
struct WireSpan {
    int connection = -1;  // -1: the step has no octets on the wire
    WireDir dir = WireDir::to_server;
    std::size_t offset = 0, length = 0;
    bool operator==(const WireSpan&) const = default;
};

struct WireLog {
    std::vector<WireConnection> connections;  // in the order they were attempted
    std::vector<WireSpan> spans;              // one per step of the run
    const WireConnection* connection(int id) const;
    const WireSpan* span(std::size_t step_index) const;
    bool operator==(const WireLog&) const = default;
};

struct Step;
// Points each step at its octets: command lines are found in order in the client's stream,
// reply lines in the server's, message content (DATA, BDAT chunks, and the notices about
// it) is the stretch of the client's stream before the next command line.
void locate_wire_spans(const std::vector<Step>& steps, WireLog& log);

// A stable IPv4 address for a host: its configured one when that is IPv4, else 10.x.y.z
// derived from its name.
std::string wire_ipv4(const std::string& configured_ip, const std::string& host_name);

}  // namespace relaylab::sim
