// The SMTP command-line reader: CR LF framing (RFC 5321 §2.3.8), bounded lines
// (§4.5.3.1.4), bare CR / bare LF / NUL reported, never split on; any split of the input
// gives the same lines.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/line_reader.hpp"

using namespace relaylab;
using namespace std::string_literals;

namespace {

struct Got {
    std::string text;
    bool too_long = false;
    std::size_t length = 0;
    bool bad = false;
    bool operator==(const Got&) const = default;
};

// Feeds `input` in pieces of `step` bytes, keeping unconsumed bytes as a session does.
std::vector<Got> read_all(const std::string& input, std::size_t limit, std::size_t step) {
    LineReader r;
    std::vector<Got> out;
    std::string buf;
    for (std::size_t i = 0; i < input.size(); i += step) {
        buf += input.substr(i, step);
        while (!buf.empty()) {
            LineReader::Result res = r.next(buf, limit);
            std::optional<Got> g;
            if (res.line) g = Got{std::string(res.line->text), res.line->too_long, res.line->length, res.line->bad_octets};
            buf.erase(0, res.consumed);
            if (g) out.push_back(*g);
            else break;
        }
    }
    return out;
}

}  // namespace

TEST_CASE("line reader: CR LF framing") {
    for (std::size_t step : {1u, 2u, 3u, 7u, 100u}) {
        CAPTURE(step);
        auto lines = read_all("EHLO a\r\nNOOP\r\n"s, 512, step);
        REQUIRE(lines.size() == 2);
        CHECK(lines[0] == Got{"EHLO a", false, 8, false});
        CHECK(lines[1] == Got{"NOOP", false, 6, false});
    }
    SUBCASE("bare LF, bare CR and NUL stay inside one line, flagged") {
        for (std::string bad : {"NOOP\nQUIT\r\n"s, "NOOP\rQUIT\r\n"s, "NO\0OP\r\n"s}) {
            auto lines = read_all(bad, 512, 1);
            REQUIRE(lines.size() == 1);
            CHECK(lines[0].bad);
            CHECK(lines[0].length == bad.size());
        }
    }
    SUBCASE("an incomplete line is not a line") {
        LineReader r;
        auto res = r.next("NOOP\r", 512);
        CHECK_FALSE(res.line);
        CHECK(res.consumed == 0);
    }
}

TEST_CASE("line reader: bounded lines (RFC 5321 §4.5.3.1.4)") {
    const std::string exact = std::string(510, 'x') + "\r\n";
    const std::string over = std::string(511, 'x') + "\r\n";
    const std::string huge = std::string(5000, 'y') + "\r\nNOOP\r\n";
    for (std::size_t step : {1u, 13u, 512u, 10000u}) {
        CAPTURE(step);
        auto a = read_all(exact, 512, step);
        REQUIRE(a.size() == 1);
        CHECK_FALSE(a[0].too_long);
        auto b = read_all(over, 512, step);
        REQUIRE(b.size() == 1);
        CHECK(b[0] == Got{"", true, 513, false});
        auto c = read_all(huge, 512, step);
        REQUIRE(c.size() == 2);
        CHECK(c[0] == Got{"", true, 5002, false});
        CHECK(c[1] == Got{"NOOP", false, 6, false});
    }
    SUBCASE("a dropped line ends only at CR LF, also across pieces") {
        auto lines = read_all(std::string(600, 'z') + "\r" + "x\n" + "\r\nNOOP\r\n", 512, 1);
        REQUIRE(lines.size() == 2);
        CHECK(lines[0].too_long);
        CHECK(lines[0].length == 605);
        CHECK(lines[1].text == "NOOP");
    }
    SUBCASE("nothing beyond the limit is buffered") {
        LineReader r;
        auto res = r.next(std::string(600, 'z'), 512);
        CHECK(res.consumed == 600);
        CHECK(r.discarding());
        r.reset();
        CHECK_FALSE(r.discarding());
    }
}
