#pragma once
// The retry schedule of the queue (RFC 5321 §4.5.4.1: retry interval at least 30 minutes is
// suggested, give-up time at least 4-5 days). Like OpenSMTPD's scheduler_backoff, the delay is
// a pure function of the attempt count (and a seed for the jitter).
#include <cstdint>
#include <optional>
#include <vector>

namespace relaylab {

struct RetryPolicy {
    // Delay after the 1st, 2nd, ... failed attempt; past the end the last value repeats, and
    // the largest value is the cap: 5m, 10m, 20m, 30m, 1h, then every 2h. RFC 5321 §4.5.4.1
    // asks for at least 30 minutes between retries; the first ones are shorter, as Postfix's
    // 300 s minimal backoff, because greylisting (postgrey lets a retry in after 300 s) and
    // brief outages are the common 4xx causes and a 30-minute wait would only delay mail.
    std::vector<std::int64_t> base_delays_ms = {300'000, 600'000, 1'200'000, 1'800'000, 3'600'000, 7'200'000};
    // Spread of every delay, 0.1 = up to +10%, so messages deferred together do not all come
    // back in the same millisecond. Only ever added: a retry never comes before its base delay.
    // Clamped to [0, 0.5].
    double jitter = 0.1;
    // Give up (bounce, the queue lifetime ran out) once the next try would be later than
    // arrival + this.
    std::int64_t max_lifetime_ms = 5LL * 24 * 3600 * 1000;
    // Send a "delayed" DSN once a recipient has waited this long (RFC 3464 Action: delayed).
    std::optional<std::int64_t> delay_warning_ms = 4LL * 3600 * 1000;
};

// The largest delay the policy can return (the largest base delay; at least 1 ms).
std::int64_t retry_delay_cap_ms(const RetryPolicy& policy);

// Delay before the next try after the `attempt`-th failed attempt (attempt < 1 counts as 1).
// Pure. For a given seed the jitter is one factor f(seed) in [1, 1 + jitter] applied to the
// running maximum of the base delays, the result clamped to [1 ms, cap * (1 + jitter)]: so the
// schedule never gets shorter as attempts grow, never comes before its base delay, while
// different seeds (messages) spread out above the base schedule.
std::int64_t next_retry_delay_ms(const RetryPolicy& policy, int attempt, std::uint64_t seed);

// The default schedule scaled so that its first delay is `first_delay_ms` (and every later
// one in the same proportion): the one schedule, shortened for tests and demonstrations.
RetryPolicy scaled_retry_policy(std::int64_t first_delay_ms, std::int64_t max_lifetime_ms);

}  // namespace relaylab
