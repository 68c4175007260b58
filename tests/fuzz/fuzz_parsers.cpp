// libFuzzer harness: the small parsers a client reaches with one command line. The first
// byte picks the parser, the rest is its input:
//   0 paths (RFC 5321 §4.1.2): reverse- and forward-path, mailbox
//   1 command lines and MAIL/RCPT arguments with their ESMTP parameters (§4.1.1, §4.1.2)
//   2 xtext (RFC 3461 §4)
//   3 base64 (RFC 4648 §4, as AUTH uses it)
//   4 SASL PLAIN (RFC 4616 §2)
//   5 AUTH and BDAT arguments (RFC 4954 §4, RFC 3030 §2)
// Besides "no crash" (ASan/UBSan), each checks what its parser promises: consumed counts
// stay within the input, decoders and encoders invert each other, and strict decoders accept
// only the canonical form (so encoding what they decoded gives the input back).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/address.hpp"
#include "engine/base64.hpp"
#include "engine/command.hpp"
#include "engine/sasl.hpp"
#include "engine/xtext.hpp"

using namespace relaylab;

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

void paths(std::string_view in, bool utf8) {
    for (const auto& p : {parse_reverse_path(in, utf8), parse_forward_path(in, utf8)}) {
        if (!p) {
            require(p.consumed == 0 || p.consumed <= in.size());
            continue;
        }
        require(p.consumed >= 2 && p.consumed <= in.size() && in[p.consumed - 1] == '>');
        if (!utf8) require(!p.value.mailbox.utf8);
        if (p.value.null || p.value.mailbox.domain.empty()) continue;  // "<>", "<Postmaster>"
        // The mailbox it found is itself a valid mailbox, and parses to the same parts.
        const std::string text = p.value.mailbox.to_string();
        const auto again = parse_mailbox(text, utf8);
        require(static_cast<bool>(again));
        require(again.value.local_part == p.value.mailbox.local_part && again.value.domain == p.value.mailbox.domain);
    }
    const auto m = parse_mailbox(in, utf8);
    if (m) require(m.consumed <= in.size());
}

void commands(std::string_view in, bool utf8) {
    const CommandLine c = split_command(in);
    require(c.verb_text.size() <= in.size() && c.args.size() <= in.size());
    for (const auto& a : {parse_mail_args(c.args, utf8), parse_rcpt_args(c.args, utf8), parse_mail_args(in, utf8),
                          parse_rcpt_args(in, utf8)}) {
        if (!a) continue;
        for (const auto& p : a.value.params) require(!p.keyword.empty());
        MailParams mp;
        RcptParams rp;
        (void)parse_mail_params(a.value.params, mp);
        (void)parse_rcpt_params(a.value.params, rp);
    }
    std::vector<EsmtpParam> params;
    if (parse_esmtp_params(in, params))
        for (const auto& p : params) require(!p.keyword.empty() && (p.has_value || p.value.empty()));
}

void xtext(std::string_view in) {
    // encode then decode gives any bytes back; what decodes re-decodes the same after encoding.
    const auto back = xtext_decode(xtext_encode(in));
    require(back && *back == in);
    if (const auto d = xtext_decode(in)) {
        require(d->size() <= in.size());
        const auto again = xtext_decode(xtext_encode(*d));
        require(again && *again == *d);
    }
}

void base64(std::string_view in) {
    const auto back = base64_decode(base64_encode(in));
    require(back && *back == in);
    if (const auto d = base64_decode(in)) require(base64_encode(*d) == in);  // strict = canonical
}

void sasl(std::string_view in) {
    if (const auto c = parse_sasl_plain(in)) {
        require(!c->authcid.empty() && !c->password.empty());
        require(make_sasl_plain(c->authzid, c->authcid, c->password) == in);
    }
}

void auth_bdat(std::string_view in) {
    if (const auto a = parse_auth_args(in)) {
        require(!a->mechanism.empty());
        for (char ch : a->mechanism) require(!(ch >= 'a' && ch <= 'z'));  // upper-cased
    }
    (void)parse_bdat_args(in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t which = data[0];
    const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    const bool utf8 = (which & 0x80) != 0;
    switch (which % 6) {
        case 0: paths(in, utf8); break;
        case 1: commands(in, utf8); break;
        case 2: xtext(in); break;
        case 3: base64(in); break;
        case 4: sasl(in); break;
        case 5: auth_bdat(in); break;
    }
    return 0;
}
