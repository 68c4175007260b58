// Relay policy: RFC 5321 §3.6 (relaying; §3.6.1 source routes, §3.6.2 MX and relaying),
// §4.5.1 (postmaster), §7.1 (no open relay); RFC 4954 §6 / RFC 6409 (authenticated submission);
// RFC 2505 (anti-relay: percent hack, bang paths, quoted '@'). The address forms are those
// tried by nmap's smtp-open-relay script.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/relay_policy.hpp"

using namespace relaylab;

namespace {

const std::string local = "lab.test";
const std::string target = "nmap.scanme.org";
const std::string our_ip = "[127.0.0.1]";

// Paths built as a parser would hand them over (the parsers are another module's job).
Path path(std::string local_part, std::string domain, std::vector<std::string> route = {}) {
    Path p;
    p.source_route = std::move(route);
    p.mailbox.quoted_local = !local_part.empty() && local_part.front() == '"';
    p.mailbox.domain_literal = !domain.empty() && domain.front() == '[';
    p.mailbox.local_part = std::move(local_part);
    p.mailbox.domain = std::move(domain);
    return p;
}

// "<local@domain>" for CAPTURE (built with += : GCC 12 warns falsely on "lit" + string).
std::string label(const Path& p) {
    std::string out = "<";
    for (const auto& hop : p.source_route) {
        out += '@';
        out += hop;
        out += ':';
    }
    if (!p.null) {
        out += p.mailbox.local_part;
        if (!p.mailbox.domain.empty()) {
            out += '@';
            out += p.mailbox.domain;
        }
    }
    out += '>';
    return out;
}

Path null_path() {
    Path p;
    p.null = true;
    return p;
}

struct RelayForm {
    const char* wire;  // how the client wrote it
    Path path;
};

std::vector<RelayForm> open_relay_forms() {
    const std::string q_at = "\"relaytest@" + target + "\"";
    const std::string q_pct = "\"relaytest%" + target + "\"";
    return {
        {"<relaytest@target>", path("relaytest", target)},
        {"<relaytest%target@[ip]>", path("relaytest%" + target, our_ip)},
        {"<relaytest%target@local>", path("relaytest%" + target, local)},
        {"<\"relaytest@target\">", path(q_at, "")},
        {"<\"relaytest%target\">", path(q_pct, "")},
        {"<relaytest@target@[ip]>", path("relaytest@" + target, our_ip)},
        {"<\"relaytest@target\"@[ip]>", path(q_at, our_ip)},
        {"<relaytest@target@local>", path("relaytest@" + target, local)},
        {"<\"relaytest@target\"@local>", path(q_at, local)},
        {"<\"relaytest%target\"@local>", path(q_pct, local)},
        {"<relaytest@local@target>", path("relaytest@" + local, target)},
        {"<@[ip]:relaytest@target>", path("relaytest", target, {our_ip})},
        {"<@local:relaytest@target>", path("relaytest", target, {local})},
        {"<@local:relaytest@local>", path("relaytest", local, {local})},
        {"<target!relaytest>", path(target + "!relaytest", "")},
        {"<target!relaytest@[ip]>", path(target + "!relaytest", our_ip)},
        {"<target!relaytest@local>", path(target + "!relaytest", local)},
        {"<relaytest@[ip]>", path("relaytest", our_ip)},
        {"<relaytest@[192.0.2.99]>", path("relaytest", "[192.0.2.99]")},
        {"<relaytest@[IPv6:::1]>", path("relaytest", "[IPv6:::1]")},
        {"<postmaster@[ip]>", path("postmaster", our_ip)},
        {"<postmaster@target>", path("postmaster", target)},
        {"<relaytest@lab.test.evil>", path("relaytest", "lab.test.evil")},
        {"<relaytest@evil-lab.test>", path("relaytest", "evil-lab.test")},
    };
}

RelayPolicy make_policy() {
    RelayPolicy p;
    p.local_domains = {"lab.test", "Lab2.Test"};
    // relaytest is a real local user so a trick cannot be mistaken for an unknown-user 5.1.1.
    p.local_users = {"alice@lab.test", "bob@lab.test", "relaytest@lab.test", "carol@lab2.test"};
    p.trusted_networks = {"10.0.0.0/8", "192.168.1.0/24", "2001:db8:1::/48", "198.51.100.7"};
    return p;
}

RelayClient stranger_on_mx() { return RelayClient{Role::mx, std::nullopt, "203.0.113.5"}; }

}  // namespace

TEST_CASE("relay policy: open relay forms (RFC 5321 §3.6, §7.1; RFC 2505)") {
    const RelayPolicy policy = make_policy();
    SUBCASE("every form is rejected 550 5.7.1 for an unauthenticated client on mx") {
        for (const auto& form : open_relay_forms()) {
            CAPTURE(form.wire);
            CHECK(classify_recipient(form.path, policy.local_domains) == RecipientClass::remote);
            auto r = check_recipient(policy, stranger_on_mx(), form.path);
            REQUIRE(r);
            CHECK(r->summary() == "550 5.7.1 Relaying denied");
        }
    }
    SUBCASE("the same forms from an authenticated submission user are accepted (RFC 6409 §4.3)") {
        for (auto role : {Role::submission, Role::submissions}) {
            const RelayClient user{role, std::string("alice@lab.test"), "203.0.113.5"};
            for (const auto& form : open_relay_forms()) {
                CAPTURE(form.wire);
                CAPTURE(role_name(role));
                CHECK_FALSE(check_recipient(policy, user, form.path));
            }
        }
    }
    SUBCASE("and from a trusted network without AUTH") {
        for (const char* ip : {"10.1.2.3", "192.168.1.200", "2001:db8:1:ff::25", "198.51.100.7", "::ffff:10.9.9.9"}) {
            const RelayClient client{Role::mx, std::nullopt, ip};
            for (const auto& form : open_relay_forms()) {
                CAPTURE(form.wire);
                CAPTURE(ip);
                CHECK_FALSE(check_recipient(policy, client, form.path));
            }
        }
    }
    SUBCASE("just outside the trusted networks is a stranger") {
        for (const char* ip : {"11.0.0.1", "192.168.2.1", "2001:db8:2::1", "198.51.100.8", "not-an-ip", ""}) {
            CAPTURE(ip);
            const RelayClient client{Role::mx, std::nullopt, ip};
            CHECK(check_recipient(policy, client, path("x", target)));
        }
    }
    SUBCASE("each trick is named (for the UI's explanation)") {
        CHECK(detect_relay_trick(path("a%b", local)) == RelayTrick::percent_hack);
        CHECK(detect_relay_trick(path("b!a", local)) == RelayTrick::bang_path);
        CHECK(detect_relay_trick(path("\"a@b\"", local)) == RelayTrick::embedded_at);
        CHECK(detect_relay_trick(path("a", local, {local})) == RelayTrick::source_route);
        CHECK(detect_relay_trick(path("a", our_ip)) == RelayTrick::address_literal);
        CHECK(detect_relay_trick(path("a", "")) == RelayTrick::no_domain);
        CHECK(detect_relay_trick(path("a", local)) == RelayTrick::none);
        CHECK(detect_relay_trick(path("\"a\\%b\"", local)) == RelayTrick::percent_hack);  // escaped still counts
    }
}

TEST_CASE("relay policy: local recipients (RFC 5321 §3.6.2, §4.5.1)") {
    const RelayPolicy policy = make_policy();
    SUBCASE("known local users are accepted from anyone; domain case and trailing dot ignored") {
        for (const auto& p : {path("alice", "lab.test"), path("alice", "LAB.Test"), path("bob", "lab.test."),
                              path("carol", "lab2.test"), path("\"alice\"", "lab.test"), path("ALICE", "lab.test")}) {
            const std::string shown = label(p);
            CAPTURE(shown);
            CHECK(classify_recipient(p, policy.local_domains) == RecipientClass::local);
            CHECK_FALSE(check_recipient(policy, stranger_on_mx(), p));
        }
    }
    SUBCASE("unknown local user → 550 5.1.1 at RCPT time (no backscatter)") {
        for (const auto& p : {path("mallory", "lab.test"), path("carol", "lab.test"), path("alice", "lab2.test")}) {
            const std::string shown = label(p);
            CAPTURE(shown);
            auto r = check_recipient(policy, stranger_on_mx(), p);
            REQUIRE(r);
            CHECK(r->code == 550);
            CHECK(r->enhanced == "5.1.1");
            // even for an authenticated user: it is our domain, we know the user does not exist
            CHECK(check_recipient(policy, RelayClient{Role::submission, "alice@lab.test", ""}, p));
        }
    }
    SUBCASE("postmaster is always accepted (RFC 5321 §4.5.1)") {
        for (const auto& p : {path("Postmaster", ""), path("postmaster", ""), path("POSTMASTER", "lab.test"),
                              path("postmaster", "Lab2.Test."), path("\"postmaster\"", "lab.test")}) {
            const std::string shown = label(p);
            CAPTURE(shown);
            CHECK(classify_recipient(p, policy.local_domains) == RecipientClass::postmaster);
            CHECK_FALSE(check_recipient(policy, stranger_on_mx(), p));
        }
    }
    SUBCASE("a null forward-path is not a recipient") {
        CHECK(check_recipient(policy, stranger_on_mx(), null_path()));
    }
}

TEST_CASE("relay policy: is_local_domain") {
    const std::vector<std::string> domains{"lab.test", "Mixed.Case.", "xn--bcher-kva.example"};
    struct Case {
        const char* domain;
        bool local;
    };
    const Case cases[] = {
        {"lab.test", true},           {"LAB.TEST", true},         {"lab.test.", true},
        {"mixed.case", true},         {"MIXED.CASE.", true},      {"xn--BCHER-kva.example", true},
        {"sub.lab.test", false},      {"lab.test.evil", false},   {"ab.test", false},
        {"", false},                  {"[127.0.0.1]", false},     {".", false},
    };
    for (const auto& c : cases) {
        CAPTURE(c.domain);
        CHECK(is_local_domain(c.domain, domains) == c.local);
    }
}

TEST_CASE("relay policy: trusted networks, CIDR matching") {
    struct Case {
        const char* cidr;
        const char* ip;
        bool match;
    };
    const Case cases[] = {
        {"10.0.0.0/8", "10.255.255.255", true},
        {"10.0.0.0/8", "11.0.0.0", false},
        {"192.168.1.0/24", "192.168.1.0", true},
        {"192.168.1.0/24", "192.168.0.255", false},
        {"192.168.1.128/25", "192.168.1.127", false},
        {"192.168.1.128/25", "192.168.1.128", true},
        {"172.16.0.0/12", "172.31.255.1", true},
        {"172.16.0.0/12", "172.32.0.1", false},
        {"0.0.0.0/0", "203.0.113.9", true},
        {"0.0.0.0/0", "2001:db8::1", false},  // families never mix
        {"203.0.113.9", "203.0.113.9", true},  // bare address = /32
        {"203.0.113.9", "203.0.113.10", false},
        {"127.0.0.1/32", "::ffff:127.0.0.1", true},  // IPv4-mapped client
        {"127.0.0.1/32", "[127.0.0.1]", true},
        {"2001:db8::/32", "2001:db8:ffff::1", true},
        {"2001:db8::/32", "2001:db9::1", false},
        {"2001:db8::/33", "2001:db8:8000::1", false},
        {"2001:db8::/33", "2001:db8:7fff::1", true},
        {"::1/128", "::1", true},
        {"::1", "0:0:0:0:0:0:0:1", true},
        {"::/0", "fe80::1%eth0", true},
        {"fe80::/10", "fe80::1%eth0", true},
        {"fe80::/10", "fec0::1", false},
        {"::ffff:0:0/96", "::ffff:1.2.3.4", false},  // mapped addresses are IPv4 here
        {"2001:db8::1.2.3.4/128", "2001:db8::102:304", true},
        {"1:2:3:4:5:6:7:8/128", "1:2:3:4:5:6:7:8", true},
    };
    for (const auto& c : cases) {
        CAPTURE(c.cidr);
        CAPTURE(c.ip);
        const std::vector<std::string> nets{c.cidr};
        CHECK(ip_in_networks(c.ip, nets) == c.match);
    }
    SUBCASE("malformed blocks and addresses are rejected (and never match)") {
        for (const char* bad : {"", "abc", "1.2.3", "1.2.3.4.5", "256.0.0.1", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x",
                                "1::2::3", "2001:db8::/129", ":1", "1:", "1:2:3:4:5:6:7:8:9", "12345::", "1.2.3.4/-1",
                                "::ffff:1.2.3"}) {
            CAPTURE(bad);
            CHECK_FALSE(parse_cidr(bad));
            const std::vector<std::string> nets{bad};
            CHECK_FALSE(ip_in_networks("1.2.3.4", nets));
        }
    }
}

TEST_CASE("relay policy: sender ownership (RFC 4954 §6, RFC 6409 §5.3, §6.1)") {
    RelayPolicy policy = make_policy();
    SUBCASE("unauthenticated on submission → 530 5.7.0, whatever the sender") {
        for (auto role : {Role::submission, Role::submissions}) {
            CAPTURE(role_name(role));
            const RelayClient c{role, std::nullopt, "10.0.0.1"};
            for (const auto& p : {path("alice", "lab.test"), null_path(), path("x", target)}) {
                auto r = check_sender(policy, c, p);
                REQUIRE(r);
                CHECK(r->summary() == "530 5.7.0 Authentication required");
            }
        }
    }
    SUBCASE("mx role without AUTH: any sender, the null sender included (RFC 5321 §4.5.5)") {
        CHECK_FALSE(check_sender(policy, stranger_on_mx(), null_path()));
        CHECK_FALSE(check_sender(policy, stranger_on_mx(), path("someone", target)));
    }
    SUBCASE("an authenticated user may only use its own address") {
        const RelayClient alice{Role::submission, std::string("alice@lab.test"), "203.0.113.5"};
        struct Case {
            Path sender;
            bool ok;
        };
        const Case cases[] = {
            {path("alice", "lab.test"), true},
            {path("alice", "LAB.TEST."), true},
            {path("ALICE", "lab.test"), true},
            {path("\"alice\"", "lab.test"), true},
            {path("bob", "lab.test"), false},
            {path("alice", "lab2.test"), false},
            {path("alice", target), false},
            {path("alice%lab.test", "lab.test"), false},
            {path("alice", our_ip), false},
            {path("alice", "lab.test", {target}), false},
            {null_path(), false},
        };
        for (const auto& c : cases) {
            const std::string shown = label(c.sender);
            CAPTURE(shown);
            auto r = check_sender(policy, alice, c.sender);
            CHECK(r.has_value() != c.ok);
            if (r) CHECK(r->summary() == "553 5.7.1 Sender address not owned by user");
        }
    }
    SUBCASE("send_as_any_in_domain widens to the user's domain only") {
        policy.send_as_any_in_domain = true;
        const RelayClient alice{Role::submission, std::string("alice@lab.test"), ""};
        CHECK_FALSE(check_sender(policy, alice, path("bob", "lab.test")));
        CHECK_FALSE(check_sender(policy, alice, path("anything", "Lab.Test")));
        CHECK(check_sender(policy, alice, path("carol", "lab2.test")));
        CHECK(check_sender(policy, alice, path("bob", target)));
    }
    SUBCASE("a bare user name owns that name at every local domain") {
        const RelayClient alice{Role::submissions, std::string("alice"), ""};
        CHECK_FALSE(check_sender(policy, alice, path("alice", "lab.test")));
        CHECK_FALSE(check_sender(policy, alice, path("alice", "lab2.test")));
        CHECK(check_sender(policy, alice, path("alice", target)));
        CHECK(check_sender(policy, alice, path("bob", "lab.test")));
    }
}
