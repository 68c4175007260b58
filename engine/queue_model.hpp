#pragma once
// The queue's view of one message: per-recipient delivery states and the rules that move
// them (RFC 5321 §4.5.4.1 retry, §6.1 bounce on failure). Storage is not here (it is the
// host's: spool files natively, a virtual disk in the simulator); this is a pure value type
// with pure transitions, like OpenSMTPD's scheduler working on envelopes.
//
//   queued ──begin_attempt──▶ attempting ──2xx──▶ delivered
//      ▲                          │ ├────5xx──▶ bounced{reply}
//      │                          │ └────4xx──▶ deferred{next_attempt_ms, last_reply}
//   deferred ◀────────────────────┘             (or bounced 4.4.7 once past max lifetime)
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/address.hpp"
#include "engine/command.hpp"
#include "engine/dsn.hpp"
#include "engine/reply.hpp"
#include "engine/retry.hpp"

namespace relaylab {

enum class RecipientState { queued, attempting, delivered, deferred, bounced };
const char* recipient_state_name(RecipientState state);
bool is_final(RecipientState state);  // delivered or bounced

struct QueuedRecipient {
    std::string address;             // the forward-path mailbox, "bob@example.org"
    std::string original_recipient;  // ORCPT (decoded), empty if none (RFC 3461 §4.2)
    DsnNotify notify;                // NOTIFY (RFC 3461 §4.1); default failure + delay
    RecipientState state = RecipientState::queued;
    int attempts = 0;                      // finished attempts
    std::int64_t next_attempt_ms = 0;      // deferred: earliest next try
    std::optional<std::int64_t> last_attempt_ms;
    std::optional<Reply> last_reply;       // the latest reply received for this recipient
    std::optional<Reply> final_reply;      // delivered / bounced: the reason
    std::string remote_mta;                // who gave last_reply, if a remote host did
    bool failure_dsn_sent = false;
    bool delay_dsn_sent = false;
    bool success_dsn_sent = false;
    bool operator==(const QueuedRecipient&) const = default;
};

struct QueuedMessage {
    std::string id;      // queue id
    std::string sender;  // MAIL FROM mailbox; empty = null reverse-path "<>"
    std::string envid;   // ENVID (RFC 3461 §4.4), empty if none
    DsnRet ret = DsnRet::unspecified;
    std::int64_t created_ms = 0;  // arrival time
    std::vector<QueuedRecipient> recipients;
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

// The one place where an attempt's reply decides a recipient's fate:
//   2xx → delivered; 5xx → bounced with that reply;
//   anything else (4xx, or no usable reply) → deferred until now + next_retry_delay_ms, or
//   bounced with 4.4.7 "delivery time expired" when that is past created + max_lifetime
//   (RFC 5321 §4.5.4.1 give-up time; RFC 3463 X.4.7); the last reply is kept for the DSN.
// Final recipients are left alone. Returns the changes, for the trace.
std::vector<QueueTransition> apply_attempt_outcome(QueuedMessage& msg, RecipientSelector which, const Reply& reply,
                                                   std::int64_t now_ms, const RetryPolicy& policy,
                                                   std::uint64_t seed, std::string_view remote_mta = {});

struct QueueCounts {
    std::size_t queued = 0, attempting = 0, delivered = 0, deferred = 0, bounced = 0;
    bool operator==(const QueueCounts&) const = default;
};
QueueCounts count_states(const QueuedMessage& msg);

// Every recipient is delivered or bounced, and every DSN that is owed has been sent.
bool is_done(const QueuedMessage& msg);

// Recipients whose next attempt is due at `now_ms` (queued, or deferred and the time came).
std::vector<std::size_t> due_recipients(const QueuedMessage& msg, std::int64_t now_ms);

// Recipients owed a DSN of `action` at `now_ms`, honouring NOTIFY and never for a null
// sender: failed = bounced and not reported; delayed = deferred for at least
// policy.delay_warning_ms and not warned; delivered = delivered, NOTIFY=SUCCESS, not reported.
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
// alike): the null reverse-path becomes an empty sender; RET (RFC 3461 §4.3) and ENVID
// (§4.4) are carried; recipients are added with queued_recipient().
QueuedMessage queued_message(std::string id, const Path& from, const MailParams& params, std::int64_t now_ms);
// One forward-path with its NOTIFY (RFC 3461 §4.1; default when absent) and ORCPT (§4.2).
// "<Postmaster>" without a domain keeps just its local part.
QueuedRecipient queued_recipient(const Path& to, const RcptParams& params);

}  // namespace relaylab
