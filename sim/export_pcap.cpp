// The pcap export (see the header): synthetic IPv4/TCP segments from the wire log.
#include "sim/export_pcap.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "engine/ids.hpp"
#include "sim/wire_observer.hpp"
#include "sim/world.hpp"

namespace relaylab::sim {

namespace {

enum : std::uint8_t { k_fin = 0x01, k_syn = 0x02, k_rst = 0x04, k_psh = 0x08, k_ack = 0x10 };

struct Packet {
    std::int64_t t_ms = 0;
    std::string ip;  // the IPv4 datagram
};

std::array<std::uint8_t, 4> parse_ipv4(const std::string& ip) {
    std::array<std::uint8_t, 4> out{};
    int part = 0, value = 0;
    for (char ch : ip) {
        if (ch == '.') {
            if (part < 4) out[part] = static_cast<std::uint8_t>(value);
            ++part, value = 0;
        } else {
            value = value * 10 + (ch - '0');
        }
    }
    if (part < 4) out[part] = static_cast<std::uint8_t>(value);
    return out;
}

void be16(std::string& s, std::uint32_t v) {
    s.push_back(static_cast<char>((v >> 8) & 0xff));
    s.push_back(static_cast<char>(v & 0xff));
}
void be32(std::string& s, std::uint32_t v) {
    be16(s, v >> 16);
    be16(s, v & 0xffff);
}
void le16(std::string& s, std::uint32_t v) {
    s.push_back(static_cast<char>(v & 0xff));
    s.push_back(static_cast<char>((v >> 8) & 0xff));
}
void le32(std::string& s, std::uint32_t v) {
    le16(s, v & 0xffff);
    le16(s, v >> 16);
}
void set16(std::string& s, std::size_t at, std::uint16_t v) {
    s[at] = static_cast<char>(v >> 8);
    s[at + 1] = static_cast<char>(v & 0xff);
}

// One side of a TCP connection as the packets go by.
struct Side {
    std::array<std::uint8_t, 4> ip{};
    std::uint16_t port = 0;
    std::uint32_t seq = 0;  // next sequence number to send
    std::uint16_t ip_id = 0;
};

std::string segment(Side& from, const Side& to, std::uint32_t ack, std::uint8_t flags, std::string_view payload) {
    std::string tcp;
    be16(tcp, from.port);
    be16(tcp, to.port);
    be32(tcp, from.seq);
    be32(tcp, (flags & k_ack) ? ack : 0);
    const bool syn = flags & k_syn;
    tcp.push_back(static_cast<char>((syn ? 6 : 5) << 4));  // data offset in 32-bit words
    tcp.push_back(static_cast<char>(flags));
    be16(tcp, 65535);  // window
    be16(tcp, 0);      // checksum, below
    be16(tcp, 0);      // urgent pointer
    if (syn) tcp += std::string("\x02\x04", 2), be16(tcp, k_pcap_mss);  // MSS option
    tcp.append(payload.data(), payload.size());
    std::string pseudo;
    pseudo.append(reinterpret_cast<const char*>(from.ip.data()), 4);
    pseudo.append(reinterpret_cast<const char*>(to.ip.data()), 4);
    pseudo.push_back(0), pseudo.push_back(6);
    be16(pseudo, tcp.size());
    set16(tcp, 16, internet_checksum(pseudo + tcp));

    std::string ip;
    ip.push_back(0x45), ip.push_back(0);
    be16(ip, 20 + tcp.size());
    be16(ip, from.ip_id++);
    be16(ip, 0x4000);  // don't fragment
    ip.push_back(64), ip.push_back(6);
    be16(ip, 0);
    ip.append(reinterpret_cast<const char*>(from.ip.data()), 4);
    ip.append(reinterpret_cast<const char*>(to.ip.data()), 4);
    set16(ip, 10, internet_checksum(ip));
    from.seq += static_cast<std::uint32_t>(payload.size()) + (syn ? 1 : 0) + ((flags & k_fin) ? 1 : 0);
    return ip + tcp;
}

void connection_packets(const WireConnection& c, std::vector<Packet>& out) {
    Side cli, srv;
    cli.ip = parse_ipv4(c.client_ip);
    srv.ip = parse_ipv4(c.server_ip);
    cli.port = static_cast<std::uint16_t>(c.client_port);
    srv.port = static_cast<std::uint16_t>(c.server_port);
    cli.seq = static_cast<std::uint32_t>(hash64(c.id, "isn/client"));
    srv.seq = static_cast<std::uint32_t>(hash64(c.id, "isn/server"));
    cli.ip_id = static_cast<std::uint16_t>(c.id * 1000);
    srv.ip_id = static_cast<std::uint16_t>(c.id * 1000 + 500);
    out.push_back({c.start_ms, segment(cli, srv, 0, k_syn, {})});
    if (c.open == WireOpen::refused) {
        out.push_back({c.open_ms, segment(srv, cli, cli.seq, k_rst | k_ack, {})});
        return;
    }
    if (c.open != WireOpen::open) return;
    out.push_back({c.open_ms, segment(srv, cli, cli.seq, k_syn | k_ack, {})});
    out.push_back({c.open_ms, segment(cli, srv, srv.seq, k_ack, {})});
    for (const auto& o : observe_connection(c)) {
        Side& from = o.dir == WireDir::to_server ? cli : srv;
        Side& to = o.dir == WireDir::to_server ? srv : cli;
        for (std::size_t at = 0; at < o.bytes.size(); at += k_pcap_mss) {
            const std::size_t n = std::min(k_pcap_mss, o.bytes.size() - at);
            const bool last = at + n == o.bytes.size();
            out.push_back({o.t_ms, segment(from, to, to.seq, k_ack | (last ? k_psh : 0),
                                           std::string_view(o.bytes).substr(at, n))});
        }
    }
    if (c.close_ms) {
        const std::int64_t t = *c.close_ms;
        out.push_back({t, segment(cli, srv, srv.seq, k_fin | k_ack, {})});
        out.push_back({t, segment(srv, cli, cli.seq, k_fin | k_ack, {})});
        out.push_back({t, segment(cli, srv, srv.seq, k_ack, {})});
    }
}

}  // namespace

std::uint16_t internet_checksum(std::string_view bytes) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2)
        sum += (static_cast<std::uint8_t>(bytes[i]) << 8) | static_cast<std::uint8_t>(bytes[i + 1]);
    if (bytes.size() % 2) sum += static_cast<std::uint8_t>(bytes.back()) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::string export_pcap(const WireLog& log) {
    std::vector<Packet> packets;
    for (const auto& c : log.connections) connection_packets(c, packets);
    // Each connection's packets are in time order; interleave the connections by time.
    std::stable_sort(packets.begin(), packets.end(), [](const auto& a, const auto& b) { return a.t_ms < b.t_ms; });
    std::string out;
    le32(out, 0xa1b2c3d4);  // microsecond timestamps
    le16(out, 2), le16(out, 4);
    le32(out, 0), le32(out, 0);
    le32(out, 65535);
    le32(out, k_pcap_linktype_raw);
    std::int64_t last_ms = -1;
    std::int64_t same = 0;
    for (const auto& p : packets) {
        same = p.t_ms == last_ms ? std::min<std::int64_t>(same + 1, 999) : 0;
        last_ms = p.t_ms;
        const std::int64_t us = (k_sim_epoch_ms + p.t_ms) * 1000 + same;  // keep packets of one ms in order
        le32(out, static_cast<std::uint32_t>(us / 1'000'000));
        le32(out, static_cast<std::uint32_t>(us % 1'000'000));
        le32(out, static_cast<std::uint32_t>(p.ip.size()));
        le32(out, static_cast<std::uint32_t>(p.ip.size()));
        out += p.ip;
    }
    return out;
}

}  // namespace relaylab::sim
