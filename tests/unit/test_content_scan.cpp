// Content scanning: 8-bit octets in the body (RFC 6152 8BITMIME) and in the header section
// (RFC 6532, SMTPUTF8), MIME-Version (RFC 2045 §4); the header section ends at the first empty
// line (RFC 5322 §2.1); field names are case-insensitive (RFC 5322 §1.2.2), folding §2.2.3.
#include <doctest/doctest.h>

#include <string>

#include "engine/content_scan.hpp"

using namespace relaylab;

namespace {

const std::string plain =
    "From: alice@lab.test\r\n"
    "To: bob@example.org\r\n"
    "Subject: hello\r\n"
    "\r\n"
    "Hello Bob.\r\n";

std::string with_body(const std::string& body, const std::string& header = "Subject: x\r\nMIME-Version: 1.0\r\n") {
    return header + "\r\n" + body;
}

}  // namespace

TEST_CASE("content_scan: 8-bit octets and where they are (RFC 6152 §3, RFC 6532 §3)") {
    SUBCASE("a 7-bit message has no 8-bit traits") {
        CHECK(scan_content(plain) == ContentTraits{});
        CHECK(scan_content("") == ContentTraits{});
    }
    SUBCASE("every octet 0x80..0xFF in the body is 8-bit data, not an 8-bit header") {
        for (int o = 0x80; o <= 0xff; ++o) {
            CAPTURE(o);
            const ContentTraits t = scan_content(with_body("caf" + std::string(1, static_cast<char>(o)) + "\r\n"));
            CHECK(t.eight_bit);
            CHECK_FALSE(t.eight_bit_headers);
            CHECK(t.mime);
        }
    }
    SUBCASE("every octet 0x80..0xFF in a header field needs SMTPUTF8") {
        for (int o = 0x80; o <= 0xff; ++o) {
            CAPTURE(o);
            const std::string m = "Subject: caf" + std::string(1, static_cast<char>(o)) + "\r\n\r\nbody\r\n";
            const ContentTraits t = scan_content(m);
            CHECK(t.eight_bit);
            CHECK(t.eight_bit_headers);
            CHECK_FALSE(t.mime);
        }
    }
    SUBCASE("the octet is found at every offset of a long body (the word-at-a-time scan has no blind spot)") {
        const std::string body(300, 'a');
        for (std::size_t at = 0; at < body.size(); ++at) {
            CAPTURE(at);
            std::string b = body;
            b[at] = static_cast<char>(0xe9);
            CHECK(scan_content(with_body(b)).eight_bit);
            CHECK(contains_8bit(b));
            CHECK(contains_8bit(std::string_view(b).substr(at)));
            CHECK_FALSE(contains_8bit(std::string_view(b).substr(0, at)));
        }
    }
    SUBCASE("a large 7-bit body stays 7-bit; one octet at its very end is found") {
        std::string body;
        for (int i = 0; i < 100000; ++i) body += "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ !#$%\r\n";
        CHECK_FALSE(scan_content(with_body(body)).eight_bit);
        body.back() = static_cast<char>(0xff);
        CHECK(scan_content(with_body(body)).eight_bit);
    }
    SUBCASE("the header section ends at the first empty line: later header-like lines are body") {
        const std::string m = "Subject: x\r\n\r\nbody\r\n\r\nX-Later: caf\xc3\xa9\r\n";
        const ContentTraits t = scan_content(m);
        CHECK(t.eight_bit);
        CHECK_FALSE(t.eight_bit_headers);
    }
    SUBCASE("LF-only text is read the same way") {
        CHECK(scan_content("Subject: caf\xc3\xa9\n\nbody\n").eight_bit_headers);
        const ContentTraits t = scan_content("Subject: x\n\ncaf\xc3\xa9\n");
        CHECK(t.eight_bit);
        CHECK_FALSE(t.eight_bit_headers);
    }
    SUBCASE("a message without an empty line is all header") {
        CHECK(scan_content("Subject: caf\xc3\xa9\r\n").eight_bit_headers);
        CHECK(scan_content("Subject: caf\xc3\xa9").eight_bit_headers);
    }
    SUBCASE("a message that starts with the empty line has no header section") {
        const ContentTraits t = scan_content("\r\ncaf\xc3\xa9\r\n");
        CHECK(t.eight_bit);
        CHECK_FALSE(t.eight_bit_headers);
    }
}

TEST_CASE("content_scan: MIME-Version marks a MIME message (RFC 2045 §4)") {
    SUBCASE("present, in any case") {
        CHECK(scan_content(with_body("x\r\n")).mime);
        CHECK(scan_content("mime-version: 1.0\r\n\r\nx\r\n").mime);
        CHECK(scan_content("MIME-VERSION : 1.0\r\n\r\nx\r\n").mime);  // RFC 5322 §4.5 obs-optional WSP
    }
    SUBCASE("absent, only in the body, or only as a longer name") {
        CHECK_FALSE(scan_content(plain).mime);
        CHECK_FALSE(scan_content("Subject: x\r\n\r\nMIME-Version: 1.0\r\n").mime);
        CHECK_FALSE(scan_content("MIME-Version-Not: 1.0\r\n\r\nx\r\n").mime);
        CHECK_FALSE(scan_content(" MIME-Version: 1.0\r\n\r\nx\r\n").mime);  // a continuation line, not a field
    }
}

TEST_CASE("content_scan: finding header fields (RFC 5322 §2.2, §2.2.3)") {
    const std::string m =
        "Received: from a by b; Sat, 28 Nov 2026 03:37:26 +0000\r\n"
        "subject:   first   \r\n"
        "X-Folded: one\r\n"
        "\ttwo\r\n"
        "  three\r\n"
        "Subject: second\r\n"
        "X-Empty:\r\n"
        "Junk line without a colon\r\n"
        "\r\n"
        "X-In-Body: no\r\n";
    SUBCASE("the first field of that name, case-insensitive, surrounding whitespace trimmed") {
        CHECK(find_header(m, "Subject") == "first");
        CHECK(find_header(m, "SUBJECT") == "first");
        CHECK(has_header(m, "received"));
    }
    SUBCASE("a folded value is returned raw and unfolds to one line") {
        const auto v = find_header(m, "X-Folded");
        REQUIRE(v);
        CHECK(*v == "one\r\n\ttwo\r\n  three");
        CHECK(unfold_header_value(*v) == "one\ttwo  three");
        CHECK(unfold_header_value("a\n b") == "a b");         // a bare LF line end too
        CHECK(unfold_header_value("a\r\nb") == "a\r\nb");     // not followed by WSP: no fold
    }
    SUBCASE("an empty value is there, and empty") {
        CHECK(find_header(m, "X-Empty") == "");
    }
    SUBCASE("not found: the body, a prefix of a name, a line without a colon") {
        CHECK_FALSE(find_header(m, "X-In-Body"));
        CHECK_FALSE(find_header(m, "Subj"));
        CHECK_FALSE(find_header(m, "Junk line without a colon"));
        CHECK_FALSE(has_header(m, ""));
    }
    SUBCASE("the fields cover the header section exactly, continuation lines included") {
        const MessageSections s = split_header_section(m);
        CHECK(std::string(s.header) + std::string(s.separator) + std::string(s.body) == m);
        CHECK(s.separator == "\r\n");
        CHECK(s.body == "X-In-Body: no\r\n");
        const auto fields = header_fields(s.header);
        REQUIRE(fields.size() == 6);
        std::string joined;
        for (const auto& f : fields) joined += f.raw;
        CHECK(joined == s.header);
        CHECK(fields[2].name == "X-Folded");
        CHECK(fields[2].raw == "X-Folded: one\r\n\ttwo\r\n  three\r\n");
        CHECK(fields[5].name.empty());  // the junk line is kept, but nameless
        CHECK(fields[5].raw == "Junk line without a colon\r\n");
    }
    SUBCASE("splitting: LF text, no empty line, leading empty line, leading continuation line") {
        const char* cases[] = {"A: 1\n\nbody\n", "A: 1\r\nB: 2\r\n", "\r\nbody", "", " lead\r\nA: 1\r\n\r\nb", "A: 1"};
        for (const char* c : cases) {
            CAPTURE(c);
            const MessageSections s = split_header_section(c);
            CHECK(std::string(s.header) + std::string(s.separator) + std::string(s.body) == c);
            std::string joined;
            for (const auto& f : header_fields(s.header)) joined += f.raw;
            CHECK(joined == s.header);
        }
        CHECK(split_header_section("A: 1\n\nbody\n").separator == "\n");
        CHECK(split_header_section("\r\nbody").header.empty());
        CHECK(split_header_section("A: 1\r\nB: 2\r\n").separator.empty());
        CHECK(header_fields(" lead\r\nA: 1\r\n")[0].name.empty());
    }
}
