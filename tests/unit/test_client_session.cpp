// ClientSession: the SMTP client state machine, driven by scripted server replies in
// memory. RFC 5321 §3, §4 (dialogue), RFC 2920 (PIPELINING), RFC 3207 (STARTTLS),
// RFC 4954 / RFC 4616 (AUTH), RFC 1870 (SIZE), RFC 3030 (CHUNKING), RFC 3461 (DSN).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/client_session.hpp"
#include "engine/explain.hpp"
#include "tests/unit/paths.hpp"

using namespace relaylab;

namespace {

using relaylab::test::path_of;

OutgoingMessage message(std::vector<std::string> rcpts, std::string content = "Subject: hi\r\n\r\nhello\r\n") {
    OutgoingMessage m;
    m.from = path_of("alice", "lab.test");
    for (const auto& r : rcpts) m.rcpts.emplace_back(path_of(r, "example.org"), RcptParams{});
    m.content = std::move(content);
    return m;
}

// The test plays the server: feeds replies, collects what the client sent and its events.
struct Harness {
    ClientSession c;
    std::int64_t now = 1000;
    std::vector<ClientEvent> events;

    explicit Harness(ClientConfig cfg = {}) : c(std::move(cfg), 1000) {}

    std::string server(std::string_view bytes) {
        c.feed(bytes, now);
        drain();
        return c.take_output();
    }
    void drain() {
        while (auto e = c.next_event()) events.push_back(std::move(*e));
    }
    std::vector<MessageOutcome> outcomes() const {
        std::vector<MessageOutcome> out;
        for (const auto& e : events)
            if (auto* m = std::get_if<MessageDoneEvent>(&e)) out.push_back(m->outcome);
        return out;
    }
    std::optional<ClosedEvent> closed_event() const {
        for (const auto& e : events)
            if (auto* m = std::get_if<ClosedEvent>(&e)) return *m;
        return std::nullopt;
    }
    int count_tls_start() const {
        int n = 0;
        for (const auto& e : events) n += std::holds_alternative<TlsStartEvent>(e) ? 1 : 0;
        return n;
    }
};

const char* k_ehlo_plain = "250-mx.example.org hello\r\n250 8BITMIME\r\n";
const char* k_ehlo_pipe = "250-mx.example.org hello\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250 8BITMIME\r\n";

ClientConfig plain_config() {
    ClientConfig cfg;
    cfg.tls = TlsPolicy::none;
    return cfg;
}

}  // namespace

TEST_CASE("client capabilities: EHLO reply parsing (RFC 5321 §4.1.1.1)") {
    SUBCASE("every keyword we use") {
        auto caps = parse_ehlo_reply(make_reply(250, "",
                                                "mx.example.org greets you\nPIPELINING\nSIZE 35882577\n8BITMIME\n"
                                                "STARTTLS\nAUTH PLAIN LOGIN CRAM-MD5\nSMTPUTF8\nDSN\nCHUNKING\n"
                                                "ENHANCEDSTATUSCODES\nVRFY"));
        CHECK(caps.esmtp);
        CHECK(caps.domain == "mx.example.org");
        CHECK(caps.pipelining);
        CHECK(caps.size);
        CHECK(caps.size_limit == 35882577);
        CHECK(caps.eight_bit_mime);
        CHECK(caps.starttls);
        CHECK(caps.auth == std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5"});
        CHECK(caps.smtputf8);
        CHECK(caps.dsn);
        CHECK(caps.chunking);
        CHECK(caps.enhanced_status_codes);
    }
    SUBCASE("keywords are case-insensitive; obsolete AUTH= form accepted") {
        auto caps = parse_ehlo_reply(make_reply(250, "", "mx\npipelining\nAuth=login plain\nstarttls"));
        CHECK(caps.pipelining);
        CHECK(caps.starttls);
        CHECK(caps.offers_auth("plain"));
        CHECK(caps.offers_auth("LOGIN"));
        CHECK_FALSE(caps.offers_auth("CRAM-MD5"));
    }
    SUBCASE("SIZE without a number or SIZE 0 means no fixed limit (RFC 1870 §4)") {
        for (const char* line : {"SIZE", "SIZE 0", "SIZE abc", "SIZE 999999999999999999999999"}) {
            CAPTURE(line);
            auto caps = parse_ehlo_reply(make_reply(250, "", std::string("mx\n") + line));
            CHECK(caps.size);
            CHECK(caps.size_limit == 0);
        }
    }
    SUBCASE("a one-line EHLO reply offers nothing") {
        auto caps = parse_ehlo_reply(make_reply(250, "", "mx.example.org"));
        CHECK_FALSE(caps.pipelining);
        CHECK_FALSE(caps.size);
        CHECK(caps.auth.empty());
    }
}

TEST_CASE("client session: greeting and hello") {
    SUBCASE("waits for 220, then EHLO (RFC 5321 §3.1, §4.1.1.1)") {
        Harness h(plain_config());
        CHECK(h.c.take_output().empty());
        CHECK(h.c.phase() == ClientPhase::greeting);
        CHECK(h.server("220 mx.example.org ESMTP\r\n") == "EHLO relay.lab.test\r\n");
        CHECK(h.server(k_ehlo_plain).empty());
        CHECK(h.c.phase() == ClientPhase::ready);
        CHECK(h.c.capabilities().eight_bit_mime);
    }
    SUBCASE("the greeting may arrive one byte at a time") {
        Harness h(plain_config());
        const std::string g = "220-mx.example.org\r\n220 ready\r\n";
        std::string out;
        for (char ch : g) out += h.server(std::string(1, ch));
        CHECK(out == "EHLO relay.lab.test\r\n");
    }
    SUBCASE("EHLO refused with 5xx: fall back to HELO, no extensions (RFC 5321 §3.2)") {
        for (const char* refusal : {"500 5.5.1 unrecognized\r\n", "502 command not implemented\r\n",
                                    "550 no\r\n"}) {
            CAPTURE(refusal);
            Harness h(plain_config());
            h.c.send(message({"bob"}), h.now);
            h.server("220 mx\r\n");
            CHECK(h.server(refusal) == "HELO relay.lab.test\r\n");
            CHECK(h.c.phase() == ClientPhase::helo);
            // After HELO: plain MAIL FROM without any ESMTP parameter.
            CHECK(h.server("250 mx\r\n") == "MAIL FROM:<alice@lab.test>\r\n");
            CHECK_FALSE(h.c.capabilities().esmtp);
        }
    }
    SUBCASE("HELO refused too: QUIT, helo_rejected") {
        Harness h(plain_config());
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        h.server("502 no\r\n");
        CHECK(h.server("550 5.7.1 go away\r\n") == "QUIT\r\n");
        h.server("221 bye\r\n");
        auto closed = h.closed_event();
        REQUIRE(closed);
        CHECK(closed->failure == SessionFailure::helo_rejected);
        REQUIRE(closed->reply);
        CHECK(closed->reply->code == 550);
        auto out = h.outcomes();
        REQUIRE(out.size() == 1);
        CHECK(out[0].recipients[0].status == RecipientStatus::permanent);
        CHECK(out[0].recipients[0].reply.code == 550);
    }
    SUBCASE("554 greeting: QUIT, greeting_rejected (RFC 5321 §3.1)") {
        Harness h(plain_config());
        h.c.send(message({"bob"}), h.now);
        CHECK(h.server("554 5.7.1 no service for you\r\n") == "QUIT\r\n");
        CHECK(h.c.phase() == ClientPhase::quit);
        h.server("221 bye\r\n");
        auto closed = h.closed_event();
        REQUIRE(closed);
        CHECK(closed->failure == SessionFailure::greeting_rejected);
        CHECK(h.outcomes().at(0).recipients.at(0).reply.enhanced == "5.7.1");
        CHECK(h.c.closed());
    }
    SUBCASE("421 at any point closes without QUIT (RFC 5321 §3.8)") {
        Harness h(plain_config());
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        h.server(k_ehlo_plain);
        CHECK(h.server("421 4.3.2 shutting down\r\n").empty());
        auto closed = h.closed_event();
        REQUIRE(closed);
        CHECK(closed->failure == SessionFailure::service_closing);  // orderly, not "lost"
        CHECK(std::string(session_failure_text(closed->failure)).find("421") != std::string::npos);
        auto o = h.outcomes().at(0).recipients.at(0);
        CHECK(o.status == RecipientStatus::temporary);
        CHECK(o.reply.code == 421);
    }
}

TEST_CASE("client session: one message, one by one (RFC 5321 §3.3)") {
    Harness h(plain_config());
    auto id = h.c.send(message({"bob", "carol"}), h.now);
    REQUIRE(id);
    h.c.quit(h.now);
    h.server("220 mx\r\n");
    CHECK(h.server(k_ehlo_plain) == "MAIL FROM:<alice@lab.test>\r\n");
    CHECK(h.server("250 2.1.0 ok\r\n") == "RCPT TO:<bob@example.org>\r\n");

    SUBCASE("RCPT partial failure: the rejected recipient keeps its reply (RFC 5321 §4.2.5)") {
        CHECK(h.server("250 2.1.5 ok\r\n") == "RCPT TO:<carol@example.org>\r\n");
        CHECK(h.server("550 5.1.1 no such user\r\n") == "DATA\r\n");
        CHECK(h.server("354 go ahead\r\n") == "Subject: hi\r\n\r\nhello\r\n.\r\n");
        CHECK(h.server("250 2.0.0 queued as X\r\n") == "QUIT\r\n");
        auto out = h.outcomes();
        REQUIRE(out.size() == 1);
        CHECK(out[0].message == *id);
        REQUIRE(out[0].recipients.size() == 2);
        CHECK(out[0].recipients[0].rcpt == path_of("bob", "example.org"));
        CHECK(out[0].recipients[0].status == RecipientStatus::accepted);
        CHECK(out[0].recipients[0].reply.summary() == "250 2.0.0 queued as X");
        CHECK(out[0].recipients[1].status == RecipientStatus::permanent);
        CHECK(out[0].recipients[1].reply.enhanced == "5.1.1");
        h.server("221 2.0.0 bye\r\n");
        auto closed = h.closed_event();
        REQUIRE(closed);
        CHECK(closed->failure == SessionFailure::none);
        CHECK_FALSE(h.c.next_deadline());
    }
    SUBCASE("the reply after end of data applies to every accepted recipient (RFC 5321 §4.1.1.4)") {
        struct Row {
            const char* reply;
            RecipientStatus want;
        };
        for (Row row : {Row{"451 4.3.0 try later\r\n", RecipientStatus::temporary},
                        Row{"554 5.6.0 content rejected\r\n", RecipientStatus::permanent},
                        Row{"552 5.3.4 too big\r\n", RecipientStatus::permanent}}) {
            CAPTURE(row.reply);
            Harness g(plain_config());
            g.c.send(message({"bob", "carol"}), g.now);
            g.server("220 mx\r\n");
            g.server(k_ehlo_plain);
            g.server("250 ok\r\n");
            g.server("250 ok\r\n");
            g.server("250 ok\r\n");
            g.server("354 go\r\n");
            g.server(row.reply);
            auto out = g.outcomes();
            REQUIRE(out.size() == 1);
            for (const auto& r : out[0].recipients) {
                CHECK(r.status == row.want);
                CHECK(r.reply.code == parse_reply_code(row.reply));
            }
        }
    }
    SUBCASE("DATA refused: accepted recipients take that reply") {
        h.server("250 ok\r\n");
        h.server("250 ok\r\n");
        h.server("554 5.5.1 no valid recipients\r\n");
        auto out = h.outcomes();
        REQUIRE(out.size() == 1);
        CHECK(out[0].recipients[0].status == RecipientStatus::permanent);
        CHECK(out[0].recipients[1].reply.code == 554);
    }
    SUBCASE("every RCPT refused: no DATA, and QUIT follows") {
        CHECK(h.server("450 4.2.1 mailbox busy\r\n") == "RCPT TO:<carol@example.org>\r\n");
        CHECK(h.server("550 5.1.1 unknown\r\n") == "QUIT\r\n");
        auto out = h.outcomes();
        REQUIRE(out.size() == 1);
        CHECK(out[0].recipients[0].status == RecipientStatus::temporary);
        CHECK(out[0].recipients[1].status == RecipientStatus::permanent);
    }
}

TEST_CASE("client session: MAIL rejected settles every recipient (RFC 5321 §4.1.1.2)") {
    Harness h(plain_config());
    h.c.send(message({"bob", "carol"}), h.now);
    h.server("220 mx\r\n");
    h.server(k_ehlo_plain);
    CHECK(h.server("553 5.1.8 bad sender domain\r\n").empty());
    auto out = h.outcomes();
    REQUIRE(out.size() == 1);
    for (const auto& r : out[0].recipients) {
        CHECK(r.status == RecipientStatus::permanent);
        CHECK(r.reply.enhanced == "5.1.8");
    }
    CHECK(h.c.phase() == ClientPhase::ready);
}

TEST_CASE("client session: PIPELINING (RFC 2920 §3.1)") {
    SUBCASE("MAIL, every RCPT and DATA go in one batch") {
        Harness h(plain_config());
        h.c.send(message({"bob", "carol"}), h.now);
        h.server("220 mx\r\n");
        const std::string batch = h.server(k_ehlo_pipe);
        CHECK(batch ==
              "MAIL FROM:<alice@lab.test> SIZE=22\r\n"
              "RCPT TO:<bob@example.org>\r\n"
              "RCPT TO:<carol@example.org>\r\n"
              "DATA\r\n");
        // The replies, all at once; the content follows the 354.
        CHECK(h.server("250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 unknown\r\n354 go\r\n") ==
              "Subject: hi\r\n\r\nhello\r\n.\r\n");
        h.server("250 2.0.0 queued\r\n");
        auto out = h.outcomes();
        REQUIRE(out.size() == 1);
        CHECK(out[0].recipients[0].status == RecipientStatus::accepted);
        CHECK(out[0].recipients[1].status == RecipientStatus::permanent);
    }
    SUBCASE("MAIL refused: the pipelined RCPT/DATA replies are consumed, all get the MAIL reply") {
        Harness h(plain_config());
        h.c.send(message({"bob", "carol"}), h.now);
        h.c.send(message({"dave"}), h.now);
        h.server("220 mx\r\n");
        h.server(k_ehlo_pipe);
        const std::string next = h.server("550 5.7.1 sender refused\r\n503 5.5.1 no MAIL\r\n503 5.5.1 no MAIL\r\n"
                                          "503 5.5.1 no valid recipients\r\n");
        auto out = h.outcomes();
        REQUIRE(out.size() == 1);
        for (const auto& r : out[0].recipients) CHECK(r.reply.enhanced == "5.7.1");
        // No transaction was open: the next message starts without RSET.
        CHECK(next.rfind("MAIL FROM:<alice@lab.test>", 0) == 0);
        CHECK(next.find("RCPT TO:<dave@example.org>\r\nDATA\r\n") != std::string::npos);
    }
    SUBCASE("354 although no recipient was accepted: an empty message ends the DATA") {
        Harness h(plain_config());
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        h.server(k_ehlo_pipe);
        CHECK(h.server("250 ok\r\n550 5.1.1 unknown\r\n354 go\r\n") == ".\r\n");
        h.server("250 ok\r\n");
        auto out = h.outcomes();
        REQUIRE(out.size() == 1);
        CHECK(out[0].recipients[0].status == RecipientStatus::permanent);
        CHECK(out[0].recipients[0].reply.code == 550);
    }
}

TEST_CASE("client session: ESMTP parameters on the wire") {
    Harness h(plain_config());
    OutgoingMessage m = message({"bob"}, "caf\xC3\xA9\r\n");
    m.mail_params.body = Body::eight_bit_mime;
    m.mail_params.smtputf8 = true;
    m.mail_params.ret = Ret::hdrs;
    m.mail_params.envid = "id+1=x";
    m.rcpts[0].second.notify = DsnNotify{};  // NOTIFY=FAILURE,DELAY given
    m.rcpts[0].second.orcpt = "rfc822;bob@example.org";
    h.c.send(std::move(m), h.now);
    h.server("220 mx\r\n");
    SUBCASE("all offered: SIZE, BODY, SMTPUTF8, RET, ENVID, NOTIFY, ORCPT (RFC 1870, 6152, 6531, 3461)") {
        CHECK(h.server("250-mx\r\n250-SIZE\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 DSN\r\n") ==
              "MAIL FROM:<alice@lab.test> SIZE=7 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id+2B1+3Dx\r\n");
        CHECK(h.server("250 ok\r\n") == "RCPT TO:<bob@example.org> NOTIFY=FAILURE,DELAY ORCPT=rfc822;bob@example.org\r\n");
    }
    SUBCASE("8-bit content without 8BITMIME is not sent (RFC 6152 §3)") {
        CHECK(h.server("250-mx\r\n250 SMTPUTF8\r\n").empty());
        auto out = h.outcomes();
        REQUIRE(out.size() == 1);
        CHECK(out[0].recipients[0].status == RecipientStatus::permanent);
        CHECK(out[0].recipients[0].reply.enhanced == "5.6.3");
    }
    SUBCASE("SMTPUTF8 needed for UTF-8 header text but not offered: 5.6.9, a local refusal (RFC 6531 §3.2)") {
        CHECK(h.server("250-mx\r\n250 8BITMIME\r\n").empty());
        auto out = h.outcomes();
        REQUIRE(out.size() == 1);
        CHECK(out[0].recipients[0].reply.summary().rfind("554 5.6.9", 0) == 0);
        CHECK(out[0].recipients[0].local);  // no server sent it
    }
}

TEST_CASE("client session: SMTPUTF8 and the next hop (RFC 6531 §3.2)") {
    SUBCASE("a UTF-8 address to a server without SMTPUTF8: 553 5.6.7, nothing sent") {
        Harness h(plain_config());
        OutgoingMessage m = message({"bob"});
        auto p = parse_forward_path("<\xC3\xBC@example.org>", true);
        REQUIRE(p);
        m.rcpts[0].first = p.value;
        m.mail_params.smtputf8 = true;
        h.c.send(std::move(m), h.now);
        h.server("220 mx\r\n");
        CHECK(h.server("250-mx\r\n250 8BITMIME\r\n").empty());
        auto out = h.outcomes();
        REQUIRE(out.size() == 1);
        CHECK(out[0].recipients[0].reply.summary().rfind("553 5.6.7", 0) == 0);
    }
    SUBCASE("declared but not needed (ASCII addresses and headers): sent without the parameter") {
        Harness h(plain_config());
        OutgoingMessage m = message({"bob"});
        m.mail_params.smtputf8 = true;
        h.c.send(std::move(m), h.now);
        h.server("220 mx\r\n");
        CHECK(h.server("250-mx\r\n250 8BITMIME\r\n") == "MAIL FROM:<alice@lab.test>\r\n");
    }
}

TEST_CASE("client session: SIZE smaller than the message (RFC 1870 §6)") {
    Harness h(plain_config());
    h.c.send(message({"bob", "carol"}, std::string(100, 'x') + "\r\n"), h.now);
    h.c.send(message({"dave"}, "short\r\n"), h.now);
    h.c.quit(h.now);
    h.server("220 mx\r\n");
    // The first message is settled without a word on the wire; the second goes out.
    CHECK(h.server("250-mx\r\n250 SIZE 50\r\n") == "MAIL FROM:<alice@lab.test> SIZE=7\r\n");
    auto out = h.outcomes();
    REQUIRE(out.size() == 1);
    CHECK(out[0].message == 0);
    for (const auto& r : out[0].recipients) {
        CHECK(r.status == RecipientStatus::permanent);
        CHECK(r.reply.code == 552);
        CHECK(r.reply.enhanced == "5.3.4");
    }
    SUBCASE("exactly the limit is fine") {
        Harness g(plain_config());
        g.c.send(message({"bob"}, std::string(48, 'x') + "\r\n"), g.now);
        g.server("220 mx\r\n");
        CHECK(g.server("250-mx\r\n250 SIZE 50\r\n") == "MAIL FROM:<alice@lab.test> SIZE=50\r\n");
    }
}

TEST_CASE("client session: STARTTLS (RFC 3207)") {
    ClientConfig cfg;  // opportunistic by default
    SUBCASE("STARTTLS when offered, then EHLO again with fresh capabilities (RFC 3207 §4.2)") {
        Harness h(cfg);
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        CHECK(h.server("250-mx\r\n250-STARTTLS\r\n250 PIPELINING\r\n") == "STARTTLS\r\n");
        CHECK(h.server("220 2.0.0 ready to start TLS\r\n").empty());
        CHECK(h.count_tls_start() == 1);
        CHECK(h.c.phase() == ClientPhase::tls_handshake);
        CHECK(h.c.capabilities().pipelining);  // not yet forgotten: the host may look
        h.c.tls_established("TLSv1.3", h.now);
        CHECK(h.c.take_output() == "EHLO relay.lab.test\r\n");
        CHECK(h.c.tls_active());
        CHECK(h.c.tls_version() == "TLSv1.3");
        CHECK_FALSE(h.c.capabilities().pipelining);
        // After TLS the server no longer offers STARTTLS nor PIPELINING: one by one, no STARTTLS again.
        CHECK(h.server("250-mx\r\n250 STARTTLS\r\n") == "MAIL FROM:<alice@lab.test>\r\n");
        CHECK(h.count_tls_start() == 1);
    }
    SUBCASE("bytes after the 220 are dropped: STARTTLS response injection (CVE-2011-0411)") {
        Harness h(cfg);
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        h.server("250-mx\r\n250 STARTTLS\r\n");
        // The attacker appends a forged EHLO reply to the 220, in the same segment...
        CHECK(h.server("220 go\r\n250-evil\r\n250 PIPELINING\r\n").empty());
        // ...and more before the handshake is done.
        CHECK(h.server("250 forged again\r\n").empty());
        h.c.tls_established("TLSv1.3", h.now);
        CHECK(h.c.take_output() == "EHLO relay.lab.test\r\n");
        // Only the real EHLO reply counts.
        CHECK(h.server("250-mx.example.org\r\n250 SIZE 100\r\n") == "MAIL FROM:<alice@lab.test> SIZE=22\r\n");
        CHECK_FALSE(h.c.capabilities().pipelining);
        bool noted = false;
        for (const auto& ev : h.c.take_trace())
            if (ev.kind == TraceKind::tls && ev.text.find("dropped") != std::string::npos) noted = true;
        CHECK(noted);
    }
    SUBCASE("required but not offered: QUIT, tls_unavailable, recipients temporary") {
        cfg.tls = TlsPolicy::required;
        Harness h(cfg);
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        CHECK(h.server("250-mx\r\n250 8BITMIME\r\n") == "QUIT\r\n");
        auto out = h.outcomes();
        REQUIRE(out.size() == 1);
        CHECK(out[0].recipients[0].status == RecipientStatus::temporary);
        CHECK(out[0].recipients[0].reply.enhanced == "4.7.4");
        h.server("221 bye\r\n");
        auto closed = h.closed_event();
        REQUIRE(closed);
        CHECK(closed->failure == SessionFailure::tls_unavailable);
        CHECK_FALSE(closed->reply);
    }
    SUBCASE("refused: opportunistic carries on in plaintext, required gives up") {
        for (TlsPolicy policy : {TlsPolicy::opportunistic, TlsPolicy::required}) {
            CAPTURE(static_cast<int>(policy));
            ClientConfig c2;
            c2.tls = policy;
            Harness h(c2);
            h.c.send(message({"bob"}), h.now);
            h.server("220 mx\r\n");
            h.server("250-mx\r\n250 STARTTLS\r\n");
            const std::string next = h.server("454 4.7.0 TLS not available\r\n");
            if (policy == TlsPolicy::opportunistic) {
                CHECK(next == "MAIL FROM:<alice@lab.test>\r\n");
                CHECK_FALSE(h.c.tls_active());
            } else {
                CHECK(next == "QUIT\r\n");
                CHECK(h.c.failure() == SessionFailure::tls_rejected);
            }
        }
    }
    SUBCASE("policy none never sends STARTTLS; implicit TLS does not either") {
        for (bool implicit : {false, true}) {
            ClientConfig c2;
            c2.tls = implicit ? TlsPolicy::required : TlsPolicy::none;
            c2.tls_active = implicit;
            Harness h(c2);
            h.c.send(message({"bob"}), h.now);
            h.server("220 mx\r\n");
            CHECK(h.server("250-mx\r\n250 STARTTLS\r\n") == "MAIL FROM:<alice@lab.test>\r\n");
        }
    }
    SUBCASE("handshake failure closes the session") {
        Harness h(cfg);
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        h.server("250-mx\r\n250 STARTTLS\r\n");
        h.server("220 go\r\n");
        h.c.tls_failed("certificate verify failed", h.now);
        h.drain();
        auto closed = h.closed_event();
        REQUIRE(closed);
        CHECK(closed->failure == SessionFailure::tls_rejected);
        CHECK(h.outcomes().at(0).recipients.at(0).status == RecipientStatus::temporary);
    }
}

TEST_CASE("client session: AUTH (RFC 4954 §4, RFC 4616)") {
    ClientConfig cfg = plain_config();
    cfg.auth = std::make_pair(std::string("alice"), std::string("secret"));
    SUBCASE("PLAIN with an initial response; credentials hidden in the trace") {
        Harness h(cfg);
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        // base64("\0alice\0secret")
        CHECK(h.server("250-mx\r\n250 AUTH LOGIN PLAIN\r\n") == "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
        CHECK(h.c.phase() == ClientPhase::auth);
        CHECK(h.server("235 2.7.0 Authentication successful\r\n") == "MAIL FROM:<alice@lab.test>\r\n");
        CHECK(h.c.authenticated());
        bool shown = false;
        for (const auto& ev : h.c.take_trace()) {
            CHECK(ev.text.find("AGFsaWNl") == std::string::npos);
            CHECK(ev.wire.find("AGFsaWNl") == std::string::npos);
            // RFC 4954 §4: the initial response is the secret; its span is marked and masked.
            if (ev.text == "AUTH PLAIN <credentials hidden>" && ev.has_secret() && ev.phase == TracePhase::auth &&
                ev.wire.substr(ev.secret_begin, ev.secret_end - ev.secret_begin) == "<credentials hidden>")
                shown = true;
        }
        CHECK(shown);
    }
    SUBCASE("LOGIN answers the two challenges") {
        cfg.auth_mechanism = "LOGIN";
        Harness h(cfg);
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        CHECK(h.server("250-mx\r\n250 AUTH PLAIN LOGIN\r\n") == "AUTH LOGIN\r\n");
        CHECK(h.server("334 VXNlcm5hbWU6\r\n") == "YWxpY2U=\r\n");
        CHECK(h.server("334 UGFzc3dvcmQ6\r\n") == "c2VjcmV0\r\n");
        CHECK(h.server("235 2.7.0 ok\r\n") == "MAIL FROM:<alice@lab.test>\r\n");
        for (const auto& ev : h.c.take_trace()) {
            CHECK(ev.text.find("YWxpY2U") == std::string::npos);
            CHECK(ev.text.find("c2VjcmV0") == std::string::npos);
            CHECK(ev.wire.find("YWxpY2U") == std::string::npos);
            CHECK(ev.wire.find("c2VjcmV0") == std::string::npos);
        }
    }
    SUBCASE("configured mechanism not offered: the other one is used") {
        cfg.auth_mechanism = "LOGIN";
        Harness h(cfg);
        h.server("220 mx\r\n");
        CHECK(h.server("250-mx\r\n250 AUTH PLAIN\r\n").rfind("AUTH PLAIN ", 0) == 0);
    }
    SUBCASE("credentials refused: QUIT, auth_failed, the server's reply decides") {
        Harness h(cfg);
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        h.server("250-mx\r\n250 AUTH PLAIN\r\n");
        CHECK(h.server("535 5.7.8 Authentication credentials invalid\r\n") == "QUIT\r\n");
        h.server("221 bye\r\n");
        auto closed = h.closed_event();
        REQUIRE(closed);
        CHECK(closed->failure == SessionFailure::auth_failed);
        CHECK(h.outcomes().at(0).recipients.at(0).reply.enhanced == "5.7.8");
    }
    SUBCASE("no AUTH offered: auth_unavailable") {
        Harness h(cfg);
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        CHECK(h.server("250-mx\r\n250 AUTH CRAM-MD5\r\n") == "QUIT\r\n");
        CHECK(h.c.failure() == SessionFailure::auth_unavailable);
        CHECK(h.outcomes().at(0).recipients.at(0).status == RecipientStatus::temporary);
    }
}

TEST_CASE("client session: message content on the wire (RFC 5321 §4.5.2, §2.3.8)") {
    auto wire_of = [](const std::string& content, bool bdat) {
        ClientConfig cfg = plain_config();
        cfg.use_bdat = bdat;
        Harness h(cfg);
        h.c.send(message({"bob"}, content), h.now);
        h.server("220 mx\r\n");
        h.server(bdat ? "250-mx\r\n250 CHUNKING\r\n" : "250 mx\r\n");
        h.server("250 ok\r\n");
        if (bdat) return h.server("250 ok\r\n");
        h.server("250 ok\r\n");
        return h.server("354 go\r\n");
    };
    SUBCASE("lines starting with a dot are stuffed; bare CR and LF become CRLF") {
        CHECK(wire_of(".hidden\nline\rmore\r\n..two\r\n.\r\nend", false) ==
              "..hidden\r\nline\r\nmore\r\n...two\r\n..\r\nend\r\n.\r\n");
    }
    SUBCASE("BDAT: one LAST chunk of the normalised content, counted, not stuffed (RFC 3030 §2)") {
        CHECK(wire_of(".a\nb", true) == "BDAT 7 LAST\r\n.a\r\nb\r\n");
    }
    SUBCASE("every byte value, in every place: never a bare CR or LF on the wire") {
        for (int b = 0; b < 256; ++b) {
            for (bool bdat : {false, true}) {
                const std::string ch(1, static_cast<char>(b));
                for (const std::string& content : {ch, ch + "x\r\n", "x" + ch + "\r\n", "x\r\n" + ch,
                                                   "x\r" + ch, ch + ch + ".\r\n"}) {
                    CAPTURE(b);
                    CAPTURE(bdat);
                    CAPTURE(content);
                    const std::string wire = wire_of(content, bdat);
                    REQUIRE(wire.size() >= 2);
                    CHECK(wire.compare(wire.size() - 2, 2, "\r\n") == 0);
                    for (std::size_t i = 0; i < wire.size(); ++i) {
                        if (wire[i] == '\r') CHECK((i + 1 < wire.size() && wire[i + 1] == '\n'));
                        if (wire[i] == '\n') CHECK((i > 0 && wire[i - 1] == '\r'));
                    }
                    if (!bdat) {
                        // The only "CRLF.CRLF" is the terminator at the very end.
                        const std::string framed = "\r\n" + wire;
                        CHECK(framed.find("\r\n.\r\n") == framed.size() - 5);
                    }
                }
            }
        }
    }
    SUBCASE("a CR or LF smuggled into an address never reaches the wire as a line break") {
        Harness h(plain_config());
        OutgoingMessage m = message({"bob"});
        m.from = path_of("alice>\r\nRCPT TO:<evil", "lab.test");
        h.c.send(std::move(m), h.now);
        h.server("220 mx\r\n");
        const std::string out = h.server("250 mx\r\n");
        CHECK(out == "MAIL FROM:<alice>RCPT TO:<evil@lab.test>\r\n");
    }
}

TEST_CASE("client session: several messages on one connection (RFC 5321 §3.3)") {
    SUBCASE("the second MAIL follows the first end of data directly") {
        Harness h(plain_config());
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        h.server(k_ehlo_plain);
        h.server("250 ok\r\n");
        h.server("250 ok\r\n");
        h.server("354 go\r\n");
        CHECK(h.server("250 queued 1\r\n").empty());  // idle: the host has not said quit
        CHECK(h.c.phase() == ClientPhase::ready);
        CHECK_FALSE(h.c.next_deadline());
        auto id2 = h.c.send(message({"carol"}), h.now);
        REQUIRE(id2);
        CHECK(*id2 == 1);
        CHECK(h.c.take_output() == "MAIL FROM:<alice@lab.test>\r\n");
        h.server("250 ok\r\n");
        h.server("250 ok\r\n");
        h.server("354 go\r\n");
        h.c.quit(h.now);
        CHECK(h.server("250 queued 2\r\n") == "QUIT\r\n");
        auto out = h.outcomes();
        REQUIRE(out.size() == 2);
        CHECK(out[0].message == 0);
        CHECK(out[1].message == 1);
        CHECK(out[1].recipients[0].reply.text() == "queued 2");
        CHECK_FALSE(h.c.send(message({"late"}), h.now));  // after quit(): refused
    }
    SUBCASE("RSET after a transaction left open (all recipients refused) (RFC 5321 §4.1.1.5)") {
        Harness h(plain_config());
        h.c.send(message({"bob"}), h.now);
        h.c.send(message({"carol"}), h.now);
        h.server("220 mx\r\n");
        h.server(k_ehlo_plain);
        h.server("250 ok\r\n");
        CHECK(h.server("550 5.1.1 unknown\r\n") == "RSET\r\n");
        CHECK(h.c.phase() == ClientPhase::rset);
        CHECK(h.server("250 2.0.0 flushed\r\n") == "MAIL FROM:<alice@lab.test>\r\n");
    }
    SUBCASE("quit with nothing to send") {
        Harness h(plain_config());
        h.c.quit(h.now);
        h.server("220 mx\r\n");
        CHECK(h.server(k_ehlo_plain) == "QUIT\r\n");
        h.c.feed_eof(h.now);  // the server closes after 221 or without: both are fine
        h.drain();
        auto closed = h.closed_event();
        REQUIRE(closed);
        CHECK(closed->failure == SessionFailure::none);
    }
}

TEST_CASE("client session: timeouts (RFC 5321 §4.5.3.2)") {
    SUBCASE("greeting: 5 minutes") {
        Harness h(plain_config());
        h.c.send(message({"bob"}), h.now);
        REQUIRE(h.c.next_deadline());
        CHECK(*h.c.next_deadline() == 1000 + 5 * 60'000);
        h.c.on_timeout(1000 + 5 * 60'000 - 1);  // early: nothing happens
        h.drain();
        CHECK_FALSE(h.closed_event());
        h.c.on_timeout(1000 + 5 * 60'000);
        h.drain();
        auto closed = h.closed_event();
        REQUIRE(closed);
        CHECK(closed->failure == SessionFailure::timeout);
        auto r = h.outcomes().at(0).recipients.at(0);
        CHECK(r.status == RecipientStatus::temporary);
        CHECK(r.reply.code == 451);
        CHECK(r.reply.enhanced == "4.4.2");
    }
    SUBCASE("each wait has its own limit: DATA 2 minutes, end of data 10 minutes") {
        Harness h(plain_config());
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        h.now = 2000;
        h.server(k_ehlo_plain);
        CHECK(*h.c.next_deadline() == 2000 + 5 * 60'000);  // MAIL
        h.server("250 ok\r\n");
        CHECK(*h.c.next_deadline() == 2000 + 5 * 60'000);  // RCPT
        h.server("250 ok\r\n");
        CHECK(*h.c.next_deadline() == 2000 + 2 * 60'000);  // DATA
        h.now = 3000;
        h.server("354 go\r\n");
        CHECK(*h.c.next_deadline() == 3000 + 10 * 60'000);  // end of data
        h.c.on_timeout(3000 + 10 * 60'000);
        h.drain();
        CHECK(h.c.failure() == SessionFailure::timeout);
        CHECK(h.outcomes().at(0).recipients.at(0).status == RecipientStatus::temporary);
    }
}

TEST_CASE("client session: connection lost") {
    Harness h(plain_config());
    h.c.send(message({"bob", "carol", "dave"}), h.now);
    h.c.send(message({"erin"}), h.now);
    h.server("220 mx\r\n");
    h.server(k_ehlo_plain);
    h.server("250 ok\r\n");
    h.server("550 5.1.1 unknown\r\n");  // bob refused
    h.server("250 ok\r\n");             // carol accepted
    h.c.feed_eof(h.now);                // while waiting for dave's RCPT reply
    h.drain();
    auto closed = h.closed_event();
    REQUIRE(closed);
    CHECK(closed->failure == SessionFailure::connection_lost);
    auto out = h.outcomes();
    REQUIRE(out.size() == 2);
    CHECK(out[0].recipients[0].status == RecipientStatus::permanent);  // keeps its 550
    CHECK(out[0].recipients[0].reply.code == 550);
    for (std::size_t i : {1u, 2u}) {
        CHECK(out[0].recipients[i].status == RecipientStatus::temporary);
        CHECK(out[0].recipients[i].reply.enhanced == "4.4.2");
    }
    CHECK(out[1].recipients[0].status == RecipientStatus::temporary);
    // After the end, input is ignored and nothing more happens.
    CHECK(h.server("250 ok\r\n").empty());
    CHECK(h.c.closed());
}

TEST_CASE("client session: protocol errors") {
    SUBCASE("unparseable reply closes the session") {
        Harness h(plain_config());
        h.c.send(message({"bob"}), h.now);
        h.server("hello there\r\n");
        CHECK(h.c.failure() == SessionFailure::protocol_error);
        CHECK(h.closed_event());
        CHECK(h.outcomes().at(0).recipients.at(0).reply.enhanced == "4.5.0");
    }
    SUBCASE("a reply nobody asked for") {
        Harness h(plain_config());
        h.server("220 mx\r\n");
        h.server(k_ehlo_plain);
        CHECK(h.server("250 surprise\r\n") == "QUIT\r\n");
        CHECK(h.c.failure() == SessionFailure::protocol_error);
    }
    SUBCASE("354 to MAIL is not a valid answer (RFC 5321 §4.3.2)") {
        Harness h(plain_config());
        h.c.send(message({"bob"}), h.now);
        h.server("220 mx\r\n");
        h.server(k_ehlo_plain);
        CHECK(h.server("354 what\r\n") == "QUIT\r\n");
        auto r = h.outcomes().at(0).recipients.at(0);
        CHECK(r.status == RecipientStatus::temporary);  // never "accepted" by a wrong reply
    }
}

TEST_CASE("client session: trace (the trace events the UI shows)") {
    Harness h(plain_config());
    h.c.send(message({"bob"}), h.now);
    h.server("220 mx\r\n");
    h.server("250-mx\r\n250 8BITMIME\r\n");
    auto t = h.c.take_trace();
    std::vector<std::string> lines;
    std::vector<TracePhase> phases;
    for (const auto& ev : t)
        if (ev.kind == TraceKind::command || ev.kind == TraceKind::reply) {
            lines.push_back(ev.text);
            phases.push_back(ev.phase);
        }
    CHECK(lines == std::vector<std::string>{"220 mx", "EHLO relay.lab.test", "250-mx", "250 8BITMIME",
                                            "MAIL FROM:<alice@lab.test>"});
    // A reply has the phase of what it answers (RFC 5321 §4.1.1, §3.1 for the greeting).
    CHECK(phases == std::vector<TracePhase>{TracePhase::greeting, TracePhase::ehlo, TracePhase::ehlo,
                                            TracePhase::ehlo, TracePhase::envelope});
    bool state_change = false;
    for (const auto& ev : t) {
        if (ev.kind == TraceKind::command) CHECK_FALSE(explain_event(ev).rfc.empty());
        if (ev.kind == TraceKind::reply) CHECK(ev.reply_class == ReplyClass::positive);
        if (ev.kind == TraceKind::state && ev.state_before == "greeting" && ev.state_after == "ehlo" &&
            ev.text == "greeting -> ehlo")
            state_change = true;
        CHECK(ev.t_ms == 1000);
    }
    CHECK(state_change);
    ClientConfig quiet = plain_config();
    quiet.trace = false;
    Harness q(quiet);
    q.server("220 mx\r\n");
    CHECK(q.c.take_trace().empty());
}

TEST_CASE("client session: whatever the server says, every message is settled once") {
    // Random dialogues from plausible and implausible replies (fixed seed): the session
    // must never lose a message, never report one twice, and end with one Closed.
    const std::vector<std::string> replies = {
        "220 mx\r\n", "250-mx\r\n250-PIPELINING\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 40\r\n",
        "250 ok\r\n", "354 go\r\n", "550 5.1.1 no\r\n", "451 4.3.0 later\r\n", "421 4.3.2 bye\r\n",
        "334 VXNlcm5hbWU6\r\n", "235 2.7.0 ok\r\n", "221 bye\r\n", "502 no\r\n", "garbage\r\n", "250-partial\r\n",
    };
    std::uint32_t seed = 2024;
    auto rnd = [&seed](std::uint32_t n) {
        seed = seed * 1664525u + 1013904223u;
        return (seed >> 8) % n;
    };
    for (int round = 0; round < 500; ++round) {
        CAPTURE(round);
        ClientConfig cfg;
        cfg.tls = static_cast<TlsPolicy>(rnd(3));
        if (rnd(2)) cfg.auth = std::make_pair(std::string("u"), std::string("p"));
        cfg.use_bdat = rnd(2) == 1;
        Harness h(cfg);
        h.c.send(message({"a", "b"}), h.now);
        h.c.send(message({"c"}, std::string(60, 'x')), h.now);
        if (rnd(2)) h.c.quit(h.now);
        for (int step = 0; step < 40 && !h.c.closed(); ++step) {
            h.now += 1000;
            const auto pick = rnd(static_cast<std::uint32_t>(replies.size()) + 3);
            if (pick < replies.size()) h.server(replies[pick]);
            else if (pick == replies.size()) h.c.on_timeout(h.now + 20 * 60'000);
            else if (pick == replies.size() + 1) h.c.tls_established("TLSv1.3", h.now);
            else h.c.quit(h.now);
            h.drain();
            h.c.take_output();
        }
        h.c.feed_eof(h.now);
        h.drain();
        CHECK(h.c.closed());
        CHECK(h.c.take_output().empty());
        int closed = 0;
        for (const auto& e : h.events) closed += std::holds_alternative<ClosedEvent>(e) ? 1 : 0;
        CHECK(closed == 1);
        REQUIRE(std::holds_alternative<ClosedEvent>(h.events.back()));
        auto out = h.outcomes();
        REQUIRE(out.size() == 2);
        CHECK(out[0].message + out[1].message == 1);
        CHECK(out[0].message != out[1].message);
        for (const auto& o : out)
            for (const auto& r : o.recipients) CHECK(r.reply.code >= 200);
    }
}
