// Reply formatting, RFC 5321 §4.2 (reply lines) and §4.2.1 (multi-line replies);
// enhanced status codes, RFC 2034 §4 (code after the reply code on every line).
#include <doctest/doctest.h>

#include "engine/reply.hpp"

using namespace relaylab;

TEST_CASE("reply formatting") {
    SUBCASE("single line with enhanced code (RFC 2034 §4)") {
        CHECK(format_reply(make_reply(550, "5.7.1", "Relaying denied")) ==
              "550 5.7.1 Relaying denied\r\n");
    }
    SUBCASE("multi-line uses code- on all but the last line (RFC 5321 §4.2.1)") {
        CHECK(format_reply(make_reply(250, "", "relay.lab.test\nPIPELINING\nSIZE 1000")) ==
              "250-relay.lab.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
    }
    SUBCASE("enhanced code repeated on every line (RFC 2034 §4)") {
        CHECK(format_reply(make_reply(451, "4.3.0", "first\nsecond")) ==
              "451-4.3.0 first\r\n451 4.3.0 second\r\n");
    }
    SUBCASE("empty text still ends the reply") {
        CHECK(format_reply(make_reply(354, "", "")) == "354 \r\n");
    }
}

TEST_CASE("reply line written in place (the server's own replies)") {
    std::string out = "x";
    CHECK(append_reply_line(out, 250, "2.1.0", "Ok", true) == 12);
    CHECK(out == "x250 2.1.0 Ok\r\n");
    out.clear();
    append_reply_line(out, 250, "", "relay.lab.test", false);
    append_reply_line(out, 250, "", "PIPELINING", true);
    CHECK(out == "250-relay.lab.test\r\n250 PIPELINING\r\n");
    out.clear();
    CHECK(append_reply_line(out, 334, "", "", true) == 4);
    CHECK(out == "334 \r\n");
    out.clear();
    append_reply_line(out, 554, "5.6.0", "", true);  // no space after the code when no text
    CHECK(out == format_reply(make_reply(554, "5.6.0", "")));
}

TEST_CASE("reply classification (RFC 5321 §4.2.1)") {
    CHECK(make_reply(250, "2.0.0", "ok").positive());
    CHECK(make_reply(354, "", "go").positive());
    CHECK(make_reply(451, "4.7.1", "later").transient());
    CHECK_FALSE(make_reply(451, "4.7.1", "later").permanent());
    CHECK(make_reply(550, "5.1.1", "unknown").permanent());
    CHECK(make_reply(550, "5.1.1", "no such user\nhere").text() == "no such user here");
    CHECK(make_reply(550, "5.1.1", "no such user\nhere").summary() == "550 5.1.1 no such user");
}
