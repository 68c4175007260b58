// GCRA rate limits per key (see rate_limit.hpp).
#include "engine/rate_limit.hpp"

#include <algorithm>

namespace relaylab {

bool RateLimiter::allow(const std::string& key, std::int64_t now_ms) {
    if (!enabled()) return true;
    const std::int64_t t = interval();
    const std::int64_t tolerance = policy_.window_ms - t;  // a full burst of `limit` at once
    auto it = keys_.find(key);
    const std::int64_t tat = it == keys_.end() ? now_ms : std::max(it->second, now_ms);
    if (tat - now_ms > tolerance) return false;
    if (it == keys_.end()) {
        if (keys_.size() >= policy_.max_keys) prune(now_ms);
        keys_.emplace(key, tat + t);
    } else {
        it->second = tat + t;
    }
    return true;
}

std::int64_t RateLimiter::retry_after_ms(const std::string& key, std::int64_t now_ms) const {
    if (!enabled()) return 0;
    auto it = keys_.find(key);
    if (it == keys_.end()) return 0;
    const std::int64_t tolerance = policy_.window_ms - interval();
    return std::max<std::int64_t>(0, it->second - now_ms - tolerance);
}

// Keys whose whole allowance has come back carry no information: drop them. If the table
// is still full (a flood of distinct keys), drop the ones closest to coming back.
void RateLimiter::prune(std::int64_t now_ms) {
    std::erase_if(keys_, [&](const auto& kv) { return kv.second <= now_ms; });
    while (keys_.size() >= policy_.max_keys && !keys_.empty()) {
        auto oldest = std::min_element(keys_.begin(), keys_.end(),
                                       [](const auto& a, const auto& b) { return a.second < b.second; });
        keys_.erase(oldest);
    }
}

}  // namespace relaylab
