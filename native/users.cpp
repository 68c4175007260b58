#include "native/users.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/address.hpp"
#include "engine/ascii.hpp"

namespace relaylab::native {

std::vector<std::string> UserDb::addresses() const {
    std::vector<std::string> out;
    for (const auto& [a, h] : hashes) out.push_back(a);
    return out;
}

bool sodium_ready() {
    static const bool ok = sodium_init() >= 0;
    return ok;
}

std::optional<UserDb> load_users(const std::string& path, std::string& error) {
    UserDb db;
    std::ifstream in(path);
    if (!in) return db;
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        // The address never contains ':' here (we refuse quoted local parts), the hash may.
        auto colon = line.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 >= line.size()) {
            error = path + ":" + std::to_string(n) + ": expected \"address:hash\"";
            return std::nullopt;
        }
        db.hashes[ascii_lowercase(line.substr(0, colon))] = line.substr(colon + 1);
    }
    return db;
}

std::string hash_password(const std::string& password) {
    sodium_ready();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return {};
    return out;
}

bool verify_password(const std::string& hash, const std::string& password) {
    sodium_ready();
    if (hash.size() >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool add_user(const std::string& path, const std::string& address, const std::string& password, std::string& error) {
    auto parsed = parse_mailbox(address, true);  // UTF-8 mailboxes too (RFC 6531)
    if (!parsed || parsed.value.quoted_local || parsed.value.domain_literal) {
        error = "\"" + address + "\" is not a plain mail address (user@domain)";
        return false;
    }
    if (password.empty()) {
        error = "empty password";
        return false;
    }
    auto db = load_users(path, error);
    if (!db) return false;
    const std::string hash = hash_password(password);
    if (hash.empty()) {
        error = "password hashing failed (out of memory?)";
        return false;
    }
    db->hashes[ascii_lowercase(address)] = hash;
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        error = "cannot write " + tmp;
        return false;
    }
    std::string text;
    for (const auto& [a, h] : db->hashes) text += a + ":" + h + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        error = "cannot write " + path;
        return false;
    }
    return true;
}

std::string random_password(std::size_t length) {
    sodium_ready();
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    std::string out;
    for (std::size_t i = 0; i < length; ++i) out += alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
    return out;
}

}  // namespace relaylab::native
