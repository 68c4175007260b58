#pragma once
// The simulated traffic as a classic libpcap file (LINKTYPE_RAW, 101: each packet is an
// IPv4 datagram): per connection a TCP handshake (SYN, SYN-ACK, ACK), the octets each side
// sent as data segments of at most k_pcap_mss octets with continuous sequence and
// acknowledgement numbers, and a FIN close; a refused connection is a SYN answered by RST,
// a silent host a SYN alone. Cleartext SMTP as sent; after STARTTLS (or on 465) what an
// observer captures: TLS records (sim/wire_observer.hpp). Timestamps are virtual time
// after k_sim_epoch_ms. Wireshark's SMTP dissector reads it.
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/wire.hpp"

namespace relaylab::sim {

inline constexpr std::size_t k_pcap_mss = 1460;
inline constexpr std::uint32_t k_pcap_linktype_raw = 101;

std::string export_pcap(const WireLog& log);

// The Internet checksum (RFC 1071) of `bytes`, as stored in the header.
std::uint16_t internet_checksum(std::string_view bytes);

}  // namespace relaylab::sim
