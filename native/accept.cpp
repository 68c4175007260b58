// Descriptors: the RLIMIT_NOFILE the relay needs, and what an accept loop does when the
// descriptor table is full (EMFILE/ENFILE).
//
// A full table leaves the pending connection in the listen queue: the listener stays
// readable, and a loop that simply retries spins at 100% CPU without ever answering anyone.
// So the relay keeps one descriptor in reserve (open on /dev/null). On EMFILE/ENFILE it
// closes the reserve, accepts the waiting connection with it, answers "421 4.3.2" (RFC 5321
// §3.8: 421 and close; RFC 3463 X.3.2: system not accepting network messages), closes it,
// re-opens the reserve and pauses accepting briefly, as Go's net/http and libuv's users do.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "native/fd_budget.hpp"
#include "native/log.hpp"
#include "native/relay.hpp"

namespace relaylab::native {

void Relay::fit_descriptors() {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    const std::uint64_t hard = lim.rlim_max == RLIM_INFINITY ? (1u << 20) : lim.rlim_max;
    const std::uint64_t soft = lim.rlim_cur == RLIM_INFINITY ? hard : lim.rlim_cur;
    FdBudget b = fd_budget(cfg_.limits.connections, cfg_.limits.deliveries,
                           cfg_.listen.http.empty() ? 0 : cfg_.limits.http_connections, soft, hard);
    if (b.soft > soft) {
        lim.rlim_cur = static_cast<rlim_t>(b.soft);
        if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) {  // keep what we have; fit the connections in it
            b = fd_budget(cfg_.limits.connections, cfg_.limits.deliveries,
                          cfg_.listen.http.empty() ? 0 : cfg_.limits.http_connections, soft, soft);
        }
    }
    if (b.lowered) {
        log_event("connections-lowered", {{"configured", std::to_string(cfg_.limits.connections)},
                                          {"fit", std::to_string(b.connections)},
                                          {"nofile", std::to_string(b.soft)}});
        std::fprintf(stderr,
                     "relaylab: warning: limits.connections lowered from %d to %d: the descriptor limit "
                     "(ulimit -n) is %llu\n",
                     cfg_.limits.connections, b.connections, static_cast<unsigned long long>(b.soft));
        cfg_.limits.connections = b.connections;
    }
    m_.fd_limit = b.soft;
    m_.connections_limit = static_cast<std::uint64_t>(cfg_.limits.connections);
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

// After a failed accept: true to go on accepting (after a pause when it was EMFILE/ENFILE
// or anything unexpected, so a persistent error never turns into a busy loop).
awaitable<bool> Relay::accept_failed(tcp::acceptor& acc, const boost::system::error_code& ec,
                                     std::string_view refusal) {
    if (stopping_ || !acc.is_open()) co_return false;
    const bool no_fds = ec == boost::system::errc::too_many_files_open ||
                        ec == boost::system::errc::too_many_files_open_in_system;
    boost::system::error_code wec;
    if (no_fds) {
        // Linux's accept() takes a descriptor before it looks at the queue: EMFILE comes back
        // even when nobody is waiting. So each failure either takes a waiting connection (and
        // refuses it) or, when none waits, sleeps until one does: never a busy loop.
        ++m_.accept_fd_exhausted;
        bool took = false;
        if (reserve_fd_ >= 0) {
            ::close(reserve_fd_);
            reserve_fd_ = -1;
            const int fd = ::accept4(acc.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd >= 0) {
                took = true;
                ++m_.fd_refused;
                [[maybe_unused]] ssize_t n = ::send(fd, refusal.data(), refusal.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
                ::close(fd);
            }
            reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        }
        if (m_.accept_fd_exhausted == 1 || m_.accept_fd_exhausted % 1000 == 0)
            log_event("accept-no-descriptors", {{"error", ec.message()},
                                                {"times", std::to_string(m_.accept_fd_exhausted)}});
        if (took) co_return !stopping_ && acc.is_open();  // more may be waiting: answer them too
        co_await acc.async_wait(tcp::acceptor::wait_read, net::redirect_error(use_awaitable, wec));
        if (stopping_ || !acc.is_open()) co_return false;
    }
    // Back off briefly before the next accept (descriptors may be freed meanwhile), and after
    // any other error, so a persistent one never turns into a busy loop.
    net::steady_timer pause(io_);
    pause.expires_after(no_fds ? 50ms : 10ms);
    co_await pause.async_wait(net::redirect_error(use_awaitable, wec));
    co_return !stopping_ && acc.is_open();
}

}  // namespace relaylab::native
