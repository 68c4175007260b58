#pragma once
// AUTH throttling per client address, in the spirit of Postfix's anvil and
// smtpd_error_sleep_time: every failed AUTH from an address makes the next answer slower
// (a delay that doubles from `first_delay_ms` up to `max_delay_ms`, served before the 535
// is sent), and after `max_failures` failures inside `window_ms` the address gets
// "454 4.7.0" for every AUTH until `lockout_ms` has passed (RFC 4954 §6: 454 4.7.0 is the
// temporary authentication failure). Checked before any password work, so a locked-out
// address costs no argon2id. Pure: time is passed in, the host carries the decision out.
// A success does not erase the failures (an attacker holding one valid account could
// otherwise reset its count); failures are forgotten once `window_ms` passes without one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace relaylab {

struct AuthThrottlePolicy {
    int max_failures = 10;                 // failures that lock the address out; 0 = never
    std::int64_t lockout_ms = 600'000;     // how long AUTH is refused after that
    std::int64_t window_ms = 600'000;      // a failure older than this (since the last one) is forgotten
    std::int64_t first_delay_ms = 250;     // delay before answering the 1st failure; 0 = no delay
    std::int64_t max_delay_ms = 4'000;     // the doubling stops here
    std::size_t max_addresses = 100'000;   // table bound; the stalest entries go first
};

enum class AuthGate : std::uint8_t { allow, locked };

struct AuthFailureOutcome {
    std::int64_t delay_ms = 0;  // wait this long before sending the failure reply
    int failures = 0;           // failures counted for the address (this one included)
    bool locked_now = false;    // this failure started a lockout
};

class AuthThrottle {
public:
    explicit AuthThrottle(AuthThrottlePolicy policy = {}) : policy_(policy) {}
    const AuthThrottlePolicy& policy() const { return policy_; }
    void set_policy(const AuthThrottlePolicy& policy) { policy_ = policy; }

    // Before any password work: may this address try AUTH now?
    AuthGate check(const std::string& address, std::int64_t now_ms);
    // Milliseconds left of the address's lockout (0 when not locked).
    std::int64_t lockout_left_ms(const std::string& address, std::int64_t now_ms) const;
    // A failed AUTH from the address: the delay to serve and whether a lockout began.
    AuthFailureOutcome on_failure(const std::string& address, std::int64_t now_ms);
    // Failures currently counted for the address (0 when forgotten).
    int failures(const std::string& address, std::int64_t now_ms) const;
    std::size_t size() const { return entries_.size(); }
    void clear() { entries_.clear(); }

    // The delay after the n-th failure (n >= 1): first, 2×first, 4×first, ... capped.
    static std::int64_t delay_for(const AuthThrottlePolicy& policy, int failures);

private:
    struct Entry {
        int failures = 0;
        std::int64_t last_failure_ms = 0;
        std::int64_t locked_until_ms = 0;  // 0 = not locked
    };
    bool stale(const Entry& e, std::int64_t now_ms) const;
    void prune(std::int64_t now_ms);

    AuthThrottlePolicy policy_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace relaylab
