// SPDX-License-Identifier: MIT
// ML-KEM side by side with an anchor in one process: pqike (run-time backend) against
// pq-crystals/kyber's AVX2 code (FIPS 203 version), which bench/anchors/run.sh fetches and
// builds outside this tree with its own Makefile flags and links as shared objects; none of
// its code is in this repository. Checks first that both give byte-identical ek, dk, ct and
// shared secrets from the same coins. pqike's encaps includes the FIPS 203 §7.2 ek check
// (pq-crystals' does not); decaps/pqike_imported includes the §7.3 dk check, decaps/pqike_own
// (what kex::initiator_ke runs) and pq-crystals' dec do not.
#include <benchmark/benchmark.h>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <pqike/crypto/mlkem.hpp>
extern "C" {
#define DECL(n) \
int pqcrystals_kyber##n##_avx2_keypair_derand(uint8_t *pk, uint8_t *sk, const uint8_t *coins); \
int pqcrystals_kyber##n##_avx2_enc_derand(uint8_t *ct, uint8_t *ss, const uint8_t *pk, const uint8_t *coins); \
int pqcrystals_kyber##n##_avx2_dec(uint8_t *ss, const uint8_t *ct, const uint8_t *sk);
DECL(512) DECL(768) DECL(1024)
}
using namespace pqike::crypto;
struct pk_fns { int (*kp)(uint8_t*, uint8_t*, const uint8_t*); int (*enc)(uint8_t*, uint8_t*, const uint8_t*, const uint8_t*); int (*dec)(uint8_t*, const uint8_t*, const uint8_t*); };
template <class K> struct st {
    std::array<std::byte, K::ek_size> ek{}; std::array<std::byte, K::dk_size> dk{};
    std::array<std::byte, K::ct_size> ct{}; std::array<std::byte, 32> ss{}, ss2{};
    std::array<std::byte, 64> dz{}; std::array<std::byte, 32> m{};
    st() { for (int i = 0; i < 64; ++i) dz[i] = std::byte(i); for (int i = 0; i < 32; ++i) m[i] = std::byte(100 + i);
           if (!K::keygen_derand(std::span<const std::byte,32>(dz.data(),32), std::span<const std::byte,32>(dz.data()+32,32), ek, dk)) std::abort();
           if (!K::encaps_derand(ek, m, ct, ss)) std::abort(); }
};
template <class K> void check(pk_fns f) {
    st<K> a; st<K> b;
    f.kp((uint8_t*)b.ek.data(), (uint8_t*)b.dk.data(), (const uint8_t*)a.dz.data());
    f.enc((uint8_t*)b.ct.data(), (uint8_t*)b.ss.data(), (const uint8_t*)b.ek.data(), (const uint8_t*)a.m.data());
    f.dec((uint8_t*)b.ss2.data(), (const uint8_t*)a.ct.data(), (const uint8_t*)a.dk.data());
    if (a.ek != b.ek || a.dk != b.dk || a.ct != b.ct || a.ss != b.ss || b.ss2 != a.ss) { std::puts("MISMATCH"); std::abort(); }
}
template <class K> void p_keygen(benchmark::State& s) { st<K> k; for (auto _ : s) { benchmark::DoNotOptimize(K::keygen_derand(std::span<const std::byte,32>(k.dz.data(),32), std::span<const std::byte,32>(k.dz.data()+32,32), k.ek, k.dk)); benchmark::ClobberMemory(); } }
template <class K> void p_encaps(benchmark::State& s) { st<K> k; for (auto _ : s) { benchmark::DoNotOptimize(K::encaps_derand(k.ek, k.m, k.ct, k.ss)); benchmark::ClobberMemory(); } }
template <class K> void p_decaps(benchmark::State& s) { st<K> k; for (auto _ : s) { benchmark::DoNotOptimize(K::decaps(k.dk, k.ct, k.ss)); benchmark::ClobberMemory(); } }
template <class K> void p_decaps_own(benchmark::State& s) { st<K> k; for (auto _ : s) { benchmark::DoNotOptimize(K::decaps_generated(k.dk, k.ct, k.ss)); benchmark::ClobberMemory(); } }
template <class K> void a_keygen(benchmark::State& s, pk_fns f) { st<K> k; for (auto _ : s) { f.kp((uint8_t*)k.ek.data(), (uint8_t*)k.dk.data(), (const uint8_t*)k.dz.data()); benchmark::ClobberMemory(); } }
template <class K> void a_encaps(benchmark::State& s, pk_fns f) { st<K> k; for (auto _ : s) { f.enc((uint8_t*)k.ct.data(), (uint8_t*)k.ss.data(), (const uint8_t*)k.ek.data(), (const uint8_t*)k.m.data()); benchmark::ClobberMemory(); } }
template <class K> void a_decaps(benchmark::State& s, pk_fns f) { st<K> k; for (auto _ : s) { f.dec((uint8_t*)k.ss.data(), (const uint8_t*)k.ct.data(), (const uint8_t*)k.dk.data()); benchmark::ClobberMemory(); } }
#define REG(n) { pk_fns f{pqcrystals_kyber##n##_avx2_keypair_derand, pqcrystals_kyber##n##_avx2_enc_derand, pqcrystals_kyber##n##_avx2_dec}; using K = mlkem##n; check<K>(f); \
  benchmark::RegisterBenchmark("mlkem" #n "/keygen/pqike", p_keygen<K>); benchmark::RegisterBenchmark("mlkem" #n "/keygen/pqcrystals", a_keygen<K>, f); \
  benchmark::RegisterBenchmark("mlkem" #n "/encaps/pqike", p_encaps<K>); benchmark::RegisterBenchmark("mlkem" #n "/encaps/pqcrystals", a_encaps<K>, f); \
  benchmark::RegisterBenchmark("mlkem" #n "/decaps/pqike_imported", p_decaps<K>); benchmark::RegisterBenchmark("mlkem" #n "/decaps/pqike_own", p_decaps_own<K>); benchmark::RegisterBenchmark("mlkem" #n "/decaps/pqcrystals", a_decaps<K>, f); }
int main(int argc, char** argv) { REG(512) REG(768) REG(1024) std::puts("outputs byte-identical: ok");
  benchmark::Initialize(&argc, argv); benchmark::RunSpecifiedBenchmarks(); }
