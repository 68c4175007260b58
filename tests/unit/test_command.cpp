// Command lines and arguments: RFC 5321 §4.1.1 (verbs), §4.1.2 (argument grammar);
// ESMTP parameters of RFC 1870 (SIZE), 6152 (BODY), 6531 (SMTPUTF8), 3461 (DSN),
// 4954 (AUTH), 3030 (BDAT).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/command.hpp"

using namespace relaylab;

namespace {

std::vector<EsmtpParam> params_of(std::string_view s) {
    std::vector<EsmtpParam> out;
    REQUIRE(parse_esmtp_params(s, out));
    return out;
}

}  // namespace

TEST_CASE("command: split_command (RFC 5321 §4.1.1)") {
    SUBCASE("every verb, any case") {
        const std::vector<std::pair<std::string, Verb>> verbs = {
            {"EHLO", Verb::ehlo}, {"HELO", Verb::helo}, {"MAIL", Verb::mail}, {"RCPT", Verb::rcpt},
            {"DATA", Verb::data}, {"BDAT", Verb::bdat}, {"RSET", Verb::rset}, {"NOOP", Verb::noop},
            {"QUIT", Verb::quit}, {"VRFY", Verb::vrfy}, {"EXPN", Verb::expn}, {"HELP", Verb::help},
            {"STARTTLS", Verb::starttls}, {"AUTH", Verb::auth},
        };
        for (const auto& [name, verb] : verbs) {
            CAPTURE(name);
            CHECK(split_command(name).verb == verb);
            std::string lower = name;
            for (char& c : lower) c = static_cast<char>(c - 'A' + 'a');
            CHECK(split_command(lower).verb == verb);
            CHECK(split_command(name + " x").verb == verb);
            CHECK(std::string(verb_name(verb)) == name);
        }
    }
    SUBCASE("MAIL FROM is split as verb MAIL and args FROM:...") {
        auto c = split_command("MAIL FROM:<a@b> SIZE=10");
        CHECK(c.verb == Verb::mail);
        CHECK(c.verb_text == "MAIL");
        CHECK(c.args == "FROM:<a@b> SIZE=10");
    }
    SUBCASE("leading spaces of args tolerated, trailing spaces trimmed") {
        auto c = split_command("EHLO   client.example   ");
        CHECK(c.verb == Verb::ehlo);
        CHECK(c.args == "client.example");
        CHECK(split_command("NOOP ").args.empty());
        CHECK(split_command("QUIT").args.empty());
    }
    SUBCASE("unknown verbs keep their text") {
        auto c = split_command("XYZZY plugh");
        CHECK(c.verb == Verb::unknown);
        CHECK(c.verb_text == "XYZZY");
        CHECK(split_command("").verb == Verb::unknown);
        CHECK(split_command("MAILX FROM:<>").verb == Verb::unknown);
        CHECK(split_command(" MAIL FROM:<>").verb == Verb::unknown);
        CHECK(split_command("MAIL\tFROM:<>").verb == Verb::unknown);
    }
}

TEST_CASE("command: ESMTP parameters (RFC 5321 §4.1.2 esmtp-param)") {
    SUBCASE("keywords are upper-cased, values kept") {
        auto p = params_of("size=1000 BODY=8BITMIME smtputf8");
        REQUIRE(p.size() == 3);
        CHECK(p[0].keyword == "SIZE");
        CHECK(p[0].value == "1000");
        CHECK(p[0].has_value);
        CHECK(p[1].keyword == "BODY");
        CHECK(p[2].keyword == "SMTPUTF8");
        CHECK_FALSE(p[2].has_value);
    }
    SUBCASE("empty list") { CHECK(params_of("").empty()); }
    SUBCASE("UTF-8 values (RFC 6531 §3.3 esmtp-value)") {
        auto p = params_of("ORCPT=utf-8;j\xc3\xb6rg@example.org");
        REQUIRE(p.size() == 1);
        CHECK(p[0].value == "utf-8;j\xc3\xb6rg@example.org");
    }
    SUBCASE("bad syntax") {
        std::vector<EsmtpParam> out;
        for (std::string in : std::vector<std::string>{"=x", "SIZE=", "-X=1", "A_B=1", "K=a=b", std::string("K=a\x01"), "K=\x7f", "K=\xc3", "K=\xc0\x80"}) {
            CAPTURE(in);
            CHECK_FALSE(parse_esmtp_params(in, out));
            CHECK(out.empty());
        }
    }
}

TEST_CASE("command: MAIL and RCPT arguments (RFC 5321 §4.1.1.2, §4.1.1.3)") {
    SUBCASE("MAIL FROM with parameters") {
        auto r = parse_mail_args("FROM:<a@b.example> SIZE=42 BODY=7BIT", false);
        REQUIRE(r);
        CHECK(r.value.path.mailbox.to_string() == "a@b.example");
        REQUIRE(r.value.params.size() == 2);
        CHECK(r.value.params[1].keyword == "BODY");
    }
    SUBCASE("case-insensitive FROM: and one optional space after the colon") {
        CHECK(parse_mail_args("from:<a@b>", false));
        CHECK(parse_mail_args("From: <a@b>", false));
        CHECK(parse_mail_args("FROM:  <a@b>", false).error == AddressError::syntax);
        CHECK(parse_mail_args("FROM <a@b>", false).error == AddressError::syntax);
        CHECK(parse_mail_args("TO:<a@b>", false).error == AddressError::syntax);
    }
    SUBCASE("null reverse-path") {
        auto r = parse_mail_args("FROM:<>", false);
        REQUIRE(r);
        CHECK(r.value.path.null);
        CHECK(parse_rcpt_args("TO:<>", false).error == AddressError::syntax);
    }
    SUBCASE("RCPT TO, Postmaster and source routes") {
        auto r = parse_rcpt_args("TO:<user@example.org> NOTIFY=NEVER", false);
        REQUIRE(r);
        CHECK(r.value.params.size() == 1);
        CHECK(parse_rcpt_args("to:<Postmaster>", false).value.path.mailbox.local_part == "Postmaster");
        auto routed = parse_rcpt_args("TO:<@local:user@host>", false);
        REQUIRE(routed);
        CHECK(routed.value.path.source_route.size() == 1);
    }
    SUBCASE("errors carry the address error") {
        CHECK(parse_rcpt_args("TO:<" + std::string(65, 'a') + "@b>", false).error ==
              AddressError::local_part_too_long);
        CHECK(parse_rcpt_args("TO:<j\xc3\xb6rg@b>", false).error == AddressError::utf8_not_permitted);
        CHECK(parse_rcpt_args("TO:<j\xc3\xb6rg@b>", true));
        CHECK(parse_rcpt_args("TO:<a@b>x", false).error == AddressError::syntax);
        CHECK(parse_rcpt_args("TO:<a@b> =x", false).error == AddressError::syntax);
        CHECK(parse_rcpt_args("TO:a@b", false).error == AddressError::syntax);
        CHECK(parse_rcpt_args("", false).error == AddressError::syntax);
    }
}

TEST_CASE("command: typed MAIL parameters") {
    auto mail = [](std::string_view s, MailParams& out) { return parse_mail_params(params_of(s), out); };
    SUBCASE("all known parameters") {
        MailParams p;
        auto r = mail("SIZE=1000 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B314 AUTH=<>", p);
        CHECK(r.error == ParamError::none);
        CHECK(p.size == 1000u);
        CHECK(p.body == Body::eight_bit_mime);
        CHECK(p.smtputf8);
        CHECK(p.ret == Ret::hdrs);
        CHECK(p.envid == "QQ+314");
        CHECK(p.auth == "<>");
    }
    SUBCASE("SIZE limits (RFC 1870 §3: 1*20DIGIT)") {
        MailParams p;
        CHECK(mail("SIZE=0", p).error == ParamError::none);
        CHECK(mail("SIZE=18446744073709551615", p).error == ParamError::none);
        CHECK(p.size == UINT64_MAX);
        for (std::string bad : {"SIZE=18446744073709551616", "SIZE=000000000000000000001", "SIZE=1k", "SIZE",
                                "SIZE=-1", "SIZE=99999999999999999999"}) {
            CAPTURE(bad);
            MailParams q;
            auto r = mail(bad, q);
            CHECK(r.error == ParamError::bad_value);
            CHECK(r.keyword == "SIZE");
        }
    }
    SUBCASE("values and their errors") {
        struct Case {
            std::string in;
            ParamError error;
        };
        const std::vector<Case> table = {
            {"BODY=7bit", ParamError::none},          {"BODY=BINARYMIME", ParamError::bad_value},
            {"BODY", ParamError::bad_value},          {"SMTPUTF8=yes", ParamError::bad_value},
            {"RET=full", ParamError::none},           {"RET=ALL", ParamError::bad_value},
            {"ENVID=abc+", ParamError::bad_value},    {"ENVID=" + std::string(101, 'x'), ParamError::bad_value},
            {"ENVID=" + std::string(100, 'x'), ParamError::none},
            // RFC 3461 §4.4 + RFC 5321 §4.1.3: no control octets once decoded (CR, LF, DEL)
            {"ENVID=id+0D+0ABcc:x", ParamError::bad_value}, {"ENVID=a+7F", ParamError::bad_value},
            {"ENVID=a+00", ParamError::bad_value},    {"ENVID=a+20b", ParamError::none},
            {"AUTH=a+4", ParamError::bad_value},      {"AUTH=a+40b.example", ParamError::none},
            {"AUTH=a+2Bb@c.example", ParamError::none}, {"AUTH", ParamError::bad_value},
            {"X-FOO=1", ParamError::unknown_keyword}, {"NOTIFY=NEVER", ParamError::unknown_keyword},
            {"SIZE=1 SIZE=2", ParamError::duplicate}, {"SMTPUTF8 SMTPUTF8", ParamError::duplicate},
        };
        for (const auto& c : table) {
            CAPTURE(c.in);
            MailParams p;
            CHECK(mail(c.in, p).error == c.error);
        }
    }
}

TEST_CASE("command: typed RCPT parameters (RFC 3461 §4.1, §4.2)") {
    auto rcpt = [](std::string_view s, RcptParams& out) { return parse_rcpt_params(params_of(s), out); };
    SUBCASE("NOTIFY list") {
        RcptParams p;
        CHECK(rcpt("NOTIFY=SUCCESS,failure,DELAY", p).error == ParamError::none);
        REQUIRE(p.notify.has_value());
        CHECK(p.notify->success);
        CHECK(p.notify->failure);
        CHECK(p.notify->delay);
        CHECK_FALSE(p.notify->never);
        RcptParams n;
        CHECK(rcpt("NOTIFY=NEVER", n).error == ParamError::none);
        REQUIRE(n.notify.has_value());
        CHECK(n.notify->never);
        CHECK_FALSE(n.notify->failure);
    }
    SUBCASE("NOTIFY errors") {
        for (std::string bad : {"NOTIFY=NEVER,SUCCESS", "NOTIFY=", "NOTIFY", "NOTIFY=SUCCESS,", "NOTIFY=SOMETIMES"}) {
            CAPTURE(bad);
            std::vector<EsmtpParam> ps;
            if (!parse_esmtp_params(bad, ps)) continue;  // "NOTIFY=" already fails the syntax
            RcptParams p;
            CHECK(parse_rcpt_params(ps, p).error == ParamError::bad_value);
        }
    }
    SUBCASE("ORCPT") {
        RcptParams p;
        CHECK(rcpt("ORCPT=rfc822;user+2Bx@example.org", p).error == ParamError::none);
        CHECK(p.orcpt == "rfc822;user+x@example.org");
        for (std::string bad : std::vector<std::string>{"ORCPT=rfc822", "ORCPT=;a@b", "ORCPT=rfc822;", "ORCPT=rfc822;a+zz",
                                "ORCPT=rfc822;" + std::string(495, 'a'),
                                // RFC 3461 §4.2: control octets in the decoded address
                                "ORCPT=rfc822;a+0D+0A@b", "ORCPT=rfc822;a+09b@c", "ORCPT=rfc822;a+7F@b"}) {
            CAPTURE(bad);
            RcptParams q;
            CHECK(rcpt(bad, q).error == ParamError::bad_value);
        }
    }
    SUBCASE("unknown and duplicate") {
        RcptParams p;
        CHECK(rcpt("SIZE=1", p).error == ParamError::unknown_keyword);
        auto r = rcpt("NOTIFY=NEVER NOTIFY=DELAY", p);
        CHECK(r.error == ParamError::duplicate);
        CHECK(r.keyword == "NOTIFY");
    }
}

TEST_CASE("command: BDAT arguments (RFC 3030 §2)") {
    CHECK(parse_bdat_args("100")->size == 100u);
    CHECK_FALSE(parse_bdat_args("100")->last);
    CHECK(parse_bdat_args("0 LAST")->last);
    CHECK(parse_bdat_args("7 last")->size == 7u);
    CHECK(parse_bdat_args("18446744073709551615")->size == UINT64_MAX);
    for (std::string bad : {"", "LAST", "-1", "1 FIRST", "1 LAST X", "18446744073709551616", "1x", "0x10"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_bdat_args(bad).has_value());
    }
}

TEST_CASE("command: AUTH arguments (RFC 4954 §4)") {
    auto a = parse_auth_args("plain AGFsaWNlAHNlY3JldA==");
    REQUIRE(a);
    CHECK(a->mechanism == "PLAIN");
    CHECK(a->initial_response == "AGFsaWNlAHNlY3JldA==");
    auto empty = parse_auth_args("PLAIN =");
    REQUIRE(empty);
    REQUIRE(empty->initial_response.has_value());
    CHECK(empty->initial_response->empty());
    auto none = parse_auth_args("LOGIN");
    REQUIRE(none);
    CHECK_FALSE(none->initial_response.has_value());
    CHECK(parse_auth_args("SCRAM-SHA-256")->mechanism == "SCRAM-SHA-256");
    for (std::string bad : {"", "PL AIN x", "PLAIN a b", "PL@IN", "ABCDEFGHIJKLMNOPQRSTU", "PLAIN ***"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_auth_args(bad).has_value());
    }
}
