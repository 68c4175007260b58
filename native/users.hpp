#pragma once
// The users file: one "address:hash" line per user, the hash an argon2id string made by
// libsodium's crypto_pwhash_str. The login name is the mail address.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace relaylab::native {

struct UserDb {
    std::map<std::string, std::string> hashes;  // lower-cased address → hash
    std::vector<std::string> addresses() const;
};

bool sodium_ready();  // sodium_init() once
// Reads the file; a missing file is an empty database. nullopt + error on a malformed line.
std::optional<UserDb> load_users(const std::string& path, std::string& error);
std::string hash_password(const std::string& password);  // argon2id, interactive limits
bool verify_password(const std::string& hash, const std::string& password);
// Adds or replaces a user, rewriting the file atomically (temp file, fsync, rename).
bool add_user(const std::string& path, const std::string& address, const std::string& password, std::string& error);
std::string random_password(std::size_t length = 16);

}  // namespace relaylab::native
