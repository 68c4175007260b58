#include "native/dns.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <poll.h>

#include <cstring>
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

Result query(const std::vector<std::string>& servers, const std::string& name, int type) {
    static std::once_flag once;
    std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
    Result result;
    ares_channel ch = nullptr;
    ares_options opts{};
    opts.timeout = 2000;  // ms per try (ARES_OPT_TIMEOUTMS)
    opts.tries = 2;
    if (ares_init_options(&ch, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS) {
        result.status = ARES_ESERVFAIL;
        return result;
    }
    if (!servers.empty()) {
        std::string csv;
        for (const auto& s : servers) csv += (csv.empty() ? "" : ",") + s;
        ares_set_servers_ports_csv(ch, csv.c_str());
    }
    ares_query(ch, name.c_str(), ns_c_in, type, on_answer, &result);
    // poll(), not select(): select() is undefined for descriptors >= 1024, which a busy relay
    // (limits.connections in the thousands) reaches. ares_getsock names the sockets c-ares
    // waits on; ares_process_fd handles each one that is ready, and timeouts.
    for (int guard = 0; !result.done && guard < 10000; ++guard) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        const int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
        pollfd pfds[ARES_GETSOCK_MAXNUM];
        nfds_t n = 0;
        for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
            const bool r = ARES_GETSOCK_READABLE(bits, i), w = ARES_GETSOCK_WRITABLE(bits, i);
            if (!r && !w) continue;
            pfds[n++] = pollfd{socks[i], static_cast<short>((r ? POLLIN : 0) | (w ? POLLOUT : 0)), 0};
        }
        if (n == 0) break;
        timeval tv{};
        const timeval* tvp = ares_timeout(ch, nullptr, &tv);
        const int ms = tvp ? static_cast<int>(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000) : 1000;
        if (::poll(pfds, n, ms) <= 0) {
            ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
            continue;
        }
        for (nfds_t i = 0; i < n; ++i) {
            if (pfds[i].revents == 0) continue;
            const bool readable = (pfds[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
            const bool writable = (pfds[i].revents & POLLOUT) != 0;
            ares_process_fd(ch, readable ? pfds[i].fd : ARES_SOCKET_BAD, writable ? pfds[i].fd : ARES_SOCKET_BAD);
        }
    }
    ares_destroy(ch);  // completes a pending query with ARES_EDESTRUCTION
    if (!result.done) result.status = ARES_ETIMEOUT;
    return result;
}

}  // namespace

DnsMxAnswer resolve_mx(const std::vector<std::string>& servers, const std::string& domain) {
    DnsMxAnswer out;
    Result r = query(servers, domain, ns_t_mx);
    out.status = status_of(r.status);
    if (out.status != DnsStatus::ok) return out;
    ares_mx_reply* mx = nullptr;
    const int st = ares_parse_mx_reply(r.answer.data(), static_cast<int>(r.answer.size()), &mx);
    if (st != ARES_SUCCESS) {
        out.status = st == ARES_ENODATA ? DnsStatus::nodata : DnsStatus::servfail;
        return out;
    }
    for (auto* p = mx; p; p = p->next) {
        std::string host = p->host ? p->host : "";
        out.records.push_back(MxRecord{p->priority, host.empty() ? "." : host});
    }
    ares_free_data(mx);
    if (out.records.empty()) out.status = DnsStatus::nodata;
    return out;
}

DnsAddressAnswer resolve_a(const std::vector<std::string>& servers, const std::string& name) {
    DnsAddressAnswer out;
    Result r = query(servers, name, ns_t_a);
    out.status = status_of(r.status);
    if (out.status != DnsStatus::ok) return out;
    ares_addrttl addrs[16];
    int n = 16;
    hostent* host = nullptr;
    const int st = ares_parse_a_reply(r.answer.data(), static_cast<int>(r.answer.size()), &host, addrs, &n);
    if (host) ares_free_hostent(host);
    if (st != ARES_SUCCESS) {
        out.status = st == ARES_ENODATA ? DnsStatus::nodata : DnsStatus::servfail;
        return out;
    }
    for (int i = 0; i < n; ++i) {
        char buf[INET_ADDRSTRLEN];
        if (inet_ntop(AF_INET, &addrs[i].ipaddr, buf, sizeof buf)) out.addresses.push_back(buf);
    }
    if (out.addresses.empty()) out.status = DnsStatus::nodata;
    return out;
}

}  // namespace relaylab::native
