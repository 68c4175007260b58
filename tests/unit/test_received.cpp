// Trace headers, RFC 5321 §4.4 (Received: stamp) and §6.3 (loop detection by counting them);
// WITH keywords RFC 3848; date-time RFC 5322 §3.3; folding RFC 5322 §2.2.3.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/received.hpp"

using namespace relaylab;

namespace {

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < s.size()) {
        std::size_t e = s.find("\r\n", pos);
        if (e == std::string::npos) {
            out.push_back(s.substr(pos));
            break;
        }
        out.push_back(s.substr(pos, e - pos));
        pos = e + 2;
    }
    return out;
}

std::string message_with_received(std::size_t n) {
    std::string m;
    for (std::size_t i = 0; i < n; ++i) m += "Received: from a by b; Sat, 28 Nov 2026 03:37:26 +0000\r\n";
    m += "Subject: hi\r\n\r\nbody\r\n";
    return m;
}

}  // namespace

TEST_CASE("received: RFC 5322 §3.3 dates") {
    struct Case {
        std::int64_t ms;
        const char* want;
    };
    const Case cases[] = {
        {0, "Thu, 1 Jan 1970 00:00:00 +0000"},
        {951782400000, "Tue, 29 Feb 2000 00:00:00 +0000"},          // leap day of a /400 year
        {1795837046000, "Sat, 28 Nov 2026 03:37:26 +0000"},
        {4133980799999, "Fri, 31 Dec 2100 23:59:59 +0000"},         // 2100 is no leap year
        {-1, "Wed, 31 Dec 1969 23:59:59 +0000"},                    // floor, not truncation
        {1709164800000, "Thu, 29 Feb 2024 00:00:00 +0000"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.ms);
        CHECK(format_rfc5322_date(c.ms) == c.want);
    }
}

TEST_CASE("received: WITH protocol keywords (RFC 3848 §1)") {
    CHECK(std::string(with_protocol_name(with_protocol_for(false, false, false))) == "SMTP");
    CHECK(std::string(with_protocol_name(with_protocol_for(true, false, false))) == "ESMTP");
    CHECK(std::string(with_protocol_name(with_protocol_for(true, true, false))) == "ESMTPS");
    CHECK(std::string(with_protocol_name(with_protocol_for(true, false, true))) == "ESMTPA");
    CHECK(std::string(with_protocol_name(with_protocol_for(true, true, true))) == "ESMTPSA");
}

TEST_CASE("received: header (RFC 5321 §4.4)") {
    ReceivedInfo info;
    info.helo = "client.example.org";
    info.client_host = "mail.example.org";
    info.client_ip = "192.0.2.7";
    info.hostname = "relay.lab.test";
    info.with = WithProtocol::esmtpsa;
    info.tls_version = "TLSv1.3";
    info.queue_id = "ABC123";
    info.for_recipient = "bob@lab.test";
    info.time_ms = 1795837046000;

    SUBCASE("all clauses in order, unfolded text as expected") {
        const std::string h = make_received_header(info);
        CHECK(h.starts_with("Received: from client.example.org (mail.example.org [192.0.2.7])"));
        CHECK(h.ends_with("\r\n"));
        std::string unfolded;
        for (const auto& l : lines_of(h)) {
            if (!unfolded.empty()) unfolded += ' ';
            unfolded += l.substr(l.find_first_not_of(" \t"));
        }
        CHECK(unfolded ==
              "Received: from client.example.org (mail.example.org [192.0.2.7]) by relay.lab.test (relaylab) "
              "with ESMTPSA (TLSv1.3) id ABC123 for <bob@lab.test>; Sat, 28 Nov 2026 03:37:26 +0000");
    }
    SUBCASE("an IPv6 client is an IPv6 address literal (RFC 5321 §4.1.3)") {
        info.client_ip = "2001:db8::25";
        const std::string h = make_received_header(info);
        CHECK(h.find("[IPv6:2001:db8::25]") != std::string::npos);
    }
    SUBCASE("folded with CRLF + whitespace, lines short") {
        const std::string h = make_received_header(info);
        const auto ls = lines_of(h);
        CHECK(ls.size() > 1);
        for (std::size_t i = 0; i < ls.size(); ++i) {
            CAPTURE(ls[i]);
            CHECK(ls[i].size() <= 78);
            if (i > 0) CHECK((ls[i].front() == ' ' || ls[i].front() == '\t'));
        }
    }
    SUBCASE("no FOR clause without a single recipient; no TLS comment without TLS") {
        info.for_recipient.clear();
        info.tls_version.clear();
        info.with = WithProtocol::esmtp;
        const std::string h = make_received_header(info);
        CHECK(h.find(" for ") == std::string::npos);
        CHECK(h.find("TLS") == std::string::npos);
        CHECK(h.find("with ESMTP") != std::string::npos);
    }
    SUBCASE("hostile HELO / recipient cannot inject a header line") {
        const char* hostile[] = {
            "evil\r\nBcc: victim@example.org",
            "evil\nX-Injected: 1",
            "evil\rX-Injected: 1",
            "evil\r\n\r\nbody starts here",
            "a(b)c; Mon, 1 Jan 2000 00:00:00 +0000",
            "x\x01\x7f\x1b[31m",
            "\r\n",
            "",
        };
        for (const char* h : hostile) {
            CAPTURE(h);
            ReceivedInfo bad = info;
            bad.helo = h;
            bad.client_host = h;
            bad.for_recipient = std::string("bob@lab.test>") + h;
            bad.queue_id = h;
            bad.tls_version = h;
            const std::string out = make_received_header(bad);
            const auto ls = lines_of(out);
            CHECK(ls.front().starts_with("Received: from "));
            for (std::size_t i = 1; i < ls.size(); ++i) {
                CAPTURE(ls[i]);
                REQUIRE(!ls[i].empty());
                CHECK((ls[i].front() == ' ' || ls[i].front() == '\t'));  // only continuation lines
            }
            for (char c : out) {
                const auto u = static_cast<unsigned char>(c);
                if (c == '\r' || c == '\n' || c == '\t') continue;
                CHECK(u >= 0x20);
                CHECK(u != 0x7f);
            }
            // every CR is part of a CRLF and every LF follows a CR
            for (std::size_t i = 0; i < out.size(); ++i) {
                if (out[i] == '\r') CHECK((i + 1 < out.size() && out[i + 1] == '\n'));
                if (out[i] == '\n') CHECK((i > 0 && out[i - 1] == '\r'));
            }
            CHECK(count_received_headers(out + "\r\n") == 1);
            CHECK(out.find(';') == out.rfind(';'));  // only the date separator
        }
    }
    SUBCASE("very long HELO is capped and no line passes 998 octets (RFC 5322 §2.1.1)") {
        info.helo = std::string(5000, 'a');
        info.for_recipient = std::string(3000, 'b') + "@lab.test";
        for (const auto& l : lines_of(make_received_header(info))) CHECK(l.size() <= 998);
    }
}

TEST_CASE("received: fold and sanitize helpers (RFC 5322 §2.2.3)") {
    SUBCASE("sanitize turns control bytes into single spaces, keeps UTF-8") {
        CHECK(sanitize_header_text("a\r\nb") == "a b");
        CHECK(sanitize_header_text("  a \t\x01 b  ") == "a b");
        CHECK(sanitize_header_text("caf\xc3\xa9") == "caf\xc3\xa9");
    }
    SUBCASE("a word longer than 998 octets is cut") {
        const std::string f = fold_header_field("X", std::string(2500, 'z'));
        for (const auto& l : lines_of(f)) CHECK(l.size() <= 998);
        std::string joined;
        for (char c : f)
            if (c == 'z') joined += c;
        CHECK(joined.size() == 2500);
    }
}

TEST_CASE("received: hop count (RFC 5321 §6.3)") {
    SUBCASE("counts Received fields in the header only, case-insensitively") {
        std::string m = "received: a\r\nRECEIVED : b\r\n\tReceived: continuation\r\nX-Received: no\r\nSubject: s\r\n"
                        "\r\nReceived: in the body\r\n";
        CHECK(count_received_headers(m) == 2);
        CHECK(count_received_headers("Received: a\nReceived: b\n\nReceived: c\n") == 2);  // LF-only input
        CHECK(count_received_headers("\r\nReceived: body only\r\n") == 0);
        CHECK(count_received_headers("") == 0);
    }
    SUBCASE("at the limit passes, one above is 554 5.4.6") {
        for (std::size_t limit : {std::size_t{50}, std::size_t{100}, std::size_t{3}}) {
            CAPTURE(limit);
            CHECK_FALSE(check_hop_count(message_with_received(limit), limit));
            auto r = check_hop_count(message_with_received(limit + 1), limit);
            REQUIRE(r);
            CHECK(r->code == 554);
            CHECK(r->enhanced == "5.4.6");
            CHECK(r->summary() == "554 5.4.6 Too many hops");
        }
        CHECK_FALSE(check_hop_count(message_with_received(50)));  // default limit 50
        CHECK(check_hop_count(message_with_received(51)));
    }
}
