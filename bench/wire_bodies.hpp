// SPDX-License-Identifier: MIT
// The wire codec benchmark bodies, shared by two units so the same code is timed in two
// compilation contexts: bench/wire.cpp (the codec alone in its unit) and bench/daemon_tu.cpp
// (the whole library, the exchange helpers and the OpenSSL adapters in one unit, as an IKE
// daemon compiles it; there the inliner has much more to weigh). Include once per executable:
// it registers the benchmarks and pulls in the operator new counter.
//
// Decode+validate and encode of IKE_SA_INIT (SA with 12 transforms incl. ADDKE, KE X25519,
// Nonce, 3 notifies) and of IKE_INTERMEDIATE carrying ML-KEM keys (as the inner chain SK open
// yields). Floors (issue 22, both units, g++ and clang): decode+validate <= 100 ns, encode
// <= 100 ns, IKE_INTERMEDIATE ML-KEM-1024 decode <= 20 ns; zero heap (counter "allocs/iter");
// decode cost independent of the KE size (the 512/768/1024 set).
#pragma once

#include <benchmark/benchmark.h>

#include <array>

#include <pqike/wire/message.hpp>

#include "support/alloc_counter.hpp"
#include "support/ke_sizes.hpp"
#include "wire/samples.hpp"

// Everything in one namespace, so a unit that also includes other bodies sees no clash.
namespace wire_bench {
using namespace pqike;
using namespace pqike::wire;
namespace s = pqike::wire::samples;

namespace {
using test::mlkem1024_sizes;
using test::mlkem512_sizes;
using test::mlkem768_sizes;
using test::x25519_sizes;

// Reports the operator new calls of a benchmark's loop as "allocs/iter".
class alloc_counter {
public:
    explicit alloc_counter(benchmark::State& st) : st_(st), start_(g_news) { g_counting = true; }
    ~alloc_counter() {
        g_counting = false;
        st_.counters["allocs/iter"] = benchmark::Counter(
            static_cast<double>(g_news - start_), benchmark::Counter::kAvgIterations);
    }

private:
    benchmark::State& st_;
    std::size_t start_;
};
}  // namespace

// Decode + validate every payload, then the typed KE check an initiator's peer does.
static void BM_decode_ike_sa_init(benchmark::State& state) {
    const auto msg = s::ike_sa_init_request();
    message<16> m;
    alloc_counter ac{state};
    for (auto _ : state) {
        benchmark::DoNotOptimize(msg.data());
        bool ok = m.decode(msg).ok();
        auto ke = ke_view_for<x25519_sizes>::decode(*m.view.find(payload_type::ke), direction::request);
        ok = ok && ke.has_value();
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(m.view);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(msg.size()));
}
BENCHMARK(BM_decode_ike_sa_init);

// Build the same message from scratch with the builders (header, SA via sa_builder, KE, Nonce,
// three Notifies), back-patching lengths and Next Payload fields.
static void BM_encode_ike_sa_init(benchmark::State& state) {
    const auto ke = s::filler(32, 1);
    const auto ni = s::filler(32, 2);
    const auto nat = s::filler(20, 3);
    const auto h = s::make_header(exchange_type::ike_sa_init, flag::initiator, 0, 0);
    std::array<std::byte, 1024> out{};
    alloc_counter ac{state};
    for (auto _ : state) {
        writer w{out};
        message_builder b{w, h};
        b.begin(payload_type::sa);
        s::write_init_sa(b.out());
        b.begin(payload_type::ke);
        encode_ke(b.out(), ke_method::curve25519, ke);
        b.add(payload_type::nonce, ni);
        b.begin(payload_type::notify);
        make_notify(notify_type::nat_detection_source_ip, nat).encode(b.out());
        b.begin(payload_type::notify);
        make_notify(notify_type::ikev2_fragmentation_supported).encode(b.out());
        b.begin(payload_type::notify);
        make_notify(notify_type::intermediate_exchange_supported).encode(b.out());
        auto n = b.finish();
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_encode_ike_sa_init);

// Re-encode a decoded message (raw payloads, byte-exact).
static void BM_reencode_ike_sa_init(benchmark::State& state) {
    const auto msg = s::ike_sa_init_request();
    message<16> m;
    if (!m.decode(msg).ok()) state.SkipWithError("decode failed");
    std::array<std::byte, 1024> out{};
    alloc_counter ac{state};
    for (auto _ : state) {
        writer w{out};
        auto n = encode_message(m.view, w);
        benchmark::DoNotOptimize(n);
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_reencode_ike_sa_init);

// IKE_INTERMEDIATE with one KE payload of ML-KEM size Arg (512/768/1024 ek) plus typed check:
// the time must not grow with the KE size (views, no copies).
template <class K>
static void decode_intermediate(benchmark::State& state, ke_method method) {
    const auto msg = s::ike_intermediate_plain_ke(method, K::ek_size);
    message<16> m;
    alloc_counter ac{state};
    for (auto _ : state) {
        benchmark::DoNotOptimize(msg.data());
        bool ok = m.decode(msg).ok();
        auto ke = ke_view_for<K>::decode(m.view.payloads[0], direction::request);
        ok = ok && ke.has_value();
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(ke);
    }
    state.counters["ke_bytes"] = static_cast<double>(K::ek_size);
}
static void BM_decode_intermediate_mlkem512(benchmark::State& s_) {
    decode_intermediate<mlkem512_sizes>(s_, ke_method::ml_kem_512);
}
static void BM_decode_intermediate_mlkem768(benchmark::State& s_) {
    decode_intermediate<mlkem768_sizes>(s_, ke_method::ml_kem_768);
}
static void BM_decode_intermediate_mlkem1024(benchmark::State& s_) {
    decode_intermediate<mlkem1024_sizes>(s_, ke_method::ml_kem_1024);
}
BENCHMARK(BM_decode_intermediate_mlkem512);
BENCHMARK(BM_decode_intermediate_mlkem768);
BENCHMARK(BM_decode_intermediate_mlkem1024);

// Encoding copies the key into the datagram, so it scales with the size (memcpy of 1568 B).
static void BM_encode_intermediate_mlkem1024(benchmark::State& state) {
    const auto ek = s::filler(1568, 7);
    const auto h = s::make_header(exchange_type::ike_intermediate, flag::initiator, 1);
    std::array<std::byte, 2048> out{};
    alloc_counter ac{state};
    for (auto _ : state) {
        writer w{out};
        message_builder b{w, h};
        b.begin(payload_type::ke);
        encode_ke(b.out(), ke_method::ml_kem_1024, ek);
        auto n = b.finish();
        benchmark::DoNotOptimize(n);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 1600));
}
BENCHMARK(BM_encode_intermediate_mlkem1024);

}  // namespace wire_bench
