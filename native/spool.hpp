#pragma once
// The durable queue on disk (no sockets here): a log of append-only segment files,
//   <state_dir>/spool/log/<seq>.seg   (a new one at each start and every 64 MiB)
// Each record: a 24-byte header (magic, type, payload length, hash64 of the payload) and the
// payload. MESSAGE = envelope header ("relaylab-spool 2": the whole typed message model, see
// spool_record.hpp; version 1 records are still read), blank line, content (with our Received:);
// STATE = queue id line and the per-recipient state lines; DONE = queue id. A message is acknowledged (250) only
// after commit() returned 0: its record written and covered by a (group) fdatasync. STATE and
// DONE are not synced: losing one after a crash only repeats an attempt or a delivery.
// Recovery reads the segments in order; a short or corrupt record ends its segment (a torn
// tail, never acknowledged). A segment is unlinked once nothing in it is needed any more.
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/queue_model.hpp"
#include "engine/reply.hpp"
#include "native/spool_record.hpp"

namespace relaylab::native {

class Spool {
public:
    Spool(std::string state_dir, bool fsync);
    ~Spool();
    Spool(const Spool&) = delete;
    Spool& operator=(const Spool&) = delete;
    bool init(std::string& error);  // creates the folder; makes this spool writable
    // 0 on success, else an errno value (nothing was acknowledged).
    int commit(const QueuedMessage& q, const SpoolInfo& info, const std::string& content);
    bool load_content(const std::string& id, std::string& content) const;
    void save_state(const QueuedMessage& q);
    void remove(const std::string& id);
    // Every committed message, with its saved state applied; damaged records are reported.
    // After init() it also rebuilds the index and drops segments nothing needs; without
    // init() (the `queue` command) it only reads.
    std::vector<std::pair<QueuedMessage, SpoolInfo>> recover(std::vector<std::string>& problems);
    const std::string& log_dir() const { return log_dir_; }

private:
    struct SegFile;
    struct Seg {
        std::shared_ptr<SegFile> file;
        std::uint64_t size = 0;
        std::uint64_t refs = 0;                // live messages / latest states here, DONE records pinned
        std::map<std::uint64_t, std::uint64_t> tombs;  // segment -> DONE records there for messages here
        bool broken = false;                   // a failed write or sync: append no more here
    };
    struct Entry {
        std::uint64_t seg = 0, off = 0, len = 0;  // the MESSAGE payload
        std::uint64_t content_off = 0;            // within the payload
        std::uint64_t state_seg = 0;              // 0: no STATE record
    };
    std::string seg_path(std::uint64_t seq) const;
    // Appends one record (caller holds mutex_); rec starts with room for the header. 0 or errno;
    // seq/off say where it went.
    int append_locked(std::uint32_t type, std::string& rec, std::uint64_t& seq, std::uint64_t& off);
    int open_segment_locked();
    void unref_locked(std::uint64_t seq);
    void collect_locked(std::uint64_t seq);
    void drop_locked(const std::string& id, std::uint64_t done_seq);
    int wait_durable(std::uint64_t ticket);  // group fdatasync covering ticket

    std::string spool_dir_, log_dir_;
    bool fsync_;
    bool writable_ = false;
    mutable std::mutex mutex_;  // the segments, the index, appends
    std::map<std::uint64_t, Seg> segs_;
    std::unordered_map<std::string, Entry> index_;
    std::uint64_t active_ = 0, next_seq_ = 1;
    // Group commit: appends get increasing tickets; one fdatasync of every segment written since
    // the last one makes all tickets up to then durable, and concurrent commits share it.
    std::uint64_t appended_ = 0;
    std::vector<std::shared_ptr<SegFile>> unsynced_;
    std::condition_variable sync_done_;
    std::uint64_t sync_completed_ = 0;
    bool syncing_ = false;
    struct SyncFailure {
        std::uint64_t lo, hi;
        int err;
    };
    std::vector<SyncFailure> sync_failures_;
};

// The SMTP reply for a failed commit: 452 4.3.1 when the disk is full, else 451 4.3.0.
Reply commit_failure_reply(int err);

// One sealed record (header + payload) as the spool writes it: for tests that hand-write
// segments (type 1 MESSAGE, 2 STATE, 3 DONE).
std::string encode_spool_record(std::uint32_t type, std::string_view payload);

// Writes a file atomically: temp name, (fsync), rename, (fsync the folder). 0 or errno.
int write_file_atomic(const std::string& path, const std::string& data, bool fsync);
bool fsync_dir(const std::string& dir);
// Writes all n bytes (retrying short writes and EINTR): 0, or errno.
int write_all(int fd, const char* p, std::size_t n);

}  // namespace relaylab::native
