#pragma once
// Rate limits per key (a client address, an authenticated user): at most `limit` events per
// `window_ms`, with bursts up to `limit`, by the generic cell rate algorithm (GCRA, ITU-T
// I.371; the algorithm of redis-cell and many API gateways). One number per key: the
// theoretical arrival time of the next event. An event is allowed when that time is no more
// than window - window/limit ahead of now; it then moves by window/limit. A refused event
// costs nothing, so a client that keeps trying after being refused is not punished further
// but gets nothing through faster than the rate. Pure: time is passed in, the host carries
// the decision out (relaylab uses it for new connections per address per minute, messages
// and recipients per authenticated user per hour).
//
//   RateLimiter r({.limit = 100, .window_ms = 3'600'000});
//   if (!r.allow(user, now_ms)) refuse("450 4.7.1 ...");   // counted only when allowed
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace relaylab {

struct RateLimitPolicy {
    std::int64_t limit = 0;           // events per window; 0 = no limit
    std::int64_t window_ms = 60'000;  // the window
    std::size_t max_keys = 100'000;   // table bound; keys whose allowance has fully come back go first
};

class RateLimiter {
public:
    explicit RateLimiter(RateLimitPolicy policy = {}) : policy_(policy) {}
    void set_policy(const RateLimitPolicy& policy) {
        policy_ = policy;
        keys_.clear();
    }
    const RateLimitPolicy& policy() const { return policy_; }
    bool enabled() const { return policy_.limit > 0 && policy_.window_ms > 0; }

    // One event for key at now_ms: true (and counted) when within the rate.
    bool allow(const std::string& key, std::int64_t now_ms);
    // How long until allow() would succeed for key (0: now).
    std::int64_t retry_after_ms(const std::string& key, std::int64_t now_ms) const;
    std::size_t size() const { return keys_.size(); }

private:
    std::int64_t interval() const { return policy_.window_ms / policy_.limit > 0 ? policy_.window_ms / policy_.limit : 1; }
    void prune(std::int64_t now_ms);

    RateLimitPolicy policy_;
    std::unordered_map<std::string, std::int64_t> keys_;  // key -> theoretical arrival time
};

}  // namespace relaylab
