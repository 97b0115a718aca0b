// ML-KEM-512/768/1024: keygen, encaps, decaps and the §7.2 ek check, one operation per iteration.
// Run with --benchmark_repetitions=N --benchmark_report_aggregates_only=true for medians.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdlib>

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

}  // namespace

BENCHMARK(keygen<mlkem512>)->Name("mlkem512/keygen");
BENCHMARK(encaps<mlkem512>)->Name("mlkem512/encaps");
BENCHMARK(decaps<mlkem512>)->Name("mlkem512/decaps");
BENCHMARK(check_ek<mlkem512>)->Name("mlkem512/check_ek");
BENCHMARK(keygen<mlkem768>)->Name("mlkem768/keygen");
BENCHMARK(encaps<mlkem768>)->Name("mlkem768/encaps");
BENCHMARK(decaps<mlkem768>)->Name("mlkem768/decaps");
BENCHMARK(decaps_rejected<mlkem768>)->Name("mlkem768/decaps_rejected");
BENCHMARK(check_ek<mlkem768>)->Name("mlkem768/check_ek");
BENCHMARK(keygen<mlkem1024>)->Name("mlkem1024/keygen");
BENCHMARK(encaps<mlkem1024>)->Name("mlkem1024/encaps");
BENCHMARK(decaps<mlkem1024>)->Name("mlkem1024/decaps");
BENCHMARK(check_ek<mlkem1024>)->Name("mlkem1024/check_ek");
