// Rate limits per key (engine/rate_limit.hpp): GCRA, time passed in.
#include <doctest/doctest.h>

#include "engine/rate_limit.hpp"

using namespace relaylab;

TEST_CASE("rate limit: off by default") {
    RateLimiter r;
    CHECK_FALSE(r.enabled());
    for (int i = 0; i < 1000; ++i) CHECK(r.allow("a", 0));
    CHECK(r.size() == 0);
}

TEST_CASE("rate limit: a burst of `limit`, then one per window/limit") {
    RateLimiter r({3, 60'000});  // 3 per minute: one every 20 s
    CHECK(r.allow("a", 0));
    CHECK(r.allow("a", 0));
    CHECK(r.allow("a", 0));
    CHECK_FALSE(r.allow("a", 0));
    CHECK(r.retry_after_ms("a", 0) == 20'000);
    CHECK_FALSE(r.allow("a", 19'999));
    CHECK(r.allow("a", 20'000));
    CHECK_FALSE(r.allow("a", 20'000));
    SUBCASE("other keys are unaffected") { CHECK(r.allow("b", 0)); }
    SUBCASE("refusals cost nothing: after the window the full burst is back") {
        for (int i = 0; i < 100; ++i) CHECK_FALSE(r.allow("a", 30'000));
        CHECK(r.allow("a", 80'000));
        CHECK(r.allow("a", 80'000));
        CHECK(r.allow("a", 80'000));
        CHECK_FALSE(r.allow("a", 80'000));
    }
}

TEST_CASE("rate limit: never more than `limit` in any window") {
    RateLimiter r({10, 3'600'000});
    int allowed = 0;
    for (std::int64_t t = 0; t < 3'600'000; t += 1000) allowed += r.allow("u", t) ? 1 : 0;
    // the burst of 10 at once, then one per 6 minutes: at most 10 + 9 in the first hour
    CHECK(allowed <= 10 + 9);
    CHECK(allowed >= 10);
}

TEST_CASE("rate limit: the table is bounded") {
    RateLimitPolicy p{1, 60'000};
    p.max_keys = 4;
    RateLimiter r(p);
    for (int i = 0; i < 10; ++i) CHECK(r.allow("k" + std::to_string(i), i));
    CHECK(r.size() <= 4);
}
