// The relay's files without sockets: relaylab.toml errors (each names file and line), the
// new [limits] keys, the users file, and the Maildir writer (maildir(5): tmp/ then new/).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "native/config.hpp"
#include "native/local_delivery.hpp"
#include "native/users.hpp"

using namespace relaylab::native;
namespace fs = std::filesystem;

namespace {
struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/relaylab-unit.XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};
std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
}  // namespace

TEST_CASE("config: errors name the file and the line") {
    ConfigError err;
    CHECK_FALSE(parse_config("hostname = 5\n", "r.toml", err));
    CHECK(err.message == "r.toml:1: hostname must be a string");
    CHECK_FALSE(parse_config("\n[limits]\nconnections = 0\n", "r.toml", err));
    CHECK(err.message == "r.toml:3: limits.connections must be between 1 and 100000");
    CHECK_FALSE(parse_config("[listen]\nsmtp = \"nowhere\"\n", "r.toml", err));
    CHECK(err.message.rfind("r.toml:2: listen.smtp must be \"host:port\"", 0) == 0);
    CHECK_FALSE(parse_config("[limits]\nbogus = 1\n", "r.toml", err));
    CHECK(err.message == "r.toml:2: unknown key 'limits.bogus'");
    CHECK_FALSE(parse_config("[tls]\ncert = \"c.pem\"\n", "r.toml", err));
    CHECK(err.message.find("tls.cert and tls.key must be given together") != std::string::npos);
    CHECK_FALSE(parse_config("limits = 3\n", "r.toml", err));
    CHECK_FALSE(parse_config("[relay\n", "r.toml", err));  // TOML syntax error
    CHECK(err.message.rfind("r.toml:1", 0) == 0);
}

TEST_CASE("config: abuse limits, defaults and checks") {
    ConfigError err;
    auto d = parse_config("", "t.toml", err);
    REQUIRE(d);
    CHECK(d->limits.min_data_rate_bps == 1024);
    CHECK(d->limits.junk_commands == 100);
    CHECK(d->limits.http_connections == 64);
    CHECK(d->limits.connections_per_minute == 0);
    CHECK(d->limits.messages_per_hour == 0);
    CHECK(d->limits.recipients_per_hour == 0);
    auto c = parse_config(
        "[limits]\nmin_data_rate_bps = 0\njunk_commands = 5\nhttp_connections = 2\nconnections_per_minute = 30\n"
        "messages_per_hour = 100\nrecipients_per_hour = 1000\n",
        "t.toml", err);
    REQUIRE(c);
    CHECK(c->limits.min_data_rate_bps == 0);
    CHECK(c->limits.junk_commands == 5);
    CHECK(c->limits.http_connections == 2);
    CHECK(c->limits.connections_per_minute == 30);
    CHECK(c->limits.messages_per_hour == 100);
    CHECK(c->limits.recipients_per_hour == 1000);
    CHECK_FALSE(parse_config("[limits]\nmessages_per_hour = -1\n", "t.toml", err));
    CHECK(err.message == "t.toml:2: limits.messages_per_hour must be between 0 and 100000000");
    CHECK_FALSE(parse_config("[limits]\nhttp_connections = 0\n", "t.toml", err));
}

TEST_CASE("users file: missing, added, malformed") {
    TempDir dir;
    const std::string path = (dir.path / "users").string();
    std::string error;
    auto empty = load_users(path, error);
    REQUIRE(empty);  // a missing file is an empty database
    CHECK(empty->hashes.empty());
    REQUIRE(add_user(path, "Alice@Lab.Test", "pw-1", error));
    REQUIRE(add_user(path, "bob@lab.test", "pw-2", error));
    REQUIRE(add_user(path, "alice@lab.test", "pw-3", error));  // replaces
    auto db = load_users(path, error);
    REQUIRE(db);
    CHECK(db->hashes.size() == 2);
    REQUIRE(db->hashes.count("alice@lab.test") == 1);
    CHECK(verify_password(db->hashes["alice@lab.test"], "pw-3"));
    CHECK_FALSE(verify_password(db->hashes["alice@lab.test"], "pw-1"));
    std::ofstream(path, std::ios::app) << "no-colon-here\n";
    CHECK_FALSE(load_users(path, error));
    CHECK_FALSE(error.empty());
}

TEST_CASE("maildir writer: tmp/ new/ cur/, one file in new/, nothing left in tmp/") {
    TempDir dir;
    const std::string md = (dir.path / "mail" / "lab.test" / "bob").string();
    const std::string content = "Subject: hi\r\n\r\nhello\r\n";
    REQUIRE(maildir_deliver(md, content, "relay.lab.test", true) == 0);
    REQUIRE(maildir_deliver(md, content, "relay.lab.test", false) == 0);
    for (const char* sub : {"tmp", "new", "cur"}) CHECK(fs::is_directory(fs::path(md) / sub));
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(fs::path(md) / "new")) files.push_back(e.path());
    REQUIRE(files.size() == 2);
    CHECK(files[0].filename() != files[1].filename());  // unique names (maildir(5))
    CHECK(slurp(files[0]) == content);
    CHECK(fs::is_empty(fs::path(md) / "tmp"));
    SUBCASE("an unwritable Maildir is an errno, not a crash") {
        std::ofstream(dir.path / "file") << "x";
        CHECK(maildir_deliver((dir.path / "file" / "md").string(), content, "relay.lab.test", false) != 0);
    }
}
