// Engine benchmarks (Google Benchmark). Figures that matter are ratios:
//   - the DATA decoder against a plain memchr pass over the same bytes (goal: >= 50%);
//   - one SMTP command through ServerSession (goal: <= 200 ns);
//   - the server session on a pipelined stream of 1 KB messages (messages/s, MB/s).
// Run: build/native/bench/bench_engine  (or scripts/bench, which prints the ratios)
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

#include "engine/dot_codec.hpp"
#include "engine/server_session.hpp"

using namespace relaylab;

namespace {

// Message text of 76-character lines; every `dot_every`-th line starts with a dot (which
// the client stuffed and the decoder must remove); 0: none.
std::string message_text(std::size_t bytes, std::size_t dot_every = 0) {
    std::string out;
    out.reserve(bytes + 128);
    std::size_t line = 0;
    while (out.size() < bytes) {
        if (dot_every && line % dot_every == dot_every - 1) out += "..";
        for (int i = 0; i < 76; ++i) out += static_cast<char>('a' + (line + i) % 26);
        out += "\r\n";
        ++line;
    }
    return out;
}

// Arg: every how many lines one starts with a dot (0: never).
void BM_memchr_pass(benchmark::State& state) {
    const std::string wire = message_text(1 << 20, static_cast<std::size_t>(state.range(0))) + ".\r\n";
    for (auto _ : state) {
        // The cheapest possible look at every line end: memchr for LF.
        std::size_t lines = 0;
        const char* p = wire.data();
        const char* end = p + wire.size();
        while (const void* hit = std::memchr(p, '\n', static_cast<std::size_t>(end - p))) {
            ++lines;
            p = static_cast<const char*>(hit) + 1;
        }
        benchmark::DoNotOptimize(lines);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(BM_memchr_pass)->Arg(0)->Arg(50);

void BM_data_decoder(benchmark::State& state) {
    const std::string wire = message_text(1 << 20, static_cast<std::size_t>(state.range(0))) + ".\r\n";
    std::string out;
    out.reserve(wire.size());
    for (auto _ : state) {
        DataDecoder decoder;
        out.clear();
        auto r = decoder.feed(wire, out);
        if (!r.done) state.SkipWithError("decoder did not see the end of data");
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(BM_data_decoder)->Arg(0)->Arg(50);

ServerConfig bench_config() {
    ServerConfig cfg;
    cfg.role = Role::mx;
    cfg.trace = false;
    return cfg;
}

// Opens a session that has seen EHLO's reply (so pipelining is allowed).
ServerSession greeted_session() {
    ServerSession s(bench_config(), 0);
    s.take_output();
    s.feed("EHLO bench.example\r\n", 0);
    while (auto ev = s.next_event()) s.accept();
    s.take_output();
    return s;
}

void BM_command_noop(benchmark::State& state) {
    ServerSession s = greeted_session();
    std::string batch;
    for (int i = 0; i < 1000; ++i) batch += "NOOP\r\n";
    for (auto _ : state) {
        s.feed(batch, 1);
        benchmark::DoNotOptimize(s.take_output());
    }
    state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_command_noop);

void BM_command_mail_rcpt_rset(benchmark::State& state) {
    ServerSession s = greeted_session();
    const std::string batch = "MAIL FROM:<alice@lab.test> SIZE=1024\r\nRCPT TO:<bob@dest.test>\r\nRSET\r\n";
    for (auto _ : state) {
        s.feed(batch, 1);
        while (auto ev = s.next_event())
            if (needs_answer(*ev)) s.accept();
        benchmark::DoNotOptimize(s.take_output());
    }
    state.SetItemsProcessed(state.iterations() * 3);
}
BENCHMARK(BM_command_mail_rcpt_rset);

void BM_session_pipelined_1k_messages(benchmark::State& state) {
    const std::string body = message_text(1000);
    std::string one = "MAIL FROM:<alice@lab.test> SIZE=1024\r\nRCPT TO:<bob@dest.test>\r\nDATA\r\n" + body + ".\r\n";
    std::string stream;
    for (int i = 0; i < 100; ++i) stream += one;
    for (auto _ : state) {
        ServerSession s = greeted_session();
        std::size_t messages = 0;
        for (std::size_t off = 0; off < stream.size(); off += 16384) {
            s.feed(std::string_view(stream).substr(off, 16384), 1);
            while (auto ev = s.next_event()) {
                if (std::holds_alternative<MessageEvent>(*ev)) {
                    s.accept_message("Q");
                    ++messages;
                } else if (needs_answer(*ev)) {
                    s.accept();
                }
            }
            benchmark::DoNotOptimize(s.take_output());
        }
        if (messages != 100) state.SkipWithError("not every message arrived");
    }
    state.SetItemsProcessed(state.iterations() * 100);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_session_pipelined_1k_messages);

}  // namespace

BENCHMARK_MAIN();
