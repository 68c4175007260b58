// Chaos switches (engine/chaos.hpp), greylisting (engine/greylist.hpp) and the sandbox's
// relay policy flags (engine/relay_policy.hpp): pure decisions, draws and time passed in.
#include <doctest/doctest.h>

#include "engine/chaos.hpp"
#include "engine/greylist.hpp"
#include "engine/relay_policy.hpp"
#include "tests/unit/paths.hpp"

using namespace relaylab;

using relaylab::test::path_of;

TEST_CASE("chaos: probability 0 never fires, 100 always, in between by the draw") {
    for (unsigned draw = 0; draw < 100; ++draw) {
        CHECK_FALSE(chaos_fires(0, draw));
        CHECK(chaos_fires(100, draw));
    }
    // 50%: exactly the draws 0..49 fire (the draw is uniform in 0..99).
    int fired = 0;
    for (unsigned draw = 0; draw < 100; ++draw) fired += chaos_fires(50, draw) ? 1 : 0;
    CHECK(fired == 50);
    CHECK(chaos_fires(50, 49));
    CHECK_FALSE(chaos_fires(50, 50));
    CHECK(chaos_fires(1, 0));
    CHECK_FALSE(chaos_fires(1, 1));
}

TEST_CASE("chaos: off by default") {
    ChaosSettings s;
    CHECK_FALSE(chaos_active(s));
    for (unsigned draw = 0; draw < 100; ++draw) {
        CHECK_FALSE(chaos_reply(s, ChaosStage::sender, draw));
        CHECK_FALSE(chaos_reply(s, ChaosStage::recipient, draw));
        CHECK_FALSE(chaos_reply(s, ChaosStage::authentication, draw));
        CHECK(chaos_after_data(s, draw + 1, draw) == DataChaos::none);
    }
}

TEST_CASE("chaos: a trigger's reply carries its code and a matching enhanced code") {
    ChaosSettings s;
    s.sender = {451, 100};
    s.recipient = {550, 100};
    s.authentication = {535, 100};
    CHECK(chaos_active(s));
    auto r = chaos_reply(s, ChaosStage::sender, 99);
    REQUIRE(r);
    CHECK(r->code == 451);
    CHECK(r->enhanced == "4.0.0");
    r = chaos_reply(s, ChaosStage::recipient, 0);
    REQUIRE(r);
    CHECK(r->code == 550);
    CHECK(r->enhanced == "5.0.0");
    r = chaos_reply(s, ChaosStage::authentication, 0);
    REQUIRE(r);
    CHECK(r->code == 535);
    CHECK(r->enhanced == "5.7.8");  // RFC 4954 §6
    s.authentication = {454, 100};
    CHECK(chaos_reply(s, ChaosStage::authentication, 0)->enhanced == "4.7.0");
}

TEST_CASE("chaos: trigger limits as Mailpit's") {
    CHECK(chaos_trigger_problem({451, 0}) == nullptr);
    CHECK(chaos_trigger_problem({599, 100}) == nullptr);
    CHECK(chaos_trigger_problem({399, 10}) != nullptr);
    CHECK(chaos_trigger_problem({600, 10}) != nullptr);
    CHECK(chaos_trigger_problem({451, 101}) != nullptr);
    CHECK(chaos_trigger_problem({451, -1}) != nullptr);
}

TEST_CASE("chaos: every Nth message is deferred, the others pass") {
    ChaosSettings s;
    s.defer_every = 3;
    CHECK(chaos_after_data(s, 1, 0) == DataChaos::none);
    CHECK(chaos_after_data(s, 2, 0) == DataChaos::none);
    CHECK(chaos_after_data(s, 3, 0) == DataChaos::defer);
    CHECK(chaos_after_data(s, 4, 0) == DataChaos::none);
    CHECK(chaos_after_data(s, 6, 0) == DataChaos::defer);
    s.defer_every = 1;
    CHECK(chaos_after_data(s, 1, 0) == DataChaos::defer);
    const Reply r = chaos_defer_reply();
    CHECK(r.code == 451);  // transient: the client keeps the message and retries
    CHECK(r.enhanced == "4.3.0");
}

TEST_CASE("chaos: drop after DATA by probability, before any deferral") {
    ChaosSettings s;
    s.drop_after_data = 100;
    s.defer_every = 1;
    CHECK(chaos_after_data(s, 1, 99) == DataChaos::drop);
    s.drop_after_data = 0;
    CHECK(chaos_after_data(s, 1, 0) == DataChaos::defer);
    s.drop_after_data = 30;
    s.defer_every = 0;
    CHECK(chaos_after_data(s, 1, 29) == DataChaos::drop);
    CHECK(chaos_after_data(s, 1, 30) == DataChaos::none);
}

TEST_CASE("greylist: first sighting 451 4.7.1, retries before the delay too, then accepted") {
    Greylist g;
    const std::string key = greylist_key("192.0.2.7", path_of("a", "example.org"), path_of("Bob", "Lab.Test"));
    CHECK(key == "192.0.2.7 a@example.org bob@lab.test");
    auto r = g.check(key, 1'000, 60'000);
    REQUIRE(r);
    CHECK(r->code == 451);
    CHECK(r->enhanced == "4.7.1");
    CHECK(g.check(key, 60'999, 60'000));  // 59.999 s after the first try: still refused
    CHECK_FALSE(g.check(key, 61'000, 60'000));  // the first sighting is not restarted by retries
    CHECK_FALSE(g.check(key, 10'000'000, 60'000));
    SUBCASE("another triple is greylisted on its own") {
        const std::string other = greylist_key("192.0.2.8", path_of("a", "example.org"), path_of("bob", "lab.test"));
        CHECK(g.check(other, 61'000, 60'000));
    }
    SUBCASE("a delay of 0 lets the first retry in") {
        Greylist z;
        CHECK(z.check(key, 5, 0));
        CHECK_FALSE(z.check(key, 5, 0));
    }
}

TEST_CASE("greylist: bounded; the oldest triples are forgotten first") {
    Greylist g(2);
    CHECK(g.check("a", 0, 10));
    CHECK(g.check("b", 1, 10));
    CHECK(g.check("c", 2, 10));  // "a" is forgotten
    CHECK(g.size() == 2);
    CHECK_FALSE(g.check("b", 100, 10));
    CHECK(g.check("a", 100, 10));  // seen again as new
}

TEST_CASE("relay policy: the sandbox accepts any recipient from loopback and trusted networks") {
    RelayPolicy p;
    p.local_domains = {"lab.test"};
    p.local_users = {"alice@lab.test"};
    p.trusted_networks = {"192.0.2.0/24"};
    RelayClient local;
    local.ip = "127.0.0.1";
    RelayClient stranger;
    stranger.ip = "198.51.100.9";
    RelayClient trusted;
    trusted.ip = "192.0.2.44";
    const Path remote = path_of("someone", "example.org"), unknown = path_of("nobody", "lab.test");
    // Without the sandbox flag: the real policy.
    CHECK(check_recipient(p, local, remote)->enhanced == "5.7.1");
    CHECK(check_recipient(p, local, unknown)->enhanced == "5.1.1");
    p.capture_all = true;
    CHECK_FALSE(check_recipient(p, local, remote));
    CHECK_FALSE(check_recipient(p, local, unknown));
    RelayClient v6 = local;
    v6.ip = "::1";
    CHECK_FALSE(check_recipient(p, v6, remote));
    v6.ip = "::ffff:127.0.0.5";
    CHECK_FALSE(check_recipient(p, v6, remote));
    CHECK_FALSE(check_recipient(p, trusted, unknown));
    // Not from this machine nor a trusted network: still no open relay.
    CHECK(check_recipient(p, stranger, remote)->enhanced == "5.7.1");
    CHECK(check_recipient(p, stranger, unknown)->enhanced == "5.1.1");
}

TEST_CASE("relay policy: loopback addresses") {
    CHECK(is_loopback_ip("127.0.0.1"));
    CHECK(is_loopback_ip("127.255.1.2"));
    CHECK(is_loopback_ip("::1"));
    CHECK(is_loopback_ip("[::1]"));
    CHECK(is_loopback_ip("::ffff:127.0.0.1"));
    CHECK_FALSE(is_loopback_ip("0.0.0.0"));
    CHECK_FALSE(is_loopback_ip("::"));
    CHECK_FALSE(is_loopback_ip("128.0.0.1"));
    CHECK_FALSE(is_loopback_ip("192.168.1.1"));
    CHECK_FALSE(is_loopback_ip("localhost"));
    CHECK_FALSE(is_loopback_ip("::2"));
}

TEST_CASE("relay policy: accept_any_auth lets any login send as anyone, and only in the sandbox") {
    RelayPolicy p;
    p.local_domains = {"lab.test"};
    RelayClient c;
    c.role = Role::submission;
    c.ip = "127.0.0.1";
    c.auth_user = "whoever";
    const Path from = path_of("noreply", "app.example");
    p.accept_any_auth = true;  // without capture_all it means nothing
    CHECK_FALSE(accepts_any_credentials(p));
    CHECK(check_sender(p, c, from)->code == 553);
    p.capture_all = true;
    CHECK(accepts_any_credentials(p));
    CHECK_FALSE(check_sender(p, c, from));
    // AUTH is still required where it is required (RFC 6409 §4.1).
    c.auth_user.reset();
    CHECK(check_sender(p, c, from)->code == 530);
}
