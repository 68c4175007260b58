// Address parsing, RFC 5321 §4.1.2 (Path, Mailbox, Local-part, Domain), §4.1.3 (address
// literals), §4.5.3.1.1-3 (size limits); RFC 6531 §3.3 (UTF-8 addresses).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/address.hpp"

using namespace relaylab;
using namespace std::string_literals;

namespace {

struct Valid {
    std::string in;
    std::string local, domain;
    bool quoted, literal;
};

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

// A domain of exactly `n` octets made of 63-octet labels.
std::string domain_of_length(std::size_t n) {
    std::string d;
    while (d.size() < n) {
        if (!d.empty()) d += '.';
        std::size_t left = n - d.size();
        std::size_t label = left > 63 ? 63 : left;
        if (left > 63 && left - 63 < 2) label = left - 2;  // leave room for ".x"
        d += repeat('a', label);
    }
    return d;
}

}  // namespace

TEST_CASE("address: valid mailboxes (RFC 5321 §4.1.2)") {
    const std::vector<Valid> table = {
        {"user@example.org", "user", "example.org", false, false},
        {"first.last@sub.example.org", "first.last", "sub.example.org", false, false},
        {"a@b", "a", "b", false, false},
        {"x+tag@example.org", "x+tag", "example.org", false, false},
        {"!#$%&'*+-/=?^_`{|}~@example.org", "!#$%&'*+-/=?^_`{|}~", "example.org", false, false},
        {"\"john doe\"@example.org", "\"john doe\"", "example.org", true, false},
        {"\"\"@example.org", "\"\"", "example.org", true, false},
        {"\"a\\\"b\"@example.org", "\"a\\\"b\"", "example.org", true, false},
        {"\"a\\\\b\"@example.org", "\"a\\\\b\"", "example.org", true, false},
        {"user@123.example", "user", "123.example", false, false},
        {"user@xn--bcher-kva.example", "user", "xn--bcher-kva.example", false, false},
        {"user@a-b.c-d", "user", "a-b.c-d", false, false},
        {"UPPER@EXAMPLE.ORG", "UPPER", "EXAMPLE.ORG", false, false},
        // address literals, RFC 5321 §4.1.3
        {"user@[127.0.0.1]", "user", "[127.0.0.1]", false, true},
        {"user@[255.255.255.255]", "user", "[255.255.255.255]", false, true},
        {"user@[0.0.0.0]", "user", "[0.0.0.0]", false, true},
        {"user@[IPv6:2001:db8:0:0:0:0:0:1]", "user", "[IPv6:2001:db8:0:0:0:0:0:1]", false, true},
        {"user@[IPv6:2001:db8::1]", "user", "[IPv6:2001:db8::1]", false, true},
        {"user@[IPv6:::1]", "user", "[IPv6:::1]", false, true},
        {"user@[IPv6:::]", "user", "[IPv6:::]", false, true},
        {"user@[IPv6:fe80::]", "user", "[IPv6:fe80::]", false, true},
        {"user@[IPv6:1:2:3::4:5:6]", "user", "[IPv6:1:2:3::4:5:6]", false, true},
        {"user@[IPv6:::ffff:192.0.2.1]", "user", "[IPv6:::ffff:192.0.2.1]", false, true},
        {"user@[IPv6:1:2:3:4:5:6:192.0.2.1]", "user", "[IPv6:1:2:3:4:5:6:192.0.2.1]", false, true},
        {"user@[IPv6:1:2::3:4:192.0.2.1]", "user", "[IPv6:1:2::3:4:192.0.2.1]", false, true},
        {"user@[IPv6:::192.0.2.1]", "user", "[IPv6:::192.0.2.1]", false, true},
        {"user@[ipv6:ABCD::ef]", "user", "[ipv6:ABCD::ef]", false, true},
        {"user@[x-tag:some-content]", "user", "[x-tag:some-content]", false, true},
        // forms used by nmap's smtp-open-relay script (the policy is decided elsewhere)
        {"user%host@local", "user%host", "local", false, false},
        {"\"user@host\"@local", "\"user@host\"", "local", true, false},
        {"host!user@local", "host!user", "local", false, false},
        {"\"user%host\"@local", "\"user%host\"", "local", true, false},
        {"relaytest%domain@[10.0.0.1]", "relaytest%domain", "[10.0.0.1]", false, true},
        {"\"relaytest@domain\"@[10.0.0.1]", "\"relaytest@domain\"", "[10.0.0.1]", true, true},
        {"domain!relaytest@[10.0.0.1]", "domain!relaytest", "[10.0.0.1]", false, true},
    };
    for (const auto& v : table) {
        CAPTURE(v.in);
        auto r = parse_mailbox(v.in, false);
        REQUIRE(r);
        CHECK(r.value.local_part == v.local);
        CHECK(r.value.domain == v.domain);
        CHECK(r.value.quoted_local == v.quoted);
        CHECK(r.value.domain_literal == v.literal);
        CHECK_FALSE(r.value.utf8);
        CHECK(r.consumed == v.in.size());
        CHECK(r.value.to_string() == v.in);
    }
}

TEST_CASE("address: invalid mailboxes are syntax errors (RFC 5321 §4.1.2, §4.1.3)") {
    const std::vector<std::string> table = {
        "", "@", "user", "user@", "@example.org", ".user@example.org", "user.@example.org",
        "us..er@example.org", "us er@example.org", "user@exa mple.org", "user@example.org.",
        "user@.example.org", "user@exa..mple.org", "user@-example.org", "user@example-.org",
        "user@exam_ple.org", "\"unterminated@example.org", "\"bad\\\x01\"@example.org",
        "\"tab\there\"@example.org", "a\"b\"@example.org", "user@example.org>", "<user@example.org>",
        "user@@example.org", "user@host@local",
        // nmap forms that are not RFC 5321 paths at all
        "\"relaytest@domain\"", "relaytest@domain@[10.0.0.1]", "domain!relaytest",
        // address literals
        "user@[256.0.0.1]", "user@[1.2.3]", "user@[1.2.3.4.5]", "user@[1.2.3.04a]", "user@[1234.0.0.1]",
        "user@[127.0.0.1", "user@127.0.0.1]", "user@[]", "user@[IPv6:1:2:3:4:5:6:7]",
        "user@[IPv6:1:2:3:4:5:6:7:8:9]", "user@[IPv6:1::2::3]", "user@[IPv6:12345::1]", "user@[IPv6:g::1]",
        "user@[IPv6:1:2:3:4:5:6:7::]", "user@[IPv6:1:2:3:4:5::192.0.2.1]", "user@[IPv6::1]",
        "user@[IPv6:1:]", "user@[IPv6:1:2:3:4:5:192.0.2.1]", "user@[IPv6:::300.0.0.1]", "user@[IPv6:]",
        "user@[IPv6]", "user@[tag:]", "user@[-:x]", "user@[tag-:x]", "user@[tag:a b]", "user@[tag:a\\b]",
        "user@[tag:a[b]",
    };
    for (const auto& in : table) {
        CAPTURE(in);
        auto r = parse_mailbox(in, true);
        CHECK_FALSE(r);
        CHECK(r.error == AddressError::syntax);
    }
}

TEST_CASE("address: paths (RFC 5321 §4.1.2, §4.1.1.3)") {
    SUBCASE("null reverse-path, with parameters following") {
        auto r = parse_reverse_path("<> SIZE=100", false);
        REQUIRE(r);
        CHECK(r.value.null);
        CHECK(r.consumed == 2);
        CHECK(r.value.to_string() == "<>");
    }
    SUBCASE("null path is not a forward-path") {
        CHECK(parse_forward_path("<>", false).error == AddressError::syntax);
    }
    SUBCASE("consumed ends at the closing bracket") {
        auto r = parse_forward_path("<a@b.example> NOTIFY=NEVER", false);
        REQUIRE(r);
        CHECK(r.consumed == 13);
        CHECK(r.value.mailbox.to_string() == "a@b.example");
        CHECK_FALSE(r.value.null);
    }
    SUBCASE("source route is accepted and kept (RFC 5321 §4.1.1.3, Appendix C)") {
        auto r = parse_forward_path("<@a.example,@b.example:user@c.example>", false);
        REQUIRE(r);
        CHECK(r.value.source_route == std::vector<std::string>{"a.example", "b.example"});
        CHECK(r.value.mailbox.local_part == "user");
        CHECK(r.value.mailbox.domain == "c.example");
        auto nmap = parse_forward_path("<@local:user@host>", false);
        REQUIRE(nmap);
        CHECK(nmap.value.source_route == std::vector<std::string>{"local"});
        CHECK(nmap.value.mailbox.to_string() == "user@host");
        auto rev = parse_reverse_path("<@relay.example:a@b.example>", false);
        REQUIRE(rev);
        CHECK(rev.value.source_route.size() == 1);
    }
    SUBCASE("Postmaster without a domain, any case (RFC 5321 §4.1.1.3)") {
        for (std::string in : {"<Postmaster>", "<postmaster>", "<POSTMASTER>"}) {
            CAPTURE(in);
            auto r = parse_forward_path(in, false);
            REQUIRE(r);
            CHECK(r.value.mailbox.local_part == "Postmaster");
            CHECK(r.value.mailbox.domain.empty());
            CHECK(r.consumed == in.size());
        }
        CHECK_FALSE(parse_reverse_path("<Postmaster>", false));
        CHECK_FALSE(parse_forward_path("<Postmasters>", false));
        auto with_domain = parse_forward_path("<postmaster@example.org>", false);
        REQUIRE(with_domain);
        CHECK(with_domain.value.mailbox.domain == "example.org");
    }
    SUBCASE("malformed paths") {
        for (std::string in : {"", "<", "<>", "a@b", "<a@b", "a@b>", "< a@b>", "<a@b >", "<@a.example:>",
                               "<@a.example user@b>", "<@:user@b>", "<@a,user@b>", "<@a.example,:user@b>",
                               "<@[1.2.3.4]:user@b>", "<<a@b>>", "<\"relaytest@domain\">", "<domain!relaytest>",
                               "<relaytest@domain@[10.0.0.1]>"}) {
            CAPTURE(in);
            CHECK(parse_forward_path(in, true).error == AddressError::syntax);
        }
    }
}

TEST_CASE("address: length limits (RFC 5321 §4.5.3.1.1-3)") {
    SUBCASE("local part: 64 octets ok, 65 fail (§4.5.3.1.1)") {
        CHECK(parse_mailbox(repeat('a', 64) + "@example.org", false));
        CHECK(parse_mailbox(repeat('a', 65) + "@example.org", false).error == AddressError::local_part_too_long);
        // the quotes count: they are part of the local part on the wire
        CHECK(parse_mailbox("\"" + repeat('a', 62) + "\"@example.org", false));
        CHECK(parse_mailbox("\"" + repeat('a', 63) + "\"@example.org", false).error ==
              AddressError::local_part_too_long);
    }
    SUBCASE("domain: 255 octets ok, 256 fail (§4.5.3.1.2)") {
        REQUIRE(domain_of_length(255).size() == 255);
        REQUIRE(domain_of_length(256).size() == 256);
        CHECK(is_valid_domain(domain_of_length(255), false));
        CHECK_FALSE(is_valid_domain(domain_of_length(256), false));
        CHECK(parse_mailbox("a@" + domain_of_length(255), false));
        CHECK(parse_mailbox("a@" + domain_of_length(256), false).error == AddressError::domain_too_long);
    }
    SUBCASE("label: 63 octets ok, 64 fail (RFC 1035 §2.3.4)") {
        CHECK(parse_mailbox("a@" + repeat('b', 63) + ".example", false));
        CHECK(parse_mailbox("a@" + repeat('b', 64) + ".example", false).error == AddressError::domain_too_long);
        CHECK_FALSE(is_valid_domain(repeat('b', 64), false));
    }
    SUBCASE("path: 256 octets ok, 257 fail, brackets included (§4.5.3.1.3)") {
        // "<" + 64 + "@" + domain + ">" = 256  =>  domain of 189 octets
        std::string ok = "<" + repeat('a', 64) + "@" + domain_of_length(189) + ">";
        std::string too_long = "<" + repeat('a', 64) + "@" + domain_of_length(190) + ">";
        REQUIRE(ok.size() == 256);
        REQUIRE(too_long.size() == 257);
        CHECK(parse_forward_path(ok, false));
        CHECK(parse_forward_path(too_long, false).error == AddressError::path_too_long);
        CHECK(parse_reverse_path(too_long, false).error == AddressError::path_too_long);
        // a source route counts too
        std::string routed = "<@r.example:" + repeat('a', 64) + "@" + domain_of_length(189) + ">";
        CHECK(parse_forward_path(routed, false).error == AddressError::path_too_long);
    }
}

TEST_CASE("address: every byte value as a local-part character (RFC 5321 §4.1.2)") {
    const std::string atext = "!#$%&'*+-/=?^_`{|}~";
    for (int b = 0; b < 256; ++b) {
        CAPTURE(b);
        const char c = static_cast<char>(b);
        const bool alnum = (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
        const bool is_atext = alnum || atext.find(c) != std::string::npos;
        // In a Dot-string: atext, or a "." between atoms.
        std::string dot_form = "a"s + c + "b@example.org";
        for (bool utf8 : {false, true}) {
            CAPTURE(utf8);
            auto r = parse_mailbox(dot_form, utf8);
            CHECK(static_cast<bool>(r) == (is_atext || c == '.'));
            if (!r) CHECK(r.error == AddressError::syntax);  // a lone 8-bit byte is never valid UTF-8
        }
        // In a Quoted-string: qtextSMTP is 32..126 without DQUOTE and backslash.
        // (The byte sits right before the closing DQUOTE, so a backslash would escape it.)
        std::string quoted = "\"a"s + c + "\"@example.org";
        auto q = parse_mailbox(quoted, true);
        CHECK(static_cast<bool>(q) == (b >= 32 && b <= 126 && c != '"' && c != '\\'));
        if (q) CHECK(local_part_unquoted(q.value) == "a"s + c);
        // As a quoted-pair: any of 32..126 may be escaped.
        std::string escaped = "\"a\\"s + c + "b\"@example.org";
        auto e = parse_mailbox(escaped, true);
        CHECK(static_cast<bool>(e) == (b >= 32 && b <= 126));
        if (e) CHECK(local_part_unquoted(e.value) == "a"s + c + "b");
    }
}

TEST_CASE("address: UTF-8 addresses need SMTPUTF8 (RFC 6531 §3.3)") {
    const std::vector<std::string> utf8_addresses = {
        "j\xc3\xb6rg@example.org",                   // jörg
        "user@b\xc3\xbc\x63her.example",             // bücher
        "\"\xe5\x90\x8d\xe5\x89\x8d\"@example.org",  // quoted CJK
        "\xf0\x9f\x98\x80@example.org",              // a 4-octet character
        "<@r\xc3\xa9lais.example:a@b.example>",      // in a source route
    };
    for (const auto& in : utf8_addresses) {
        CAPTURE(in);
        const bool path = in[0] == '<';
        AddressError without = path ? parse_forward_path(in, false).error : parse_mailbox(in, false).error;
        CHECK(without == AddressError::utf8_not_permitted);
        if (path) {
            CHECK(parse_forward_path(in, true));
        } else {
            auto r = parse_mailbox(in, true);
            REQUIRE(r);
            CHECK(r.value.utf8);
        }
    }
    SUBCASE("broken UTF-8 is a syntax error either way") {
        for (std::string in : {"a\xc3@example.org", "a\xc0\x80@example.org", "a\xed\xa0\x80@example.org",
                               "a\xf5\x80\x80\x80@example.org", "a@b\xe2\x82.example", "a\x80@example.org"}) {
            CAPTURE(in);
            CHECK(parse_mailbox(in, true).error == AddressError::syntax);
            CHECK(parse_mailbox(in, false).error == AddressError::syntax);
        }
    }
    SUBCASE("address literals stay ASCII") {
        CHECK(parse_mailbox("a@[tag:\xc3\xa9]", true).error == AddressError::syntax);
    }
    SUBCASE("is_valid_utf8 (RFC 3629 §4)") {
        CHECK(is_valid_utf8(""));
        CHECK(is_valid_utf8("ascii"));
        CHECK(is_valid_utf8("j\xc3\xb6rg \xe2\x82\xac \xf0\x9f\x98\x80"));
        for (std::string bad : {"\x80", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                "\xf8\x88\x80\x80\x80", "\xff"}) {
            CAPTURE(bad);
            CHECK_FALSE(is_valid_utf8(bad));
        }
    }
    SUBCASE("is_valid_domain follows the flag") {
        CHECK(is_valid_domain("b\xc3\xbc\x63her.example", true));
        CHECK_FALSE(is_valid_domain("b\xc3\xbc\x63her.example", false));
    }
}

TEST_CASE("address: grammar-rule parsers (RFC 5321 §4.1.2)") {
    CHECK(parse_dot_string("abc.def@x", false) == 7);
    CHECK(parse_dot_string("abc.@x", false) == 3);
    CHECK(parse_dot_string(".abc", false) == 0);
    CHECK(parse_quoted_string("\"a b\"rest", false) == 5);
    CHECK(parse_quoted_string("\"open", false) == 0);
    CHECK(parse_domain("a.b.c>", false) == 5);
    CHECK(parse_domain("a.b.>", false) == 3);
    CHECK(parse_domain("-a", false) == 0);
    CHECK(parse_address_literal("[1.2.3.4]>") == 9);
    std::vector<std::string> route;
    CHECK(parse_a_d_l("@a,@b.c:x", route) == 7);
    CHECK(route == std::vector<std::string>{"a", "b.c"});
    CHECK(is_ipv4_address_literal("192.0.2.255"));
    CHECK_FALSE(is_ipv4_address_literal("192.0.2"));
    CHECK(is_ipv6_addr("1:2:3:4:5:6:7:8"));
    CHECK(is_ipv6_addr("1::8"));
    CHECK_FALSE(is_ipv6_addr("1:2:3:4:5:6:7:8:9"));
    CHECK(is_general_address_literal("X-foo:bar"));
    CHECK_FALSE(is_general_address_literal("IPv6:1::1"));  // the IPv6 tag needs an IPv6 address
    CHECK(is_valid_domain("example.org", false));
    CHECK_FALSE(is_valid_domain("[1.2.3.4]", false));
    CHECK_FALSE(is_valid_domain("example.org.", false));
    CHECK_FALSE(is_valid_domain("", false));
}

TEST_CASE("address: local_part_unquoted and error texts") {
    Mailbox m;
    m.local_part = "\"a\\\"b\\\\c d\"";
    m.quoted_local = true;
    CHECK(local_part_unquoted(m) == "a\"b\\c d");
    m.local_part = "plain.dot";
    CHECK(local_part_unquoted(m) == "plain.dot");
    for (auto e : {AddressError::none, AddressError::syntax, AddressError::local_part_too_long,
                   AddressError::domain_too_long, AddressError::path_too_long, AddressError::utf8_not_permitted}) {
        CHECK(std::string(address_error_text(e)).size() > 1);
    }
    CHECK(std::string(address_error_text(AddressError::path_too_long)) !=
          std::string(address_error_text(AddressError::syntax)));
}
