// SHA3-256, SHA3-512, SHAKE128, SHAKE256 throughput for 64 B and 1 KiB inputs (SHAKE: 32 bytes
// out), plus the bare Keccak-f[1600] permutation.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <vector>

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

void permutation(benchmark::State& st) {
    keccak::state s{};
    for (auto _ : st) {
        keccak::permute(s);
        benchmark::DoNotOptimize(s);
    }
}

}  // namespace

BENCHMARK(hash<sha3_256>)->Name("sha3_256")->Arg(64)->Arg(1024);
BENCHMARK(hash<sha3_512>)->Name("sha3_512")->Arg(64)->Arg(1024);
BENCHMARK(xof<shake128>)->Name("shake128")->Arg(64)->Arg(1024);
BENCHMARK(xof<shake256>)->Name("shake256")->Arg(64)->Arg(1024);
BENCHMARK(permutation)->Name("keccak_f1600");
