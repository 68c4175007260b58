// Reply parser: RFC 5321 §4.2 (reply lines), §4.2.1 (multi-line replies), §4.5.3.1.5
// (512-octet reply lines); enhanced status codes RFC 2034 §4 and RFC 3463 §2.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/reply_parser.hpp"

using namespace relaylab;

namespace {

std::vector<Reply> parse_all(ReplyParser& p) {
    std::vector<Reply> out;
    while (auto r = p.next()) out.push_back(*r);
    return out;
}

struct Expect {
    int code;
    std::string enhanced;
    std::vector<std::string> lines;
};

}  // namespace

TEST_CASE("reply parser: well-formed replies") {
    struct Row {
        std::string wire;
        Expect want;
    };
    const std::vector<Row> rows = {
        // RFC 5321 §4.2: Reply-code SP textstring CRLF
        {"220 mx.example.org ESMTP ready\r\n", {220, "", {"mx.example.org ESMTP ready"}}},
        // RFC 5321 §4.2: the text is optional ("250" CRLF)
        {"250\r\n", {250, "", {""}}},
        {"354 \r\n", {354, "", {""}}},
        // RFC 5321 §4.2.1: multi-line, "-" on all but the last
        {"250-relay.lab.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n",
         {250, "", {"relay.lab.test", "PIPELINING", "SIZE 1000"}}},
        // RFC 2034 §4 / RFC 3463 §2: enhanced code split off, on every line
        {"550 5.7.1 Relaying denied\r\n", {550, "5.7.1", {"Relaying denied"}}},
        {"451-4.3.0 first\r\n451 4.3.0 second\r\n", {451, "4.3.0", {"first", "second"}}},
        {"250 2.0.0\r\n", {250, "2.0.0", {""}}},
        {"552 5.3.4 Message too big\r\n", {552, "5.3.4", {"Message too big"}}},
        {"250 2.1.10 ok\r\n", {250, "2.1.10", {"ok"}}},
        {"250 2.999.999 ok\r\n", {250, "2.999.999", {"ok"}}},
        // class digit must match the reply class: this is text, not an enhanced code
        {"250 5.0.0 odd\r\n", {250, "", {"5.0.0 odd"}}},
        {"354 2.0.0 go ahead\r\n", {354, "", {"2.0.0 go ahead"}}},
        // not a status code by the RFC 3463 grammar: leading zero, 4 digits, no space after
        {"250 2.01.0 x\r\n", {250, "", {"2.01.0 x"}}},
        {"250 2.1000.0 x\r\n", {250, "", {"2.1000.0 x"}}},
        {"250 2.0.0x\r\n", {250, "", {"2.0.0x"}}},
        {"250 2.0 x\r\n", {250, "", {"2.0 x"}}},
        // a later line that does not repeat the code keeps its text
        {"250-2.0.0 one\r\n250 two\r\n", {250, "2.0.0", {"one", "two"}}},
        // UTF-8 text is passed through (RFC 6531 servers)
        {"250 2.0.0 d\xC3\xA9j\xC3\xA0 vu\r\n", {250, "2.0.0", {"d\xC3\xA9j\xC3\xA0 vu"}}},
    };
    for (const auto& row : rows) {
        CAPTURE(row.wire);
        ReplyParser p;
        p.feed(row.wire);
        auto got = parse_all(p);
        REQUIRE(got.size() == 1);
        CHECK(got[0].code == row.want.code);
        CHECK(got[0].enhanced == row.want.enhanced);
        CHECK(got[0].lines == row.want.lines);
        CHECK(p.error() == ReplyError::none);
        CHECK_FALSE(p.partial());
        CHECK_FALSE(p.saw_bare_lf());
    }
}

TEST_CASE("reply parser: incremental input") {
    const std::string wire =
        "220 mx ready\r\n"
        "250-mx.example.org hello\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n250 8BITMIME\r\n"
        "250 2.1.0 sender ok\r\n"
        "550-5.1.1 no such user\r\n550 5.1.1 here\r\n"
        "354 go ahead\r\n";
    const std::vector<int> codes = {220, 250, 250, 550, 354};

    SUBCASE("every split point in two pieces gives the same replies (RFC 5321 §4.2.1)") {
        for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
            CAPTURE(cut);
            ReplyParser p;
            p.feed(wire.substr(0, cut));
            auto first = parse_all(p);
            p.feed(wire.substr(cut));
            auto rest = parse_all(p);
            first.insert(first.end(), rest.begin(), rest.end());
            REQUIRE(first.size() == codes.size());
            for (std::size_t i = 0; i < codes.size(); ++i) CHECK(first[i].code == codes[i]);
            CHECK(first[3].enhanced == "5.1.1");
            CHECK(first[3].lines == std::vector<std::string>{"no such user", "here"});
            CHECK(first[1].lines.size() == 4);
            CHECK_FALSE(p.partial());
        }
    }
    SUBCASE("one byte at a time; a reply appears only when its last line ends") {
        ReplyParser p;
        std::vector<Reply> got;
        for (std::size_t i = 0; i < wire.size(); ++i) {
            p.feed(wire.substr(i, 1));
            while (auto r = p.next()) {
                got.push_back(*r);
                CAPTURE(i);
                CHECK(wire[i] == '\n');
            }
        }
        REQUIRE(got.size() == codes.size());
        CHECK(got[4].code == 354);
    }
    SUBCASE("last_lines gives the wire lines of the reply just returned") {
        ReplyParser p;
        p.feed("550-5.1.1 no such user\r\n550 5.1.1 here\r\n");
        REQUIRE(p.next());
        CHECK(p.last_lines() == std::vector<std::string>{"550-5.1.1 no such user", "550 5.1.1 here"});
    }
    SUBCASE("a partial reply is reported as partial, not as an error") {
        ReplyParser p;
        p.feed("250-first\r\n250 sec");
        CHECK_FALSE(p.next());
        CHECK(p.partial());
        CHECK(p.error() == ReplyError::none);
        p.feed("ond\r\n");
        auto r = p.next();
        REQUIRE(r);
        CHECK(r->lines == std::vector<std::string>{"first", "second"});
    }
}

TEST_CASE("reply parser: bare LF endings are accepted and recorded (RFC 5321 §2.3.8)") {
    ReplyParser p;
    p.feed("250-a\n250 b\r\n");
    auto r = p.next();
    REQUIRE(r);
    CHECK(r->lines == std::vector<std::string>{"a", "b"});
    CHECK(p.saw_bare_lf());
    CHECK(p.error() == ReplyError::none);
}

TEST_CASE("reply parser: errors are a closed set and stop the parser") {
    struct Row {
        std::string wire;
        ReplyError want;
    };
    const std::vector<Row> rows = {
        {"abc ok\r\n", ReplyError::bad_code},
        {"25\r\n", ReplyError::bad_code},
        {"\r\n", ReplyError::bad_code},
        {"150 old\r\n", ReplyError::bad_code},   // first digit 2-5 (RFC 5321 §4.2)
        {"650 no\r\n", ReplyError::bad_code},
        {"260 no\r\n", ReplyError::bad_code},    // second digit 0-5
        {"25x no\r\n", ReplyError::bad_code},
        {" 250 x\r\n", ReplyError::bad_code},
        {"2500 x\r\n", ReplyError::bad_separator},
        {"250_x\r\n", ReplyError::bad_separator},
        {"250-a\r\n251 b\r\n", ReplyError::mixed_codes},  // RFC 5321 §4.2.1
        {"250-a\r\n550 b\r\n", ReplyError::mixed_codes},
        {"250 a\rb\r\n", ReplyError::bad_text},
        {std::string("250 a\0b\r\n", 9), ReplyError::bad_text},
    };
    for (const auto& row : rows) {
        CAPTURE(row.wire);
        ReplyParser p;
        p.feed(row.wire);
        CHECK_FALSE(p.next());
        CHECK(p.error() == row.want);
        CHECK(std::string(reply_error_text(p.error())).size() > 0);
        // In the error state further input is ignored.
        p.feed("250 ok\r\n");
        CHECK_FALSE(p.next());
        CHECK(p.error() == row.want);
    }
    SUBCASE("replies completed before the error are still returned") {
        ReplyParser p;
        p.feed("250 ok\r\nxyz\r\n250 later\r\n");
        auto r = p.next();
        REQUIRE(r);
        CHECK(r->code == 250);
        CHECK_FALSE(p.next());
        CHECK(p.error() == ReplyError::bad_code);
    }
    SUBCASE("reset clears the error") {
        ReplyParser p;
        p.feed("nope\r\n");
        CHECK(p.error() == ReplyError::bad_code);
        p.reset();
        p.feed("250 ok\r\n");
        CHECK(p.next());
    }
}

TEST_CASE("reply parser: limits (RFC 5321 §4.5.3.1.5)") {
    SUBCASE("a 512-octet line (CRLF included) is accepted, 513 is not") {
        for (const char* ending : {"\r\n", "\n"}) {
            CAPTURE(std::string(ending));
            const std::string ok_line = "250 " + std::string(510 - 4, 'x');
            ReplyParser p;
            p.feed(ok_line + ending);
            auto r = p.next();
            REQUIRE(r);
            CHECK(r->lines[0].size() == 506);

            ReplyParser q;
            q.feed(ok_line + "y" + ending);
            CHECK_FALSE(q.next());
            CHECK(q.error() == ReplyError::line_too_long);
        }
    }
    SUBCASE("an endless line is refused without buffering it all") {
        ReplyParser p;
        const std::string chunk(100, 'a');
        p.feed("250 ");
        for (int i = 0; i < 100; ++i) p.feed(chunk);  // 10 000 octets, no LF
        CHECK(p.error() == ReplyError::line_too_long);
        CHECK_FALSE(p.partial());
    }
    SUBCASE("a reply of 100 lines is accepted, 101 is not") {
        for (int n : {100, 101}) {
            CAPTURE(n);
            std::string wire;
            for (int i = 1; i < n; ++i) wire += "250-line\r\n";
            wire += "250 end\r\n";
            ReplyParser p;
            p.feed(wire);
            auto r = p.next();
            if (n == 100) {
                REQUIRE(r);
                CHECK(r->lines.size() == 100);
            } else {
                CHECK_FALSE(r);
                CHECK(p.error() == ReplyError::too_many_lines);
            }
        }
    }
    SUBCASE("custom limits") {
        ReplyParser p(ReplyLimits{16, 2});
        p.feed("250-a\r\n250-b\r\n250 c\r\n");
        CHECK(p.error() == ReplyError::too_many_lines);
    }
}

TEST_CASE("reply parser: discard_buffered drops what came after (RFC 3207 §4.2)") {
    ReplyParser p;
    // A STARTTLS injection: the 220 and a forged reply in one TCP segment.
    p.feed("220 2.0.0 ready to start TLS\r\n250-forged\r\n250 AUTH PLAIN\r\n250 par");
    auto r = p.next();
    REQUIRE(r);
    CHECK(r->code == 220);
    p.discard_buffered();
    CHECK_FALSE(p.next());
    CHECK_FALSE(p.partial());
    p.feed("250 fresh\r\n");
    r = p.next();
    REQUIRE(r);
    CHECK(r->lines[0] == "fresh");
}

TEST_CASE("reply parser: garbage never crashes, never grows without bound") {
    // Every byte value in every position of a short line, and a pseudo-random byte soup
    // with a fixed seed (the fuzzer will do this at scale).
    for (int b = 0; b < 256; ++b) {
        for (std::size_t pos = 0; pos < 6; ++pos) {
            std::string line = "250 ok\r\n";
            line[pos] = static_cast<char>(b);
            CAPTURE(b);
            CAPTURE(pos);
            ReplyParser p;
            p.feed(line);
            auto r = p.next();
            if (r) CHECK(r->code == parse_reply_code(line));
            else CHECK((p.error() != ReplyError::none || p.partial()));
        }
    }
    std::uint32_t seed = 12345;
    for (int round = 0; round < 200; ++round) {
        ReplyParser p;
        std::string soup;
        for (int i = 0; i < 2000; ++i) {
            seed = seed * 1103515245u + 12345u;
            const char alphabet[] = "250- \r\n.x";
            soup += alphabet[(seed >> 16) % 9];
        }
        p.feed(soup);
        while (p.next()) {
        }
        CHECK(p.last_lines().size() <= 100);
    }
}

TEST_CASE("status code and reply code grammar (RFC 3463 §2, RFC 5321 §4.2)") {
    CHECK(parse_status_code("2.0.0") == 5);
    CHECK(parse_status_code("5.7.1 denied") == 5);
    CHECK(parse_status_code("4.4.2") == 5);
    CHECK(parse_status_code("5.123.456 x") == 9);
    CHECK(parse_status_code("3.0.0") == 0);
    CHECK(parse_status_code("5.0") == 0);
    CHECK(parse_status_code("5.00.0") == 0);
    CHECK(parse_status_code("") == 0);
    CHECK(parse_reply_code("250") == 250);
    CHECK(parse_reply_code("554 x") == 554);
    CHECK(parse_reply_code("199") == -1);
    CHECK(parse_reply_code("25") == -1);
}
