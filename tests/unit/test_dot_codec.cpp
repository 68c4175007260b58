// The DATA path: end of data and transparency, RFC 5321 §4.1.1.4 and §4.5.2; line length,
// §4.5.3.1.6. SMTP smuggling (CVE-2023-51764, CVE-2023-51765, CVE-2023-51766): only
// CR LF "." CR LF with a real CR LF ends the data.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/dot_codec.hpp"

using namespace relaylab;
using namespace std::string_literals;

namespace {

struct Decoded {
    std::string out;
    std::size_t consumed = 0;
    bool done = false;
    bool bare_lf = false, bare_cr = false, nul = false, eight_bit = false, long_line = false, too_large = false;
    std::uint64_t size = 0;
    bool operator==(const Decoded&) const = default;
};

// Feeds `in` in pieces of the given sizes (the last size repeats), as a network would.
Decoded decode_in_pieces(std::string_view in, std::vector<std::size_t> pieces, std::size_t max_line = 1000,
                         std::uint64_t max_size = UINT64_MAX) {
    DataDecoder dec(max_line, max_size);
    Decoded d;
    std::size_t pos = 0, k = 0;
    while (pos < in.size() && !d.done) {
        std::size_t n = std::min(in.size() - pos, pieces[std::min(k, pieces.size() - 1)]);
        ++k;
        auto r = dec.feed(in.substr(pos, n), d.out);
        REQUIRE(r.consumed <= n);
        if (!r.done) REQUIRE(r.consumed == n);
        d.done = r.done;
        pos += r.consumed;
    }
    d.consumed = pos;
    d.bare_lf = dec.saw_bare_lf();
    d.bare_cr = dec.saw_bare_cr();
    d.nul = dec.saw_nul();
    d.eight_bit = dec.saw_8bit();
    d.long_line = dec.line_too_long();
    d.too_large = dec.too_large();
    d.size = dec.size();
    return d;
}

Decoded decode_whole(std::string_view in, std::size_t max_line = 1000, std::uint64_t max_size = UINT64_MAX) {
    return decode_in_pieces(in, {in.size() + 1}, max_line, max_size);
}

// An independent model of the rules, written for clarity not speed: split the raw input at
// real CR LF only; a line "." ends the data; a leading dot is removed unless a bare CR or
// bare LF follows it; bare CR and bare LF inside a line become CR LF.
Decoded reference_decode(std::string_view in) {
    Decoded d;
    std::size_t pos = 0;
    for (;;) {
        std::size_t crlf = in.find("\r\n", pos);
        if (crlf == std::string_view::npos) break;  // incomplete last line: not judged here
        std::string_view line = in.substr(pos, crlf - pos);
        pos = crlf + 2;
        if (line == ".") {
            d.done = true;
            break;
        }
        if (!line.empty() && line[0] == '.' && line.size() > 1 && line[1] != '\r' && line[1] != '\n')
            line.remove_prefix(1);
        std::size_t len = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            char c = line[i];
            if (c == '\r' || c == '\n') {
                (c == '\r' ? d.bare_cr : d.bare_lf) = true;
                d.out += "\r\n";
                len = 0;
                continue;
            }
            d.out += c;
            if (c == '\0') d.nul = true;
            if (static_cast<unsigned char>(c) >= 0x80) d.eight_bit = true;
            if (++len + 2 > 1000) d.long_line = true;
        }
        d.out += "\r\n";
    }
    d.consumed = pos;
    d.size = d.out.size();
    return d;
}

// Random text over the bytes that matter to the codec, with a fixed seed.
std::string random_text(std::mt19937& rng, std::size_t max_len) {
    static const char alphabet[] = {'a', 'b', '.', '.', '\r', '\n', '\r', '\n', ' ', '\0', '\xff', 'z'};
    std::uniform_int_distribution<std::size_t> len(0, max_len);
    std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 1);
    std::string s(len(rng), 'x');
    for (char& c : s) c = alphabet[pick(rng)];
    return s;
}

bool no_bare_cr_or_lf(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n')) return false;
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
    }
    return true;
}

}  // namespace

TEST_CASE("dot codec: end of data (RFC 5321 §4.1.1.4)") {
    SUBCASE("CRLF . CRLF ends the data; the final CRLF belongs to the content") {
        auto d = decode_whole("hello\r\n.\r\n");
        CHECK(d.done);
        CHECK(d.out == "hello\r\n");
        CHECK(d.consumed == 10);
    }
    SUBCASE("the very start of DATA counts as a line start") {
        auto d = decode_whole(".\r\n");
        CHECK(d.done);
        CHECK(d.out.empty());
        CHECK(d.size == 0);
    }
    SUBCASE("bytes after the terminator are left for the command parser (pipelining, RFC 2920)") {
        std::string in = "a\r\n.\r\nQUIT\r\n";
        auto d = decode_whole(in);
        CHECK(d.done);
        CHECK(d.consumed == in.size() - 6);
        CHECK(in.substr(d.consumed) == "QUIT\r\n");
    }
    SUBCASE("no terminator yet: everything is consumed, not done") {
        auto d = decode_whole("hello\r\n.\r");
        CHECK_FALSE(d.done);
        CHECK(d.consumed == 9);
        CHECK(d.out == "hello\r\n");  // the dot is held back until its fate is known
    }
    SUBCASE("a decoder can be reset and reused") {
        DataDecoder dec;
        std::string out;
        CHECK(dec.feed("x\n\r\n.\r\n", out).done);
        CHECK(dec.saw_bare_lf());
        dec.reset();
        out.clear();
        CHECK_FALSE(dec.saw_bare_lf());
        CHECK(dec.size() == 0);
        auto r = dec.feed(".\r\n", out);
        CHECK(r.done);
        CHECK(out.empty());
    }
}

TEST_CASE("dot codec: SMTP smuggling variants never end the data (CVE-2023-51764 class)") {
    // Each variant sits between a first message and a smuggled one; only the real
    // terminator at the very end may end the data.
    const std::vector<std::string> variants = {
        "\n.\n"s,       "\n.\r\n"s,     "\r.\r\n"s,     "\r.\r"s,      "\r\n.\n"s,      "\r\n.\r"s,
        "\r\n.\r\r\n"s, "\r.\n"s,       "\n.\r"s,       ".\n"s,        "\r\n\n.\r\n"s,  "\r\n\r.\r\n"s,
        "\n\r.\r\n"s,   "\r\n.\n\r\n"s, "\r\n.\r\x00\n"s, "\r\n\x00.\r\n"s, "\n\n.\n\n"s, "\r\r.\r\r"s,
        "\r\n.\x00\r\n"s, "\r\n. \r\n"s, "\r\n\x00\r\n.\n"s,
    };
    const std::string smuggled = "MAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\n";
    for (const auto& v : variants) {
        CAPTURE(v);
        const std::string in = "Subject: hi\r\n\r\nhello" + v + smuggled + "\r\n.\r\n";
        auto whole = decode_whole(in);
        CHECK(whole.done);
        CHECK(whole.consumed == in.size());
        CHECK(whole.out.find(smuggled) != std::string::npos);
        CHECK(no_bare_cr_or_lf(whole.out));
        CHECK(whole == reference_decode(in));
        CHECK(decode_in_pieces(in, {1}) == whole);
        // Relaying the decoded content re-stuffs it: it still ends only at the real end.
        auto again = decode_whole(dot_stuff(whole.out));
        CHECK(again.done);
        CHECK(again.out == whole.out);
    }
}

TEST_CASE("dot codec: endings that do end the data (the CRLF before the dot is real)") {
    for (std::string v : {"\r\r\n.\r\n", "\n\r\n.\r\n", "\r\n\r\n.\r\n", "\r\n.\r\n"}) {
        CAPTURE(v);
        const std::string in = "hello" + v + "after";
        auto d = decode_whole(in);
        CHECK(d.done);
        CHECK(in.substr(d.consumed) == "after");
        CHECK(d == reference_decode(in));
    }
}

TEST_CASE("dot codec: dot-unstuffing (RFC 5321 §4.5.2)") {
    SUBCASE("a leading dot at a real line start is removed") {
        CHECK(decode_whole("..\r\n.\r\n").out == ".\r\n");
        CHECK(decode_whole("a\r\n...b\r\n.\r\n").out == "a\r\n..b\r\n");
        CHECK(decode_whole(".x\r\n.\r\n").out == "x\r\n");
    }
    SUBCASE("a dot after a bare LF or bare CR is content, not stuffing") {
        CHECK(decode_whole("a\n..\r\n.\r\n").out == "a\r\n..\r\n");
        CHECK(decode_whole("a\r..\r\n.\r\n").out == "a\r\n..\r\n");
    }
    SUBCASE("a dot in the middle of a line is content") {
        CHECK(decode_whole("a.b\r\n.\r\n").out == "a.b\r\n");
    }
    SUBCASE("a lone dot followed by a bare line ending keeps its dot") {
        CHECK(decode_whole(".\n\r\n.\r\n").out == ".\r\n\r\n");
        CHECK(decode_whole(".\rx\r\n.\r\n").out == ".\r\nx\r\n");
    }
}

TEST_CASE("dot codec: any split of the input gives the same result") {
    std::vector<std::string> inputs = {
        "Subject: a\r\n\r\n..dot\r\nbare\nlf\rcr\r\r\n\x00\xff\r\n.\n.\r\n.\r\nrest",
        ".\r\n",
        "\r\n.\r\n",
        "line\r\n..\r\n.x\r\n\r\r\n.\r\n",
    };
    for (const auto& in : inputs) {
        CAPTURE(in);
        auto whole = decode_whole(in);
        CHECK(whole == reference_decode(in));
        CHECK(decode_in_pieces(in, {1}) == whole);
        CHECK(decode_in_pieces(in, {2}) == whole);
        CHECK(decode_in_pieces(in, {3}) == whole);
        for (std::size_t cut = 0; cut <= in.size(); ++cut) {
            CAPTURE(cut);
            CHECK(decode_in_pieces(in, {cut, in.size()}) == whole);
        }
    }
}

TEST_CASE("dot codec: random inputs agree with the reference model at any split") {
    std::mt19937 rng(20240101);  // fixed seed: the run repeats
    for (int round = 0; round < 3000; ++round) {
        std::string body = random_text(rng, round < 2000 ? 24 : 400);
        std::string in = body + "\r\n.\r\nNEXT";
        CAPTURE(round);
        CAPTURE(in);
        auto whole = decode_whole(in);
        REQUIRE(whole == reference_decode(in));
        REQUIRE(decode_in_pieces(in, {1}) == whole);
        std::size_t cut = in.empty() ? 0 : static_cast<std::size_t>(rng() % in.size());
        REQUIRE(decode_in_pieces(in, {cut, 7}) == whole);
    }
}

TEST_CASE("dot codec: clean-line fast path and bare CR inside a batch") {
    // Many clean lines then one with a hidden bare CR: output must still be normalised.
    std::string in;
    for (int i = 0; i < 50; ++i) in += "clean line " + std::to_string(i) + "\r\n";
    in += "hidden\rcr\r\n";
    for (int i = 0; i < 50; ++i) in += "more " + std::to_string(i) + "\r\n";
    in += ".\r\n";
    auto d = decode_whole(in);
    CHECK(d.done);
    CHECK(d.bare_cr);
    CHECK(d.out.find("hidden\r\ncr\r\n") != std::string::npos);
    CHECK(d == reference_decode(in));
    CHECK(decode_in_pieces(in, {1}) == d);
}

TEST_CASE("dot codec: line length limit (RFC 5321 §4.5.3.1.6)") {
    SUBCASE("1000 octets with CRLF pass, 1001 fail") {
        CHECK_FALSE(decode_whole(std::string(998, 'a') + "\r\n.\r\n").long_line);
        CHECK(decode_whole(std::string(999, 'a') + "\r\n.\r\n").long_line);
        CHECK_FALSE(decode_in_pieces(std::string(998, 'a') + "\r\n.\r\n", {1}).long_line);
        CHECK(decode_in_pieces(std::string(999, 'a') + "\r\n.\r\n", {1}).long_line);
    }
    SUBCASE("the stuffed dot does not count") {
        // A dot and 998 octets on the wire: 998 octets of content, within the limit.
        std::string ok_line(999, 'a'), long_line(1000, 'a');
        ok_line[0] = long_line[0] = '.';
        CHECK_FALSE(decode_whole(ok_line + "\r\n.\r\n").long_line);
        CHECK(decode_whole(long_line + "\r\n.\r\n").long_line);
    }
    SUBCASE("a long line after a clean one is noticed, in any position") {
        std::string in = "short\r\n" + std::string(999, 'b') + "\r\nshort\r\n.\r\n";
        CHECK(decode_whole(in).long_line);
        CHECK(decode_in_pieces(in, {5}).long_line);
    }
    SUBCASE("the limit is a parameter") {
        CHECK_FALSE(decode_whole("abcdefgh\r\n.\r\n", 10).long_line);
        CHECK(decode_whole("abcdefghi\r\n.\r\n", 10).long_line);
    }
    SUBCASE("decoding goes on after a long line") {
        auto d = decode_whole(std::string(2000, 'c') + "\r\n.\r\n");
        CHECK(d.done);
        CHECK(d.out.size() == 2002);
    }
}

TEST_CASE("dot codec: size limit (RFC 1870 §6.1)") {
    const std::string in = "0123456789\r\n0123456789\r\n.\r\n";
    SUBCASE("under the limit everything is stored") {
        auto d = decode_whole(in, 1000, 24);
        CHECK_FALSE(d.too_large);
        CHECK(d.out.size() == 24);
    }
    SUBCASE("over the limit storing stops at the limit, counting goes on, the end is still found") {
        for (std::size_t piece : {std::size_t{1}, std::size_t{5}, in.size()}) {
            CAPTURE(piece);
            auto d = decode_in_pieces(in, {piece}, 1000, 15);
            CHECK(d.too_large);
            CHECK(d.done);
            CHECK(d.size == 24);
            CHECK(d.out == "0123456789\r\n012");
        }
    }
}

TEST_CASE("dot codec: content flags") {
    SUBCASE("NUL (RFC 5321 §4.5.2 content must be text)") {
        CHECK(decode_whole(std::string("a\0b\r\n.\r\n", 8)).nul);
        CHECK(decode_in_pieces(std::string("a\0b\r\n.\r\n", 8), {1}).nul);
        CHECK_FALSE(decode_whole("ab\r\n.\r\n").nul);
    }
    SUBCASE("8-bit octets (RFC 6152 8BITMIME)") {
        CHECK(decode_whole("caf\xc3\xa9\r\n.\r\n").eight_bit);
        CHECK_FALSE(decode_whole("cafe\r\n.\r\n").eight_bit);
    }
    SUBCASE("every byte value: only the right flag is raised") {
        for (int b = 0; b < 256; ++b) {
            CAPTURE(b);
            std::string in = "x";
            in += static_cast<char>(b);
            in += "y\r\n.\r\n";
            auto d = decode_whole(in);
            CHECK(d.done);
            CHECK(d.nul == (b == 0));
            CHECK(d.eight_bit == (b >= 0x80));
            CHECK(d.bare_cr == (b == '\r'));
            CHECK(d.bare_lf == (b == '\n'));
            CHECK(d == decode_in_pieces(in, {1}));
        }
    }
    SUBCASE("bare line endings are flagged and normalised") {
        auto d = decode_whole("a\nb\rc\r\n.\r\n");
        CHECK(d.bare_lf);
        CHECK(d.bare_cr);
        CHECK(d.out == "a\r\nb\r\nc\r\n");
    }
}

TEST_CASE("dot codec: dot_stuff and normalize_crlf (RFC 5321 §4.5.2)") {
    SUBCASE("examples") {
        CHECK(dot_stuff("") == ".\r\n");
        CHECK(dot_stuff("a") == "a\r\n.\r\n");
        CHECK(dot_stuff("a\r\n") == "a\r\n.\r\n");
        CHECK(dot_stuff(".") == "..\r\n.\r\n");
        CHECK(dot_stuff("a\n.b\r.c\r\n.\r\n") == "a\r\n..b\r\n..c\r\n..\r\n.\r\n");
        CHECK(normalize_crlf("a\nb\rc\r\nd\r\r\n") == "a\r\nb\r\nc\r\nd\r\n\r\n");
        CHECK(normalize_crlf("..x") == "..x");
        std::string out = "prefix";
        dot_stuff_append("x", out);
        CHECK(out == "prefixx\r\n.\r\n");
    }
    SUBCASE("round trip on generated inputs; never a bare CR or LF") {
        std::mt19937 rng(7);
        for (int round = 0; round < 3000; ++round) {
            std::string x = random_text(rng, 60);
            CAPTURE(x);
            std::string wire = dot_stuff(x);
            REQUIRE(no_bare_cr_or_lf(wire));
            std::string expect = normalize_crlf(x);
            if (!expect.empty() && expect.size() >= 2 && expect.substr(expect.size() - 2) != "\r\n") expect += "\r\n";
            if (expect.size() == 1) expect += "\r\n";
            REQUIRE(no_bare_cr_or_lf(expect));
            auto d = decode_whole(wire);
            REQUIRE(d.done);
            REQUIRE(d.consumed == wire.size());  // the data ends exactly at the terminator
            REQUIRE(d.out == expect);
            REQUIRE_FALSE(d.bare_cr);
            REQUIRE_FALSE(d.bare_lf);
        }
    }
}

TEST_CASE("dot codec: long mostly-clean inputs with rare anomalies agree with the reference") {
    // Exercises the block fast path: many whole CRLF lines, then one anomaly somewhere.
    const std::vector<std::string> anomalies = {
        "\r\n..stuffed", "\nbare-lf", "bare\rcr", std::string(1200, 'L'), std::string(999, 'M'),
        std::string(998, 'N'), std::string("nul\0byte", 8), "\xe2\x82\xac", "\r\n.\n", "\r\n\r\n",
    };
    std::mt19937 rng(99);
    for (std::size_t a = 0; a < anomalies.size(); ++a) {
        for (int round = 0; round < 20; ++round) {
            CAPTURE(a);
            CAPTURE(round);
            std::string in;
            std::size_t lines = 20 + rng() % 400;
            std::size_t where = rng() % lines;
            for (std::size_t i = 0; i < lines; ++i) {
                in += std::string(rng() % 90, static_cast<char>('a' + i % 26));
                if (i == where) in += anomalies[a];
                in += "\r\n";
            }
            in += ".\r\nMAIL FROM:<next@example.org>\r\n";
            auto whole = decode_whole(in);
            REQUIRE(whole.done);
            REQUIRE(whole == reference_decode(in));
            REQUIRE(decode_in_pieces(in, {1 + rng() % 5000}) == whole);
        }
    }
}

// Linearity is checked by counting work, not by timing it (a loaded machine makes timed
// tests flaky): the codec counts every octet its searches and scans look at, and linear
// code looks at each input octet a small, fixed number of times. The parts of
// DataDecoder::feed that look at an octet are the block scan, the backward search for the
// block's last LF, the clean-line search and its CR count, and mid-line the LF search, the
// CR search and the content scan: about 7 looks at most, so 8 x input leaves no room for
// any re-scan that grows with the input.
constexpr std::uint64_t k_looks_per_octet = 8;

// Decodes `in` in one feed; returns the octets examined per input octet.
double decoder_work(const std::string& in) {
    DataDecoder dec;
    std::string out;
    auto r = dec.feed(in, out);
    CHECK(r.done);
    CHECK(r.consumed == in.size());
    // The count is real: every octet is looked at at least once.
    CHECK(dec.octets_examined() >= in.size());
    return static_cast<double>(dec.octets_examined()) / static_cast<double>(in.size());
}

// A fast path that re-scans the same bytes after every special line makes decoding cost
// grow with (line count x block size): a denial of service by a message whose every
// other line is dot-stuffed or ends in a bare LF. Re-scanning the 32 KiB block at each of
// the 27,000 or more clean lines of 512 KiB would examine over 27,000 x 32 KiB, about
// 1,700 x the input; linear code stays under k_looks_per_octet x the input.
TEST_CASE("dot codec: decoding stays linear on adversarial line mixes") {
    SUBCASE("every other line special") {
        for (std::string unit : {"normal\r\n..stuffed\r\n", "normal\r\nbare\n", "y\r\nbare\rcr\r\n"}) {
            CAPTURE(unit);
            std::string in;
            while (in.size() < (512u << 10)) in += unit;
            in += "\r\n.\r\n";  // after a real CRLF: "bare\n" + "." would not end the data
            CHECK(decoder_work(in) <= k_looks_per_octet);
        }
    }
    // The block's end is found by walking back from 32 KiB ahead to the last LF. Clean
    // lines mixed with stuffed ones, then an LF-free stretch longer than a block: walking
    // back again at each of the ~860 clean lines of a 16 KiB mix would examine ~860 x
    // 24 KiB per 56 KiB of input, about 370 x the input.
    SUBCASE("mixed lines before a long line") {
        std::string mix;
        while (mix.size() < (16u << 10)) mix += "normal\r\n..stuffed\r\n";
        std::string in;
        for (int i = 0; i < 8; ++i) in += mix + std::string(40u << 10, 'x') + "\r\n";
        in += ".\r\n";
        CHECK(decoder_work(in) <= k_looks_per_octet);
    }
}

// A long stretch of bare CRs without any LF: searching for the next LF again after every
// CR would examine the rest of the stretch at each of its 128 Ki CRs (~65,000 x the input
// on average); linear code looks at each octet a few times.
TEST_CASE("dot codec: bare-CR runs without LF stay linear") {
    std::string run;
    while (run.size() < (256u << 10)) run += "a\r";
    SUBCASE("decoder") {
        DataDecoder dec;
        std::string out;
        const std::string in = run + "\r\n.\r\n";
        auto r = dec.feed(in, out);
        CHECK(r.done);
        CHECK(dec.saw_bare_cr());
        CHECK(out.size() == run.size() / 2 * 3 + 2);  // every "a\r" became "a\r\n"
        CHECK(dec.octets_examined() >= in.size());
        CHECK(dec.octets_examined() <= k_looks_per_octet * in.size());
    }
    SUBCASE("dot_stuff and normalize_crlf") {
        std::uint64_t examined = 0;
        CHECK(normalize_crlf(run, &examined).size() == run.size() / 2 * 3);
        CHECK(examined >= run.size());
        CHECK(examined <= k_looks_per_octet * run.size());
        examined = 0;
        CHECK(dot_stuff(run, &examined).size() == run.size() / 2 * 3 + 3);
        CHECK(examined >= run.size());
        CHECK(examined <= k_looks_per_octet * run.size());
    }
}
