// SPDX-License-Identifier: MIT
// kex: proposal selection from an SA payload, and the cost the KE adapters add on top of the raw
// ML-KEM-768 operations (same operations, same deterministic RNG, with and without the adapter).
// Run with --benchmark_repetitions=N --benchmark_report_aggregates_only=true for medians.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdlib>
#include <vector>

#include <pqike/crypto/mlkem.hpp>
#include <pqike/kex/key_exchange.hpp>
#include <pqike/kex/negotiate.hpp>
#include <pqike/kex/proposal.hpp>

#include "support/rng.hpp"

namespace {

using namespace pqike;
using tt = wire::transform_type;

kex::proposal make(std::initializer_list<std::uint16_t> encr, std::initializer_list<std::uint16_t> ke,
                   std::initializer_list<std::initializer_list<std::uint16_t>> addke) {
    kex::proposal p{wire::protocol_id::ike};
    bool ok = true;
    for (auto e : encr) ok = ok && p.add(tt::encr, e, 256) && p.add(tt::encr, e, 128);
    for (auto f : {7, 6, 5}) ok = ok && p.add(tt::prf, static_cast<std::uint16_t>(f));
    for (auto k : ke) ok = ok && p.add(tt::ke, k);
    unsigned n = 1;
    for (auto l : addke) {
        for (auto k : l) ok = ok && p.add(wire::addke(n), k);
        ++n;
    }
    if (!ok) std::abort();
    return p;
}

// A strongSwan-sized request: 2 proposals, 10 ciphers, 3 PRFs, 8 KE methods, 3 ADDKE types.
void select_from_wire(benchmark::State& st) {
    const std::array<kex::proposal, 2> peer{
        make({20, 19, 28, 16, 18}, {31, 32, 19, 20, 21, 14, 15, 16}, {{36, 37, 35, 0}, {37, 36, 0}, {35, 0}}),
        make({20}, {31, 19}, {})};
    const std::array<kex::proposal, 1> local{make({20}, {31}, {{36}, {37, 0}})};
    std::vector<std::byte> buf(4096);
    writer w{buf};
    if (!kex::encode_sa(w, peer).ok()) std::abort();
    auto sa = wire::sa_view::decode(w.written());
    if (!sa) std::abort();
    kex::select_options o;
    o.ke_hint = 31;
    for (auto _ : st) {
        auto r = kex::select(*sa, local, o);
        benchmark::DoNotOptimize(r);
        if (!r) std::abort();
    }
    st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(w.size()));
}
BENCHMARK(select_from_wire);

// One full ML-KEM-768 exchange through the adapters: start, respond, finish.
void adapter_mlkem768(benchmark::State& st) {
    test::seeded_rng rng{1};
    for (auto _ : st) {
        kex::initiator_ke<crypto::mlkem768> ini;
        auto sent = ini.start(rng);
        auto resp = kex::responder_ke<crypto::mlkem768>::respond(rng, *sent);
        auto ss = ini.finish(resp->data);
        benchmark::DoNotOptimize(ss);
        if (!ss) std::abort();
    }
}
BENCHMARK(adapter_mlkem768);

// The same operations called directly on the policy.
void raw_mlkem768(benchmark::State& st) {
    using K = crypto::mlkem768;
    test::seeded_rng rng{1};
    std::array<std::byte, K::ek_size> ek{};
    std::array<std::byte, K::dk_size> dk{};
    std::array<std::byte, K::ct_size> ct{};
    std::array<std::byte, K::ss_size> ss1{}, ss2{};
    for (auto _ : st) {
        bool ok = K::keygen(rng, ek, dk).ok() && K::check_ek(ek) && K::encaps(rng, ek, ct, ss1).ok() &&
                  K::decaps(dk, ct, ss2).ok();
        benchmark::DoNotOptimize(ss2);
        if (!ok) std::abort();
    }
}
BENCHMARK(raw_mlkem768);

}  // namespace
