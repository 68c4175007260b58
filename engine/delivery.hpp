#pragma once
// The delivery core: every decision between "the message is queued" and "every recipient is
// final and every notice owed is queued", without I/O. The simulator's virtual network and the
// native relay's sockets only carry out what it says, so the two cannot disagree.
//
//   for (auto& group : start_attempts(msg, policy, now)) {        // due recipients, by route
//       if (group.local) { ...deliver to mailboxes, record(...) } // a host's own domains
//       DomainDelivery d(policy, group, msg, seed);
//       for (;;) switch (d.next(tls_memory, now)) {                // pull loop
//           LookupMx  -> d.on_mx(answer)
//           LookupAddress -> d.on_address(answer to step.type for step.name)
//           Connect   -> run a ClientSession with step.client on step.message to step.ip:port;
//                        d.on_connect_failed(why) or d.on_session(result)
//           Finished  -> record_group(msg, group, d.results(), now, policy, seed)
//       }
//   }
//   for (auto& n : notices_owed(msg, now, policy)) ...compose_notice(...), queue it, mark_dsn_sent
//   if (is_done(msg)) remove it; else wake up at next_wakeup_ms(msg, policy)
//
// Rules decided here (each with its RFC):
//  - Routes: a static route (Postfix's transport) or a smarthost ("*") skips the MX lookup;
//    otherwise MX plan (RFC 5321 §5.1, RFC 7505), then each exchange's addresses in order.
//  - Addresses: for each exchange (and for the domain as implicit MX) AAAA, then A is asked
//    (A is skipped when AAAA says NXDOMAIN, RFC 8020 §2); every address is tried, IPv6 first
//    (RFC 5321 §5.1, RFC 6724 §6 default policy, RFC 3974 §3). An address that cannot be
//    reached (no IPv6 route) is a failed connection like any other: the next address.
//  - A refused or silent connection, a 421 greeting, a lost connection: the next address or
//    host (RFC 5321 §5.1 "try the next"). A reply to the transaction decides.
//  - TLS per destination (RFC 7435 opportunistic vs. required): a failed handshake at an
//    opportunistic destination is retried at once on the same host in cleartext and the host
//    is remembered for a while (as Postfix at level "may"); where TLS is required the host
//    is skipped and, when none is left, the recipients are deferred with 4.7.4.
//  - Which reply is "remote" (a host sent it: Diagnostic-Code smtp;, Remote-MTA) and which is
//    a local condition (DNS, connection, a limit seen in EHLO): see AttemptResult.
//  - Parameters to the next hop: everything accepted goes on (BODY, SMTPUTF8, RET, ENVID,
//    NOTIFY, ORCPT); undeclared 8-bit content goes on as BODY=8BITMIME (lenient 8-bit); the
//    client session downgrades or refuses when the next hop lacks an extension.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/client_session.hpp"
#include "engine/mx.hpp"
#include "engine/queue_model.hpp"
#include "engine/retry.hpp"

namespace relaylab {

// Where mail for a domain goes without an MX lookup. domain "*" matches every domain (a
// smarthost).
struct StaticRoute {
    std::string domain;
    std::string host;  // a name to look up, or an IP address
    std::uint16_t port = 25;
};

enum class DestinationTls { opportunistic, required };
const char* destination_tls_name(DestinationTls tls);

struct DeliveryPolicy {
    std::string hostname = "relay.lab.test";  // our name: EHLO, MX loop check, Reporting-MTA
    std::vector<std::string> local_domains;   // delivered here, never relayed
    std::vector<std::string> tls_required_domains;
    std::vector<StaticRoute> routes;
    std::uint16_t port = 25;  // the port of MX hosts
    RetryPolicy retry;
    // How long a host whose TLS handshake failed is spoken to in cleartext at once.
    std::int64_t tls_failure_memory_ms = 3'600'000;
    ClientTimeouts timeouts;
};

DestinationTls destination_tls(const DeliveryPolicy& policy, std::string_view domain);

// Hosts whose TLS handshake failed recently (opportunistic destinations only). The host owns
// one; the rule of when to remember and when to forget lives here.
class TlsFailureMemory {
public:
    void remember(std::string_view target, std::int64_t now_ms, std::int64_t for_ms);
    bool failed_recently(std::string_view target, std::int64_t now_ms) const;

private:
    std::map<std::string, std::int64_t, std::less<>> until_;
};

// Recipients due now, grouped the way they are attempted: one group per local delivery, one
// per destination domain (or one for a smarthost). Marks them attempting (begin_attempt).
struct DeliveryGroup {
    bool local = false;       // a domain of ours: delivery into mailboxes here
    std::string domain;       // lower-case; "*" for the smarthost group
    std::vector<std::size_t> recipients;  // indices into QueuedMessage::recipients
};
std::vector<DeliveryGroup> start_attempts(QueuedMessage& msg, const DeliveryPolicy& policy, std::int64_t now_ms);

// The message as the next hop gets it: every parameter accepted goes on; undeclared 8-bit
// content is sent as BODY=8BITMIME (the lenient default: Postfix's strict_8bitmime = no).
OutgoingMessage outgoing_message(const QueuedMessage& msg, const std::vector<std::size_t>& recipients,
                                 std::string content);

// ---- One destination, one attempt: a pull-driven state machine ----

struct LookupMx {
    std::string domain;
};
struct LookupAddress {  // one address question for a name: AAAA first, then A
    std::string name;
    AddressType type = AddressType::aaaa;
};
struct Connect {
    std::string host;  // the exchange's name (for SNI, Remote-MTA)
    std::string ip;
    std::uint16_t port = 25;
    ClientConfig client;     // TLS policy, EHLO name, timeouts for this session
    bool cleartext_retry = false;  // the same host again without TLS after a failed handshake
};
struct Finished {};
using DeliveryStep = std::variant<LookupMx, LookupAddress, Connect, Finished>;

// How a session to a Connect target ended, as the host saw it.
struct SessionReport {
    std::optional<MessageOutcome> outcome;  // the message's outcome, if the session got that far
    SessionFailure failure = SessionFailure::none;
    std::optional<Reply> failure_reply;     // the server reply that ended the session, if any
    // The transaction reached a decision (the session ended cleanly, or some recipient got a
    // non-temporary reply): the outcome stands; otherwise the next host is tried.
    bool outcome_decides() const;
};

class DomainDelivery {
public:
    DomainDelivery(const DeliveryPolicy& policy, const DeliveryGroup& group, std::uint64_t seed);

    // What to do next. Call again after answering each step; after a Connect, calling it
    // before on_session or on_connect_failed throws std::logic_error (a bug in the host).
    DeliveryStep next(TlsFailureMemory& memory, std::int64_t now_ms);
    void on_mx(const DnsMxAnswer& answer);
    void on_address(const DnsAddressAnswer& answer);  // the answer to the LookupAddress asked
    void on_connect_failed(std::string_view why);
    void on_session(const SessionReport& report);

    // After Finished: one result per recipient of the group, in its order.
    const std::vector<AttemptResult>& results() const { return results_; }
    // For the trace: the plan's hosts once known, and whether the MX answer was a failure.
    const MxPlan& plan() const { return plan_; }
    const std::string& domain() const { return domain_; }
    DestinationTls tls() const { return tls_; }

private:
    struct Target {
        std::string host, ip;
        std::uint16_t port = 25;
    };
    enum class Stage { start, mx, addresses, connecting, session, finished };
    void finish_all(const Reply& reply, std::string remote_mta, bool attempted);
    void advance();  // on to the next target, or finish with the last failure
    std::string target_name(const Target& t) const;
    // Takes the answer to the address question asked; the name's merged addresses once its
    // questions are all answered, nullopt while the A question is still to come.
    std::optional<DnsAddressAnswer> take_address(const DnsAddressAnswer& answer);

    const DeliveryPolicy& policy_;
    std::string domain_;
    std::size_t count_ = 0;
    std::uint64_t seed_ = 0;
    DestinationTls tls_ = DestinationTls::opportunistic;
    Stage stage_ = Stage::start;
    std::optional<StaticRoute> route_;
    MxPlan plan_;
    std::optional<DnsMxAnswer> mx_answer_;
    std::optional<DnsAddressAnswer> domain_addresses_;  // for the implicit MX
    std::size_t host_index_ = 0;   // next plan host whose addresses are needed
    AddressType asking_ = AddressType::aaaa;   // the address question asked now
    std::optional<DnsAddressAnswer> aaaa_;     // the AAAA answer, while A is asked
    std::vector<Target> targets_;  // addresses of the current host
    std::size_t target_index_ = 0;
    bool cleartext_ = false;       // the current target is being tried in cleartext
    bool reached_any_ = false;     // some host answered (an attempt was made)
    std::optional<AttemptResult> last_;  // the latest failure, to report if nothing succeeds
    std::vector<AttemptResult> results_;
};

// Applies a group's results to the queue (apply_attempt_outcome for each recipient).
std::vector<QueueTransition> record_group(QueuedMessage& msg, const DeliveryGroup& group,
                                          const std::vector<AttemptResult>& results, std::int64_t now_ms,
                                          const RetryPolicy& retry, std::uint64_t seed);

// The result of a local delivery attempt (into a mailbox here).
AttemptResult local_delivery_result(const Reply& reply);

// ---- Notices ----

// A notice owed now: its action and the recipients it reports.
struct NoticeDue {
    DsnAction action = DsnAction::failed;
    std::vector<std::size_t> recipients;
};
// In the order they are sent: failed, delayed, delivered, relayed. Never for a null sender
// (RFC 5321 §4.5.5), honouring NOTIFY (RFC 3461 §4.1).
std::vector<NoticeDue> notices_owed(const QueuedMessage& msg, std::int64_t now_ms, const RetryPolicy& retry);

// A notice composed and ready to queue: the null reverse-path to the original sender, as a
// queued message of its own (NOTIFY=NEVER: a notice is never answered, RFC 3461 §6.2).
struct Notice {
    DsnResult dsn;
    QueuedMessage message;  // id left for the host to fill in
};
// Marks the recipients reported (whether or not a notice results: NOTIFY may exclude them
// all) and composes the notice; nullopt when none is to be sent.
std::optional<Notice> issue_notice(QueuedMessage& msg, const NoticeDue& due, std::string_view reporting_mta,
                                   std::int64_t now_ms, const RetryPolicy& retry, std::uint64_t seed,
                                   std::uint64_t counter, std::string_view original_content);

}  // namespace relaylab
