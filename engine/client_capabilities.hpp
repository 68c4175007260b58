#pragma once
// What a server offers in its EHLO reply (RFC 5321 §4.1.1.1, §2.2.2): one keyword per line
// after the first, with optional parameters. Parsed by the client to decide what it may use.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/reply.hpp"

namespace relaylab {

struct ServerCapabilities {
    bool esmtp = false;                  // the server answered EHLO (not only HELO)
    std::string domain;                  // first word of the first line
    bool pipelining = false;             // RFC 2920
    bool size = false;                   // RFC 1870
    std::uint64_t size_limit = 0;        // RFC 1870 §4: 0 = no fixed limit announced
    bool eight_bit_mime = false;         // RFC 6152
    bool starttls = false;               // RFC 3207
    std::vector<std::string> auth;       // RFC 4954 mechanisms, upper-cased
    bool smtputf8 = false;               // RFC 6531
    bool dsn = false;                    // RFC 3461
    bool chunking = false;               // RFC 3030
    bool enhanced_status_codes = false;  // RFC 2034

    bool offers_auth(std::string_view mechanism) const;
};

// ehlo-ok-rsp (RFC 5321 §4.1.1.1): the first line is "Domain [ SP ehlo-greet ]", every
// further line "ehlo-keyword *( SP ehlo-param )". Keywords are case-insensitive; unknown
// keywords are ignored; the obsolete "AUTH=..." form some servers still send is accepted.
ServerCapabilities parse_ehlo_reply(const Reply& reply);

}  // namespace relaylab
