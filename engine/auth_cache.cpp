#include "engine/auth_cache.hpp"

namespace relaylab {

bool equal_digests(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
    return diff == 0;
}

void AuthCache::set_policy(const AuthCachePolicy& policy) {
    policy_ = policy;
    if (!enabled()) {
        invalidations_ += entries_.size();
        entries_.clear();
        lru_.clear();
        return;
    }
    evict_to(policy_.max_entries);
}

AuthCacheResult AuthCache::lookup(const std::string& user, const std::string& digest, std::int64_t now_ms) {
    if (!enabled()) return AuthCacheResult::off;
    auto it = entries_.find(user);
    if (it == entries_.end()) {
        ++misses_;
        return AuthCacheResult::miss;
    }
    if (now_ms >= it->second.expires_ms) {
        lru_.erase(it->second.lru);
        entries_.erase(it);
        ++expirations_;
        ++misses_;
        return AuthCacheResult::miss;
    }
    if (!equal_digests(it->second.digest, digest)) {
        ++misses_;  // another password (maybe a wrong one): the full check decides
        return AuthCacheResult::miss;
    }
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    ++hits_;
    return AuthCacheResult::hit;
}

void AuthCache::insert(const std::string& user, const std::string& digest, std::int64_t now_ms) {
    if (!enabled()) return;
    auto it = entries_.find(user);
    if (it != entries_.end()) {
        it->second.digest = digest;
        it->second.expires_ms = now_ms + policy_.ttl_ms;
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return;
    }
    evict_to(policy_.max_entries - 1);
    lru_.push_front(user);
    entries_.emplace(user, Entry{digest, now_ms + policy_.ttl_ms, lru_.begin()});
}

void AuthCache::forget(const std::string& user) {
    auto it = entries_.find(user);
    if (it == entries_.end()) return;
    lru_.erase(it->second.lru);
    entries_.erase(it);
    ++invalidations_;
}

void AuthCache::clear() {
    invalidations_ += entries_.size();
    entries_.clear();
    lru_.clear();
}

void AuthCache::evict_to(std::size_t bound) {
    while (entries_.size() > bound && !lru_.empty()) {
        entries_.erase(lru_.back());
        lru_.pop_back();
        ++evictions_;
    }
}

}  // namespace relaylab
