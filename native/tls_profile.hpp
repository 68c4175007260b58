#pragma once
// One TLS server context per listener role, each with its profile:
//  - submission, submissions (and any HTTPS): Mozilla's "intermediate" configuration
//    (https://wiki.mozilla.org/Security/Server_Side_TLS, v5.7): TLS 1.3, and TLS 1.2 with
//    ECDHE key exchange and AEAD ciphers only (AES-GCM, ChaCha20-Poly1305); the client's
//    preference order (the intermediate profile does not force the server's). These are the
//    ports where passwords travel (RFC 8314 §4.1).
//  - mx (port 25): a broad list. STARTTLS there is opportunistic (RFC 7435 §1, RFC 3207):
//    a peer that cannot do our preferred suites would otherwise send in clear text, and any
//    encryption beats none. Still TLS 1.2 or later (RFC 8996), and no unauthenticated,
//    null, export, RC4, 3DES or MD5 suites.
#include <string>

#include "native/asio.hpp"

namespace relaylab::native {

enum class TlsProfile { broad, intermediate };

extern const char* const k_intermediate_tls12_ciphers;
extern const char* const k_broad_tls12_ciphers;

// Protocol floor, cipher list, certificate and key, and session resumption (tickets and a
// server-side session cache under sid_context). Throws on a bad certificate or key.
void configure_server_tls(ssl::context& ctx, TlsProfile profile, const std::string& cert, const std::string& key,
                          const std::string& sid_context);

}  // namespace relaylab::native
