// libFuzzer harness: arbitrary client bytes into a ServerSession, any split, with a host
// that answers every event (accepting or rejecting by the input's own bits), through
// STARTTLS, AUTH, DATA and BDAT. Checks invariants the engine promises:
//   - never crashes, never reads out of bounds (ASan/UBSan);
//   - output is bounded by the input (no unbounded buffering or reply storms);
//   - every reply line is CRLF-terminated and starts with a three-digit code.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/server_session.hpp"

using namespace relaylab;

namespace {

void check_output(const std::string& out) {
    std::size_t start = 0;
    while (start < out.size()) {
        const std::size_t end = out.find("\r\n", start);
        if (end == std::string::npos) std::abort();  // a reply line without CRLF
        const std::string_view line(out.data() + start, end - start);
        if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' || line[2] < '0' ||
            line[2] > '9')
            std::abort();
        if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos) std::abort();
        start = end + 2;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t role = data[0] % 3;
    const std::uint8_t decisions = data[1];
    data += 2;
    size -= 2;
    ServerConfig cfg;
    cfg.role = role == 0 ? Role::mx : role == 1 ? Role::submission : Role::submissions;
    cfg.max_message_size = 4096;
    cfg.trace = (decisions & 0x80) != 0;
    ServerSession s(cfg, 0, cfg.role == Role::submissions);
    std::size_t total_out = s.take_output().size();
    std::int64_t now = 0;
    std::size_t pos = 0, event_no = 0;
    while (pos < size && !s.wants_close()) {
        // Split the input into chunks whose sizes come from the input itself.
        const std::size_t chunk = 1 + (data[pos] % 97);
        const std::string_view bytes(reinterpret_cast<const char*>(data) + pos, std::min(chunk, size - pos));
        pos += bytes.size();
        now += 1000;
        s.feed(bytes, now);
        while (auto ev = s.next_event()) {
            const bool yes = ((decisions >> (event_no++ % 7)) & 1) != 0;
            if (std::holds_alternative<StartTlsEvent>(*ev)) {
                std::string out = s.take_output();
                check_output(out);
                total_out += out.size();
                s.tls_established("TLSv1.3", now);
            } else if (std::holds_alternative<MessageEvent>(*ev)) {
                if (yes) s.accept_message("FUZZQUEUEID", now);
                else s.reject(make_reply(451, "4.3.0", "try later"), now);
            } else if (needs_answer(*ev)) {
                if (yes) s.accept(now);
                else s.reject(make_reply(550, "5.7.1", "no"), now);
            }
        }
        std::string out = s.take_output();
        check_output(out);
        total_out += out.size();
        if (s.next_deadline() <= now + 1) s.on_timeout(now + 1);
        (void)s.take_trace();
    }
    s.feed_eof(now);
    while (s.next_event()) {
    }
    total_out += s.take_output().size();
    // Replies are bounded by the input: at most a few hundred octets per input octet-line.
    if (total_out > 4096 + size * 600) std::abort();
    return 0;
}
