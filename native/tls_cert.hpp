#pragma once
// A self-signed certificate for the relay's first start (OpenSSL 3).
#include <string>

namespace relaylab::native {

// Creates <dir>/cert.pem and <dir>/key.pem (P-256, SAN = hostname, 10 years) unless both
// exist; returns their paths.
bool ensure_self_signed(const std::string& dir, const std::string& hostname, std::string& cert_path,
                        std::string& key_path, std::string& error);

}  // namespace relaylab::native
