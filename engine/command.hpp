#pragma once
// SMTP command lines (RFC 5321 §4.1.1, §4.1.2) and the arguments of MAIL, RCPT,
// BDAT and AUTH with the ESMTP parameters of RFC 1870, 6152, 6531, 3461, 3030, 4954.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/address.hpp"
#include "engine/dsn_params.hpp"

namespace relaylab {

enum class Verb { ehlo, helo, mail, rcpt, data, bdat, rset, noop, quit, vrfy, expn, help, starttls, auth, unknown };

struct CommandLine {
    Verb verb = Verb::unknown;
    std::string_view verb_text;
    std::string_view args;
};

// `line` is one command line WITHOUT its CRLF. Verb is case-insensitive; args = text after
// the single space following the verb (leading spaces tolerated), trailing spaces trimmed.
// "MAIL FROM:" is split as verb MAIL, args "FROM:<...> ...".
CommandLine split_command(std::string_view line);
const char* verb_name(Verb);  // "EHLO", ...

struct EsmtpParam {
    std::string keyword;  // upper-cased
    std::string value;
    bool has_value = false;
};
// esmtp-param *(SP esmtp-param), RFC 5321 §4.1.2; returns false on bad syntax.
bool parse_esmtp_params(std::string_view in, std::vector<EsmtpParam>& out);
// One esmtp-param = esmtp-keyword ["=" esmtp-value]; returns false on bad syntax.
bool parse_esmtp_param(std::string_view in, EsmtpParam& out);

// "FROM:<path> [params]": tolerates one optional space after the colon (common client
// behaviour), case-insensitive "FROM:"; error carries the AddressError of the path or syntax.
struct MailArgs {
    Path path;
    std::vector<EsmtpParam> params;
};
Parsed<MailArgs> parse_mail_args(std::string_view args, bool smtputf8);
Parsed<MailArgs> parse_rcpt_args(std::string_view args, bool smtputf8);  // "TO:<path> [params]"
// The same, into `out` whose buffers are reused (the session parses every MAIL and RCPT
// into one MailArgs, without allocating); on error `out` holds no meaningful value.
AddressError parse_mail_args(std::string_view args, bool smtputf8, MailArgs& out);
AddressError parse_rcpt_args(std::string_view args, bool smtputf8, MailArgs& out);

// Typed MAIL parameters (the session validates them): SIZE=n (RFC 1870 §3),
// BODY=7BIT|8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531 §3.4), RET=FULL|HDRS and ENVID=xtext
// (RFC 3461 §4.3, §4.4), AUTH=xtext (RFC 4954 §5).
// Typed RCPT parameters: NOTIFY=NEVER|SUCCESS,FAILURE,DELAY (RFC 3461 §4.1),
// ORCPT=addr-type;xtext (§4.2).
enum class Body { unspecified, seven_bit, eight_bit_mime };
enum class Ret { unspecified, full, hdrs };
struct MailParams {
    std::optional<std::uint64_t> size;
    Body body = Body::unspecified;
    bool smtputf8 = false;
    Ret ret = Ret::unspecified;
    std::string envid;  // decoded xtext
    std::string auth;   // decoded xtext ("<>" when the submitter is unknown)
    bool operator==(const MailParams&) const = default;
};
struct RcptParams {
    std::optional<DsnNotify> notify;  // nullopt: no NOTIFY given (the default applies)
    std::string orcpt;  // "addr-type;" followed by the decoded address, e.g. "rfc822;user@example.org"
    bool operator==(const RcptParams&) const = default;
};
enum class ParamError { none, unknown_keyword, bad_value, duplicate };
struct ParamResult {
    ParamError error = ParamError::none;
    std::string keyword;  // the offending keyword
};
ParamResult parse_mail_params(const std::vector<EsmtpParam>&, MailParams& out);
ParamResult parse_rcpt_params(const std::vector<EsmtpParam>&, RcptParams& out);

// BDAT chunk-size [SP "LAST"] (RFC 3030 §2)
struct BdatArgs {
    std::uint64_t size = 0;
    bool last = false;
};
std::optional<BdatArgs> parse_bdat_args(std::string_view args);

// AUTH mechanism [SP initial-response] (RFC 4954 §4)
struct AuthArgs {
    std::string mechanism;                         // upper-cased
    std::optional<std::string> initial_response;   // still base64; "=" means empty (given as "")
};
std::optional<AuthArgs> parse_auth_args(std::string_view args);

}  // namespace relaylab
