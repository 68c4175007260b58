// The SMTP server side: accepting connections per role, running a ServerSession on each, the
// relay policy's answers to MAIL/RCPT, AUTH against the users file, and message acceptance
// (durable in the spool before "250", RFC 5321 §6.1).
#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "engine/ascii.hpp"
#include "engine/header_fixup.hpp"
#include "engine/received.hpp"
#include "native/conn.hpp"
#include "native/log.hpp"
#include "native/relay.hpp"

namespace relaylab::native {

awaitable<void> Relay::accept_loop(Listener& l) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket sock = co_await l.acceptor->async_accept(net::redirect_error(use_awaitable, ec));
        if (ec) {
            // EMFILE/ENFILE: "421 4.3.2" with the reserve descriptor, then a pause (accept.cpp).
            const std::string refusal = "421 4.3.2 " + cfg_.hostname + " out of resources, try again later\r\n";
            if (!co_await accept_failed(*l.acceptor, ec, refusal)) co_return;
            continue;
        }
        net::co_spawn(io_, smtp_session(std::move(sock), l.role), net::detached);
    }
}

awaitable<void> Relay::smtp_session(tcp::socket sock, Role role) {
    boost::system::error_code ec;
    auto remote = sock.remote_endpoint(ec);
    if (ec) co_return;
    std::string ip = remote.address().to_string();
    if (remote.address().is_v6() && remote.address().to_v6().is_v4_mapped())
        ip = net::ip::make_address_v4(net::ip::v4_mapped, remote.address().to_v6()).to_string();
    auto conn = std::make_shared<Conn>(std::move(sock));
    conn->start_watchdog();
    const std::uint64_t sid = ++session_counter_;
    // Connection limits: overall and per client address (RFC 5321 §4.3.2: 421 at greeting).
    // limits.connections_per_minute: new connections per address (GCRA, engine/rate_limit.hpp).
    const bool too_fast = !stopping_ && !connection_rate_.allow(ip, steady_ms());
    if (too_fast || active_ >= cfg_.limits.connections || per_ip_[ip] >= cfg_.limits.per_ip || stopping_) {
        ++m_.sessions_refused;
        if (too_fast) ++m_.rate_connections;
        log_event("session-refused", {{"session", std::to_string(sid)}, {"ip", ip},
                                      {"reason", too_fast ? "connection rate" : "connection limit"}});
        conn->expires_after(5s);
        const std::string busy =
            "421 4.7.0 " + cfg_.hostname +
            (too_fast ? " too many connections from your address per minute, try again later\r\n"
                      : " too many connections, try again later\r\n");
        co_await conn->write(busy, ec);
        conn->close();
        if (per_ip_[ip] == 0) per_ip_.erase(ip);
        co_return;
    }
    ++active_;
    ++per_ip_[ip];
    ++m_.sessions_total;
    ++m_.sessions_active;
    const auto started = steady::now();
    const std::string no_sni;
    refresh_users();
    log_event("session-open", {{"session", std::to_string(sid)}, {"role", role_name(role)}, {"ip", ip}});
    std::string reason = "quit";
    std::uint64_t messages = 0;
    // The live view (live_relay.cpp): traced only when watched, or always in sandbox mode.
    std::optional<LiveContext> live = live_open("in-" + std::to_string(sid), role == Role::mx ? "smtp" : role_name(role),
                                                ip, cfg_.hostname, true);
    try {
        const bool implicit = role == Role::submissions;
        std::string tls_version;
        if (implicit) {  // RFC 8314 §3.3: TLS from the first byte
            conn->expires_after(30s);
            co_await conn->handshake(server_tls(role), ssl::stream_base::server, no_sni, ec);
            if (ec) {
                ++m_.tls_failures;
                throw std::runtime_error("tls handshake: " + ec.message());
            }
            ++m_.tls_handshakes;
            if (conn->tls_resumed()) ++m_.tls_resumed;
            tls_version = conn->tls_version();
        }
        ServerConfig sc;
        sc.role = role;
        sc.hostname = cfg_.hostname;
        sc.tls_available = true;
        sc.max_message_size = cfg_.relay.max_message_size;
        sc.trace = live.has_value();
        sc.command_timeout_ms = cfg_.limits.command_timeout_ms;
        sc.data_timeout_ms = 2 * cfg_.limits.command_timeout_ms;
        sc.min_data_rate_bps = static_cast<std::uint64_t>(cfg_.limits.min_data_rate_bps);
        sc.max_junk_commands = cfg_.limits.junk_commands;
        sc.strict_8bitmime = cfg_.relay.strict_8bitmime;  // RFC 6152 §3; Postfix's strict_8bitmime
        ServerSession s(sc, steady_ms(), implicit);
        if (implicit) s.set_tls_version(tls_version);
        RelayClient client;
        client.role = role;
        client.ip = ip;
        std::string buf(8 * 1024, '\0');  // per connection: keep idle sessions small
        for (;;) {
            bool starttls = false, drop = false;
            while (!drop) {
                auto ev = s.next_event();
                if (!ev) break;
                if (s.connection().authenticated) client.auth_user = s.connection().auth_user;
                co_await handle_event(s, *ev, client, sid, starttls, drop);
                if (std::holds_alternative<MessageEvent>(*ev) && !drop) ++messages;
                if (live) live_emit(*live, s.take_trace());
            }
            if (live) live_emit(*live, s.take_trace());
            std::string out = s.take_output();
            if (!out.empty() && chaos_.slow_reply_ms > 0) {  // chaos: every reply held back
                net::steady_timer t(io_);
                t.expires_after(std::chrono::milliseconds(chaos_.slow_reply_ms));
                co_await t.async_wait(net::redirect_error(use_awaitable, ec));
            }
            if (!out.empty()) {
                conn->expires_after(60s);
                co_await conn->write(out, ec);
                if (ec) throw std::runtime_error("write: " + ec.message());
            }
            if (drop) {  // chaos: the message gets no reply and is not kept; the client retries
                reason = "chaos: dropped after DATA";
                break;
            }
            if (starttls) {
                conn->expires_after(30s);
                co_await conn->handshake(server_tls(role), ssl::stream_base::server, no_sni, ec);
                if (ec) {
                    ++m_.tls_failures;
                    throw std::runtime_error("starttls handshake: " + ec.message());
                }
                ++m_.tls_handshakes;
                if (conn->tls_resumed()) ++m_.tls_resumed;
                s.tls_established(conn->tls_version(), steady_ms());
                continue;
            }
            if (s.wants_close()) break;
            const std::int64_t dl = s.next_deadline();
            const std::int64_t wait = dl == ServerSession::k_no_deadline ? 600'000 : std::max<std::int64_t>(1, dl - steady_ms());
            conn->expires_after(std::chrono::milliseconds(wait));
            std::size_t n = co_await conn->read_some(net::buffer(buf), ec);
            if (conn->timed_out) {
                reason = "timeout";
                s.on_timeout(steady_ms());  // "421 4.4.2" and close
                continue;
            }
            if (ec) {
                if (ec != net::error::eof && ec != ssl::error::stream_truncated) reason = "read: " + ec.message();
                else reason = "eof";
                s.feed_eof(steady_ms());
                (void)s.take_output();  // the client is gone
                if (live) live_emit(*live, s.take_trace());
                break;
            }
            s.feed(std::string_view(buf.data(), n), steady_ms());
        }
    } catch (const std::exception& e) {
        reason = e.what();
    }
    live_close(live, reason);
    if (reason == "quit" || reason == "eof") conn->keep_tls_session();  // resumable by session ID
    conn->close();
    --active_;
    --m_.sessions_active;
    if (--per_ip_[ip] <= 0) per_ip_.erase(ip);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started).count();
    log_event("session-close", {{"session", std::to_string(sid)},
                                {"ip", ip},
                                {"messages", std::to_string(messages)},
                                {"ms", std::to_string(ms)},
                                {"reason", reason}});
}

// A chaos trigger's refusal for this stage (a fresh random draw), logged and counted.
std::optional<Reply> Relay::chaos_refusal(ChaosStage stage, std::uint64_t sid) {
    auto r = chaos_reply(chaos_, stage, randombytes_uniform(100));
    if (r) {
        ++m_.chaos_refusals;
        log_event("chaos", {{"session", std::to_string(sid)}, {"reply", r->summary()}});
    }
    return r;
}

// Chaos greylisting: the simulator's rule (engine/greylist.hpp) on the relay's clock.
std::optional<Reply> Relay::chaos_greylisted(const RelayClient& client, const Path& from, const Path& to,
                                             std::uint64_t sid) {
    if (!chaos_.greylist) return std::nullopt;
    auto r = greylist_.check(greylist_key(client.ip, from, to), steady_ms(), chaos_.greylist_delay_ms);
    if (r) {
        ++m_.chaos_refusals;
        log_event("chaos", {{"session", std::to_string(sid)}, {"reply", r->summary()}});
    }
    return r;
}

awaitable<void> Relay::handle_event(ServerSession& s, ServerEvent& ev, const RelayClient& client, std::uint64_t sid,
                                    bool& starttls, bool& drop) {
    const std::int64_t now = steady_ms();
    if (std::holds_alternative<HeloEvent>(ev)) {
        s.accept(now);
    } else if (auto* mail = std::get_if<MailEvent>(&ev)) {
        if (auto r = check_sender(policy(), client, mail->from)) {
            s.reject(*r, now);
        } else if (auto c = chaos_refusal(ChaosStage::sender, sid)) {
            s.reject(*c, now);
        } else if (client.auth_user && !message_rate_.allow(*client.auth_user, now)) {
            // limits.messages_per_hour. RFC 5321 §4.2.2, §4.3.2: 450 is a transient refusal of
            // MAIL; RFC 3463 X.7.1: the sender is not (now) authorized to send more.
            ++m_.rate_messages;
            log_event("rate-limited", {{"session", std::to_string(sid)}, {"user", *client.auth_user},
                                       {"limit", "messages_per_hour"}});
            s.reject(Reply{450, "4.7.1", {"Too many messages from this user per hour, try again later"}}, now);
        } else {
            s.accept(now);
        }
    } else if (auto* rcpt = std::get_if<RcptEvent>(&ev)) {
        if (auto r = check_recipient(policy(), client, rcpt->to)) {
            s.reject(*r, now);
        } else if (auto c = chaos_refusal(ChaosStage::recipient, sid)) {
            s.reject(*c, now);
        } else if (auto g = chaos_greylisted(client, s.transaction().from, rcpt->to, sid)) {
            s.reject(*g, now);
        } else if (client.auth_user && !recipient_rate_.allow(*client.auth_user, now)) {
            // limits.recipients_per_hour. RFC 5321 §4.5.3.1.10: "452 too many recipients";
            // RFC 3463 X.5.3: too many recipients. The recipients accepted so far stay.
            ++m_.rate_recipients;
            log_event("rate-limited", {{"session", std::to_string(sid)}, {"user", *client.auth_user},
                                       {"limit", "recipients_per_hour"}});
            s.reject(Reply{452, "4.5.3", {"Too many recipients from this user per hour, try again later"}}, now);
        } else {
            s.accept(now);
        }
    } else if (auto* auth = std::get_if<AuthEvent>(&ev)) {
        co_await authenticate(s, *auth, client, sid);
    } else if (std::holds_alternative<StartTlsEvent>(ev)) {
        starttls = true;
    } else if (auto* msg = std::get_if<MessageEvent>(&ev)) {
        const std::uint64_t n = chaos_.defer_every > 0 ? ++chaos_messages_ : 0;
        const DataChaos c = chaos_after_data(chaos_, n, randombytes_uniform(100));
        if (c == DataChaos::drop) {  // no reply, nothing written: the client must retry
            ++m_.chaos_drops;
            log_event("chaos", {{"session", std::to_string(sid)}, {"action", "drop after DATA"}});
            drop = true;
        } else if (c == DataChaos::defer) {  // nothing written, and the client is told so
            ++m_.chaos_refusals;
            log_event("chaos", {{"session", std::to_string(sid)}, {"reply", chaos_defer_reply().summary()}});
            s.reject(chaos_defer_reply(), now);
        } else {
            co_await accept_message(s, *msg, client, sid);
        }
    }
}

// The keyed digest the credentials cache keeps: BLAKE2b keyed with a random per-process key
// over the lengths and bytes of user, password and stored hash. The password is never kept;
// the stored hash in the input makes a changed users file miss at once.
std::string Relay::credentials_digest(const std::string& user, const std::string& password,
                                      const std::string& hash) const {
    crypto_generichash_state st;
    crypto_generichash_init(&st, reinterpret_cast<const unsigned char*>(cache_key_.data()), cache_key_.size(),
                            crypto_generichash_BYTES);
    for (const std::string* part : {&user, &password, &hash}) {
        const std::uint64_t n = part->size();
        unsigned char len[8];
        for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
        crypto_generichash_update(&st, len, sizeof len);
        crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(part->data()), part->size());
    }
    std::string out(crypto_generichash_BYTES, '\0');
    crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), out.size());
    return out;
}

// AUTH (RFC 4954): throttle gate first (no password work for a locked-out address), then the
// credentials cache, then argon2id on the hashing pool; failures are answered late and counted.
awaitable<void> Relay::authenticate(ServerSession& s, const AuthEvent& auth, const RelayClient& client,
                                    std::uint64_t sid) {
    refresh_users();  // a password changed since the session opened is required now (one stat)
    if (auto c = chaos_refusal(ChaosStage::authentication, sid)) {
        s.reject(*c, steady_ms());
        co_return;
    }
    if (accepts_any_credentials(policy())) {  // sandbox.accept_any_auth: the password is not checked
        ++m_.auth_ok;
        log_event("auth-accepted-any", {{"session", std::to_string(sid)}, {"user", auth.username}});
        s.accept(steady_ms());
        co_return;
    }
    if (auth_throttle_.check(client.ip, steady_ms()) == AuthGate::locked) {
        ++m_.auth_locked_refusals;
        log_event("auth-refused-locked",
                  {{"session", std::to_string(sid)},
                   {"ip", client.ip},
                   {"user", auth.username},
                   {"seconds_left", std::to_string(auth_throttle_.lockout_left_ms(client.ip, steady_ms()) / 1000)}});
        // RFC 4954 §6: 454 4.7.0 Temporary authentication failure — the address may try later.
        s.reject(make_reply(454, "4.7.0", "Temporary authentication failure: too many failed attempts, try later"),
                 steady_ms());
        co_return;
    }
    const std::string user = ascii_lowercase(auth.username);
    const std::string password = auth.password;
    auto it = users_.hashes.find(user);
    const bool known = it != users_.hashes.end();
    const std::string hash = known ? it->second : dummy_hash_;
    std::string digest;
    bool ok = false;
    if (known) {
        digest = credentials_digest(user, password, hash);
        // A hit never waits for the hashing pool; a wrong password misses and pays in full.
        ok = auth_cache_.lookup(user, digest, steady_ms()) == AuthCacheResult::hit;
    }
    if (!ok) {
        ++m_.auth_hashes;
        ++m_.auth_hashes_active;
        auto job = [&] { return verify_password(hash, password); };
        ok = co_await hashing(job);
        --m_.auth_hashes_active;
        ok = ok && known;
        // Cache only what the users file still says (it may have been re-read meanwhile).
        if (ok) {
            auto now_it = users_.hashes.find(user);
            if (now_it != users_.hashes.end() && now_it->second == hash) auth_cache_.insert(user, digest, steady_ms());
        }
    }
    if (ok) {
        ++m_.auth_ok;
        s.accept(steady_ms());
        co_return;
    }
    ++m_.auth_failures;
    const AuthFailureOutcome f = auth_throttle_.on_failure(client.ip, steady_ms());
    log_event("auth-failed", {{"session", std::to_string(sid)},
                              {"ip", client.ip},
                              {"user", auth.username},
                              {"failures", std::to_string(f.failures)},
                              {"delay_ms", std::to_string(f.delay_ms)}});
    if (f.locked_now) {
        ++m_.auth_lockouts;
        log_event("auth-lockout", {{"ip", client.ip},
                                   {"failures", std::to_string(f.failures)},
                                   {"lockout_ms", std::to_string(cfg_.limits.auth_lockout_ms)}});
    }
    if (f.delay_ms > 0) {  // smtpd_error_sleep_time: the failure is answered late
        ++m_.auth_delayed;
        net::steady_timer t(io_);
        t.expires_after(std::chrono::milliseconds(f.delay_ms));
        boost::system::error_code ec;
        co_await t.async_wait(net::redirect_error(use_awaitable, ec));
    }
    // RFC 4954 §6: 535 5.7.8 authentication credentials invalid.
    s.reject(make_reply(535, "5.7.8", "Authentication credentials invalid"), steady_ms());
}

awaitable<void> Relay::accept_message(ServerSession& s, MessageEvent& msg, const RelayClient& client,
                                      std::uint64_t sid) {
    if (auto r = check_hop_count(msg.content)) {  // RFC 5321 §6.3 loop detection
        s.reject(*r, steady_ms());
        co_return;
    }
    const std::string id = new_queue_id();
    ReceivedInfo info;
    info.helo = msg.envelope.helo;
    info.client_ip = client.ip;
    info.hostname = cfg_.hostname;
    info.with = with_protocol_for(msg.envelope.esmtp, msg.envelope.tls, !msg.envelope.auth_user.empty());
    info.tls_version = msg.envelope.tls_version;
    info.queue_id = id;
    if (msg.envelope.rcpts.size() == 1) info.for_recipient = msg.envelope.rcpts[0].first.mailbox.to_string();
    info.time_ms = wall_ms();
    std::string headers;
    if (client.role != Role::mx && cfg_.submission.add_missing_headers) {
        // RFC 6409 §8.2, §8.3: the submission server completes a message without Date: or
        // Message-ID: (many scripts and small apps leave them out).
        headers = missing_submission_headers(msg.content, cfg_.hostname, wall_ms(), seed_, id_counter_).headers;
    }
    std::string content = make_received_header(info) + headers + msg.content;

    QEntry e;
    e.q = queued_message(id, msg.envelope.from, msg.envelope.mail_params, wall_ms());
    // Octets >= 0x80, declared (BODY=8BITMIME) or not (the session saw them): the next hop is
    // told (RFC 6152).
    e.q.content_8bit = msg.envelope.content_8bit;
    std::string rcpt_list;
    for (const auto& [path, params] : msg.envelope.rcpts) {
        QueuedRecipient r = queued_recipient(path, params);
        rcpt_list += (rcpt_list.empty() ? "" : ",") + r.address();
        e.q.recipients.push_back(std::move(r));
    }
    e.info.client_ip = client.ip;
    e.info.auth_user = msg.envelope.auth_user;
    e.info.size = content.size();
    // Durable first, then "250" (RFC 5321 §6.1: once accepted, the message is our responsibility).
    const QueuedMessage& q = e.q;
    const SpoolInfo& si = e.info;
    Spool& spool = spool_;
    auto job = [&] { return spool.commit(q, si, content); };
    const int err = co_await blocking(job);
    if (err) {
        ++m_.messages_rejected_storage;
        const Reply r = commit_failure_reply(err);
        log_event("message-not-queued",
                  {{"session", std::to_string(sid)}, {"error", std::strerror(err)}, {"reply", r.summary()}});
        s.reject(r, steady_ms());
        co_return;
    }
    s.accept_message(id, steady_ms());
    ++m_.messages_accepted;
    m_.bytes_accepted += content.size();
    log_event("message-accepted", {{"session", std::to_string(sid)},
                                   {"id", id},
                                   {"size", std::to_string(content.size())},
                                   {"from", e.q.sender.null ? "<>" : e.q.sender_address()},
                                   {"to", rcpt_list},
                                   {"8bit", e.q.content_8bit ? "yes" : "no"}});
    live_accepted(sid, e.q);
    queue_[id] = std::move(e);
    kick(id);
}

}  // namespace relaylab::native
