#pragma once
// The captured-mail inbox's storage: the Maildirs the relay already writes — sandbox
// captures in <state_dir>/captured/ and local mailboxes in <state_dir>/mail/<domain>/<user>/
// (native/local_delivery.hpp) — read as one list of messages. Nothing is copied: a message's
// ID is derived from its Maildir file's unique name (maildir(5): the part before ":2,"), so it
// stays the same across restarts and when the message is marked read (moved to cur/ with the
// S flag, as mail clients do). Blocking file I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relaylab::native {

struct InboxEntry {
    std::string id;          // 16 hex digits, stable (see above)
    std::string path;        // the file now
    std::int64_t created_ms = 0;  // when it was stored (from the unique name)
    std::uint64_t size = 0;
    bool read = false;
};

// What the Mailpit API needs of a store (a fake in unit tests, Maildirs in the relay).
class InboxStore {
public:
    virtual ~InboxStore() = default;
    virtual std::vector<InboxEntry> entries() = 0;  // in no particular order
    virtual std::optional<std::string> content(const InboxEntry& entry) = 0;
    virtual bool remove(const InboxEntry& entry) = 0;
    virtual bool set_read(const InboxEntry& entry, bool read) = 0;
};

class MaildirInbox : public InboxStore {
public:
    explicit MaildirInbox(std::string state_dir) : state_dir_(std::move(state_dir)) {}
    std::vector<InboxEntry> entries() override;
    std::optional<std::string> content(const InboxEntry& entry) override;
    bool remove(const InboxEntry& entry) override;
    bool set_read(const InboxEntry& entry, bool read) override;
    // The entry of one file just delivered (a path maildir_deliver wrote), if it is ours.
    std::optional<InboxEntry> entry_at(const std::string& path) const;

private:
    std::string state_dir_;
};

}  // namespace relaylab::native
