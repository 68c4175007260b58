#include "engine/mx.hpp"
#include "engine/ascii.hpp"

#include <algorithm>
#include <limits>

#include "engine/ids.hpp"

namespace relaylab {

namespace {

std::string_view strip_dot(std::string_view s) {
    if (!s.empty() && s.back() == '.') s.remove_suffix(1);
    return s;
}

std::string canonical(std::string_view s) {
    return ascii_lowercase(strip_dot(s));
}

bool is_null_exchange(std::string_view exchange) { return exchange.empty() || exchange == "."; }

bool is_own(std::string_view name, std::span<const std::string> own_names) {
    return std::any_of(own_names.begin(), own_names.end(),
                       [&](const std::string& own) { return dns_name_equal(own, name); });
}

MxPlan failed(Reply r) {
    MxPlan plan;
    plan.failure = std::move(r);
    return plan;
}

// Answers that say "try later": the DNS did not give a usable verdict (RFC 3463 X.4.3).
Reply dns_temporary_failure(std::string_view domain, DnsStatus s) {
    return make_reply(451, "4.4.3",
                      "DNS lookup for " + std::string(domain) + " failed (" + dns_status_name(s) + "), will retry");
}

// RFC 5321 §5.1: an MTA that finds itself among the MX hosts must discard every record with
// preference >= its own lowest one, or it would send the mail to itself.
Reply loops_back_reply(std::string_view domain) {
    return make_reply(554, "5.4.4", "mail for " + std::string(domain) + " loops back to myself");
}

}  // namespace

const char* dns_status_name(DnsStatus s) {
    switch (s) {
        case DnsStatus::ok: return "ok";
        case DnsStatus::nxdomain: return "NXDOMAIN";
        case DnsStatus::nodata: return "no data";
        case DnsStatus::servfail: return "SERVFAIL";
        case DnsStatus::timeout: return "timeout";
    }
    return "?";
}

const char* address_type_name(AddressType t) { return t == AddressType::aaaa ? "AAAA" : "A"; }

DnsAddressAnswer merge_address_answers(const DnsAddressAnswer& aaaa, const DnsAddressAnswer* a) {
    DnsAddressAnswer out;
    for (const DnsAddressAnswer* part : {&aaaa, a})
        if (part && part->status == DnsStatus::ok)
            out.addresses.insert(out.addresses.end(), part->addresses.begin(), part->addresses.end());
    if (!out.addresses.empty()) return out;
    auto temporary = [](const DnsAddressAnswer* x) {
        return x && (x->status == DnsStatus::servfail || x->status == DnsStatus::timeout);
    };
    if (temporary(a)) out.status = a->status;
    else if (temporary(&aaaa)) out.status = aaaa.status;
    else if (a) out.status = a->status == DnsStatus::ok ? DnsStatus::nodata : a->status;
    else out.status = aaaa.status == DnsStatus::ok ? DnsStatus::nodata : aaaa.status;
    return out;
}

bool dns_name_equal(std::string_view a, std::string_view b) {
    return ascii_iequals(strip_dot(a), strip_dot(b));
}

MxPlan plan_mx(std::string_view domain, const DnsMxAnswer& mx, const DnsAddressAnswer* a_for_domain,
               std::span<const std::string> own_names, std::uint64_t seed) {
    switch (mx.status) {
        case DnsStatus::nxdomain:
            // RFC 3463 X.1.2: bad destination system address (the domain does not exist).
            return failed(make_reply(550, "5.1.2", "Domain " + std::string(domain) + " does not exist"));
        case DnsStatus::servfail:
        case DnsStatus::timeout:
            return failed(dns_temporary_failure(domain, mx.status));
        case DnsStatus::ok:
        case DnsStatus::nodata:
            break;
    }

    if (mx.status == DnsStatus::nodata || mx.records.empty()) {
        // RFC 5321 §5.1: no MX records → the domain itself is the implicit MX, preference 0,
        // provided it has an address record.
        if (!a_for_domain) {
            MxPlan plan;
            plan.need_address_lookup = true;
            return plan;
        }
        switch (a_for_domain->status) {
            case DnsStatus::servfail:
            case DnsStatus::timeout:
                return failed(dns_temporary_failure(domain, a_for_domain->status));
            case DnsStatus::nxdomain:
                return failed(make_reply(550, "5.1.2", "Domain " + std::string(domain) + " does not exist"));
            case DnsStatus::nodata:
            case DnsStatus::ok:
                break;
        }
        if (a_for_domain->status == DnsStatus::nodata || a_for_domain->addresses.empty())
            return failed(make_reply(550, "5.1.2", "Domain " + std::string(domain) + " has no MX and no address"));
        if (is_own(domain, own_names)) return failed(loops_back_reply(domain));
        MxPlan plan;
        plan.implicit = true;
        plan.hosts.push_back(MxRecord{0, std::string(strip_dot(domain))});
        return plan;
    }

    // RFC 7505 §3: a single record with an empty (".") exchange says "no mail accepted".
    if (mx.records.size() == 1 && is_null_exchange(mx.records.front().exchange))
        return failed(make_reply(556, "5.1.10", "Recipient address has null MX"));  // RFC 7505 §4.2, §4.3

    std::vector<MxRecord> records;
    for (const auto& r : mx.records)
        if (!is_null_exchange(r.exchange)) records.push_back(r);  // "." mixed with real hosts: unusable

    // Loop prevention, RFC 5321 §5.1.
    std::uint32_t own_pref = std::numeric_limits<std::uint32_t>::max();
    for (const auto& r : records)
        if (is_own(r.exchange, own_names)) own_pref = std::min<std::uint32_t>(own_pref, r.preference);
    if (own_pref != std::numeric_limits<std::uint32_t>::max()) {
        std::erase_if(records, [&](const MxRecord& r) { return r.preference >= own_pref; });
        if (records.empty()) return failed(loops_back_reply(domain));
    }

    // Equal preferences in a seeded order (RFC 5321 §5.1: "the SMTP client SHOULD randomize
    // them to spread the load"). The key depends on the names, not on the answer's order,
    // so the same seed gives the same plan however the resolver shuffled the answer.
    const std::uint64_t domain_key = hash64_icase(seed, strip_dot(domain));
    struct Keyed {
        MxRecord record;
        std::uint64_t key;
        std::string name;
    };
    std::vector<Keyed> keyed;
    for (auto& r : records) {
        std::string name = canonical(r.exchange);
        const std::uint64_t key = hash64(domain_key, name);
        keyed.push_back(Keyed{std::move(r), key, std::move(name)});
    }
    std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
        if (a.record.preference != b.record.preference) return a.record.preference < b.record.preference;
        if (a.key != b.key) return a.key < b.key;
        return a.name < b.name;
    });
    MxPlan plan;
    for (auto& k : keyed) {
        // The same host listed twice is tried once (the lower preference wins: sorted first).
        const bool dup = std::any_of(plan.hosts.begin(), plan.hosts.end(),
                                     [&](const MxRecord& h) { return dns_name_equal(h.exchange, k.record.exchange); });
        if (!dup) plan.hosts.push_back(std::move(k.record));
    }
    return plan;
}

Reply attempts_exhausted_reply() {
    // RFC 5321 §4.5.4.1: keep the message queued and retry; RFC 3463 X.4.1 "No answer from host".
    return make_reply(451, "4.4.1", "all MX hosts refused connections");
}

}  // namespace relaylab
