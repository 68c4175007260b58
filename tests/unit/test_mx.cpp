// MX selection: RFC 5321 §5.1 (ordering, implicit MX, loop prevention), RFC 7505 (null MX),
// RFC 3463 enhanced codes for DNS failures.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "engine/mx.hpp"

using namespace relaylab;

namespace {

std::vector<std::string> names(const MxPlan& plan) {
    std::vector<std::string> out;
    for (const auto& h : plan.hosts) out.push_back(h.exchange);
    return out;
}

const std::vector<std::string> no_own;

}  // namespace

TEST_CASE("mx: ordering (RFC 5321 §5.1)") {
    SUBCASE("lower preference first") {
        DnsMxAnswer mx{DnsStatus::ok, {{20, "b.example.org"}, {10, "a.example.org"}, {30, "c.example.org"}}};
        const MxPlan plan = plan_mx("example.org", mx, nullptr, no_own, 1);
        CHECK_FALSE(plan.failure);
        CHECK_FALSE(plan.implicit);
        CHECK(names(plan) == std::vector<std::string>{"a.example.org", "b.example.org", "c.example.org"});
    }
    SUBCASE("equal preferences: stable per seed, independent of answer order, differing between seeds") {
        DnsMxAnswer mx{DnsStatus::ok,
                       {{10, "mx1.example.org"}, {10, "mx2.example.org"}, {10, "mx3.example.org"},
                        {10, "mx4.example.org"}, {5, "primary.example.org"}, {50, "backup.example.org"}}};
        DnsMxAnswer reversed = mx;
        std::reverse(reversed.records.begin(), reversed.records.end());
        std::set<std::vector<std::string>> orders;
        for (std::uint64_t seed = 0; seed < 64; ++seed) {
            CAPTURE(seed);
            const auto a = names(plan_mx("example.org", mx, nullptr, no_own, seed));
            const auto b = names(plan_mx("example.org", mx, nullptr, no_own, seed));
            const auto c = names(plan_mx("example.org", reversed, nullptr, no_own, seed));
            CHECK(a == b);
            CHECK(a == c);
            REQUIRE(a.size() == 6);
            CHECK(a.front() == "primary.example.org");
            CHECK(a.back() == "backup.example.org");
            orders.insert(a);
        }
        CHECK(orders.size() > 4);  // 24 possible orders of the four equals; seeds spread them
    }
    SUBCASE("the domain takes part in the order (same names, other domain, same seed)") {
        DnsMxAnswer mx{DnsStatus::ok, {{10, "m1.net"}, {10, "m2.net"}, {10, "m3.net"}, {10, "m4.net"}}};
        bool differs = false;
        for (std::uint64_t seed = 0; seed < 32 && !differs; ++seed)
            differs = names(plan_mx("one.org", mx, nullptr, no_own, seed)) !=
                      names(plan_mx("two.org", mx, nullptr, no_own, seed));
        CHECK(differs);
    }
    SUBCASE("duplicate exchanges are tried once") {
        DnsMxAnswer mx{DnsStatus::ok, {{10, "a.example.org"}, {20, "A.example.org."}}};
        CHECK(plan_mx("example.org", mx, nullptr, no_own, 0).hosts.size() == 1);
    }
}

TEST_CASE("mx: implicit MX (RFC 5321 §5.1)") {
    const DnsMxAnswer nodata{DnsStatus::nodata, {}};
    SUBCASE("no MX but an address → the domain itself at preference 0") {
        DnsAddressAnswer a{DnsStatus::ok, {"192.0.2.10"}};
        const MxPlan plan = plan_mx("example.org.", nodata, &a, no_own, 0);
        CHECK_FALSE(plan.failure);
        CHECK(plan.implicit);
        REQUIRE(plan.hosts.size() == 1);
        CHECK(plan.hosts[0] == MxRecord{0, "example.org"});
    }
    SUBCASE("an empty ok answer counts as no MX") {
        DnsAddressAnswer a{DnsStatus::ok, {"2001:db8::1"}};
        CHECK(plan_mx("example.org", DnsMxAnswer{DnsStatus::ok, {}}, &a, no_own, 0).implicit);
    }
    SUBCASE("addresses not looked up yet → the plan asks for them") {
        const MxPlan plan = plan_mx("example.org", nodata, nullptr, no_own, 0);
        CHECK(plan.need_address_lookup);
        CHECK(plan.hosts.empty());
        CHECK_FALSE(plan.failure);
    }
    SUBCASE("no MX and no address → 550 5.1.2") {
        DnsAddressAnswer a{DnsStatus::nodata, {}};
        const MxPlan plan = plan_mx("example.org", nodata, &a, no_own, 0);
        REQUIRE(plan.failure);
        CHECK(plan.failure->code == 550);
        CHECK(plan.failure->enhanced == "5.1.2");
    }
    SUBCASE("address lookup fails temporarily → 451 4.4.3") {
        DnsAddressAnswer a{DnsStatus::servfail, {}};
        const MxPlan plan = plan_mx("example.org", nodata, &a, no_own, 0);
        REQUIRE(plan.failure);
        CHECK(plan.failure->summary().starts_with("451 4.4.3"));
    }
    SUBCASE("implicit MX that is ourselves loops → 554 5.4.4") {
        DnsAddressAnswer a{DnsStatus::ok, {"192.0.2.1"}};
        const std::vector<std::string> own{"relay.lab.test"};
        const MxPlan plan = plan_mx("Relay.Lab.Test", nodata, &a, own, 0);
        REQUIRE(plan.failure);
        CHECK(plan.failure->enhanced == "5.4.4");
    }
}

TEST_CASE("mx: null MX (RFC 7505)") {
    SUBCASE("a single \"0 .\" record → 556 5.1.10, no attempt (RFC 7505 §3, §4.2, §4.3)") {
        for (const char* dot : {".", ""}) {
            CAPTURE(dot);
            const MxPlan plan = plan_mx("nomail.example", DnsMxAnswer{DnsStatus::ok, {{0, dot}}}, nullptr, no_own, 0);
            REQUIRE(plan.failure);
            CHECK(plan.failure->summary() == "556 5.1.10 Recipient address has null MX");
            CHECK(plan.failure->permanent());
            CHECK(plan.hosts.empty());
        }
    }
    SUBCASE("a \".\" among real exchanges is skipped") {
        const MxPlan plan =
            plan_mx("x.example", DnsMxAnswer{DnsStatus::ok, {{0, "."}, {10, "mx.x.example"}}}, nullptr, no_own, 0);
        CHECK_FALSE(plan.failure);
        CHECK(names(plan) == std::vector<std::string>{"mx.x.example"});
    }
}

TEST_CASE("mx: own names, loop prevention (RFC 5321 §5.1)") {
    const std::vector<std::string> own{"relay.lab.test", "relay2.lab.test"};
    SUBCASE("records at or above our own preference are dropped") {
        DnsMxAnswer mx{DnsStatus::ok,
                       {{10, "primary.lab.test"}, {20, "RELAY.lab.test."}, {20, "peer.lab.test"}, {30, "last.lab.test"}}};
        const MxPlan plan = plan_mx("lab.test", mx, nullptr, own, 7);
        CHECK_FALSE(plan.failure);
        CHECK(names(plan) == std::vector<std::string>{"primary.lab.test"});
    }
    SUBCASE("our lowest own preference counts when we appear twice") {
        DnsMxAnswer mx{DnsStatus::ok, {{5, "a.lab.test"}, {15, "relay2.lab.test"}, {10, "b.lab.test"}, {30, "relay.lab.test"}}};
        CHECK(names(plan_mx("lab.test", mx, nullptr, own, 7)) == std::vector<std::string>{"a.lab.test", "b.lab.test"});
    }
    SUBCASE("we are the best MX → nothing left → 554 5.4.4") {
        DnsMxAnswer mx{DnsStatus::ok, {{10, "relay.lab.test"}, {20, "backup.lab.test"}}};
        const MxPlan plan = plan_mx("lab.test", mx, nullptr, own, 7);
        REQUIRE(plan.failure);
        CHECK(plan.failure->code == 554);
        CHECK(plan.failure->enhanced == "5.4.4");
        CHECK(plan.failure->text().find("loops back to myself") != std::string::npos);
        CHECK(plan.hosts.empty());
    }
    SUBCASE("not among the MX hosts → nothing dropped") {
        DnsMxAnswer mx{DnsStatus::ok, {{10, "a.example"}, {20, "b.example"}}};
        CHECK(plan_mx("example", mx, nullptr, own, 0).hosts.size() == 2);
    }
}

TEST_CASE("mx: DNS failures (RFC 3463 X.1.2, X.4.3)") {
    struct Case {
        DnsStatus status;
        int code;
        const char* enhanced;
    };
    const Case cases[] = {
        {DnsStatus::nxdomain, 550, "5.1.2"},
        {DnsStatus::servfail, 451, "4.4.3"},
        {DnsStatus::timeout, 451, "4.4.3"},
    };
    for (const auto& c : cases) {
        CAPTURE(dns_status_name(c.status));
        const MxPlan plan = plan_mx("example.org", DnsMxAnswer{c.status, {}}, nullptr, no_own, 0);
        REQUIRE(plan.failure);
        CHECK(plan.failure->code == c.code);
        CHECK(plan.failure->enhanced == c.enhanced);
        CHECK(plan.hosts.empty());
    }
    CHECK(attempts_exhausted_reply().summary() == "451 4.4.1 all MX hosts refused connections");
    CHECK(attempts_exhausted_reply().transient());
}

TEST_CASE("mx: dns_name_equal (RFC 4343)") {
    CHECK(dns_name_equal("Example.ORG", "example.org."));
    CHECK(dns_name_equal("example.org.", "example.org"));
    CHECK_FALSE(dns_name_equal("example.org", "example.com"));
    CHECK_FALSE(dns_name_equal("example.org", "xexample.org"));
}

TEST_CASE("mx: a host's AAAA and A answers merged (RFC 5321 §5.1, RFC 6724 §6, RFC 8020 §2)") {
    const DnsAddressAnswer v6{DnsStatus::ok, {"2001:db8::1"}};
    const DnsAddressAnswer v4{DnsStatus::ok, {"192.0.2.1", "192.0.2.2"}};
    const DnsAddressAnswer nodata{DnsStatus::nodata, {}};
    const DnsAddressAnswer servfail{DnsStatus::servfail, {}};
    const DnsAddressAnswer nxdomain{DnsStatus::nxdomain, {}};
    SUBCASE("IPv6 addresses first, then IPv4") {
        auto m = merge_address_answers(v6, &v4);
        CHECK(m.status == DnsStatus::ok);
        CHECK(m.addresses == std::vector<std::string>{"2001:db8::1", "192.0.2.1", "192.0.2.2"});
    }
    SUBCASE("one answer with addresses is enough, whatever the other said") {
        CHECK(merge_address_answers(nodata, &v4).addresses == v4.addresses);
        CHECK(merge_address_answers(servfail, &v4).status == DnsStatus::ok);
        CHECK(merge_address_answers(v6, &servfail).addresses == v6.addresses);
    }
    SUBCASE("no address: a temporary failure wins over no data, since the records may exist") {
        CHECK(merge_address_answers(nodata, &servfail).status == DnsStatus::servfail);
        CHECK(merge_address_answers(DnsAddressAnswer{DnsStatus::timeout, {}}, &nodata).status == DnsStatus::timeout);
        CHECK(merge_address_answers(nodata, &nodata).status == DnsStatus::nodata);
        CHECK(merge_address_answers(nodata, &nxdomain).status == DnsStatus::nxdomain);
    }
    SUBCASE("AAAA NXDOMAIN alone (A not asked): NXDOMAIN") {
        auto m = merge_address_answers(nxdomain, nullptr);
        CHECK(m.status == DnsStatus::nxdomain);
        CHECK(m.addresses.empty());
    }
    CHECK(std::string(address_type_name(AddressType::aaaa)) == "AAAA");
    CHECK(std::string(address_type_name(AddressType::a)) == "A");
}
