// SPDX-License-Identifier: MIT
// SHA-2 and HMAC throughput (64 B and 1 KiB), HMAC with a precomputed key versus full keying,
// the bare cost of two compressions (the floor of one small-message HMAC with a cached key), and
// the two SHA-256 block functions (portable, SHA-NI) side by side, reported per block.
// Issue 4 floor: HMAC-SHA-256 of 64 bytes, key setup included, <= 1.5 us.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <pqike/crypto/cpu.hpp>
#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/sha2.hpp>
#include <pqike/crypto/sha256_sha_ni.hpp>
#include <vector>

namespace {

using namespace pqike;
using namespace pqike::crypto;

std::vector<std::byte> pattern(std::size_t n) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>(i * 131 + 7);
    return v;
}

template <class H>
void bm_hash(benchmark::State& st) {
    const auto msg = pattern(static_cast<std::size_t>(st.range(0)));
    std::array<std::byte, H::digest_size> out{};
    for (auto _ : st) {
        H::hash(msg, out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * st.range(0));
}

// Key setup and MAC every iteration (what a one-off MAC costs).
template <class P>
void bm_hmac_full(benchmark::State& st) {
    const auto key = pattern(P::preferred_key_size);
    const auto msg = pattern(static_cast<std::size_t>(st.range(0)));
    std::array<std::byte, P::output_size> out{};
    for (auto _ : st) {
        benchmark::DoNotOptimize(key.data());
        P prf{bytes_view(key)};
        prf.compute(bytes_view(msg), out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * st.range(0));
}

// Key set up once (what prf+ pays per block).
template <class P>
void bm_hmac_keyed(benchmark::State& st) {
    const auto key = pattern(P::preferred_key_size);
    const auto msg = pattern(static_cast<std::size_t>(st.range(0)));
    const P prf{bytes_view(key)};
    std::array<std::byte, P::output_size> out{};
    for (auto _ : st) {
        prf.compute(bytes_view(msg), out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * st.range(0));
}

// Key setup alone: two compressions plus the pad blocks.
template <class P>
void bm_hmac_keying(benchmark::State& st) {
    const auto key = pattern(P::preferred_key_size);
    for (auto _ : st) {
        benchmark::DoNotOptimize(key.data());
        P prf{bytes_view(key)};
        benchmark::DoNotOptimize(&prf);
    }
}

// Two raw SHA-256 compressions: the lower bound for a keyed HMAC of a message of <= 55 bytes.
void bm_sha256_two_compressions(benchmark::State& st) {
    std::array<std::uint32_t, 8> state{};
    const auto block = pattern(128);
    for (auto _ : st) {
        detail::sha256_compress(state.data(), block.data(), 2);
        benchmark::DoNotOptimize(state.data());
    }
}
void bm_sha512_two_compressions(benchmark::State& st) {
    std::array<std::uint64_t, 8> state{};
    const auto block = pattern(256);
    for (auto _ : st) {
        detail::sha512_compress(state.data(), block.data(), 2);
        benchmark::DoNotOptimize(state.data());
    }
}

// One block function over range(0) blocks; the per_block counter is the time per 64-byte block.
template <bool ShaNi>
void bm_sha256_compress(benchmark::State& st) {
    const auto n = static_cast<std::size_t>(st.range(0));
    std::array<std::uint32_t, 8> state{};
    const auto blocks = pattern(64 * n);
    if constexpr (ShaNi) {
        if (!cpu::has_sha_ni()) {
            st.SkipWithError("no SHA-NI path in this build or CPU");
            return;
        }
    }
    for (auto _ : st) {
#if PQIKE_HAVE_SHA_NI_PATH
        if constexpr (ShaNi)
            detail::sha256_compress_sha_ni(state.data(), blocks.data(), n);
        else
#endif
            detail::sha256_compress_portable(state.data(), blocks.data(), n);
        benchmark::DoNotOptimize(state.data());
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * st.range(0) * 64);
    using C = benchmark::Counter;
    st.counters["per_block"] =
        C(static_cast<double>(n), C::kIsIterationInvariantRate | C::kInvert);
}

}  // namespace

BENCHMARK(bm_hash<sha1>)->Arg(64)->Arg(1024)->Name("sha1");
BENCHMARK(bm_hash<sha256>)->Arg(64)->Arg(1024)->Name("sha256");
BENCHMARK(bm_hash<sha384>)->Arg(64)->Arg(1024)->Name("sha384");
BENCHMARK(bm_hash<sha512>)->Arg(64)->Arg(1024)->Name("sha512");
BENCHMARK(bm_hmac_full<hmac_sha256>)->Arg(64)->Arg(1024)->Name("hmac_sha256/full_keying");
BENCHMARK(bm_hmac_keyed<hmac_sha256>)->Arg(32)->Arg(64)->Arg(1024)->Name("hmac_sha256/precomputed_key");
BENCHMARK(bm_hmac_full<hmac_sha384>)->Arg(64)->Arg(1024)->Name("hmac_sha384/full_keying");
BENCHMARK(bm_hmac_keyed<hmac_sha384>)->Arg(64)->Arg(1024)->Name("hmac_sha384/precomputed_key");
BENCHMARK(bm_hmac_full<hmac_sha512>)->Arg(64)->Name("hmac_sha512/full_keying");
BENCHMARK(bm_hmac_keyed<hmac_sha512>)->Arg(64)->Name("hmac_sha512/precomputed_key");
BENCHMARK(bm_hmac_full<hmac_sha1>)->Arg(64)->Name("hmac_sha1/full_keying");
BENCHMARK(bm_hmac_keying<hmac_sha256>)->Name("hmac_sha256/key_setup_only");
BENCHMARK(bm_hmac_keying<hmac_sha384>)->Name("hmac_sha384/key_setup_only");
BENCHMARK(bm_sha256_two_compressions)->Name("sha256/two_compressions");
BENCHMARK(bm_sha512_two_compressions)->Name("sha512/two_compressions");
BENCHMARK(bm_sha256_compress<false>)->Arg(1)->Arg(16)->Name("sha256_compress/portable");
BENCHMARK(bm_sha256_compress<true>)->Arg(1)->Arg(16)->Name("sha256_compress/sha_ni");
