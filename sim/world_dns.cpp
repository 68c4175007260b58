// Virtual DNS: the scenario's zones (MX and A records), failures switched on per name
// (NXDOMAIN, SERVFAIL, no answer, optionally until a time), and the queries a relay makes,
// recorded with their answers.
#include "engine/ascii.hpp"
#include "sim/world_impl.hpp"

namespace relaylab::sim {

namespace {
constexpr std::int64_t k_dns_timeout_ms = 5'000;  // the resolver gives up
const char* const k_dns_host = "dns";

std::string status_text(DnsStatus s) {
    switch (s) {
        case DnsStatus::ok: return "ok";
        case DnsStatus::nxdomain: return "NXDOMAIN (no such domain)";
        case DnsStatus::nodata: return "no records of this type";
        case DnsStatus::servfail: return "SERVFAIL (the DNS server failed)";
        case DnsStatus::timeout: return "no answer (timeout)";
    }
    return "?";
}

// An answer that names no host (NXDOMAIN, no records, SERVFAIL) is a failed lookup for the
// sender; whether that bounces or defers is decided by the delivery core afterwards.
TraceOutcome dns_outcome(DnsStatus s) {
    switch (s) {
        case DnsStatus::ok: return TraceOutcome::ok;
        case DnsStatus::timeout: return TraceOutcome::timed_out;
        case DnsStatus::nxdomain:
        case DnsStatus::nodata:
        case DnsStatus::servfail: return TraceOutcome::failed;
    }
    return TraceOutcome::failed;
}
}  // namespace

std::optional<DnsStatus> World::dns_failure(const std::string& name) const {
    for (const auto& e : dns_failures_) {
        if (ascii_lowercase(e.name) != ascii_lowercase(name)) continue;
        if (e.until_ms >= 0 && now_ >= e.until_ms) continue;
        if (e.result == "nxdomain") return DnsStatus::nxdomain;
        if (e.result == "servfail") return DnsStatus::servfail;
        return DnsStatus::timeout;
    }
    return std::nullopt;
}

bool World::name_exists(const std::string& name) const {
    for (const auto& r : sc_.dns)
        if (ascii_lowercase(r.name) == ascii_lowercase(name)) return true;
    return false;
}

DnsMxAnswer World::lookup_mx(const std::string& domain) const {
    DnsMxAnswer a;
    if (auto f = dns_failure(domain)) {
        a.status = *f;
        return a;
    }
    for (const auto& r : sc_.dns)
        if (r.type == DnsType::mx && ascii_lowercase(r.name) == domain) a.records.push_back({r.preference, r.value});
    if (a.records.empty()) a.status = name_exists(domain) ? DnsStatus::nodata : DnsStatus::nxdomain;
    return a;
}

DnsAddressAnswer World::lookup_a(const std::string& name) const {
    DnsAddressAnswer a;
    if (auto f = dns_failure(name)) {
        a.status = *f;
        return a;
    }
    for (const auto& r : sc_.dns)
        if (r.type == DnsType::a && ascii_lowercase(r.name) == ascii_lowercase(name)) a.addresses.push_back(r.value);
    if (a.addresses.empty()) a.status = name_exists(name) ? DnsStatus::nodata : DnsStatus::nxdomain;
    return a;
}

void World::dns_query(HostRt* h, const std::string& spec_id, const std::string& question, bool is_timeout,
                      std::function<void()> then) {
    record(TraceKind::dns_query, TracePhase::dns, Topic::dns, h->spec->name, k_dns_host, question + "?",
           question.find(" MX") != std::string::npos
               ? "Asks DNS which hosts accept mail for this domain (its MX records)."
               : "Asks DNS for the IP address of this host name, to connect to it.",
           "RFC 5321 §5.1", spec_id);
    at(now_ + (is_timeout ? k_dns_timeout_ms : 2 * latency()), std::move(then));
}

void World::resolve_mx(HostRt* h, const std::string& spec_id, const std::string& domain,
                       std::function<void(const DnsMxAnswer&)> then) {
    const DnsMxAnswer pre = lookup_mx(domain);
    dns_query(h, spec_id, domain + " IN MX", pre.status == DnsStatus::timeout, [=, this] {
        const DnsMxAnswer mx = lookup_mx(domain);
        std::string answer;
        if (mx.status == DnsStatus::ok) {
            for (const auto& r : mx.records)
                answer += (answer.empty() ? "" : ", ") + std::to_string(r.preference) + " " + r.exchange;
        } else {
            answer = status_text(mx.status);
        }
        std::string explain = "The DNS answer for " + domain + ".";
        std::string rfc = "RFC 5321 §5.1";
        if (mx.status == DnsStatus::ok && mx.records.size() == 1 && mx.records[0].exchange == ".") {
            explain = "A null MX (\"0 .\"): the domain says it accepts no mail at all, so no delivery is possible.";
            rfc = "RFC 7505 §3";
        } else if (mx.status == DnsStatus::ok) {
            explain = "The mail exchangers for " + domain + ", lowest preference first to try.";
        } else if (mx.status == DnsStatus::nodata) {
            explain = "No MX records: RFC 5321 §5.1 says to use the domain's own address (implicit MX).";
        } else if (mx.status == DnsStatus::nxdomain) {
            explain = "The domain does not exist: no mail can ever be delivered there.";
            rfc = "RFC 5321 §5.1, RFC 1035 §4.1.1";
        } else {
            explain = "DNS failed for now: a temporary problem, the relay will try again later.";
            rfc = "RFC 5321 §5.1, RFC 1035 §4.1.1";
        }
        record(TraceKind::dns_answer, TracePhase::dns, Topic::dns, k_dns_host, h->spec->name, domain + " MX: " + answer,
               explain, rfc, spec_id, -1, dns_outcome(mx.status));
        change(AddDnsRecord{DnsRecordView{now_, h->spec->name, domain + " MX", answer, dns_outcome(mx.status)}});
        then(mx);
    });
}

void World::resolve_address(HostRt* h, const std::string& spec_id, const std::string& name,
                            std::function<void(const DnsAddressAnswer&)> then) {
    const DnsAddressAnswer pre = lookup_a(name);
    dns_query(h, spec_id, name + " IN A", pre.status == DnsStatus::timeout, [=, this] {
        const DnsAddressAnswer a = lookup_a(name);
        std::string answer = a.status == DnsStatus::ok ? a.addresses.front() : status_text(a.status);
        record(TraceKind::dns_answer, TracePhase::dns, Topic::dns, k_dns_host, h->spec->name, name + " A: " + answer,
               a.status == DnsStatus::ok ? "The address to connect to." : "This host's address is unknown now.",
               "RFC 5321 §5.1", spec_id, -1, dns_outcome(a.status));
        change(AddDnsRecord{DnsRecordView{now_, h->spec->name, name + " A", answer, dns_outcome(a.status)}});
        then(a);
    });
}

}  // namespace relaylab::sim
