// The server's side of SMTP AUTH (RFC 4954 §4): PLAIN (RFC 4616) and LOGIN steps.
#include <doctest/doctest.h>

#include <string>

#include "engine/base64.hpp"
#include "engine/sasl.hpp"
#include "engine/sasl_exchange.hpp"

using namespace relaylab;

namespace {
std::string b64(std::string_view s) { return base64_encode(s); }
std::string plain_message(std::string_view user, std::string_view pass) { return b64(make_sasl_plain("", user, pass)); }
}  // namespace

TEST_CASE("sasl exchange: PLAIN") {
    SaslExchange x;
    SUBCASE("initial response") {
        SaslStep s = x.start("PLAIN", plain_message("alice", "secret"));
        CHECK(s.kind == SaslStep::Kind::done);
        CHECK(s.mechanism == "PLAIN");
        CHECK(s.username == "alice");
        CHECK(s.password == "secret");
        CHECK_FALSE(x.active());
    }
    SUBCASE("empty challenge, then the response") {
        SaslStep s = x.start("PLAIN", std::nullopt);
        CHECK(s.kind == SaslStep::Kind::challenge);
        CHECK(s.challenge.empty());
        CHECK(x.active());
        s = x.respond(plain_message("alice", "secret"));
        CHECK(s.kind == SaslStep::Kind::done);
        CHECK(s.username == "alice");
    }
    SUBCASE("refusals") {
        CHECK(x.start("PLAIN", std::string("!!")).text == "Cannot decode response");
        SaslStep s = x.start("PLAIN", b64("no-nuls"));
        CHECK(s.kind == SaslStep::Kind::error);
        CHECK(s.code == 501);
        CHECK(s.text == "Malformed PLAIN response");
        x.start("PLAIN", std::nullopt);
        s = x.respond("*");
        CHECK(s.code == 501);
        CHECK(s.enhanced == "5.0.0");
        CHECK_FALSE(x.active());
        s = x.start("CRAM-MD5", std::nullopt);
        CHECK(s.code == 504);
        CHECK(s.enhanced == "5.5.4");
    }
}

TEST_CASE("sasl exchange: PLAIN authorization identity (RFC 4616 §2)") {
    SaslExchange x;
    SUBCASE("the login itself as authzid is fine") {
        SaslStep s = x.start("PLAIN", b64(make_sasl_plain("alice", "alice", "secret")));
        CHECK(s.kind == SaslStep::Kind::done);
        CHECK(s.username == "alice");
    }
    SUBCASE("acting as another user is refused, before any password check") {
        SaslStep s = x.start("PLAIN", b64(make_sasl_plain("bob", "alice", "secret")));
        CHECK(s.kind == SaslStep::Kind::error);
        CHECK(s.code == 535);
        CHECK(s.enhanced == "5.7.8");
        CHECK(s.password.empty());
        CHECK_FALSE(x.active());
        x.start("PLAIN", std::nullopt);
        s = x.respond(b64(make_sasl_plain("root", "alice", "secret")));
        CHECK(s.code == 535);
    }
}

TEST_CASE("sasl exchange: LOGIN") {
    SaslExchange x;
    SaslStep s = x.start("LOGIN", std::nullopt);
    REQUIRE(s.kind == SaslStep::Kind::challenge);
    CHECK(s.challenge == "VXNlcm5hbWU6");  // "Username:"
    s = x.respond(b64("bob"));
    REQUIRE(s.kind == SaslStep::Kind::challenge);
    CHECK(s.challenge == "UGFzc3dvcmQ6");  // "Password:"
    s = x.respond(b64("hunter2"));
    REQUIRE(s.kind == SaslStep::Kind::done);
    CHECK(s.mechanism == "LOGIN");
    CHECK(s.username == "bob");
    CHECK(s.password == "hunter2");
    CHECK(s.authzid.empty());
    SUBCASE("initial response is the user name") {
        s = x.start("LOGIN", b64("carol"));
        REQUIRE(s.kind == SaslStep::Kind::challenge);
        CHECK(s.challenge == "UGFzc3dvcmQ6");
        CHECK(x.respond(b64("pw")).username == "carol");
    }
    SUBCASE("a bad response ends the exchange") {
        x.start("LOGIN", std::nullopt);
        s = x.respond("not base64!");
        CHECK(s.code == 501);
        CHECK(s.enhanced == "5.5.2");
        CHECK_FALSE(x.active());
    }
}
