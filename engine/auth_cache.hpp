#pragma once
// The verified-credentials cache (like Dovecot's auth_cache): after a successful password
// check the host stores a keyed digest of (user, password, stored hash) — never the
// password — under the user's name, for `ttl_ms`, at most `max_entries` users (least
// recently used first out). A later AUTH computes the same digest and, when it matches a
// live entry, is answered without the slow hash. A wrong password gives another digest: a
// miss, and the entry for the right one stays. Pure: the digest comes from the host (a
// keyed BLAKE2b with a per-process random key), time is passed in.
#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

namespace relaylab {

struct AuthCachePolicy {
    std::int64_t ttl_ms = 3'600'000;  // 0 = the cache is off
    std::size_t max_entries = 10'000;  // 0 = the cache is off
};

enum class AuthCacheResult : std::uint8_t { hit, miss, off };

class AuthCache {
public:
    explicit AuthCache(AuthCachePolicy policy = {}) : policy_(policy) {}
    const AuthCachePolicy& policy() const { return policy_; }
    void set_policy(const AuthCachePolicy& policy);  // shrinks (evicting) when needed
    bool enabled() const { return policy_.ttl_ms > 0 && policy_.max_entries > 0; }

    // Does the digest match the user's live entry? An expired entry is dropped (a miss).
    AuthCacheResult lookup(const std::string& user, const std::string& digest, std::int64_t now_ms);
    // Remember a verified digest for the user (replacing an older one), evicting the least
    // recently used users beyond the bound.
    void insert(const std::string& user, const std::string& digest, std::int64_t now_ms);
    void forget(const std::string& user);  // the user's hash changed or the user is gone
    void clear();

    std::size_t size() const { return entries_.size(); }
    std::uint64_t hits() const { return hits_; }
    std::uint64_t misses() const { return misses_; }
    std::uint64_t evictions() const { return evictions_; }  // pushed out by the size bound
    std::uint64_t expirations() const { return expirations_; }
    std::uint64_t invalidations() const { return invalidations_; }  // forget() and clear()

private:
    struct Entry {
        std::string digest;
        std::int64_t expires_ms = 0;
        std::list<std::string>::iterator lru;
    };
    void evict_to(std::size_t bound);

    AuthCachePolicy policy_;
    std::list<std::string> lru_;  // front = most recently used
    std::unordered_map<std::string, Entry> entries_;
    std::uint64_t hits_ = 0, misses_ = 0, evictions_ = 0, expirations_ = 0, invalidations_ = 0;
};

// Constant-time comparison of two equal-length strings (false when the lengths differ).
bool equal_digests(const std::string& a, const std::string& b);

}  // namespace relaylab
