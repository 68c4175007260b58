// The MIME reader (engine/mime_header.hpp, engine/mime_message.hpp) and the inbox summary
// (engine/mail_summary.hpp): header fields, encoded words, transfer encodings, multipart
// trees and part IDs, addresses, dates, search.
#include <doctest/doctest.h>

#include "engine/content_scan.hpp"
#include "engine/mail_summary.hpp"
#include "engine/mime_header.hpp"
#include "engine/mime_message.hpp"

using namespace relaylab;

namespace {

// A message a mail client would send: text and HTML alternatives and a PDF attachment whose
// name is RFC 2231-encoded, in a multipart/mixed with a preamble and an epilogue.
const std::string k_multipart =
    "Return-Path: <jurgen@example.org>\r\n"
    "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jurgen@example.org>\r\n"
    "To: \"Bob, B.\" <bob@dest.test>,\r\n"
    " carol@dest.test (Carol C)\r\n"
    "Cc: undisclosed-recipients:;\r\n"
    "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?= and\r\n"
    " more\r\n"
    "Date: Tue, 1 Dec 2026 09:30:00 +0100\r\n"
    "Message-ID: <abc.123@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "This is the preamble.\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Hallo J=C3=BCrgen, this line is soft=\r\n"
    " broken.\r\n"
    "--inner\r\n"
    "Content-Type: text/html; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<p>Gr=FC=DFe</p>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
    "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBE\r\nRi0x\r\nLjQK\r\n"
    "--outer--\r\n"
    "This is the epilogue.\r\n";

}  // namespace

TEST_CASE("mime header: fields are unfolded (RFC 5322 §2.2.3)") {
    const MessageSections hb = split_header_section(k_multipart);
    const MimeFields f = parse_mime_fields(hb.header);
    CHECK(header_value(f, "subject") == "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?= and more");
    CHECK(header_value(f, "TO") == "\"Bob, B.\" <bob@dest.test>, carol@dest.test (Carol C)");
    CHECK_FALSE(header_value(f, "Bcc"));
    CHECK(hb.body.substr(0, 21) == "This is the preamble.");
    SUBCASE("bare LF line ends are read too") {
        const MessageSections lf = split_header_section("A: 1\n  2\nB: x\n\nbody\n");
        const MimeFields g = parse_mime_fields(lf.header);
        CHECK(header_value(g, "a") == "1  2");
        CHECK(lf.body == "body\n");
    }
    SUBCASE("a message without an empty line is all header") {
        CHECK(split_header_section("A: 1\r\n").body.empty());
    }
}

TEST_CASE("mime header: parameters (RFC 2045 §5.1, RFC 2231)") {
    MimeValue v = parse_mime_value("Text/HTML; Charset=\"UTF-8\"; name=a.html (comment)");
    CHECK(v.value == "text/html");
    CHECK(v.params["charset"] == "UTF-8");
    CHECK(v.params["name"] == "a.html");
    v = parse_mime_value("attachment; filename*0*=utf-8''caf%C3%A9; filename*1=\" menu.pdf\"");
    CHECK(v.value == "attachment");
    CHECK(v.params["filename"] == "caf\xC3\xA9 menu.pdf");
    v = parse_mime_value("multipart/mixed; boundary=\"a;b\\\"c\"");
    CHECK(v.params["boundary"] == "a;b\"c");
}

TEST_CASE("mime header: encoded words (RFC 2047)") {
    CHECK(decode_encoded_words("=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=") == "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln");
    CHECK(decode_encoded_words("=?iso-8859-1?q?Gr=FC=DFe_dich?=") == "Gr\xC3\xBC\xC3\x9F" "e dich");
    // §6.2: whitespace between adjacent encoded words is dropped, elsewhere kept.
    CHECK(decode_encoded_words("=?utf-8?q?a?= =?utf-8?q?b?=") == "ab");
    CHECK(decode_encoded_words("=?utf-8?q?a?=  x  =?utf-8?q?b?=") == "a  x  b");
    CHECK(decode_encoded_words("plain text") == "plain text");
    // Malformed words stay as they are.
    CHECK(decode_encoded_words("=?utf-8?x?abc?=") == "=?utf-8?x?abc?=");
    CHECK(decode_encoded_words("=?utf-8?q?unterminated") == "=?utf-8?q?unterminated");
    CHECK(to_utf8("\x80", "windows-1252") == "\xE2\x82\xAC");
}

TEST_CASE("mime header: transfer encodings (RFC 2045 §6.7, §6.8)") {
    CHECK(decode_quoted_printable("a=3Db=\r\nc  \r\nd") == "a=bc\r\nd");
    CHECK(decode_quoted_printable("x=ZZ=4") == "x=ZZ=4");  // malformed: kept
    CHECK(decode_quoted_printable("line\nnext") == "line\r\nnext");
    CHECK(decode_base64_lenient("SGVs\r\nbG8=\r\n") == "Hello");
    CHECK(decode_base64_lenient("SGVsbG8") == "Hello");
}

TEST_CASE("mime header: address lists (RFC 5322 §3.4)") {
    auto list = parse_address_list(
        "\"Doe, John\" <john@x.test>, (a comment) jane@y.test (Jane), Team: a@b.test, =?utf-8?q?Z=C3=B6e?= <zoe@c.test>;, "
        "<bare@d.test>, undisclosed-recipients:;");
    REQUIRE(list.size() == 5);
    CHECK(list[0].name == "Doe, John");
    CHECK(list[0].address == "john@x.test");
    CHECK(list[1].address == "jane@y.test");
    CHECK(list[1].name == "Jane");
    CHECK(list[2].address == "a@b.test");
    CHECK(list[3].name == "Z\xC3\xB6" "e");
    CHECK(list[3].address == "zoe@c.test");
    CHECK(list[4].name.empty());
    CHECK(list[4].address == "bare@d.test");
    CHECK(parse_address_list("").empty());
}

TEST_CASE("mime header: dates (RFC 5322 §3.3)") {
    CHECK(parse_rfc5322_date("Tue, 1 Dec 2026 09:30:00 +0100") == 1'796'113'800'000LL);
    CHECK(iso8601_utc(1'796'113'800'000LL) == "2026-12-01T08:30:00.000Z");
    CHECK(iso8601_utc(1'796'113'800'123LL) == "2026-12-01T08:30:00.123Z");
    CHECK(iso8601_utc(0) == "1970-01-01T00:00:00.000Z");
    CHECK(parse_rfc5322_date("1 Dec 2026 08:30 GMT") == 1'796'113'800'000LL);
    CHECK(parse_rfc5322_date("Tue, 1 Dec 2026 03:30:00 EST") == 1'796'113'800'000LL);
    CHECK(parse_rfc5322_date("29 Feb 2024 00:00:00 -0000") == 1'709'164'800'000LL);
    CHECK_FALSE(parse_rfc5322_date("yesterday"));
    CHECK_FALSE(parse_rfc5322_date("1 Foo 2026 08:30:00 +0000"));
    CHECK_FALSE(parse_rfc5322_date("1 Dec 2026 25:30:00 +0000"));
}

TEST_CASE("mime message: the tree, part IDs and the reader's view (RFC 2046 §5.1)") {
    const MimePart root = parse_mime(k_multipart);
    CHECK(root.content_type == "multipart/mixed");
    CHECK(root.part_id.empty());
    REQUIRE(root.children.size() == 2);  // preamble and epilogue are not parts
    const MimePart& alt = root.children[0];
    CHECK(alt.part_id == "1");
    REQUIRE(alt.children.size() == 2);
    CHECK(alt.children[0].part_id == "1.1");
    CHECK(alt.children[1].part_id == "1.2");
    const MimePart& pdf = root.children[1];
    CHECK(pdf.part_id == "2");
    CHECK(pdf.filename == "r\xC3\xA9sum\xC3\xA9.pdf");  // Content-Disposition wins over name=
    CHECK(pdf.decoded() == "%PDF-1.4\n");

    const MimeView view = mime_view(root);
    REQUIRE(view.text);
    REQUIRE(view.html);
    CHECK(view.text->text() == "Hallo J\xC3\xBCrgen, this line is soft broken.");
    CHECK(view.html->text() == "<p>Gr\xC3\xBC\xC3\x9F" "e</p>");  // ISO-8859-1 into UTF-8
    REQUIRE(view.attachments.size() == 1);
    CHECK(view.attachments[0] == &pdf);
    CHECK(view.inlines.empty());
    CHECK(find_part(root, "1.2") == &alt.children[1]);
    CHECK(find_part(root, "2") == &pdf);
    CHECK(find_part(root, "3") == nullptr);
    CHECK(find_part(root, "") == nullptr);
}

TEST_CASE("mime message: single parts, inline images, damaged multiparts") {
    SUBCASE("a plain message is part 1, text/plain us-ascii by default (RFC 2045 §5.2)") {
        const MimePart root = parse_mime("Subject: x\r\n\r\nhello\r\n");
        CHECK(root.part_id == "1");
        CHECK(root.content_type == "text/plain");
        const MimeView v = mime_view(root);
        REQUIRE(v.text);
        CHECK(v.text->text() == "hello\r\n");
    }
    SUBCASE("an image with a Content-ID is inline, a second text part an attachment") {
        const std::string m =
            "Content-Type: multipart/related; boundary=b\r\n\r\n"
            "--b\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:logo\">\r\n"
            "--b\r\nContent-Type: image/png\r\nContent-ID: <logo>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n"
            "--b\r\nContent-Type: text/plain; name=notes.txt\r\n\r\nnotes\r\n"
            "--b--\r\n";
        const MimeView v = mime_view(parse_mime(m));
        REQUIRE(v.html);
        REQUIRE(v.inlines.size() == 1);
        CHECK(v.inlines[0]->content_id == "logo");
        CHECK(v.inlines[0]->part_id == "2");
        CHECK(v.inlines[0]->decoded() == "\x89PNG");
        REQUIRE(v.attachments.size() == 1);
        CHECK(v.attachments[0]->filename == "notes.txt");
    }
    SUBCASE("an unterminated multipart keeps its last part") {
        const MimePart root = parse_mime("Content-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n\r\nfirst\r\n--z\r\n\r\nlast");
        REQUIRE(root.children.size() == 2);
        CHECK(root.children[1].raw_body == "last");
    }
    SUBCASE("a multipart without a boundary is one leaf") {
        const MimePart root = parse_mime("Content-Type: multipart/mixed\r\n\r\nstuff\r\n");
        CHECK(root.children.empty());
        CHECK(root.part_id == "1");
    }
    SUBCASE("nesting stops at the depth limit") {
        std::string m;
        for (int i = 0; i < 40; ++i) m += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" + std::to_string(i) + "\r\n";
        m += "\r\ndeep\r\n";
        const MimePart root = parse_mime(m);
        int depth = 0;
        for (const MimePart* p = &root; !p->children.empty(); p = &p->children[0]) ++depth;
        CHECK(depth == k_max_mime_depth);
    }
}

TEST_CASE("mail summary: what the inbox lists") {
    const MailSummary s = summarize_message(k_multipart, {"carol@dest.test", "dave@dest.test"});
    CHECK(s.subject == "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln and more");
    CHECK(s.from.name == "J\xC3\xBCrgen M\xC3\xBCller");
    CHECK(s.from.address == "jurgen@example.org");
    REQUIRE(s.to.size() == 2);
    CHECK(s.to[0].name == "Bob, B.");
    CHECK(s.cc.empty());
    // dave was an envelope recipient named nowhere in the header: a Bcc.
    REQUIRE(s.bcc.size() == 1);
    CHECK(s.bcc[0].address == "dave@dest.test");
    CHECK(s.message_id == "abc.123@example.org");
    CHECK(s.return_path == "jurgen@example.org");
    CHECK(s.date_ms == 1'796'113'800'000LL);
    CHECK(s.attachments == 1);
    CHECK(s.snippet == "Hallo J\xC3\xBCrgen, this line is soft broken.");

    SUBCASE("HTML only: the snippet is its text") {
        const MailSummary h = summarize_message(
            "Content-Type: text/html\r\n\r\n<html><head><style>p{}</style></head><body><p>Hi &amp;\r\n  bye</p></body></html>", {});
        CHECK(h.snippet == "Hi & bye");
    }
    SUBCASE("the snippet stops at 250 characters, never inside a UTF-8 sequence") {
        std::string body;
        for (int i = 0; i < 300; ++i) body += "\xC3\xA9";
        const MailSummary l = summarize_message("Content-Type: text/plain; charset=utf-8\r\n\r\n" + body, {});
        CHECK(l.snippet.size() == 500);
    }
}

TEST_CASE("mail summary: search terms") {
    const MailSummary s = summarize_message(k_multipart, {});
    auto match = [&](const char* q, bool read = false) { return search_matches(parse_search_query(q), s, read); };
    CHECK(match(""));
    CHECK(match("from:jurgen@example.org"));
    CHECK(match("from:M\xC3\xBCller"));
    CHECK_FALSE(match("from:bob"));
    CHECK(match("to:bob@dest.test"));
    CHECK(match("to:CAROL"));
    CHECK(match("subject:k\xC3\xB6ln"));
    CHECK(match("subject:\"and more\""));
    CHECK_FALSE(match("subject:\"more and\""));
    CHECK(match("soft"));            // a plain word in the text
    CHECK(match("soft -nothing"));   // negation
    CHECK_FALSE(match("soft -hallo"));
    CHECK(match("has:attachment"));
    CHECK(match("is:unread"));
    CHECK_FALSE(match("is:unread", true));
    CHECK(match("is:read", true));
    CHECK(match("message-id:abc.123"));
    CHECK_FALSE(match("soft bob@nowhere"));  // every term must match
    const auto terms = parse_search_query("  From:A   !subject:\"x y\" word ");
    REQUIRE(terms.size() == 3);
    CHECK(terms[0].field == "from");
    CHECK(terms[1].negated);
    CHECK(terms[1].value == "x y");
    CHECK(terms[2].field.empty());
}
