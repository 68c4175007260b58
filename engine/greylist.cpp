#include "engine/greylist.hpp"

#include "engine/ascii.hpp"

namespace relaylab {

std::string greylist_key(std::string_view client_ip, const Path& sender, const Path& recipient) {
    std::string key(client_ip);
    key += ' ';
    key += sender.mailbox.to_string();
    key += ' ';
    key += ascii_lowercase(recipient.mailbox.to_string());
    return key;
}

Reply greylist_reply() { return make_reply(451, "4.7.1", "Greylisted, please try again later"); }

std::optional<Reply> Greylist::check(const std::string& key, std::int64_t now_ms, std::int64_t delay_ms) {
    auto it = first_seen_.find(key);
    if (it == first_seen_.end()) {
        while (first_seen_.size() >= max_entries_ && !order_.empty()) {
            first_seen_.erase(order_.front());
            order_.pop_front();
        }
        first_seen_.emplace(key, now_ms);
        order_.push_back(key);
        return greylist_reply();
    }
    if (now_ms - it->second < delay_ms) return greylist_reply();
    return std::nullopt;
}

}  // namespace relaylab
