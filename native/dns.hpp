#pragma once
// DNS look-ups with c-ares, driven by the relay's io_context (its sockets are watched with
// posix::stream_descriptor, its timeouts with a steady_timer): no worker thread blocks in
// select(), and descriptors of any number work.
#include <string>
#include <vector>

#include "engine/mx.hpp"
#include "native/asio.hpp"

namespace relaylab::native {

// servers: "127.0.0.1:5353" or "192.0.2.1"; empty → the system's resolv.conf.
// The arguments must outlive the co_await (named locals of the caller).
awaitable<DnsMxAnswer> resolve_mx(const std::vector<std::string>& servers, const std::string& domain);
// One address question: AAAA (IPv6) or A (IPv4), as the delivery core asks it.
awaitable<DnsAddressAnswer> resolve_address(const std::vector<std::string>& servers, const std::string& name,
                                            AddressType type);

}  // namespace relaylab::native
