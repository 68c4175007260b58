// Virtual DNS: the scenario's zones (MX, A, AAAA and TXT records), failures switched on per name
// (NXDOMAIN, SERVFAIL, no answer, optionally until a time), and the queries a relay makes,
// recorded with their answers.
#include "engine/ascii.hpp"
#include "sim/world_impl.hpp"

namespace relaylab::sim {

namespace {
constexpr std::int64_t k_dns_timeout_ms = 5'000;  // the resolver gives up
const char* const k_dns_host = "dns";

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

DnsAddressAnswer World::lookup_address(const std::string& name, AddressType type) const {
    DnsAddressAnswer a;
    if (auto f = dns_failure(name)) {
        a.status = *f;
        return a;
    }
    const DnsType want = type == AddressType::aaaa ? DnsType::aaaa : DnsType::a;
    for (const auto& r : sc_.dns)
        if (r.type == want && ascii_lowercase(r.name) == ascii_lowercase(name)) a.addresses.push_back(r.value);
    if (a.addresses.empty()) a.status = name_exists(name) ? DnsStatus::nodata : DnsStatus::nxdomain;
    return a;
}

void World::dns_query(HostRt* h, const std::string& spec_id, const TraceDns& question, std::string explain,
                      bool is_timeout, std::function<void()> then) {
    record(TraceKind::dns_query, TracePhase::dns, Topic::dns, h->spec->name, k_dns_host,
           question.name + " IN " + dns_question_type_name(question.type) + "?", std::move(explain), "RFC 5321 §5.1",
           spec_id)
        .event.dns = question;
    at(now_ + (is_timeout ? k_dns_timeout_ms : 2 * latency()), std::move(then));
}

void World::resolve_mx(HostRt* h, const std::string& spec_id, const std::string& domain,
                       std::function<void(const DnsMxAnswer&)> then) {
    const DnsMxAnswer pre = lookup_mx(domain);
    dns_query(h, spec_id, TraceDns{domain, DnsQuestionType::mx, DnsStatus::ok, {}, {}},
              "Asks DNS which hosts accept mail for this domain (its MX records): where mail for it goes.",
              pre.status == DnsStatus::timeout, [=, this] {
        const DnsMxAnswer mx = lookup_mx(domain);
        const TraceDns typed{domain, DnsQuestionType::mx, mx.status, mx.records, {}};
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
        record(TraceKind::dns_answer, TracePhase::dns, Topic::dns, k_dns_host, h->spec->name,
               dns_question_text(typed) + ": " + dns_answer_text(typed), explain, rfc, spec_id, -1,
               dns_trace_outcome(mx.status))
            .event.dns = typed;
        change(AddDnsRecord{dns_record_view(now_, h->spec->name, typed)});
        then(mx);
    });
}

// An address question: AAAA (IPv6) or A (IPv4). The delivery core asks both, AAAA first,
// and tries every address it gets (RFC 5321 §5.1); the answers are said here in words.
void World::resolve_address(HostRt* h, const std::string& spec_id, const std::string& name, AddressType type,
                            std::function<void(const DnsAddressAnswer&)> then) {
    const bool v6 = type == AddressType::aaaa;
    const DnsAddressAnswer pre = lookup_address(name, type);
    dns_query(h, spec_id, TraceDns{name, dns_question_type_of(type), DnsStatus::ok, {}, {}},
              v6 ? "Asks DNS for the IPv6 address of this host name (its AAAA record). A mail server asks for "
                   "both IPv6 and IPv4 addresses and tries each, IPv6 first."
                 : "Asks DNS for the IPv4 address of this host name (its A record), to connect to it. This "
                   "asks for an address only; where mail for a domain goes is the MX question.",
              pre.status == DnsStatus::timeout, [=, this] {
        const DnsAddressAnswer a = lookup_address(name, type);
        const TraceDns typed{name, dns_question_type_of(type), a.status, {}, a.addresses};
        std::string explain;
        std::string rfc = v6 ? "RFC 5321 §5.1, RFC 3596 §2" : "RFC 5321 §5.1";
        if (a.status == DnsStatus::ok)
            explain = v6 ? "The IPv6 address to connect to; the IPv4 address is asked too, as a fallback."
                         : "The IPv4 address to connect to.";
        else if (v6 && a.status == DnsStatus::nodata)
            explain = "This host has no IPv6 address; its IPv4 address (A record) is asked next.";
        else if (v6 && a.status == DnsStatus::nxdomain) {
            explain = "The name does not exist at all, so there is no IPv4 address to ask for either.";
            rfc = "RFC 8020 §2";
        } else if (a.status == DnsStatus::nodata)
            explain = "This host has no IPv4 address.";
        else
            explain = "This host's address is unknown now.";
        record(TraceKind::dns_answer, TracePhase::dns, Topic::dns, k_dns_host, h->spec->name,
               dns_question_text(typed) + ": " + dns_answer_text(typed), explain, rfc, spec_id, -1,
               dns_trace_outcome(a.status))
            .event.dns = typed;
        change(AddDnsRecord{dns_record_view(now_, h->spec->name, typed)});
        then(a);
    });
}

}  // namespace relaylab::sim
