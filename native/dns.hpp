#pragma once
// Blocking DNS look-ups with c-ares (called from worker threads, never on the I/O thread),
// waiting with poll() (any descriptor number), never select().
#include <string>
#include <vector>

#include "engine/mx.hpp"

namespace relaylab::native {

// servers: "127.0.0.1:5353" or "192.0.2.1"; empty → the system's resolv.conf.
DnsMxAnswer resolve_mx(const std::vector<std::string>& servers, const std::string& domain);
DnsAddressAnswer resolve_a(const std::vector<std::string>& servers, const std::string& name);

}  // namespace relaylab::native
