// Deterministic identifiers (the engine never reads a random source, so a simulation repeats
// byte for byte: a seed in, the same ids out), Message-ID syntax RFC 5322 §3.6.4, MIME
// boundaries RFC 2046 §5.1.1. Known values below were computed independently from the
// published algorithms (SplitMix64, xoshiro256**, FNV-1a), not by running this code.
#include <doctest/doctest.h>

#include <set>

#include "engine/ids.hpp"

using namespace relaylab;

TEST_CASE("ids: seeded generators") {
    SUBCASE("splitmix64 from state 0 gives the reference outputs") {
        std::uint64_t state = 0;
        CHECK(splitmix64_next(state) == 0xE220A8397B1DCDAFull);
        CHECK(splitmix64_next(state) == 0x6E789E6AA1B965F4ull);
        CHECK(splitmix64_next(state) == 0x06C45D188009454Full);
        CHECK(state == 3 * 0x9E3779B97F4A7C15ull);
    }
    SUBCASE("xoshiro256** seeded by splitmix64 gives known values; another seed differs") {
        Xoshiro256 a(42), c(43);
        CHECK(a.next() == 0x15780B2E0C2EC716ull);
        CHECK(a.next() == 0x6104D9866D113A7Eull);
        CHECK(a.next() == 0xAE17533239E499A1ull);
        Xoshiro256 b(42);
        int same = 0;
        for (int i = 0; i < 100; ++i) same += b.next() == c.next();
        CHECK(same == 0);
    }
    SUBCASE("next_unit stays in [0, 1) and next_below in [0, bound)") {
        Xoshiro256 g(7);
        for (int i = 0; i < 10000; ++i) {
            const double u = g.next_unit();
            CHECK(u >= 0.0);
            CHECK(u < 1.0);
            CHECK(g.next_below(6) < 6u);
        }
    }
    SUBCASE("next_below covers every value") {
        Xoshiro256 g(9);
        std::set<std::uint64_t> seen;
        for (int i = 0; i < 1000; ++i) seen.insert(g.next_below(10));
        CHECK(seen.size() == 10);
    }
    SUBCASE("hash64 depends on seed and text; icase folds ASCII case only") {
        CHECK(hash64(1, "example.org") == 0x43E041EF2C5D62A0ull);
        CHECK(hash64(0, "") == 0xF52A15E9A9B5E89Bull);
        CHECK(hash64(1, "example.org") != hash64(2, "example.org"));
        CHECK(hash64(1, "example.org") != hash64(1, "example.com"));
        CHECK(hash64_icase(1, "Example.ORG") == hash64_icase(1, "example.org"));
        CHECK(hash64(1, "Example.ORG") != hash64(1, "example.org"));
    }
}

TEST_CASE("ids: queue id, Message-ID, boundary") {
    SUBCASE("queue ids are deterministic and unique per counter") {
        CHECK(make_queue_id(5, 1) == "8E9EAFW0KBXFX");
        CHECK(make_queue_id(5, 1) != make_queue_id(6, 1));
        std::set<std::string> ids;
        for (std::uint64_t i = 0; i < 5000; ++i) ids.insert(make_queue_id(5, i));
        CHECK(ids.size() == 5000);
        const std::string id = make_queue_id(5, 1);
        CHECK(id.size() == 13);
        for (char c : id) {
            CAPTURE(c);
            CHECK(((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')));
        }
    }
    SUBCASE("Message-ID is <left@host> (RFC 5322 §3.6.4) and unique per counter") {
        const std::string mid = make_message_id(3, 17, "relay.lab.test");
        CHECK(mid.front() == '<');
        CHECK(mid.back() == '>');
        CHECK(mid.ends_with("@relay.lab.test>"));
        CHECK(mid.find('@') == mid.rfind('@'));
        CHECK(mid == "<922HDXJ4G4Q6J.17@relay.lab.test>");
        CHECK(mid != make_message_id(3, 18, "relay.lab.test"));
    }
    SUBCASE("Message-ID host part drops characters that would break the header") {
        const std::string mid = make_message_id(3, 1, "evil\r\nBcc: x@y>");
        CAPTURE(mid);
        CHECK(mid.find('\r') == std::string::npos);
        CHECK(mid.find('\n') == std::string::npos);
        CHECK(mid.find(' ') == std::string::npos);
        CHECK(mid.find('>') == mid.size() - 1);
        CHECK(make_message_id(3, 1, "").ends_with("@localhost>"));
    }
    SUBCASE("boundary: 1..70 bchars (RFC 2046 §5.1.1), seeded") {
        const std::string b = make_mime_boundary(11, 2);
        CHECK(b.size() <= 70);
        CHECK(!b.empty());
        CHECK(b == "=_relaylab_DW5PYK04FQ4GG_84V3AQXZXTPPQ");
        CHECK(b != make_mime_boundary(12, 2));
        CHECK(b != make_mime_boundary(11, 3));
        const std::string bchars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'()+_,-./:=? ";
        for (char c : b) {
            CAPTURE(c);
            CHECK(bchars.find(c) != std::string::npos);
        }
        CHECK(b.back() != ' ');
    }
}
