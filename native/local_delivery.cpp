#include "native/local_delivery.hpp"

#include "engine/header_fixup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>

#include "engine/ascii.hpp"
#include "native/spool.hpp"

namespace relaylab::native {

namespace fs = std::filesystem;

namespace {

std::atomic<std::uint64_t> g_counter{0};

// A folder name from mail-address text: no '/', no leading dot.
std::string safe_component(std::string s) {
    s = ascii_lowercase(std::move(s));
    for (char& c : s)
        if (c == '/' || c == '\0' || static_cast<unsigned char>(c) < 0x20) c = '_';
    if (s.empty() || s[0] == '.') s = "_" + s;
    return s;
}

void split_key(const LocalDelivery& where, const Path& to, std::string& user, std::string& domain) {
    domain = ascii_lowercase(to.mailbox.domain);
    user = ascii_lowercase(local_part_unquoted(to.mailbox));
    if (domain.empty()) {  // <Postmaster>
        domain = ascii_lowercase(where.first_local_domain);
        user = "postmaster";
    }
}

}  // namespace

int maildir_deliver(const std::string& maildir, const std::string& content, const std::string& hostname, bool fsync,
                    std::string* stored) {
    std::error_code ec;
    for (const char* sub : {"/tmp", "/new", "/cur"}) {
        fs::create_directories(maildir + sub, ec);
        if (ec) return ec.value();
    }
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
    // Maildir unique name: time.M<usec>P<pid>Q<n>.host
    const std::string name = std::to_string(us / 1000000) + ".M" + std::to_string(us % 1000000) + "P" +
                             std::to_string(::getpid()) + "Q" + std::to_string(++g_counter) + "." + hostname;
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
    if (stored) *stored = fin;
    return 0;
}

std::string mailbox_key(const LocalDelivery& where, const Path& to) {
    std::string user, domain;
    split_key(where, to, user, domain);
    return user + "@" + domain;
}

Reply deliver_to_mailbox(const LocalDelivery& where, const Path& from, const Path& to, const std::string& content,
                         bool known_user, std::string* stored) {
    std::string user, domain;
    split_key(where, to, user, domain);
    const std::string full = user + "@" + domain;
    if (!known_user && user != "postmaster")
        return make_reply(550, "5.1.1", "No such user here: " + full);  // RFC 3463 X.1.1
    const std::string dir = where.state_dir + "/mail/" + safe_component(domain) + "/" + safe_component(user);
    const int err = maildir_deliver(dir, return_path_header(from) + "Delivered-To: " + full + "\r\n" + strip_return_path(content),
                                    where.hostname, where.fsync, stored);
    if (err) return commit_failure_reply(err);
    return make_reply(250, "2.0.0", "Delivered to mailbox " + full);
}

Reply capture(const LocalDelivery& where, const Path& from, const Path& to, const std::string& route, const std::string& queue_id,
              const std::string& content, std::string* stored) {
    const std::string header = "X-Relaylab-Captured: mode=sandbox; rcpt=" + to.mailbox.to_string() +
                               "; route=" + route + "; queue-id=" + queue_id + "\r\n";
    const int err = maildir_deliver(where.state_dir + "/captured", return_path_header(from) + header + strip_return_path(content),
                                    where.hostname, where.fsync, stored);
    if (err) return commit_failure_reply(err);
    return make_reply(250, "2.0.0", "Captured (sandbox mode)");
}

}  // namespace relaylab::native
