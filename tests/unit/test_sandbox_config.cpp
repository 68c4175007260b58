// relaylab.toml's [sandbox] table: the release allow-list and route, with clear errors.
#include <doctest/doctest.h>

#include "native/config.hpp"

using namespace relaylab::native;

TEST_CASE("config: [sandbox] release_allowed and release_via") {
    ConfigError err;
    auto c = parse_config("", "r.toml", err);
    REQUIRE(c);
    CHECK(c->sandbox.release_allowed.empty());  // release off by default
    CHECK(c->sandbox.release_via == "mx");

    c = parse_config("[sandbox]\nrelease_allowed = [\"*@example.test\", \"dest.test\"]\nrelease_via = \"127.0.0.1:2526\"\n",
                     "r.toml", err);
    REQUIRE(c);
    CHECK(c->sandbox.release_allowed == std::vector<std::string>{"*@example.test", "dest.test"});
    CHECK(c->sandbox.release_via == "127.0.0.1:2526");

    CHECK_FALSE(parse_config("[sandbox]\n\nrelease_via = \"sandbox\"\n", "r.toml", err));
    CHECK(err.message == "r.toml:3: sandbox.release_via must be \"mx\" or a smarthost \"host:port\" (got \"sandbox\")");
    CHECK_FALSE(parse_config("[sandbox]\nrelease_allowed = [\"a b\"]\n", "r.toml", err));
    CHECK(err.message.find("r.toml:2: sandbox.release_allowed: \"a b\"") == 0);
    CHECK_FALSE(parse_config("[sandbox]\nrelease_allowed = \"dest.test\"\n", "r.toml", err));
    CHECK(err.message == "r.toml:2: sandbox.release_allowed must be an array of strings");
    CHECK_FALSE(parse_config("[sandbox]\nrelease_to = []\n", "r.toml", err));
    CHECK(err.message == "r.toml:2: unknown key 'sandbox.release_to'");
}
