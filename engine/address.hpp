#pragma once
// Mail addresses as RFC 5321 §4.1.2 defines them (Mailbox, Path, Reverse-path,
// Forward-path). The parser functions live beside these types and are named after
// the grammar rules (parse_mailbox, parse_reverse_path, parse_forward_path, ...).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab {

struct Mailbox {
    // The Local-part exactly as written on the wire: a Dot-string, or a
    // Quoted-string including its quotes and backslash escapes.
    std::string local_part;
    // The Domain as written (lower-case is NOT applied), or the address literal
    // including its brackets, e.g. "[192.0.2.1]" or "[IPv6:2001:db8::1]".
    std::string domain;
    bool quoted_local = false;    // local part is a Quoted-string
    bool domain_literal = false;  // domain is an address-literal
    bool utf8 = false;            // uses non-ASCII characters (needs SMTPUTF8)

    std::string to_string() const { return local_part + "@" + domain; }
    bool operator==(const Mailbox&) const = default;
};

// A Reverse-path or Forward-path: "<>" (null, reverse-path only) or
// "<[A-d-l:]Mailbox>"; a source route (A-d-l) is accepted and ignored
// (RFC 5321 §4.1.1.3, Appendix C) but kept here so policy can see it.
struct Path {
    bool null = false;
    std::vector<std::string> source_route;  // domains of "@a,@b:" in order
    Mailbox mailbox;

    std::string to_string() const { return null ? std::string("<>") : "<" + mailbox.to_string() + ">"; }
    bool operator==(const Path&) const = default;
};

// ---- Parsers (RFC 5321 §4.1.2, §4.5.3.1.1-3; RFC 6531 §3.3 for UTF-8) ----

enum class AddressError { none, syntax, local_part_too_long, domain_too_long, path_too_long, utf8_not_permitted };

template <class T>
struct Parsed {
    T value{};
    AddressError error = AddressError::none;
    std::size_t consumed = 0;  // characters of the input used (for paths: up to and including '>')
    explicit operator bool() const { return error == AddressError::none; }
};

// "<>" or "<[A-d-l:]Mailbox>"; input may continue after '>' (ESMTP params follow).
Parsed<Path> parse_reverse_path(std::string_view in, bool smtputf8);
// "<[A-d-l:]Mailbox>" or the special "<Postmaster>" (case-insensitive, RFC 5321 §4.1.1.3):
// then mailbox.local_part = "Postmaster" and mailbox.domain is empty.
Parsed<Path> parse_forward_path(std::string_view in, bool smtputf8);
// The same two parsers writing into `out`, whose string and vector buffers are reused (the
// server session's per-command path: no allocation for a repeated address). `out` ends as
// the `value` of the Parsed<Path> form would; `consumed` is set likewise (0 on error).
AddressError parse_reverse_path_into(std::string_view in, bool smtputf8, Path& out, std::size_t& consumed);
AddressError parse_forward_path_into(std::string_view in, bool smtputf8, Path& out, std::size_t& consumed);
// The whole input must be one Mailbox (Local-part "@" ( Domain / address-literal )).
Parsed<Mailbox> parse_mailbox(std::string_view in, bool smtputf8);
// RFC 5321 Domain: sub-domain *("." sub-domain), LDH labels (U-labels when smtputf8).
bool is_valid_domain(std::string_view domain, bool smtputf8);
// Quoted-string content with its escapes removed; a Dot-string is returned as is.
std::string local_part_unquoted(const Mailbox&);
const char* address_error_text(AddressError);

// Grammar-rule parsers. Each parses a prefix of `in` and returns the number of
// characters it used, or 0 when the rule does not match at the start of `in`.
std::size_t parse_dot_string(std::string_view in, bool smtputf8);      // Atom *("." Atom)
std::size_t parse_quoted_string(std::string_view in, bool smtputf8);   // DQUOTE *QcontentSMTP DQUOTE
std::size_t parse_local_part(std::string_view in, bool smtputf8);      // Dot-string / Quoted-string
std::size_t parse_domain(std::string_view in, bool smtputf8);          // sub-domain *("." sub-domain)
std::size_t parse_address_literal(std::string_view in);                // "[" ( IPv4 / IPv6 / General ) "]"
std::size_t parse_a_d_l(std::string_view in, std::vector<std::string>& route);  // At-domain *( "," At-domain )
// The content of an address literal without brackets.
bool is_ipv4_address_literal(std::string_view in);   // Snum 3("." Snum)
bool is_ipv6_addr(std::string_view in);              // IPv6-full / -comp / -v4-full / -v4-comp
bool is_general_address_literal(std::string_view in);  // Standardized-tag ":" 1*dcontent
// Well-formed UTF-8 (RFC 3629 §4: no overlong forms, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view in);

}  // namespace relaylab
