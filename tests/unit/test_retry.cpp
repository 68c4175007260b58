// Retry schedule: RFC 5321 §4.5.4.1 (retry intervals, give-up time); the backoff is a pure
// function of attempt count and seed (OpenSMTPD scheduler_backoff habit).
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "engine/retry.hpp"

using namespace relaylab;

TEST_CASE("retry: next_retry_delay_ms") {
    const RetryPolicy policy;

    SUBCASE("defaults: 5m, 10m, 20m, 30m, 1h, then 2h; 5 days lifetime; 4 h delay warning") {
        // The first retry waits long enough for greylisting (postgrey: 300 s); later ones reach
        // the 30 minutes and more of RFC 5321 §4.5.4.1.
        CHECK(policy.base_delays_ms.front() == 300'000);
        CHECK(retry_delay_cap_ms(policy) == 7'200'000);
        CHECK(policy.max_lifetime_ms == 5LL * 24 * 3600 * 1000);
        REQUIRE(policy.delay_warning_ms);
        CHECK(*policy.delay_warning_ms == 4LL * 3600 * 1000);
    }
    SUBCASE("without jitter the base schedule comes out exactly, then stays at the cap") {
        RetryPolicy p;
        p.jitter = 0;
        const std::int64_t want[] = {300'000, 600'000, 1'200'000, 1'800'000, 3'600'000, 7'200'000, 7'200'000};
        for (int a = 1; a <= 7; ++a) {
            CAPTURE(a);
            CHECK(next_retry_delay_ms(p, a, 99) == want[a - 1]);
        }
        CHECK(next_retry_delay_ms(p, 0, 99) == 300'000);   // attempt < 1 counts as 1
        CHECK(next_retry_delay_ms(p, -5, 99) == 300'000);
    }
    SUBCASE("monotonic in attempt, never before its base delay, bounded by the cap plus jitter") {
        const auto cap = static_cast<std::int64_t>(static_cast<double>(retry_delay_cap_ms(policy)) * (1 + policy.jitter));
        for (std::uint64_t seed = 0; seed < 300; ++seed) {
            std::int64_t prev = 0;
            for (int a = 1; a <= 200; ++a) {
                const std::int64_t d = next_retry_delay_ms(policy, a, seed * 0x9E3779B97F4A7C15ull);
                CAPTURE(seed);
                CAPTURE(a);
                CHECK(d >= prev);
                CHECK(d <= cap);
                const std::size_t k = std::min<std::size_t>(a, policy.base_delays_ms.size()) - 1;
                CHECK(d >= policy.base_delays_ms[k]);  // jitter only ever adds
                prev = d;
            }
        }
    }
    SUBCASE("jitter stays within +10% of the base and really spreads seeds") {
        std::int64_t lo = INT64_MAX, hi = 0;
        for (std::uint64_t seed = 0; seed < 500; ++seed) {
            const std::int64_t d = next_retry_delay_ms(policy, 1, seed);
            CAPTURE(seed);
            CHECK(d >= 300'000);
            CHECK(d <= 330'000);
            lo = std::min(lo, d);
            hi = std::max(hi, d);
        }
        CHECK(hi - lo > 25'000);  // seeds land across most of the 30 s window
    }
    SUBCASE("one jitter factor per seed: below the cap, doubling the base doubles the delay") {
        // Attempts 2 and 3 have bases 10 m and 20 m; with a per-seed factor f the delays are
        // floor(600000 f) and floor(1200000 f), so d3 - 2 d2 is 0 or 1 for every seed.
        for (std::uint64_t seed = 0; seed < 500; ++seed) {
            const std::int64_t d2 = next_retry_delay_ms(policy, 2, seed);
            const std::int64_t d3 = next_retry_delay_ms(policy, 3, seed);
            CAPTURE(seed);
            CAPTURE(d2);
            CAPTURE(d3);
            CHECK(d3 - 2 * d2 >= 0);
            CHECK(d3 - 2 * d2 <= 1);
        }
    }
    SUBCASE("scaled for tests: the same shape from a shorter first delay") {
        const RetryPolicy p = scaled_retry_policy(1'000, 60'000);
        CHECK(p.base_delays_ms == std::vector<std::int64_t>{1'000, 2'000, 4'000, 6'000, 12'000, 24'000});
        CHECK(p.max_lifetime_ms == 60'000);
        CHECK_FALSE(p.delay_warning_ms);  // a warning after the lifetime would never come
    }
    SUBCASE("a decreasing configured list still gives a non-decreasing schedule") {
        RetryPolicy p;
        p.base_delays_ms = {600'000, 60'000, 120'000};
        p.jitter = 0;
        CHECK(next_retry_delay_ms(p, 1, 0) == 600'000);
        CHECK(next_retry_delay_ms(p, 2, 0) == 600'000);
        CHECK(next_retry_delay_ms(p, 3, 0) == 600'000);
    }
}
