#include "native/spool.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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

std::string notify_flags(const DsnNotify& n) {
    std::string f;
    f += n.never ? 'N' : '-';
    f += n.success ? 'S' : '-';
    f += n.failure ? 'F' : '-';
    f += n.delay ? 'D' : '-';
    return f;
}

DsnNotify parse_notify_flags(std::string_view f) {
    DsnNotify n;
    if (f.size() == 4) {
        n.never = f[0] == 'N';
        n.success = f[1] == 'S';
        n.failure = f[2] == 'F';
        n.delay = f[3] == 'D';
    }
    return n;
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

Spool::Spool(std::string state_dir, bool fsync)
    : tmp_dir_(state_dir + "/spool/tmp"), queue_dir_(state_dir + "/spool/queue"), fsync_(fsync) {}

bool Spool::init(std::string& error) {
    std::error_code ec;
    fs::create_directories(tmp_dir_, ec);
    if (!ec) fs::create_directories(queue_dir_, ec);
    if (ec) {
        error = "cannot create " + queue_dir_ + ": " + ec.message();
        return false;
    }
    // Uncommitted writes of a previous run: never acknowledged, so they go.
    for (const auto& e : fs::directory_iterator(tmp_dir_, ec)) fs::remove(e.path(), ec);
    for (const auto& e : fs::directory_iterator(queue_dir_, ec)) {
        const std::string name = e.path().filename().string();
        if (name.find(".tmp") != std::string::npos) fs::remove(e.path(), ec);
    }
    return true;
}

int Spool::commit(const QueuedMessage& q, const SpoolInfo& info, const std::string& content) {
    std::string head = "relaylab-spool 1\n";
    head += "id " + enc(q.id) + "\n";
    head += "created " + std::to_string(q.created_ms) + "\n";
    head += "sender " + enc(q.sender) + "\n";
    head += "envid " + enc(q.envid) + "\n";
    head += "ret " + std::to_string(static_cast<int>(q.ret)) + "\n";
    head += "client " + enc(info.client_ip) + "\n";
    head += "auth " + enc(info.auth_user) + "\n";
    head += "size " + std::to_string(content.size()) + "\n";
    for (const auto& r : q.recipients)
        head += "rcpt " + enc(r.address) + " " + enc(r.original_recipient) + " " + notify_flags(r.notify) + "\n";
    head += "\n";

    const std::string tmp = tmp_dir_ + "/" + q.id + "." + std::to_string(++g_file_counter);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    int err = write_all(fd, head.data(), head.size());
    if (!err) err = write_all(fd, content.data(), content.size());
    if (!err && fsync_ && ::fdatasync(fd) != 0) err = errno;
    if (::close(fd) != 0 && !err) err = errno;
    const std::string final_path = queue_dir_ + "/" + q.id + ".msg";
    if (!err && ::rename(tmp.c_str(), final_path.c_str()) != 0) err = errno;
    if (err) {
        ::unlink(tmp.c_str());
        return err;
    }
    if (fsync_ && !sync_queue_dir()) {
        err = errno ? errno : EIO;
        ::unlink(final_path.c_str());  // not known durable: not acknowledged either
        return err;
    }
    return 0;
}

bool Spool::sync_queue_dir() {
    std::unique_lock lock(sync_mutex_);
    const std::uint64_t mine = ++sync_requested_;  // my rename happened before this point
    while (sync_completed_ < mine) {
        if (syncing_) {
            sync_done_.wait(lock);
            continue;
        }
        // Become the syncer for every request so far (mine included).
        syncing_ = true;
        const std::uint64_t covers = sync_requested_;
        lock.unlock();
        const bool ok = fsync_dir(queue_dir_);
        const int saved = errno;
        lock.lock();
        syncing_ = false;
        if (ok) sync_completed_ = std::max(sync_completed_, covers);
        sync_done_.notify_all();
        if (!ok) {
            errno = saved;
            return false;  // the waiters try again themselves
        }
    }
    return true;
}

bool Spool::load_content(const std::string& id, std::string& content) const {
    std::ifstream in(queue_dir_ + "/" + id + ".msg", std::ios::binary);
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    std::string all = ss.str();
    auto pos = all.find("\n\n");
    if (pos == std::string::npos) return false;
    content = all.substr(pos + 2);
    return true;
}

void Spool::save_state(const QueuedMessage& q) const {
    std::string st;
    for (std::size_t i = 0; i < q.recipients.size(); ++i) {
        const auto& r = q.recipients[i];
        st += "r " + std::to_string(i) + " " + std::to_string(static_cast<int>(r.state)) + " " +
              std::to_string(r.attempts) + " " + std::to_string(r.next_attempt_ms) + " " +
              std::to_string(r.last_attempt_ms.value_or(-1)) + " " + (r.failure_dsn_sent ? "F" : "-") +
              (r.delay_dsn_sent ? "D" : "-") + (r.success_dsn_sent ? "S" : "-") + " " + enc(r.remote_mta) + " " +
              reply_fields(r.last_reply) + " " + reply_fields(r.final_reply) + "\n";
    }
    // No fsync: a lost state file only means an attempt is repeated.
    write_file_atomic(queue_dir_ + "/" + q.id + ".st", st, false);
}

void Spool::remove(const std::string& id) const {
    ::unlink((queue_dir_ + "/" + id + ".msg").c_str());
    ::unlink((queue_dir_ + "/" + id + ".st").c_str());
}

std::vector<std::pair<QueuedMessage, SpoolInfo>> Spool::recover(std::vector<std::string>& problems) const {
    std::vector<std::pair<QueuedMessage, SpoolInfo>> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(queue_dir_, ec)) {
        const std::string name = e.path().filename().string();
        if (name.size() < 5 || name.substr(name.size() - 4) != ".msg") continue;
        std::ifstream in(e.path(), std::ios::binary);
        std::string line;
        QueuedMessage q;
        SpoolInfo info;
        bool ok = std::getline(in, line) && line == "relaylab-spool 1";
        while (ok && std::getline(in, line) && !line.empty()) {
            std::istringstream ls(line);
            std::string key, v1, v2, v3;
            ls >> key >> v1 >> v2 >> v3;
            if (key == "id") q.id = dec(v1);
            else if (key == "created") q.created_ms = std::stoll(v1);
            else if (key == "sender") q.sender = dec(v1);
            else if (key == "envid") q.envid = dec(v1);
            else if (key == "ret") q.ret = static_cast<DsnRet>(std::stoi(v1));
            else if (key == "client") info.client_ip = dec(v1);
            else if (key == "auth") info.auth_user = dec(v1);
            else if (key == "size") info.size = std::stoull(v1);
            else if (key == "rcpt") {
                QueuedRecipient r;
                r.address = dec(v1);
                r.original_recipient = dec(v2);
                r.notify = parse_notify_flags(v3);
                q.recipients.push_back(r);
            }
        }
        if (!ok || q.id.empty() || q.recipients.empty()) {
            problems.push_back(e.path().string() + ": unreadable spool file, left in place");
            continue;
        }
        std::ifstream st(queue_dir_ + "/" + q.id + ".st");
        while (std::getline(st, line)) {
            std::istringstream ls(line);
            std::string tag, flags, remote;
            std::size_t i = 0;
            int state = 0, attempts = 0;
            long long next = 0, last = -1;
            ls >> tag >> i >> state >> attempts >> next >> last >> flags >> remote;
            if (tag != "r" || i >= q.recipients.size() || !ls) continue;
            auto& r = q.recipients[i];
            r.state = static_cast<RecipientState>(state);
            if (r.state == RecipientState::attempting) r.state = RecipientState::queued;  // interrupted
            r.attempts = attempts;
            r.next_attempt_ms = next;
            if (last >= 0) r.last_attempt_ms = last;
            r.failure_dsn_sent = flags.size() == 3 && flags[0] == 'F';
            r.delay_dsn_sent = flags.size() == 3 && flags[1] == 'D';
            r.success_dsn_sent = flags.size() == 3 && flags[2] == 'S';
            r.remote_mta = dec(remote);
            r.last_reply = parse_reply_fields(ls);
            r.final_reply = parse_reply_fields(ls);
        }
        out.emplace_back(std::move(q), info);
    }
    return out;
}

int maildir_deliver(const std::string& maildir, const std::string& content, const std::string& hostname, bool fsync) {
    std::error_code ec;
    for (const char* sub : {"/tmp", "/new", "/cur"}) {
        fs::create_directories(maildir + sub, ec);
        if (ec) return ec.value();
    }
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
    // Maildir unique name: time.M<usec>P<pid>Q<n>.host
    const std::string name = std::to_string(us / 1000000) + ".M" + std::to_string(us % 1000000) + "P" +
                             std::to_string(::getpid()) + "Q" + std::to_string(++g_file_counter) + "." + hostname;
    const std::string tmp = maildir + "/tmp/" + name, fin = maildir + "/new/" + name;
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    int err = write_all(fd, content.data(), content.size());
    if (!err && fsync && ::fdatasync(fd) != 0) err = errno;
    if (::close(fd) != 0 && !err) err = errno;
    if (!err && ::rename(tmp.c_str(), fin.c_str()) != 0) err = errno;
    if (err) {
        ::unlink(tmp.c_str());
        return err;
    }
    if (fsync && !fsync_dir(maildir + "/new")) return errno ? errno : EIO;
    return 0;
}

}  // namespace relaylab::native
