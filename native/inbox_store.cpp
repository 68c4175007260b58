#include "native/inbox_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/ids.hpp"

namespace relaylab::native {

namespace fs = std::filesystem;

namespace {

// The unique part of a Maildir file name and its flags (maildir(5): "unique:2,FLAGS").
struct MaildirName {
    std::string unique, flags;
};
MaildirName split_name(const std::string& name) {
    const auto info = name.find(":2,");
    if (info == std::string::npos) return {name, {}};
    return {name.substr(0, info), name.substr(info + 3)};
}

// "1764577288.M123456P99Q7.host": seconds and microseconds of delivery.
std::optional<std::int64_t> created_from_unique(const std::string& unique) {
    std::int64_t secs = 0, usec = 0;
    std::size_t i = 0;
    for (; i < unique.size() && unique[i] >= '0' && unique[i] <= '9'; ++i) secs = secs * 10 + (unique[i] - '0');
    if (i == 0 || i + 1 >= unique.size() || unique[i] != '.') return std::nullopt;
    if (unique[i + 1] == 'M')
        for (std::size_t k = i + 2; k < unique.size() && unique[k] >= '0' && unique[k] <= '9'; ++k)
            usec = usec * 10 + (unique[k] - '0');
    return secs * 1000 + usec / 1000;
}

// The ID: a hash of the mailbox folder (relative to state_dir) and the unique name.
std::string make_id(const std::string& folder, const std::string& unique) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx",
                  static_cast<unsigned long long>(hash64(0x6d61696c70697421ULL, folder + "/" + unique)));
    return buf;
}

// Every Maildir the inbox shows, relative to state_dir.
std::vector<std::string> mail_folders(const std::string& state_dir) {
    std::vector<std::string> folders{"captured"};
    std::error_code ec;
    for (const auto& domain : fs::directory_iterator(state_dir + "/mail", ec)) {
        if (!domain.is_directory(ec)) continue;
        std::error_code ec2;
        for (const auto& user : fs::directory_iterator(domain.path(), ec2))
            if (user.is_directory(ec2))
                folders.push_back("mail/" + domain.path().filename().string() + "/" + user.path().filename().string());
    }
    return folders;
}

std::optional<InboxEntry> make_entry(const std::string& folder, const fs::path& file, bool in_cur) {
    const MaildirName n = split_name(file.filename().string());
    if (n.unique.empty() || n.unique[0] == '.') return std::nullopt;
    InboxEntry e;
    e.id = make_id(folder, n.unique);
    e.path = file.string();
    std::error_code ec;
    e.size = fs::file_size(file, ec);
    if (ec) return std::nullopt;
    if (auto c = created_from_unique(n.unique)) {
        e.created_ms = *c;
    } else {
        const auto t = fs::last_write_time(file, ec);
        const auto sys = std::chrono::file_clock::to_sys(t);
        e.created_ms = std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count();
    }
    e.read = in_cur && n.flags.find('S') != std::string::npos;
    return e;
}

}  // namespace

std::vector<InboxEntry> MaildirInbox::entries() {
    std::vector<InboxEntry> out;
    for (const std::string& folder : mail_folders(state_dir_)) {
        for (const char* sub : {"new", "cur"}) {
            std::error_code ec;
            for (const auto& f : fs::directory_iterator(state_dir_ + "/" + folder + "/" + sub, ec)) {
                std::error_code ec2;
                if (!f.is_regular_file(ec2)) continue;
                if (auto e = make_entry(folder, f.path(), sub[0] == 'c')) out.push_back(std::move(*e));
            }
        }
    }
    return out;
}

std::optional<InboxEntry> MaildirInbox::entry_at(const std::string& path) const {
    const fs::path file(path);
    const fs::path dir = file.parent_path();  // .../<folder>/new
    std::error_code ec;
    const fs::path rel = fs::relative(dir.parent_path(), state_dir_, ec);
    if (ec || rel.empty() || rel.string().rfind("..", 0) == 0) return std::nullopt;
    return make_entry(rel.generic_string(), file, dir.filename() == "cur");
}

std::optional<std::string> MaildirInbox::content(const InboxEntry& entry) {
    std::ifstream in(entry.path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool MaildirInbox::remove(const InboxEntry& entry) {
    std::error_code ec;
    return fs::remove(entry.path, ec) && !ec;
}

bool MaildirInbox::set_read(const InboxEntry& entry, bool read) {
    // maildir(5): a message seen by a reader lives in cur/ as "unique:2,FLAGS", S = seen;
    // flags stay in ASCII order.
    const fs::path file(entry.path);
    const fs::path folder = file.parent_path().parent_path();
    const MaildirName n = split_name(file.filename().string());
    std::string flags;
    for (char c : n.flags)
        if (c != 'S') flags += c;
    if (read) {
        flags += 'S';
        std::sort(flags.begin(), flags.end());
    }
    const fs::path target = folder / "cur" / (n.unique + ":2," + flags);
    if (target == file) return true;
    std::error_code ec;
    fs::create_directories(folder / "cur", ec);
    fs::rename(file, target, ec);
    return !ec;
}

}  // namespace relaylab::native
