// The self-signed certificate made on first start: the private key is never readable by
// others, not even for a moment (created 0600, whatever the umask).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>

#include "native/tls_cert.hpp"

using namespace relaylab::native;

TEST_CASE("self-signed certificate: key file mode 0600 under a permissive umask") {
    char tmpl[] = "/tmp/relaylab-cert.XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    const mode_t old = ::umask(0);
    std::string cert, key, error;
    const bool ok = ensure_self_signed(dir + "/tls", "relay.lab.test", cert, key, error);
    ::umask(old);
    REQUIRE(ok);
    struct stat st {};
    REQUIRE(::stat(key.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(st.st_size > 0);
    REQUIRE(::stat(cert.c_str(), &st) == 0);
    CHECK(st.st_size > 0);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}
