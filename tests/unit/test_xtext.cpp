// xtext, RFC 3461 §4: xchar is "!".."~" without "+" and "="; hexchar is "+" and two
// upper-case hex digits.
#include <doctest/doctest.h>

#include <string>

#include "engine/xtext.hpp"

using namespace relaylab;

TEST_CASE("xtext (RFC 3461 §4)") {
    SUBCASE("decoding") {
        CHECK(xtext_decode("plain") == "plain");
        CHECK(xtext_decode("a+2Bb") == "a+b");
        CHECK(xtext_decode("a+3Db") == "a=b");
        CHECK(xtext_decode("+20") == " ");
        CHECK(xtext_decode("") == "");
    }
    SUBCASE("strict decoding") {
        for (std::string bad : {"+", "+2", "+2b", "+G0", "a b", "a=b", "\x7f", "caf\xc3\xa9", "+zz"}) {
            CAPTURE(bad);
            CHECK_FALSE(xtext_decode(bad).has_value());
        }
    }
    SUBCASE("every byte value round-trips; encoded text is all xchar or hexchar") {
        for (int b = 0; b < 256; ++b) {
            CAPTURE(b);
            std::string s(1, static_cast<char>(b));
            std::string enc = xtext_encode(s);
            const bool plain = b >= 0x21 && b <= 0x7e && b != '+' && b != '=';
            CHECK(enc.size() == (plain ? 1u : 3u));
            CHECK(xtext_decode(enc) == s);
        }
        CHECK(xtext_encode("a+b=c d") == "a+2Bb+3Dc+20d");
    }
}
