#include "native/dns.hpp"  // first: Asio (and <utility> before it)

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>

namespace relaylab::native {

namespace {

struct Result {
    bool done = false;
    int status = ARES_SUCCESS;
    std::vector<unsigned char> answer;
};

void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    auto* r = static_cast<Result*>(arg);
    r->done = true;
    r->status = status;
    if (abuf && alen > 0) r->answer.assign(abuf, abuf + alen);
}

DnsStatus status_of(int ares_status) {
    switch (ares_status) {
        case ARES_SUCCESS: return DnsStatus::ok;
        case ARES_ENOTFOUND: return DnsStatus::nxdomain;
        case ARES_ENODATA: return DnsStatus::nodata;
        case ARES_ETIMEOUT: return DnsStatus::timeout;
        default: return DnsStatus::servfail;
    }
}

// One query, driven by the relay's io_context: c-ares tells us (sock_state_cb) which sockets
// it wants watched; each is wrapped in a posix::stream_descriptor whose async_wait calls
// ares_process_fd when the socket is ready, and a timer calls it for c-ares's own timeouts.
// No thread blocks, and any descriptor number works (select() is undefined for >= 1024).
struct AresQuery : std::enable_shared_from_this<AresQuery> {
    explicit AresQuery(net::any_io_executor e) : ex(e), timer(e) {}
    struct Watch {
        std::unique_ptr<net::posix::stream_descriptor> d;
        bool want_read = false, want_write = false, waiting_read = false, waiting_write = false;
        std::uint64_t generation = 0;
    };
    net::any_io_executor ex;
    net::steady_timer timer;  // c-ares timeouts; cancelled when a socket made progress
    ares_channel ch = nullptr;
    Result result;
    std::map<ares_socket_t, Watch> watches;
    std::uint64_t generations = 0;

    static void on_state(void* data, ares_socket_t fd, int readable, int writable) {
        static_cast<AresQuery*>(data)->state(fd, readable != 0, writable != 0);
    }
    void state(ares_socket_t fd, bool readable, bool writable) {
        if (!readable && !writable) {  // c-ares is about to close it: let go first
            auto it = watches.find(fd);
            if (it != watches.end()) {
                boost::system::error_code ec;
                it->second.d->cancel(ec);
                it->second.d->release();
                watches.erase(it);
            }
            return;
        }
        Watch& w = watches[fd];
        if (!w.d) {
            w.d = std::make_unique<net::posix::stream_descriptor>(ex, fd);
            w.generation = ++generations;
        }
        w.want_read = readable;
        w.want_write = writable;
        arm(fd);
    }
    void arm(ares_socket_t fd) {
        auto it = watches.find(fd);
        if (it == watches.end()) return;
        Watch& w = it->second;
        auto wait = [&](bool read) {
            auto self = shared_from_this();
            const std::uint64_t gen = w.generation;
            w.d->async_wait(read ? net::posix::descriptor_base::wait_read : net::posix::descriptor_base::wait_write,
                            [self, fd, gen, read](const boost::system::error_code& ec) { self->ready(fd, gen, read, ec); });
        };
        if (w.want_read && !w.waiting_read) {
            w.waiting_read = true;
            wait(true);
        }
        if (w.want_write && !w.waiting_write) {
            w.waiting_write = true;
            wait(false);
        }
    }
    void ready(ares_socket_t fd, std::uint64_t gen, bool read, const boost::system::error_code& ec) {
        auto it = watches.find(fd);
        if (it == watches.end() || it->second.generation != gen) return;  // released meanwhile
        (read ? it->second.waiting_read : it->second.waiting_write) = false;
        if (ec == net::error::operation_aborted || !ch) return;
        ares_process_fd(ch, read ? fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : fd);
        arm(fd);  // still wanted (the watch may be gone: arm checks)
        timer.cancel();  // the coroutine re-reads ares_timeout, or sees the answer
    }
};

awaitable<Result> query(const std::vector<std::string>& servers, const std::string& name, int type) {
    static std::once_flag once;
    std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
    auto q = std::make_shared<AresQuery>(co_await net::this_coro::executor);
    ares_options opts{};
    opts.timeout = 2000;  // ms per try (ARES_OPT_TIMEOUTMS)
    opts.tries = 2;
    opts.sock_state_cb = &AresQuery::on_state;
    opts.sock_state_cb_data = q.get();
    if (ares_init_options(&q->ch, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB) != ARES_SUCCESS) {
        q->result.status = ARES_ESERVFAIL;
        co_return q->result;
    }
    if (!servers.empty()) {
        std::string csv;
        for (const auto& s : servers) csv += (csv.empty() ? "" : ",") + s;
        ares_set_servers_ports_csv(q->ch, csv.c_str());
    }
    ares_query(q->ch, name.c_str(), ns_c_in, type, on_answer, &q->result);
    // Bounded: c-ares gives up after its tries; the guard and the 30 s cap are belts and braces.
    const auto give_up = steady::now() + 30s;
    for (int guard = 0; !q->result.done && guard < 10000 && steady::now() < give_up; ++guard) {
        timeval tv{};
        const timeval* tvp = ares_timeout(q->ch, nullptr, &tv);
        const auto wait = tvp ? std::chrono::milliseconds(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000)
                              : std::chrono::milliseconds(1000);
        q->timer.expires_after(wait);
        boost::system::error_code ec;
        co_await q->timer.async_wait(net::redirect_error(use_awaitable, ec));
        if (!ec && !q->result.done) ares_process_fd(q->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
    }
    ares_channel ch = q->ch;
    q->ch = nullptr;
    ares_destroy(ch);  // completes a pending query with ARES_EDESTRUCTION; releases the watches
    if (!q->result.done) q->result.status = ARES_ETIMEOUT;
    co_return q->result;
}

}  // namespace

awaitable<DnsMxAnswer> resolve_mx(const std::vector<std::string>& servers, const std::string& domain) {
    DnsMxAnswer out;
    Result r = co_await query(servers, domain, ns_t_mx);
    out.status = status_of(r.status);
    if (out.status != DnsStatus::ok) co_return out;
    ares_mx_reply* mx = nullptr;
    const int st = ares_parse_mx_reply(r.answer.data(), static_cast<int>(r.answer.size()), &mx);
    if (st != ARES_SUCCESS) {
        out.status = st == ARES_ENODATA ? DnsStatus::nodata : DnsStatus::servfail;
        co_return out;
    }
    for (auto* p = mx; p; p = p->next) {
        std::string host = p->host ? p->host : "";
        out.records.push_back(MxRecord{p->priority, host.empty() ? "." : host});
    }
    ares_free_data(mx);
    if (out.records.empty()) out.status = DnsStatus::nodata;
    co_return out;
}

awaitable<DnsAddressAnswer> resolve_address(const std::vector<std::string>& servers, const std::string& name,
                                            AddressType type) {
    DnsAddressAnswer out;
    const bool v6 = type == AddressType::aaaa;
    Result r = co_await query(servers, name, v6 ? ns_t_aaaa : ns_t_a);
    out.status = status_of(r.status);
    if (out.status != DnsStatus::ok) co_return out;
    hostent* host = nullptr;
    int n = 16;
    int st = ARES_SUCCESS;
    ares_addrttl a4[16];
    ares_addr6ttl a6[16];
    const auto* abuf = r.answer.data();
    const int alen = static_cast<int>(r.answer.size());
    st = v6 ? ares_parse_aaaa_reply(abuf, alen, &host, a6, &n) : ares_parse_a_reply(abuf, alen, &host, a4, &n);
    if (host) ares_free_hostent(host);
    if (st != ARES_SUCCESS) {
        out.status = st == ARES_ENODATA ? DnsStatus::nodata : DnsStatus::servfail;
        co_return out;
    }
    for (int i = 0; i < n; ++i) {
        char buf[INET6_ADDRSTRLEN];
        const void* src = v6 ? static_cast<const void*>(&a6[i].ip6addr) : static_cast<const void*>(&a4[i].ipaddr);
        if (inet_ntop(v6 ? AF_INET6 : AF_INET, src, buf, sizeof buf)) out.addresses.push_back(buf);
    }
    if (out.addresses.empty()) out.status = DnsStatus::nodata;
    co_return out;
}

}  // namespace relaylab::native
