// Header fields a server adds or removes: Date and Message-ID at submission (RFC 6409 §8.2,
// §8.3; RFC 5322 §3.6.1, §3.6.4), and the Return-Path of final delivery (RFC 5321 §4.4,
// RFC 5322 §3.6.7), where an arriving Return-Path is not trusted.
#include <doctest/doctest.h>

#include <string>

#include "engine/content_scan.hpp"
#include "engine/header_fixup.hpp"
#include "engine/ids.hpp"
#include "engine/received.hpp"

using namespace relaylab;

namespace {

constexpr std::int64_t k_now = 1795837046000;  // Sat, 28 Nov 2026 03:37:26 +0000

Path path_of(std::string local, std::string domain) {
    Path p;
    p.mailbox.local_part = std::move(local);
    p.mailbox.domain = std::move(domain);
    return p;
}

std::size_t count_lines(const std::string& s) {
    std::size_t n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

}  // namespace

TEST_CASE("header_fixup: Date and Message-ID added only when missing (RFC 6409 §8.2, §8.3)") {
    SUBCASE("both missing: Date first, then Message-ID, each one CRLF-terminated line") {
        const SubmissionFixup f = missing_submission_headers("Subject: hi\r\n\r\nbody\r\n", "mail.lab.test", k_now, 7, 42);
        CHECK(f.added_date);
        CHECK(f.added_message_id);
        CHECK(f.headers == "Date: Sat, 28 Nov 2026 03:37:26 +0000\r\nMessage-ID: " + make_message_id(7, 42, "mail.lab.test") + "\r\n");
    }
    SUBCASE("both present, in any case of the name: nothing to add") {
        for (const char* m : {"Date: x\r\nMessage-ID: <a@b>\r\n\r\n", "DATE: x\r\nmessage-id: <a@b>\r\n\r\nbody",
                              "message-Id : <a@b>\r\ndate:\r\n"}) {
            CAPTURE(m);
            const SubmissionFixup f = missing_submission_headers(m, "h", k_now, 1, 1);
            CHECK(f.headers.empty());
            CHECK_FALSE(f.added_date);
            CHECK_FALSE(f.added_message_id);
        }
    }
    SUBCASE("one present: only the other is added") {
        const SubmissionFixup a = missing_submission_headers("Date: x\r\n\r\n", "h.example", k_now, 1, 2);
        CHECK_FALSE(a.added_date);
        CHECK(a.added_message_id);
        CHECK(a.headers == "Message-ID: " + make_message_id(1, 2, "h.example") + "\r\n");
        const SubmissionFixup b = missing_submission_headers("Message-ID: <a@b>\r\n\r\n", "h.example", k_now, 1, 2);
        CHECK(b.added_date);
        CHECK_FALSE(b.added_message_id);
        CHECK(b.headers == "Date: " + format_rfc5322_date(k_now) + "\r\n");
    }
    SUBCASE("fields in the body or under longer names do not count (RFC 5322 §2.1)") {
        const SubmissionFixup f =
            missing_submission_headers("Resent-Date: x\r\nDate-Ish: y\r\n\r\nDate: z\r\nMessage-ID: <a@b>\r\n", "h", k_now, 1, 1);
        CHECK(f.added_date);
        CHECK(f.added_message_id);
    }
    SUBCASE("a pure function of its inputs; prepending completes the message") {
        const std::string m = "From: a@lab.test\r\n\r\nbody\r\n";
        const SubmissionFixup x = missing_submission_headers(m, "h", k_now, 9, 1);
        CHECK(x.headers == missing_submission_headers(m, "h", k_now, 9, 1).headers);
        CHECK(x.headers != missing_submission_headers(m, "h", k_now, 9, 2).headers);
        const std::string done = x.headers + m;
        CHECK(has_header(done, "Date"));
        CHECK(has_header(done, "Message-ID"));
        CHECK(missing_submission_headers(done, "h", k_now + 1, 9, 3).headers.empty());  // idempotent
    }
    SUBCASE("a hostile host name cannot add a line") {
        const SubmissionFixup f = missing_submission_headers("\r\n", "evil\r\nBcc: x@y\r\n", k_now, 1, 1);
        CAPTURE(f.headers);
        CHECK(count_lines(f.headers) == 2);
        CHECK(f.headers.find("\nBcc") == std::string::npos);
    }
}

TEST_CASE("header_fixup: Return-Path from the reverse-path (RFC 5321 §4.4, RFC 5322 §3.6.7)") {
    SUBCASE("a mailbox in angle brackets") {
        CHECK(return_path_header(path_of("a", "b.example")) == "Return-Path: <a@b.example>\r\n");
    }
    SUBCASE("the null reverse-path gives <>") {
        Path null;
        null.null = true;
        CHECK(return_path_header(null) == "Return-Path: <>\r\n");
    }
    SUBCASE("a source route is left out (RFC 5321 §4.1.1.3, Appendix C)") {
        Path p = path_of("a", "b.example");
        p.source_route = {"relay1.example", "relay2.example"};
        CHECK(return_path_header(p) == "Return-Path: <a@b.example>\r\n");
    }
    SUBCASE("a quoted local part keeps its spaces; UTF-8 is kept (RFC 6531)") {
        CHECK(return_path_header(path_of("\"john  doe\"", "b.example")) == "Return-Path: <\"john  doe\"@b.example>\r\n");
        CHECK(return_path_header(path_of("j\xc3\xb6rg", "b.example")) == "Return-Path: <j\xc3\xb6rg@b.example>\r\n");
    }
    SUBCASE("control characters cannot sneak in: one line, whatever the path holds") {
        for (int c = 0; c < 0x20; ++c) {
            CAPTURE(c);
            std::string local = "a";
            local += static_cast<char>(c);
            local += 'b';
            const std::string h = return_path_header(path_of(local, "x.example"));
            CHECK(h == "Return-Path: <ab@x.example>\r\n");
        }
        const std::string h = return_path_header(path_of("a", "x.example\r\nBcc: victim@y.example\x7f"));
        CHECK(h == "Return-Path: <a@x.exampleBcc: victim@y.example>\r\n");
        CHECK(count_lines(h) == 1);
    }
}

TEST_CASE("header_fixup: arriving Return-Path fields are removed (RFC 5321 §4.4)") {
    SUBCASE("every Return-Path field goes, continuation lines with it, in any case") {
        const std::string m =
            "Return-Path: <forged@x.example>\r\n"
            "Received: from a by b\r\n"
            "\tfor <c@d>; Sat, 28 Nov 2026 03:37:26 +0000\r\n"
            "return-path:\r\n"
            " <another@x.example>\r\n"
            "RETURN-PATH : <third@x.example>\r\n"
            "Subject: hi\r\n"
            "\r\n"
            "Return-Path: <in-body@x.example>\r\n";
        CHECK(strip_return_path(m) ==
              "Received: from a by b\r\n"
              "\tfor <c@d>; Sat, 28 Nov 2026 03:37:26 +0000\r\n"
              "Subject: hi\r\n"
              "\r\n"
              "Return-Path: <in-body@x.example>\r\n");
    }
    SUBCASE("nothing to remove: byte for byte the same, LF text and header-only messages too") {
        for (const char* m : {"Subject: x\r\n\r\nbody\r\n", "Subject: x\n\nbody\n", "Subject: x\r\n", "",
                              "Return-Path-Like: <a@b>\r\n\r\n", "\r\nReturn-Path: <body@only>\r\n"}) {
            CAPTURE(m);
            CHECK(strip_return_path(m) == m);
        }
    }
    SUBCASE("the fresh Return-Path then stands alone") {
        const std::string m = "Return-Path: <forged@x.example>\r\nSubject: x\r\n\r\nbody\r\n";
        const std::string delivered = return_path_header(path_of("real", "lab.test")) + strip_return_path(m);
        CHECK(delivered == "Return-Path: <real@lab.test>\r\nSubject: x\r\n\r\nbody\r\n");
        CHECK(find_header(delivered, "Return-Path") == "<real@lab.test>");
    }
}
