// SPDX-License-Identifier: MIT
// SHA3-256, SHA3-512, SHAKE128, SHAKE256 throughput for 64 B and 1 KiB inputs (SHAKE: 32 bytes
// out), plus the bare Keccak-f[1600] permutation: scalar (plain, and the BMI build the sponges
// run), and the 4-way permute_x4 with both backends (the "per_state" counter is the time per
// Keccak-f state, i.e. per call / 4). Also
// SHAKE128 on four 34-byte inputs squeezed for 3 blocks (ML-KEM's matrix sampling shape), x4
// vs four scalar SHAKE128s.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <vector>

#include <pqike/crypto/cpu.hpp>
#include <pqike/crypto/keccak_x4.hpp>
#include <pqike/crypto/sha3.hpp>

namespace {

using namespace pqike::crypto;

template <class H>
void hash(benchmark::State& st) {
    std::vector<std::byte> in(static_cast<std::size_t>(st.range(0)), std::byte{0x5a});
    std::array<std::byte, H::digest_size> out{};
    for (auto _ : st) {
        H::hash(in, out);
        benchmark::DoNotOptimize(out);
    }
    st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * st.range(0));
}

template <class X>
void xof(benchmark::State& st) {
    std::vector<std::byte> in(static_cast<std::size_t>(st.range(0)), std::byte{0x5a});
    std::array<std::byte, 32> out{};
    for (auto _ : st) {
        X::hash(in, out);
        benchmark::DoNotOptimize(out);
    }
    st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * st.range(0));
}

template <void (*Permute)(keccak::state&)>
void permutation(benchmark::State& st) {
    keccak::state s{};
    for (auto _ : st) {
        Permute(s);
        benchmark::DoNotOptimize(s);
    }
}

void per_state(benchmark::State& st, double states_per_call) {
    st.counters["per_state"] = benchmark::Counter(
        states_per_call, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void permutation_x4_portable(benchmark::State& st) {
    keccak::state_x4 s{};
    for (auto _ : st) {
        keccak::permute_x4_portable(s);
        benchmark::DoNotOptimize(s);
    }
    per_state(st, 4);
}

#if PQIKE_HAVE_AVX2_PATH
void permutation_x4_avx2(benchmark::State& st) {
    if (!cpu::has_avx2()) {
        st.SkipWithError("no AVX2 on this CPU");
        return;
    }
    keccak::state_x4 s{};
    for (auto _ : st) {
        keccak::permute_x4_avx2(s);
        benchmark::DoNotOptimize(s);
    }
    per_state(st, 4);
}
#endif

constexpr std::size_t xof_in = 34, xof_blocks = 3;  // ML-KEM: rho || i || j, 3 SHAKE128 blocks

void shake128_scalar_4x(benchmark::State& st) {
    std::array<std::array<std::byte, xof_in>, 4> in{};
    std::array<std::array<std::byte, xof_blocks * 168>, 4> out{};
    for (std::size_t j = 0; j < 4; ++j) in[j].fill(static_cast<std::byte>(j));
    for (auto _ : st) {
        for (std::size_t j = 0; j < 4; ++j) shake128::hash(in[j], out[j]);
        benchmark::DoNotOptimize(out);
    }
    per_state(st, 4);
}

template <keccak::x4_backend B>
void shake128_x4(benchmark::State& st) {
    if (B == keccak::x4_backend::avx2 && !cpu::has_avx2()) {
        st.SkipWithError("no AVX2 on this CPU");
        return;
    }
    std::array<std::array<std::byte, xof_in>, 4> in{};
    std::array<std::array<std::byte, xof_blocks * 168>, 4> out{};
    for (std::size_t j = 0; j < 4; ++j) in[j].fill(static_cast<std::byte>(j));
    keccak::shake128_x4<B> x;
    for (auto _ : st) {
        x.absorb_once(in[0], in[1], in[2], in[3]);
        x.squeeze_blocks(out[0], out[1], out[2], out[3]);
        benchmark::DoNotOptimize(out);
    }
    per_state(st, 4);
}

}  // namespace

BENCHMARK(hash<sha3_256>)->Name("sha3_256")->Arg(64)->Arg(1024);
BENCHMARK(hash<sha3_512>)->Name("sha3_512")->Arg(64)->Arg(1024);
BENCHMARK(xof<shake128>)->Name("shake128")->Arg(64)->Arg(1024);
BENCHMARK(xof<shake256>)->Name("shake256")->Arg(64)->Arg(1024);
BENCHMARK(permutation<keccak::permute>)->Name("keccak_f1600");
// What the sponges run: the BMI1/BMI2 build where the CPU has both (keccak.hpp), else the same.
BENCHMARK(permutation<keccak::permute_fast>)->Name("keccak_f1600_fast");
BENCHMARK(permutation_x4_portable)->Name("keccak_f1600_x4_portable");
#if PQIKE_HAVE_AVX2_PATH
BENCHMARK(permutation_x4_avx2)->Name("keccak_f1600_x4_avx2");
#endif
BENCHMARK(shake128_scalar_4x)->Name("shake128_34B_3blocks_scalar_4x");
BENCHMARK(shake128_x4<keccak::x4_backend::portable>)->Name("shake128_34B_3blocks_x4_portable");
#if PQIKE_HAVE_AVX2_PATH
BENCHMARK(shake128_x4<keccak::x4_backend::avx2>)->Name("shake128_34B_3blocks_x4_avx2");
#endif
