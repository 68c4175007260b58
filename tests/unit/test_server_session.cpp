// The sans-I/O SMTP server session: RFC 5321 plus PIPELINING (RFC 2920), SIZE (RFC 1870),
// 8BITMIME (RFC 6152), STARTTLS (RFC 3207), AUTH (RFC 4954, RFC 4616), SMTPUTF8 (RFC 6531),
// DSN (RFC 3461), CHUNKING (RFC 3030). Every conversation run through `converse` is run
// twice, once in chunks and once one byte at a time, and both runs must agree byte for byte.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "engine/base64.hpp"
#include "engine/explain.hpp"
#include "engine/server_session.hpp"

using namespace relaylab;

namespace {

ServerConfig mx_config() {
    ServerConfig c;
    c.role = Role::mx;
    return c;
}

ServerConfig submission_config() {
    ServerConfig c;
    c.role = Role::submission;
    return c;
}

using Policy = std::function<void(ServerSession&, const ServerEvent&)>;

// The default host: accepts everything; commits messages as Q1, Q2, ...
struct DefaultHost {
    int queued = 0;
    void operator()(ServerSession& s, const ServerEvent& ev) {
        if (std::holds_alternative<MessageEvent>(ev)) {
            std::string id = "Q";
            id += std::to_string(++queued);
            s.accept_message(id);
        } else if (needs_answer(ev)) {
            s.accept();
        }
    }
};

struct Outcome {
    std::string output;  // everything the server sent (greeting included)
    std::vector<ServerEvent> events;
    bool closed = false;
    std::vector<TraceEvent> trace;

    std::size_t count_messages() const {
        std::size_t n = 0;
        for (const auto& e : events) n += std::holds_alternative<MessageEvent>(e) ? 1 : 0;
        return n;
    }
    template <class T>
    std::size_t count() const {
        std::size_t n = 0;
        for (const auto& e : events) n += std::holds_alternative<T>(e) ? 1 : 0;
        return n;
    }
    const MessageEvent* message(std::size_t i = 0) const {
        for (const auto& e : events)
            if (auto m = std::get_if<MessageEvent>(&e)) {
                if (i == 0) return m;
                --i;
            }
        return nullptr;
    }
    bool said(std::string_view line) const { return output.find(std::string(line) + "\r\n") != std::string::npos; }
};

// Runs a conversation: after each client chunk the host answers every event, then the
// output is taken (so the client "sees" it); a StartTlsEvent makes the host finish a TLS
// handshake after the 220 was taken.
Outcome run(const ServerConfig& cfg, const std::vector<std::string>& chunks, bool bytewise, Policy policy,
            bool tls_active) {
    Outcome o;
    std::int64_t now = 1000;
    ServerSession s(cfg, now, tls_active);
    bool want_tls = false;
    auto drain = [&] {
        while (auto ev = s.next_event()) {
            if (std::holds_alternative<StartTlsEvent>(*ev)) want_tls = true;
            policy(s, *ev);
            o.events.push_back(std::move(*ev));
        }
    };
    o.output += s.take_output();
    for (const auto& chunk : chunks) {
        now += 10;
        if (bytewise) {
            for (char c : chunk) {
                s.feed(std::string_view(&c, 1), now);
                drain();
            }
        } else {
            s.feed(chunk, now);
            drain();
        }
        o.output += s.take_output();
        if (want_tls) {
            want_tls = false;
            s.tls_established("TLSv1.3", now);
            drain();
        }
    }
    o.closed = s.wants_close();
    o.trace = s.take_trace();
    return o;
}

bool same_events(const std::vector<ServerEvent>& a, const std::vector<ServerEvent>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].index() != b[i].index()) return false;
        if (auto m = std::get_if<MessageEvent>(&a[i])) {
            auto n = std::get_if<MessageEvent>(&b[i]);
            if (m->content != n->content || m->envelope.rcpts.size() != n->envelope.rcpts.size()) return false;
        }
    }
    return true;
}

// Every conversation also one byte at a time: identical output, events and close.
Outcome converse(const ServerConfig& cfg, const std::vector<std::string>& chunks, bool tls_active = false,
                 Policy policy = {}) {
    DefaultHost h1, h2;
    Policy p1 = policy ? policy : Policy(std::ref(h1));
    Policy p2 = policy ? policy : Policy(std::ref(h2));
    Outcome whole = run(cfg, chunks, false, p1, tls_active);
    Outcome bytes = run(cfg, chunks, true, p2, tls_active);
    CHECK(whole.output == bytes.output);
    CHECK(whole.closed == bytes.closed);
    CHECK(same_events(whole.events, bytes.events));
    return whole;
}

// The replies after the greeting, as lines.
std::vector<std::string> lines_of(const std::string& out) {
    std::vector<std::string> v;
    std::size_t pos = 0;
    while (pos < out.size()) {
        std::size_t e = out.find("\r\n", pos);
        if (e == std::string::npos) {
            v.push_back(out.substr(pos));
            break;
        }
        v.push_back(out.substr(pos, e - pos));
        pos = e + 2;
    }
    return v;
}

std::string last_line(const std::string& out) {
    auto v = lines_of(out);
    return v.empty() ? std::string() : v.back();
}

const std::string k_ehlo = "EHLO client.example\r\n";
const std::string k_envelope = "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@relay.lab.test>\r\nDATA\r\n";

std::string plain_ir(std::string_view user, std::string_view pass) {
    std::string m;
    m += '\0';
    m += user;
    m += '\0';
    m += pass;
    return base64_encode(m);
}

}  // namespace

TEST_CASE("server session: greeting and EHLO") {
    SUBCASE("greeting is 220 <hostname> ESMTP relaylab at construction (RFC 5321 §4.2, §3.1)") {
        ServerSession s(mx_config(), 0);
        CHECK(s.take_output() == "220 relay.lab.test ESMTP relaylab\r\n");
        CHECK(s.state() == ServerState::greeted);
        CHECK_FALSE(s.wants_close());
    }
    SUBCASE("EHLO lists the extensions, STARTTLS but no AUTH on mx (RFC 5321 §4.1.1.1, RFC 4954 §3)") {
        auto o = converse(mx_config(), {k_ehlo});
        CHECK(o.output ==
              "220 relay.lab.test ESMTP relaylab\r\n"
              "250-relay.lab.test\r\n250-PIPELINING\r\n250-SIZE 26214400\r\n250-8BITMIME\r\n"
              "250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-SMTPUTF8\r\n250-DSN\r\n250 CHUNKING\r\n");
        REQUIRE(o.events.size() == 1);
        auto* h = std::get_if<HeloEvent>(&o.events[0]);
        REQUIRE(h);
        CHECK(h->extended);
        CHECK(h->domain == "client.example");
    }
    SUBCASE("submission offers AUTH only after TLS, then no STARTTLS (RFC 4954 §4, RFC 3207 §4.2)") {
        auto o = converse(submission_config(), {k_ehlo, "STARTTLS\r\n", k_ehlo});
        auto lines = lines_of(o.output);
        // first EHLO reply: STARTTLS, no AUTH
        auto before = std::string(o.output.substr(0, o.output.find("220 2.0.0")));
        CHECK(before.find("250-STARTTLS\r\n") != std::string::npos);
        CHECK(before.find("AUTH") == std::string::npos);
        auto after = std::string(o.output.substr(o.output.find("220 2.0.0")));
        CHECK(after.find("250-AUTH PLAIN LOGIN\r\n") != std::string::npos);
        CHECK(after.find("STARTTLS") == std::string::npos);
    }
    SUBCASE("submissions (implicit TLS) offers AUTH at once and no STARTTLS (RFC 8314 §3.3)") {
        ServerConfig c = submission_config();
        c.role = Role::submissions;
        auto o = converse(c, {k_ehlo}, true);
        CHECK(o.said("250-AUTH PLAIN LOGIN"));
        CHECK(o.output.find("STARTTLS") == std::string::npos);
    }
    SUBCASE("no STARTTLS without a certificate; switched-off extensions are not listed") {
        ServerConfig c = mx_config();
        c.tls_available = false;
        c.offer_chunking = false;
        c.offer_dsn = false;
        auto o = converse(c, {k_ehlo});
        CHECK(o.output.find("STARTTLS") == std::string::npos);
        CHECK(o.output.find("CHUNKING") == std::string::npos);
        CHECK(o.output.find("DSN") == std::string::npos);
        CHECK(o.said("250 SMTPUTF8"));
    }
    SUBCASE("HELO gets a one-line 250 without extensions (RFC 5321 §4.1.1.1, RFC 2034 §3)") {
        auto o = converse(mx_config(), {"HELO client.example\r\n"});
        CHECK(last_line(o.output) == "250 relay.lab.test");
    }
    SUBCASE("EHLO without a domain is 501 5.5.4 (RFC 5321 §4.1.1.1)") {
        auto o = converse(mx_config(), {"EHLO\r\n", "EHLO two words\r\n"});
        CHECK(lines_of(o.output)[1] == "501 5.5.4 Syntax: EHLO hostname");
        CHECK(lines_of(o.output)[2] == "501 5.5.4 Syntax: EHLO hostname");
        CHECK(o.events.empty());
    }
    SUBCASE("host can refuse the client at EHLO") {
        auto o = converse(mx_config(), {k_ehlo, "MAIL FROM:<a@b.example>\r\n"}, false,
                          [](ServerSession& s, const ServerEvent& e) {
                              if (needs_answer(e)) s.reject(make_reply(550, "5.7.1", "Go away"));
                          });
        auto l = lines_of(o.output);
        CHECK(l[1] == "550 5.7.1 Go away");
        CHECK(l[2] == "503 5.5.1 Send HELO/EHLO first");
    }
}

TEST_CASE("server session: mail transaction") {
    SUBCASE("MAIL, RCPT, DATA: the 250 comes only from accept_message (RFC 5321 §4.1.1.4, §6.1)") {
        ServerSession s(mx_config(), 0);
        s.take_output();
        s.feed(k_ehlo, 1);
        while (auto e = s.next_event()) s.accept();
        s.take_output();
        s.feed(k_envelope, 2);
        while (auto e = s.next_event()) s.accept();
        CHECK(s.take_output() == "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
        s.feed("Subject: hi\r\n\r\nHello\r\n..dot\r\n.\r\n", 3);
        auto ev = s.next_event();
        REQUIRE(ev);
        auto* m = std::get_if<MessageEvent>(&*ev);
        REQUIRE(m);
        CHECK(m->content == "Subject: hi\r\n\r\nHello\r\n.dot\r\n");
        CHECK(m->envelope.from.mailbox.local_part == "alice");
        CHECK(m->envelope.from.mailbox.domain == "example.org");
        REQUIRE(m->envelope.rcpts.size() == 1);
        CHECK(m->envelope.rcpts[0].first.mailbox.local_part == "bob");
        CHECK(m->envelope.rcpts[0].first.mailbox.domain == "relay.lab.test");
        CHECK(m->envelope.helo == "client.example");
        CHECK(m->envelope.esmtp);
        CHECK_FALSE(m->envelope.bdat);
        CHECK(s.take_output().empty());  // nothing until the host has committed
        CHECK(s.next_deadline() == ServerSession::k_no_deadline);
        CHECK(s.accept_message("ABC123"));
        CHECK(s.take_output() == "250 2.0.0 Ok: queued as ABC123\r\n");
        CHECK(s.state() == ServerState::ready);
        CHECK_FALSE(s.accept_message("again"));  // nothing pending: host misuse, no effect
        CHECK(s.take_output().empty());
    }
    SUBCASE("host can defer the message after DATA (RFC 5321 §4.2.5: 451 4.3.0)") {
        auto o = converse(mx_config(), {k_ehlo, k_envelope, "x\r\n.\r\n", "MAIL FROM:<a@b.example>\r\n"}, false,
                          [](ServerSession& s, const ServerEvent& e) {
                              if (std::holds_alternative<MessageEvent>(e))
                                  s.reject(make_reply(451, "4.3.0", "Queue write failed"));
                              else if (needs_answer(e))
                                  s.accept();
                          });
        auto l = lines_of(o.output);
        CHECK(l[l.size() - 2] == "451 4.3.0 Queue write failed");
        CHECK(l.back() == "250 2.1.0 Ok");  // the transaction was cleared: a new MAIL is fine
    }
    SUBCASE("pipelined MAIL/RCPT/DATA with PIPELINING are answered in order (RFC 2920 §3.1)") {
        auto o = converse(mx_config(), {k_ehlo,
                                        "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n"
                                        "RCPT TO:<e@d.example>\r\nDATA\r\n",
                                        "hi\r\n.\r\nQUIT\r\n"});
        CHECK(o.output.find("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 ") != std::string::npos);
        CHECK(o.output.find("250 2.0.0 Ok: queued as Q1\r\n221 2.0.0 Bye\r\n") != std::string::npos);
        REQUIRE(o.message());
        CHECK(o.message()->envelope.rcpts.size() == 2);
        CHECK(o.closed);
    }
    SUBCASE("a refused RCPT does not count; DATA without accepted recipients is 554 5.5.1 (RFC 2920 §3.1)") {
        auto o = converse(mx_config(), {k_ehlo, "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"}, false,
                          [](ServerSession& s, const ServerEvent& e) {
                              if (std::holds_alternative<RcptEvent>(e))
                                  s.reject(make_reply(550, "5.7.1", "Relaying denied"));
                              else if (needs_answer(e))
                                  s.accept();
                          });
        auto l = lines_of(o.output);
        CHECK(l[l.size() - 2] == "550 5.7.1 Relaying denied");
        CHECK(l.back() == "554 5.5.1 No valid recipients");
    }
    SUBCASE("commands out of sequence are 503 5.5.1 (RFC 5321 §4.1.4)") {
        struct Case {
            std::vector<std::string> chunks;
            std::string expect;
        };
        std::vector<Case> cases = {
            {{"MAIL FROM:<a@b.example>\r\n"}, "503 5.5.1 Send HELO/EHLO first"},
            {{k_ehlo, "RCPT TO:<a@b.example>\r\n"}, "503 5.5.1 Need MAIL command"},
            {{k_ehlo, "DATA\r\n"}, "503 5.5.1 Need MAIL command"},
            {{k_ehlo, "MAIL FROM:<a@b.example>\r\n", "MAIL FROM:<a@b.example>\r\n"}, "503 5.5.1 Nested MAIL command"},
            {{"STARTTLS\r\n"}, "503 5.5.1 Send EHLO first"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.expect);
            auto o = converse(mx_config(), c.chunks);
            CHECK(last_line(o.output) == c.expect);
        }
    }
    SUBCASE("syntax and parameter errors (RFC 5321 §4.1.1.2-3, §4.1.1.11, RFC 1870 §6.2)") {
        struct Case {
            std::string command;
            std::string expect;
        };
        std::vector<Case> cases = {
            {"MAIL <a@b.example>", "501 5.5.4 Syntax: MAIL FROM:<address>"},
            {"MAIL FROM:a@b.example", "501 5.1.7 *"},
            {"MAIL FROM:<a@@b>", "501 5.1.7 *"},
            {"MAIL FROM:<a@b.example> FOO=bar", "555 5.5.4 Unsupported MAIL parameter FOO"},
            {"MAIL FROM:<a@b.example> SIZE=99999999999", "552 5.3.4 Message size exceeds fixed maximum message size"},
            {"MAIL FROM:<a@b.example> SIZE=abc", "501 5.5.4 *"},
            {"MAIL FROM:<a@b.example> BODY=8BITMIME", "250 2.1.0 Ok"},
            {"MAIL FROM:<> SIZE=1000", "250 2.1.0 Ok"},
            {"MAIL FROM:<jörg@b.example>", "553 5.6.7 *"},
            {"MAIL FROM:<jörg@b.example> SMTPUTF8", "250 2.1.0 Ok"},
            {"FOO bar", "500 5.5.1 Command unrecognized"},
            {"EXPN staff", "502 5.5.1 EXPN not available"},
            {"VRFY bob", "252 2.5.0 *"},
            {"VRFY", "501 5.5.4 Syntax: VRFY address"},
            {"NOOP whatever", "250 2.0.0 Ok"},
            {"RSET now", "501 5.5.4 Syntax: RSET"},
            {"HELP", "214 2.0.0 *"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.command);
            auto o = converse(mx_config(), {k_ehlo, c.command + "\r\n"});
            std::string got = last_line(o.output);
            if (c.expect.back() == '*')
                CHECK(got.substr(0, c.expect.size() - 1) == c.expect.substr(0, c.expect.size() - 1));
            else
                CHECK(got == c.expect);
        }
    }
    SUBCASE("RCPT errors: bad address 501 5.1.3, unknown parameter 555, DSN parameters accepted") {
        auto base = std::vector<std::string>{k_ehlo, "MAIL FROM:<a@b.example>\r\n"};
        auto with = [&](std::string cmd) {
            auto v = base;
            v.push_back(cmd + "\r\n");
            return last_line(converse(mx_config(), v).output);
        };
        CHECK(with("RCPT TO:<bad address>").substr(0, 10) == "501 5.1.3 ");
        CHECK(with("RCPT <c@d.example>") == "501 5.5.4 Syntax: RCPT TO:<address>");
        CHECK(with("RCPT TO:<c@d.example> XYZ=1") == "555 5.5.4 Unsupported RCPT parameter XYZ");
        CHECK(with("RCPT TO:<c@d.example> NOTIFY=SUCCESS,FAILURE") == "250 2.1.5 Ok");
        CHECK(with("RCPT TO:<jörg@d.example>").substr(0, 10) == "553 5.6.7 ");
        CHECK(with("RCPT TO:<Postmaster>") == "250 2.1.5 Ok");  // RFC 5321 §4.1.1.3
    }
    SUBCASE("ESMTP parameters after HELO are 555 (RFC 5321 §4.1.1.11)") {
        ServerConfig c = mx_config();
        ServerSession s(c, 0);
        s.feed("HELO x.example\r\n", 1);
        while (auto e = s.next_event()) s.accept();
        s.take_output();
        s.feed("MAIL FROM:<a@b.example> SIZE=10\r\n", 2);
        CHECK(s.take_output() == "555 5.5.4 Unsupported MAIL parameter SIZE\r\n");
    }
    SUBCASE("recipient limit: 452 4.5.3 (RFC 5321 §4.5.3.1.10)") {
        ServerConfig c = mx_config();
        c.max_recipients = 2;
        auto o = converse(c, {k_ehlo, "MAIL FROM:<a@b.example>\r\n", "RCPT TO:<x1@d.example>\r\n",
                              "RCPT TO:<x2@d.example>\r\n", "RCPT TO:<x3@d.example>\r\n"});
        CHECK(last_line(o.output) == "452 4.5.3 Too many recipients");
        CHECK(o.count<RcptEvent>() == 2);
    }
    SUBCASE("RSET clears only the transaction (RFC 5321 §4.1.1.5)") {
        auto o = converse(mx_config(), {k_ehlo, "MAIL FROM:<a@b.example>\r\n", "RSET\r\n", "RCPT TO:<c@d.example>\r\n",
                                        "MAIL FROM:<a@b.example>\r\n"});
        auto l = lines_of(o.output);
        CHECK(l[l.size() - 3] == "250 2.0.0 Ok");
        CHECK(l[l.size() - 2] == "503 5.5.1 Need MAIL command");
        CHECK(l.back() == "250 2.1.0 Ok");  // HELO survived the RSET
        CHECK(o.count<ResetEvent>() == 1);
    }
    SUBCASE("QUIT: 221 and close (RFC 5321 §4.1.1.10)") {
        auto o = converse(mx_config(), {k_ehlo, "QUIT\r\nNOOP\r\n"});
        CHECK(last_line(o.output) == "221 2.0.0 Bye");
        CHECK(o.closed);
        CHECK(o.count<QuitEvent>() == 1);
    }
}

TEST_CASE("server session: command line framing") {
    SUBCASE("a 512-octet line is fine, 513 is 500 5.5.2 (RFC 5321 §4.5.3.1.4)") {
        std::string ok = "NOOP " + std::string(505, 'x') + "\r\n";  // 512 with CRLF
        std::string bad = "NOOP " + std::string(506, 'x') + "\r\n";
        REQUIRE(ok.size() == 512);
        auto o = converse(mx_config(), {k_ehlo, ok, bad, "NOOP\r\n"});
        auto l = lines_of(o.output);
        CHECK(l[l.size() - 3] == "250 2.0.0 Ok");
        CHECK(l[l.size() - 2] == "500 5.5.2 Line too long");
        CHECK(l.back() == "250 2.0.0 Ok");
    }
    SUBCASE("a huge line is never buffered and yields exactly one reply") {
        ServerSession s(mx_config(), 0);
        s.take_output();
        std::string big(100000, 'A');
        s.feed(big, 1);
        CHECK(s.take_output().empty());
        s.feed("MAIL FROM:<x@y>\r\n", 2);
        CHECK(s.take_output() == "500 5.5.2 Line too long\r\n");
        CHECK_FALSE(s.wants_close());
    }
    SUBCASE("bare LF, bare CR and NUL make one rejected line, never two commands (RFC 5321 §2.3.8)") {
        for (std::string sep : {std::string("\n"), std::string("\r"), std::string(1, '\0')}) {
            CAPTURE(sep);
            auto o = converse(mx_config(), {k_ehlo, "NOOP" + sep + "RSET\r\n"});
            CHECK(last_line(o.output) == "500 5.5.2 Syntax error: bare CR, bare LF or NUL in command line");
            CHECK(o.count<ResetEvent>() == 0);
        }
    }
    SUBCASE("too many errors: 421 4.7.0 and close") {
        ServerConfig c = mx_config();
        c.max_errors = 3;
        auto o = converse(c, {k_ehlo, "X1\r\n", "X2\r\n", "X3\r\n", "NOOP\r\n"});
        auto l = lines_of(o.output);
        CHECK(l.back() == "421 4.7.0 Too many errors, closing connection");
        CHECK(l[l.size() - 2] == "500 5.5.1 Command unrecognized");
        CHECK(o.closed);
    }
    SUBCASE("an HTTP request as first command: 554 5.7.0 and close") {
        for (std::string req : {"GET / HTTP/1.1", "POST /x HTTP/1.1", "CONNECT a:25 HTTP/1.1", "PUT /x HTTP/1.0"}) {
            CAPTURE(req);
            auto o = converse(mx_config(), {req + "\r\nHost: x\r\n\r\n"});
            CHECK(last_line(o.output) == "554 5.7.0 This is an SMTP server, not a web server");
            CHECK(o.closed);
            CHECK(lines_of(o.output).size() == 2);
        }
    }
    SUBCASE("pipelining without PIPELINING: 554 5.5.0 and close (RFC 2920 §3.1)") {
        // before the EHLO reply was seen
        auto o1 = converse(mx_config(), {"EHLO c.example\r\nMAIL FROM:<a@b.example>\r\n"});
        CHECK(last_line(o1.output) == "554 5.5.0 Improper use of SMTP command pipelining");
        CHECK(o1.closed);
        CHECK(o1.count<MailEvent>() == 0);
        // after HELO, which never offers PIPELINING
        auto o2 = converse(mx_config(), {"HELO c.example\r\n", "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n"});
        CHECK(last_line(o2.output) == "554 5.5.0 Improper use of SMTP command pipelining");
        CHECK(o2.count<RcptEvent>() == 0);
        // with PIPELINING switched off
        ServerConfig c = mx_config();
        c.offer_pipelining = false;
        auto o3 = converse(c, {k_ehlo, "NOOP\r\nNOOP\r\n"});
        CHECK(last_line(o3.output) == "554 5.5.0 Improper use of SMTP command pipelining");
        // a client that waits for each reply is fine after HELO
        auto o4 = converse(mx_config(), {"HELO c.example\r\n", "NOOP\r\n", "NOOP\r\n"});
        CHECK_FALSE(o4.closed);
        CHECK(last_line(o4.output) == "250 2.0.0 Ok");
    }
}

TEST_CASE("server session: STARTTLS (RFC 3207)") {
    SUBCASE("220, then commands pipelined before the handshake are discarded (CVE-2011-0411)") {
        ServerSession s(mx_config(), 0);
        s.take_output();
        s.feed(k_ehlo, 1);
        while (auto e = s.next_event()) s.accept();
        s.take_output();
        s.feed("STARTTLS\r\nMAIL FROM:<evil@x.example>\r\n", 2);
        auto e = s.next_event();
        REQUIRE(e);
        CHECK(std::holds_alternative<StartTlsEvent>(*e));
        CHECK_FALSE(s.next_event());
        CHECK(s.take_output() == "220 2.0.0 Ready to start TLS\r\n");
        s.feed("RCPT TO:<victim@x.example>\r\n", 3);  // still plain text: dropped too
        CHECK(s.tls_established("TLSv1.3", 4));
        CHECK(s.state() == ServerState::greeted);
        CHECK(s.connection().tls);
        s.feed("MAIL FROM:<a@b.example>\r\n", 5);
        CHECK_FALSE(s.next_event());
        CHECK(s.take_output() == "503 5.5.1 Send HELO/EHLO first\r\n");  // state was reset (RFC 3207 §4.2)
    }
    SUBCASE("after TLS the EHLO must be repeated; AUTH works on submission") {
        auto o = converse(submission_config(),
                          {k_ehlo, "STARTTLS\r\n", k_ehlo, "AUTH PLAIN " + plain_ir("u", "p") + "\r\n"});
        CHECK(last_line(o.output) == "235 2.7.0 Authentication successful");
        auto* a = std::get_if<AuthEvent>(&o.events.back());
        REQUIRE(a);
        CHECK(a->username == "u");
        CHECK(a->password == "p");
    }
    SUBCASE("refusals: arguments 501, already in TLS 503, unavailable 502") {
        CHECK(last_line(converse(mx_config(), {k_ehlo, "STARTTLS now\r\n"}).output) ==
              "501 5.5.4 Syntax: STARTTLS (no parameters)");
        CHECK(last_line(converse(mx_config(), {k_ehlo, "STARTTLS\r\n", k_ehlo, "STARTTLS\r\n"}).output) ==
              "503 5.5.1 TLS already active");
        ServerConfig c = mx_config();
        c.tls_available = false;
        CHECK(last_line(converse(c, {k_ehlo, "STARTTLS\r\n"}).output) == "502 5.5.1 STARTTLS not available");
    }
    SUBCASE("tls_established outside STARTTLS is refused (host misuse)") {
        ServerSession s(mx_config(), 0);
        CHECK_FALSE(s.tls_established("TLSv1.3", 1));
        CHECK_FALSE(s.connection().tls);
    }
}

TEST_CASE("server session: AUTH (RFC 4954)") {
    ServerConfig c;
    c.role = Role::submissions;
    auto auth_run = [&](std::vector<std::string> chunks, Policy p = {}) {
        chunks.insert(chunks.begin(), k_ehlo);
        return converse(c, chunks, true, p);
    };
    SUBCASE("PLAIN with an initial response: 235 2.7.0 (RFC 4954 §4, §6; RFC 4616 §2)") {
        auto o = auth_run({"AUTH PLAIN " + plain_ir("alice", "secret") + "\r\n", "MAIL FROM:<alice@b.example>\r\n"});
        auto l = lines_of(o.output);
        CHECK(l[l.size() - 2] == "235 2.7.0 Authentication successful");
        CHECK(l.back() == "250 2.1.0 Ok");
    }
    SUBCASE("PLAIN after an empty 334 challenge") {
        auto o = auth_run({"AUTH PLAIN\r\n", plain_ir("alice", "secret") + "\r\n"});
        auto l = lines_of(o.output);
        CHECK(l[l.size() - 2] == "334 ");
        CHECK(l.back() == "235 2.7.0 Authentication successful");
    }
    SUBCASE("LOGIN asks Username: then Password:") {
        auto o = auth_run({"AUTH LOGIN\r\n", base64_encode("alice") + "\r\n", base64_encode("secret") + "\r\n"});
        auto l = lines_of(o.output);
        CHECK(l[l.size() - 3] == "334 VXNlcm5hbWU6");
        CHECK(l[l.size() - 2] == "334 UGFzc3dvcmQ6");
        CHECK(l.back() == "235 2.7.0 Authentication successful");
        auto* a = std::get_if<AuthEvent>(&o.events.back());
        REQUIRE(a);
        CHECK(a->mechanism == "LOGIN");
        CHECK(a->username == "alice");
        CHECK(a->password == "secret");
    }
    SUBCASE("\"*\" cancels: 501 5.0.0; bad base64: 501 5.5.2; unknown mechanism 504") {
        CHECK(last_line(auth_run({"AUTH LOGIN\r\n", "*\r\n"}).output) == "501 5.0.0 Authentication cancelled");
        CHECK(last_line(auth_run({"AUTH PLAIN\r\n", "!!!\r\n"}).output) == "501 5.5.2 Cannot decode response");
        CHECK(last_line(auth_run({"AUTH PLAIN QQ\r\n"}).output) == "501 5.5.2 Cannot decode response");
        CHECK(last_line(auth_run({"AUTH PLAIN %%%%\r\n"}).output) == "501 5.5.4 Syntax: AUTH mechanism [initial-response]");
        CHECK(last_line(auth_run({"AUTH CRAM-MD5\r\n"}).output) == "504 5.5.4 Unrecognized authentication type");
    }
    SUBCASE("host refuses the credentials: 535 5.7.8, and AUTH may be retried") {
        int n = 0;
        auto o = auth_run({"AUTH PLAIN " + plain_ir("a", "wrong") + "\r\n", "AUTH PLAIN " + plain_ir("a", "ok") + "\r\n"},
                          [&](ServerSession& s, const ServerEvent& e) {
                              if (std::holds_alternative<AuthEvent>(e) && n++ % 2 == 0)
                                  s.reject(make_reply(535, "5.7.8", "Authentication credentials invalid"));
                              else if (needs_answer(e))
                                  s.accept();
                          });
        auto l = lines_of(o.output);
        CHECK(l[l.size() - 2] == "535 5.7.8 Authentication credentials invalid");
        CHECK(l.back() == "235 2.7.0 Authentication successful");
    }
    SUBCASE("already authenticated: 503; during a transaction: 503") {
        std::string ir = "AUTH PLAIN " + plain_ir("a", "b") + "\r\n";
        CHECK(last_line(auth_run({ir, ir}).output) == "503 5.5.1 Already authenticated");
        CHECK(last_line(auth_run({ir, "MAIL FROM:<a@b.example>\r\n", "AUTH LOGIN\r\n"}).output) ==
              "503 5.5.1 AUTH not permitted during a mail transaction");
    }
    SUBCASE("submission: AUTH before STARTTLS is 530 5.7.0, MAIL before AUTH is 530 5.7.0") {
        auto o = converse(submission_config(), {k_ehlo, "AUTH PLAIN " + plain_ir("a", "b") + "\r\n"});
        CHECK(last_line(o.output) == "530 5.7.0 Must issue a STARTTLS command first");
        CHECK(o.count<AuthEvent>() == 0);
        auto o2 = converse(submission_config(), {k_ehlo, "STARTTLS\r\n", k_ehlo, "MAIL FROM:<a@b.example>\r\n"});
        CHECK(last_line(o2.output) == "530 5.7.0 Authentication required");
    }
    SUBCASE("mx does not offer AUTH: 502 5.5.1") {
        CHECK(last_line(converse(mx_config(), {k_ehlo, "AUTH LOGIN\r\n"}).output) == "502 5.5.1 AUTH not available");
    }
    SUBCASE("the trace never shows credentials") {
        auto o = auth_run({"AUTH PLAIN " + plain_ir("alice", "secret") + "\r\n", "AUTH LOGIN\r\n"});
        auto o2 = auth_run({"AUTH LOGIN\r\n", base64_encode("alice") + "\r\n", base64_encode("secret") + "\r\n"});
        for (const auto* out : {&o, &o2}) {
            bool hidden = false;
            for (const auto& t : out->trace) {
                CHECK(t.text.find(plain_ir("alice", "secret")) == std::string::npos);
                CHECK(t.text.find(base64_encode("secret")) == std::string::npos);
                hidden = hidden || t.text.find("<credentials hidden>") != std::string::npos;
            }
            CHECK(hidden);
        }
    }
}

TEST_CASE("server session: DATA content") {
    auto with_body = [](std::string mail_cmd, std::string content, ServerConfig c = mx_config()) {
        return converse(c, {k_ehlo, mail_cmd + "\r\nRCPT TO:<b@relay.lab.test>\r\nDATA\r\n", content});
    };
    SUBCASE("actual size over the limit: 552 5.3.4 after the end (RFC 1870 §6.3)") {
        ServerConfig c = mx_config();
        c.max_message_size = 100;
        auto o = with_body("MAIL FROM:<a@b.example>", std::string(60, 'x') + "\r\n" + std::string(60, 'y') + "\r\n.\r\n",
                           c);
        CHECK(last_line(o.output) == "552 5.3.4 Message size exceeds fixed maximum message size");
        CHECK(o.count_messages() == 0);
    }
    SUBCASE("a text line over 1000 octets: 554 5.6.0 (RFC 5321 §4.5.3.1.6)") {
        auto o = with_body("MAIL FROM:<a@b.example>", std::string(1200, 'x') + "\r\n.\r\n");
        CHECK(last_line(o.output) == "554 5.6.0 Message content rejected: a text line is too long");
        CHECK(o.count_messages() == 0);
    }
    SUBCASE("undeclared 8-bit content is accepted and flagged (default, RFC 5321 §2.4)") {
        auto o = with_body("MAIL FROM:<a@b.example>", "Subject: caf\xC3\xA9\r\n.\r\n");
        CHECK(last_line(o.output) == "250 2.0.0 Ok: queued as Q1");
        REQUIRE(o.message());
        CHECK(o.message()->envelope.content_8bit);
        CHECK(o.message()->envelope.mail_params.body == Body::unspecified);
        bool noted = false;
        for (const auto& t : o.trace) noted = noted || t.text.find("8-bit content without BODY=8BITMIME") != std::string::npos;
        CHECK(noted);
        auto o2 = with_body("MAIL FROM:<a@b.example>", "Subject: cafe\r\n.\r\n");
        REQUIRE(o2.message());
        CHECK_FALSE(o2.message()->envelope.content_8bit);
    }
    SUBCASE("strict_8bitmime: 8-bit content needs BODY=8BITMIME (RFC 6152 §3)") {
        ServerConfig strict = mx_config();
        strict.strict_8bitmime = true;
        auto o = with_body("MAIL FROM:<a@b.example>", "Subject: caf\xC3\xA9\r\n.\r\n", strict);
        CHECK(last_line(o.output) == "554 5.6.0 Message content rejected: 8-bit data requires BODY=8BITMIME");
        CHECK(o.count_messages() == 0);
        auto o2 = with_body("MAIL FROM:<a@b.example> BODY=8BITMIME", "Subject: caf\xC3\xA9\r\n.\r\n", strict);
        CHECK(last_line(o2.output) == "250 2.0.0 Ok: queued as Q1");
        REQUIRE(o2.message());
        CHECK(o2.message()->envelope.content_8bit);
        auto o3 = with_body("MAIL FROM:<a@b.example> SMTPUTF8", "Subject: caf\xC3\xA9\r\n.\r\n", strict);
        CHECK(last_line(o3.output) == "250 2.0.0 Ok: queued as Q1");
    }
    SUBCASE("NUL in content: 554 5.6.0, in both 8-bit modes") {
        auto o = with_body("MAIL FROM:<a@b.example> BODY=8BITMIME", std::string("a\0b\r\n.\r\n", 8));
        CHECK(last_line(o.output) == "554 5.6.0 Message content rejected: NUL octets are not allowed");
        ServerConfig strict = mx_config();
        strict.strict_8bitmime = true;
        auto o2 = with_body("MAIL FROM:<a@b.example>", std::string("a\0b\r\n.\r\n", 8), strict);
        CHECK(last_line(o2.output) == "554 5.6.0 Message content rejected: NUL octets are not allowed");
    }
    SUBCASE("an over-long line is refused in both 8-bit modes") {
        for (bool strict : {false, true}) {
            ServerConfig c = mx_config();
            c.strict_8bitmime = strict;
            auto o = with_body("MAIL FROM:<a@b.example>", "\xC3\xA9" + std::string(1200, 'x') + "\r\n.\r\n", c);
            CHECK(last_line(o.output) == "554 5.6.0 Message content rejected: a text line is too long");
        }
    }
    SUBCASE("bare LF is normalised and noted in the trace (RFC 5321 §2.3.8)") {
        auto o = with_body("MAIL FROM:<a@b.example>", "line1\nline2\r\n.\r\n");
        REQUIRE(o.message());
        CHECK(o.message()->content == "line1\r\nline2\r\n");
        bool noted = false;
        for (const auto& t : o.trace) noted = noted || (t.kind == TraceKind::note && t.text.find("bare") != std::string::npos);
        CHECK(noted);
    }
    SUBCASE("the data is one trace event, not one per line") {
        auto o = with_body("MAIL FROM:<a@b.example>", "l1\r\nl2\r\nl3\r\n.\r\n");
        int data_events = 0;
        for (const auto& t : o.trace) {
            if (t.kind == TraceKind::data) {
                ++data_events;
                CHECK(t.text == "message content, 12 bytes");
            }
            CHECK(t.text.find("l2") == std::string::npos);
        }
        CHECK(data_events == 1);
    }
}

TEST_CASE("server session: SMTP smuggling (CVE-2023-51764 class, RFC 5321 §4.1.1.4)") {
    const std::vector<std::string> fake_ends = {
        "\n.\n",   "\n.\r\n", "\r.\r\n", "\r.\r",   "\n.\r",     "\r\n.\n",     "\r\n.\r",   "\r.\n",
        "\n\n.\n\n", "\r\r.\r\r", "\r\n\n.\r\n", "\r\n\r.\r\n", "\n..\r\n", "\r\n.\r\r\n", ".\r\n",
    };
    for (const auto& fake : fake_ends) {
        CAPTURE(fake);
        std::string content = "Subject: hi\r\n\r\nHello" + fake +
                              "MAIL FROM:<evil@attacker.example>\r\nRCPT TO:<victim@relay.lab.test>\r\nDATA\r\n"
                              "From: ceo@relay.lab.test\r\n\r\nsmuggled\r\n.\r\n";
        auto o = converse(mx_config(), {k_ehlo, k_envelope, content, "NOOP\r\n"});
        CHECK(o.count_messages() == 1);
        CHECK(o.count<MailEvent>() == 1);  // only the real MAIL
        CHECK(o.count<RcptEvent>() == 1);
        REQUIRE(o.message());
        CHECK(o.message()->content.find("MAIL FROM:<evil@attacker.example>") != std::string::npos);
        auto l = lines_of(o.output);
        CHECK(l[l.size() - 2] == "250 2.0.0 Ok: queued as Q1");
        CHECK(l.back() == "250 2.0.0 Ok");
        CHECK_FALSE(o.closed);
    }
}

TEST_CASE("server session: BDAT (RFC 3030)") {
    const std::string env = "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@relay.lab.test>\r\n";
    SUBCASE("chunks of exact size, LAST completes") {
        auto o = converse(mx_config(), {k_ehlo, env, "BDAT 7\r\nHello\r\n", "BDAT 8 LAST\r\nWorld\r\n\r\n"});
        auto l = lines_of(o.output);
        CHECK(l[l.size() - 2] == "250 2.0.0 7 octets received");
        CHECK(l.back() == "250 2.0.0 Ok: queued as Q1");
        REQUIRE(o.message());
        CHECK(o.message()->content == "Hello\r\nWorld\r\n\r\n");
        CHECK(o.message()->envelope.bdat);
    }
    SUBCASE("chunk bytes that look like commands or a dot line are data") {
        std::string chunk = "QUIT\r\n.\r\nRSET\r\n";
        auto o = converse(mx_config(), {k_ehlo, env, "BDAT " + std::to_string(chunk.size()) + " LAST\r\n" + chunk});
        REQUIRE(o.message());
        CHECK(o.message()->content == chunk);
        CHECK(o.count<QuitEvent>() == 0);
        CHECK_FALSE(o.closed);
    }
    SUBCASE("BDAT 0 LAST ends the message; pipelined chunks work") {
        auto o = converse(mx_config(), {k_ehlo, env + "BDAT 3\r\nab\nBDAT 0 LAST\r\n"});
        REQUIRE(o.message());
        CHECK(o.message()->content == "ab\r\n");  // bare LF normalised (no BINARYMIME)
    }
    SUBCASE("DATA after BDAT is 503 5.5.1") {
        auto o = converse(mx_config(), {k_ehlo, env, "BDAT 2\r\nab", "DATA\r\n"});
        CHECK(last_line(o.output) == "503 5.5.1 DATA not allowed after BDAT");
    }
    SUBCASE("a refused chunk is still consumed: no MAIL 503, no RCPT 554, too big 552") {
        auto o = converse(mx_config(), {k_ehlo, "BDAT 10\r\nNOOP\r\nXXXX", "NOOP\r\n"});
        auto l = lines_of(o.output);
        CHECK(l[l.size() - 2] == "503 5.5.1 Need MAIL command");
        CHECK(l.back() == "250 2.0.0 Ok");
        auto o2 = converse(mx_config(), {k_ehlo, "MAIL FROM:<a@b.example>\r\n", "BDAT 6 LAST\r\nRSET\r\n"});
        CHECK(last_line(o2.output) == "554 5.5.1 No valid recipients");
        CHECK(o2.count<ResetEvent>() == 0);
        ServerConfig c = mx_config();
        c.max_message_size = 10;
        auto o3 = converse(c, {k_ehlo, env, "BDAT 6\r\n123456", "BDAT 6 LAST\r\n789012", "DATA\r\n"});
        auto l3 = lines_of(o3.output);
        CHECK(l3[l3.size() - 2] == "552 5.3.4 Message size exceeds fixed maximum message size");
        CHECK(l3.back() == "503 5.5.1 Need MAIL command");  // the transaction was reset
        CHECK(o3.count_messages() == 0);
    }
    SUBCASE("undeclared 8-bit chunk content: accepted and flagged; refused with strict_8bitmime") {
        auto o = converse(mx_config(), {k_ehlo, env, "BDAT 4 LAST\r\n\xC3\xA9\r\n"});
        CHECK(last_line(o.output) == "250 2.0.0 Ok: queued as Q1");
        REQUIRE(o.message());
        CHECK(o.message()->envelope.content_8bit);
        ServerConfig strict = mx_config();
        strict.strict_8bitmime = true;
        auto o1 = converse(strict, {k_ehlo, env, "BDAT 4 LAST\r\n\xC3\xA9\r\n"});
        CHECK(last_line(o1.output) == "554 5.6.0 Message content rejected: 8-bit data requires BODY=8BITMIME");
        auto o2 = converse(strict, {k_ehlo, "MAIL FROM:<a@b.example> BODY=8BITMIME\r\nRCPT TO:<c@d.example>\r\n",
                                    "BDAT 4 LAST\r\n\xC3\xA9\r\n"});
        CHECK(last_line(o2.output) == "250 2.0.0 Ok: queued as Q1");
        auto o3 = converse(mx_config(), {k_ehlo, env, std::string("BDAT 5 LAST\r\na\0b\r\n", 18)});
        CHECK(last_line(o3.output) == "554 5.6.0 Message content rejected: NUL octets are not allowed");
    }
    SUBCASE("bad BDAT syntax: 501 5.5.4") {
        CHECK(last_line(converse(mx_config(), {k_ehlo, env, "BDAT x\r\n"}).output) ==
              "501 5.5.4 Syntax: BDAT chunk-size [LAST]");
    }
}

TEST_CASE("server session: timeouts (RFC 5321 §4.5.3.2)") {
    SUBCASE("5 minutes for a command, then 421 4.4.2 and close") {
        ServerSession s(mx_config(), 1000);
        s.take_output();
        CHECK(s.next_deadline() == 1000 + 300000);
        s.on_timeout(1000 + 299999);
        CHECK(s.take_output().empty());
        s.on_timeout(1000 + 300000);
        CHECK(s.take_output() == "421 4.4.2 relay.lab.test Timeout, closing connection\r\n");
        CHECK(s.wants_close());
        CHECK(s.next_deadline() == ServerSession::k_no_deadline);
    }
    SUBCASE("10 minutes while the message content arrives; activity moves the deadline") {
        ServerConfig c = mx_config();
        c.min_data_rate_bps = 0;  // the idle timer alone
        ServerSession s(c, 0);
        s.feed(k_ehlo, 10);
        while (auto e = s.next_event()) s.accept();
        s.take_output();
        s.feed(k_envelope, 20);
        while (auto e = s.next_event()) s.accept();
        s.take_output();
        CHECK(s.state() == ServerState::data);
        CHECK(s.next_deadline() == 20 + 600000);
        s.feed("some", 500);
        CHECK(s.next_deadline() == 500 + 600000);
    }
    SUBCASE("a DATA transfer's total deadline: data timeout + octets at min_data_rate_bps") {
        ServerConfig c = mx_config();
        c.min_data_rate_bps = 1000;  // 1 octet per ms
        ServerSession s(c, 0);
        s.feed(k_ehlo, 10);
        while (auto e = s.next_event()) s.accept();
        s.take_output();
        s.feed(k_envelope, 20);
        while (auto e = s.next_event()) s.accept();
        s.take_output();
        CHECK(s.state() == ServerState::data);
        s.feed("some", 500);  // 4 octets: 4 ms more than the data timeout from the start
        CHECK(s.next_deadline() == 20 + 600000 + 4);
        s.feed(std::string(100000, 'x'), 1000);  // fast: the allowance grows past the idle timer
        CHECK(s.next_deadline() == 1000 + 600000);
    }
    SUBCASE("a command line's total deadline runs from its first byte") {
        ServerSession s(mx_config(), 0);
        s.take_output();
        s.feed("NO", 100);
        s.feed("O", 200000);
        CHECK(s.next_deadline() == 100 + 300000);
        s.feed("P\r\n", 250000);  // complete: back to the idle timer
        s.take_output();
        CHECK(s.next_deadline() == 250000 + 300000);
    }
    SUBCASE("no client deadline while the host decides") {
        ServerSession s(mx_config(), 0);
        s.feed(k_ehlo, 10);
        CHECK(s.awaiting_answer());
        CHECK(s.next_deadline() == ServerSession::k_no_deadline);
        s.accept(50);
        CHECK(s.next_deadline() == 50 + 300000);
    }
}

TEST_CASE("server session: every byte value (robustness)") {
    for (int b = 0; b < 256; ++b) {
        CAPTURE(b);
        const char ch = static_cast<char>(b);
        // in a command: exactly one reply line, bounded output, no crash
        {
            std::string cmd = "MAIL FROM:<a";
            cmd += ch;
            cmd += "b@c.example>\r\n";
            auto o = converse(mx_config(), {k_ehlo, cmd});
            auto l = lines_of(o.output);
            std::size_t ehlo_lines = 9;
            CHECK(l.size() == 1 + ehlo_lines + 1);
            CHECK(o.output.size() < 2000);
            CHECK(l.back().size() >= 3);
        }
        // in DATA: one end-of-data reply; the octet survives unless it is a line end
        {
            std::string xy = "x";
            xy += ch;
            xy += "y\r\n";
            std::string content = xy + ".\r\n";
            auto o = converse(mx_config(), {k_ehlo, "MAIL FROM:<a@b.example> BODY=8BITMIME\r\nRCPT TO:<c@d.example>\r\nDATA\r\n",
                                            content});
            std::string last = last_line(o.output);
            if (b == 0) {
                CHECK(last.substr(0, 9) == "554 5.6.0");
            } else {
                CHECK(last == "250 2.0.0 Ok: queued as Q1");
                REQUIRE(o.message());
                if (ch != '\r' && ch != '\n') CHECK(o.message()->content == xy);
                else CHECK(o.message()->content == "x\r\ny\r\n");
            }
        }
    }
}

TEST_CASE("server session: host interface") {
    SUBCASE("answers without a pending event are refused and change nothing") {
        ServerSession s(mx_config(), 0);
        s.take_output();
        CHECK_FALSE(s.accept());
        CHECK_FALSE(s.reject(make_reply(550, "5.0.0", "x")));
        CHECK(s.take_output().empty());
    }
    SUBCASE("a positive reply is not a refusal") {
        ServerSession s(mx_config(), 0);
        s.feed(k_ehlo, 1);
        CHECK_FALSE(s.reject(make_reply(250, "2.0.0", "x")));
        CHECK(s.awaiting_answer());
    }
    SUBCASE("pipelined input waits while the host decides, and is bounded") {
        ServerConfig c = mx_config();
        c.max_pending_input = 64;
        ServerSession s(c, 0);
        s.feed(k_ehlo, 1);
        CHECK_FALSE(s.wants_input());
        s.feed(std::string(100, 'x'), 2);
        CHECK(s.wants_close());
        CHECK(last_line(s.take_output()) == "421 4.7.0 Too much pipelined input, closing connection");
        CHECK_FALSE(s.accept());
    }
    SUBCASE("a 421 from the host closes the session (RFC 5321 §3.8)") {
        ServerSession s(mx_config(), 0);
        s.feed(k_ehlo, 1);
        CHECK(s.reject(make_reply(421, "4.3.2", "Shutting down")));
        CHECK(s.wants_close());
    }
    SUBCASE("the client closing mid-message drops the message") {
        ServerSession s(mx_config(), 0);
        s.feed(k_ehlo, 1);
        s.accept();
        s.take_output();
        s.feed(k_envelope, 2);
        s.accept();
        s.accept();
        s.feed("partial", 3);
        s.feed_eof(4);
        CHECK(s.wants_close());
        int messages = 0;
        while (auto e = s.next_event()) messages += std::holds_alternative<MessageEvent>(*e) ? 1 : 0;
        CHECK(messages == 0);
    }
}

TEST_CASE("server session: trace") {
    auto o = converse(mx_config(), {k_ehlo, "NOOP\r\n"});
    std::vector<std::string> seen;
    for (const auto& t : o.trace) seen.push_back(std::string(trace_kind_name(t.kind)) + ": " + t.text);
    SUBCASE("wire lines in and out, with explanations (RFC 5321 §4.1.1, §4.2)") {
        CHECK(seen.front() == "reply: 220 relay.lab.test ESMTP relaylab");
        CHECK(std::find(seen.begin(), seen.end(), "command: EHLO client.example") != seen.end());
        CHECK(std::find(seen.begin(), seen.end(), "reply: 250-PIPELINING") != seen.end());
        CHECK(std::find(seen.begin(), seen.end(), "reply: 250 2.0.0 Ok") != seen.end());
        for (const auto& t : o.trace)
            if (t.kind == TraceKind::reply) CHECK_FALSE(explain_event(t).text.empty());
    }
    SUBCASE("state transitions as old -> new") {
        CHECK(std::find(seen.begin(), seen.end(), "state: greeted -> ready") != seen.end());
    }
    SUBCASE("every wire line out is one reply event") {
        std::size_t replies = 0;
        for (const auto& t : o.trace) replies += t.kind == TraceKind::reply ? 1 : 0;
        CHECK(replies == lines_of(o.output).size());
        for (const auto& t : o.trace)
            if (t.kind == TraceKind::command) CHECK_FALSE(explain_event(t).rfc.empty());
    }
    SUBCASE("trace off records nothing") {
        ServerConfig c = mx_config();
        c.trace = false;
        auto q = converse(c, {k_ehlo, "NOOP\r\n"});
        CHECK(q.trace.empty());
        CHECK(q.output == o.output);
    }
}

TEST_CASE("server session: envelope and limits of AUTH lines") {
    SUBCASE("the envelope records TLS, its version and the authenticated user (RFC 3207, RFC 4954 §6)") {
        std::string ir = plain_ir("alice", "secret");
        auto o = converse(submission_config(), {k_ehlo, "STARTTLS\r\n", k_ehlo, "AUTH PLAIN " + ir + "\r\n",
                                                "MAIL FROM:<alice@example.org>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n",
                                                "hi\r\n.\r\n"});
        REQUIRE(o.message());
        const Envelope& env = o.message()->envelope;
        CHECK(env.tls);
        CHECK(env.tls_version == "TLSv1.3");
        CHECK(env.auth_user == "alice");
        CHECK(env.esmtp);
        CHECK(env.helo == "client.example");
    }
    SUBCASE("an AUTH response line over 12288 octets: 500 5.5.6 (RFC 4954 §4)") {
        ServerConfig c;
        c.role = Role::submissions;
        auto o = converse(c, {k_ehlo, "AUTH PLAIN\r\n", std::string(13000, 'A') + "\r\n", "NOOP\r\n"}, true);
        auto l = lines_of(o.output);
        CHECK(l[l.size() - 2] == "500 5.5.6 Authentication exchange line is too long");
        CHECK(l.back() == "250 2.0.0 Ok");
    }
    SUBCASE("an AUTH command may be longer than 512 octets (RFC 4954 §4)") {
        ServerConfig c;
        c.role = Role::submissions;
        std::string ir = plain_ir(std::string(200, 'u'), std::string(200, 'p'));
        REQUIRE(ir.size() > 512);
        auto o = converse(c, {k_ehlo, "AUTH PLAIN " + ir + "\r\n"}, true);
        CHECK(last_line(o.output) == "235 2.7.0 Authentication successful");
    }
}

TEST_CASE("server session: any split of random dialogs gives the same result") {
    // Fragments of plausible and broken input; a fixed-seed generator picks them.
    const std::vector<std::string> fragments = {
        "EHLO a.example\r\n", "HELO b.example\r\n", "MAIL FROM:<a@b.example>\r\n", "RCPT TO:<c@d.example>\r\n",
        "DATA\r\n", "RSET\r\n", "NOOP\r\n", "BDAT 5\r\n", "BDAT 3 LAST\r\n", "hello", "\r\n.\r\n", "\n.\n", ".",
        "\r", "\n", "\r\n", std::string(1, '\0'), "\xC3\xA9", "STARTTLS\r\n", "AUTH PLAIN\r\n", "*\r\n", "VRFY x\r\n",
        "QUIT\r\n", std::string(600, 'z'),
    };
    std::uint32_t seed = 12345;
    auto next = [&] {
        seed = seed * 1664525u + 1013904223u;
        return seed >> 8;
    };
    for (int round = 0; round < 150; ++round) {
        CAPTURE(round);
        std::vector<std::string> chunks;
        int n = 1 + static_cast<int>(next() % 12);
        for (int i = 0; i < n; ++i) {
            std::string chunk;
            int parts = 1 + static_cast<int>(next() % 4);
            for (int k = 0; k < parts; ++k) chunk += fragments[next() % fragments.size()];
            chunks.push_back(chunk);
        }
        auto o = converse(mx_config(), chunks);  // checks whole == one byte at a time
        std::size_t input = 0;
        for (const auto& c : chunks) input += c.size();
        // Output stays proportional: no reply storm from any input.
        CHECK(o.output.size() <= 400 + 100 * input);
    }
}
