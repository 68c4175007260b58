#include "sim/timeline.hpp"

#include <algorithm>
#include <type_traits>

namespace relaylab::sim {

void Timeline::apply(WorldView& view, const Step& step, std::vector<DnsRecordView>* dns,
                     std::vector<MessageCopy>* copies) {
    for (const auto& change : step.changes) {
        std::visit(
            [&](const auto& c) {
                using T = std::decay_t<decltype(c)>;
                if constexpr (std::is_same_v<T, SetMessageStatus>) {
                    for (auto& m : view.messages)
                        if (m.id == c.status.id) m = c.status;
                } else if constexpr (std::is_same_v<T, SetQueueEntry>) {
                    view.queue[c.entry.queue_id] = c.entry;
                } else if constexpr (std::is_same_v<T, RemoveQueueEntry>) {
                    view.queue.erase(c.queue_id);
                } else if constexpr (std::is_same_v<T, SetConnection>) {
                    view.connections[c.connection.id] = c.connection;
                } else if constexpr (std::is_same_v<T, AddDnsRecord>) {
                    if (dns) dns->push_back(c.record);
                    ++view.dns_records;
                } else if constexpr (std::is_same_v<T, AddMessageCopy>) {
                    if (copies) copies->push_back(c.copy);
                    ++view.message_copies;
                }
            },
            change);
    }
    ++view.step;
}

Timeline::Timeline(std::vector<Step> steps, std::vector<MessageStatus> initial) : steps_(std::move(steps)) {
    WorldView view;
    view.messages = std::move(initial);
    for (std::size_t i = 0; i < steps_.size(); ++i) {
        if (i % k_checkpoint_every == 0) checkpoints_.push_back(view);
        apply(view, steps_[i], &dns_, &copies_);
    }
    if (steps_.size() % k_checkpoint_every == 0) checkpoints_.push_back(view);
}

WorldView Timeline::view_at(std::size_t n) const {
    n = std::min(n, steps_.size());
    const std::size_t base = n / k_checkpoint_every;
    WorldView view = checkpoints_[base];
    for (std::size_t i = base * k_checkpoint_every; i < n; ++i) apply(view, steps_[i], nullptr, nullptr);
    return view;
}

}  // namespace relaylab::sim
