#include "engine/auth_throttle.hpp"

#include <algorithm>
#include <vector>

namespace relaylab {

std::int64_t AuthThrottle::delay_for(const AuthThrottlePolicy& p, int failures) {
    if (failures < 1 || p.first_delay_ms <= 0) return 0;
    const std::int64_t cap = std::max(p.first_delay_ms, p.max_delay_ms);
    std::int64_t d = p.first_delay_ms;
    for (int i = 1; i < failures && d < cap; ++i) d *= 2;
    return std::min(d, cap);
}

bool AuthThrottle::stale(const Entry& e, std::int64_t now_ms) const {
    const bool locked = e.locked_until_ms != 0 && now_ms < e.locked_until_ms;
    return !locked && now_ms - e.last_failure_ms >= policy_.window_ms;
}

AuthGate AuthThrottle::check(const std::string& address, std::int64_t now_ms) {
    auto it = entries_.find(address);
    if (it == entries_.end()) return AuthGate::allow;
    Entry& e = it->second;
    if (e.locked_until_ms != 0) {
        if (now_ms < e.locked_until_ms) return AuthGate::locked;
        entries_.erase(it);  // the lockout is over: a fresh start
        return AuthGate::allow;
    }
    if (stale(e, now_ms)) entries_.erase(it);
    return AuthGate::allow;
}

std::int64_t AuthThrottle::lockout_left_ms(const std::string& address, std::int64_t now_ms) const {
    auto it = entries_.find(address);
    if (it == entries_.end() || it->second.locked_until_ms == 0) return 0;
    return std::max<std::int64_t>(0, it->second.locked_until_ms - now_ms);
}

int AuthThrottle::failures(const std::string& address, std::int64_t now_ms) const {
    auto it = entries_.find(address);
    if (it == entries_.end() || stale(it->second, now_ms)) return 0;
    if (it->second.locked_until_ms != 0 && now_ms >= it->second.locked_until_ms) return 0;
    return it->second.failures;
}

AuthFailureOutcome AuthThrottle::on_failure(const std::string& address, std::int64_t now_ms) {
    auto it = entries_.find(address);
    if (it != entries_.end() && (stale(it->second, now_ms) ||
                                 (it->second.locked_until_ms != 0 && now_ms >= it->second.locked_until_ms)))
        entries_.erase(it);
    if (entries_.size() >= policy_.max_addresses && !entries_.count(address)) prune(now_ms);
    Entry& e = entries_[address];
    AuthFailureOutcome out;
    if (e.locked_until_ms != 0) {  // a failure answered while locked (a session already past the gate)
        e.last_failure_ms = now_ms;
        out.failures = ++e.failures;
        out.delay_ms = delay_for(policy_, e.failures);
        return out;
    }
    e.last_failure_ms = now_ms;
    out.failures = ++e.failures;
    out.delay_ms = delay_for(policy_, e.failures);
    if (policy_.max_failures > 0 && e.failures >= policy_.max_failures) {
        e.locked_until_ms = now_ms + std::max<std::int64_t>(1, policy_.lockout_ms);
        out.locked_now = true;
    }
    return out;
}

void AuthThrottle::prune(std::int64_t now_ms) {
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (stale(it->second, now_ms) || (it->second.locked_until_ms != 0 && now_ms >= it->second.locked_until_ms))
            it = entries_.erase(it);
        else
            ++it;
    }
    if (entries_.size() < policy_.max_addresses) return;
    // Still full: forget the unlocked entries with the oldest failures, then the oldest lockouts.
    std::vector<std::pair<std::int64_t, std::string>> order;
    order.reserve(entries_.size());
    for (const auto& [a, e] : entries_)
        order.emplace_back(e.locked_until_ms != 0 ? e.locked_until_ms + policy_.window_ms : e.last_failure_ms, a);
    std::sort(order.begin(), order.end());
    const std::size_t drop = entries_.size() - policy_.max_addresses + 1;
    for (std::size_t i = 0; i < drop && i < order.size(); ++i) entries_.erase(order[i].second);
}

}  // namespace relaylab
