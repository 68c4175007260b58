// Queue model: RFC 5321 §4.5.4.1 (retry, give-up time), §4.2.1 (reply classes decide),
// §6.1 (a failed message is reported to the sender); RFC 3463 X.4.7 (delivery time expired);
// RFC 3461 §4.1 NOTIFY; RFC 3464 Action: delayed.
#include <doctest/doctest.h>

#include "engine/queue_model.hpp"
#include "engine/address.hpp"

using namespace relaylab;

namespace {

constexpr std::int64_t minute = 60'000;
constexpr std::int64_t hour = 60 * minute;
constexpr std::int64_t day = 24 * hour;

QueuedMessage make_message(std::size_t n_rcpts, std::string sender = "alice@lab.test") {
    QueuedMessage m;
    m.id = "Q1";
    m.sender = parse_reverse_path("<" + sender + ">", false).value;
    m.created_ms = 1'000'000;
    for (std::size_t i = 0; i < n_rcpts; ++i) {
        QueuedRecipient r;
        r.path = parse_forward_path("<rcpt" + std::to_string(i) + "@example.org>", false).value;
        m.recipients.push_back(r);
    }
    return m;
}

// One attempt's result: a reply from `remote_mta` (empty: a local condition); relayed says a
// 2xx came from another MTA, dsn_passed_on that it offered DSN (RFC 3461 §5.2.2).
std::vector<QueueTransition> apply(QueuedMessage& m, RecipientSelector which, const Reply& reply, std::int64_t now,
                                   const RetryPolicy& policy, std::uint64_t seed, std::string remote_mta = {},
                                   bool relayed = false, bool dsn_passed_on = false) {
    AttemptResult r;
    r.reply = reply;
    r.remote_mta = std::move(remote_mta);
    r.relayed = relayed;
    r.dsn_passed_on = dsn_passed_on;
    return apply_attempt_outcome(m, which, r, now, policy, seed);
}

}  // namespace

TEST_CASE("queue model: attempt outcomes (RFC 5321 §4.2.1, §4.5.4.1)") {
    const RetryPolicy policy;
    QueuedMessage m = make_message(3);
    const std::int64_t t0 = m.created_ms;

    SUBCASE("queued → attempting → delivered on 2xx") {
        auto begun = begin_attempt(m, std::nullopt, t0);
        CHECK(begun.size() == 3);
        CHECK(count_states(m).attempting == 3);
        auto changes = apply(m, 0, make_reply(250, "2.0.0", "ok"), t0 + 10, policy, 1, "mx.example.org");
        REQUIRE(changes.size() == 1);
        CHECK(changes[0] == QueueTransition{0, RecipientState::attempting, RecipientState::delivered});
        CHECK(m.recipients[0].remote_mta == "mx.example.org");
        CHECK(m.recipients[0].attempts == 1);
    }
    SUBCASE("5xx → bounced with that reply") {
        begin_attempt(m, 1, t0);
        apply(m, 1, make_reply(550, "5.1.1", "no such user"), t0, policy, 1);
        CHECK(m.recipients[1].state == RecipientState::bounced);
        REQUIRE(m.recipients[1].final_reply);
        CHECK(m.recipients[1].final_reply->summary() == "550 5.1.1 no such user");
        CHECK(m.recipients[0].state == RecipientState::queued);  // others untouched
    }
    SUBCASE("4xx → deferred until now + next_retry_delay_ms") {
        begin_attempt(m, std::nullopt, t0);
        apply(m, std::nullopt, make_reply(451, "4.3.0", "try later"), t0 + 5, policy, 77);
        for (const auto& r : m.recipients) {
            CHECK(r.state == RecipientState::deferred);
            CHECK(r.next_attempt_ms == t0 + 5 + next_retry_delay_ms(policy, 1, 77));
            REQUIRE(r.last_reply);
            CHECK(r.last_reply->summary() == "451 4.3.0 try later");
        }
        CHECK(due_recipients(m, t0 + 6).empty());
        CHECK(due_recipients(m, m.recipients[0].next_attempt_ms).size() == 3);
        CHECK(next_wakeup_ms(m, policy) == m.recipients[0].next_attempt_ms);
    }
    SUBCASE("final recipients are left alone") {
        apply(m, 0, make_reply(250, "2.0.0", "ok"), t0, policy, 1);
        auto changes = apply(m, 0, make_reply(550, "5.0.0", "late"), t0, policy, 1);
        CHECK(changes.empty());
        CHECK(m.recipients[0].state == RecipientState::delivered);
        CHECK(apply(m, 99, make_reply(250, "", "x"), t0, policy, 1).empty());  // bad index
    }
    SUBCASE("a reply that is neither 2xx nor 5xx is treated as temporary") {
        apply(m, 0, make_reply(0, "", "connection lost"), t0, policy, 1);
        CHECK(m.recipients[0].state == RecipientState::deferred);
    }
}

TEST_CASE("queue model: expiry keeps the last reply met (RFC 5321 §4.5.4.1)") {
    const RetryPolicy policy;
    QueuedMessage m = make_message(1);
    const std::int64_t seed = 5;
    SUBCASE("retries until the next try would pass created + max lifetime, then bounces") {
        std::int64_t now = m.created_ms;
        int attempts = 0;
        while (m.recipients[0].state != RecipientState::bounced) {
            REQUIRE(attempts < 1000);
            begin_attempt(m, 0, now);
            apply(m, 0, make_reply(421, "4.4.2", "busy"), now, policy, seed);
            ++attempts;
            if (m.recipients[0].state == RecipientState::deferred) {
                CHECK(m.recipients[0].next_attempt_ms <= m.created_ms + policy.max_lifetime_ms);
                now = m.recipients[0].next_attempt_ms;
            }
        }
        const auto& r = m.recipients[0];
        CHECK(attempts > 50);  // about 5 days, at most 2 hours apart
        CHECK(now + next_retry_delay_ms(policy, r.attempts, seed) > m.created_ms + policy.max_lifetime_ms);
        REQUIRE(r.final_reply);
        CHECK(r.expired);
        CHECK(r.final_reply->summary() == "421 4.4.2 busy");  // the reason really met, as Postfix reports it
        REQUIRE(r.last_reply);
        CHECK(r.last_reply->summary() == "421 4.4.2 busy");
    }
    SUBCASE("a short lifetime bounces on the first temporary failure") {
        RetryPolicy p;
        p.max_lifetime_ms = 30'000;  // shorter than the first delay (5 min, up to +10%)
        apply(m, 0, make_reply(450, "4.2.1", "later"), m.created_ms, p, seed);
        CHECK(m.recipients[0].state == RecipientState::bounced);
        CHECK(m.recipients[0].expired);
        CHECK(m.recipients[0].final_reply->enhanced == "4.2.1");
    }
    SUBCASE("just inside the lifetime is still deferred") {
        RetryPolicy p;
        p.jitter = 0;
        p.max_lifetime_ms = 300'000;  // exactly the first delay
        apply(m, 0, make_reply(450, "4.2.1", "later"), m.created_ms, p, seed);
        CHECK(m.recipients[0].state == RecipientState::deferred);
        apply(m, 0, make_reply(450, "4.2.1", "later"), m.created_ms + 1, p, seed);
        CHECK(m.recipients[0].state == RecipientState::bounced);
    }
}

TEST_CASE("queue model: DSNs owed, done, wake-up (RFC 3461 §4.1, RFC 3464)") {
    RetryPolicy policy;
    SUBCASE("a bounce is owed once; is_done waits for it") {
        QueuedMessage m = make_message(2);
        apply(m, 0, make_reply(550, "5.1.1", "unknown"), m.created_ms + 10, policy, 1);
        apply(m, 1, make_reply(250, "2.0.0", "ok"), m.created_ms + 10, policy, 1);
        auto owed = recipients_needing_dsn(m, DsnAction::failed, m.created_ms + 10, policy);
        CHECK(owed == std::vector<std::size_t>{0});
        CHECK_FALSE(is_done(m));
        CHECK(next_wakeup_ms(m, policy) == m.created_ms + 10);
        mark_dsn_sent(m, owed, DsnAction::failed);
        CHECK(recipients_needing_dsn(m, DsnAction::failed, m.created_ms + 10, policy).empty());
        CHECK(is_done(m));
        CHECK_FALSE(next_wakeup_ms(m, policy));
        CHECK(count_states(m) == QueueCounts{0, 0, 1, 0, 0, 1});
    }
    SUBCASE("NOTIFY=NEVER: no bounce owed, done at once") {
        QueuedMessage m = make_message(1);
        m.recipients[0].params.notify = parse_notify("NEVER");
        apply(m, 0, make_reply(550, "5.1.1", "unknown"), m.created_ms, policy, 1);
        CHECK(recipients_needing_dsn(m, DsnAction::failed, m.created_ms, policy).empty());
        CHECK(is_done(m));
    }
    SUBCASE("null sender: never a DSN") {
        QueuedMessage m = make_message(1, "");
        apply(m, 0, make_reply(550, "5.1.1", "unknown"), m.created_ms, policy, 1);
        CHECK(recipients_needing_dsn(m, DsnAction::failed, m.created_ms, policy).empty());
        CHECK(is_done(m));
    }
    SUBCASE("NOTIFY=SUCCESS: a success DSN is owed after delivery") {
        QueuedMessage m = make_message(1);
        m.recipients[0].params.notify = parse_notify("SUCCESS");
        apply(m, 0, make_reply(250, "2.0.0", "ok"), m.created_ms, policy, 1);
        CHECK(recipients_needing_dsn(m, DsnAction::delivered, m.created_ms, policy) == std::vector<std::size_t>{0});
        CHECK_FALSE(is_done(m));
        mark_dsn_sent(m, {0}, DsnAction::delivered);
        CHECK(is_done(m));  // reported: the message can leave the queue
    }
    SUBCASE("NOTIFY=SUCCESS, relayed to a next hop without DSN: a 'relayed' notice is ours (RFC 3461 §5.2.2)") {
        QueuedMessage m = make_message(1);
        m.recipients[0].params.notify = parse_notify("SUCCESS");
        apply(m, 0, make_reply(250, "2.0.0", "ok"), m.created_ms, policy, 1, "mx.example.org", true, false);
        CHECK(m.recipients[0].state == RecipientState::relayed);
        CHECK(recipients_needing_dsn(m, DsnAction::relayed, m.created_ms, policy) == std::vector<std::size_t>{0});
        CHECK(recipients_needing_dsn(m, DsnAction::delivered, m.created_ms, policy).empty());
        CHECK_FALSE(is_done(m));
    }
    SUBCASE("NOTIFY=SUCCESS passed on to a next hop with DSN: nothing owed by us (RFC 3461 §5.2.2)") {
        QueuedMessage m = make_message(1);
        m.recipients[0].params.notify = parse_notify("SUCCESS");
        apply(m, 0, make_reply(250, "2.0.0", "ok"), m.created_ms, policy, 1, "mx.example.org", true, true);
        CHECK(recipients_needing_dsn(m, DsnAction::relayed, m.created_ms, policy).empty());
        CHECK(is_done(m));
    }
    SUBCASE("delay warning after delay_warning_ms, once, if NOTIFY allows it") {
        QueuedMessage m = make_message(2);
        m.recipients[1].params.notify = parse_notify("FAILURE");
        apply(m, std::nullopt, make_reply(451, "4.4.1", "no answer"), m.created_ms, policy, 1);
        const std::int64_t warn_at = m.created_ms + *policy.delay_warning_ms;
        CHECK(recipients_needing_dsn(m, DsnAction::delayed, warn_at - 1, policy).empty());
        auto owed = recipients_needing_dsn(m, DsnAction::delayed, warn_at, policy);
        CHECK(owed == std::vector<std::size_t>{0});
        mark_dsn_sent(m, owed, DsnAction::delayed);
        CHECK(recipients_needing_dsn(m, DsnAction::delayed, warn_at + day, policy).empty());
        policy.delay_warning_ms.reset();
        QueuedMessage m2 = make_message(1);
        apply(m2, 0, make_reply(451, "4.4.1", "x"), m2.created_ms, policy, 1);
        CHECK(recipients_needing_dsn(m2, DsnAction::delayed, m2.created_ms + 10 * day, policy).empty());
    }
    SUBCASE("wake-up: the earliest of retries and pending delay warnings") {
        RetryPolicy p;
        p.delay_warning_ms = 30'000;  // sooner than the first retry
        QueuedMessage m = make_message(1);
        CHECK(next_wakeup_ms(m, p) == m.created_ms);  // queued: due now
        begin_attempt(m, 0, m.created_ms);
        CHECK_FALSE(next_wakeup_ms(m, p));  // waiting on the attempt
        apply(m, 0, make_reply(451, "4.4.1", "x"), m.created_ms, p, 1);
        CHECK(next_wakeup_ms(m, p) == m.created_ms + 30'000);
        mark_dsn_sent(m, {0}, DsnAction::delayed);
        CHECK(next_wakeup_ms(m, p) == m.recipients[0].next_attempt_ms);
    }
}

TEST_CASE("queue model: DSN request from queue state (RFC 3464 §2.3)") {
    RetryPolicy policy;
    QueuedMessage m = make_message(2);
    m.params.envid = "ENV-1";
    m.params.ret = Ret::hdrs;
    m.recipients[0].params.orcpt = "rfc822;Rcpt0@Example.org";
    apply(m, 0, make_reply(550, "5.1.1", "no such user"), m.created_ms + 100, policy, 1, "mx.example.org");
    apply(m, 1, make_reply(451, "4.2.0", "busy"), m.created_ms + 100, policy, 1, "mx.example.org");

    const DsnRequest failed = make_dsn_request(m, {0}, DsnAction::failed, "relay.lab.test", m.created_ms + 200, policy, 9, 1, "Subject: x\r\n\r\nbody\r\n");
    REQUIRE(failed.recipients.size() == 1);
    CHECK(failed.original_sender == "alice@lab.test");
    CHECK(failed.envid == "ENV-1");
    CHECK(failed.ret == Ret::hdrs);
    CHECK(failed.arrival_ms == m.created_ms);
    CHECK(failed.recipients[0].status == "5.1.1");
    CHECK(failed.recipients[0].remote_mta == "mx.example.org");
    CHECK(failed.recipients[0].original_recipient == "rfc822;Rcpt0@Example.org");
    CHECK(failed.recipients[0].diagnostic->summary() == "550 5.1.1 no such user");

    const DsnRequest delayed = make_dsn_request(m, {1}, DsnAction::delayed, "relay.lab.test", m.created_ms + 200, policy, 9, 2, "");
    REQUIRE(delayed.recipients.size() == 1);
    CHECK(delayed.recipients[0].status == "4.2.0");
    CHECK(delayed.recipients[0].will_retry_until_ms == m.created_ms + policy.max_lifetime_ms);
}

TEST_CASE("queue entries from an accepted envelope (RFC 3461 §4.1-§4.4)") {
    Path from;
    from.mailbox = Mailbox{"alice", "lab.test"};
    MailParams params;
    params.ret = Ret::hdrs;
    params.envid = "env-42";
    SUBCASE("sender, RET and ENVID are carried") {
        const QueuedMessage q = queued_message("Q1", from, params, 1234);
        CHECK(q.id == "Q1");
        CHECK(q.sender == from);
        CHECK(q.sender_address() == "alice@lab.test");
        CHECK(q.params.ret == Ret::hdrs);
        CHECK(q.params.envid == "env-42");
        CHECK(q.created_ms == 1234);
        CHECK(q.recipients.empty());
    }
    SUBCASE("the null reverse-path stays null (RFC 5321 §4.5.5)") {
        Path null_path;
        null_path.null = true;
        CHECK(queued_message("Q2", null_path, MailParams{}, 0).sender.null);
        CHECK(queued_message("Q2", null_path, MailParams{}, 0).sender_address().empty());
        CHECK(queued_message("Q2", null_path, MailParams{}, 0).params.ret == Ret::unspecified);
    }
    SUBCASE("NOTIFY given is copied; absent keeps the default failure+delay") {
        Path to;
        to.mailbox = Mailbox{"bob", "dest.test"};
        RcptParams rp;
        rp.notify = parse_notify("SUCCESS");
        rp.orcpt = "rfc822;bob@dest.test";
        const QueuedRecipient r = queued_recipient(to, rp);
        CHECK(r.address() == "bob@dest.test");
        CHECK(r.params.orcpt == "rfc822;bob@dest.test");
        CHECK(r.notify().success);
        CHECK_FALSE(r.notify().failure);
        CHECK_FALSE(r.notify().delay);
        const QueuedRecipient d = queued_recipient(to, RcptParams{});
        CHECK_FALSE(d.params.notify.has_value());
        CHECK(d.notify().failure);
        CHECK(d.notify().delay);
        CHECK_FALSE(d.notify().success);
    }
    SUBCASE("<Postmaster> keeps its local part (RFC 5321 §4.1.1.3)") {
        Path pm;
        pm.mailbox.local_part = "Postmaster";
        CHECK(queued_recipient(pm, RcptParams{}).address() == "Postmaster");
    }
}
