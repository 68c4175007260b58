#include "engine/delivery.hpp"

#include <algorithm>
#include <stdexcept>

#include "engine/ascii.hpp"
#include "engine/content_scan.hpp"
#include "engine/relay_policy.hpp"

namespace relaylab {

namespace {

bool domain_matches(std::string_view pattern, std::string_view domain) {
    return pattern == "*" || dns_name_equal(pattern, domain);
}

}  // namespace

const char* destination_tls_name(DestinationTls tls) {
    return tls == DestinationTls::required ? "required" : "opportunistic";
}

DestinationTls destination_tls(const DeliveryPolicy& policy, std::string_view domain) {
    for (const auto& d : policy.tls_required_domains)
        if (dns_name_equal(d, domain)) return DestinationTls::required;
    return DestinationTls::opportunistic;
}

void TlsFailureMemory::remember(std::string_view target, std::int64_t now_ms, std::int64_t for_ms) {
    until_[std::string(target)] = now_ms + for_ms;
}

bool TlsFailureMemory::failed_recently(std::string_view target, std::int64_t now_ms) const {
    auto it = until_.find(target);
    return it != until_.end() && now_ms < it->second;
}

std::vector<DeliveryGroup> start_attempts(QueuedMessage& msg, const DeliveryPolicy& policy, std::int64_t now_ms) {
    std::vector<DeliveryGroup> groups;
    auto group_for = [&](bool local, const std::string& domain) -> DeliveryGroup& {
        for (auto& g : groups)
            if (g.local == local && g.domain == domain) return g;
        groups.push_back(DeliveryGroup{local, domain, {}});
        return groups.back();
    };
    const bool smarthost = std::any_of(policy.routes.begin(), policy.routes.end(),
                                       [](const StaticRoute& r) { return r.domain == "*"; });
    for (std::size_t i : due_recipients(msg, now_ms)) {
        const std::string domain = msg.recipients[i].domain();
        // <Postmaster> without a domain is ours (RFC 5321 §4.5.1).
        const bool local = domain.empty() || is_local_domain(domain, policy.local_domains);
        group_for(local, local || !smarthost ? domain : std::string("*")).recipients.push_back(i);
        begin_attempt(msg, i, now_ms);
    }
    return groups;
}

OutgoingMessage outgoing_message(const QueuedMessage& msg, const std::vector<std::size_t>& recipients,
                                 std::string content) {
    OutgoingMessage out;
    out.from = msg.sender;
    out.mail_params = msg.params;
    out.mail_params.size.reset();  // the session declares the size it really sends
    // Undeclared 8-bit content was accepted leniently: declare it now (RFC 6152 §2), so the
    // next hop is told the truth and the client session converts or refuses where needed.
    if (msg.content_8bit && out.mail_params.body != Body::eight_bit_mime) out.mail_params.body = Body::eight_bit_mime;
    // AUTH= (RFC 4954 §5) is about the submitter to us; we do not vouch for it onwards.
    out.mail_params.auth.clear();
    for (std::size_t i : recipients)
        if (i < msg.recipients.size()) out.rcpts.emplace_back(msg.recipients[i].path, msg.recipients[i].params);
    out.content = std::move(content);
    return out;
}

// ---------------------------------------------------------------- DomainDelivery

DomainDelivery::DomainDelivery(const DeliveryPolicy& policy, const DeliveryGroup& group, std::uint64_t seed)
    : policy_(policy), domain_(group.domain), count_(group.recipients.size()), seed_(seed) {
    tls_ = destination_tls(policy, domain_);
    for (const auto& r : policy.routes)
        if (domain_matches(r.domain, domain_)) {
            route_ = r;
            break;
        }
}

std::string DomainDelivery::target_name(const Target& t) const {
    const bool v6 = t.ip.find(':') != std::string::npos;
    return (v6 ? "[" + t.ip + "]" : t.ip) + ":" + std::to_string(t.port);
}

std::optional<DnsAddressAnswer> DomainDelivery::take_address(const DnsAddressAnswer& answer) {
    if (asking_ == AddressType::aaaa) {
        // NXDOMAIN holds for every type of the name (RFC 8020 §2): no A question after it.
        if (answer.status == DnsStatus::nxdomain) return merge_address_answers(answer, nullptr);
        aaaa_ = answer;
        asking_ = AddressType::a;
        return std::nullopt;
    }
    DnsAddressAnswer all = merge_address_answers(aaaa_ ? *aaaa_ : DnsAddressAnswer{DnsStatus::nodata, {}}, &answer);
    aaaa_.reset();
    asking_ = AddressType::aaaa;
    return all;
}

void DomainDelivery::finish_all(const Reply& reply, std::string remote_mta, bool attempted) {
    AttemptResult r;
    r.reply = reply;
    r.remote_mta = std::move(remote_mta);
    r.attempted = attempted;
    results_.assign(count_, r);
    stage_ = Stage::finished;
}

void DomainDelivery::advance() {
    ++target_index_;
    cleartext_ = false;
    stage_ = Stage::addresses;
}

DeliveryStep DomainDelivery::next(TlsFailureMemory& memory, std::int64_t now_ms) {
    for (;;) {
        switch (stage_) {
            case Stage::start:
                if (route_) {
                    // A static route or smarthost: no MX lookup (like Postfix's transport map).
                    plan_.hosts = {MxRecord{0, route_->host}};
                    stage_ = Stage::addresses;
                    continue;
                }
                stage_ = Stage::mx;
                return LookupMx{domain_};
            case Stage::mx:
                if (plan_.need_address_lookup) return LookupAddress{domain_, asking_};
                return LookupMx{domain_};  // still unanswered
            case Stage::addresses: {
                if (target_index_ < targets_.size()) {
                    const Target& t = targets_[target_index_];
                    Connect c;
                    c.host = t.host;
                    c.ip = t.ip;
                    c.port = t.port;
                    c.client.helo_name = policy_.hostname;
                    c.client.timeouts = policy_.timeouts;
                    c.client.trace = true;
                    if (tls_ == DestinationTls::required) {
                        c.client.tls = TlsPolicy::required;
                    } else if (cleartext_ || memory.failed_recently(target_name(t), now_ms)) {
                        // RFC 7435 §6: opportunistic security must not make delivery fail; a
                        // host whose handshake just failed is spoken to in cleartext.
                        c.client.tls = TlsPolicy::none;
                        c.cleartext_retry = true;
                        if (cleartext_) memory.remember(target_name(t), now_ms, policy_.tls_failure_memory_ms);
                    } else {
                        c.client.tls = TlsPolicy::opportunistic;
                    }
                    stage_ = Stage::session;
                    return c;
                }
                if (host_index_ < plan_.hosts.size()) {
                    const MxRecord& h = plan_.hosts[host_index_++];
                    targets_.clear();
                    target_index_ = 0;
                    const std::uint16_t port = route_ ? route_->port : policy_.port;
                    if (parse_ip_address(h.exchange)) {
                        targets_.push_back({h.exchange, h.exchange, port});
                        continue;
                    }
                    if (plan_.implicit && domain_addresses_) {
                        for (const auto& ip : domain_addresses_->addresses) targets_.push_back({h.exchange, ip, port});
                        continue;
                    }
                    stage_ = Stage::connecting;  // waiting for this host's addresses
                    return LookupAddress{h.exchange, asking_};
                }
                // Nothing left to try: the last failure met decides (RFC 5321 §5.1), or, when
                // no host could even be reached, 4.4.1 "no answer from host" (RFC 3463).
                if (last_) {
                    results_.assign(count_, *last_);
                    stage_ = Stage::finished;
                } else {
                    finish_all(attempts_exhausted_reply(), {}, false);
                }
                continue;
            }
            case Stage::connecting: {
                const std::string name = host_index_ ? plan_.hosts[host_index_ - 1].exchange : domain_;
                return LookupAddress{name, asking_};  // still unanswered
            }
            case Stage::session:
                // A programming error in the host, not a delivery outcome: answering "Finished"
                // here would end the attempt with no result for any recipient.
                throw std::logic_error("DomainDelivery::next: the Connect step was not answered "
                                       "(call on_session or on_connect_failed first)");
            case Stage::finished: return Finished{};
        }
    }
}

void DomainDelivery::on_mx(const DnsMxAnswer& answer) {
    if (stage_ != Stage::mx) return;
    const std::vector<std::string> own = {policy_.hostname};
    plan_ = plan_mx(domain_, answer, nullptr, own, seed_);
    mx_answer_ = answer;
    if (plan_.need_address_lookup) return;  // next() asks for the domain's addresses
    if (plan_.failure) {
        // NXDOMAIN, SERVFAIL, null MX, a loop: decided before any host was tried. A local
        // condition (no host replied), and no attempt was made (RFC 3464 §2.3.7).
        finish_all(*plan_.failure, {}, false);
        return;
    }
    stage_ = Stage::addresses;
}

void DomainDelivery::on_address(const DnsAddressAnswer& reply) {
    const bool implicit = stage_ == Stage::mx && plan_.need_address_lookup;
    if (!implicit && stage_ != Stage::connecting) return;
    const std::optional<DnsAddressAnswer> all = take_address(reply);
    if (!all) return;  // next() asks the A question
    const DnsAddressAnswer& answer = *all;
    if (implicit) {
        // MX "no data": the implicit MX is the domain itself (RFC 5321 §5.1).
        const std::vector<std::string> own = {policy_.hostname};
        domain_addresses_ = answer;
        plan_ = plan_mx(domain_, *mx_answer_, &answer, own, seed_);
        if (plan_.failure) {
            finish_all(*plan_.failure, {}, false);
            return;
        }
        stage_ = Stage::addresses;
        return;
    }
    const MxRecord& h = plan_.hosts[host_index_ - 1];
    const std::uint16_t port = route_ ? route_->port : policy_.port;
    if (answer.status == DnsStatus::ok)
        for (const auto& ip : answer.addresses) targets_.push_back({h.exchange, ip, port});
    if (targets_.empty() && !last_) {
        // RFC 3463 X.4.3: a routing server failure; a local condition.
        AttemptResult r;
        r.reply = make_reply(451, "4.4.3", "cannot resolve " + h.exchange + ": " + dns_status_name(answer.status));
        r.attempted = false;
        last_ = r;
    }
    stage_ = Stage::addresses;
}

void DomainDelivery::on_connect_failed(std::string_view why) {
    if (stage_ != Stage::session) return;
    const Target& t = targets_[target_index_];
    // A refused or silent host: try the next (RFC 5321 §5.1). Keep a remote reply met
    // earlier: it says more than "could not connect".
    if (!last_ || last_->remote_mta.empty()) {
        AttemptResult r;
        r.reply = make_reply(451, "4.4.1", "connection to " + t.host + "[" + t.ip + "]:" + std::to_string(t.port) +
                                               " failed: " + std::string(why));
        r.attempted = reached_any_;
        last_ = r;
    }
    advance();
}

void DomainDelivery::on_session(const SessionReport& report) {
    if (stage_ != Stage::session) return;
    reached_any_ = true;
    const Target& t = targets_[target_index_];
    const bool handshake_failed = report.failure == SessionFailure::tls_rejected && !report.outcome_decides();
    if (handshake_failed && tls_ == DestinationTls::opportunistic && !cleartext_) {
        // RFC 7435: the handshake failed where TLS is only opportunistic: the same host again,
        // at once, in cleartext (Postfix at security level "may" does the same).
        cleartext_ = true;
        stage_ = Stage::addresses;
        return;
    }
    if (report.outcome && report.outcome_decides()) {
        results_.clear();
        for (const auto& r : report.outcome->recipients) {
            AttemptResult a;
            a.reply = r.reply;
            a.remote_mta = r.local ? std::string() : t.host;
            a.attempted = true;
            a.relayed = r.status == RecipientStatus::accepted;
            a.dsn_passed_on = a.relayed && report.outcome->next_hop_dsn;
            results_.push_back(std::move(a));
        }
        results_.resize(count_, results_.empty() ? AttemptResult{} : results_.back());
        stage_ = Stage::finished;
        return;
    }
    // The session ended before the transaction decided anything (421 greeting, lost
    // connection, timeout, TLS required but failed): on to the next host.
    AttemptResult a;
    a.attempted = true;
    if (report.outcome && !report.outcome->recipients.empty()) {
        const auto& r = report.outcome->recipients.front();
        a.reply = r.reply;
        if (!r.local) a.remote_mta = t.host;
    } else if (report.failure_reply) {
        a.reply = *report.failure_reply;
        a.remote_mta = t.host;
    } else {
        a.reply = make_reply(451, "4.4.2", std::string("session with ") + t.host + " failed: " +
                                               session_failure_name(report.failure));
    }
    // A remote reply met earlier says more than a later local failure.
    if (!last_ || !a.remote_mta.empty() || last_->remote_mta.empty()) last_ = a;
    advance();
}

bool SessionReport::outcome_decides() const {
    if (!outcome) return false;
    if (failure == SessionFailure::none) return true;
    // A failure after some recipient got a non-temporary reply: the transaction decided.
    return std::any_of(outcome->recipients.begin(), outcome->recipients.end(),
                       [](const RecipientOutcome& r) { return r.status != RecipientStatus::temporary; });
}

std::vector<QueueTransition> record_group(QueuedMessage& msg, const DeliveryGroup& group,
                                          const std::vector<AttemptResult>& results, std::int64_t now_ms,
                                          const RetryPolicy& retry, std::uint64_t seed) {
    std::vector<QueueTransition> changes;
    for (std::size_t k = 0; k < group.recipients.size() && k < results.size(); ++k) {
        auto c = apply_attempt_outcome(msg, group.recipients[k], results[k], now_ms, retry, seed);
        changes.insert(changes.end(), c.begin(), c.end());
    }
    return changes;
}

AttemptResult local_delivery_result(const Reply& reply) {
    AttemptResult r;
    r.reply = reply;
    r.attempted = true;
    return r;
}

// ---------------------------------------------------------------- notices

std::vector<NoticeDue> notices_owed(const QueuedMessage& msg, std::int64_t now_ms, const RetryPolicy& retry) {
    std::vector<NoticeDue> out;
    for (DsnAction a : {DsnAction::failed, DsnAction::delayed, DsnAction::delivered, DsnAction::relayed}) {
        auto who = recipients_needing_dsn(msg, a, now_ms, retry);
        if (!who.empty()) out.push_back(NoticeDue{a, std::move(who)});
    }
    return out;
}

std::optional<Notice> issue_notice(QueuedMessage& msg, const NoticeDue& due, std::string_view reporting_mta,
                                   std::int64_t now_ms, const RetryPolicy& retry, std::uint64_t seed,
                                   std::uint64_t counter, std::string_view original_content) {
    DsnRequest req = make_dsn_request(msg, due.recipients, due.action, reporting_mta, now_ms, retry, seed, counter,
                                      original_content);
    DsnResult dsn = compose_dsn(req);
    mark_dsn_sent(msg, due.recipients, due.action);
    if (dsn.outcome != DsnOutcome::composed) return std::nullopt;
    Notice n;
    QueuedMessage& q = n.message;
    q.sender.null = true;  // RFC 5321 §4.5.5: notices travel with the null reverse-path
    q.origin = MessageOrigin::notice;
    q.created_ms = now_ms;
    q.content_8bit = contains_8bit(dsn.content);
    if (q.content_8bit) q.params.body = Body::eight_bit_mime;
    q.params.smtputf8 = msg.sender.mailbox.utf8;  // RFC 6533: a notice to a UTF-8 address
    QueuedRecipient r;
    r.path = msg.sender;
    r.path.source_route.clear();
    DsnNotify never;
    never.never = true;
    never.failure = never.delay = false;
    r.params.notify = never;  // a notice is never answered (RFC 3461 §6.2)
    q.recipients.push_back(std::move(r));
    n.dsn = std::move(dsn);
    return n;
}

}  // namespace relaylab
