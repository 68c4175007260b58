// Simulator benchmarks (Google Benchmark): a generated 1,000-message scenario simulated to
// the end (goal: < 1 s), and one step back at step 10,000 (goal: < 50 ms).
#include <benchmark/benchmark.h>

#include "sim/library.hpp"
#include "sim/simulation.hpp"
#include "sim/world.hpp"

using namespace relaylab::sim;

namespace {

// happy-path's world with 1,000 messages, one every 100 ms, half of them greylisted.
Scenario thousand_messages() {
    auto load = parse_scenario(find_builtin("happy-path")->json);
    Scenario sc = *load.scenario;
    const MessageSpec first = sc.messages.front();
    sc.messages.clear();
    for (int i = 0; i < 1000; ++i) {
        MessageSpec m = first;
        m.id = "m";
        m.id += std::to_string(i + 1);
        m.at_ms = i * 100;
        sc.messages.push_back(m);
    }
    return sc;
}

void BM_simulate_1000_messages(benchmark::State& state) {
    const Scenario sc = thousand_messages();
    std::size_t steps = 0;
    for (auto _ : state) {
        RunResult run = run_world(sc, {}, 1);
        steps = run.steps.size();
        benchmark::DoNotOptimize(run.steps.data());
    }
    state.counters["steps"] = static_cast<double>(steps);
}
BENCHMARK(BM_simulate_1000_messages)->Unit(benchmark::kMillisecond);

void BM_load_timeline_1000_messages(benchmark::State& state) {
    const Scenario sc = thousand_messages();
    for (auto _ : state) {
        Simulation sim(sc);
        benchmark::DoNotOptimize(sim.total_steps());
    }
}
BENCHMARK(BM_load_timeline_1000_messages)->Unit(benchmark::kMillisecond);

void BM_step_back_at_10000(benchmark::State& state) {
    Simulation sim(thousand_messages());
    if (sim.total_steps() < 10001) {
        state.SkipWithError("scenario too short");
        return;
    }
    for (auto _ : state) {
        state.PauseTiming();
        sim.seek(10000);
        state.ResumeTiming();
        sim.step_back();
        benchmark::DoNotOptimize(sim.view().step);
    }
}
BENCHMARK(BM_step_back_at_10000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
