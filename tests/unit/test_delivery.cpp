// The delivery core's decisions (engine/delivery.hpp), each with the RFC that asks for it.
// The core is driven here the way both hosts drive it: a pull loop answered with DNS
// answers, connection failures and session outcomes — no network, no clock.
#include <doctest/doctest.h>

#include <stdexcept>

#include "engine/delivery.hpp"
#include "engine/dsn.hpp"
#include "engine/next_hop.hpp"

using namespace relaylab;

namespace {

Path path(std::string_view address) {
    auto p = parse_forward_path("<" + std::string(address) + ">", true);
    REQUIRE(p);
    return p.value;
}

QueuedMessage message(std::vector<std::string> to, std::optional<DsnNotify> notify = std::nullopt) {
    QueuedMessage q = queued_message("Q1", path("alice@lab.test"), MailParams{}, 1'000'000);
    for (const auto& t : to) {
        RcptParams params;
        params.notify = notify;
        q.recipients.push_back(queued_recipient(path(t), params));
    }
    return q;
}

DeliveryPolicy policy() {
    DeliveryPolicy p;
    p.hostname = "relay.lab.test";
    p.local_domains = {"lab.test"};
    return p;
}

DnsMxAnswer mx(std::vector<MxRecord> records) { return DnsMxAnswer{DnsStatus::ok, std::move(records)}; }
DnsAddressAnswer addr(std::string ip) { return DnsAddressAnswer{DnsStatus::ok, {std::move(ip)}}; }

MessageOutcome outcome(std::vector<std::pair<int, std::string>> replies, bool dsn = true, bool local = false) {
    MessageOutcome o;
    o.next_hop_dsn = dsn;
    for (auto& [code, enhanced] : replies) {
        Reply r = make_reply(code, enhanced, "text");
        o.recipients.push_back(RecipientOutcome{Path{}, recipient_status_of(r), r, local});
    }
    return o;
}

// A zone of host names, each with its addresses ("2001:db8::1,192.0.2.1"): the answer to one
// address question (AAAA or A); an unknown name is NXDOMAIN, a known one without addresses of
// the type asked "no data".
DnsAddressAnswer zone_answer(const std::map<std::string, std::string>& hosts, const LookupAddress& q) {
    auto it = hosts.find(q.name);
    if (it == hosts.end()) return DnsAddressAnswer{DnsStatus::nxdomain, {}};
    DnsAddressAnswer out{DnsStatus::nodata, {}};
    std::string rest = it->second;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string ip = rest.substr(0, comma);
        rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
        if ((ip.find(':') != std::string::npos) == (q.type == AddressType::aaaa)) out.addresses.push_back(ip);
    }
    if (!out.addresses.empty()) out.status = DnsStatus::ok;
    return out;
}

// Runs the core until it asks to connect; returns that step.
Connect until_connect(DomainDelivery& d, TlsFailureMemory& mem, const DnsMxAnswer& answer,
                      const std::map<std::string, std::string>& hosts) {
    for (int i = 0; i < 20; ++i) {
        DeliveryStep s = d.next(mem, 0);
        if (std::holds_alternative<LookupMx>(s)) d.on_mx(answer);
        else if (auto* a = std::get_if<LookupAddress>(&s)) d.on_address(zone_answer(hosts, *a));
        else if (auto* c = std::get_if<Connect>(&s)) return *c;
        else FAIL("finished before connecting");
    }
    FAIL("no Connect step");
    return {};
}

}  // namespace

TEST_CASE("delivery core: grouping due recipients") {
    SUBCASE("local domains apart, one group per remote domain; all marked attempting") {
        QueuedMessage q = message({"bob@dest.test", "carol@other.test", "dan@lab.test", "eve@DEST.test"});
        auto groups = start_attempts(q, policy(), 1'000'000);
        REQUIRE(groups.size() == 3);
        CHECK(groups[0].domain == "dest.test");
        CHECK(groups[0].recipients == std::vector<std::size_t>{0, 3});  // RFC 4343: case-insensitive
        CHECK(groups[1].domain == "other.test");
        CHECK(groups[2].local);
        for (const auto& r : q.recipients) CHECK(r.state == RecipientState::attempting);
        CHECK(start_attempts(q, policy(), 1'000'000).empty());  // nothing due twice
    }
    SUBCASE("a smarthost takes every remote domain in one group (no MX lookup)") {
        DeliveryPolicy p = policy();
        p.routes.push_back({"*", "127.0.0.9", 2525});
        QueuedMessage q = message({"bob@dest.test", "carol@other.test"});
        auto groups = start_attempts(q, p, 1'000'000);
        REQUIRE(groups.size() == 1);
        TlsFailureMemory mem;
        DomainDelivery d(p, groups[0], 1);
        auto s = d.next(mem, 0);
        REQUIRE(std::holds_alternative<Connect>(s));
        CHECK(std::get<Connect>(s).ip == "127.0.0.9");
        CHECK(std::get<Connect>(s).port == 2525);
    }
}

TEST_CASE("delivery core: choosing targets (RFC 5321 §5.1)") {
    const DeliveryPolicy p = policy();
    TlsFailureMemory mem;
    const DeliveryGroup g{false, "dest.test", {0}};
    const std::map<std::string, std::string> hosts = {{"mx1.dest.test", "192.0.2.1"}, {"mx2.dest.test", "192.0.2.2"}};

    SUBCASE("lowest preference first; a refused connection moves to the next host") {
        DomainDelivery d(p, g, 1);
        auto c = until_connect(d, mem, mx({{20, "mx2.dest.test"}, {10, "mx1.dest.test"}}), hosts);
        CHECK(c.host == "mx1.dest.test");
        d.on_connect_failed("refused");
        c = until_connect(d, mem, {}, hosts);
        CHECK(c.host == "mx2.dest.test");
        d.on_session(SessionReport{outcome({{250, "2.0.0"}}), SessionFailure::none, std::nullopt});
        REQUIRE(std::holds_alternative<Finished>(d.next(mem, 0)));
        REQUIRE(d.results().size() == 1);
        CHECK(d.results()[0].reply.code == 250);
        CHECK(d.results()[0].relayed);  // RFC 3464 §2.3.3: handed to another MTA
        CHECK(d.results()[0].remote_mta == "mx2.dest.test");
    }
    SUBCASE("asking for the next step before answering the Connect is a bug in the host, said loudly") {
        DomainDelivery d(p, g, 1);
        until_connect(d, mem, mx({{10, "mx1.dest.test"}}), hosts);
        CHECK_THROWS_AS(d.next(mem, 0), std::logic_error);
        d.on_connect_failed("refused");  // answered: the core goes on
        REQUIRE(std::holds_alternative<Finished>(d.next(mem, 0)));
        CHECK(d.results().size() == 1);
    }
    SUBCASE("every host refused: 4.4.1, a local condition, no attempt claimed") {
        DomainDelivery d(p, g, 1);
        until_connect(d, mem, mx({{10, "mx1.dest.test"}}), hosts);
        d.on_connect_failed("refused");
        REQUIRE(std::holds_alternative<Finished>(d.next(mem, 0)));
        CHECK(d.results()[0].reply.enhanced == "4.4.1");
        CHECK(d.results()[0].remote_mta.empty());
        CHECK_FALSE(d.results()[0].attempted);
    }
    SUBCASE("a 421 greeting is connection-level: next host; the remote reply is kept if all fail") {
        DomainDelivery d(p, g, 1);
        until_connect(d, mem, mx({{10, "mx1.dest.test"}, {20, "mx2.dest.test"}}), hosts);
        d.on_session(SessionReport{std::nullopt, SessionFailure::greeting_rejected, make_reply(421, "4.3.2", "busy")});
        until_connect(d, mem, {}, hosts);
        d.on_connect_failed("timed out");
        REQUIRE(std::holds_alternative<Finished>(d.next(mem, 0)));
        CHECK(d.results()[0].reply.code == 421);
        CHECK(d.results()[0].remote_mta == "mx1.dest.test");
    }
    SUBCASE("NXDOMAIN: 550 5.1.2 before any attempt") {
        DomainDelivery d(p, g, 1);
        REQUIRE(std::holds_alternative<LookupMx>(d.next(mem, 0)));
        d.on_mx(DnsMxAnswer{DnsStatus::nxdomain, {}});
        REQUIRE(std::holds_alternative<Finished>(d.next(mem, 0)));
        CHECK(d.results()[0].reply.enhanced == "5.1.2");
        CHECK_FALSE(d.results()[0].attempted);
    }
    SUBCASE("no MX records: the domain's own address is the implicit MX") {
        DomainDelivery d(p, g, 1);
        REQUIRE(std::holds_alternative<LookupMx>(d.next(mem, 0)));
        d.on_mx(DnsMxAnswer{DnsStatus::nodata, {}});
        auto s = d.next(mem, 0);
        REQUIRE(std::holds_alternative<LookupAddress>(s));
        CHECK(std::get<LookupAddress>(s).name == "dest.test");
        CHECK(std::get<LookupAddress>(s).type == AddressType::aaaa);
        d.on_address(DnsAddressAnswer{DnsStatus::nodata, {}});
        s = d.next(mem, 0);
        REQUIRE(std::holds_alternative<LookupAddress>(s));
        CHECK(std::get<LookupAddress>(s).type == AddressType::a);
        d.on_address(addr("192.0.2.7"));
        s = d.next(mem, 0);
        REQUIRE(std::holds_alternative<Connect>(s));
        CHECK(std::get<Connect>(s).ip == "192.0.2.7");
    }
    SUBCASE("implicit MX with an IPv6 address only: delivered over IPv6 (RFC 5321 §5.1)") {
        DomainDelivery d(p, g, 1);
        d.next(mem, 0);
        d.on_mx(DnsMxAnswer{DnsStatus::nodata, {}});
        auto c = until_connect(d, mem, {}, {{"dest.test", "2001:db8::7"}});
        CHECK(c.ip == "2001:db8::7");
    }
    SUBCASE("a transaction reply decides: 550 for one recipient, 250 for the other") {
        DomainDelivery d(p, DeliveryGroup{false, "dest.test", {0, 1}}, 1);
        until_connect(d, mem, mx({{10, "mx1.dest.test"}, {20, "mx2.dest.test"}}), hosts);
        d.on_session(SessionReport{outcome({{550, "5.1.1"}, {250, "2.0.0"}}), SessionFailure::none, std::nullopt});
        REQUIRE(std::holds_alternative<Finished>(d.next(mem, 0)));
        CHECK(d.results()[0].reply.code == 550);
        CHECK(d.results()[1].reply.code == 250);
    }
}

TEST_CASE("delivery core: IPv6 and IPv4 addresses of a host (RFC 5321 §5.1, RFC 6724 §6)") {
    const DeliveryPolicy p = policy();
    TlsFailureMemory mem;
    const DeliveryGroup g{false, "dest.test", {0}};
    const DnsMxAnswer one = mx({{10, "mx1.dest.test"}});
    SUBCASE("AAAA is asked, then A; the IPv6 address is tried first, then the IPv4 one") {
        DomainDelivery d(p, g, 1);
        REQUIRE(std::holds_alternative<LookupMx>(d.next(mem, 0)));
        d.on_mx(one);
        auto s = d.next(mem, 0);
        REQUIRE(std::holds_alternative<LookupAddress>(s));
        CHECK(std::get<LookupAddress>(s).name == "mx1.dest.test");
        CHECK(std::get<LookupAddress>(s).type == AddressType::aaaa);
        d.on_address(addr("2001:db8::1"));
        s = d.next(mem, 0);
        REQUIRE(std::holds_alternative<LookupAddress>(s));
        CHECK(std::get<LookupAddress>(s).type == AddressType::a);
        d.on_address(addr("192.0.2.1"));
        s = d.next(mem, 0);
        REQUIRE(std::holds_alternative<Connect>(s));
        CHECK(std::get<Connect>(s).ip == "2001:db8::1");
        d.on_connect_failed("Network is unreachable");
        s = d.next(mem, 0);
        REQUIRE(std::holds_alternative<Connect>(s));
        CHECK(std::get<Connect>(s).ip == "192.0.2.1");
        CHECK(std::get<Connect>(s).host == "mx1.dest.test");
    }
    SUBCASE("no IPv6 address (AAAA no data): the A address is used") {
        DomainDelivery d(p, g, 1);
        auto c = until_connect(d, mem, one, {{"mx1.dest.test", "192.0.2.1"}});
        CHECK(c.ip == "192.0.2.1");
    }
    SUBCASE("AAAA NXDOMAIN: the name does not exist, no A question (RFC 8020 §2); 4.4.3") {
        DomainDelivery d(p, g, 1);
        d.next(mem, 0);
        d.on_mx(one);
        auto s = d.next(mem, 0);
        REQUIRE(std::get<LookupAddress>(s).type == AddressType::aaaa);
        d.on_address(DnsAddressAnswer{DnsStatus::nxdomain, {}});
        s = d.next(mem, 0);
        REQUIRE(std::holds_alternative<Finished>(s));
        CHECK(d.results()[0].reply.enhanced == "4.4.3");
        CHECK_FALSE(d.results()[0].attempted);
    }
    SUBCASE("AAAA fails (SERVFAIL) but A answers: the IPv4 address is used") {
        DomainDelivery d(p, g, 1);
        d.next(mem, 0);
        d.on_mx(one);
        d.next(mem, 0);
        d.on_address(DnsAddressAnswer{DnsStatus::servfail, {}});
        REQUIRE(std::get<LookupAddress>(d.next(mem, 0)).type == AddressType::a);
        d.on_address(addr("192.0.2.1"));
        auto s = d.next(mem, 0);
        REQUIRE(std::holds_alternative<Connect>(s));
        CHECK(std::get<Connect>(s).ip == "192.0.2.1");
    }
    SUBCASE("an IPv6 TLS failure is remembered per address, bracketed") {
        DomainDelivery d(p, g, 1);
        until_connect(d, mem, one, {{"mx1.dest.test", "2001:db8::1"}});
        d.on_session(SessionReport{outcome({{451, "4.7.4"}}, true, true), SessionFailure::tls_rejected, std::nullopt});
        auto s = d.next(mem, 100);
        REQUIRE(std::holds_alternative<Connect>(s));
        CHECK(std::get<Connect>(s).cleartext_retry);
        CHECK(mem.failed_recently("[2001:db8::1]:25", 200));
    }
}

TEST_CASE("delivery core: TLS per destination (RFC 7435, RFC 3207 §4.1)") {
    const std::map<std::string, std::string> hosts = {{"mx1.dest.test", "192.0.2.1"}};
    const DeliveryGroup g{false, "dest.test", {0}};
    SUBCASE("opportunistic: a failed handshake is retried at once in cleartext, and remembered") {
        const DeliveryPolicy p = policy();
        TlsFailureMemory mem;
        DomainDelivery d(p, g, 1);
        auto c = until_connect(d, mem, mx({{10, "mx1.dest.test"}}), hosts);
        CHECK(c.client.tls == TlsPolicy::opportunistic);
        d.on_session(SessionReport{outcome({{451, "4.7.4"}}, true, true), SessionFailure::tls_rejected, std::nullopt});
        auto s = d.next(mem, 100);
        REQUIRE(std::holds_alternative<Connect>(s));
        CHECK(std::get<Connect>(s).client.tls == TlsPolicy::none);
        CHECK(std::get<Connect>(s).cleartext_retry);
        CHECK(mem.failed_recently("192.0.2.1:25", 200));
        CHECK_FALSE(mem.failed_recently("192.0.2.1:25", 100 + p.tls_failure_memory_ms));
        // The next message to that host goes in cleartext straight away.
        DomainDelivery d2(p, g, 1);
        auto c2 = until_connect(d2, mem, mx({{10, "mx1.dest.test"}}), hosts);
        CHECK(c2.client.tls == TlsPolicy::none);
    }
    SUBCASE("required: never cleartext; deferred with 4.7.4 as a local condition") {
        DeliveryPolicy p = policy();
        p.tls_required_domains = {"DEST.test"};
        TlsFailureMemory mem;
        DomainDelivery d(p, g, 1);
        auto c = until_connect(d, mem, mx({{10, "mx1.dest.test"}}), hosts);
        CHECK(c.client.tls == TlsPolicy::required);
        d.on_session(SessionReport{outcome({{451, "4.7.4"}}, true, true), SessionFailure::tls_rejected, std::nullopt});
        REQUIRE(std::holds_alternative<Finished>(d.next(mem, 0)));
        CHECK(d.results()[0].reply.enhanced == "4.7.4");
        CHECK(d.results()[0].remote_mta.empty());
        CHECK_FALSE(mem.failed_recently("192.0.2.1:25", 1));
    }
}

TEST_CASE("delivery core: outcomes and notices (RFC 3461, RFC 3464)") {
    const RetryPolicy retry;
    SUBCASE("NOTIFY=SUCCESS relayed to a next hop without DSN: a relayed notice, then done (RFC 3461 §5.2.2)") {
        DsnNotify n;
        n.success = true;
        QueuedMessage q = message({"bob@dest.test"}, n);
        auto groups = start_attempts(q, policy(), 1'000'000);
        AttemptResult r{make_reply(250, "2.0.0", "ok"), "mx1.dest.test", true, true, false};
        record_group(q, groups[0], {r}, 1'000'100, retry, 1);
        CHECK(q.recipients[0].state == RecipientState::relayed);
        CHECK_FALSE(is_done(q));
        auto due = notices_owed(q, 1'000'100, retry);
        REQUIRE(due.size() == 1);
        CHECK(due[0].action == DsnAction::relayed);
        auto notice = issue_notice(q, due[0], "relay.lab.test", 1'000'100, retry, 1, 1, "Subject: x\r\n\r\nhi\r\n");
        REQUIRE(notice);
        CHECK(notice->message.sender.null);  // RFC 5321 §4.5.5
        CHECK(notice->message.recipients[0].path == q.sender);
        CHECK(notice->message.recipients[0].notify().never);  // RFC 3461 §6.2
        CHECK(notice->dsn.content.find("Action: relayed") != std::string::npos);
        CHECK(is_done(q));
    }
    SUBCASE("NOTIFY passed on to a DSN-capable next hop: nothing owed by us") {
        DsnNotify n;
        n.success = true;
        QueuedMessage q = message({"bob@dest.test"}, n);
        auto groups = start_attempts(q, policy(), 1'000'000);
        AttemptResult r{make_reply(250, "2.0.0", "ok"), "mx1.dest.test", true, true, true};
        record_group(q, groups[0], {r}, 1'000'100, retry, 1);
        CHECK(notices_owed(q, 1'000'100, retry).empty());
        CHECK(is_done(q));
    }
    SUBCASE("local delivery with NOTIFY=SUCCESS: a delivered notice (RFC 3461 §5.2.3)") {
        DsnNotify n;
        n.success = true;
        QueuedMessage q = message({"dan@lab.test"}, n);
        auto groups = start_attempts(q, policy(), 1'000'000);
        record_group(q, groups[0], {local_delivery_result(make_reply(250, "2.0.0", "ok"))}, 1'000'100, retry, 1);
        CHECK(q.recipients[0].state == RecipientState::delivered);
        auto due = notices_owed(q, 1'000'100, retry);
        REQUIRE(due.size() == 1);
        CHECK(due[0].action == DsnAction::delivered);
    }
    SUBCASE("expiry keeps the last real reply and its host; the notice says the lifetime ran out") {
        QueuedMessage q = message({"bob@dest.test"});
        RetryPolicy short_life = retry;
        short_life.max_lifetime_ms = 60'000;
        auto groups = start_attempts(q, policy(), 1'000'000);
        AttemptResult r{make_reply(452, "4.2.2", "mailbox full"), "mx1.dest.test", true, false, false};
        record_group(q, groups[0], {r}, 1'000'100, short_life, 1);
        CHECK(q.recipients[0].state == RecipientState::bounced);
        CHECK(q.recipients[0].expired);
        auto due = notices_owed(q, 1'000'100, short_life);
        REQUIRE(due.size() == 1);
        auto notice = issue_notice(q, due[0], "relay.lab.test", 1'000'100, short_life, 1, 1, "");
        REQUIRE(notice);
        const std::string& c = notice->dsn.content;
        CHECK(c.find("Status: 4.2.2") != std::string::npos);  // not a made-up 4.4.7
        CHECK(c.find("Diagnostic-Code: smtp; 452 4.2.2") != std::string::npos);
        CHECK(c.find("Remote-MTA: dns; mx1.dest.test") != std::string::npos);
        CHECK(c.find("queue lifetime") != std::string::npos);
    }
    SUBCASE("a local condition: no smtp; diagnostic, no Remote-MTA, no Last-Attempt-Date without an attempt") {
        QueuedMessage q = message({"bob@nosuch.test"});
        auto groups = start_attempts(q, policy(), 1'000'000);
        AttemptResult r{make_reply(550, "5.1.2", "no such domain"), "", false, false, false};
        record_group(q, groups[0], {r}, 1'000'100, retry, 1);
        auto due = notices_owed(q, 1'000'100, retry);
        REQUIRE(due.size() == 1);
        auto notice = issue_notice(q, due[0], "relay.lab.test", 1'000'100, retry, 1, 1, "");
        REQUIRE(notice);
        const std::string& c = notice->dsn.content;
        CHECK(c.find("Diagnostic-Code: smtp;") == std::string::npos);
        CHECK(c.find("Diagnostic-Code: X-local; no such domain") != std::string::npos);
        CHECK(c.find("Remote-MTA:") == std::string::npos);
        CHECK(c.find("Last-Attempt-Date:") == std::string::npos);
    }
    SUBCASE("the null sender never gets a notice (RFC 5321 §4.5.5)") {
        QueuedMessage q = message({"bob@dest.test"});
        q.sender = Path{true, {}, {}};
        auto groups = start_attempts(q, policy(), 1'000'000);
        record_group(q, groups[0], {AttemptResult{make_reply(550, "5.1.1", "no"), "mx", true, false, false}},
                     1'000'100, retry, 1);
        CHECK(notices_owed(q, 1'000'100, retry).empty());
        CHECK(is_done(q));
    }
}

TEST_CASE("delivery core: what the next hop is sent") {
    SUBCASE("every parameter accepted goes on; undeclared 8-bit is declared (RFC 6152 §2)") {
        QueuedMessage q = message({"bob@dest.test"});
        q.params.envid = "env-1";
        q.params.ret = Ret::hdrs;
        q.params.auth = "alice@lab.test";
        q.params.size = 123;
        q.content_8bit = true;
        q.recipients[0].params.orcpt = "rfc822;bob@dest.test";
        DsnNotify n;
        n.success = true;
        q.recipients[0].params.notify = n;
        OutgoingMessage out = outgoing_message(q, {0}, "body");
        CHECK(out.mail_params.body == Body::eight_bit_mime);
        CHECK(out.mail_params.envid == "env-1");
        CHECK(out.mail_params.ret == Ret::hdrs);
        CHECK(out.mail_params.auth.empty());   // RFC 4954 §5: not vouched for onwards
        CHECK_FALSE(out.mail_params.size);     // the session declares what it really sends
        REQUIRE(out.rcpts.size() == 1);
        CHECK(out.rcpts[0].second.orcpt == "rfc822;bob@dest.test");
        CHECK(out.rcpts[0].second.notify == n);
    }
    SUBCASE("next hop without 8BITMIME: MIME text converted, bare 8-bit refused 5.6.3 (RFC 6152 §3)") {
        ServerCapabilities caps;
        caps.smtputf8 = true;
        const std::string mime = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nK\xc3\xb6ln\r\n";
        auto a = adapt_for_next_hop(mime, true, false, false, caps);
        CHECK_FALSE(a.refusal);
        CHECK(a.converted);
        CHECK(a.content.find("K=C3=B6ln") != std::string::npos);
        auto b = adapt_for_next_hop("Subject: x\r\n\r\nK\xc3\xb6ln\r\n", true, false, false, caps);
        REQUIRE(b.refusal);
        CHECK(b.refusal->enhanced == "5.6.3");
        caps.eight_bit_mime = true;
        auto c = adapt_for_next_hop(mime, true, false, false, caps);
        CHECK_FALSE(c.converted);
        CHECK(c.content == mime);
    }
    SUBCASE("next hop without SMTPUTF8: 5.6.7 for a UTF-8 address, 5.6.9 for UTF-8 headers (RFC 6531 §3.2)") {
        ServerCapabilities caps;
        caps.eight_bit_mime = true;
        auto a = adapt_for_next_hop("Subject: x\r\n\r\nhi\r\n", false, true, true, caps);
        REQUIRE(a.refusal);
        CHECK(a.refusal->enhanced == "5.6.7");
        auto b = adapt_for_next_hop("Subject: Gr\xc3\xbc\xc3\x9f" "e\r\n\r\nhi\r\n", false, true, false, caps);
        REQUIRE(b.refusal);
        CHECK(b.refusal->enhanced == "5.6.9");
        auto c = adapt_for_next_hop("Subject: x\r\n\r\nhi\r\n", false, true, false, caps);
        CHECK_FALSE(c.refusal);  // declared but not needed: the parameter is simply not sent
    }
}
