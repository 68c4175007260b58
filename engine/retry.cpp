#include "engine/retry.hpp"

#include <algorithm>

#include "engine/ids.hpp"

namespace relaylab {

std::int64_t retry_delay_cap_ms(const RetryPolicy& policy) {
    std::int64_t cap = 1;
    for (std::int64_t d : policy.base_delays_ms) cap = std::max(cap, d);
    return cap;
}

std::int64_t next_retry_delay_ms(const RetryPolicy& policy, int attempt, std::uint64_t seed) {
    const std::int64_t cap = retry_delay_cap_ms(policy);
    if (policy.base_delays_ms.empty()) return cap;
    if (attempt < 1) attempt = 1;
    // Running maximum of the base delays up to this attempt: a misconfigured decreasing list
    // still yields a non-decreasing schedule.
    const std::size_t n = std::min(static_cast<std::size_t>(attempt), policy.base_delays_ms.size());
    std::int64_t base = 1;
    for (std::size_t i = 0; i < n; ++i) base = std::max(base, policy.base_delays_ms[i]);
    const double jitter = std::clamp(policy.jitter, 0.0, 0.5);
    // One factor per seed, not per attempt: a per-attempt draw could make attempt k+1 shorter
    // than attempt k once the base delays reach the cap.
    const double factor = 1.0 + jitter * unit_from_bits(seed ^ 0x7265747279ull);
    const auto delay = static_cast<std::int64_t>(static_cast<double>(base) * factor);
    return std::clamp<std::int64_t>(delay, base, static_cast<std::int64_t>(static_cast<double>(cap) * (1.0 + jitter)));
}

RetryPolicy scaled_retry_policy(std::int64_t first_delay_ms, std::int64_t max_lifetime_ms) {
    RetryPolicy p;
    const std::int64_t first = p.base_delays_ms.front();
    for (auto& d : p.base_delays_ms) d = std::max<std::int64_t>(1, d / first * first_delay_ms + (d % first) * first_delay_ms / first);
    p.max_lifetime_ms = max_lifetime_ms;
    if (p.delay_warning_ms && *p.delay_warning_ms >= max_lifetime_ms) p.delay_warning_ms.reset();
    return p;
}

}  // namespace relaylab
