// What a server offers per EHLO (RFC 5321 §4.1.1.1, RFC 1869 §4.5): one rule for AUTH
// (RFC 4954, RFC 3207 §4 on submission), parameters only of offered extensions.
#include <doctest/doctest.h>

#include <string>

#include "engine/server_config.hpp"

using namespace relaylab;

namespace {
std::string ehlo_text(const ServerOffers& o) {
    std::string_view lines[k_max_ehlo_lines];
    std::size_t n = ehlo_reply_lines(o, "mx.test", "SIZE 1000", lines);
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += lines[i];
        s += '|';
    }
    return s;
}
}  // namespace

TEST_CASE("server offers") {
    ServerConfig mx;
    ServerConfig sub;
    sub.role = Role::submission;
    ServerConfig subs;
    subs.role = Role::submissions;
    SUBCASE("AUTH: never on mx, after STARTTLS on submission, at once on submissions") {
        CHECK(auth_offer(mx, false) == AuthOffer::never);
        CHECK(auth_offer(mx, true) == AuthOffer::never);
        CHECK(auth_offer(sub, false) == AuthOffer::after_starttls);
        CHECK(auth_offer(sub, true) == AuthOffer::now);
        CHECK(auth_offer(subs, true) == AuthOffer::now);
        sub.offer_auth = false;
        CHECK(auth_offer(sub, true) == AuthOffer::never);
    }
    SUBCASE("530 before MAIL only on the submission ports") {
        CHECK_FALSE(mail_requires_auth(mx, false));
        CHECK(mail_requires_auth(sub, false));
        CHECK_FALSE(mail_requires_auth(sub, true));
        CHECK(mail_requires_auth(subs, false));
    }
    SUBCASE("the EHLO reply lines follow the offers") {
        CHECK(ehlo_text(server_offers(mx, true, false)) ==
              "mx.test|PIPELINING|SIZE 1000|8BITMIME|ENHANCEDSTATUSCODES|STARTTLS|SMTPUTF8|DSN|CHUNKING|");
        CHECK(ehlo_text(server_offers(sub, true, true)) ==
              "mx.test|PIPELINING|SIZE 1000|8BITMIME|ENHANCEDSTATUSCODES|AUTH PLAIN LOGIN|SMTPUTF8|DSN|CHUNKING|");
    }
    SUBCASE("parameters belong to offered extensions; nothing after HELO") {
        ServerOffers o = server_offers(mx, true, false);
        for (auto k : {"SIZE", "BODY", "SMTPUTF8", "RET", "ENVID"}) CHECK(o.mail_parameter(k));
        CHECK_FALSE(o.mail_parameter("AUTH"));  // not on an MX
        CHECK(o.rcpt_parameter("NOTIFY"));
        CHECK(o.rcpt_parameter("ORCPT"));
        CHECK_FALSE(o.rcpt_parameter("SIZE"));
        CHECK(server_offers(sub, true, true).mail_parameter("AUTH"));
        ServerOffers helo = server_offers(mx, false, false);
        CHECK_FALSE(helo.mail_parameter("SIZE"));
        CHECK_FALSE(helo.chunking);
        CHECK_FALSE(helo.pipelining);
        mx.offer_dsn = false;
        CHECK_FALSE(server_offers(mx, true, false).mail_parameter("RET"));
    }
}
