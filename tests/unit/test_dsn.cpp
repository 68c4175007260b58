// Bounces: RFC 3464 (message/delivery-status fields), RFC 6522 (multipart/report), RFC 3461
// (NOTIFY §4.1, RET §4.3, ENVID §4.4, ORCPT §4.2, null sender §6.2), RFC 3834 §5
// (Auto-Submitted), RFC 5322 §2.1.1 (CRLF, 998 octets), RFC 5321 §4.5.5 (no bounce of a bounce).
// Every DSN is parsed back with tests/unit/mime_reader.hpp.
#include <doctest/doctest.h>

#include <string>

#include "engine/dsn.hpp"
#include "engine/received.hpp"
#include "mime_reader.hpp"

using namespace relaylab;

namespace {

const std::string original =
    "Received: from client.lab.test by relay.lab.test; Fri, 27 Nov 2026 03:37:26 +0000\r\n"
    "From: Alice <alice@lab.test>\r\n"
    "To: bob@example.org\r\n"
    "Subject: quarterly report\r\n"
    "Message-ID: <orig-1@lab.test>\r\n"
    "\r\n"
    "Hello Bob,\r\n"
    "the secret body line.\r\n";

DsnRecipient failed_rcpt(std::string addr, Reply reply, std::string remote = "mx.example.org") {
    DsnRecipient r;
    r.final_recipient = std::move(addr);
    r.action = DsnAction::failed;
    r.diagnostic = std::move(reply);
    r.remote_mta = std::move(remote);
    r.last_attempt_ms = 1795837046000;
    return r;
}

DsnRequest base_request() {
    DsnRequest req;
    req.reporting_mta = "relay.lab.test";
    req.original_sender = "alice@lab.test";
    req.arrival_ms = 1795837000000;
    req.now_ms = 1795837046000;
    req.seed = 42;
    req.counter = 1;
    req.original_message = original;
    return req;
}

struct ParsedDsn {
    mime::Entity top;
    mime::Multipart parts;
    std::vector<mime::Fields> status_blocks;
};

ParsedDsn parse_dsn(const std::string& content) {
    ParsedDsn p;
    p.top = mime::parse_entity(content);
    const auto ct = mime::find(p.top.headers, "Content-Type");
    REQUIRE(ct);
    CHECK(mime::media_type(*ct) == "multipart/report");
    CHECK(mime::parameter(*ct, "report-type") == std::optional<std::string>("delivery-status"));
    const auto boundary = mime::parameter(*ct, "boundary");
    REQUIRE(boundary);
    p.parts = mime::split_multipart(p.top.body, *boundary);
    CHECK(p.parts.closed);
    REQUIRE(p.parts.parts.size() >= 2);
    CHECK(mime::media_type(*mime::find(p.parts.parts[0].headers, "Content-Type")) == "text/plain");
    CHECK(mime::media_type(*mime::find(p.parts.parts[1].headers, "Content-Type")) == "message/delivery-status");
    p.status_blocks = mime::parse_field_blocks(p.parts.parts[1].body);
    return p;
}

void check_wire_form(const std::string& content) {
    const auto lines = mime::split_lines(content);
    CHECK(lines.crlf_only);
    for (auto l : lines.lines) {
        CAPTURE(l);
        CHECK(l.size() <= 998);
    }
}

}  // namespace

TEST_CASE("dsn: a failure report parsed back (RFC 3464 §2, RFC 6522 §3)") {
    DsnRequest req = base_request();
    req.envid = "QQ-314";
    req.recipients.push_back(failed_rcpt("bob@example.org", make_reply(550, "5.1.1", "user unknown")));
    DsnRecipient carol = failed_rcpt("carol@example.org", make_reply(552, "5.2.2", "mailbox full"), "mx2.example.org");
    carol.original_recipient = "rfc822;Carol@Example.ORG";
    req.recipients.push_back(carol);

    const DsnResult res = compose_dsn(req);
    REQUIRE(res.outcome == DsnOutcome::composed);
    CHECK(res.envelope_recipient == "alice@lab.test");
    CHECK(res.envelope_sender.empty());  // the DSN goes out with MAIL FROM:<> (RFC 3461 §6.2)
    CHECK(res.reported == std::vector<std::size_t>{0, 1});
    check_wire_form(res.content);
    const ParsedDsn p = parse_dsn(res.content);

    SUBCASE("top-level header") {
        const auto& h = p.top.headers;
        CHECK(mime::find(h, "From") == std::optional<std::string>("Mail Delivery System <MAILER-DAEMON@relay.lab.test>"));
        CHECK(mime::find(h, "To") == std::optional<std::string>("<alice@lab.test>"));
        CHECK(mime::find(h, "Subject") == std::optional<std::string>("Undelivered Mail Returned to Sender"));
        CHECK(mime::find(h, "Date") == std::optional<std::string>("Sat, 28 Nov 2026 03:37:26 +0000"));
        CHECK(mime::find(h, "Message-ID") == std::optional<std::string>(res.message_id));
        CHECK(res.message_id.ends_with("@relay.lab.test>"));
        CHECK(mime::find(h, "Auto-Submitted") == std::optional<std::string>("auto-replied"));  // RFC 3834 §5
        CHECK(mime::find(h, "MIME-Version") == std::optional<std::string>("1.0"));
    }
    SUBCASE("per-message fields (RFC 3464 §2.2)") {
        REQUIRE(p.status_blocks.size() == 3);
        const auto& m = p.status_blocks[0];
        CHECK(mime::find(m, "Reporting-MTA") == std::optional<std::string>("dns; relay.lab.test"));
        CHECK(mime::find(m, "Original-Envelope-Id") == std::optional<std::string>("QQ-314"));
        CHECK(mime::find(m, "Arrival-Date") == std::optional<std::string>(format_rfc5322_date(req.arrival_ms)));
    }
    SUBCASE("per-recipient fields (RFC 3464 §2.3)") {
        REQUIRE(p.status_blocks.size() == 3);
        const auto& b = p.status_blocks[1];
        CHECK(mime::find(b, "Final-Recipient") == std::optional<std::string>("rfc822; bob@example.org"));
        CHECK(mime::find(b, "Action") == std::optional<std::string>("failed"));
        CHECK(mime::find(b, "Status") == std::optional<std::string>("5.1.1"));
        CHECK(mime::find(b, "Remote-MTA") == std::optional<std::string>("dns; mx.example.org"));
        CHECK(mime::find(b, "Diagnostic-Code") == std::optional<std::string>("smtp; 550 5.1.1 user unknown"));
        CHECK(mime::find(b, "Last-Attempt-Date") == std::optional<std::string>("Sat, 28 Nov 2026 03:37:26 +0000"));
        CHECK_FALSE(mime::find(b, "Original-Recipient"));
        const auto& c = p.status_blocks[2];
        CHECK(mime::find(c, "Original-Recipient") == std::optional<std::string>("rfc822;Carol@Example.ORG"));
        CHECK(mime::find(c, "Final-Recipient") == std::optional<std::string>("rfc822; carol@example.org"));
        CHECK(mime::find(c, "Status") == std::optional<std::string>("5.2.2"));
        CHECK(mime::find(c, "Remote-MTA") == std::optional<std::string>("dns; mx2.example.org"));
        CHECK(mime::find(c, "Diagnostic-Code") == std::optional<std::string>("smtp; 552 5.2.2 mailbox full"));
    }
    SUBCASE("human part names each recipient; part 3 returns the full message") {
        CHECK(p.parts.parts[0].body.find("<bob@example.org>: failed, 550 5.1.1 user unknown") != std::string::npos);
        CHECK(p.parts.parts[0].body.find("<carol@example.org>") != std::string::npos);
        REQUIRE(p.parts.parts.size() == 3);
        CHECK(mime::media_type(*mime::find(p.parts.parts[2].headers, "Content-Type")) == "message/rfc822");
        const mime::Entity inner = mime::parse_entity(p.parts.parts[2].body);
        CHECK(mime::find(inner.headers, "Subject") == std::optional<std::string>("quarterly report"));
        CHECK(inner.body.find("the secret body line.") != std::string::npos);
    }
}

TEST_CASE("dsn: RET, NOTIFY and the null sender (RFC 3461 §4.1, §4.3, §6.2)") {
    SUBCASE("RET=HDRS returns only the header, as text/rfc822-headers") {
        DsnRequest req = base_request();
        req.ret = Ret::hdrs;
        req.recipients.push_back(failed_rcpt("bob@example.org", make_reply(550, "5.1.1", "user unknown")));
        const DsnResult res = compose_dsn(req);
        REQUIRE(res.outcome == DsnOutcome::composed);
        const ParsedDsn p = parse_dsn(res.content);
        REQUIRE(p.parts.parts.size() == 3);
        CHECK(mime::media_type(*mime::find(p.parts.parts[2].headers, "Content-Type")) == "text/rfc822-headers");
        CHECK(p.parts.parts[2].body.find("Subject: quarterly report") != std::string::npos);
        CHECK(res.content.find("the secret body line.") == std::string::npos);
    }
    SUBCASE("RET=FULL and unspecified return the body") {
        for (Ret ret : {Ret::full, Ret::unspecified}) {
            DsnRequest req = base_request();
            req.ret = ret;
            req.recipients.push_back(failed_rcpt("bob@example.org", make_reply(550, "5.1.1", "x")));
            CHECK(compose_dsn(req).content.find("the secret body line.") != std::string::npos);
        }
    }
    SUBCASE("NOTIFY=NEVER → no DSN") {
        DsnRequest req = base_request();
        DsnRecipient r = failed_rcpt("bob@example.org", make_reply(550, "5.1.1", "x"));
        r.notify = *parse_notify("never");
        req.recipients.push_back(r);
        const DsnResult res = compose_dsn(req);
        CHECK(res.outcome == DsnOutcome::not_requested);
        CHECK(res.content.empty());
    }
    SUBCASE("NOTIFY filters recipients one by one") {
        DsnRequest req = base_request();
        DsnRecipient a = failed_rcpt("a@example.org", make_reply(550, "5.1.1", "x"));
        DsnRecipient b = failed_rcpt("b@example.org", make_reply(550, "5.1.1", "x"));
        b.notify = *parse_notify("SUCCESS,DELAY");  // no FAILURE
        req.recipients = {a, b};
        const DsnResult res = compose_dsn(req);
        REQUIRE(res.outcome == DsnOutcome::composed);
        CHECK(res.reported == std::vector<std::size_t>{0});
        const ParsedDsn p = parse_dsn(res.content);
        REQUIRE(p.status_blocks.size() == 2);
        CHECK(mime::find(p.status_blocks[1], "Final-Recipient") == std::optional<std::string>("rfc822; a@example.org"));
    }
    SUBCASE("default NOTIFY: failure and delay, not success") {
        const DsnNotify n;
        CHECK(n.wants(DsnAction::failed));
        CHECK(n.wants(DsnAction::delayed));
        CHECK_FALSE(n.wants(DsnAction::delivered));
    }
    SUBCASE("null sender → no bounce, whatever NOTIFY says") {
        DsnRequest req = base_request();
        req.original_sender.clear();
        DsnRecipient r = failed_rcpt("bob@example.org", make_reply(550, "5.1.1", "x"));
        r.notify = *parse_notify("FAILURE,SUCCESS,DELAY");
        req.recipients.push_back(r);
        const DsnResult res = compose_dsn(req);
        CHECK(res.outcome == DsnOutcome::null_sender);
        CHECK(res.content.empty());
    }
    SUBCASE("parse_notify (RFC 3461 §4.1 grammar)") {
        CHECK(parse_notify("NEVER") == DsnNotify{true, false, false, false});
        CHECK(parse_notify("success, Failure") == DsnNotify{false, true, true, false});
        CHECK(parse_notify("DELAY") == DsnNotify{false, false, false, true});
        for (const char* bad : {"", "NEVER,SUCCESS", "SOMETIMES", "SUCCESS,", ",DELAY"}) {
            CAPTURE(bad);
            CHECK_FALSE(parse_notify(bad));
        }
    }
}

TEST_CASE("dsn: delayed and success reports (RFC 3464 §2.3.3)") {
    SUBCASE("Action: delayed has its own subject and Will-Retry-Until") {
        DsnRequest req = base_request();
        DsnRecipient r;
        r.final_recipient = "bob@example.org";
        r.action = DsnAction::delayed;
        r.status = "4.4.1";
        r.diagnostic = make_reply(451, "4.4.1", "no answer");
        r.will_retry_until_ms = req.arrival_ms + 5LL * 86400000;
        req.recipients.push_back(r);
        const DsnResult res = compose_dsn(req);
        REQUIRE(res.outcome == DsnOutcome::composed);
        const ParsedDsn p = parse_dsn(res.content);
        CHECK(mime::find(p.top.headers, "Subject") == std::optional<std::string>("Delayed Mail (still being retried)"));
        REQUIRE(p.status_blocks.size() == 2);
        CHECK(mime::find(p.status_blocks[1], "Action") == std::optional<std::string>("delayed"));
        CHECK(mime::find(p.status_blocks[1], "Status") == std::optional<std::string>("4.4.1"));
        CHECK(mime::find(p.status_blocks[1], "Will-Retry-Until") ==
              std::optional<std::string>(format_rfc5322_date(*r.will_retry_until_ms)));
        CHECK_FALSE(mime::find(p.status_blocks[1], "Remote-MTA"));  // no remote host: no field
    }
    SUBCASE("a mixed report with a failure is a failure report") {
        DsnRequest req = base_request();
        DsnRecipient d;
        d.final_recipient = "slow@example.org";
        d.action = DsnAction::delayed;
        req.recipients = {d, failed_rcpt("bob@example.org", make_reply(550, "5.1.1", "x"))};
        const ParsedDsn p = parse_dsn(compose_dsn(req).content);
        CHECK(mime::find(p.top.headers, "Subject") == std::optional<std::string>("Undelivered Mail Returned to Sender"));
        REQUIRE(p.status_blocks.size() == 3);
        CHECK(mime::find(p.status_blocks[1], "Status") == std::optional<std::string>("4.0.0"));  // derived default
    }
    SUBCASE("NOTIFY=SUCCESS gives a delivered report") {
        DsnRequest req = base_request();
        DsnRecipient r;
        r.final_recipient = "bob@example.org";
        r.action = DsnAction::delivered;
        r.notify = *parse_notify("SUCCESS");
        r.diagnostic = make_reply(250, "2.0.0", "ok queued as X");
        req.recipients.push_back(r);
        const ParsedDsn p = parse_dsn(compose_dsn(req).content);
        CHECK(mime::find(p.status_blocks[1], "Action") == std::optional<std::string>("delivered"));
        CHECK(mime::find(p.status_blocks[1], "Status") == std::optional<std::string>("2.0.0"));
    }
}

TEST_CASE("dsn: wire safety (RFC 5322 §2.1.1, RFC 2046 §5.1.1)") {
    SUBCASE("hostile values cannot add header fields; long lines are folded or cut") {
        DsnRequest req = base_request();
        req.original_sender = "alice@lab.test\r\nBcc: victim@example.org";
        req.envid = "E\r\nX-Injected: 1";
        DsnRecipient r = failed_rcpt("bob@example.org\r\nX-Injected: 2",
                                     make_reply(550, "5.1.1", std::string(3000, 'w') + " and more words here"),
                                     "mx\r\nX-Injected: 3");
        req.recipients.push_back(r);
        req.original_message = "Subject: long\r\n\r\n" + std::string(2500, 'L') + "\nbare LF line\rbare CR\r\n";
        const DsnResult res = compose_dsn(req);
        REQUIRE(res.outcome == DsnOutcome::composed);
        check_wire_form(res.content);
        const ParsedDsn p = parse_dsn(res.content);
        CHECK(mime::count(p.top.headers, "Bcc") == 0);
        for (const auto& block : p.status_blocks) CHECK(mime::count(block, "X-Injected") == 0);
        REQUIRE(p.status_blocks.size() == 2);
        CHECK(mime::find(p.status_blocks[1], "Diagnostic-Code")->find("and more words here") != std::string::npos);
    }
    SUBCASE("the boundary never occurs inside the returned message") {
        DsnRequest req = base_request();
        req.recipients.push_back(failed_rcpt("bob@example.org", make_reply(550, "5.1.1", "x")));
        const std::string first_boundary = *mime::parameter(
            *mime::find(mime::parse_entity(compose_dsn(req).content).headers, "Content-Type"), "boundary");
        req.original_message = "Subject: x\r\n\r\n--" + first_boundary + "--\r\n";
        const DsnResult res = compose_dsn(req);
        const std::string b = *mime::parameter(*mime::find(mime::parse_entity(res.content).headers, "Content-Type"), "boundary");
        CHECK(b != first_boundary);
        const ParsedDsn p = parse_dsn(res.content);
        REQUIRE(p.parts.parts.size() == 3);
        CHECK(p.parts.parts[2].body.find(first_boundary) != std::string::npos);
    }
    SUBCASE("deterministic: same request, same bytes; another seed, another Message-ID") {
        DsnRequest req = base_request();
        req.recipients.push_back(failed_rcpt("bob@example.org", make_reply(550, "5.1.1", "x")));
        const DsnResult a = compose_dsn(req);
        CHECK(a.content == compose_dsn(req).content);
        req.seed = 43;
        CHECK(compose_dsn(req).message_id != a.message_id);
    }
    SUBCASE("8-bit original content is declared (RFC 6152, RFC 2045 §6.4)") {
        DsnRequest req = base_request();
        req.recipients.push_back(failed_rcpt("bob@example.org", make_reply(550, "5.1.1", "x")));
        req.original_message = "Subject: caf\xc3\xa9\r\n\r\nna\xc3\xafve\r\n";
        const ParsedDsn p = parse_dsn(compose_dsn(req).content);
        CHECK(mime::find(p.top.headers, "Content-Transfer-Encoding") == std::optional<std::string>("8bit"));
        CHECK(mime::find(p.parts.parts[2].headers, "Content-Transfer-Encoding") == std::optional<std::string>("8bit"));
    }
}
