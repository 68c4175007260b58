#pragma once
// The one way native code includes Boost.Asio (and OpenSSL's stream), with the short names
// the relay uses. Only the relay's own translation units include it: each costs seconds.
#include <utility>  // first: Boost 1.74's awaitable.hpp uses std::exchange without it (GCC 12)

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <chrono>
#include <cstdint>

namespace relaylab::native {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

inline std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now().time_since_epoch()).count();
}
inline std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace relaylab::native
