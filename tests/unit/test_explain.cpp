// Explanations for the UI: commands (RFC 5321 §4.1.1), reply classes (RFC 5321 §4.2.1),
// enhanced status codes (RFC 3463 §3, RFC 5248 registry, RFC 7505).
#include <doctest/doctest.h>

#include <string>

#include "engine/explain.hpp"

using namespace relaylab;

namespace {
bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("explain: commands") {
    for (Verb v : {Verb::ehlo, Verb::helo, Verb::mail, Verb::rcpt, Verb::data, Verb::bdat, Verb::rset, Verb::noop,
                   Verb::quit, Verb::vrfy, Verb::expn, Verb::help, Verb::starttls, Verb::auth, Verb::unknown}) {
        CAPTURE(verb_name(v));
        auto e = explain_command(v);
        CHECK(e.text.size() > 20);
        CHECK(e.rfc.rfind("RFC ", 0) == 0);
    }
    CHECK(explain_command(Verb::mail).rfc == "RFC 5321 §4.1.1.2");
    CHECK(contains(explain_command(Verb::mail).text, "sender"));
    CHECK(explain_command(Verb::rcpt).rfc == "RFC 5321 §4.1.1.3");
    CHECK(explain_command(Verb::starttls).rfc == "RFC 3207 §4");
    CHECK(explain_command(Verb::bdat).rfc == "RFC 3030 §2");
}

TEST_CASE("explain: enhanced status code meanings (RFC 3463 §3)") {
    CHECK(contains(enhanced_code_meaning("5.7.1"), "relaying denied"));
    CHECK(contains(enhanced_code_meaning("4.4.3"), "DNS"));
    CHECK(contains(enhanced_code_meaning("5.1.10"), "null MX"));
    CHECK(contains(enhanced_code_meaning("5.1.1"), "mailbox"));
    CHECK(contains(enhanced_code_meaning("5.7.8"), "credentials"));
    CHECK(contains(enhanced_code_meaning("2.0.0"), "other"));
    // an unregistered detail falls back to its subject
    CHECK(enhanced_code_meaning("5.7.99") == "security or policy status");
    for (std::string bad : {"", "5", "5.7", "3.0.0", "5.7.1.2", "55.7.1", "5.7.1x", "5..1", "5.1234.1"}) {
        CAPTURE(bad);
        CHECK(enhanced_code_meaning(bad).empty());
    }
}

TEST_CASE("explain: replies (RFC 5321 §4.2.1)") {
    SUBCASE("the reply class leads the text") {
        CHECK(contains(explain_reply(250, "2.1.5").text, "Success"));
        CHECK(contains(explain_reply(354, "").text, "waits"));
        CHECK(contains(explain_reply(451, "4.3.0").text, "Temporary"));
        CHECK(contains(explain_reply(550, "5.1.1").text, "Permanent"));
    }
    SUBCASE("the enhanced code adds the reason and its section") {
        auto relay = explain_reply(550, "5.7.1");
        CHECK(contains(relay.text, "relaying denied"));
        CHECK(relay.rfc == "RFC 5321 §4.2.1; RFC 3463 §3.8");
        auto grey = explain_reply(451, "4.7.1");
        CHECK(contains(grey.text, "greylisting"));
        CHECK(contains(explain_reply(451, "4.4.3").text, "DNS"));
        auto null_mx = explain_reply(556, "5.1.10");
        CHECK(contains(null_mx.text, "null MX"));
        CHECK(contains(null_mx.rfc, "RFC 7505"));
        CHECK(contains(explain_reply(554, "5.3.4").text, "Message too big"));
    }
    SUBCASE("without an enhanced code the reply code is explained") {
        CHECK(contains(explain_reply(354, "").text, "single dot"));
        CHECK(contains(explain_reply(221, "").text, "closes"));
        CHECK(explain_reply(221, "").rfc == "RFC 5321 §4.2.1");
    }
}

TEST_CASE("explain: replies whose class alone would teach the wrong lesson") {
    SUBCASE("530: STARTTLS and AUTH, then the same command succeeds (RFC 4954 §6, RFC 3207 §4)") {
        const Explanation e = explain_reply(530, "5.7.0");
        CHECK(e.text.find("will not help") == std::string::npos);
        CHECK(e.text.find("STARTTLS") != std::string::npos);
        CHECK(e.text.find("AUTH") != std::string::npos);
        CHECK(e.rfc.find("RFC 4954 §6") != std::string::npos);
    }
    SUBCASE("554 5.5.1 after DATA: only that DATA fails (RFC 2920 §3.1)") {
        const Explanation e = explain_reply(554, "5.5.1");
        CHECK(e.text.find("no message is sent") != std::string::npos);
        CHECK(e.rfc.find("RFC 2920 §3.1") != std::string::npos);
    }
    SUBCASE("421: an orderly close, nothing lost (RFC 5321 §3.8)") {
        const Explanation e = explain_reply(421, "4.3.2");
        CHECK(e.text.find("orderly") != std::string::npos);
        CHECK(e.rfc.find("§3.8") != std::string::npos);
    }
}
