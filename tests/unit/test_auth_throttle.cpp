// AUTH throttling per client address (engine/auth_throttle.hpp) and the verified-credentials
// cache (engine/auth_cache.hpp): pure decisions, time passed in.
#include <doctest/doctest.h>

#include "engine/auth_cache.hpp"
#include "engine/auth_throttle.hpp"

using namespace relaylab;

TEST_CASE("auth throttle: the delay doubles from the first value up to the cap") {
    AuthThrottlePolicy p;  // 250 ms doubling to 4 s
    CHECK(AuthThrottle::delay_for(p, 0) == 0);
    CHECK(AuthThrottle::delay_for(p, 1) == 250);
    CHECK(AuthThrottle::delay_for(p, 2) == 500);
    CHECK(AuthThrottle::delay_for(p, 3) == 1000);
    CHECK(AuthThrottle::delay_for(p, 4) == 2000);
    CHECK(AuthThrottle::delay_for(p, 5) == 4000);
    CHECK(AuthThrottle::delay_for(p, 6) == 4000);
    CHECK(AuthThrottle::delay_for(p, 1000) == 4000);
    p.first_delay_ms = 0;
    CHECK(AuthThrottle::delay_for(p, 3) == 0);
}

TEST_CASE("auth throttle: N failures lock the address out for the lockout time, others are unaffected") {
    AuthThrottlePolicy p;
    p.max_failures = 3;
    p.lockout_ms = 10'000;
    p.window_ms = 10'000;
    AuthThrottle t(p);
    std::int64_t now = 1'000;
    CHECK(t.check("192.0.2.1", now) == AuthGate::allow);
    auto f1 = t.on_failure("192.0.2.1", now);
    CHECK(f1.failures == 1);
    CHECK(f1.delay_ms == 250);
    CHECK_FALSE(f1.locked_now);
    CHECK(t.check("192.0.2.1", now + 1) == AuthGate::allow);
    auto f2 = t.on_failure("192.0.2.1", now + 2);
    CHECK(f2.delay_ms == 500);
    CHECK_FALSE(f2.locked_now);
    auto f3 = t.on_failure("192.0.2.1", now + 3);
    CHECK(f3.failures == 3);
    CHECK(f3.locked_now);
    CHECK(t.check("192.0.2.1", now + 4) == AuthGate::locked);
    CHECK(t.lockout_left_ms("192.0.2.1", now + 4) == 9'999);
    // Another address is not touched.
    CHECK(t.check("192.0.2.2", now + 4) == AuthGate::allow);
    CHECK(t.failures("192.0.2.2", now + 4) == 0);
    // Still locked just before the end, free at the end, with a fresh count.
    CHECK(t.check("192.0.2.1", now + 3 + 9'999) == AuthGate::locked);
    CHECK(t.check("192.0.2.1", now + 3 + 10'000) == AuthGate::allow);
    CHECK(t.failures("192.0.2.1", now + 3 + 10'000) == 0);
    auto again = t.on_failure("192.0.2.1", now + 3 + 10'001);
    CHECK(again.failures == 1);
    CHECK(again.delay_ms == 250);
}

TEST_CASE("auth throttle: failures are forgotten after the window without one") {
    AuthThrottlePolicy p;
    p.max_failures = 3;
    p.window_ms = 1'000;
    AuthThrottle t(p);
    t.on_failure("a", 0);
    t.on_failure("a", 500);
    CHECK(t.failures("a", 1'000) == 2);  // the window counts from the last failure
    CHECK(t.failures("a", 1'500) == 0);
    auto f = t.on_failure("a", 1'500);
    CHECK(f.failures == 1);
    CHECK_FALSE(f.locked_now);
    CHECK(t.check("a", 1'501) == AuthGate::allow);
}

TEST_CASE("auth throttle: max_failures 0 never locks; the table stays within its bound") {
    AuthThrottlePolicy p;
    p.max_failures = 0;
    p.max_addresses = 4;
    AuthThrottle t(p);
    for (int i = 0; i < 50; ++i) CHECK_FALSE(t.on_failure("x", i).locked_now);
    CHECK(t.check("x", 60) == AuthGate::allow);
    for (int i = 0; i < 20; ++i) {
        t.on_failure("10.0.0." + std::to_string(i), 100 + i);
        CHECK(t.size() <= 4);
    }
    // The newest address survives pruning.
    CHECK(t.failures("10.0.0.19", 200) == 1);
}

TEST_CASE("auth cache: a verified digest hits until its TTL; another digest misses and keeps the entry") {
    AuthCache c(AuthCachePolicy{1'000, 10});
    CHECK(c.lookup("u@lab.test", "D1", 0) == AuthCacheResult::miss);
    c.insert("u@lab.test", "D1", 0);
    CHECK(c.lookup("u@lab.test", "D1", 999) == AuthCacheResult::hit);
    CHECK(c.lookup("u@lab.test", "WRONG", 999) == AuthCacheResult::miss);  // a wrong password
    CHECK(c.lookup("u@lab.test", "D1", 999) == AuthCacheResult::hit);     // still cached
    CHECK(c.lookup("u@lab.test", "D1", 1'000) == AuthCacheResult::miss);  // expired
    CHECK(c.size() == 0);
    CHECK(c.hits() == 2);
    CHECK(c.misses() == 3);
    CHECK(c.expirations() == 1);
}

TEST_CASE("auth cache: bounded, least recently used out first") {
    AuthCache c(AuthCachePolicy{100'000, 3});
    c.insert("a", "A", 0);
    c.insert("b", "B", 0);
    c.insert("c", "C", 0);
    CHECK(c.lookup("a", "A", 1) == AuthCacheResult::hit);  // a is now the most recent
    c.insert("d", "D", 2);                                  // b goes
    CHECK(c.size() == 3);
    CHECK(c.evictions() == 1);
    CHECK(c.lookup("b", "B", 3) == AuthCacheResult::miss);
    CHECK(c.lookup("a", "A", 3) == AuthCacheResult::hit);
    CHECK(c.lookup("c", "C", 3) == AuthCacheResult::hit);
    CHECK(c.lookup("d", "D", 3) == AuthCacheResult::hit);
    for (int i = 0; i < 100; ++i) {
        c.insert("u" + std::to_string(i), "X", 4);
        CHECK(c.size() <= 3);
    }
    CHECK(c.evictions() == 101);
    c.insert("u99", "Y", 5);  // replacing an entry evicts nothing
    CHECK(c.evictions() == 101);
    CHECK(c.lookup("u99", "X", 6) == AuthCacheResult::miss);
    CHECK(c.lookup("u99", "Y", 6) == AuthCacheResult::hit);
}

TEST_CASE("auth cache: forget, clear, and off") {
    AuthCache c(AuthCachePolicy{1'000, 10});
    c.insert("a", "A", 0);
    c.insert("b", "B", 0);
    c.forget("a");
    CHECK(c.lookup("a", "A", 1) == AuthCacheResult::miss);
    CHECK(c.lookup("b", "B", 1) == AuthCacheResult::hit);
    c.clear();
    CHECK(c.size() == 0);
    CHECK(c.lookup("b", "B", 1) == AuthCacheResult::miss);
    CHECK(c.invalidations() == 2);

    AuthCache off(AuthCachePolicy{0, 10});
    off.insert("a", "A", 0);
    CHECK(off.lookup("a", "A", 0) == AuthCacheResult::off);
    CHECK(off.size() == 0);
    CHECK(off.misses() == 0);
    c.insert("z", "Z", 0);
    c.set_policy(AuthCachePolicy{0, 10});
    CHECK(c.size() == 0);
}

TEST_CASE("auth cache: digests compare in full") {
    CHECK(equal_digests("abc", "abc"));
    CHECK_FALSE(equal_digests("abc", "abd"));
    CHECK_FALSE(equal_digests("abc", "ab"));
    CHECK(equal_digests("", ""));
}
