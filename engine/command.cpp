// SMTP command lines, RFC 5321 §4.1.1 (verbs) and §4.1.2 (argument grammar), and the ESMTP
// parameters of MAIL and RCPT (RFC 1870, 6152, 6531, 3461, 4954) and the BDAT (RFC 3030)
// and AUTH (RFC 4954) arguments.
#include "engine/command.hpp"
#include "engine/ascii.hpp"

#include "engine/xtext.hpp"

namespace relaylab {
namespace {

bool is_alpha(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
// ENVID and ORCPT are decoded from xtext (RFC 3461 §4), which can encode any octet ("+0D"
// is CR). The decoded value ends up in DSNs (RFC 3464 Original-Envelope-Id,
// Original-Recipient fields), logs and the spool: a control octet there is header or log
// injection. RFC 3461 §4.2 and §4.4 describe printable text (an address, an envelope id
// of printable characters), and RFC 5321 §4.1.3 / §2.3.8 allow no control characters in
// the command syntax, so such a value is a syntax error: "501 5.5.4".
bool has_control(std::string_view s) {
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F) return true;
    }
    return false;
}

struct VerbEntry {
    Verb verb;
    const char* name;
};
constexpr VerbEntry k_verbs[] = {
    {Verb::ehlo, "EHLO"}, {Verb::helo, "HELO"}, {Verb::mail, "MAIL"},         {Verb::rcpt, "RCPT"},
    {Verb::data, "DATA"}, {Verb::bdat, "BDAT"}, {Verb::rset, "RSET"},         {Verb::noop, "NOOP"},
    {Verb::quit, "QUIT"}, {Verb::vrfy, "VRFY"}, {Verb::expn, "EXPN"},         {Verb::help, "HELP"},
    {Verb::starttls, "STARTTLS"},               {Verb::auth, "AUTH"},
};

// 1*20DIGIT that fits in 64 bits (RFC 1870 §3 size-value; RFC 3030 §2 chunk-size).
std::optional<std::uint64_t> parse_number(std::string_view s) {
    if (s.empty() || s.size() > 20) return std::nullopt;
    std::uint64_t v = 0;
    for (char ch : s) {
        if (!is_digit(static_cast<unsigned char>(ch))) return std::nullopt;
        auto d = static_cast<std::uint64_t>(ch - '0');
        if (v > (UINT64_MAX - d) / 10) return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

// "FROM:" / "TO:" then a path, then optional SP esmtp-params; fills `out` in place.
AddressError parse_path_args(std::string_view args, std::string_view prefix, bool smtputf8, bool reverse,
                             MailArgs& out) {
    if (args.size() < prefix.size() || !ascii_iequals(args.substr(0, prefix.size()), prefix))
        return AddressError::syntax;
    std::size_t i = prefix.size();
    if (i < args.size() && args[i] == ' ') ++i;  // "MAIL FROM: <a@b>" is common in the wild
    std::size_t consumed = 0;
    AddressError error = reverse ? parse_reverse_path_into(args.substr(i), smtputf8, out.path, consumed)
                                 : parse_forward_path_into(args.substr(i), smtputf8, out.path, consumed);
    if (error != AddressError::none) return error;
    i += consumed;
    std::string_view rest = args.substr(i);
    if (rest.empty()) {
        out.params.clear();
        return AddressError::none;
    }
    if (rest[0] != ' ') return AddressError::syntax;  // e.g. "<a@b>x"
    if (!parse_esmtp_params(rest.substr(1), out.params)) return AddressError::syntax;
    return AddressError::none;
}

Parsed<MailArgs> parse_path_args(std::string_view args, std::string_view prefix, bool smtputf8, bool reverse) {
    Parsed<MailArgs> r;
    r.error = parse_path_args(args, prefix, smtputf8, reverse, r.value);
    if (r.error == AddressError::none) r.consumed = args.size();
    else r.value = MailArgs{};  // nothing half-parsed on error
    return r;
}

// Verbs are four letters but STARTTLS; the four-letter ones are compared as one 32-bit word
// (upper-cased), which keeps the lookup of every command line cheap.
constexpr std::uint32_t word4(char a, char b, char c, char d) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(a)) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(b)) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(c)) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(d)) << 24;
}

Verb lookup_verb(std::string_view text) {
    if (text.size() == 4) {
        const std::uint32_t w = word4(ascii_upper(text[0]), ascii_upper(text[1]), ascii_upper(text[2]),
                                      ascii_upper(text[3]));
        for (const auto& e : k_verbs) {
            if (e.name[4] == '\0' && w == word4(e.name[0], e.name[1], e.name[2], e.name[3])) return e.verb;
        }
        return Verb::unknown;
    }
    return ascii_iequals(text, "STARTTLS") ? Verb::starttls : Verb::unknown;
}

}  // namespace

CommandLine split_command(std::string_view line) {
    CommandLine cmd;
    std::size_t sp = line.find(' ');
    cmd.verb_text = line.substr(0, sp);
    if (sp != std::string_view::npos) {
        std::string_view args = line.substr(sp + 1);
        std::size_t first = args.find_first_not_of(' ');
        if (first == std::string_view::npos) {
            args = {};
        } else {
            args = args.substr(first);
            args = args.substr(0, args.find_last_not_of(' ') + 1);
        }
        cmd.args = args;
    }
    cmd.verb = lookup_verb(cmd.verb_text);
    return cmd;
}

const char* verb_name(Verb verb) {
    for (const auto& e : k_verbs) {
        if (e.verb == verb) return e.name;
    }
    return "UNKNOWN";
}

// esmtp-param = esmtp-keyword ["=" esmtp-value]
// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
// esmtp-value = 1*(%d33-60 / %d62-126)   (RFC 6531 §3.3 adds UTF8-non-ascii)
bool parse_esmtp_param(std::string_view in, EsmtpParam& out) {
    std::size_t eq = in.find('=');
    std::string_view keyword = in.substr(0, eq);
    if (keyword.empty()) return false;
    for (std::size_t i = 0; i < keyword.size(); ++i) {
        auto c = static_cast<unsigned char>(keyword[i]);
        if (!is_alpha(c) && !is_digit(c) && !(c == '-' && i > 0)) return false;
    }
    // Assigned in place (not `out = EsmtpParam{}`) so a reused `out` keeps its buffers.
    out.keyword.assign(keyword.data(), keyword.size());
    for (char& c : out.keyword) c = ascii_upper(c);
    out.value.clear();
    out.has_value = false;
    if (eq == std::string_view::npos) return true;
    std::string_view value = in.substr(eq + 1);
    if (value.empty()) return false;
    for (char ch : value) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 33 || c == '=' || c == 127) return false;
    }
    if (!is_valid_utf8(value)) return false;
    out.value.assign(value.data(), value.size());
    out.has_value = true;
    return true;
}

// esmtp-param *(SP esmtp-param); extra spaces between parameters are tolerated.
// The elements already in `out` are parsed into (their buffers reused), then trimmed.
bool parse_esmtp_params(std::string_view in, std::vector<EsmtpParam>& out) {
    std::size_t n = 0;
    std::size_t i = 0;
    while (i < in.size()) {
        if (in[i] == ' ') {
            ++i;
            continue;
        }
        std::size_t end = in.find(' ', i);
        if (end == std::string_view::npos) end = in.size();
        if (n == out.size()) out.emplace_back();
        if (!parse_esmtp_param(in.substr(i, end - i), out[n])) {
            out.clear();
            return false;
        }
        ++n;
        i = end;
    }
    out.resize(n);
    return true;
}

// "MAIL FROM:" Reverse-path [SP Mail-parameters] (RFC 5321 §4.1.1.2)
Parsed<MailArgs> parse_mail_args(std::string_view args, bool smtputf8) {
    return parse_path_args(args, "FROM:", smtputf8, true);
}

AddressError parse_mail_args(std::string_view args, bool smtputf8, MailArgs& out) {
    return parse_path_args(args, "FROM:", smtputf8, true, out);
}

// "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path ) [SP Rcpt-parameters]
// (RFC 5321 §4.1.1.3)
Parsed<MailArgs> parse_rcpt_args(std::string_view args, bool smtputf8) {
    return parse_path_args(args, "TO:", smtputf8, false);
}

AddressError parse_rcpt_args(std::string_view args, bool smtputf8, MailArgs& out) {
    return parse_path_args(args, "TO:", smtputf8, false, out);
}

ParamResult parse_mail_params(const std::vector<EsmtpParam>& params, MailParams& out) {
    bool seen_size = false, seen_body = false, seen_utf8 = false, seen_ret = false, seen_envid = false,
         seen_auth = false;
    auto once = [](bool& seen) {
        bool dup = seen;
        seen = true;
        return !dup;
    };
    for (const auto& p : params) {
        const std::string& k = p.keyword;
        auto bad = [&](ParamError e) { return ParamResult{e, k}; };
        if (k == "SIZE") {  // RFC 1870 §3: size-value = 1*20DIGIT
            if (!once(seen_size)) return bad(ParamError::duplicate);
            auto n = p.has_value ? parse_number(p.value) : std::nullopt;
            if (!n) return bad(ParamError::bad_value);
            out.size = *n;
        } else if (k == "BODY") {  // RFC 6152 §2: BODY=7BIT / BODY=8BITMIME
            if (!once(seen_body)) return bad(ParamError::duplicate);
            if (ascii_iequals(p.value, "7BIT")) {
                out.body = Body::seven_bit;
            } else if (ascii_iequals(p.value, "8BITMIME")) {
                out.body = Body::eight_bit_mime;
            } else {
                return bad(ParamError::bad_value);
            }
        } else if (k == "SMTPUTF8") {  // RFC 6531 §3.4: no value
            if (!once(seen_utf8)) return bad(ParamError::duplicate);
            if (p.has_value) return bad(ParamError::bad_value);
            out.smtputf8 = true;
        } else if (k == "RET") {  // RFC 3461 §4.3: RET=FULL / RET=HDRS
            if (!once(seen_ret)) return bad(ParamError::duplicate);
            if (ascii_iequals(p.value, "FULL")) {
                out.ret = Ret::full;
            } else if (ascii_iequals(p.value, "HDRS")) {
                out.ret = Ret::hdrs;
            } else {
                return bad(ParamError::bad_value);
            }
        } else if (k == "ENVID") {  // RFC 3461 §4.4: xtext, at most 100 characters
            if (!once(seen_envid)) return bad(ParamError::duplicate);
            auto v = p.has_value && p.value.size() <= 100 ? xtext_decode(p.value) : std::nullopt;
            if (!v || has_control(*v)) return bad(ParamError::bad_value);
            out.envid = std::move(*v);
        } else if (k == "AUTH") {  // RFC 4954 §5: AUTH=xtext (the mailbox, or "<>")
            if (!once(seen_auth)) return bad(ParamError::duplicate);
            auto v = p.has_value ? xtext_decode(p.value) : std::nullopt;
            if (!v) return bad(ParamError::bad_value);
            out.auth = std::move(*v);
        } else {
            return bad(ParamError::unknown_keyword);  // RFC 5321 §4.1.1.11: 555
        }
    }
    return {};
}

ParamResult parse_rcpt_params(const std::vector<EsmtpParam>& params, RcptParams& out) {
    bool seen_notify = false, seen_orcpt = false;
    for (const auto& p : params) {
        const std::string& k = p.keyword;
        auto bad = [&](ParamError e) { return ParamResult{e, k}; };
        if (k == "NOTIFY") {
            // RFC 3461 §4.1: "NEVER" alone, or a comma list of SUCCESS, FAILURE, DELAY.
            if (seen_notify) return bad(ParamError::duplicate);
            seen_notify = true;
            if (!p.has_value) return bad(ParamError::bad_value);
            auto n = parse_notify(p.value);
            if (!n) return bad(ParamError::bad_value);
            out.notify = *n;
        } else if (k == "ORCPT") {
            // RFC 3461 §4.2: addr-type ";" xtext; addr-type = atom; at most 500 characters.
            if (seen_orcpt) return bad(ParamError::duplicate);
            seen_orcpt = true;
            std::size_t semi = p.value.find(';');
            if (!p.has_value || p.value.size() > 500 || semi == std::string::npos || semi == 0)
                return bad(ParamError::bad_value);
            std::string_view type = std::string_view(p.value).substr(0, semi);
            for (char ch : type) {
                auto c = static_cast<unsigned char>(ch);
                if (!is_alpha(c) && !is_digit(c) && c != '-') return bad(ParamError::bad_value);
            }
            auto addr = xtext_decode(std::string_view(p.value).substr(semi + 1));
            if (!addr || addr->empty() || has_control(*addr)) return bad(ParamError::bad_value);
            out.orcpt = std::string(type) + ";" + *addr;
        } else {
            return bad(ParamError::unknown_keyword);
        }
    }
    return {};
}

// bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ]; end-marker = "LAST" (RFC 3030 §2)
std::optional<BdatArgs> parse_bdat_args(std::string_view args) {
    std::size_t sp = args.find(' ');
    auto size = parse_number(args.substr(0, sp));
    if (!size) return std::nullopt;
    BdatArgs r;
    r.size = *size;
    if (sp != std::string_view::npos) {
        std::string_view rest = args.substr(sp + 1);
        while (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
        if (!ascii_iequals(rest, "LAST")) return std::nullopt;
        r.last = true;
    }
    return r;
}

// "AUTH" SP sasl-mech [SP initial-response]; sasl-mech = 1*20mech-char;
// mech-char = UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE; initial-response = base64 / "="
// (RFC 4954 §4; mechanism names are compared without regard to case, RFC 4422 §3.1)
std::optional<AuthArgs> parse_auth_args(std::string_view args) {
    std::size_t sp = args.find(' ');
    std::string_view mech = args.substr(0, sp);
    if (mech.empty() || mech.size() > 20) return std::nullopt;
    for (char ch : mech) {
        auto c = static_cast<unsigned char>(ch);
        if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_') return std::nullopt;
    }
    AuthArgs r;
    r.mechanism = ascii_uppercase(mech);
    if (sp == std::string_view::npos) return r;
    std::string_view ir = args.substr(sp + 1);
    while (!ir.empty() && ir[0] == ' ') ir.remove_prefix(1);
    if (ir.empty()) return std::nullopt;
    if (ir == "=") {
        r.initial_response = std::string();
        return r;
    }
    for (char ch : ir) {
        auto c = static_cast<unsigned char>(ch);
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '/' && c != '=') return std::nullopt;
    }
    r.initial_response = std::string(ir);
    return r;
}

}  // namespace relaylab
