// TLS server contexts per listener role (see tls_profile.hpp).
#include "native/tls_profile.hpp"

#include <stdexcept>

namespace relaylab::native {

const char* const k_intermediate_tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
const char* const k_broad_tls12_ciphers = "ALL:!aNULL:!eNULL:!EXPORT:!LOW:!RC4:!MD5:!3DES";

void configure_server_tls(ssl::context& ctx, TlsProfile profile, const std::string& cert, const std::string& key,
                          const std::string& sid_context) {
    // RFC 8996 / RFC 8314 §4.1: TLS 1.2 or later only, on every listener.
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX* c = ctx.native_handle();
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    const char* list = profile == TlsProfile::intermediate ? k_intermediate_tls12_ciphers : k_broad_tls12_ciphers;
    if (SSL_CTX_set_cipher_list(c, list) != 1) throw std::runtime_error("bad TLS 1.2 cipher list");
    // TLS 1.3 suites: OpenSSL's default (AES-GCM and ChaCha20-Poly1305), all AEAD, in both profiles.
    ctx.use_certificate_chain_file(cert);
    ctx.use_private_key_file(key, ssl::context::pem);
    // Session resumption: a returning client skips the full handshake. TLS 1.3 tickets (two
    // per handshake, OpenSSL's default) and TLS 1.2 tickets or session IDs from the
    // server-side cache; a session ID context is set so cached sessions are resumable.
    SSL_CTX_set_session_id_context(c, reinterpret_cast<const unsigned char*>(sid_context.data()),
                                   static_cast<unsigned int>(sid_context.size()));
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(c, 20'000);
    SSL_CTX_set_timeout(c, 7200);
    SSL_CTX_clear_options(c, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(c, 2);
}

}  // namespace relaylab::native
