// SPDX-License-Identifier: MIT
// The SHA-256 block function (FIPS 180-4 §6.2.2) on the x86 SHA extensions, bit-identical to
// detail::sha256_compress_portable. sha2.hpp's sha256_compress calls it when cpu::has_sha_ni();
// it may also be called directly, but only on such a CPU (elsewhere it faults with SIGILL).
//
// SHA256RNDS2 does two rounds on a state split over two registers, {A,B,E,F} and {C,D,G,H}
// (highest lane first), with W[t] + K[t] for the two rounds in the low half of a third register.
// SHA256MSG1 / SHA256MSG2 do the σ0 and σ1 halves of the message schedule four words at a time;
// the W[t-7] term in between is a PALIGNR of the two newest message registers.
//
// The instructions have data-independent timing and there are no data-dependent branches or
// table indices, so the path is constant-time like the portable one. Message words (in HMAC:
// key material) live only in xmm registers: there is no schedule array to wipe. The registers
// themselves cannot be cleared portably from C++; an optimized build has enough of them (16)
// that nothing is spilled (g++ 12 and clang++ 14 at -O1..-O3 and -Os: no stack access at all),
// while an -O0 build keeps every local on the stack regardless.
//
// sha2.hpp declares the function and includes this header at its end; this header includes
// sha2.hpp for sha256_k, so either header may be included first.
//
// Compiles to nothing when PQIKE_HAVE_SHA_NI_PATH is 0 (non-x86-64, other compilers,
// PQIKE_NO_SHA_NI).
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu.hpp"
#include "sha2.hpp"

#if PQIKE_HAVE_SHA_NI_PATH
#include <immintrin.h>

namespace pqike::crypto::detail::sha_ni {

// Four rounds: t = 4 * quad .. 4 * quad + 3 with message words w = W[t..t+3] (lowest lane first).
// Each SHA256RNDS2 returns the new {A,B,E,F}; the old one becomes the new {C,D,G,H}, so the
// second call takes the two registers in swapped roles and they end up in place again.
[[gnu::always_inline]] PQIKE_TARGET_SHA_NI inline void rounds4(__m128i& abef, __m128i& cdgh,
                                                               __m128i w,
                                                               std::size_t quad) noexcept {
    __m128i wk = _mm_add_epi32(
        w, _mm_loadu_si128(reinterpret_cast<const __m128i*>(sha256_k.data() + 4 * quad)));
    cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
    wk = _mm_shuffle_epi32(wk, 0x0e);  // W+K for the second pair of rounds into the low half
    abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);
}

// W[t..t+3] from w16 = W[t-16..t-13], w12 = W[t-12..t-9], w8 = W[t-8..t-5], w4 = W[t-4..t-1]:
// MSG1 gives W[t-16] + σ0(W[t-15]) per lane, the PALIGNR adds W[t-7..t-4], MSG2 adds σ1(W[t-2])
// (feeding its own first two results into the last two lanes).
[[gnu::always_inline]] PQIKE_TARGET_SHA_NI inline __m128i schedule(__m128i w16, __m128i w12,
                                                                   __m128i w8,
                                                                   __m128i w4) noexcept {
    const __m128i x = _mm_add_epi32(_mm_sha256msg1_epu32(w16, w12), _mm_alignr_epi8(w4, w8, 4));
    return _mm_sha256msg2_epu32(x, w4);
}

}  // namespace pqike::crypto::detail::sha_ni

namespace pqike::crypto::detail {

// FIPS 180-4 §6.2.2 over `nblocks` consecutive 64-byte blocks; same contract as
// sha256_compress_portable. Requires cpu::has_sha_ni().
PQIKE_TARGET_SHA_NI inline void sha256_compress_sha_ni(std::uint32_t* st, const std::byte* p,
                                                       std::size_t nblocks) noexcept {
    using sha_ni::rounds4;
    using sha_ni::schedule;
    // Big-endian message words: reverse the bytes of each 32-bit lane.
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);

    // st[0..7] = A..H, i.e. lanes {D,C,B,A} and {H,G,F,E} (highest first) -> {A,B,E,F}, {C,D,G,H}.
    __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(st)),
                                    0xb1);  // {C,D,A,B}
    __m128i cdgh = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(st + 4)),
                                     0x1b);                // {E,F,G,H}
    __m128i abef = _mm_alignr_epi8(tmp, cdgh, 8);          // {A,B,E,F}
    cdgh = _mm_blend_epi16(cdgh, tmp, 0xf0);               // {C,D,G,H}

    while (nblocks-- > 0) {
        const __m128i abef0 = abef, cdgh0 = cdgh;
        const auto* m = reinterpret_cast<const __m128i*>(p);
        __m128i w0 = _mm_shuffle_epi8(_mm_loadu_si128(m + 0), bswap);
        __m128i w1 = _mm_shuffle_epi8(_mm_loadu_si128(m + 1), bswap);
        __m128i w2 = _mm_shuffle_epi8(_mm_loadu_si128(m + 2), bswap);
        __m128i w3 = _mm_shuffle_epi8(_mm_loadu_si128(m + 3), bswap);
        rounds4(abef, cdgh, w0, 0);
        rounds4(abef, cdgh, w1, 1);
        rounds4(abef, cdgh, w2, 2);
        rounds4(abef, cdgh, w3, 3);
        // Rounds 16..63: the four registers are a 16-word ring, oldest quad overwritten first.
        for (std::size_t q = 4; q < 16; q += 4) {
            w0 = schedule(w0, w1, w2, w3);
            rounds4(abef, cdgh, w0, q + 0);
            w1 = schedule(w1, w2, w3, w0);
            rounds4(abef, cdgh, w1, q + 1);
            w2 = schedule(w2, w3, w0, w1);
            rounds4(abef, cdgh, w2, q + 2);
            w3 = schedule(w3, w0, w1, w2);
            rounds4(abef, cdgh, w3, q + 3);
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
        p += 64;
    }

    // Back to A..H: {A,B,E,F}, {C,D,G,H} -> {D,C,B,A}, {H,G,F,E}.
    tmp = _mm_shuffle_epi32(abef, 0x1b);                   // {F,E,B,A}
    cdgh = _mm_shuffle_epi32(cdgh, 0xb1);                  // {D,C,H,G}
    abef = _mm_blend_epi16(tmp, cdgh, 0xf0);               // {D,C,B,A}
    cdgh = _mm_alignr_epi8(cdgh, tmp, 8);                  // {H,G,F,E}
    _mm_storeu_si128(reinterpret_cast<__m128i*>(st), abef);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(st + 4), cdgh);
}

}  // namespace pqike::crypto::detail

#endif  // PQIKE_HAVE_SHA_NI_PATH
