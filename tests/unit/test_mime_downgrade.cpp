// 8-bit to 7-bit conversion for a next hop without 8BITMIME (RFC 6152 §3): quoted-printable
// (RFC 2045 §6.7), base64 (§6.8), multipart structure (RFC 2046 §5.1.1), message/rfc822
// (§5.2.1), and the cases that must be bounced instead. Every converted body is decoded again
// here with a decoder of the test's own and compared with the original octets.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "engine/base64.hpp"
#include "engine/content_scan.hpp"
#include "engine/ids.hpp"
#include "engine/mime_downgrade.hpp"
#include "mime_reader.hpp"

using namespace relaylab;

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;  // RFC 2045 §6.7 rule 1: upper-case hex only
}

// RFC 2045 §6.7 decoding: "=XX" is an octet, "=" at a line end is a soft break (removed with
// the line end), everything else, hard line breaks included, is itself. nullopt for a stray '='.
std::optional<std::string> qp_decode(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '=') {
            out += in[i];
            continue;
        }
        if (i + 1 < in.size() && in[i + 1] == '\n') {
            i += 1;
            continue;
        }
        if (i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {
            i += 2;
            continue;
        }
        if (i + 2 >= in.size()) return std::nullopt;
        const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

// The rules an encoded quoted-printable body must keep (RFC 2045 §6.7): 7-bit only, lines of
// at most 76 characters, no SP/TAB at a line end, no CR but in a line end. Returns the first
// broken rule, empty when none is.
std::string qp_rule_broken(std::string_view enc) {
    std::size_t pos = 0;
    while (pos < enc.size()) {
        std::size_t nl = enc.find('\n', pos);
        const bool last = nl == std::string_view::npos;
        if (last) nl = enc.size();
        std::size_t end = nl;
        if (!last && end > pos && enc[end - 1] == '\r') --end;
        const std::string_view line = enc.substr(pos, end - pos);
        if (line.size() > 76) return "line longer than 76: " + std::string(line);
        if (!line.empty() && (line.back() == ' ' || line.back() == '\t')) return "trailing whitespace: " + std::string(line);
        for (char c : line) {
            if (static_cast<unsigned char>(c) >= 0x80) return "8-bit octet";
            if (c == '\r') return "CR inside a line";
        }
        pos = nl + 1;
    }
    return {};
}

std::string base64_undo(std::string_view enc) {
    std::string flat;
    for (char c : enc)
        if (c != '\r' && c != '\n') flat += c;
    return base64_decode(flat).value_or("<invalid base64>");
}

bool all_lines_at_most(std::string_view text, std::size_t limit) {
    for (std::string_view line : mime::split_lines(text).lines)
        if (line.size() > limit) return false;
    return true;
}

const std::string k_mime_header = "From: a@lab.test\r\nSubject: test\r\nMIME-Version: 1.0\r\n";

std::string text_message(const std::string& body, const std::string& extra = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n") {
    return k_mime_header + extra + "\r\n" + body;
}

// Converts a single-part text message and checks everything the conversion promises.
void check_qp_round_trip(const std::string& body) {
    const DowngradeResult r = downgrade_to_7bit(text_message(body));
    REQUIRE(r.status == DowngradeStatus::converted);
    CHECK(r.reason.empty());
    CHECK_FALSE(contains_8bit(r.content));
    const MessageSections s = split_header_section(r.content);
    CHECK(find_header(r.content, "Content-Transfer-Encoding") == "quoted-printable");
    CHECK(qp_rule_broken(s.body) == "");
    CHECK(qp_decode(s.body) == body);
}

}  // namespace

TEST_CASE("mime_downgrade: 7-bit messages pass unchanged (RFC 6152 §3)") {
    const std::string m = text_message("plain ASCII, = signs and trailing spaces   \r\n");
    const DowngradeResult r = downgrade_to_7bit(m);
    CHECK(r.status == DowngradeStatus::unchanged);
    CHECK(r.content == m);
    CHECK(r.reason.empty());
    // Even without MIME-Version: 7-bit text needs no MIME to cross a 7-bit hop.
    CHECK(downgrade_to_7bit("Subject: x\r\n\r\nhi\r\n").status == DowngradeStatus::unchanged);
}

TEST_CASE("mime_downgrade: text becomes quoted-printable that decodes to the original (RFC 2045 §6.7)") {
    SUBCASE("every octet 0x80..0xFF, alone, doubled and at a line end") {
        for (int o = 0x80; o <= 0xff; ++o) {
            const std::string oc(1, static_cast<char>(o));
            CAPTURE(o);
            check_qp_round_trip("caf" + oc + "\r\n");
            check_qp_round_trip(oc + oc + " " + oc + "\r\nnext line\r\n");
        }
    }
    SUBCASE("every octet value 0x00..0xFF in one body (controls and lone CRs too)") {
        std::string body;
        for (int o = 0; o <= 0xff; ++o) body += static_cast<char>(o);
        body += "\r\n";
        check_qp_round_trip(body);
    }
    SUBCASE("an octet encodes as =XX with upper-case hex (rule 1)") {
        const DowngradeResult r = downgrade_to_7bit(text_message("caf\xc3\xa9\r\n"));
        CHECK(split_header_section(r.content).body == "caf=C3=A9\r\n");
    }
    SUBCASE("trailing spaces and tabs before a line break are encoded (rule 3)") {
        for (const char* ws : {" ", "\t", "  ", " \t", "\t ", "     "}) {
            CAPTURE(ws);
            const std::string body = std::string("\xc3\xa9") + ws + "\r\nplain" + ws + "\r\n" + ws + "\r\nend" + ws;
            check_qp_round_trip(body);
        }
        const DowngradeResult r = downgrade_to_7bit(text_message("\xc3\xa9 x \r\n"));
        CHECK(split_header_section(r.content).body == "=C3=A9 x=20\r\n");
    }
    SUBCASE("'=' signs are always encoded (rule 1)") {
        for (const char* s : {"=", "==", "a=b", "=3D", "=\r\n", "x =\r\n", "=C3=A9", "= "}) {
            CAPTURE(s);
            check_qp_round_trip(std::string("\xc3\xa9") + s + "\r\n" + s);
        }
        const DowngradeResult r = downgrade_to_7bit(text_message("\xc3\xa9=\r\n"));
        CHECK(split_header_section(r.content).body == "=C3=A9=3D\r\n");
    }
    SUBCASE("long lines get soft breaks; no encoded line passes 76 characters (rule 5)") {
        for (std::size_t len = 60; len <= 240; ++len) {
            CAPTURE(len);
            check_qp_round_trip(std::string(len, 'a') + "\xc3\xa9\r\n");
            check_qp_round_trip("\xc3\xa9" + std::string(len, 'a') + "\r\n");
            check_qp_round_trip("\xc3\xa9" + std::string(len, ' ') + "\r\n");
            std::string eight(len, static_cast<char>(0xe9));  // every octet takes three columns
            check_qp_round_trip(eight + "\r\n" + eight);
            std::string mixed;
            for (std::size_t i = 0; i < len; ++i) mixed += (i % 3 == 0) ? '=' : (i % 3 == 1 ? ' ' : '\xe9');
            check_qp_round_trip(mixed + "\r\n");
        }
    }
    SUBCASE("a line of exactly 76 encoded characters is not broken") {
        const std::string body = std::string(74, 'a') + "\xc3";  // 74 + "=C3" would be 77
        const DowngradeResult r = downgrade_to_7bit(text_message(std::string(73, 'a') + "\xc3\r\n"));
        CHECK(split_header_section(r.content).body == std::string(73, 'a') + "=C3\r\n");
        const DowngradeResult r2 = downgrade_to_7bit(text_message(body + "\r\n"));
        CHECK(split_header_section(r2.content).body == std::string(74, 'a') + "=\r\n=C3\r\n");
    }
    SUBCASE("random bodies from an alphabet of the awkward cases") {
        const std::vector<std::string> alphabet = {"a", " ", "\t", "=", "\r\n", "\xc3\xa9", "\xff", ".", "\r", "\n",
                                                   "From ", std::string(1, '\0'), "Z"};
        Xoshiro256 rng(2026);
        for (int n = 0; n < 300; ++n) {
            std::string body;
            const std::size_t pieces = rng.next_below(200);
            for (std::size_t i = 0; i < pieces; ++i) body += alphabet[rng.next_below(alphabet.size())];
            body += "\xc3\xa9";  // at least one 8-bit octet, so there is something to convert
            if (rng.next_below(2)) body += "\r\n";
            CAPTURE(n);
            check_qp_round_trip(body);
        }
    }
    SUBCASE("no Content-Type means text/plain (RFC 2045 §5.2); no Content-Transfer-Encoding means 7bit") {
        const DowngradeResult r = downgrade_to_7bit(k_mime_header + "\r\ncaf\xc3\xa9\r\n");
        REQUIRE(r.status == DowngradeStatus::converted);
        CHECK(r.content == k_mime_header + "Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n");
    }
    SUBCASE("a Content-Type that cannot be parsed counts as text/plain (RFC 2045 §5.2)") {
        const DowngradeResult r = downgrade_to_7bit(text_message("caf\xc3\xa9\r\n", "Content-Type: garbage\r\n"));
        REQUIRE(r.status == DowngradeStatus::converted);
        CHECK(find_header(r.content, "Content-Transfer-Encoding") == "quoted-printable");
    }
    SUBCASE("LF-only text keeps LF line ends, in the body and the new field") {
        const std::string m = "MIME-Version: 1.0\nSubject: x\n\n" + std::string(100, 'a') + "\xc3\xa9\nline 2 \n";
        const DowngradeResult r = downgrade_to_7bit(m);
        REQUIRE(r.status == DowngradeStatus::converted);
        CHECK(r.content.find('\r') == std::string::npos);
        CHECK(r.content.starts_with("MIME-Version: 1.0\nSubject: x\nContent-Transfer-Encoding: quoted-printable\n\n"));
        const std::string_view body = split_header_section(r.content).body;
        CHECK(qp_rule_broken(body) == "");
        CHECK(qp_decode(body) == std::string(100, 'a') + "\xc3\xa9\nline 2 \n");
    }
}

TEST_CASE("mime_downgrade: the Content-Transfer-Encoding field is replaced, the others kept in order (RFC 2045 §6)") {
    SUBCASE("replaced where it stood") {
        const std::string m = "MIME-Version: 1.0\r\nContent-Transfer-Encoding: 8bit\r\nX-After: kept\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\n\r\n\xc3\xa9\r\n";
        const DowngradeResult r = downgrade_to_7bit(m);
        CHECK(r.content == "MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\nX-After: kept\r\n"
                           "Content-Type: text/plain; charset=utf-8\r\n\r\n=C3=A9\r\n");
    }
    SUBCASE("a folded field goes whole, a repeated one goes too, the name's case does not matter") {
        const std::string m = "MIME-Version: 1.0\r\ncontent-transfer-encoding:\r\n 8bit (comment)\r\nX: 1\r\n"
                              "CONTENT-TRANSFER-ENCODING: 8bit\r\n\r\n\xc3\xa9\r\n";
        const DowngradeResult r = downgrade_to_7bit(m);
        CHECK(r.content == "MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\nX: 1\r\n\r\n=C3=A9\r\n");
    }
    SUBCASE("7bit that is not (mislabelled) is converted like 8bit") {
        const DowngradeResult r =
            downgrade_to_7bit(text_message("caf\xc3\xa9\r\n", "Content-Transfer-Encoding: 7BIT\r\n"));
        REQUIRE(r.status == DowngradeStatus::converted);
        CHECK(find_header(r.content, "Content-Transfer-Encoding") == "quoted-printable");
    }
}

TEST_CASE("mime_downgrade: non-text 8-bit data becomes base64 (RFC 2045 §6.8)") {
    std::string data;
    for (int i = 0; i < 1000; ++i) data += static_cast<char>((i * 7) & 0xff);
    data += "\r\n";
    for (const char* type : {"application/octet-stream", "image/png; name=\"x.png\"", "audio/basic", "x-unknown/thing"}) {
        CAPTURE(type);
        const DowngradeResult r =
            downgrade_to_7bit(text_message(data, std::string("Content-Type: ") + type + "\r\nContent-Transfer-Encoding: 8bit\r\n"));
        REQUIRE(r.status == DowngradeStatus::converted);
        CHECK_FALSE(contains_8bit(r.content));
        CHECK(find_header(r.content, "Content-Transfer-Encoding") == "base64");
        const std::string_view body = split_header_section(r.content).body;
        CHECK(all_lines_at_most(body, 76));
        CHECK(body.ends_with("\r\n"));
        CHECK(base64_undo(body) == data);
    }
}

TEST_CASE("mime_downgrade: multipart entities are converted part by part (RFC 2046 §5.1.1)") {
    const std::string pdf = std::string("%PDF-1.4\r\n\x80\x81\xfe\xff binary-ish\r\n") + std::string(200, '\xaa');
    const std::string preamble = "This is a multi-part message in MIME format.\r\n";
    const std::string epilogue = "\r\nepilogue text\r\n";
    const std::string text_part = "Content-Type: text/plain; charset=us-ascii\r\n\r\nplain ascii part\r\n";
    const std::string eight_text = "\r\nGr\xc3\xbc\xc3\x9f" "e \r\n= and more";  // no header: text/plain
    const std::string pdf_part = "Content-Type: application/pdf\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + pdf;
    auto multipart = [&](const std::string& ct, const std::string& b) {
        return k_mime_header + "Content-Type: " + ct + "\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + preamble +
               "--" + b + "\r\n" + text_part + "\r\n--" + b + "\r\n" + eight_text + "\r\n--" + b + "   \r\n" +
               pdf_part + "\r\n--" + b + "--" + epilogue;
    };
    // The same message under several spellings of the boundary parameter.
    struct Spelling {
        const char* content_type;
        const char* boundary;
    };
    const Spelling spellings[] = {
        {"multipart/mixed; boundary=\"=_outer b\"", "=_outer b"},
        {"Multipart/Mixed; BOUNDARY=simple", "simple"},
        {"multipart/mixed; charset=x;\r\n boundary=\"q\\\"uote\" (comment)", "q\"uote"},
        {"multipart/mixed (comment) ; boundary = \"spaced\" ;", "spaced"},
        {"multipart/mixed; boundary==_lenient.unquoted", "=_lenient.unquoted"},
        {"multipart/alternative; boundary=\"a\"; boundary=\"ignored\"", "a"},
    };
    for (const Spelling& sp : spellings) {
        CAPTURE(sp.content_type);
        const std::string m = multipart(sp.content_type, sp.boundary);
        const DowngradeResult r = downgrade_to_7bit(m);
        CAPTURE(r.reason);
        REQUIRE(r.status == DowngradeStatus::converted);
        CHECK_FALSE(contains_8bit(r.content));
        const std::string b = sp.boundary;
        const std::string want_header = k_mime_header + "Content-Type: " + sp.content_type +
                                        "\r\nContent-Transfer-Encoding: 7bit\r\n\r\n";
        REQUIRE(r.content.starts_with(want_header));  // the multipart itself is now 7bit
        std::string_view rest = std::string_view(r.content).substr(want_header.size());
        // Preamble, the first delimiter and the 7-bit part: byte for byte.
        const std::string untouched = preamble + "--" + b + "\r\n" + text_part + "\r\n--" + b + "\r\n";
        REQUIRE(rest.starts_with(untouched));
        rest.remove_prefix(untouched.size());
        // The 8-bit text part, still without a Content-Type, now quoted-printable.
        const std::string qp_head = "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
        REQUIRE(rest.starts_with(qp_head));
        rest.remove_prefix(qp_head.size());
        const std::string delim2 = "\r\n--" + b + "   \r\n";  // transport padding kept
        const std::size_t at = rest.find(delim2);
        REQUIRE(at != std::string_view::npos);
        CHECK(qp_rule_broken(rest.substr(0, at)) == "");
        CHECK(qp_decode(rest.substr(0, at)) == eight_text.substr(2));
        rest.remove_prefix(at + delim2.size());
        // The PDF part: base64, its other fields kept.
        const std::string b64_head = "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n";
        REQUIRE(rest.starts_with(b64_head));
        rest.remove_prefix(b64_head.size());
        const std::string close = "\r\n--" + b + "--" + epilogue;
        REQUIRE(rest.ends_with(close));
        rest.remove_suffix(close.size());
        CHECK(all_lines_at_most(rest, 76));
        CHECK(base64_undo(rest) == pdf);
    }
}

TEST_CASE("mime_downgrade: multipart details (RFC 2046 §5.1.1, §5.1.5)") {
    SUBCASE("nested multiparts recurse; a look-alike line is not a delimiter") {
        const std::string m = k_mime_header +
                              "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
                              "--outer\r\n"
                              "Content-Type: multipart/alternative; boundary=inner\r\n\r\n"
                              "--inner\r\n\r\nplain\r\n"
                              "--inner\r\nContent-Type: text/html\r\n\r\n<p>\xc3\xa9</p>\r\n--outerX not a delimiter\r\n"
                              "--inner--\r\n"
                              "--outer--\r\n";
        const DowngradeResult r = downgrade_to_7bit(m);
        REQUIRE(r.status == DowngradeStatus::converted);
        CHECK(r.content == k_mime_header +
                               "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
                               "--outer\r\n"
                               "Content-Type: multipart/alternative; boundary=inner\r\n\r\n"
                               "--inner\r\n\r\nplain\r\n"
                               "--inner\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                               "<p>=C3=A9</p>\r\n--outerX not a delimiter\r\n"
                               "--inner--\r\n"
                               "--outer--\r\n");
    }
    SUBCASE("a missing close delimiter: the last part runs to the end") {
        const std::string m = k_mime_header + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n\xc3\xa9\r\n";
        const DowngradeResult r = downgrade_to_7bit(m);
        REQUIRE(r.status == DowngradeStatus::converted);
        CHECK(r.content.ends_with("--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A9\r\n"));
    }
    SUBCASE("parts of multipart/digest default to message/rfc822 (§5.1.5)") {
        const std::string inner_ok = "MIME-Version: 1.0\r\nSubject: in\r\n\r\n\xc3\xa9\r\n";
        const std::string inner_bad = "Subject: in\r\n\r\n\xc3\xa9\r\n";  // no MIME-Version inside
        const std::string head = k_mime_header + "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\n";
        const DowngradeResult ok = downgrade_to_7bit(head + inner_ok + "\r\n--d--\r\n");
        REQUIRE(ok.status == DowngradeStatus::converted);
        CHECK(ok.content == head + "MIME-Version: 1.0\r\nSubject: in\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A9\r\n\r\n--d--\r\n");
        const DowngradeResult bad = downgrade_to_7bit(head + inner_bad + "\r\n--d--\r\n");
        CHECK(bad.status == DowngradeStatus::impossible);
        CHECK(bad.reason.find("MIME-Version") != std::string::npos);
    }
    SUBCASE("an empty part between two delimiters is kept") {
        const std::string m = k_mime_header + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\r\n\r\n\xc3\xa9\r\n--b--\r\n";
        const DowngradeResult r = downgrade_to_7bit(m);
        REQUIRE(r.status == DowngradeStatus::converted);
        CHECK(r.content == k_mime_header + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\r\n"
                                           "Content-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A9\r\n--b--\r\n");
    }
}

TEST_CASE("mime_downgrade: message/rfc822 is converted inside, never encoded whole (RFC 2046 §5.2.1)") {
    const std::string inner = "From: b@lab.test\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xc3\xa9t\xc3\xa9\r\n";
    const std::string head = k_mime_header + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                                             "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
    SUBCASE("an enclosed MIME message is converted by the same rules, its label becomes 7bit") {
        const DowngradeResult r = downgrade_to_7bit(head + inner + "\r\n--b--\r\n");
        REQUIRE(r.status == DowngradeStatus::converted);
        CHECK(r.content == k_mime_header + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                                           "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
                                           "From: b@lab.test\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                           "Content-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A9t=C3=A9\r\n\r\n--b--\r\n");
    }
    SUBCASE("8-bit header fields inside are impossible") {
        const DowngradeResult r = downgrade_to_7bit(head + "Subject: \xc3\xa9\r\nMIME-Version: 1.0\r\n\r\nx\r\n\r\n--b--\r\n");
        CHECK(r.status == DowngradeStatus::impossible);
        CAPTURE(r.reason);
        CHECK(r.reason.find("the message in body part 1") != std::string::npos);
    }
}

TEST_CASE("mime_downgrade: impossible conversions say why (RFC 6152 §3, RFC 6532, RFC 2045, RFC 2046)") {
    struct Case {
        const char* what;
        std::string message;
        const char* reason_mentions;
    };
    const std::string mp = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
    std::string deep = k_mime_header;
    for (int i = 0; i < 40; ++i) deep += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" + std::to_string(i) + "\r\n";
    deep += "\r\n\xc3\xa9\r\n";
    const Case cases[] = {
        {"8-bit header field (RFC 6532: needs SMTPUTF8)", "MIME-Version: 1.0\r\nSubject: caf\xc3\xa9\r\n\r\nbody\r\n", "SMTPUTF8"},
        {"8-bit body without MIME-Version (RFC 2045 §4)", "Subject: x\r\n\r\ncaf\xc3\xa9\r\n", "MIME-Version"},
        {"Content-Transfer-Encoding: binary (RFC 3030)", text_message("\xc3\xa9\r\n", "Content-Transfer-Encoding: binary\r\n"), "binary"},
        {"labelled base64 but 8-bit", text_message("\xc3\xa9\r\n", "Content-Transfer-Encoding: base64\r\n"), "base64"},
        {"labelled quoted-printable but 8-bit", text_message("\xc3\xa9\r\n", "Content-Transfer-Encoding: Quoted-Printable\r\n"), "quoted-printable"},
        {"unknown encoding", text_message("\xc3\xa9\r\n", "Content-Transfer-Encoding: x-uuencode\r\n"), "x-uuencode"},
        {"multipart without boundary", k_mime_header + "Content-Type: multipart/mixed\r\n\r\n--b\r\n\r\n\xc3\xa9\r\n--b--\r\n", "boundary"},
        {"multipart without a delimiter line", k_mime_header + mp + "\xc3\xa9\r\n", "delimiter"},
        {"8-bit preamble", k_mime_header + mp + "pr\xc3\xa9" "ambule\r\n--b\r\n\r\nx\r\n--b--\r\n", "preamble"},
        {"8-bit epilogue", k_mime_header + mp + "--b\r\n\r\nx\r\n--b--\r\n\xc3\xa9\r\n", "epilogue"},
        {"8-bit header in a body part", k_mime_header + mp + "--b\r\nContent-Description: \xc3\xa9\r\n\r\nx\r\n--b--\r\n", "body part 1"},
        {"message/partial must be 7bit (RFC 2046 §5.2.2)", text_message("\xc3\xa9\r\n", "Content-Type: message/partial; id=x; number=1\r\n"), "message/partial"},
        {"message/external-body must be 7bit (RFC 2046 §5.2.3)", text_message("\xc3\xa9\r\n", "Content-Type: message/external-body; access-type=x\r\n"), "message/external-body"},
        {"unknown message subtype", text_message("\xc3\xa9\r\n", "Content-Type: message/x-new\r\n"), "message/x-new"},
        {"nesting beyond 32 levels", deep, "nested"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.what);
        const DowngradeResult r = downgrade_to_7bit(c.message);
        CAPTURE(r.reason);
        CHECK(r.status == DowngradeStatus::impossible);
        CHECK(r.content.empty());
        CHECK(r.reason.find(c.reason_mentions) != std::string::npos);
    }
    SUBCASE("the reason names the part, numbered as IMAP does (RFC 3501 §6.4.5)") {
        const std::string m = k_mime_header + mp + "--b\r\n\r\nok\r\n--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n"
                                                   "--c\r\n\r\nok\r\n--c\r\nContent-Transfer-Encoding: binary\r\n\r\n\xc3\xa9\r\n--c--\r\n--b--\r\n";
        const DowngradeResult r = downgrade_to_7bit(m);
        CHECK(r.status == DowngradeStatus::impossible);
        CHECK(r.reason.starts_with("body part 2.2 "));
    }
    SUBCASE("message/global may be encoded (RFC 6532 §3.5)") {
        const DowngradeResult r = downgrade_to_7bit(text_message("Subject: \xc3\xa9\r\n\r\nx\r\n", "Content-Type: message/global\r\n"));
        CHECK(r.status == DowngradeStatus::converted);
        CHECK(find_header(r.content, "Content-Transfer-Encoding") == "quoted-printable");
    }
}

TEST_CASE("mime_downgrade: the encoders on their own (RFC 2045 §6.7, §6.8)") {
    SUBCASE("quoted-printable keeps hard breaks as they were and ends where the input ends") {
        CHECK(encode_quoted_printable("a\r\nb\nc") == "a\r\nb\nc");
        CHECK(encode_quoted_printable("x \r\n") == "x=20\r\n");
        CHECK(encode_quoted_printable("x ") == "x=20");
        CHECK(encode_quoted_printable("a\rb") == "a=0Db");
        CHECK(encode_quoted_printable(std::string(80, 'a'), "\n") == std::string(75, 'a') + "=\n" + std::string(5, 'a'));
        CHECK(encode_quoted_printable("") == "");
    }
    SUBCASE("base64 lines are 76 characters and decode to the input") {
        for (std::size_t n : {0u, 1u, 56u, 57u, 58u, 114u, 1000u}) {
            CAPTURE(n);
            std::string data;
            for (std::size_t i = 0; i < n; ++i) data += static_cast<char>(i * 31 + 5);
            const std::string enc = encode_base64_lines(data);
            CHECK(all_lines_at_most(enc, 76));
            CHECK(base64_undo(enc) == data);
            if (n == 57) CHECK(enc.size() == 76);  // exactly one full line, no line end after it
        }
    }
}
