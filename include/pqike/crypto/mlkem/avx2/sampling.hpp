// SPDX-License-Identifier: MIT
// AVX2 sampling (the twins of ../sampling.hpp), on the four lanes of one 4-way Keccak state that
// are handed out polynomial by polynomial (a lane that is done starts the next one):
//   - SampleNTT (FIPS 203 Alg. 7) of the matrix entries from SHAKE128 lanes: 16 candidates
//     per 24 bytes are extracted in a vector, compared with q, and the accepted ones left-packed
//     with a shuffle chosen by the 8-bit accept mask (a 256-entry table built at compile time).
//     The mask and the table index come from the public seed rho only;
//   - SamplePolyCBD_eta (Alg. 8) for eta = 2 and 3 with bit-slicing adds, no tables, from
//     SHAKE256 PRF lanes (secret: constant time, buffers wiped).
// Both produce exactly the portable functions' output (same coefficients in the same order).
#pragma once

#include "../../cpu.hpp"

#if PQIKE_HAVE_AVX2_PATH

#include <immintrin.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../../../bytes.hpp"
#include "../../../secret.hpp"
#include "../../keccak_x4.hpp"
#include "../../sha3.hpp"
#include "../params.hpp"
#include "../poly.hpp"
#include "../sampling.hpp"
#include "arith.hpp"
#include "encode.hpp"

namespace pqike::crypto::mlkem::avx2 {

namespace detail {
// Row m: the byte shuffle that moves the 16-bit lanes whose bit is set in m to the front, in order.
struct leftpack_table {
    alignas(16) std::array<std::array<std::uint8_t, 16>, 256> idx{};
};
constexpr leftpack_table make_leftpack() noexcept {
    leftpack_table t;
    for (std::size_t m = 0; m < 256; ++m) {
        std::size_t k = 0;
        for (std::size_t i = 0; i < 8; ++i)
            if ((m >> i) & 1u) {
                t.idx[m][2 * k] = static_cast<std::uint8_t>(2 * i);
                t.idx[m][2 * k + 1] = static_cast<std::uint8_t>(2 * i + 1);
                ++k;
            }
        for (; k < 8; ++k) t.idx[m][2 * k] = t.idx[m][2 * k + 1] = 0x80;  // zero
    }
    return t;
}
inline constexpr leftpack_table leftpack = make_leftpack();
}  // namespace detail

// Appends to r[ctr..256) the candidates of buf (FIPS 203 Alg. 7 lines 5-13) until r is full or
// buf is used up (whole 3-byte groups only); returns the new count. Variable time in the public
// bytes by design, like mlkem::sample_ntt_vartime.
PQIKE_TARGET_AVX2 inline std::size_t rej_uniform_vartime(poly& r, std::size_t ctr, bytes_view buf) noexcept {
    std::size_t pos = 0;
    const __m256i bound = splat(q);
    // The vector step writes 8 lanes per half at r[ctr], so it runs while 16 slots remain.
    while (ctr + 16 <= n && pos + 24 <= buf.size()) {
        const __m256i d = unpack12(load24(buf.data() + pos));
        const auto good = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpgt_epi16(bound, d)));
        const auto m = static_cast<std::uint32_t>(_pext_u32(good, 0x55555555u));  // one bit per lane
        const std::uint32_t m0 = m & 0xffu, m1 = m >> 8;
        const __m128i lo = _mm_shuffle_epi8(_mm256_castsi256_si128(d),
                                            _mm_load_si128(reinterpret_cast<const __m128i*>(detail::leftpack.idx[m0].data())));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(&r[ctr]), lo);
        ctr += static_cast<std::size_t>(_mm_popcnt_u32(m0));
        const __m128i hi = _mm_shuffle_epi8(_mm256_extracti128_si256(d, 1),
                                            _mm_load_si128(reinterpret_cast<const __m128i*>(detail::leftpack.idx[m1].data())));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(&r[ctr]), hi);
        ctr += static_cast<std::size_t>(_mm_popcnt_u32(m1));
        pos += 24;
    }
    for (; ctr < n && pos + 3 <= buf.size(); pos += 3) {
        const unsigned b0 = std::to_integer<unsigned>(buf[pos]);
        const unsigned b1 = std::to_integer<unsigned>(buf[pos + 1]);
        const unsigned b2 = std::to_integer<unsigned>(buf[pos + 2]);
        const unsigned d1 = b0 | ((b1 & 0x0fu) << 8);
        const unsigned d2 = (b1 >> 4) | (b2 << 4);
        if (d1 < static_cast<unsigned>(q)) r[ctr++] = static_cast<std::int16_t>(d1);
        if (d2 < static_cast<unsigned>(q) && ctr < n) r[ctr++] = static_cast<std::int16_t>(d2);
    }
    return ctr;
}

// SampleNTT for out[e] from seed rho || b0[e] || b1[e], e < count (FIPS 203 Alg. 6 line 5 / Alg. 13
// line 4), with one 4-way Keccak state whose lanes are handed out like a job queue: a lane that
// finishes its polynomial starts the next one, so count entries cost about ceil(3 count / 4)
// 4-way permutations instead of whole batches plus scalar sponges for the leftovers. Lane i <
// sides.size() (at most 3) first computes sides[i] (ceil((|in0|+|in1|+1)/136) permutations, on a
// fixed schedule that depends only on the lengths), then joins the matrix. Same output as
// sampling each entry and hashing each side on its own. Variable time only in the public rho; a
// side's input may be secret (J's z): it is only xored in and copied out, and the state and block
// buffer are wiped.
template <std::size_t Count>
PQIKE_TARGET_AVX2 inline void sample_matrix_vartime(const std::array<poly*, Count>& out,
                                                    std::span<const std::byte, sym_bytes> rho,
                                                    const std::array<std::uint8_t, Count>& b0,
                                                    const std::array<std::uint8_t, Count>& b1,
                                                    side_hashes sides) noexcept {
    constexpr std::size_t xof_rate = 168, h_rate = 136;
    keccak::state_x4 st;
    std::array<std::uint64_t, 4> rho_w;
    for (std::size_t w = 0; w < 4; ++w) rho_w[w] = load_le64(rho.data() + 8 * w);
    std::array<std::size_t, 4> entry{}, ctr{};
    std::array<bool, 4> busy{};
    std::size_t next = 0;
    // Lane j starts SHAKE128(rho || b0 || b1): seed, suffix and pad10*1 in one block.
    const auto start = [&](std::size_t j) {
        busy[j] = next < Count;
        if (!busy[j]) return;
        entry[j] = next++;
        ctr[j] = 0;
        for (std::size_t l = 0; l < keccak::lanes; ++l) st.lane[l][j] = 0;
        for (std::size_t w = 0; w < 4; ++w) st.lane[w][j] = rho_w[w];
        st.lane[4][j] = std::uint64_t{b0[entry[j]]} | std::uint64_t{b1[entry[j]]} << 8 | std::uint64_t{0x1f} << 16;
        st.lane[xof_rate / 8 - 1][j] = std::uint64_t{0x80} << 56;
    };
    // Side lane j absorbs block h_done[j] of its hash (the last one with the padding). Word by
    // word from in0 or in1; only a word that straddles the two or the end is assembled byte by byte.
    const std::size_t n_sides = sides.size() < 3 ? sides.size() : 3;
    std::array<std::size_t, 3> h_done{}, h_blocks{};
    for (std::size_t j = 0; j < n_sides; ++j) h_blocks[j] = (sides[j].in0.size() + sides[j].in1.size()) / h_rate + 1;
    const auto absorb_side = [&](std::size_t j) {
        const side_hash& h = sides[j];
        const std::size_t n0 = h.in0.size(), len = n0 + h.in1.size(), off = h_done[j] * h_rate;
        for (std::size_t l = 0; l < h_rate / 8; ++l) {
            const std::size_t at = off + 8 * l;
            std::uint64_t w = 0;
            if (at + 8 <= n0) {
                w = load_le64(h.in0.data() + at);
            } else if (at >= n0 && at + 8 <= len) {
                w = load_le64(h.in1.data() + (at - n0));
            } else {
                for (std::size_t k = 0; k < 8 && at + k < len; ++k) {
                    const std::byte b = at + k < n0 ? h.in0[at + k] : h.in1[at + k - n0];
                    w |= std::uint64_t{std::to_integer<std::uint8_t>(b)} << (8 * k);
                }
            }
            st.lane[l][j] ^= w;
        }
        if (++h_done[j] == h_blocks[j]) {
            const std::size_t rem = len - off;  // < h_rate
            st.lane[rem / 8][j] ^= std::uint64_t{h.suffix} << (8 * (rem % 8));
            st.lane[h_rate / 8 - 1][j] ^= std::uint64_t{0x80} << 56;
        }
    };
    std::array<bool, 3> h_pending{};
    zeroize(st);
    for (std::size_t j = 0; j < 4; ++j) {
        if (j < n_sides) {
            h_pending[j] = true;
        } else {
            start(j);
        }
    }
    alignas(32) std::array<std::array<std::byte, xof_rate>, 4> buf;
    while (h_pending[0] || h_pending[1] || h_pending[2] || busy[0] || busy[1] || busy[2] || busy[3]) {
        for (std::size_t j = 0; j < n_sides; ++j)
            if (h_done[j] < h_blocks[j]) absorb_side(j);
        keccak::permute_x4_avx2(st);
        // Lane-major copy-out right after the permute (as sponge_x4::squeeze_blocks, for store
        // forwarding); each busy lane then takes its candidates.
        for (std::size_t l = 0; l < xof_rate / 8; ++l)
            for (std::size_t j = 0; j < 4; ++j) store_le64(buf[j].data() + 8 * l, st.lane[l][j]);
        for (std::size_t j = 0; j < 4; ++j) {
            if (busy[j]) {
                ctr[j] = rej_uniform_vartime(*out[entry[j]], ctr[j], buf[j]);
                if (ctr[j] == n) start(j);
            }
        }
        for (std::size_t j = 0; j < n_sides; ++j) {
            if (h_pending[j] && h_done[j] == h_blocks[j]) {
                // The hash's last block has just been permuted: its 32 bytes; then the lane samples too.
                for (std::size_t w = 0; w < sym_bytes / 8; ++w) store_le64(sides[j].out.data() + 8 * w, st.lane[w][j]);
                h_pending[j] = false;
                start(j);
            }
        }
    }
    zeroize(st);
    zeroize(buf);
}

// SamplePolyCBD_2 over 128 bytes; as mlkem::sample_cbd<2>. Post: |a_i| <= 2.
PQIKE_TARGET_AVX2 inline void cbd2(poly& a, std::span<const std::byte, 128> buf) noexcept {
    const __m256i m55 = _mm256_set1_epi8(0x55), m33 = _mm256_set1_epi8(0x33), m0f = _mm256_set1_epi8(0x0f);
    const __m256i four = _mm256_set1_epi8(4), fours = _mm256_set1_epi8(0x44);
    for (std::size_t i = 0; i < 4; ++i) {  // 32 bytes -> 64 coefficients
        const __m256i t = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(buf.data() + 32 * i));
        // Each 2-bit field: the number of set bits in it; then per nibble x - y + 4 (no borrows).
        const __m256i d = _mm256_add_epi8(_mm256_and_si256(t, m55), _mm256_and_si256(_mm256_srli_epi16(t, 1), m55));
        const __m256i r = _mm256_sub_epi8(_mm256_add_epi8(_mm256_and_si256(d, m33), fours),
                                          _mm256_and_si256(_mm256_srli_epi16(d, 2), m33));
        // Low nibble = coefficient 2k, high nibble = 2k + 1 for byte k: interleave as bytes.
        const __m256i lo = _mm256_and_si256(r, m0f), hi = _mm256_and_si256(_mm256_srli_epi16(r, 4), m0f);
        const __m256i z0 = _mm256_sub_epi8(_mm256_unpacklo_epi8(lo, hi), four);  // coeffs 0-15 | 32-47
        const __m256i z1 = _mm256_sub_epi8(_mm256_unpackhi_epi8(lo, hi), four);  // coeffs 16-31 | 48-63
        std::int16_t* o = &a[64 * i];
        store16(o, _mm256_cvtepi8_epi16(_mm256_castsi256_si128(z0)));
        store16(o + 16, _mm256_cvtepi8_epi16(_mm256_castsi256_si128(z1)));
        store16(o + 32, _mm256_cvtepi8_epi16(_mm256_extracti128_si256(z0, 1)));
        store16(o + 48, _mm256_cvtepi8_epi16(_mm256_extracti128_si256(z1, 1)));
    }
}

// SamplePolyCBD_3 over 192 bytes; as mlkem::sample_cbd<3>. Post: |a_i| <= 3.
PQIKE_TARGET_AVX2 inline void cbd3(poly& a, std::span<const std::byte, 192> buf) noexcept {
    // 3 bytes per 32-bit lane: lane 0 takes bytes 0..11 of the 24, lane 1 bytes 12..23 (at 4..15).
    const __m256i spread = _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1,  //
                                            4, 5, 6, -1, 7, 8, 9, -1, 10, 11, 12, -1, 13, 14, 15, -1);
    const __m256i m249 = _mm256_set1_epi32(0x249249), m1c7 = _mm256_set1_epi32(0x1c71c7);
    const __m256i three = _mm256_set1_epi32(0x0c30c3), low3 = _mm256_set1_epi32(7);
    const __m256i mid3 = _mm256_set1_epi32(0x70000);
    for (std::size_t i = 0; i < 8; ++i) {  // 24 bytes -> 32 coefficients
        const __m256i t = _mm256_shuffle_epi8(load24(buf.data() + 24 * i), spread);
        // Each 3-bit field: its bit count; then each 6-bit field holds x - y + 3 in [0, 6].
        const __m256i d = _mm256_add_epi32(_mm256_add_epi32(_mm256_and_si256(t, m249),
                                                            _mm256_and_si256(_mm256_srli_epi32(t, 1), m249)),
                                           _mm256_and_si256(_mm256_srli_epi32(t, 2), m249));
        const __m256i r = _mm256_sub_epi32(_mm256_add_epi32(_mm256_and_si256(d, m1c7), three),
                                           _mm256_and_si256(_mm256_srli_epi32(d, 3), m1c7));
        // Fields at bits 0, 6, 12, 18 -> 16-bit lanes: (f0, f1) and (f2, f3) per 32-bit lane.
        const __m256i p = _mm256_or_si256(_mm256_and_si256(r, low3), _mm256_and_si256(_mm256_slli_epi32(r, 10), mid3));
        const __m256i s = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(r, 12), low3),
                                          _mm256_and_si256(_mm256_srli_epi32(r, 2), mid3));
        const __m256i u0 = _mm256_unpacklo_epi32(p, s);  // coeffs 0-7 | 16-23
        const __m256i u1 = _mm256_unpackhi_epi32(p, s);  // coeffs 8-15 | 24-31
        const __m256i th = splat(3);
        store16(&a[32 * i], _mm256_sub_epi16(_mm256_permute2x128_si256(u0, u1, 0x20), th));
        store16(&a[32 * i + 16], _mm256_sub_epi16(_mm256_permute2x128_si256(u0, u1, 0x31), th));
    }
}

// PRF_eta(seed, nonce[i]) then SamplePolyCBD_eta[i] for out[0..N) (FIPS 203 §4.1, Alg. 8), with
// the lanes of one shake256_x4 state handed out like sample_matrix_vartime's: eta = 3 takes two
// blocks, eta = 2 one, and a lane that is done starts the next polynomial. So ML-KEM-512's
// encryption noise (3, 3, 2, 2, 2) costs two 4-way permutations, not three. The schedule depends
// only on the public eta; the seed is secret, and the state and buffers are wiped.
template <std::size_t N>
PQIKE_TARGET_AVX2 inline void sample_noise_lanes(const std::array<poly*, N>& out, std::span<const std::byte, sym_bytes> seed,
                                                 const std::array<std::uint8_t, N>& nonce,
                                                 const std::array<std::size_t, N>& eta) noexcept {
    constexpr std::size_t rate = 136;
    keccak::state_x4 st;
    zeroize(st);
    std::array<std::uint64_t, 4> seed_w;
    for (std::size_t w = 0; w < 4; ++w) seed_w[w] = load_le64(seed.data() + 8 * w);
    std::array<std::size_t, 4> job{}, got{};
    std::array<bool, 4> busy{};
    std::size_t next = 0;
    const auto start = [&](std::size_t j) {
        got[j] = 0;  // an idle lane keeps writing its (unused) first block
        busy[j] = next < N;
        if (!busy[j]) return;
        job[j] = next++;
        for (std::size_t l = 0; l < keccak::lanes; ++l) st.lane[l][j] = 0;
        for (std::size_t w = 0; w < 4; ++w) st.lane[w][j] = seed_w[w];
        st.lane[4][j] = std::uint64_t{nonce[job[j]]} | std::uint64_t{0x1f} << 8;
        st.lane[rate / 8 - 1][j] = std::uint64_t{0x80} << 56;
    };
    for (std::size_t j = 0; j < 4; ++j) start(j);
    alignas(32) std::array<std::array<std::byte, 2 * rate>, 4> buf;
    while (busy[0] || busy[1] || busy[2] || busy[3]) {
        keccak::permute_x4_avx2(st);
        for (std::size_t l = 0; l < rate / 8; ++l)
            for (std::size_t j = 0; j < 4; ++j) store_le64(buf[j].data() + got[j] * rate + 8 * l, st.lane[l][j]);
        for (std::size_t j = 0; j < 4; ++j) {
            if (!busy[j]) continue;
            ++got[j];
            if (eta[job[j]] == 3) {
                if (got[j] < 2) continue;
                cbd3(*out[job[j]], std::span<const std::byte, 192>(buf[j].data(), 192));
            } else {
                cbd2(*out[job[j]], std::span<const std::byte, 128>(buf[j].data(), 128));
            }
            start(j);
        }
    }
    zeroize(st);
    zeroize(buf);
}

}  // namespace pqike::crypto::mlkem::avx2

#endif  // PQIKE_HAVE_AVX2_PATH
