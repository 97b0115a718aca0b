// SPDX-License-Identifier: MIT
// Escape at scale (issue 18, Deliver 4): one provider escapes 100 000 consumers at once in the
// escape simulation (tests/sim/escape_world.hpp, the world the seeded test escape_sim runs), over
// a network that loses 5 % of the messages and delays them by up to 2 s: the real provider and
// consumer engines, the real IKE helpers for the INFORMATIONAL carriage and for every consumer's
// CREATE_CHILD_SA + IKE_FOLLOWUP_KE rekey with ML-KEM-768 and the escape PPK. One iteration is
// one whole run, from the first ESCAPE until every migration has ended and the network is quiet
// (simulated time; the wall time is what the benchmark reports). 10 000 consumers as a check of
// how it scales.
// Counters:
//   confirmed_share    migrations that ended confirmed on both sides (the rest: failed on both)
//   violations         the world's invariants that do not need per-message records (agreement,
//                      nothing stuck, the network falls silent, <= 24 messages after both
//                      confirmed, keys equal and PPK-mixed on confirmation); must be 0
//   session_bytes      the provider engine's state per consumer: sizeof(provider_session)
//                      (docs/escape-message.md §8.1: at most 128 octets)
//   engine_allocs      operator new calls inside the provider engine over the whole run (it keeps
//                      nothing else: its own object is one per provider, engine_bytes)
//   provider_B_per_consumer  session_bytes + engine_allocs' worth per consumer (0 allocations:
//                      equal to session_bytes)
//   sim_B_per_consumer what the simulation keeps per consumer for both ends (consumer engine,
//                      legacy and new IKE SAs, tag keys, IKE stacks): the callers' state, not the
//                      provider engine's; given so the figure above is not mistaken for a host's
//                      whole cost
//   maxrss_MB          the process's peak resident memory
// Per-message safety records are off here (judge = false): at this scale they would be most of
// the memory; the seeded test checks safety on every message.
#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "sim/escape_world.hpp"
#include "support/alloc_counter.hpp"

namespace {

constexpr escape_sim::scenario scale_scenario{"scale-loss5", 0.05, 0.0, 2, false, false, false,
                                              escape_sim::ack_drop::none, true};

// The provider starts 1 000 migrations per simulated second (100 s for the whole fleet): each
// one costs it an ML-KEM rekey, and a real provider paces a storm rather than opening 100 000
// exchanges in the same second.
constexpr std::size_t per_tick = 1000;

std::size_t allocs_so_far() { return g_news; }

void escape_scale(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    (void)escape_sim::legacy_sas();  // the three legacy IKE SAs every consumer's copy comes from
    escape_sim::count_allocs = allocs_so_far;
    escape_sim::run_result r;
    for (auto _ : state) {
        g_counting = true;
        auto world = std::make_unique<escape_sim::sim>(1, scale_scenario, false, n, false, per_tick);
        r = world->run();
        g_counting = false;
        benchmark::DoNotOptimize(r.confirmed);
    }
    escape_sim::count_allocs = nullptr;
    const double consumers = static_cast<double>(n);
    const double engine_allocs = static_cast<double>(r.provider_allocs);
    state.counters["consumers"] = consumers;
    state.counters["confirmed_share"] = static_cast<double>(r.confirmed) / consumers;
    state.counters["failed"] = static_cast<double>(r.failed);
    state.counters["violations"] = static_cast<double>(r.violations.size());
    state.counters["rekeys"] = static_cast<double>(r.rekeys);
    state.counters["session_bytes"] = static_cast<double>(sizeof(pqike::escape::provider_session));
    state.counters["engine_bytes"] = static_cast<double>(sizeof(pqike::escape::provider<escape_sim::P>));
    state.counters["engine_allocs"] = engine_allocs;
    state.counters["provider_B_per_consumer"] =
        static_cast<double>(sizeof(pqike::escape::provider_session)) + engine_allocs / consumers;
    state.counters["sim_B_per_consumer"] = static_cast<double>(escape_sim::sim::sim_bytes_per_consumer());
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    state.counters["maxrss_MB"] = static_cast<double>(ru.ru_maxrss) / 1024.0;
    if (!r.violations.empty()) state.SkipWithError(r.violations.front().c_str());
}

}  // namespace

BENCHMARK(escape_scale)->Arg(10000)->Arg(100000)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
