#include "engine/queue_model.hpp"

#include <algorithm>

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
    if (msg.sender.empty() || !policy.delay_warning_ms) return std::nullopt;
    if (r.state != RecipientState::deferred || r.delay_dsn_sent || !r.notify.wants(DsnAction::delayed))
        return std::nullopt;
    return msg.created_ms + *policy.delay_warning_ms;
}

bool owes_failure_dsn(const QueuedMessage& msg, const QueuedRecipient& r) {
    return !msg.sender.empty() && r.state == RecipientState::bounced && !r.failure_dsn_sent &&
           r.notify.wants(DsnAction::failed);
}

bool owes_success_dsn(const QueuedMessage& msg, const QueuedRecipient& r) {
    return !msg.sender.empty() && r.state == RecipientState::delivered && !r.success_dsn_sent &&
           r.notify.wants(DsnAction::delivered);
}

}  // namespace

const char* recipient_state_name(RecipientState state) {
    switch (state) {
        case RecipientState::queued: return "queued";
        case RecipientState::attempting: return "attempting";
        case RecipientState::delivered: return "delivered";
        case RecipientState::deferred: return "deferred";
        case RecipientState::bounced: return "bounced";
    }
    return "?";
}

bool is_final(RecipientState state) { return state == RecipientState::delivered || state == RecipientState::bounced; }

std::vector<QueueTransition> begin_attempt(QueuedMessage& msg, RecipientSelector which, std::int64_t now_ms) {
    std::vector<QueueTransition> changes;
    for_selected(msg, which, [&](std::size_t i) {
        QueuedRecipient& r = msg.recipients[i];
        if (r.state == RecipientState::attempting) return;
        changes.push_back({i, r.state, RecipientState::attempting});
        r.state = RecipientState::attempting;
        r.last_attempt_ms = now_ms;
    });
    return changes;
}

std::vector<QueueTransition> apply_attempt_outcome(QueuedMessage& msg, RecipientSelector which, const Reply& reply,
                                                   std::int64_t now_ms, const RetryPolicy& policy,
                                                   std::uint64_t seed, std::string_view remote_mta) {
    std::vector<QueueTransition> changes;
    const std::int64_t expires_at = msg.created_ms + policy.max_lifetime_ms;
    for_selected(msg, which, [&](std::size_t i) {
        QueuedRecipient& r = msg.recipients[i];
        const RecipientState from = r.state;
        r.last_reply = reply;
        r.last_attempt_ms = now_ms;
        r.remote_mta = std::string(remote_mta);
        ++r.attempts;
        if (reply.code >= 200 && reply.code < 300) {
            r.state = RecipientState::delivered;
            r.final_reply = reply;
        } else if (reply.permanent()) {
            // RFC 5321 §4.2.1: 5yz is a permanent failure; do not repeat the request.
            r.state = RecipientState::bounced;
            r.final_reply = reply;
        } else {
            // 4yz (or nothing usable): try again later (RFC 5321 §4.5.4.1).
            const std::int64_t next = now_ms + next_retry_delay_ms(policy, r.attempts, seed);
            if (next > expires_at) {
                // RFC 3463 X.4.7: delivery time expired; keep the last reply in the diagnostic.
                r.state = RecipientState::bounced;
                r.final_reply = make_reply(reply.code >= 400 && reply.code < 500 ? reply.code : 451, "4.4.7",
                                           "delivery time expired\nlast reply: " + reply.summary());
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
            case DsnAction::relayed:
            case DsnAction::expanded: owed = owes_success_dsn(msg, r); break;
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
    req.original_sender = msg.sender;
    req.envid = msg.envid;
    req.ret = msg.ret;
    req.arrival_ms = msg.created_ms;
    req.now_ms = now_ms;
    req.seed = seed;
    req.counter = counter;
    req.original_message = std::string(original_message);
    for (std::size_t i : recipients) {
        if (i >= msg.recipients.size()) continue;
        const auto& r = msg.recipients[i];
        DsnRecipient d;
        d.final_recipient = r.address;
        d.original_recipient = r.original_recipient;
        d.notify = r.notify;
        d.action = action;
        d.remote_mta = r.remote_mta;
        d.diagnostic = r.last_reply;
        d.last_attempt_ms = r.last_attempt_ms;
        if (action == DsnAction::failed && r.final_reply) d.status = r.final_reply->enhanced;
        if (action == DsnAction::delayed) {
            d.status = r.last_reply && !r.last_reply->enhanced.empty() ? r.last_reply->enhanced : "4.0.0";
            d.will_retry_until_ms = msg.created_ms + policy.max_lifetime_ms;
        }
        req.recipients.push_back(std::move(d));
    }
    return req;
}

QueuedMessage queued_message(std::string id, const Path& from, const MailParams& params, std::int64_t now_ms) {
    QueuedMessage q;
    q.id = std::move(id);
    q.sender = from.null ? std::string() : from.mailbox.to_string();
    q.envid = params.envid;
    q.ret = params.ret == Ret::hdrs ? DsnRet::hdrs : params.ret == Ret::full ? DsnRet::full : DsnRet::unspecified;
    q.created_ms = now_ms;
    return q;
}

QueuedRecipient queued_recipient(const Path& to, const RcptParams& params) {
    QueuedRecipient r;
    r.address = to.mailbox.domain.empty() ? to.mailbox.local_part : to.mailbox.to_string();
    r.original_recipient = params.orcpt;
    if (params.notify_given) {
        r.notify.never = params.notify_never;
        r.notify.success = params.notify_success;
        r.notify.failure = params.notify_failure;
        r.notify.delay = params.notify_delay;
    }
    return r;
}

}  // namespace relaylab
