#pragma once
// The durable queue on disk (no sockets here). Layout under <state_dir>/spool/:
//   tmp/<id>.<n>     being written; discarded at start
//   queue/<id>.msg   committed: envelope header, blank line, content (with our Received:)
//   queue/<id>.st    per-recipient delivery state, rewritten atomically after each attempt
// A message is acknowledged (250) only after commit() returned 0: file written and fsynced,
// renamed into queue/, and queue/ fsynced. Losing a .st file only means redelivery.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/queue_model.hpp"
#include "engine/reply.hpp"

namespace relaylab::native {

struct SpoolInfo {  // what the envelope header holds beyond QueuedMessage
    std::string client_ip;
    std::string auth_user;
    std::uint64_t size = 0;
};

class Spool {
public:
    Spool(std::string state_dir, bool fsync);
    bool init(std::string& error);  // creates the folders, removes temp files
    // 0 on success, else an errno value (nothing was committed).
    int commit(const QueuedMessage& q, const SpoolInfo& info, const std::string& content);
    bool load_content(const std::string& id, std::string& content) const;
    void save_state(const QueuedMessage& q) const;
    void remove(const std::string& id) const;
    // Every committed message, with its saved state applied; unreadable files are reported.
    std::vector<std::pair<QueuedMessage, SpoolInfo>> recover(std::vector<std::string>& problems) const;
    const std::string& queue_dir() const { return queue_dir_; }

private:
    // Group commit: one fsync of queue/ makes every rename that came before it durable, so
    // concurrent commits share it instead of each paying for one.
    bool sync_queue_dir();

    std::string tmp_dir_, queue_dir_;
    bool fsync_;
    std::mutex sync_mutex_;
    std::condition_variable sync_done_;
    std::uint64_t sync_requested_ = 0, sync_completed_ = 0;
    bool syncing_ = false;
};

// The SMTP reply for a failed commit: 452 4.3.1 when the disk is full, else 451 4.3.0.
Reply commit_failure_reply(int err);

// Delivers into a Maildir (creating tmp/ new/ cur/): write tmp/, fsync, rename to new/,
// fsync new/. 0 on success, else errno.
int maildir_deliver(const std::string& maildir, const std::string& content, const std::string& hostname, bool fsync);

// Writes a file atomically: temp name, (fsync), rename, (fsync the folder). 0 or errno.
int write_file_atomic(const std::string& path, const std::string& data, bool fsync);
bool fsync_dir(const std::string& dir);

}  // namespace relaylab::native
