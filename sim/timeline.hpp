#pragma once
// Stepping through a finished run: the state of the world at any step is a fold of
// the steps' changes over the empty world. Checkpoints every k_checkpoint_every steps
// make seek() cheap in both directions; back() is seek(step - 1), so going back gives
// exactly the state that going forward gave.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "sim/step.hpp"

namespace relaylab::sim {

// The world as it stands after a step.
struct WorldView {
    std::size_t step = 0;  // steps applied (0 = before the first)
    std::vector<MessageStatus> messages;               // scenario order
    std::map<std::string, QueueEntryView> queue;       // by queue id
    std::map<int, ConnectionView> connections;         // by id
    std::size_t dns_records = 0;                       // prefix of Timeline::dns_records()
    std::size_t message_copies = 0;                    // prefix of Timeline::message_copies()
    bool operator==(const WorldView&) const = default;
};

class Timeline {
public:
    static constexpr std::size_t k_checkpoint_every = 256;

    // `initial` are the scenario's messages before anything happened (status pending).
    Timeline(std::vector<Step> steps, std::vector<MessageStatus> initial);

    std::size_t total_steps() const { return steps_.size(); }
    const std::vector<Step>& steps() const { return steps_; }
    // The view after applying steps [0, n); n is clamped to total_steps().
    WorldView view_at(std::size_t n) const;

    // Append-only records; a view shows the first view.dns_records / message_copies.
    const std::vector<DnsRecordView>& dns_records() const { return dns_; }
    const std::vector<MessageCopy>& message_copies() const { return copies_; }

private:
    static void apply(WorldView& view, const Step& step, std::vector<DnsRecordView>* dns,
                      std::vector<MessageCopy>* copies);

    std::vector<Step> steps_;
    std::vector<WorldView> checkpoints_;  // checkpoints_[i] = view_at(i * k_checkpoint_every)
    std::vector<DnsRecordView> dns_;
    std::vector<MessageCopy> copies_;
};

}  // namespace relaylab::sim
