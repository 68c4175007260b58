#pragma once
// MX selection for outbound delivery (RFC 5321 §5.1, null MX RFC 7505). Pure: the DNS
// answers come in as values, the order among equal preferences comes from a seed.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/reply.hpp"

namespace relaylab {

struct MxRecord {
    std::uint16_t preference = 0;
    std::string exchange;  // "." for a null MX (RFC 7505 §3)
    bool operator==(const MxRecord&) const = default;
};

enum class DnsStatus { ok, nxdomain, nodata /* the name exists, no record of this type */, servfail, timeout };
const char* dns_status_name(DnsStatus s);

struct DnsMxAnswer {
    DnsStatus status = DnsStatus::ok;
    std::vector<MxRecord> records;
};

struct DnsAddressAnswer {  // A and/or AAAA of a name (a host, or the domain for the implicit MX)
    DnsStatus status = DnsStatus::ok;
    std::vector<std::string> addresses;
};

// The two address record types a mail client asks for: AAAA (IPv6, RFC 3596) and A (IPv4).
enum class AddressType { aaaa, a };
const char* address_type_name(AddressType t);  // "AAAA", "A"

// A name's addresses from its AAAA answer and, when it was asked, its A answer (nullptr when
// the AAAA answer was NXDOMAIN: the name does not exist for any type, RFC 8020 §2, so the A
// question is not asked). RFC 5321 §5.1 asks a client to try every address of a host; the
// order follows RFC 6724's default policy (IPv6 before IPv4, as RFC 3974 §3 applies it to
// SMTP): the AAAA addresses first, then the A addresses. One answer with addresses is enough
// (the other may be "no data" or may have failed); with none, a temporary failure (SERVFAIL,
// timeout) wins, since the missing records may exist; otherwise the A answer's status.
DnsAddressAnswer merge_address_answers(const DnsAddressAnswer& aaaa, const DnsAddressAnswer* a);

struct MxPlan {
    std::vector<MxRecord> hosts;  // in the order to try them
    bool implicit = false;        // no MX: the domain itself, preference 0 (RFC 5321 §5.1)
    // Set when no attempt must be made: a permanent (5xx) or temporary (4xx) failure.
    std::optional<Reply> failure;
    // The MX answer was "no data" and no A/AAAA answer was given: look the domain's
    // addresses up and call plan_mx again with them (sans-I/O: the caller does the DNS).
    bool need_address_lookup = false;
};

// Orders the hosts to try for `domain`:
//  - by preference, lowest first; equal preferences in an order that is a pure function of
//    (seed, domain, exchange names): stable for one seed, different seeds spread the load;
//  - MX "no data" (or an empty answer) but the domain has addresses → implicit MX;
//  - null MX, a single record "0 ." → 556 5.1.10, no attempt (RFC 7505 §3, §4.3);
//    a "." among real exchanges is dropped;
//  - our own names among the exchanges: drop every record with preference >= our lowest
//    own preference (RFC 5321 §5.1); nothing left → 554 5.4.4 (mail loops back to myself);
//  - NXDOMAIN → 550 5.1.2; SERVFAIL / timeout → 451 4.4.3 (try again later).
// `a_for_domain` may be null when the addresses have not been looked up (see
// need_address_lookup). Names compare case-insensitively, a trailing dot is ignored.
MxPlan plan_mx(std::string_view domain, const DnsMxAnswer& mx, const DnsAddressAnswer* a_for_domain,
               std::span<const std::string> own_names, std::uint64_t seed);

// Every host of the plan was tried and none accepted a connection:
// 451 4.4.1 (RFC 3463 X.4.1 "No answer from host"); the queue retries later.
Reply attempts_exhausted_reply();

// DNS names compared as RFC 1035 §2.3.3 / RFC 4343 say: ASCII case-insensitive; an absolute
// name's trailing dot is ignored.
bool dns_name_equal(std::string_view a, std::string_view b);

}  // namespace relaylab
