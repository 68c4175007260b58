// ServerConfig and what a server offers per EHLO (see server_config.hpp).
#include "engine/server_config.hpp"

namespace relaylab {

const char* role_name(Role role) {
    switch (role) {
        case Role::mx: return "mx";
        case Role::submission: return "submission";
        case Role::submissions: return "submissions";
    }
    return "mx";
}

AuthOffer auth_offer(const ServerConfig& config, bool tls) {
    if (!config.offer_auth || config.role == Role::mx) return AuthOffer::never;
    // RFC 4954 §4, RFC 3207 §4: on port 587 the password travels only inside TLS.
    if (config.role == Role::submission && !tls) return AuthOffer::after_starttls;
    return AuthOffer::now;
}

bool mail_requires_auth(const ServerConfig& config, bool authenticated) {
    return config.role != Role::mx && !authenticated;
}

bool ServerOffers::mail_parameter(std::string_view k) const {
    return (k == "SIZE" && esmtp) || (k == "BODY" && eight_bit_mime) || (k == "SMTPUTF8" && smtputf8) ||
           ((k == "RET" || k == "ENVID") && dsn) || (k == "AUTH" && auth);
}

bool ServerOffers::rcpt_parameter(std::string_view k) const { return (k == "NOTIFY" || k == "ORCPT") && dsn; }

ServerOffers server_offers(const ServerConfig& config, bool extended, bool tls) {
    ServerOffers o;
    if (!extended) return o;  // HELO: no extensions at all
    o.esmtp = true;
    o.pipelining = config.offer_pipelining;
    o.eight_bit_mime = config.offer_8bitmime;
    o.starttls = config.tls_available && !tls;
    o.auth = auth_offer(config, tls) == AuthOffer::now;
    o.smtputf8 = config.offer_smtputf8;
    o.dsn = config.offer_dsn;
    o.chunking = config.offer_chunking;
    return o;
}

std::size_t ehlo_reply_lines(const ServerOffers& o, std::string_view hostname, std::string_view size_line,
                             std::string_view (&lines)[k_max_ehlo_lines]) {
    std::size_t n = 0;
    lines[n++] = hostname;
    if (o.pipelining) lines[n++] = "PIPELINING";          // RFC 2920
    lines[n++] = size_line;                               // RFC 1870
    if (o.eight_bit_mime) lines[n++] = "8BITMIME";        // RFC 6152
    lines[n++] = "ENHANCEDSTATUSCODES";                   // RFC 2034
    if (o.starttls) lines[n++] = "STARTTLS";              // RFC 3207
    if (o.auth) lines[n++] = "AUTH PLAIN LOGIN";          // RFC 4954
    if (o.smtputf8) lines[n++] = "SMTPUTF8";              // RFC 6531
    if (o.dsn) lines[n++] = "DSN";                        // RFC 3461
    if (o.chunking) lines[n++] = "CHUNKING";              // RFC 3030
    return n;
}

}  // namespace relaylab
