// Base64, RFC 4648 §4 (alphabet, padding) and §10 (test vectors); strictness per §3.3, §3.5.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/base64.hpp"

using namespace relaylab;

TEST_CASE("base64 (RFC 4648)") {
    SUBCASE("test vectors (RFC 4648 §10)") {
        const std::pair<std::string, std::string> vectors[] = {
            {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
            {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
        };
        for (const auto& [plain, enc] : vectors) {
            CAPTURE(plain);
            CHECK(base64_encode(plain) == enc);
            CHECK(base64_decode(enc) == plain);
        }
    }
    SUBCASE("round trip of every byte value and length") {
        std::string all;
        for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
        for (std::size_t n = 0; n <= all.size(); ++n) {
            CAPTURE(n);
            CHECK(base64_decode(base64_encode(all.substr(0, n))) == all.substr(0, n));
        }
        CHECK(base64_encode("\xfb\xff") == "+/8=");
    }
    SUBCASE("strict decoding rejects what is not canonical (RFC 4648 §3.3, §3.5)") {
        for (std::string bad : std::vector<std::string>{"Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm=v", "Zm9v\r\n", "Zm9 v",
                                "Zh==", "Zm9=", "Zm-v", "Zm_v", "Zm9v=", std::string("Zm\0v", 4)}) {
            CAPTURE(bad);
            CHECK_FALSE(base64_decode(bad).has_value());
        }
    }
}
