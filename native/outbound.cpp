// Outbound SMTP: channels, one connection and one ClientSession each, reused for message
// after message to the same target (RFC 5321 §4.5.4.1 has no objection; Postfix does the
// same), closed after a short idle time. The ClientConfig (TLS policy, EHLO name, timeouts)
// is the delivery core's Connect step; what the session's end means is the core's too: this
// file only reports it (SessionReport, or the connection error).
#include "native/conn.hpp"
#include "native/log.hpp"
#include "native/relay.hpp"

namespace relaylab::native {

namespace {

std::string channel_key(const Connect& t) {
    return t.ip + ":" + std::to_string(t.port) + ":" + std::to_string(static_cast<int>(t.client.tls)) + ":" +
           t.client.helo_name;
}

void finish(OutJob* j) {
    j->done = true;
    j->signal.cancel();
}

}  // namespace

// A job waits on its own timer, which the channel cancels when the job's outcome is known.
awaitable<void> Relay::smtp_client(OutJob& job, const Connect& target) {
    const std::string key = channel_key(target);
    for (int tries = 0; tries < 3; ++tries) {
        job.done = job.resend = false;
        auto& list = channels_[key];
        std::erase_if(list, [](const std::shared_ptr<Channel>& c) { return !c->accepting; });
        std::shared_ptr<Channel> ch;
        for (auto& c : list)
            if (!ch || c->load() < ch->load()) ch = c;
        if (!ch || (ch->load() > 0 && static_cast<int>(list.size()) < cfg_.limits.deliveries)) {
            ch = std::make_shared<Channel>(io_);
            list.push_back(ch);
            net::co_spawn(io_, run_channel(ch, target), net::detached);
        }
        ch->waiting.push_back(&job);
        ch->wake.cancel();
        while (!job.done) {
            boost::system::error_code ec;
            job.signal.expires_at(steady::time_point::max());
            co_await job.signal.async_wait(net::redirect_error(use_awaitable, ec));
        }
        if (!job.resend) break;
    }
    if (job.resend) job.report.failure = SessionFailure::connection_lost;  // the host kept closing
}

awaitable<void> Relay::run_channel(std::shared_ptr<Channel> ch, Connect target) {
    std::map<std::size_t, OutJob*> inflight;
    auto give_back = [&] {  // jobs no session took: to another channel
        ch->accepting = false;
        while (!ch->waiting.empty()) {
            OutJob* j = ch->waiting.front();
            ch->waiting.pop_front();
            j->resend = true;
            finish(j);
        }
    };
    const std::string where = target.ip + ":" + std::to_string(target.port);
    boost::system::error_code ec;
    auto conn = std::make_shared<Conn>(tcp::socket(io_));
    conn->start_watchdog();
    auto addr = net::ip::make_address(target.ip, ec);
    if (!ec) {
        conn->expires_after(std::min<std::chrono::milliseconds>(30s, std::chrono::milliseconds(target.client.timeouts.greeting)));
        co_await conn->sock.async_connect(tcp::endpoint(addr, target.port), net::redirect_error(use_awaitable, ec));
    }
    if (ec || conn->timed_out) {
        const std::string why = conn->timed_out ? std::string("timeout") : ec.message();
        log_event("connect-failed", {{"to", where}, {"error", why}});
        ch->accepting = false;
        while (!ch->waiting.empty()) {
            OutJob* j = ch->waiting.front();
            ch->waiting.pop_front();
            j->connect_error = why;
            finish(j);
        }
        conn->close();
        co_return;
    }
    ClientConfig cc = target.client;
    // The relay logs events; traces only for the live view (live_relay.cpp).
    std::optional<LiveContext> live = live_open("out-" + std::to_string(++live_out_counter_), "outbound",
                                                cfg_.hostname, where, false);
    cc.trace = live.has_value();
    if (live) {  // the attempt that opened this connection, typed (host, address, port)
        TraceEvent open;
        open.t_ms = steady_ms();
        open.kind = TraceKind::connect;
        open.phase = TracePhase::connect;
        open.to = where;
        open.connect = TraceConnect{target.host, target.ip, target.port};
        open.text = "connect to " + target.host + " (" + where + ")";
        open.explain = "The relay opened a TCP connection to the next server's SMTP port.";
        open.rfc = "RFC 5321 §3.1";
        std::vector<TraceEvent> opened;
        opened.push_back(std::move(open));
        live_emit(*live, std::move(opened));
    }
    ClientSession c(cc, steady_ms());
    auto live_drain = [&] {  // events of a lone message in flight concern it
        if (!live) return;
        live->message = inflight.size() == 1 ? inflight.begin()->second->queue_id : std::string();
        live_emit(*live, c.take_trace());
    };
    std::string buf(16 * 1024, '\0');
    bool quitting = false;
    int sent = 0;
    for (;;) {
        while (!quitting && !ch->waiting.empty()) {
            OutJob* j = ch->waiting.front();
            ch->waiting.pop_front();
            if (auto n = c.send(*j->msg, steady_ms())) {
                inflight[*n] = j;
                if (live) live_.add_message(live->session, j->queue_id);
                ch->in_session = inflight.size();
                ++sent;
            } else {
                j->resend = true;
                finish(j);
            }
        }
        live_drain();  // before the jobs' outcomes take them out of flight
        bool tls = false, closed = false;
        std::vector<OutJob*> done;
        std::optional<Reply> failure_reply;
        while (auto ev = c.next_event()) {
            if (std::holds_alternative<TlsStartEvent>(*ev)) {
                tls = true;
            } else if (auto* d = std::get_if<MessageDoneEvent>(&*ev)) {
                auto it = inflight.find(d->outcome.message);
                if (it != inflight.end()) {
                    it->second->report.outcome = d->outcome;
                    done.push_back(it->second);
                    inflight.erase(it);
                }
            } else if (auto* cl = std::get_if<ClosedEvent>(&*ev)) {
                closed = true;
                failure_reply = cl->reply;
            }
        }
        ch->in_session = inflight.size();
        // A message and the session failing come out of the same feed: tell the jobs why.
        for (OutJob* j : done) {
            j->report.failure = c.failure();
            if (closed) j->report.failure_reply = failure_reply;
            finish(j);
        }
        std::string out = c.take_output();
        if (!out.empty()) {
            conn->expires_after(std::chrono::milliseconds(cc.timeouts.data_block));  // RFC 5321 §4.5.3.2.5
            co_await conn->write(out, ec);
            if (ec) {
                c.feed_eof(steady_ms());
                continue;
            }
        }
        if (tls) {
            conn->expires_after(std::chrono::milliseconds(cc.timeouts.other));
            co_await conn->handshake(client_tls_, ssl::stream_base::client, target.host, ec);
            if (ec || conn->timed_out) {
                ++m_.tls_failures;
                c.tls_failed(conn->timed_out ? std::string("timeout") : ec.message(), steady_ms());
            } else {
                ++m_.tls_handshakes;
                c.tls_established(conn->tls_version(), steady_ms());
            }
            continue;
        }
        if (closed) break;
        if (inflight.empty() && !quitting) {
            // Idle between messages: wait a little for the next one, then QUIT.
            if (ch->waiting.empty() && sent < 1000 && !stopping_) {
                ch->wake.expires_after(2s);
                co_await ch->wake.async_wait(net::redirect_error(use_awaitable, ec));
            }
            if (ch->waiting.empty() || sent >= 1000 || stopping_) {
                quitting = true;
                ch->accepting = false;
                c.quit(steady_ms());
            }
            continue;
        }
        const auto dl = c.next_deadline();
        conn->expires_after(std::chrono::milliseconds(dl ? std::max<std::int64_t>(1, *dl - steady_ms()) : 600'000));
        std::size_t n = co_await conn->read_some(net::buffer(buf), ec);
        if (conn->timed_out) {
            c.on_timeout(steady_ms());
            continue;
        }
        if (ec) {
            c.feed_eof(steady_ms());
            continue;
        }
        c.feed(std::string_view(buf.data(), n), steady_ms());
    }
    live_drain();
    live_close(live, "closed");
    for (auto& [n, j] : inflight) {  // the engine promises a MessageDone each; belt and braces
        j->report.failure = SessionFailure::connection_lost;
        finish(j);
    }
    give_back();
    conn->close();
}

}  // namespace relaylab::native
