#include "native/spool.hpp"

#include "engine/ids.hpp"

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
#include <fstream>
#include <sstream>

namespace relaylab::native {

namespace fs = std::filesystem;

namespace {

std::atomic<std::uint64_t> g_file_counter{0};

// Values in the envelope header: bytes that could break a line or a field become %XX.
std::string enc(std::string_view s) {
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == '%' || c >= 0x7f) {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out.empty() ? "%" : out;  // "%" alone = empty value
}

std::string dec(std::string_view s) {
    if (s == "%") return {};
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

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

std::string reply_fields(const std::optional<Reply>& r) {
    if (!r) return "0 % %";
    return std::to_string(r->code) + " " + enc(r->enhanced) + " " + enc(r->text());
}

std::optional<Reply> parse_reply_fields(std::istream& in) {
    int code = 0;
    std::string enh, text;
    in >> code >> enh >> text;
    if (code == 0) return std::nullopt;
    return make_reply(code, dec(enh), dec(text));
}

}  // namespace

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

// ---- MESSAGE and STATE payloads ----
// Version 2 ("relaylab-spool 2") keeps the whole typed message model: the reverse- and
// forward-paths in their wire form (re-parsed with the engine's address parser), every MAIL
// parameter, per recipient NOTIFY (given or not) and ORCPT, content_8bit and the origin.
// Version 1 records (address strings, 'ret' numbers, NOTIFY flags always present) are still
// read. STATE records: "r" lines are version 1 (5 states), "s" lines version 2.

// The path as it went on the wire, source route included: "<@a,@b:user@example.org>".
std::string path_wire(const Path& p) {
    if (p.null) return "<>";
    std::string s = "<";
    for (std::size_t i = 0; i < p.source_route.size(); ++i) s += (i ? ",@" : "@") + p.source_route[i];
    if (!p.source_route.empty()) s += ":";
    s += p.mailbox.domain.empty() ? p.mailbox.local_part : p.mailbox.to_string();
    return s + ">";
}

std::optional<Path> parse_path_wire(std::string_view wire, bool reverse) {
    Parsed<Path> p = reverse ? parse_reverse_path(wire, true) : parse_forward_path(wire, true);
    if (!p || p.consumed != wire.size()) return std::nullopt;
    return p.value;
}

// A version 1 address string ("bob@example.org", "Postmaster", "" = null sender) as a Path.
std::optional<Path> path_from_v1(const std::string& address, bool reverse) {
    if (address.empty()) {
        if (!reverse) return std::nullopt;
        Path p;
        p.null = true;
        return p;
    }
    return parse_path_wire("<" + address + ">", reverse);
}

std::string notify_field(const std::optional<DsnNotify>& n) {
    if (!n) return "-";  // not given: the default applies (RFC 3461 §4.1)
    std::string f;
    f += n->never ? 'N' : '-';
    f += n->success ? 'S' : '-';
    f += n->failure ? 'F' : '-';
    f += n->delay ? 'D' : '-';
    return f;
}

std::optional<DsnNotify> parse_notify_field(std::string_view f) {
    if (f.size() != 4) return std::nullopt;
    DsnNotify n;
    n.never = f[0] == 'N';
    n.success = f[1] == 'S';
    n.failure = f[2] == 'F';
    n.delay = f[3] == 'D';
    return n;
}

std::string message_header(const QueuedMessage& q, const SpoolInfo& info, std::size_t content_size) {
    std::string head = "relaylab-spool 2\n";
    head += "id " + enc(q.id) + "\n";
    head += "created " + std::to_string(q.created_ms) + "\n";
    head += std::string("origin ") + (q.origin == MessageOrigin::notice ? "notice" : "client") + "\n";
    head += "sender " + enc(path_wire(q.sender)) + "\n";
    const MailParams& m = q.params;
    head += "size-param " + (m.size ? std::to_string(*m.size) : std::string("-")) + "\n";
    head += "body " + std::to_string(static_cast<int>(m.body)) + "\n";
    head += std::string("smtputf8 ") + (m.smtputf8 ? "1" : "0") + "\n";
    head += "ret " + std::to_string(static_cast<int>(m.ret)) + "\n";
    head += "envid " + enc(m.envid) + "\n";
    head += "auth-param " + enc(m.auth) + "\n";
    head += std::string("content-8bit ") + (q.content_8bit ? "1" : "0") + "\n";
    head += "client " + enc(info.client_ip) + "\n";
    head += "auth " + enc(info.auth_user) + "\n";
    head += "size " + std::to_string(content_size) + "\n";
    for (const auto& r : q.recipients)
        head += "rcpt " + enc(path_wire(r.path)) + " " + notify_field(r.params.notify) + " " + enc(r.params.orcpt) + "\n";
    head += "\n";
    return head;
}

// The envelope header of a MESSAGE payload (version 1 or 2); content_off = where the content
// starts.
bool parse_message(std::string_view payload, QueuedMessage& q, SpoolInfo& info, std::size_t& content_off) {
    const auto end = payload.find("\n\n");
    if (end == std::string_view::npos) return false;
    content_off = end + 2;
    std::istringstream in{std::string(payload.substr(0, end + 1))};
    std::string line;
    if (!std::getline(in, line)) return false;
    const int version = line == "relaylab-spool 1" ? 1 : line == "relaylab-spool 2" ? 2 : 0;
    if (version == 0) return false;
    bool ok = true;
    try {
        while (ok && std::getline(in, line) && !line.empty()) {
            std::istringstream ls(line);
            std::string key, v1, v2, v3;
            ls >> key >> v1 >> v2 >> v3;
            if (key == "id") q.id = dec(v1);
            else if (key == "created") q.created_ms = std::stoll(v1);
            else if (key == "origin") q.origin = v1 == "notice" ? MessageOrigin::notice : MessageOrigin::client;
            else if (key == "sender") {
                auto p = version == 1 ? path_from_v1(dec(v1), true) : parse_path_wire(dec(v1), true);
                if (p) q.sender = *p;
                else ok = false;
            } else if (key == "size-param") {
                if (v1 != "-") q.params.size = std::stoull(v1);
            } else if (key == "body") q.params.body = static_cast<Body>(std::clamp(std::stoi(v1), 0, 2));
            else if (key == "smtputf8") q.params.smtputf8 = v1 == "1";
            // v1 'ret' numbers were DsnRet {unspecified, full, hdrs}: the order of Ret.
            else if (key == "ret") q.params.ret = static_cast<Ret>(std::clamp(std::stoi(v1), 0, 2));
            else if (key == "envid") q.params.envid = dec(v1);
            else if (key == "auth-param") q.params.auth = dec(v1);
            else if (key == "content-8bit") q.content_8bit = v1 == "1";
            else if (key == "client") info.client_ip = dec(v1);
            else if (key == "auth") info.auth_user = dec(v1);
            else if (key == "size") info.size = std::stoull(v1);
            else if (key == "rcpt") {
                QueuedRecipient r;
                if (version == 1) {  // rcpt ADDRESS ORCPT FLAGS
                    auto p = path_from_v1(dec(v1), false);
                    if (!p) {
                        ok = false;
                        break;
                    }
                    r.path = *p;
                    r.params.orcpt = dec(v2);
                    // v1 always wrote the flags; the default ones stand for "not given".
                    auto n = parse_notify_field(v3);
                    if (n && !(*n == DsnNotify{})) r.params.notify = n;
                } else {  // rcpt PATH NOTIFY ORCPT
                    auto p = parse_path_wire(dec(v1), false);
                    if (!p) {
                        ok = false;
                        break;
                    }
                    r.path = *p;
                    r.params.notify = parse_notify_field(v2);
                    r.params.orcpt = dec(v3);
                }
                q.recipients.push_back(std::move(r));
            }
        }
    } catch (const std::exception&) {
        return false;
    }
    return ok && !q.id.empty() && !q.recipients.empty();
}

std::string state_lines(const QueuedMessage& q) {
    std::string st;
    for (std::size_t i = 0; i < q.recipients.size(); ++i) {
        const auto& r = q.recipients[i];
        st += "s " + std::to_string(i) + " " + std::to_string(static_cast<int>(r.state)) + " " +
              std::to_string(r.attempts) + " " + std::to_string(r.next_attempt_ms) + " " +
              std::to_string(r.last_attempt_ms.value_or(-1)) + " " + (r.failure_dsn_sent ? "F" : "-") +
              (r.delay_dsn_sent ? "D" : "-") + (r.success_dsn_sent ? "S" : "-") + (r.expired ? "E" : "-") +
              (r.dsn_passed_on ? "P" : "-") + " " + enc(r.remote_mta) + " " + reply_fields(r.last_reply) + " " +
              reply_fields(r.final_reply) + "\n";
    }
    return st;
}

// A v1 state number (queued, attempting, delivered, deferred, bounced) in today's enum.
RecipientState state_from_v1(int n) {
    switch (n) {
        case 0: return RecipientState::queued;
        case 1: return RecipientState::attempting;
        case 2: return RecipientState::delivered;
        case 3: return RecipientState::deferred;
        default: return RecipientState::bounced;
    }
}

void apply_state_lines(QueuedMessage& q, const std::string& text) {
    std::istringstream st(text);
    std::string line;
    while (std::getline(st, line)) {
        std::istringstream ls(line);
        std::string tag, flags, remote;
        std::size_t i = 0;
        int state = 0, attempts = 0;
        long long next = 0, last = -1;
        ls >> tag >> i >> state >> attempts >> next >> last >> flags >> remote;
        if ((tag != "r" && tag != "s") || i >= q.recipients.size() || !ls) continue;
        const bool v2 = tag == "s";
        auto& r = q.recipients[i];
        r.state = v2 ? static_cast<RecipientState>(std::clamp(state, 0, 5)) : state_from_v1(state);
        if (r.state == RecipientState::attempting) r.state = RecipientState::queued;  // interrupted
        r.attempts = attempts;
        r.next_attempt_ms = next;
        if (last >= 0) r.last_attempt_ms = last;
        auto flag = [&](std::size_t at, char c) { return flags.size() > at && flags[at] == c; };
        r.failure_dsn_sent = flag(0, 'F');
        r.delay_dsn_sent = flag(1, 'D');
        r.success_dsn_sent = flag(2, 'S');
        r.expired = v2 && flag(3, 'E');
        r.dsn_passed_on = v2 && flag(4, 'P');
        r.remote_mta = dec(remote);
        r.last_reply = parse_reply_fields(ls);
        r.final_reply = parse_reply_fields(ls);
    }
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
    rec += "id " + enc(q.id) + "\n";
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
                    auto it = where.find(dec(first.substr(3)));
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
