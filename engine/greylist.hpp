#pragma once
// Greylisting (the technique of postgrey and OpenBSD spamd, described in RFC 6647): a
// first-seen (client address, sender, recipient) triple gets a transient "451 4.7.1" at RCPT;
// the same triple is let in once the delay has passed since it was first seen. A real MTA
// retries (RFC 5321 §4.5.4.1) and gets through; a spam cannon that never retries does not.
// One rule for the simulator's greylisting switch and the relay's chaos switch. Time is
// passed in; nothing here reads a clock.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/address.hpp"
#include "engine/reply.hpp"

namespace relaylab {

// The triple as one key: "<client ip> <sender as written> <recipient, lower case>".
std::string greylist_key(std::string_view client_ip, const Path& sender, const Path& recipient);

// The reply a greylisted RCPT gets (RFC 3463 X.7.1: not authorized, for now).
Reply greylist_reply();

class Greylist {
public:
    // max_entries: triples remembered at most (the oldest are forgotten first, and are then
    // greylisted again if they come back), so a flood of new triples cannot grow memory.
    explicit Greylist(std::size_t max_entries = 100'000) : max_entries_(max_entries == 0 ? 1 : max_entries) {}

    // nullopt: the triple may pass (seen at least delay_ms ago); else greylist_reply().
    // The first sighting is remembered; a retry before the delay does not restart it.
    std::optional<Reply> check(const std::string& key, std::int64_t now_ms, std::int64_t delay_ms);

    std::size_t size() const { return first_seen_.size(); }
    void clear() {
        first_seen_.clear();
        order_.clear();
    }

private:
    std::size_t max_entries_;
    std::unordered_map<std::string, std::int64_t> first_seen_;
    std::deque<std::string> order_;  // keys in the order first seen (oldest first)
};

}  // namespace relaylab
