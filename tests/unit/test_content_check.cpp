// The content check shared by DATA and BDAT: 8-bit (RFC 6152 §3), NUL, text lines of at
// most 1000 octets (RFC 5321 §4.5.3.1.6), bare CR / LF, size (RFC 1870), and the one verdict.
#include <doctest/doctest.h>

#include <string>

#include "engine/content_check.hpp"

using namespace relaylab;
using namespace std::string_literals;

namespace {

ContentFacts facts_of(const std::string& content, std::size_t step, std::size_t max_line = 1000,
                      std::uint64_t max_size = UINT64_MAX) {
    ContentCheck c(max_line, max_size);
    for (std::size_t i = 0; i < content.size(); i += step) c.feed(std::string_view(content).substr(i, step));
    c.end();
    return c.facts();
}

}  // namespace

TEST_CASE("content check: facts, any split") {
    for (std::size_t step : {1u, 2u, 5u, 4096u}) {
        CAPTURE(step);
        auto plain = facts_of("Subject: x\r\n\r\nbody\r\n", step);
        CHECK(plain.size == 20);
        CHECK_FALSE(plain.eight_bit);
        CHECK_FALSE(plain.nul);
        CHECK_FALSE(plain.long_line);
        CHECK_FALSE(plain.bare_line_end);
        CHECK(facts_of("caf\xC3\xA9\r\n", step).eight_bit);
        CHECK(facts_of("a\0b\r\n"s, step).nul);
        CHECK(facts_of("a\nb\r\n", step).bare_line_end);
        CHECK(facts_of("a\rb\r\n", step).bare_line_end);
        CHECK(facts_of("a\r\r\n", step).bare_line_end);
        CHECK(facts_of("ab\r", step).bare_line_end);  // a CR at the very end is bare
        CHECK(facts_of(std::string(998, 'x') + "\r\n", step).long_line == false);
        CHECK(facts_of(std::string(999, 'x') + "\r\n", step).long_line);
        // a bare LF ends a line for the count
        CHECK_FALSE(facts_of(std::string(600, 'x') + "\n" + std::string(600, 'y') + "\r\n", step).long_line);
        CHECK(facts_of("12345", step, 1000, 4).too_large);
        CHECK_FALSE(facts_of("1234", step, 1000, 4).too_large);
    }
}

TEST_CASE("content check: DATA takes the DataDecoder's findings") {
    DataDecoder d(1000, 100);
    std::string out;
    d.feed("caf\xC3\xA9\nx\r\n.\r\n", out);
    ContentCheck c;
    c.take(d);
    CHECK(c.facts().eight_bit);
    CHECK(c.facts().bare_line_end);
    CHECK_FALSE(c.facts().nul);
    CHECK(c.size() == d.size());
    c.reset();
    CHECK(c.size() == 0);
    CHECK_FALSE(c.facts().eight_bit);
}

TEST_CASE("content check: the verdict (RFC 5321 §4.3.2, RFC 6152 §3)") {
    ContentFacts f;
    CHECK(judge_content(f, false, true).accepted());
    f.eight_bit = true;
    CHECK(judge_content(f, false, false).accepted());  // lenient: like Postfix strict_8bitmime = no
    CHECK(judge_content(f, true, true).accepted());    // declared
    ContentVerdict v = judge_content(f, false, true);  // strict and undeclared
    CHECK(v.code == 554);
    CHECK(v.enhanced == "5.6.0");
    CHECK(v.text == "Message content rejected: 8-bit data requires BODY=8BITMIME");
    f.nul = true;  // NUL is refused in both modes, before 8-bit
    CHECK(judge_content(f, true, false).text == "Message content rejected: NUL octets are not allowed");
    f.long_line = true;
    CHECK(judge_content(f, true, false).text == "Message content rejected: a text line is too long");
    f.too_large = true;
    CHECK(judge_content(f, true, false).code == 552);
    CHECK(judge_content(f, true, false).enhanced == "5.3.4");
}
