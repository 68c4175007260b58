// SASL PLAIN, RFC 4616 §2 (message = [authzid] NUL authcid NUL passwd), as used by SMTP AUTH
// (RFC 4954 §4).
#include <doctest/doctest.h>

#include <string>

#include "engine/base64.hpp"
#include "engine/sasl.hpp"

using namespace relaylab;
using namespace std::string_literals;

TEST_CASE("sasl plain (RFC 4616 §2)") {
    SUBCASE("without authzid") {
        auto c = parse_sasl_plain("\0alice\0secret"s);
        REQUIRE(c);
        CHECK(c->authzid.empty());
        CHECK(c->authcid == "alice");
        CHECK(c->password == "secret");
    }
    SUBCASE("with authzid") {
        auto c = parse_sasl_plain("admin\0alice\0pw"s);
        REQUIRE(c);
        CHECK(c->authzid == "admin");
    }
    SUBCASE("make and parse agree; the RFC 4954 example decodes") {
        CHECK(make_sasl_plain("", "tim", "tanstaaftanstaaf") == "\0tim\0tanstaaftanstaaf"s);
        auto decoded = base64_decode("AHRpbQB0YW5zdGFhZnRhbnN0YWFm");  // RFC 4954 §4 example
        REQUIRE(decoded);
        auto c = parse_sasl_plain(*decoded);
        REQUIRE(c);
        CHECK(c->authcid == "tim");
        CHECK(c->password == "tanstaaftanstaaf");
        auto back = parse_sasl_plain(make_sasl_plain("z", "u", "p w"));
        REQUIRE(back);
        CHECK(back->authzid == "z");
        CHECK(back->password == "p w");
    }
    SUBCASE("malformed messages") {
        for (std::string bad : {""s, "alice"s, "\0alice"s, "\0\0secret"s, "\0alice\0"s, "\0alice\0pw\0x"s,
                                "a\0b\0c\0d"s, "\0"s + std::string(256, 'u') + "\0pw"s}) {
            CAPTURE(bad);
            CHECK_FALSE(parse_sasl_plain(bad).has_value());
        }
    }
}
