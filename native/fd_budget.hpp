#pragma once
// How many descriptors the relay needs, and how many SMTP connections fit in what the
// process may open (RLIMIT_NOFILE). Pure arithmetic, so it is unit-tested; relay.cpp does
// the getrlimit/setrlimit and logs the outcome.
//
//   FdBudget b = fd_budget(want_connections, deliveries, http_connections, soft, hard);
//   setrlimit(soft = b.soft);  if (b.connections < want_connections) log it, expose it.
//
// Each SMTP connection takes one descriptor, each outbound delivery one, each HTTP
// connection one; k_fixed_fds covers the listeners, epoll, the spool and users files,
// c-ares sockets, the log, the thread pools' pipes and the reserve descriptor kept for
// answering "421" when the table is full.
#include <cstdint>

namespace relaylab::native {

constexpr std::uint64_t k_fixed_fds = 48;

struct FdBudget {
    std::uint64_t soft = 0;  // the soft limit to set (never above hard, never below the current soft)
    int connections = 0;     // SMTP connections that fit (at least 1)
    bool lowered = false;    // connections < the configured limits.connections
};

FdBudget fd_budget(int connections, int deliveries, int http_connections, std::uint64_t soft, std::uint64_t hard);

}  // namespace relaylab::native
