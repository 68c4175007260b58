// The pcap export (sim/export_pcap.hpp), read back by an independent parser: the classic
// libpcap header (LINKTYPE_RAW), IPv4 and TCP checksums recomputed here (RFC 791 §3.1,
// RFC 9293 §3.1 with the RFC 1071 sum), sequence numbers continuous per direction
// (RFC 9293 §3.4), segments within the MSS, and after STARTTLS (RFC 3207 §4) TLS records
// (RFC 8446 §5) whose lengths follow the SMTP octets inside them.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "sim/export_pcap.hpp"
#include "sim/library.hpp"
#include "sim/scenario.hpp"
#include "sim/world.hpp"

using namespace relaylab::sim;

namespace {

RunResult run_named(std::string_view name, const SwitchOverrides& overrides = {}) {
    const BuiltinScenario* b = find_builtin(name);
    REQUIRE(b != nullptr);
    auto load = parse_scenario(b->json);
    REQUIRE(load.scenario.has_value());
    return run_world(*load.scenario, overrides, load.scenario->seed);
}

std::uint32_t le32(const std::string& s, std::size_t at) {
    return static_cast<std::uint8_t>(s[at]) | static_cast<std::uint8_t>(s[at + 1]) << 8 |
           static_cast<std::uint8_t>(s[at + 2]) << 16 | static_cast<std::uint32_t>(static_cast<std::uint8_t>(s[at + 3])) << 24;
}
std::uint32_t be16(const std::string& s, std::size_t at) {
    return static_cast<std::uint8_t>(s[at]) << 8 | static_cast<std::uint8_t>(s[at + 1]);
}
std::uint32_t be32(const std::string& s, std::size_t at) { return be16(s, at) << 16 | be16(s, at + 2); }

// One's-complement sum of 16-bit words, written out long-hand: a correct checksum makes the
// sum over the covered octets (checksum field included) 0xffff.
std::uint32_t ones_sum(const std::string& bytes) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < bytes.size(); i += 2) {
        const std::uint32_t hi = static_cast<std::uint8_t>(bytes[i]);
        const std::uint32_t lo = i + 1 < bytes.size() ? static_cast<std::uint8_t>(bytes[i + 1]) : 0;
        sum += hi * 256 + lo;
    }
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint32_t>(sum);
}

struct Seg {
    std::uint64_t ts_us = 0;
    std::string src, dst;  // "a.b.c.d:port"
    std::uint32_t seq = 0, ack = 0;
    std::uint8_t flags = 0;
    std::string payload;
};

std::string addr(const std::string& ip, std::size_t at, std::uint32_t port) {
    return std::to_string(static_cast<std::uint8_t>(ip[at])) + "." + std::to_string(static_cast<std::uint8_t>(ip[at + 1])) +
           "." + std::to_string(static_cast<std::uint8_t>(ip[at + 2])) + "." +
           std::to_string(static_cast<std::uint8_t>(ip[at + 3])) + ":" + std::to_string(port);
}

std::vector<Seg> parse_pcap(const std::string& pcap) {
    REQUIRE(pcap.size() >= 24);
    CHECK(le32(pcap, 0) == 0xa1b2c3d4u);
    CHECK(le32(pcap, 20) == 101u);  // LINKTYPE_RAW
    std::vector<Seg> out;
    std::size_t at = 24;
    while (at < pcap.size()) {
        REQUIRE(at + 16 <= pcap.size());
        Seg s;
        s.ts_us = static_cast<std::uint64_t>(le32(pcap, at)) * 1'000'000 + le32(pcap, at + 4);
        const std::size_t len = le32(pcap, at + 8);
        CHECK(le32(pcap, at + 12) == len);
        REQUIRE(at + 16 + len <= pcap.size());
        const std::string ip = pcap.substr(at + 16, len);
        at += 16 + len;
        REQUIRE(ip.size() >= 40);
        CHECK(static_cast<std::uint8_t>(ip[0]) == 0x45);
        CHECK(be16(ip, 2) == ip.size());
        CHECK(static_cast<std::uint8_t>(ip[9]) == 6);
        CHECK(ones_sum(ip.substr(0, 20)) == 0xffff);  // IPv4 header checksum
        const std::string tcp = ip.substr(20);
        std::string pseudo = ip.substr(12, 8);
        pseudo += std::string("\0\x06", 2);
        pseudo += static_cast<char>(tcp.size() >> 8);
        pseudo += static_cast<char>(tcp.size() & 0xff);
        CHECK(ones_sum(pseudo + tcp) == 0xffff);  // TCP checksum over the pseudo-header
        const std::size_t data_off = (static_cast<std::uint8_t>(tcp[12]) >> 4) * 4;
        s.src = addr(ip, 12, be16(tcp, 0));
        s.dst = addr(ip, 16, be16(tcp, 2));
        s.seq = be32(tcp, 4);
        s.ack = be32(tcp, 8);
        s.flags = static_cast<std::uint8_t>(tcp[13]);
        s.payload = tcp.substr(data_off);
        out.push_back(s);
    }
    return out;
}

constexpr std::uint8_t k_fin = 1, k_syn = 2, k_rst = 4, k_ack = 16;

// Per direction: the next sequence number expected, and the payload in order.
struct Flow {
    bool started = false;
    std::uint32_t next = 0;
    std::string stream;
};

std::map<std::pair<std::string, std::string>, Flow> check_flows(const std::vector<Seg>& segs) {
    std::map<std::pair<std::string, std::string>, Flow> flows;
    std::uint64_t last_ts = 0;
    for (const auto& s : segs) {
        CHECK(s.ts_us >= last_ts);  // in time order
        last_ts = s.ts_us;
        CHECK(s.payload.size() <= k_pcap_mss);
        Flow& f = flows[{s.src, s.dst}];
        if (s.flags & k_rst) {  // a refusal: acknowledges the SYN, sends nothing
            CHECK(s.ack == flows[{s.dst, s.src}].next);
            CHECK(s.payload.empty());
            continue;
        }
        if (s.flags & k_syn) {
            CHECK_FALSE(f.started);
            f.started = true;
            f.next = s.seq + 1;
        } else {
            REQUIRE(f.started);
            CHECK(s.seq == f.next);  // continuous: no gap, no overlap
            f.next += static_cast<std::uint32_t>(s.payload.size()) + ((s.flags & k_fin) ? 1 : 0);
        }
        f.stream += s.payload;
        if ((s.flags & k_ack) && !(s.flags & k_rst)) {
            const Flow& back = flows[{s.dst, s.src}];
            CHECK(back.started);
            CHECK(s.ack == back.next);  // acknowledges everything the other side sent
        }
    }
    return flows;
}

}  // namespace

TEST_CASE("pcap: checksums, continuous sequence numbers, the SMTP dialogue up to STARTTLS, then TLS records") {
    const RunResult run = run_named("happy-path");
    const std::vector<Seg> segs = parse_pcap(export_pcap(run.wire));
    const auto flows = check_flows(segs);
    const WireConnection& sub = run.wire.connections.at(0);
    REQUIRE(sub.tls.has_value());
    const std::string client = sub.client_ip + ":" + std::to_string(sub.client_port);
    const std::string server = sub.server_ip + ":" + std::to_string(sub.server_port);
    const std::string& up = flows.at({client, server}).stream;
    const std::string& down = flows.at({server, client}).stream;
    // Cleartext exactly as sent up to the TLS start (RFC 3207 §4: after the 220 to STARTTLS).
    CHECK(up.substr(0, sub.tls->to_server_offset) == sub.to_server.substr(0, sub.tls->to_server_offset));
    CHECK(up.find("STARTTLS\r\n") != std::string::npos);
    CHECK(down.substr(0, sub.tls->to_client_offset) == sub.to_client.substr(0, sub.tls->to_client_offset));
    CHECK(down.substr(sub.tls->to_client_offset - 6, 6).find("\r\n") != std::string::npos);
    // Then TLS records only: a ClientHello naming the server (SNI), no SMTP in the clear.
    std::string tls_up = up.substr(sub.tls->to_server_offset);
    REQUIRE(tls_up.size() > 5);
    CHECK(tls_up.substr(0, 3) == std::string("\x16\x03\x01", 3));
    CHECK(static_cast<std::uint8_t>(tls_up[5]) == 1);  // ClientHello
    CHECK(tls_up.find(sub.server) != std::string::npos);
    CHECK(tls_up.find("MAIL FROM") == std::string::npos);
    CHECK(tls_up.find("AUTH") == std::string::npos);
    // Record by record: after the ClientHello, ChangeCipherSpec and Finished (36 octets
    // inside), one application-data record per write, 17 octets longer than its SMTP.
    std::vector<std::size_t> app_lengths;
    std::size_t at = 0;
    while (at + 5 <= tls_up.size()) {
        const auto type = static_cast<std::uint8_t>(tls_up[at]);
        const std::size_t len = be16(tls_up, at + 3);
        if (type == 0x17) app_lengths.push_back(len);
        at += 5 + len;
    }
    CHECK(at == tls_up.size());
    std::vector<std::size_t> expected{36 + 17};
    for (const auto& ch : sub.chunks)
        if (ch.dir == WireDir::to_server && ch.tls) expected.push_back(ch.bytes.size() + 17);
    CHECK(app_lengths == expected);
}

TEST_CASE("pcap: every connection of a run is there; a refused one is a SYN answered by RST") {
    const RunResult run = run_named("mx-fallback");
    const std::vector<Seg> segs = parse_pcap(export_pcap(run.wire));
    check_flows(segs);
    int refused = 0, opened = 0;
    for (const auto& c : run.wire.connections) {
        refused += c.open == WireOpen::refused;
        opened += c.open == WireOpen::open;
    }
    CHECK(refused >= 1);
    CHECK(opened >= 2);
    int syns = 0, rsts = 0, fins = 0;
    for (const auto& s : segs) {
        syns += (s.flags & k_syn) && !(s.flags & k_ack);
        rsts += (s.flags & k_rst) != 0;
        fins += (s.flags & k_fin) != 0;
    }
    CHECK(syns == static_cast<int>(run.wire.connections.size()));
    CHECK(rsts == refused);
    CHECK(fins == 2 * opened);
}

TEST_CASE("pcap: deterministic, and a long message is cut into MSS-sized segments") {
    const RunResult a = run_named("message-too-large", {{"size-limit", false}});
    const RunResult b = run_named("message-too-large", {{"size-limit", false}});
    const std::string pa = export_pcap(a.wire);
    CHECK(pa == export_pcap(b.wire));
    std::size_t full = 0;
    for (const auto& s : parse_pcap(pa)) full += s.payload.size() == k_pcap_mss;
    CHECK(full > 0);
}

TEST_CASE("internet_checksum: RFC 1071's example") {
    // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement.
    CHECK(internet_checksum(std::string("\x00\x01\xf2\x03\xf4\xf5\xf6\xf7", 8)) == static_cast<std::uint16_t>(~0xddf2));
}
