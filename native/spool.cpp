#include "native/spool.hpp"

#include "engine/ids.hpp"
#include "native/spool_record.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <filesystem>

namespace relaylab::native {

namespace fs = std::filesystem;

namespace {

std::atomic<std::uint64_t> g_file_counter{0};

}  // namespace

int write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return 0;
}

bool fsync_dir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return false;
    bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

int write_file_atomic(const std::string& path, const std::string& data, bool fsync) {
    const std::string tmp = path + ".tmp" + std::to_string(++g_file_counter);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    int err = write_all(fd, data.data(), data.size());
    if (!err && fsync && ::fsync(fd) != 0) err = errno;
    if (::close(fd) != 0 && !err) err = errno;
    if (!err && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
    if (err) {
        ::unlink(tmp.c_str());
        return err;
    }
    if (fsync && !fsync_dir(fs::path(path).parent_path().string())) return errno ? errno : EIO;
    return 0;
}

Reply commit_failure_reply(int err) {
    if (err == ENOSPC || err == EDQUOT)
        // RFC 3463 X.3.1: mail system full; RFC 5321 §4.2.2 452 insufficient system storage.
        return make_reply(452, "4.3.1", "Insufficient system storage, try again later");
    // RFC 3463 X.3.0: other or undefined mail system status.
    return make_reply(451, "4.3.0", "Local error in processing, message not queued, try again later");
}

// ---------------------------------------------------------------- the log-structured spool

namespace {

constexpr std::uint32_t kMagic = 0x47534c52;  // "RLSG"
constexpr std::uint32_t kMessage = 1, kState = 2, kDone = 3;
constexpr std::size_t kHeader = 24;  // magic u32, type u32, payload length u64, hash64 u64
constexpr std::uint64_t kSegmentBytes = 64ull << 20;

std::uint64_t record_sum(std::uint32_t type, std::string_view payload) {
    return hash64(0x72656c61796c6162ull ^ type, payload);
}

// A record buffer starts with kHeader placeholder bytes; this fills them in.
void seal_record(std::string& rec, std::uint32_t type) {
    const std::uint64_t len = rec.size() - kHeader;
    const std::uint64_t sum = record_sum(type, std::string_view(rec).substr(kHeader));
    std::memcpy(rec.data(), &kMagic, 4);
    std::memcpy(rec.data() + 4, &type, 4);
    std::memcpy(rec.data() + 8, &len, 8);
    std::memcpy(rec.data() + 16, &sum, 8);
}

// Parses the record at `off` of `data`; false when it is cut short or damaged.
bool parse_record(std::string_view data, std::uint64_t off, std::uint32_t& type, std::string_view& payload) {
    if (data.size() - off < kHeader) return false;
    std::uint32_t magic = 0;
    std::uint64_t len = 0, sum = 0;
    std::memcpy(&magic, data.data() + off, 4);
    std::memcpy(&type, data.data() + off + 4, 4);
    std::memcpy(&len, data.data() + off + 8, 8);
    std::memcpy(&sum, data.data() + off + 16, 8);
    if (magic != kMagic || len > data.size() - off - kHeader) return false;
    payload = data.substr(off + kHeader, len);
    return record_sum(type, payload) == sum;
}

}  // namespace

std::string encode_spool_record(std::uint32_t type, std::string_view payload) {
    std::string rec(kHeader, '\0');
    rec += payload;
    seal_record(rec, type);
    return rec;
}

namespace {

int pwrite_all(int fd, const char* p, std::size_t n, std::uint64_t off) {
    while (n > 0) {
        ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(off));
        if (w < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (w == 0) return EIO;
        p += w;
        off += static_cast<std::uint64_t>(w);
        n -= static_cast<std::size_t>(w);
    }
    return 0;
}

bool pread_all(int fd, char* p, std::size_t n, std::uint64_t off) {
    while (n > 0) {
        ssize_t r = ::pread(fd, p, n, static_cast<off_t>(off));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        off += static_cast<std::uint64_t>(r);
        n -= static_cast<std::size_t>(r);
    }
    return true;
}


// "<16 digits>.seg" -> its sequence number, else 0.
std::uint64_t seg_seq(const std::string& name) {
    if (name.size() != 20 || name.substr(16) != ".seg") return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 16; ++i) {
        if (name[i] < '0' || name[i] > '9') return 0;
        v = v * 10 + static_cast<std::uint64_t>(name[i] - '0');
    }
    return v;
}

std::vector<std::uint64_t> list_segments(const std::string& dir) {
    std::vector<std::uint64_t> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (auto n = seg_seq(e.path().filename().string())) out.push_back(n);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

struct Spool::SegFile {
    int fd = -1;
    explicit SegFile(int f) : fd(f) {}
    SegFile(const SegFile&) = delete;
    SegFile& operator=(const SegFile&) = delete;
    ~SegFile() {
        if (fd >= 0) ::close(fd);
    }
};

Spool::Spool(std::string state_dir, bool fsync)
    : spool_dir_(state_dir + "/spool"), log_dir_(state_dir + "/spool/log"), fsync_(fsync) {}

Spool::~Spool() = default;

std::string Spool::seg_path(std::uint64_t seq) const {
    char name[32];
    std::snprintf(name, sizeof name, "%016llu.seg", static_cast<unsigned long long>(seq));
    return log_dir_ + "/" + name;
}

bool Spool::init(std::string& error) {
    std::error_code ec;
    fs::create_directories(log_dir_, ec);
    if (ec) {
        error = "cannot create " + log_dir_ + ": " + ec.message();
        return false;
    }
    std::lock_guard lock(mutex_);
    const auto segs = list_segments(log_dir_);
    if (!segs.empty()) next_seq_ = std::max(next_seq_, segs.back() + 1);
    writable_ = true;  // the first append opens a new segment: never one with a torn tail
    return true;
}

int Spool::open_segment_locked() {
    const std::uint64_t seq = next_seq_++;
    const std::string path = seg_path(seq);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    auto file = std::make_shared<SegFile>(fd);
    if (fsync_) {
        // The new name must be durable before any record in it is acknowledged.
        int err = ::fsync(fd) == 0 ? 0 : errno;
        if (!err && !fsync_dir(log_dir_)) err = errno ? errno : EIO;
        if (err) {
            ::unlink(path.c_str());
            return err;
        }
    }
    const std::uint64_t old = active_;
    Seg& s = segs_[seq];
    s.file = std::move(file);
    active_ = seq;
    if (old) collect_locked(old);
    return 0;
}

int Spool::append_locked(std::uint32_t type, std::string& rec, std::uint64_t& seq, std::uint64_t& off) {
    if (!writable_) return EROFS;
    if (active_ == 0 || segs_[active_].broken || segs_[active_].size >= kSegmentBytes) {
        if (int err = open_segment_locked()) return err;
    }
    Seg& s = segs_[active_];
    seal_record(rec, type);
    if (int err = pwrite_all(s.file->fd, rec.data(), rec.size(), s.size)) {
        // Cut off whatever part got written, and write nothing more into this file.
        if (::ftruncate(s.file->fd, static_cast<off_t>(s.size)) != 0) {
            // Recovery stops at the torn record; nothing after it is in this file anyway.
        }
        s.broken = true;
        return err;
    }
    seq = active_;
    off = s.size;
    s.size += rec.size();
    ++appended_;
    if (fsync_ && (unsynced_.empty() || unsynced_.back() != s.file)) unsynced_.push_back(s.file);
    return 0;
}

void Spool::collect_locked(std::uint64_t seq) {
    std::vector<std::uint64_t> work{seq};
    while (!work.empty()) {
        const std::uint64_t n = work.back();
        work.pop_back();
        auto it = segs_.find(n);
        if (it == segs_.end() || n == active_ || it->second.refs != 0) continue;
        ::unlink(seg_path(n).c_str());
        // DONE records elsewhere that cancelled messages of this segment are not needed now.
        for (const auto& [t, count] : it->second.tombs) {
            auto jt = segs_.find(t);
            if (jt == segs_.end()) continue;
            jt->second.refs -= std::min(jt->second.refs, count);
            work.push_back(t);
        }
        segs_.erase(it);
    }
}

void Spool::unref_locked(std::uint64_t seq) {
    if (seq == 0) return;
    auto it = segs_.find(seq);
    if (it == segs_.end()) return;
    if (it->second.refs) --it->second.refs;
    if (it->second.refs == 0) collect_locked(seq);
}

void Spool::drop_locked(const std::string& id, std::uint64_t done_seq) {
    auto it = index_.find(id);
    if (it == index_.end()) return;
    const Entry e = it->second;
    index_.erase(it);
    if (done_seq && done_seq != e.seg && segs_.count(e.seg) && segs_.count(done_seq)) {
        // The DONE record must outlive the MESSAGE record it cancels.
        ++segs_[e.seg].tombs[done_seq];
        ++segs_[done_seq].refs;
    }
    unref_locked(e.state_seg);
    unref_locked(e.seg);
}

int Spool::wait_durable(std::uint64_t ticket) {
    std::unique_lock lock(mutex_);
    while (sync_completed_ < ticket) {
        if (syncing_) {
            sync_done_.wait(lock);
            continue;
        }
        // Become the syncer for every record appended so far (mine included).
        syncing_ = true;
        const std::uint64_t covers = appended_;
        std::vector<std::shared_ptr<SegFile>> files;
        files.swap(unsynced_);
        lock.unlock();
        int err = 0;
        for (const auto& f : files)
            if (::fdatasync(f->fd) != 0 && !err) err = errno ? errno : EIO;
        lock.lock();
        syncing_ = false;
        if (err) {
            // Those records are not known durable; a later fdatasync could not vouch for them
            // either, so they fail, and nothing more goes into those files.
            sync_failures_.push_back({sync_completed_ + 1, covers, err});
            for (auto& [n, s] : segs_)
                for (const auto& f : files)
                    if (s.file == f) s.broken = true;
        }
        sync_completed_ = std::max(sync_completed_, covers);
        sync_done_.notify_all();
    }
    for (const auto& f : sync_failures_)
        if (ticket >= f.lo && ticket <= f.hi) return f.err;
    return 0;
}

int Spool::commit(const QueuedMessage& q, const SpoolInfo& info, const std::string& content) {
    std::string rec(kHeader, '\0');
    rec += message_header(q, info, content.size());
    const std::size_t content_off = rec.size() - kHeader;
    rec += content;
    std::uint64_t ticket = 0;
    {
        std::lock_guard lock(mutex_);
        if (index_.count(q.id)) return EEXIST;
        std::uint64_t seq = 0, off = 0;
        if (int err = append_locked(kMessage, rec, seq, off)) return err;
        index_[q.id] = Entry{seq, off, rec.size() - kHeader, content_off, 0};
        ++segs_[seq].refs;
        ticket = appended_;
    }
    if (!fsync_) return 0;
    const int err = wait_durable(ticket);
    if (err) {
        // Not acknowledged: cancel it (best effort; at worst it is delivered after a restart).
        std::string done(kHeader, '\0');
        done += q.id;
        std::lock_guard lock(mutex_);
        std::uint64_t seq = 0, off = 0;
        if (append_locked(kDone, done, seq, off) != 0) seq = 0;
        drop_locked(q.id, seq);
    }
    return err;
}

bool Spool::load_content(const std::string& id, std::string& content) const {
    std::shared_ptr<SegFile> file;
    Entry e;
    {
        std::lock_guard lock(mutex_);
        auto it = index_.find(id);
        if (it == index_.end()) return false;
        e = it->second;
        auto st = segs_.find(e.seg);
        if (st == segs_.end()) return false;
        file = st->second.file;
    }
    std::string rec(kHeader + e.len, '\0');
    if (!pread_all(file->fd, rec.data(), rec.size(), e.off)) return false;
    std::uint32_t type = 0;
    std::string_view payload;
    if (!parse_record(rec, 0, type, payload) || type != kMessage) return false;
    content.assign(payload.substr(e.content_off));
    return true;
}

void Spool::save_state(const QueuedMessage& q) {
    std::string rec(kHeader, '\0');
    rec += "id " + spool_field(q.id) + "\n";
    rec += state_lines(q);
    // No fsync: a lost state record only means an attempt is repeated.
    std::lock_guard lock(mutex_);
    auto it = index_.find(q.id);
    if (it == index_.end()) return;
    std::uint64_t seq = 0, off = 0;
    if (append_locked(kState, rec, seq, off) != 0) return;
    const std::uint64_t old = it->second.state_seg;
    it->second.state_seg = seq;
    ++segs_[seq].refs;
    unref_locked(old);
}

void Spool::remove(const std::string& id) {
    std::string rec(kHeader, '\0');
    rec += id;
    // No fsync: a lost DONE record only means the message is delivered again after a crash.
    std::lock_guard lock(mutex_);
    if (!index_.count(id)) return;
    std::uint64_t seq = 0, off = 0;
    if (append_locked(kDone, rec, seq, off) != 0) seq = 0;
    drop_locked(id, seq);
}

std::vector<std::pair<QueuedMessage, SpoolInfo>> Spool::recover(std::vector<std::string>& problems) {
    struct Live {
        QueuedMessage q;
        SpoolInfo info;
        Entry e;
        std::string state;
    };
    std::vector<Live> live;
    std::unordered_map<std::string, std::size_t> where;  // id -> index in live
    std::map<std::uint64_t, Seg> segs;
    std::uint64_t next_seq = 0;
    const auto seqs = list_segments(log_dir_);
    for (const std::uint64_t seq : seqs) {
        const std::string path = seg_path(seq);
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno != ENOENT)  // ENOENT: a live relay dropped it just now
                problems.push_back(path + ": cannot open: " + std::strerror(errno));
            continue;
        }
        auto file = std::make_shared<SegFile>(fd);
        struct stat sb{};
        std::string data;
        if (::fstat(fd, &sb) == 0 && sb.st_size > 0) {
            data.resize(static_cast<std::size_t>(sb.st_size));
            if (!pread_all(fd, data.data(), data.size(), 0)) {
                problems.push_back(path + ": cannot read: " + std::strerror(errno));
                data.clear();
            }
        }
        Seg& seg = segs[seq];
        seg.file = file;
        next_seq = seq + 1;
        std::uint64_t off = 0;
        while (off < data.size()) {
            std::uint32_t type = 0;
            std::string_view payload;
            if (!parse_record(data, off, type, payload)) {
                // A torn tail: never acknowledged. (A live writer may be mid-append on the last one.)
                if (writable_ || seq != seqs.back())
                    problems.push_back(path + ": damaged or incomplete record at offset " + std::to_string(off) +
                                       ", rest of the segment ignored");
                break;
            }
            const std::uint64_t rec_len = kHeader + payload.size();
            if (type == kMessage) {
                Live l;
                std::size_t content_off = 0;
                if (!parse_message(payload, l.q, l.info, content_off)) {
                    problems.push_back(path + ": unreadable message record at offset " + std::to_string(off));
                } else if (where.count(l.q.id)) {
                    problems.push_back(path + ": second message record for " + l.q.id + ", ignored");
                } else {
                    l.e = Entry{seq, off, payload.size(), content_off, 0};
                    where[l.q.id] = live.size();
                    live.push_back(std::move(l));
                }
            } else if (type == kState) {
                const auto nl = payload.find('\n');
                std::string_view first = payload.substr(0, nl);
                if (first.substr(0, 3) == "id " && nl != std::string_view::npos) {
                    auto it = where.find(spool_field_value(first.substr(3)));
                    if (it != where.end()) {
                        live[it->second].state.assign(payload.substr(nl + 1));
                        live[it->second].e.state_seg = seq;
                    }
                }
            } else if (type == kDone) {
                auto it = where.find(std::string(payload));
                if (it != where.end()) {
                    Live& l = live[it->second];
                    if (l.e.seg != seq) {
                        ++segs[l.e.seg].tombs[seq];
                        ++seg.refs;
                    }
                    l.q.id.clear();  // dead
                    where.erase(it);
                }
            }
            off += rec_len;
        }
    }
    std::vector<std::pair<QueuedMessage, SpoolInfo>> out;
    std::unordered_map<std::string, Entry> index;
    for (auto& l : live) {
        if (l.q.id.empty()) continue;
        ++segs[l.e.seg].refs;
        if (l.e.state_seg) ++segs[l.e.state_seg].refs;
        apply_state_lines(l.q, l.state);
        index[l.q.id] = l.e;
        out.emplace_back(std::move(l.q), l.info);
    }
    std::error_code ec;
    if (writable_) {
        for (const auto& e : fs::directory_iterator(spool_dir_ + "/queue", ec))
            if (e.path().extension() == ".msg") {
                problems.push_back(spool_dir_ + "/queue: a spool of the old one-file-per-message format, ignored");
                break;
            }
        std::lock_guard lock(mutex_);
        segs_ = std::move(segs);
        index_ = std::move(index);
        next_seq_ = std::max(next_seq_, next_seq);
        std::vector<std::uint64_t> idle;
        for (const auto& [n, s] : segs_)
            if (s.refs == 0) idle.push_back(n);
        for (const std::uint64_t n : idle) collect_locked(n);
    }
    return out;
}

}  // namespace relaylab::native
