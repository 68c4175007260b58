#include "native/tls_cert.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace relaylab::native {

bool ensure_self_signed(const std::string& dir, const std::string& hostname, std::string& cert_path,
                        std::string& key_path, std::string& error) {
    cert_path = dir + "/cert.pem";
    key_path = dir + "/key.pem";
    std::error_code ec;
    if (std::filesystem::exists(cert_path, ec) && std::filesystem::exists(key_path, ec)) return true;
    std::filesystem::create_directories(dir, ec);
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    X509* x = X509_new();
    bool ok = pkey && x;
    if (ok) {
        X509_set_version(x, 2);
        unsigned char serial[8];
        RAND_bytes(serial, sizeof serial);
        serial[0] &= 0x7f;
        BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
        BN_free(bn);
        X509_gmtime_adj(X509_getm_notBefore(x), -3600);
        X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600);
        X509_set_pubkey(x, pkey);
        X509_NAME* name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(hostname.c_str()),
                                   -1, -1, 0);
        X509_set_issuer_name(x, name);
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
        const std::string san = "DNS:" + hostname;
        if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str())) {
            X509_add_ext(x, ext, -1);
            X509_EXTENSION_free(ext);
        }
        ok = X509_sign(x, pkey, EVP_sha256()) > 0;
    }
    if (ok) {
        // The private key is created with mode 0600 from its first byte (O_CREAT|O_EXCL, not
        // fopen then chmod: between the two the key would be readable under a loose umask).
        // A leftover key without its certificate is replaced through the same exclusive create.
        ::unlink(key_path.c_str());
        const int kfd = ::open(key_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        FILE* kf = kfd >= 0 ? ::fdopen(kfd, "wb") : nullptr;
        if (kfd >= 0 && !kf) ::close(kfd);
        ok = kf && PEM_write_PrivateKey(kf, pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1;
        if (kf) ok = std::fclose(kf) == 0 && ok;
        FILE* cf = ok ? std::fopen(cert_path.c_str(), "wb") : nullptr;
        ok = ok && cf && PEM_write_X509(cf, x) == 1;
        if (cf) std::fclose(cf);
    }
    X509_free(x);
    EVP_PKEY_free(pkey);
    if (!ok) error = "cannot create a self-signed certificate in " + dir;
    return ok;
}

}  // namespace relaylab::native
