// SPDX-License-Identifier: MIT
// Four Keccak-f[1600] permutations side by side, and four SHAKE sponges run in lockstep.
//
// ML-KEM spends most of its time in Keccak, in many short, independent, equally long calls (the
// XOF that samples the matrix A, the PRF that samples the noise). Four of them at once fit one
// 256-bit register per lane, so state_x4 is lane-major: lane[x + 5y][j] is lane (x, y) of
// instance j, and one aligned 32-byte load gives the same lane of all four instances. The AVX2
// permutation then is the scalar round with every 64-bit operation replaced by its 4x64-bit
// vector form; no shuffles between instances are ever needed. The byte-level absorb and squeeze
// work on the same memory with scalar code (they are cheap next to the permutation). Measured
// with bench/sha3.cpp (AMD EPYC Zen 3 VM; g++ 12.2 -O3 and clang 14 alike): permute_x4_avx2
// ~430 ns per call, i.e. ~108 ns per state against ~310-330 ns for the scalar permutation the
// sponges run (its BMI build; ~370 ns without BMI), 3x.
//
// Two backends, chosen by the caller at run time: x4_backend::portable (four scalar permutes;
// also the test oracle) and x4_backend::avx2 (only where PQIKE_HAVE_AVX2_PATH is 1 and only
// after cpu::has_avx2() returned true; compiled through the PQIKE_TARGET_AVX2 function attribute,
// never with a global -mavx2). Both are constant time: no data-dependent branches or indices.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../bytes.hpp"
#include "../secret.hpp"
#include "cpu.hpp"
#include "keccak.hpp"

#if PQIKE_HAVE_AVX2_PATH
#include <immintrin.h>
#endif

namespace pqike::crypto::keccak {

// Four Keccak-f[1600] states side by side, lane-major: lane[x + 5*y][j] is lane (x, y) of
// instance j, so one 256-bit vector holds the same lane of all four instances. No default
// member initializer: `state_x4 s{}` is all zero, `state_x4 s;` is left for the owner to fill
// (ML-KEM's samplers zero it with vector stores instead of the rep stos a zero-init becomes).
struct alignas(32) state_x4 {
    std::array<std::array<std::uint64_t, 4>, 25> lane;
};
static_assert(sizeof(state_x4) == 25 * 32);

// Four scalar permutes (the fallback, and the oracle the AVX2 version is tested against).
inline void permute_x4_portable(state_x4& s) noexcept {
    state one;
    for (std::size_t j = 0; j < 4; ++j) {
        for (std::size_t i = 0; i < lanes; ++i) one[i] = s.lane[i][j];
        permute(one);
        for (std::size_t i = 0; i < lanes; ++i) s.lane[i][j] = one[i];
    }
    secure_zeroize(one.data(), sizeof(one));
}

#if PQIKE_HAVE_AVX2_PATH
namespace detail::x4 {

// All helpers carry the target attribute themselves: a __m256i must never cross a function
// compiled without AVX (that changes the calling convention), and this lets them inline.

// rotl of each 64-bit lane by a constant. By 8 and 56 (whole bytes) one byte shuffle within
// each 64-bit lane is cheaper than two shifts and an or; 0 is the identity (lane (0, 0)).
template <int N>
[[gnu::always_inline]] PQIKE_TARGET_AVX2 inline __m256i rotl(__m256i v) noexcept {
    static_assert(N >= 0 && N < 64);
    if constexpr (N == 0) {
        return v;
    } else if constexpr (N == 8) {
        // Result byte i is input byte i - 1 (mod 8) of the same lane (little endian).
        return _mm256_shuffle_epi8(v, _mm256_setr_epi8(7, 0, 1, 2, 3, 4, 5, 6, 15, 8, 9, 10, 11, 12,
                                                       13, 14, 7, 0, 1, 2, 3, 4, 5, 6, 15, 8, 9,
                                                       10, 11, 12, 13, 14));
    } else if constexpr (N == 56) {
        // Result byte i is input byte i + 1 (mod 8).
        return _mm256_shuffle_epi8(v, _mm256_setr_epi8(1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13,
                                                       14, 15, 8, 1, 2, 3, 4, 5, 6, 7, 0, 9, 10,
                                                       11, 12, 13, 14, 15, 8));
    } else if constexpr (N == 1) {
        // v + v is v << 1, and the add runs on more ports than the shift.
        return _mm256_or_si256(_mm256_add_epi64(v, v), _mm256_srli_epi64(v, 63));
    } else {
        return _mm256_or_si256(_mm256_slli_epi64(v, N), _mm256_srli_epi64(v, 64 - N));
    }
}

// rho and pi: output lane (X, Y) is rotl(A[x, y] ^ D[x], rho[x, y]) with X = y and
// Y = 2x + 3y, i.e. x = 3Y + X (mod 5), y = X (FIPS 202 Alg. 2 and 3).
constexpr std::size_t pi_source(std::size_t X, std::size_t Y) noexcept {
    return (3 * Y + X) % 5 + 5 * X;
}

// One output row Y of a round: rho and pi into b0..b4, then chi along the row.
template <std::size_t Y>
[[gnu::always_inline]] PQIKE_TARGET_AVX2 inline void row(const __m256i* a, const __m256i* d,
                                                          __m256i* e) noexcept {
    constexpr std::size_t s0 = pi_source(0, Y), s1 = pi_source(1, Y), s2 = pi_source(2, Y),
                          s3 = pi_source(3, Y), s4 = pi_source(4, Y);
    const __m256i b0 = rotl<detail::rho[s0]>(_mm256_xor_si256(a[s0], d[s0 % 5]));
    const __m256i b1 = rotl<detail::rho[s1]>(_mm256_xor_si256(a[s1], d[s1 % 5]));
    const __m256i b2 = rotl<detail::rho[s2]>(_mm256_xor_si256(a[s2], d[s2 % 5]));
    const __m256i b3 = rotl<detail::rho[s3]>(_mm256_xor_si256(a[s3], d[s3 % 5]));
    const __m256i b4 = rotl<detail::rho[s4]>(_mm256_xor_si256(a[s4], d[s4 % 5]));
    // chi: b_x ^ (~b_{x+1} & b_{x+2}); andnot(p, q) is ~p & q.
    e[5 * Y + 0] = _mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2));
    e[5 * Y + 1] = _mm256_xor_si256(b1, _mm256_andnot_si256(b2, b3));
    e[5 * Y + 2] = _mm256_xor_si256(b2, _mm256_andnot_si256(b3, b4));
    e[5 * Y + 3] = _mm256_xor_si256(b3, _mm256_andnot_si256(b4, b0));
    e[5 * Y + 4] = _mm256_xor_si256(b4, _mm256_andnot_si256(b0, b1));
}

// One full round a -> e (theta, rho, pi, chi, iota), FIPS 202 §3.3 with Rnd = iota(chi(pi(rho(
// theta(A))))). Each output row is formed and chi'd at once, as in the scalar permute.
[[gnu::always_inline]] PQIKE_TARGET_AVX2 inline void round(const __m256i* a, __m256i* e,
                                                            std::uint64_t rc) noexcept {
    __m256i c[5], d[5];
    for (std::size_t x = 0; x < 5; ++x)
        c[x] = _mm256_xor_si256(_mm256_xor_si256(_mm256_xor_si256(a[x], a[x + 5]),
                                                 _mm256_xor_si256(a[x + 10], a[x + 15])),
                                a[x + 20]);
    d[0] = _mm256_xor_si256(c[4], rotl<1>(c[1]));
    d[1] = _mm256_xor_si256(c[0], rotl<1>(c[2]));
    d[2] = _mm256_xor_si256(c[1], rotl<1>(c[3]));
    d[3] = _mm256_xor_si256(c[2], rotl<1>(c[4]));
    d[4] = _mm256_xor_si256(c[3], rotl<1>(c[0]));
    row<0>(a, d, e);
    row<1>(a, d, e);
    row<2>(a, d, e);
    row<3>(a, d, e);
    row<4>(a, d, e);
    e[0] = _mm256_xor_si256(e[0], _mm256_set1_epi64x(static_cast<long long>(rc)));
}

}  // namespace detail::x4

// The same result as permute_x4_portable with __m256i lanes: lane i of all four instances is
// one vector, and every step is the scalar step on four lanes at once. Two rounds per
// iteration, ping-ponging between a and e; the first round reads the state and the last one
// writes it in place. (Loading the state into a local array first made g++ 12 copy it with
// `rep movsq` on the way in and out: 9 % of the permutation, measured with bench/sha3.cpp.)
// Only call it when cpu::has_avx2() is true.
PQIKE_TARGET_AVX2 inline void permute_x4_avx2(state_x4& s) noexcept {
    __m256i* const st = reinterpret_cast<__m256i*>(s.lane.data());
    __m256i a[lanes], e[lanes];
    static_assert(rounds % 2 == 0 && rounds >= 4);
    detail::x4::round(st, e, detail::round_constants[0]);
    detail::x4::round(e, a, detail::round_constants[1]);
    for (std::size_t r = 2; r < rounds - 2; r += 2) {
        detail::x4::round(a, e, detail::round_constants[r]);
        detail::x4::round(e, a, detail::round_constants[r + 1]);
    }
    detail::x4::round(a, e, detail::round_constants[rounds - 2]);
    detail::x4::round(e, st, detail::round_constants[rounds - 1]);
}
#endif

enum class x4_backend { portable, avx2 };

// Four independent sponges run in lockstep (FIPS 202 §4 with the byte-level pad of §6: Suffix,
// then pad10*1). One-shot absorb of four messages of the SAME length (ML-KEM's XOF and PRF inputs
// are short and fixed), then squeeze whole blocks.
//
// Misuse is a programming error and never reads or writes out of bounds:
//   - absorb_once with messages of different lengths absorbs nothing: the sponge is left wiped
//     and not absorbed;
//   - squeeze_blocks before any absorb_once, or with output sizes that differ or are not a
//     multiple of Rate, zero-fills every output span and leaves the state as it was.
// The state is wiped on destruction (it may hold secrets: ML-KEM's PRF seeds).
template <std::size_t Rate, std::uint8_t Suffix, x4_backend B>
class sponge_x4 {
    static_assert(Rate % 8 == 0 && Rate > 0 && Rate < lanes * 8);
#if !PQIKE_HAVE_AVX2_PATH
    static_assert(B == x4_backend::portable, "the AVX2 backend is not compiled in this build");
#endif

public:
    static constexpr std::size_t rate = Rate;
    static constexpr x4_backend backend = B;

    sponge_x4() noexcept = default;
    sponge_x4(const sponge_x4&) noexcept = default;
    sponge_x4& operator=(const sponge_x4&) noexcept = default;
    ~sponge_x4() { wipe(); }

    // Start four new computations (any previous state is discarded): absorb in_j into instance j
    // and pad. Precondition: all four sizes equal (otherwise nothing is absorbed, see above).
    void absorb_once(bytes_view in0, bytes_view in1, bytes_view in2, bytes_view in3) noexcept {
        wipe();
        const std::size_t n = in0.size();
        if (in1.size() != n || in2.size() != n || in3.size() != n) return;
        const std::array<bytes_view, 4> in{in0, in1, in2, in3};
        std::size_t off = 0;
        for (; n - off >= Rate; off += Rate) {
            for (std::size_t l = 0; l < Rate / 8; ++l)
                for (std::size_t j = 0; j < 4; ++j)
                    s_.lane[l][j] ^= load_le64(in[j].subspan(off + 8 * l, 8).data());
            run_permute();
        }
        // The last, partial block (rem < Rate bytes) and the padding, assembled lane by lane in
        // a register: whole lanes straight from the input, the lane with the last rem % 8 bytes
        // and the suffix byte built up locally, the final 0x80 into the top byte of the block.
        // (Xoring byte by byte into the state chains a store-to-load dependency per byte, and a
        // zero-padded copy of the block stalls store forwarding: each cost a third of a permute
        // for ML-KEM's 34-byte inputs.)
        const std::size_t rem = n - off;
        for (std::size_t j = 0; j < 4; ++j) {
            std::size_t l = 0;
            for (; 8 * l + 8 <= rem; ++l) s_.lane[l][j] ^= load_le64(in[j].subspan(off + 8 * l, 8).data());
            std::uint64_t t = std::uint64_t{Suffix} << (8 * (rem % 8));
            for (std::size_t k = 0; k < rem % 8; ++k)
                t |= std::uint64_t{std::to_integer<std::uint8_t>(in[j][off + 8 * l + k])} << (8 * k);
            s_.lane[l][j] ^= t;
            s_.lane[Rate / 8 - 1][j] ^= std::uint64_t{0x80} << 56;
        }
        absorbed_ = true;
    }

    // Write the next out_j.size() / Rate output blocks of instance j into out_j. Precondition:
    // all four sizes equal and a multiple of Rate, after absorb_once (otherwise see above).
    void squeeze_blocks(mut_bytes out0, mut_bytes out1, mut_bytes out2, mut_bytes out3) noexcept {
        const std::array<mut_bytes, 4> out{out0, out1, out2, out3};
        const std::size_t n = out0.size();
        if (!absorbed_ || n % Rate != 0 || out1.size() != n || out2.size() != n ||
            out3.size() != n) {
            for (const mut_bytes o : out) secure_zeroize(o);
            return;
        }
        for (std::size_t off = 0; off < n; off += Rate) {
            // The permute is done lazily, just before a block is read, so that absorb_once and
            // each squeezed block cost exactly one permute each.
            run_permute();
            // Lane-major order: the four words of each lane are read right after the permute
            // stored them as one vector, which keeps store forwarding fast (about 3x faster
            // than instance-major order here).
            for (std::size_t l = 0; l < Rate / 8; ++l)
                for (std::size_t j = 0; j < 4; ++j)
                    store_le64(out[j].subspan(off + 8 * l, 8).data(), s_.lane[l][j]);
        }
    }

    // Zeroize the state (also done by the destructor); the sponge must be absorbed again.
    void wipe() noexcept {
        secure_zeroize(&s_, sizeof(s_));
        absorbed_ = false;
    }

    // Read access to the four states, for tests (e.g. that wipe() zeroizes).
    const state_x4& raw_state() const noexcept { return s_; }

private:
    void run_permute() noexcept {
#if PQIKE_HAVE_AVX2_PATH
        if constexpr (B == x4_backend::avx2) {
            permute_x4_avx2(s_);
            return;
        }
#endif
        permute_x4_portable(s_);
    }

    state_x4 s_{};
    bool absorbed_ = false;
};

template <x4_backend B>
using shake128_x4 = sponge_x4<168, 0x1f, B>;
template <x4_backend B>
using shake256_x4 = sponge_x4<136, 0x1f, B>;

}  // namespace pqike::crypto::keccak
