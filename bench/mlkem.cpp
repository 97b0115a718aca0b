// SPDX-License-Identifier: MIT
// ML-KEM-512/768/1024: keygen, encaps, decaps (of an imported dk: with the §7.3 dk check),
// decaps_own (of a dk this process generated: no re-check, what kex::initiator_ke runs), and
// the §7.2 ek and §7.3 dk checks alone, one operation per iteration,
// on each backend: mlkemNNN/... is the dispatching policy the library uses (AVX2 when the CPU
// has it), mlkemNNN/portable/... and mlkemNNN/avx2/... pin one backend (the avx2 ones are only
// registered when this build and CPU can run them).
// Run with --benchmark_repetitions=N --benchmark_report_aggregates_only=true for medians.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdlib>
#include <string>

#include <pqike/crypto/mlkem.hpp>

namespace {

using namespace pqike::crypto;

template <class K>
struct keys {
    std::array<std::byte, K::ek_size> ek{};
    std::array<std::byte, K::dk_size> dk{};
    std::array<std::byte, K::ct_size> ct{};
    std::array<std::byte, K::ss_size> ss{};
    std::array<std::byte, 32> d{}, z{}, m{};
    keys() {
        for (std::size_t i = 0; i < 32; ++i) {
            d[i] = std::byte(i);
            z[i] = std::byte(i + 32);
            m[i] = std::byte(i + 64);
        }
        if (!K::keygen_derand(d, z, ek, dk) || !K::encaps_derand(ek, m, ct, ss)) std::abort();
    }
};

template <class K>
void keygen(benchmark::State& st) {
    keys<K> k;
    for (auto _ : st) {
        benchmark::DoNotOptimize(K::keygen_derand(k.d, k.z, k.ek, k.dk));
        benchmark::ClobberMemory();
    }
}
template <class K>
void encaps(benchmark::State& st) {
    keys<K> k;
    for (auto _ : st) {
        benchmark::DoNotOptimize(K::encaps_derand(k.ek, k.m, k.ct, k.ss));
        benchmark::ClobberMemory();
    }
}
template <class K>
void decaps(benchmark::State& st) {
    keys<K> k;
    for (auto _ : st) {
        benchmark::DoNotOptimize(K::decaps(k.dk, k.ct, k.ss));
        benchmark::ClobberMemory();
    }
}
// Decaps of a key this process generated (what kex::initiator_ke runs): no §7.3 dk re-check.
template <class K>
void decaps_own(benchmark::State& st) {
    keys<K> k;
    for (auto _ : st) {
        benchmark::DoNotOptimize(K::decaps_generated(k.dk, k.ct, k.ss));
        benchmark::ClobberMemory();
    }
}
template <class K>
void check_dk(benchmark::State& st) {
    keys<K> k;
    for (auto _ : st) {
        benchmark::DoNotOptimize(K::check_dk(k.dk));
        benchmark::ClobberMemory();
    }
}
template <class K>
void decaps_rejected(benchmark::State& st) {  // implicit rejection takes the same path
    keys<K> k;
    k.ct[0] ^= std::byte{1};
    for (auto _ : st) {
        benchmark::DoNotOptimize(K::decaps(k.dk, k.ct, k.ss));
        benchmark::ClobberMemory();
    }
}
template <class K>
void check_ek(benchmark::State& st) {
    keys<K> k;
    for (auto _ : st) {
        benchmark::DoNotOptimize(K::check_ek(k.ek));
        benchmark::ClobberMemory();
    }
}

// The NTT and NTT^-1 alone: the portable pair is what a -march=native build is compared on
// (ntt.hpp); the AVX2 pair is registered below where this build and CPU can run it.
template <class Poly, void (*Transform)(Poly&)>
void transform(benchmark::State& st) {
    alignas(32) Poly a{};
    for (std::size_t i = 0; i < mlkem::n; ++i) a[i] = static_cast<std::int16_t>(i * 7 % 3329);
    for (auto _ : st) {
        alignas(32) Poly b = a;
        Transform(b);
        benchmark::DoNotOptimize(b);
    }
}

}  // namespace

BENCHMARK(transform<mlkem::poly, mlkem::ntt>)->Name("mlkem/portable/ntt");
BENCHMARK(transform<mlkem::poly, mlkem::inv_ntt>)->Name("mlkem/portable/inv_ntt");

namespace {

template <class P>
void register_backend(const char* set, const char* backend) {
    using K = mlkem::kem_with<P, mlkem::backend::portable>;
    const std::string base = std::string(set) + "/" + backend + "/";
    const auto reg = [&](const char* op, auto fn) { benchmark::RegisterBenchmark((base + op).c_str(), fn); };
    if (std::string(backend) == "portable") {
        reg("keygen", keygen<K>);
        reg("encaps", encaps<K>);
        reg("decaps", decaps<K>);
        reg("decaps_own", decaps_own<K>);
    }
#if PQIKE_HAVE_AVX2_PATH
    using A = mlkem::kem_with<P, mlkem::backend::avx2>;
    if (std::string(backend) == "avx2") {
        reg("keygen", keygen<A>);
        reg("encaps", encaps<A>);
        reg("decaps", decaps<A>);
        reg("decaps_own", decaps_own<A>);
    }
#endif
}

const bool registered = [] {
    for (const char* b : {"portable", "avx2"}) {
        if (std::string(b) == "avx2" && !mlkem::avx2_available()) continue;
        register_backend<mlkem::params512>("mlkem512", b);
        register_backend<mlkem::params768>("mlkem768", b);
        register_backend<mlkem::params1024>("mlkem1024", b);
    }
#if PQIKE_HAVE_AVX2_PATH
    if (mlkem::avx2_available()) {
        benchmark::RegisterBenchmark("mlkem/avx2/ntt", transform<mlkem::poly, mlkem::avx2::ntt>);
        benchmark::RegisterBenchmark("mlkem/avx2/inv_ntt", transform<mlkem::poly, mlkem::avx2::inv_ntt>);
    }
#endif
    return true;
}();

}  // namespace

BENCHMARK(keygen<mlkem512>)->Name("mlkem512/keygen");
BENCHMARK(encaps<mlkem512>)->Name("mlkem512/encaps");
BENCHMARK(decaps<mlkem512>)->Name("mlkem512/decaps");
BENCHMARK(decaps_own<mlkem512>)->Name("mlkem512/decaps_own");
BENCHMARK(check_dk<mlkem512>)->Name("mlkem512/check_dk");
BENCHMARK(check_ek<mlkem512>)->Name("mlkem512/check_ek");
BENCHMARK(keygen<mlkem768>)->Name("mlkem768/keygen");
BENCHMARK(encaps<mlkem768>)->Name("mlkem768/encaps");
BENCHMARK(decaps<mlkem768>)->Name("mlkem768/decaps");
BENCHMARK(decaps_own<mlkem768>)->Name("mlkem768/decaps_own");
BENCHMARK(check_dk<mlkem768>)->Name("mlkem768/check_dk");
BENCHMARK(decaps_rejected<mlkem768>)->Name("mlkem768/decaps_rejected");
BENCHMARK(check_ek<mlkem768>)->Name("mlkem768/check_ek");
BENCHMARK(keygen<mlkem1024>)->Name("mlkem1024/keygen");
BENCHMARK(encaps<mlkem1024>)->Name("mlkem1024/encaps");
BENCHMARK(decaps<mlkem1024>)->Name("mlkem1024/decaps");
BENCHMARK(decaps_own<mlkem1024>)->Name("mlkem1024/decaps_own");
BENCHMARK(check_dk<mlkem1024>)->Name("mlkem1024/check_dk");
BENCHMARK(check_ek<mlkem1024>)->Name("mlkem1024/check_ek");
