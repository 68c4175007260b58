// The native side of AUTH: the [auth] and [limits] keys of relaylab.toml, and the argon2id
// costs of the users file (the parameters live in each hash).
#include <doctest/doctest.h>

#include "native/config.hpp"
#include "native/users.hpp"

using namespace relaylab::native;

TEST_CASE("config: AUTH cache and throttle keys, defaults and checks") {
    ConfigError err;
    auto d = parse_config("", "t.toml", err);
    REQUIRE(d);
    CHECK(d->auth.cache_ttl_ms == 3'600'000);
    CHECK(d->auth.cache_size == 10'000);
    CHECK(d->limits.auth_failures == 10);
    CHECK(d->limits.auth_lockout_ms == 600'000);
    CHECK(d->limits.auth_failure_delay_ms == 250);
    CHECK(d->limits.concurrent_hashes == 2);
    CHECK(d->limits.hash_memory_budget_mb == 512);

    auto c = parse_config(
        "[auth]\ncache_ttl_ms = 0\ncache_size = 5\n[limits]\nauth_failures = 3\nauth_lockout_ms = 1000\n"
        "auth_failure_delay_ms = 0\nconcurrent_hashes = 4\nhash_memory_budget_mb = 64\n",
        "t.toml", err);
    REQUIRE(c);
    CHECK(c->auth.cache_ttl_ms == 0);
    CHECK(c->auth.cache_size == 5);
    CHECK(c->limits.auth_failures == 3);
    CHECK(c->limits.auth_lockout_ms == 1000);
    CHECK(c->limits.auth_failure_delay_ms == 0);
    CHECK(c->limits.concurrent_hashes == 4);
    CHECK(c->limits.hash_memory_budget_mb == 64);

    CHECK_FALSE(parse_config("[limits]\nconcurrent_hashes = 0\n", "t.toml", err));
    CHECK(err.message == "t.toml:2: limits.concurrent_hashes must be between 1 and 256");
    CHECK_FALSE(parse_config("[auth]\ncache_size = 0\n", "t.toml", err));
    CHECK_FALSE(parse_config("[auth]\ncache_ttl = 5\n", "t.toml", err));
    CHECK(err.message == "t.toml:2: unknown key 'auth.cache_ttl'");
}

TEST_CASE("users: argon2id costs live in the hash, and every one verifies") {
    HashCost cost{};
    CHECK(parse_hash_cost("moderate", cost));
    CHECK(cost == HashCost::moderate);
    CHECK_FALSE(parse_hash_cost("cheap", cost));
    const std::string h = hash_password("pw", HashCost::interactive);
    REQUIRE(h.rfind("$argon2id$", 0) == 0);
    CHECK(hash_memlimit_bytes(h) == 64ULL << 20);  // crypto_pwhash_MEMLIMIT_INTERACTIVE
    CHECK(verify_password(h, "pw"));
    CHECK_FALSE(verify_password(h, "pW"));
    // A hash with other parameters (as `--cost moderate` or another tool wrote it) verifies
    // with its own parameters; only its m= is read for the memory budget.
    CHECK(hash_memlimit_bytes("$argon2id$v=19$m=262144,t=3,p=1$c2FsdHNhbHQ$aGFzaA") == 256ULL << 20);
    CHECK(hash_memlimit_bytes("{PLAIN}x") == 0);
    UserDb db;
    db.hashes["a@lab.test"] = h;
    db.hashes["b@lab.test"] = "$argon2id$v=19$m=1048576,t=4,p=1$c2FsdHNhbHQ$aGFzaA";
    CHECK(largest_memlimit_bytes(db) == 1ULL << 30);
}
