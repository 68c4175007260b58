#include "engine/queue_model.hpp"

#include <algorithm>

#include "engine/ascii.hpp"

namespace relaylab {

namespace {

template <class Fn>
void for_selected(QueuedMessage& msg, RecipientSelector which, Fn fn) {
    if (which) {
        if (*which < msg.recipients.size() && !is_final(msg.recipients[*which].state)) fn(*which);
        return;
    }
    for (std::size_t i = 0; i < msg.recipients.size(); ++i)
        if (!is_final(msg.recipients[i].state)) fn(i);
}

std::optional<std::int64_t> delay_warning_at(const QueuedMessage& msg, const QueuedRecipient& r,
                                             const RetryPolicy& policy) {
    if (msg.sender.null || !policy.delay_warning_ms) return std::nullopt;
    if (r.state != RecipientState::deferred || r.delay_dsn_sent || !r.notify().wants(DsnAction::delayed))
        return std::nullopt;
    return msg.created_ms + *policy.delay_warning_ms;
}

bool owes_failure_dsn(const QueuedMessage& msg, const QueuedRecipient& r) {
    return !msg.sender.null && r.state == RecipientState::bounced && !r.failure_dsn_sent &&
           r.notify().wants(DsnAction::failed);
}

// The success notice this recipient is owed, if any (RFC 3461 §5.2.2, §5.2.3).
std::optional<DsnAction> success_action(const QueuedMessage& msg, const QueuedRecipient& r) {
    if (msg.sender.null || r.success_dsn_sent || !r.notify().wants(DsnAction::delivered)) return std::nullopt;
    if (r.state == RecipientState::delivered) return DsnAction::delivered;
    if (r.state == RecipientState::relayed && !r.dsn_passed_on) return DsnAction::relayed;
    return std::nullopt;
}

bool owes_success_dsn(const QueuedMessage& msg, const QueuedRecipient& r) {
    return success_action(msg, r).has_value();
}

}  // namespace

const char* recipient_state_name(RecipientState state) {
    switch (state) {
        case RecipientState::queued: return "queued";
        case RecipientState::attempting: return "attempting";
        case RecipientState::delivered: return "delivered";
        case RecipientState::relayed: return "relayed";
        case RecipientState::deferred: return "deferred";
        case RecipientState::bounced: return "bounced";
    }
    return "?";
}

bool is_final(RecipientState state) {
    return state == RecipientState::delivered || state == RecipientState::relayed || state == RecipientState::bounced;
}

std::string QueuedRecipient::address() const {
    return path.mailbox.domain.empty() ? path.mailbox.local_part : path.mailbox.to_string();
}

std::string QueuedRecipient::domain() const { return ascii_lowercase(path.mailbox.domain); }

std::string QueuedMessage::sender_address() const { return sender.null ? std::string() : sender.mailbox.to_string(); }

std::vector<QueueTransition> begin_attempt(QueuedMessage& msg, RecipientSelector which, std::int64_t now_ms) {
    std::vector<QueueTransition> changes;
    for_selected(msg, which, [&](std::size_t i) {
        QueuedRecipient& r = msg.recipients[i];
        if (r.state == RecipientState::attempting) return;
        changes.push_back({i, r.state, RecipientState::attempting});
        r.state = RecipientState::attempting;
    });
    return changes;
}

std::vector<QueueTransition> apply_attempt_outcome(QueuedMessage& msg, RecipientSelector which,
                                                   const AttemptResult& result, std::int64_t now_ms,
                                                   const RetryPolicy& policy, std::uint64_t seed) {
    std::vector<QueueTransition> changes;
    const Reply& reply = result.reply;
    const std::int64_t expires_at = msg.created_ms + policy.max_lifetime_ms;
    for_selected(msg, which, [&](std::size_t i) {
        QueuedRecipient& r = msg.recipients[i];
        const RecipientState from = r.state;
        r.last_reply = reply;
        if (result.attempted) r.last_attempt_ms = now_ms;
        r.remote_mta = result.remote_mta;
        ++r.attempts;
        if (reply.code >= 200 && reply.code < 300) {
            r.state = result.relayed ? RecipientState::relayed : RecipientState::delivered;
            r.dsn_passed_on = result.relayed && result.dsn_passed_on;
            r.final_reply = reply;
        } else if (reply.permanent()) {
            // RFC 5321 §4.2.1: 5yz is a permanent failure; do not repeat the request.
            r.state = RecipientState::bounced;
            r.final_reply = reply;
        } else {
            // 4yz (or nothing usable): try again later (RFC 5321 §4.5.4.1).
            const std::int64_t next = now_ms + next_retry_delay_ms(policy, r.attempts, seed);
            if (next > expires_at) {
                // Give up. The reason stays the last one really met (a remote 452 4.2.2 is
                // still 4.2.2: Postfix reports it so too); `expired` says why we stopped.
                r.state = RecipientState::bounced;
                r.expired = true;
                r.final_reply = reply;
            } else {
                r.state = RecipientState::deferred;
                r.next_attempt_ms = next;
            }
        }
        changes.push_back({i, from, r.state});
    });
    return changes;
}

QueueCounts count_states(const QueuedMessage& msg) {
    QueueCounts c;
    for (const auto& r : msg.recipients) {
        switch (r.state) {
            case RecipientState::queued: ++c.queued; break;
            case RecipientState::attempting: ++c.attempting; break;
            case RecipientState::delivered: ++c.delivered; break;
            case RecipientState::relayed: ++c.relayed; break;
            case RecipientState::deferred: ++c.deferred; break;
            case RecipientState::bounced: ++c.bounced; break;
        }
    }
    return c;
}

bool is_done(const QueuedMessage& msg) {
    return std::all_of(msg.recipients.begin(), msg.recipients.end(), [&](const QueuedRecipient& r) {
        return is_final(r.state) && !owes_failure_dsn(msg, r) && !owes_success_dsn(msg, r);
    });
}

std::vector<std::size_t> due_recipients(const QueuedMessage& msg, std::int64_t now_ms) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < msg.recipients.size(); ++i) {
        const auto& r = msg.recipients[i];
        if (r.state == RecipientState::queued || (r.state == RecipientState::deferred && r.next_attempt_ms <= now_ms))
            out.push_back(i);
    }
    return out;
}

std::vector<std::size_t> recipients_needing_dsn(const QueuedMessage& msg, DsnAction action, std::int64_t now_ms,
                                                const RetryPolicy& policy) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < msg.recipients.size(); ++i) {
        const auto& r = msg.recipients[i];
        bool owed = false;
        switch (action) {
            case DsnAction::failed: owed = owes_failure_dsn(msg, r); break;
            case DsnAction::delayed: {
                auto at = delay_warning_at(msg, r, policy);
                owed = at && *at <= now_ms;
                break;
            }
            case DsnAction::delivered:
            case DsnAction::relayed: owed = success_action(msg, r) == action; break;
            case DsnAction::expanded: break;
        }
        if (owed) out.push_back(i);
    }
    return out;
}

void mark_dsn_sent(QueuedMessage& msg, const std::vector<std::size_t>& recipients, DsnAction action) {
    for (std::size_t i : recipients) {
        if (i >= msg.recipients.size()) continue;
        auto& r = msg.recipients[i];
        if (action == DsnAction::failed)
            r.failure_dsn_sent = true;
        else if (action == DsnAction::delayed)
            r.delay_dsn_sent = true;
        else
            r.success_dsn_sent = true;
    }
}

std::optional<std::int64_t> next_wakeup_ms(const QueuedMessage& msg, const RetryPolicy& policy) {
    std::optional<std::int64_t> best;
    auto consider = [&](std::int64_t t) {
        if (!best || t < *best) best = t;
    };
    for (const auto& r : msg.recipients) {
        switch (r.state) {
            case RecipientState::queued: consider(msg.created_ms); break;
            case RecipientState::deferred:
                consider(r.next_attempt_ms);
                if (auto at = delay_warning_at(msg, r, policy)) consider(*at);
                break;
            case RecipientState::bounced:
            case RecipientState::delivered:
            case RecipientState::relayed:
                // A DSN still owed is due as soon as the outcome was known.
                if (owes_failure_dsn(msg, r) || owes_success_dsn(msg, r))
                    consider(r.last_attempt_ms.value_or(msg.created_ms));
                break;
            case RecipientState::attempting: break;  // the attempt's outcome will wake us
        }
    }
    return best;
}

DsnRequest make_dsn_request(const QueuedMessage& msg, const std::vector<std::size_t>& recipients,
                            DsnAction action, std::string_view reporting_mta, std::int64_t now_ms,
                            const RetryPolicy& policy, std::uint64_t seed, std::uint64_t counter,
                            std::string_view original_message) {
    DsnRequest req;
    req.reporting_mta = std::string(reporting_mta);
    req.original_sender = msg.sender_address();
    req.envid = msg.params.envid;
    req.ret = msg.params.ret;
    req.arrival_ms = msg.created_ms;
    req.now_ms = now_ms;
    req.seed = seed;
    req.counter = counter;
    req.original_message = std::string(original_message);
    for (std::size_t i : recipients) {
        if (i >= msg.recipients.size()) continue;
        const auto& r = msg.recipients[i];
        DsnRecipient d;
        d.final_recipient = r.address();
        d.original_recipient = r.params.orcpt;
        d.notify = r.notify();
        d.action = action;
        d.last_attempt_ms = r.last_attempt_ms;
        d.expired = r.expired;
        d.lifetime_ms = policy.max_lifetime_ms;
        // RFC 3464 §2.3.6: Diagnostic-Code "smtp;" only for a reply a remote host sent, with
        // its Remote-MTA (§2.3.5); a local condition is described, not dressed up as a reply.
        const std::optional<Reply>& reason = action == DsnAction::delayed ? r.last_reply : r.final_reply;
        if (reason) {
            if (!r.remote_mta.empty()) {
                d.remote_mta = r.remote_mta;
                d.diagnostic = reason;
            } else {
                d.local_diagnostic = reason->text();
            }
            d.status = reason->enhanced;
        }
        if (action == DsnAction::delayed) {
            if (d.status.empty()) d.status = "4.0.0";
            d.will_retry_until_ms = msg.created_ms + policy.max_lifetime_ms;
        }
        req.recipients.push_back(std::move(d));
    }
    return req;
}

QueuedMessage queued_message(std::string id, const Path& from, const MailParams& params, std::int64_t now_ms) {
    QueuedMessage q;
    q.id = std::move(id);
    q.sender = from;
    q.params = params;
    q.created_ms = now_ms;
    return q;
}

QueuedRecipient queued_recipient(const Path& to, const RcptParams& params) {
    QueuedRecipient r;
    r.path = to;
    r.params = params;
    return r;
}

}  // namespace relaylab
