// The sandbox's release allow-list (engine/release_allow.hpp): which recipients a captured
// message may be released to.
#include <doctest/doctest.h>

#include "engine/release_allow.hpp"

using namespace relaylab;

TEST_CASE("release allow-list: patterns") {
    const std::vector<std::string> p = {"dest.test", "*@example.test", "bob@other.test", "*.corp.test", "team-?@x.test"};
    CHECK(release_allowed(p, "anyone@dest.test"));
    CHECK(release_allowed(p, "Anyone@DEST.test"));  // domains are case-insensitive (RFC 5321 §2.4)
    CHECK_FALSE(release_allowed(p, "anyone@sub.dest.test"));  // a domain pattern is that domain only
    CHECK_FALSE(release_allowed(p, "anyone@notdest.test"));
    CHECK(release_allowed(p, "x@example.test"));
    CHECK_FALSE(release_allowed(p, "x@example.test.evil"));
    CHECK(release_allowed(p, "bob@other.test"));
    CHECK_FALSE(release_allowed(p, "bobby@other.test"));
    CHECK(release_allowed(p, "a@eu.corp.test"));
    CHECK(release_allowed(p, "a@x.eu.corp.test"));
    CHECK_FALSE(release_allowed(p, "a@corp.test"));
    CHECK(release_allowed(p, "team-a@x.test"));
    CHECK_FALSE(release_allowed(p, "team-ab@x.test"));
    CHECK_FALSE(release_allowed(p, "not-an-address"));
    CHECK_FALSE(release_allowed(p, "@dest.test"));
}

TEST_CASE("release allow-list: empty means off, bad patterns match nothing") {
    CHECK_FALSE(release_allowed({}, "a@dest.test"));
    CHECK_FALSE(release_allowed({"a@b@dest.test"}, "a@b@dest.test"));
    CHECK_FALSE(release_allowed({""}, "a@dest.test"));
    CHECK(release_pattern_error("").size() > 0);
    CHECK(release_pattern_error("a b.test").size() > 0);
    CHECK(release_pattern_error("a@b@c").size() > 0);
    CHECK(release_pattern_error("@dest.test").size() > 0);
    CHECK(release_pattern_error("*@dest.test").empty());
    CHECK(release_pattern_error("dest.test").empty());
}
