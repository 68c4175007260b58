// ClientSession against ServerSession, in memory: the test is the host of both ends.
// Every combination of PIPELINING (RFC 2920), CHUNKING/BDAT (RFC 3030), STARTTLS
// (RFC 3207), AUTH (RFC 4954, submission role RFC 6409) and 8BITMIME (RFC 6152): the
// content the server delivers is the original, CRLF-normalised (RFC 5321 §4.5.2, §2.3.8).
#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

#include "engine/client_session.hpp"
#include "engine/dot_codec.hpp"
#include "engine/server_session.hpp"
#include "tests/unit/paths.hpp"

using namespace relaylab;

namespace {

using relaylab::test::path_of;

struct Link {
    ServerSession s;
    ClientSession c;
    std::int64_t now = 0;
    std::vector<MessageEvent> delivered;
    std::vector<MessageOutcome> outcomes;
    std::optional<ClosedEvent> closed;
    int auth_attempts = 0;
    int tls_starts = 0;

    Link(ServerConfig sc, bool server_implicit_tls, ClientConfig cc)
        : s(std::move(sc), 0, server_implicit_tls), c(std::move(cc), 0) {}

    // Moves bytes both ways and answers every event until nothing moves.
    void pump() {
        for (int round = 0; round < 10000; ++round) {
            bool moved = false;
            bool server_tls = false;
            while (auto ev = s.next_event()) {
                moved = true;
                if (auto* m = std::get_if<MessageEvent>(&*ev)) {
                    delivered.push_back(*m);
                    s.accept_message("Q" + std::to_string(delivered.size()), now);
                } else if (auto* a = std::get_if<AuthEvent>(&*ev)) {
                    ++auth_attempts;
                    if (a->username == "alice" && a->password == "s3cret") s.accept(now);
                    else s.reject(make_reply(535, "5.7.8", "Authentication credentials invalid"), now);
                } else if (std::holds_alternative<StartTlsEvent>(*ev)) {
                    server_tls = true;
                } else if (needs_answer(*ev)) {
                    s.accept(now);  // HELO/EHLO, MAIL, RCPT: this host takes everything
                }
            }
            const std::string to_client = s.take_output();
            // The 220 to STARTTLS has been taken: the handshake "happens" now.
            if (server_tls) s.tls_established("TLSv1.3", now);
            if (!to_client.empty()) {
                moved = true;
                c.feed(to_client, now);
            }
            while (auto ev = c.next_event()) {
                moved = true;
                if (std::holds_alternative<TlsStartEvent>(*ev)) {
                    ++tls_starts;
                    c.tls_established("TLSv1.3", now);
                } else if (auto* m = std::get_if<MessageDoneEvent>(&*ev)) {
                    outcomes.push_back(m->outcome);
                } else if (auto* cl = std::get_if<ClosedEvent>(&*ev)) {
                    closed = *cl;
                }
            }
            const std::string to_server = c.take_output();
            if (!to_server.empty()) {
                moved = true;
                s.feed(to_server, now);
            }
            if (!moved) return;
            now += 10;
        }
        FAIL("the pump did not settle");
    }
};

std::string expected_content(const std::string& content) {
    std::string e = normalize_crlf(content);
    if (e.size() < 2 || e.compare(e.size() - 2, 2, "\r\n") != 0) e += "\r\n";
    return e;
}

}  // namespace

TEST_CASE("client and server sessions talk (RFC 5321 §3.3 and extensions)") {
    // Dots at line starts, a lone dot, a bare LF and a bare CR, a last line without CRLF.
    const std::string seven_bit =
        "From: alice@lab.test\r\nSubject: test\r\n\r\n.leading dot\r\n.\r\n..two\r\nbare\nlf\rcr\r\nend";
    const std::string eight_bit = "From: alice@lab.test\r\nSubject: caf\xC3\xA9\r\n\r\n.d\xC3\xA9j\xC3\xA0 vu\r\nfin\r\n";

    for (int combo = 0; combo < 32; ++combo) {
        const bool pipelining = combo & 1;
        const bool chunking = combo & 2;
        const bool starttls = combo & 4;
        const bool auth = combo & 8;
        const bool eight = combo & 16;
        CAPTURE(pipelining);
        CAPTURE(chunking);
        CAPTURE(starttls);
        CAPTURE(auth);
        CAPTURE(eight);

        ServerConfig sc;
        sc.offer_pipelining = pipelining;
        sc.offer_chunking = chunking;
        sc.tls_available = starttls;
        // With AUTH the server is a submission server; it lets AUTH happen only under TLS
        // (RFC 4954 §4), so without STARTTLS the pair uses implicit TLS (port 465, RFC 8314).
        sc.role = auth ? (starttls ? Role::submission : Role::submissions) : Role::mx;
        const bool implicit_tls = auth && !starttls;

        ClientConfig cc;
        cc.tls = starttls ? TlsPolicy::required : TlsPolicy::none;
        cc.tls_active = implicit_tls;
        cc.use_bdat = true;  // used only when CHUNKING is offered
        if (auth) cc.auth = std::make_pair(std::string("alice"), std::string("s3cret"));

        Link link(sc, implicit_tls, cc);
        std::vector<std::string> originals;
        for (int m = 0; m < 2; ++m) {
            OutgoingMessage msg;
            msg.from = path_of("alice", "lab.test");
            msg.rcpts.emplace_back(path_of("bob" + std::to_string(m), "example.org"), RcptParams{});
            msg.rcpts.emplace_back(path_of("carol" + std::to_string(m), "example.net"), RcptParams{});
            msg.content = eight ? eight_bit : seven_bit;
            if (m == 1) msg.content += "\r\nsecond message\r\n";
            if (eight) msg.mail_params.body = Body::eight_bit_mime;
            originals.push_back(msg.content);
            REQUIRE(link.c.send(std::move(msg), 0));
        }
        link.c.quit(0);
        link.pump();

        REQUIRE(link.closed);
        CHECK(link.closed->failure == SessionFailure::none);
        CHECK(link.tls_starts == (starttls ? 1 : 0));
        CHECK(link.c.tls_active() == (starttls || implicit_tls));
        CHECK(link.auth_attempts == (auth ? 1 : 0));
        CHECK(link.c.authenticated() == auth);

        REQUIRE(link.delivered.size() == 2);
        REQUIRE(link.outcomes.size() == 2);
        for (std::size_t m = 0; m < 2; ++m) {
            CAPTURE(m);
            const MessageEvent& got = link.delivered[m];
            CHECK(got.content == expected_content(originals[m]));
            CHECK(got.envelope.bdat == chunking);
            CHECK(got.envelope.tls == (starttls || implicit_tls));
            CHECK(got.envelope.auth_user == (auth ? "alice" : ""));
            CHECK(got.envelope.from == path_of("alice", "lab.test"));
            REQUIRE(got.envelope.rcpts.size() == 2);
            CHECK(got.envelope.rcpts[1].first == path_of("carol" + std::to_string(m), "example.net"));
            CHECK(got.envelope.mail_params.body == (eight ? Body::eight_bit_mime : Body::unspecified));
            CHECK(got.envelope.mail_params.size == std::optional<std::uint64_t>(expected_content(originals[m]).size()));

            CHECK(link.outcomes[m].message == m);
            REQUIRE(link.outcomes[m].recipients.size() == 2);
            for (const auto& r : link.outcomes[m].recipients) {
                CHECK(r.status == RecipientStatus::accepted);
                CHECK(r.reply.code == 250);
            }
        }
    }
}

TEST_CASE("client and server sessions: refusals reach the client's outcomes") {
    SUBCASE("wrong password: auth_failed, nothing delivered (RFC 4954 §6)") {
        ServerConfig sc;
        sc.role = Role::submissions;
        ClientConfig cc;
        cc.tls_active = true;
        cc.auth = std::make_pair(std::string("alice"), std::string("wrong"));
        Link link(sc, true, cc);
        OutgoingMessage msg;
        msg.from = path_of("alice", "lab.test");
        msg.rcpts.emplace_back(path_of("bob", "example.org"), RcptParams{});
        msg.content = "hi\r\n";
        link.c.send(std::move(msg), 0);
        link.pump();
        REQUIRE(link.closed);
        CHECK(link.closed->failure == SessionFailure::auth_failed);
        CHECK(link.delivered.empty());
        REQUIRE(link.outcomes.size() == 1);
        CHECK(link.outcomes[0].recipients[0].reply.enhanced == "5.7.8");
    }
    SUBCASE("message bigger than the server's SIZE: refused before MAIL (RFC 1870 §6)") {
        ServerConfig sc;
        sc.max_message_size = 100;
        ClientConfig cc;
        cc.tls = TlsPolicy::none;
        Link link(sc, false, cc);
        OutgoingMessage msg;
        msg.from = path_of("alice", "lab.test");
        msg.rcpts.emplace_back(path_of("bob", "example.org"), RcptParams{});
        msg.content = std::string(200, 'x') + "\r\n";
        link.c.send(std::move(msg), 0);
        link.c.quit(0);
        link.pump();
        REQUIRE(link.closed);
        CHECK(link.closed->failure == SessionFailure::none);
        CHECK(link.delivered.empty());
        REQUIRE(link.outcomes.size() == 1);
        CHECK(link.outcomes[0].recipients[0].status == RecipientStatus::permanent);
        CHECK(link.outcomes[0].recipients[0].reply.enhanced == "5.3.4");
    }
}
