// Descriptors needed vs the process limit (see fd_budget.hpp).
#include "native/fd_budget.hpp"

#include <algorithm>

namespace relaylab::native {

FdBudget fd_budget(int connections, int deliveries, int http_connections, std::uint64_t soft, std::uint64_t hard) {
    const std::uint64_t others = k_fixed_fds + static_cast<std::uint64_t>(std::max(deliveries, 0)) +
                                 static_cast<std::uint64_t>(std::max(http_connections, 0));
    const std::uint64_t need = others + static_cast<std::uint64_t>(std::max(connections, 1));
    FdBudget b;
    // Raise towards the hard limit as far as needed; never lower what we were given.
    b.soft = std::max(soft, std::min(need, hard));
    if (b.soft >= need) {
        b.connections = connections;
        return b;
    }
    const std::uint64_t room = b.soft > others ? b.soft - others : 0;
    b.connections = static_cast<int>(std::max<std::uint64_t>(room, 1));
    b.lowered = b.connections < connections;
    return b;
}

}  // namespace relaylab::native
