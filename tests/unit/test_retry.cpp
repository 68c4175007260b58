// Retry schedule: RFC 5321 §4.5.4.1 (retry intervals, give-up time); the backoff is a pure
// function of attempt count and seed (OpenSMTPD scheduler_backoff habit).
#include <doctest/doctest.h>

#include "engine/retry.hpp"

using namespace relaylab;

TEST_CASE("retry: next_retry_delay_ms") {
    const RetryPolicy policy;

    SUBCASE("defaults: 1m, 5m, 10m, 20m, 40m, then 60m; 5 days lifetime; 4 h delay warning") {
        CHECK(policy.base_delays_ms.front() == 60'000);
        CHECK(retry_delay_cap_ms(policy) == 3'600'000);
        CHECK(policy.max_lifetime_ms == 5LL * 24 * 3600 * 1000);
        REQUIRE(policy.delay_warning_ms);
        CHECK(*policy.delay_warning_ms == 4LL * 3600 * 1000);
    }
    SUBCASE("without jitter the base schedule comes out exactly, then stays at the cap") {
        RetryPolicy p;
        p.jitter = 0;
        const std::int64_t want[] = {60'000, 300'000, 600'000, 1'200'000, 2'400'000, 3'600'000, 3'600'000};
        for (int a = 1; a <= 7; ++a) {
            CAPTURE(a);
            CHECK(next_retry_delay_ms(p, a, 99) == want[a - 1]);
        }
        CHECK(next_retry_delay_ms(p, 0, 99) == 60'000);   // attempt < 1 counts as 1
        CHECK(next_retry_delay_ms(p, -5, 99) == 60'000);
    }
    SUBCASE("monotonic in attempt and bounded by the cap, for many seeds (1..200 attempts)") {
        const std::int64_t cap = retry_delay_cap_ms(policy);
        for (std::uint64_t seed = 0; seed < 300; ++seed) {
            std::int64_t prev = 0;
            for (int a = 1; a <= 200; ++a) {
                const std::int64_t d = next_retry_delay_ms(policy, a, seed * 0x9E3779B97F4A7C15ull);
                CAPTURE(seed);
                CAPTURE(a);
                CHECK(d >= prev);
                CHECK(d <= cap);
                CHECK(d >= 1);
                prev = d;
            }
        }
    }
    SUBCASE("jitter stays within ±10% of the base and really spreads seeds") {
        std::int64_t lo = INT64_MAX, hi = 0;
        for (std::uint64_t seed = 0; seed < 500; ++seed) {
            const std::int64_t d = next_retry_delay_ms(policy, 2, seed);
            CAPTURE(seed);
            CHECK(d >= 270'000);
            CHECK(d <= 330'000);
            lo = std::min(lo, d);
            hi = std::max(hi, d);
        }
        CHECK(hi - lo > 30'000);  // seeds land across most of the ±30 s window
    }
    SUBCASE("one jitter factor per seed: below the cap, doubling the base doubles the delay") {
        // Attempts 2 and 3 have bases 5 m and 10 m; with a per-seed factor f the delays are
        // floor(300000 f) and floor(600000 f), so d3 - 2 d2 is 0 or 1 for every seed.
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
    SUBCASE("a decreasing configured list still gives a non-decreasing schedule") {
        RetryPolicy p;
        p.base_delays_ms = {600'000, 60'000, 120'000};
        p.jitter = 0;
        CHECK(next_retry_delay_ms(p, 1, 0) == 600'000);
        CHECK(next_retry_delay_ms(p, 2, 0) == 600'000);
        CHECK(next_retry_delay_ms(p, 3, 0) == 600'000);
    }
}
