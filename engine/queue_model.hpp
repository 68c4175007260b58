#pragma once
// The queue's view of one message: per-recipient delivery states and the rules that move
// them (RFC 5321 §4.5.4.1 retry, §6.1 bounce on failure). Storage is not here (it is the
// host's: spool files natively, a virtual disk in the simulator); this is a pure value type
// with pure transitions, like OpenSMTPD's scheduler working on envelopes.
//
//   queued ──begin_attempt──▶ attempting ──2xx──▶ delivered (mailbox) / relayed (next MTA)
//      ▲                          │ ├────5xx──▶ bounced{reply}
//      │                          │ └────4xx──▶ deferred{next_attempt_ms, last_reply}
//   deferred ◀────────────────────┘             (or bounced, expired, once past max lifetime)
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/address.hpp"
#include "engine/command.hpp"
#include "engine/dsn.hpp"
#include "engine/dsn_params.hpp"
#include "engine/reply.hpp"
#include "engine/retry.hpp"

namespace relaylab {

enum class RecipientState { queued, attempting, delivered, relayed, deferred, bounced };
const char* recipient_state_name(RecipientState state);
// delivered (into a mailbox here), relayed (another MTA took responsibility) or bounced.
bool is_final(RecipientState state);

// What one attempt for one recipient came to: the reply that decides, and who gave it.
struct AttemptResult {
    Reply reply;
    // The host that sent `reply` ("mx1.dest.test[127.0.0.2]:25"). Empty: a local condition
    // that no remote host replied with (DNS failure, refused connection, a limit we know
    // from EHLO): it never appears as "Diagnostic-Code: smtp;" in a notice.
    std::string remote_mta;
    // A host was reached (or a local mailbox written): false when DNS failed or no host
    // answered, so no "Last-Attempt-Date" is claimed (RFC 3464 §2.3.7).
    bool attempted = true;
    // 2xx from another MTA (relayed, RFC 3464 §2.3.3) rather than a mailbox here (delivered).
    bool relayed = false;
    // Relayed with NOTIFY passed on to a next hop that offers DSN (RFC 3461 §5.2.2): the
    // success notice, if any, is the next hop's to send.
    bool dsn_passed_on = false;
    bool operator==(const AttemptResult&) const = default;
};

struct QueuedRecipient {
    Path path;          // the forward-path as accepted
    RcptParams params;  // NOTIFY (RFC 3461 §4.1) and ORCPT (§4.2) as accepted
    RecipientState state = RecipientState::queued;
    int attempts = 0;                      // finished attempts
    std::int64_t next_attempt_ms = 0;      // deferred: earliest next try
    std::optional<std::int64_t> last_attempt_ms;  // the last time a host was really tried
    std::optional<Reply> last_reply;       // the latest reply (real or local) for this recipient
    std::optional<Reply> final_reply;      // delivered / relayed / bounced: the reason
    std::string remote_mta;                // who gave last_reply; empty: a local condition
    bool expired = false;                  // bounced because the queue lifetime ran out
    bool dsn_passed_on = false;            // see AttemptResult
    bool failure_dsn_sent = false;
    bool delay_dsn_sent = false;
    bool success_dsn_sent = false;

    // "bob@example.org" ("Postmaster" for the domain-less <Postmaster>): for display and logs.
    std::string address() const;
    std::string domain() const;  // lower-case; empty for <Postmaster>
    DsnNotify notify() const { return params.notify.value_or(DsnNotify{}); }
    bool operator==(const QueuedRecipient&) const = default;
};

// Where a queued message came from: a client's message, or a notice we composed.
enum class MessageOrigin { client, notice };

struct QueuedMessage {
    std::string id;         // queue id
    Path sender;            // the reverse-path as accepted; null = "<>"
    MailParams params;      // SIZE, BODY, SMTPUTF8, RET, ENVID, AUTH as accepted
    bool content_8bit = false;  // the content has octets >= 0x80 (declared or not)
    MessageOrigin origin = MessageOrigin::client;
    std::int64_t created_ms = 0;  // arrival time
    std::vector<QueuedRecipient> recipients;

    std::string sender_address() const;  // "a@b.example", empty for "<>"
    bool operator==(const QueuedMessage&) const = default;
};

struct QueueTransition {
    std::size_t recipient = 0;
    RecipientState from = RecipientState::queued;
    RecipientState to = RecipientState::queued;
    bool operator==(const QueueTransition&) const = default;
};

// Which recipients an operation applies to: one index, or (nullopt) every recipient that is
// not final yet.
using RecipientSelector = std::optional<std::size_t>;

// queued / deferred → attempting (delivery starts now).
std::vector<QueueTransition> begin_attempt(QueuedMessage& msg, RecipientSelector which, std::int64_t now_ms);

// The one place where an attempt's result decides a recipient's fate:
//   2xx → delivered (a mailbox here) or relayed (another MTA); 5xx → bounced with that reply;
//   anything else (4xx, or no usable reply) → deferred until now + next_retry_delay_ms, or,
//   when that is past created + max_lifetime (RFC 5321 §4.5.4.1 give-up time), bounced with
//   the last reply kept as it was received (its 4.x.y status too, as Postfix does) and
//   `expired` set, so the notice can say the queue lifetime ran out.
// Final recipients are left alone. Returns the changes, for the trace.
std::vector<QueueTransition> apply_attempt_outcome(QueuedMessage& msg, RecipientSelector which,
                                                   const AttemptResult& result, std::int64_t now_ms,
                                                   const RetryPolicy& policy, std::uint64_t seed);

struct QueueCounts {
    std::size_t queued = 0, attempting = 0, delivered = 0, relayed = 0, deferred = 0, bounced = 0;
    bool operator==(const QueueCounts&) const = default;
};
QueueCounts count_states(const QueuedMessage& msg);

// Every recipient is delivered or bounced, and every DSN that is owed has been sent.
bool is_done(const QueuedMessage& msg);

// Recipients whose next attempt is due at `now_ms` (queued, or deferred and the time came).
std::vector<std::size_t> due_recipients(const QueuedMessage& msg, std::int64_t now_ms);

// Recipients owed a DSN of `action` at `now_ms`, honouring NOTIFY and never for a null
// sender: failed = bounced and not reported; delayed = deferred for at least
// policy.delay_warning_ms and not warned; delivered = delivered into a mailbox here,
// NOTIFY=SUCCESS, not reported (RFC 3461 §5.2.3); relayed = relayed to a next hop that does
// not offer DSN, NOTIFY=SUCCESS, not reported (§5.2.2). A recipient relayed with its NOTIFY
// passed on owes nothing: the next hop reports.
std::vector<std::size_t> recipients_needing_dsn(const QueuedMessage& msg, DsnAction action, std::int64_t now_ms,
                                                const RetryPolicy& policy);
void mark_dsn_sent(QueuedMessage& msg, const std::vector<std::size_t>& recipients, DsnAction action);

// The earliest time something must happen to this message (a retry, a delay warning, a
// pending bounce); nullopt when nothing will (done, or waiting on an attempt in flight).
std::optional<std::int64_t> next_wakeup_ms(const QueuedMessage& msg, const RetryPolicy& policy);

// The DSN request for those recipients (see compose_dsn), filled from the queue's state.
DsnRequest make_dsn_request(const QueuedMessage& msg, const std::vector<std::size_t>& recipients,
                            DsnAction action, std::string_view reporting_mta, std::int64_t now_ms,
                            const RetryPolicy& policy, std::uint64_t seed, std::uint64_t counter,
                            std::string_view original_message);

// From an accepted envelope to the queue's view (the simulator and the native relay queue
// alike): every parameter is kept as the typed value it was parsed into.
QueuedMessage queued_message(std::string id, const Path& from, const MailParams& params, std::int64_t now_ms);
QueuedRecipient queued_recipient(const Path& to, const RcptParams& params);

}  // namespace relaylab
