// SPDX-License-Identifier: MIT
// ML-KEM side by side with two anchors in one process: pqike (run-time backend) against
// pq-crystals/kyber's AVX2 code (FIPS 203 version) and mlkem-native with its x86_64 native
// arithmetic and FIPS-202 backends. The anchors are built by the user outside this tree and
// linked by bench/anchors/run.sh; none of their code is in this repository. Before any timing,
// main() checks that all three give byte-identical ek, dk, ct and shared secrets from the same
// coins, and aborts otherwise.
// What each operation includes: pqike's encaps runs the FIPS 203 §7.2 ek check, as does
// mlkem-native's (pq-crystals' does not); mlkem-native's dec runs the §7.3 dk hash check, as
// does decaps/pqike_imported; decaps/pqike_own (what kex::initiator_ke runs, a dk this process
// generated) and pq-crystals' dec do not.
#include <benchmark/benchmark.h>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <pqike/crypto/mlkem.hpp>
extern "C" {
#define DECL(n) \
int pqcrystals_kyber##n##_avx2_keypair_derand(uint8_t *pk, uint8_t *sk, const uint8_t *coins); \
int pqcrystals_kyber##n##_avx2_enc_derand(uint8_t *ct, uint8_t *ss, const uint8_t *pk, const uint8_t *coins); \
int pqcrystals_kyber##n##_avx2_dec(uint8_t *ss, const uint8_t *ct, const uint8_t *sk);
DECL(512) DECL(768) DECL(1024)
#undef DECL
#define DECL(n) \
int mlkem##n##_keypair_derand(uint8_t *pk, uint8_t *sk, const uint8_t *coins); \
int mlkem##n##_enc_derand(uint8_t *ct, uint8_t *ss, const uint8_t *pk, const uint8_t *coins); \
int mlkem##n##_dec(uint8_t *ss, const uint8_t *ct, const uint8_t *sk);
DECL(512) DECL(768) DECL(1024)
#undef DECL
// Both anchors link against a randombytes() that the application supplies. The harness calls
// only their derandomised entry points, so it is never reached.
int randombytes(uint8_t*, size_t) { std::abort(); }
}
using namespace pqike::crypto;
namespace {
struct fns {
    int (*kp)(uint8_t*, uint8_t*, const uint8_t*);
    int (*enc)(uint8_t*, uint8_t*, const uint8_t*, const uint8_t*);
    int (*dec)(uint8_t*, const uint8_t*, const uint8_t*);
};
template <class K> struct st {
    std::array<std::byte, K::ek_size> ek{}; std::array<std::byte, K::dk_size> dk{};
    std::array<std::byte, K::ct_size> ct{}; std::array<std::byte, 32> ss{}, ss2{};
    std::array<std::byte, 64> dz{}; std::array<std::byte, 32> m{};
    st() {
        for (int i = 0; i < 64; ++i) dz[static_cast<std::size_t>(i)] = std::byte(i);
        for (int i = 0; i < 32; ++i) m[static_cast<std::size_t>(i)] = std::byte(100 + i);
        if (!K::keygen_derand(std::span<const std::byte, 32>(dz.data(), 32),
                              std::span<const std::byte, 32>(dz.data() + 32, 32), ek, dk)) std::abort();
        if (!K::encaps_derand(ek, m, ct, ss)) std::abort();
    }
};
uint8_t* u(std::byte* p) { return reinterpret_cast<uint8_t*>(p); }
const uint8_t* u(const std::byte* p) { return reinterpret_cast<const uint8_t*>(p); }
// Same coins through pqike and the anchor: every output byte must agree, and the anchor must
// decapsulate pqike's ciphertext with pqike's dk to the same key (and a tampered one to the
// same implicit-rejection key).
template <class K> void check(fns f, const char* who) {
    st<K> a; st<K> b;
    bool ok = f.kp(u(b.ek.data()), u(b.dk.data()), u(a.dz.data())) == 0 &&
              f.enc(u(b.ct.data()), u(b.ss.data()), u(b.ek.data()), u(a.m.data())) == 0 &&
              f.dec(u(b.ss2.data()), u(a.ct.data()), u(a.dk.data())) == 0;
    ok = ok && a.ek == b.ek && a.dk == b.dk && a.ct == b.ct && a.ss == b.ss && b.ss2 == a.ss;
    a.ct[7] ^= std::byte{1};
    ok = ok && K::decaps(a.dk, a.ct, a.ss2) && f.dec(u(b.ss2.data()), u(a.ct.data()), u(a.dk.data())) == 0 &&
         a.ss2 == b.ss2 && a.ss2 != a.ss;
    if (!ok) { std::printf("MISMATCH: %s %s\n", K::name, who); std::abort(); }
}
template <class K> void p_keygen(benchmark::State& s) {
    st<K> k;
    for (auto _ : s) {
        benchmark::DoNotOptimize(K::keygen_derand(std::span<const std::byte, 32>(k.dz.data(), 32),
                                                  std::span<const std::byte, 32>(k.dz.data() + 32, 32), k.ek, k.dk));
        benchmark::ClobberMemory();
    }
}
template <class K> void p_encaps(benchmark::State& s) { st<K> k; for (auto _ : s) { benchmark::DoNotOptimize(K::encaps_derand(k.ek, k.m, k.ct, k.ss)); benchmark::ClobberMemory(); } }
template <class K> void p_decaps(benchmark::State& s) { st<K> k; for (auto _ : s) { benchmark::DoNotOptimize(K::decaps(k.dk, k.ct, k.ss)); benchmark::ClobberMemory(); } }
template <class K> void p_decaps_own(benchmark::State& s) { st<K> k; for (auto _ : s) { benchmark::DoNotOptimize(K::decaps_generated(k.dk, k.ct, k.ss)); benchmark::ClobberMemory(); } }
template <class K> void a_keygen(benchmark::State& s, fns f) { st<K> k; for (auto _ : s) { benchmark::DoNotOptimize(f.kp(u(k.ek.data()), u(k.dk.data()), u(k.dz.data()))); benchmark::ClobberMemory(); } }
template <class K> void a_encaps(benchmark::State& s, fns f) { st<K> k; for (auto _ : s) { benchmark::DoNotOptimize(f.enc(u(k.ct.data()), u(k.ss.data()), u(k.ek.data()), u(k.m.data()))); benchmark::ClobberMemory(); } }
template <class K> void a_decaps(benchmark::State& s, fns f) { st<K> k; for (auto _ : s) { benchmark::DoNotOptimize(f.dec(u(k.ss.data()), u(k.ct.data()), u(k.dk.data()))); benchmark::ClobberMemory(); } }
template <class K> void reg(const char* set, fns pc, fns mn) {
    check<K>(pc, "pq-crystals"); check<K>(mn, "mlkem-native");
    const std::string n = set;
    benchmark::RegisterBenchmark((n + "/keygen/pqike").c_str(), p_keygen<K>);
    benchmark::RegisterBenchmark((n + "/keygen/pqcrystals").c_str(), a_keygen<K>, pc);
    benchmark::RegisterBenchmark((n + "/keygen/mlkemnative").c_str(), a_keygen<K>, mn);
    benchmark::RegisterBenchmark((n + "/encaps/pqike").c_str(), p_encaps<K>);
    benchmark::RegisterBenchmark((n + "/encaps/pqcrystals").c_str(), a_encaps<K>, pc);
    benchmark::RegisterBenchmark((n + "/encaps/mlkemnative").c_str(), a_encaps<K>, mn);
    benchmark::RegisterBenchmark((n + "/decaps/pqike_own").c_str(), p_decaps_own<K>);
    benchmark::RegisterBenchmark((n + "/decaps/pqike_imported").c_str(), p_decaps<K>);
    benchmark::RegisterBenchmark((n + "/decaps/pqcrystals").c_str(), a_decaps<K>, pc);
    benchmark::RegisterBenchmark((n + "/decaps/mlkemnative").c_str(), a_decaps<K>, mn);
}
}  // namespace
#define MN(n) fns{mlkem##n##_keypair_derand, mlkem##n##_enc_derand, mlkem##n##_dec}
#define PC(n) fns{pqcrystals_kyber##n##_avx2_keypair_derand, pqcrystals_kyber##n##_avx2_enc_derand, pqcrystals_kyber##n##_avx2_dec}
int main(int argc, char** argv) {
    reg<mlkem512>("mlkem512", PC(512), MN(512));
    reg<mlkem768>("mlkem768", PC(768), MN(768));
    reg<mlkem1024>("mlkem1024", PC(1024), MN(1024));
    std::puts("outputs byte-identical with both anchors: ok");
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
}
