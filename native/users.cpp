#include "native/users.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

bool parse_hash_cost(const std::string& name, HashCost& out) {
    if (name == "interactive") out = HashCost::interactive;
    else if (name == "moderate") out = HashCost::moderate;
    else if (name == "sensitive") out = HashCost::sensitive;
    else return false;
    return true;
}

const char* hash_cost_name(HashCost cost) {
    switch (cost) {
        case HashCost::interactive: return "interactive";
        case HashCost::moderate: return "moderate";
        case HashCost::sensitive: return "sensitive";
    }
    return "?";
}

std::string hash_password(const std::string& password, HashCost cost) {
    sodium_ready();
    unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    std::size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    if (cost == HashCost::moderate) {
        ops = crypto_pwhash_OPSLIMIT_MODERATE;
        mem = crypto_pwhash_MEMLIMIT_MODERATE;
    } else if (cost == HashCost::sensitive) {
        ops = crypto_pwhash_OPSLIMIT_SENSITIVE;
        mem = crypto_pwhash_MEMLIMIT_SENSITIVE;
    }
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return {};
    return out;
}

std::uint64_t hash_memlimit_bytes(const std::string& hash) {
    if (hash.rfind("$argon2", 0) != 0) return 0;
    auto m = hash.find("$m=");
    if (m == std::string::npos) return 0;
    std::uint64_t kib = 0;
    for (std::size_t i = m + 3; i < hash.size() && hash[i] >= '0' && hash[i] <= '9' && kib < (1ULL << 40); ++i)
        kib = kib * 10 + static_cast<std::uint64_t>(hash[i] - '0');
    return kib * 1024;
}

std::uint64_t largest_memlimit_bytes(const UserDb& db) {
    std::uint64_t most = 0;
    for (const auto& [a, h] : db.hashes) most = std::max(most, hash_memlimit_bytes(h));
    return most;
}

bool verify_password(const std::string& hash, const std::string& password) {
    sodium_ready();
    if (hash.size() >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool add_user(const std::string& path, const std::string& address, const std::string& password, std::string& error,
              HashCost cost) {
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
    const std::string hash = hash_password(password, cost);
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
