// libFuzzer harness: a hostile server talking to a ClientSession. The input chooses the
// client's configuration and how many messages it sends, then its bytes are the server's
// side of the conversation, split anywhere (chunk sizes come from the input), with EOF,
// timeouts and failed TLS handshakes mixed in when the input says so. When the session asks
// for TLS (TlsStart) the harness answers tls_established() or tls_failed(), so the replies
// after STARTTLS (and whatever trails the 220) are exercised as well.
// Invariants the session promises (engine/client_session.hpp):
//   - never crashes, never reads out of bounds (ASan/UBSan);
//   - every message that send() took gets exactly one MessageDone, with one outcome per
//     recipient in the order given, and no MessageDone for a message never sent;
//   - the session ends with exactly one Closed, and nothing comes after it;
//   - once the server's EOF has been fed, the session is closed;
//   - every command line it writes ends in CRLF, and the output stays bounded.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/client_session.hpp"

using namespace relaylab;

namespace {

Path path(std::string local, std::string domain) {
    Path p;
    p.mailbox.local_part = std::move(local);
    p.mailbox.domain = std::move(domain);
    return p;
}

struct Harness {
    explicit Harness(ClientSession& session) : c(session) {}
    ClientSession& c;
    std::map<std::size_t, std::size_t> sent;  // message number -> recipients
    std::map<std::size_t, int> done;          // message number -> MessageDone count
    int closed = 0;
    std::size_t out_bytes = 0;
    std::uint8_t tls_choice = 0;

    void drain(std::int64_t now) {
        while (auto ev = c.next_event()) {
            if (closed) std::abort();  // an event after Closed
            if (std::holds_alternative<TlsStartEvent>(*ev)) {
                take();
                if (tls_choice++ % 5 == 4) c.tls_failed("fuzz: handshake failed", now);
                else c.tls_established("TLSv1.3", now);
            } else if (auto* md = std::get_if<MessageDoneEvent>(&*ev)) {
                const auto it = sent.find(md->outcome.message);
                if (it == sent.end()) std::abort();  // MessageDone for a message never sent
                if (md->outcome.recipients.size() != it->second) std::abort();
                ++done[md->outcome.message];
            } else if (std::holds_alternative<ClosedEvent>(*ev)) {
                ++closed;
            }
        }
        take();
        (void)c.take_trace();
    }

    void take() {
        const std::string out = c.take_output();
        out_bytes += out.size();
        // The session writes whole lines: commands, or dot-stuffed content lines.
        if (!out.empty() && !out.ends_with("\r\n") && c.phase() != ClientPhase::transaction) std::abort();
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    const std::uint8_t cfg_bits = data[0];
    const std::uint8_t msg_bits = data[1];
    const std::uint8_t when_quit = data[2];
    data += 3;
    size -= 3;

    ClientConfig cfg;
    cfg.helo_name = "client.lab.test";
    cfg.tls = static_cast<TlsPolicy>((cfg_bits & 3) % 3);
    cfg.tls_active = (cfg_bits & 4) != 0;
    if (cfg_bits & 8) cfg.auth = std::make_pair(std::string("alice@lab.test"), std::string("secret"));
    cfg.auth_mechanism = (cfg_bits & 16) ? "LOGIN" : "PLAIN";
    cfg.use_bdat = (cfg_bits & 32) != 0;
    cfg.trace = (cfg_bits & 64) != 0;
    cfg.timeouts.greeting = cfg.timeouts.other = 30'000;

    std::int64_t now = 0;
    ClientSession c(cfg, now);
    Harness h(c);

    // 1..4 messages with 1..3 recipients each; some sent before the session starts, the rest
    // later (when_quit also says when the host calls quit()).
    const std::size_t messages = 1 + (msg_bits & 3);
    const std::size_t early = (msg_bits >> 2) % (messages + 1);
    std::size_t queued = 0;
    bool refused = false;  // send() said the session is closing: no more messages
    auto send_one = [&] {
        OutgoingMessage m;
        m.from = path("alice", "lab.test");
        const std::size_t rcpts = 1 + ((msg_bits >> 4) + queued) % 3;
        for (std::size_t r = 0; r < rcpts; ++r)
            m.rcpts.push_back({path("rcpt" + std::to_string(r), "dest.test"), RcptParams{}});
        m.content = "Subject: fuzz " + std::to_string(queued) + "\r\n\r\n.leading dot\r\nbody\n";
        if (msg_bits & 0x40) m.content += std::string(300, 'x') + "\r\n";
        if (msg_bits & 0x80) m.mail_params.body = Body::eight_bit_mime;
        const auto id = c.send(std::move(m), now);
        if (!id) {  // closing (a failure already sent QUIT): not taken, no MessageDone owed
            refused = true;
            return;
        }
        if (h.sent.count(*id)) std::abort();  // a number handed out twice
        h.sent[*id] = rcpts;
        ++queued;
    };
    while (queued < early && !refused) send_one();
    h.drain(now);

    bool quit_called = false;
    std::size_t pos = 0, chunk_no = 0;
    while (pos < size && !c.closed()) {
        // Control byte: chunk length and an occasional extra action.
        const std::uint8_t ctl = data[pos++];
        const std::size_t len = std::min<std::size_t>(1 + ctl % 67, size - pos);
        now += 100;
        c.feed(std::string_view(reinterpret_cast<const char*>(data) + pos, len), now);
        pos += len;
        h.drain(now);
        ++chunk_no;
        if (queued < messages && !refused && chunk_no % 3 == 0) {
            send_one();
            h.drain(now);
        }
        if (!quit_called && (queued == messages || refused) && chunk_no >= when_quit % 16) {
            c.quit(now);
            quit_called = true;
            h.drain(now);
        }
        if ((ctl & 0xC0) == 0xC0) {
            if (auto d = c.next_deadline()) {
                now = std::max(now, *d);
                c.on_timeout(now);
                h.drain(now);
            }
        }
    }
    while (queued < messages && !refused && !c.closed()) send_one();
    if (!quit_called) c.quit(now);
    h.drain(now);
    now += 1000;
    c.feed_eof(now);
    h.drain(now);

    if (!c.closed() || h.closed != 1) std::abort();  // exactly one Closed, and closed after EOF
    for (const auto& [id, rcpts] : h.sent)
        if (h.done[id] != 1) std::abort();  // exactly one MessageDone per message sent
    // Commands are short and each answers at most one reply (or a pipelined group the client
    // chose); the content is sent at most once per message and attempt. Generous bound.
    if (h.out_bytes > 8192 + size * 128 + messages * 4096) std::abort();
    return 0;
}
