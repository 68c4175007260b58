#pragma once
// The users file: one "address:hash" line per user, the hash an argon2id string made by
// libsodium's crypto_pwhash_str. The login name is the mail address.
#include <cstdint>
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
// libsodium's named argon2id limits. The parameters live in each hash ("$argon2id$v=19$m=...,
// t=...,p=..."), so hashes made at any cost keep verifying whatever the default.
enum class HashCost { interactive, moderate, sensitive };
bool parse_hash_cost(const std::string& name, HashCost& out);
const char* hash_cost_name(HashCost cost);
std::string hash_password(const std::string& password, HashCost cost = HashCost::interactive);
bool verify_password(const std::string& hash, const std::string& password);
// The memory one verification of the hash takes (its m= parameter, in bytes); 0 when the
// hash is not an argon2 string.
std::uint64_t hash_memlimit_bytes(const std::string& hash);
std::uint64_t largest_memlimit_bytes(const UserDb& db);
// Adds or replaces a user, rewriting the file atomically (temp file, fsync, rename).
bool add_user(const std::string& path, const std::string& address, const std::string& password, std::string& error,
              HashCost cost = HashCost::interactive);
std::string random_password(std::size_t length = 16);

}  // namespace relaylab::native
