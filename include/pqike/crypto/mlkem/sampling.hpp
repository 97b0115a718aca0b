// SPDX-License-Identifier: MIT
// Sampling (FIPS 203 §4.2.2): uniform NTT-domain polynomials from SHAKE128 by rejection (public
// seed only, hence _vartime) and centered binomial noise from SHAKE256 (secret, constant time).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../../bytes.hpp"
#include "../sha3.hpp"
#include "params.hpp"
#include "poly.hpp"

namespace pqike::crypto::mlkem {

// A 32-byte hash of in0 || in1 that K-PKE.Encrypt computes next to the matrix (kpke::encrypt_with):
// SHA3-256 (suffix 0x06, H of FIPS 203 §4.1) or SHAKE256 with 32 bytes out (suffix 0x1f, J).
// Both have rate 136, so the AVX2 backend runs it in a lane of the matrix's 4-way Keccak.
struct side_hash {
    bytes_view in0, in1;
    std::uint8_t suffix;  // 0x06 or 0x1f
    std::span<std::byte, sym_bytes> out;
};

// The side hashes of one Encrypt (one or two: decapsulation of an imported key also checks H(ek)).
using side_hashes = std::span<const side_hash>;

// The same hash with the scalar sponges (the portable backend).
inline void side_hash_scalar(const side_hash& h) noexcept {
    if (h.suffix == 0x06) {
        sha3_256 g;
        g.update(h.in0);
        g.update(h.in1);
        g.finish(h.out);
    } else {
        shake256 j;
        j.absorb(h.in0);
        j.absorb(h.in1);
        j.squeeze(h.out);
    }
}

// FIPS 203 Alg. 7 SampleNTT(rho || a || b): 12-bit candidates from each 3 bytes, kept when < q.
// Runs in time that depends on the (public) seed: the rejection loop and its output positions
// are data-dependent by design. Post: canonical coefficients.
inline void sample_ntt_vartime(poly& a, std::span<const std::byte, sym_bytes> rho, std::uint8_t i0,
                               std::uint8_t i1) noexcept {
    shake128 xof;
    xof.absorb(rho);
    const std::array<std::byte, 2> idx{std::byte{i0}, std::byte{i1}};
    xof.absorb(idx);
    std::array<std::byte, shake128::rate> buf;  // 168 bytes = 56 candidates pairs' worth
    std::size_t filled = 0;
    while (filled < n) {
        xof.squeeze(buf);
        for (std::size_t p = 0; p + 3 <= buf.size() && filled < n; p += 3) {
            const unsigned b0 = std::to_integer<unsigned>(buf[p]);
            const unsigned b1 = std::to_integer<unsigned>(buf[p + 1]);
            const unsigned b2 = std::to_integer<unsigned>(buf[p + 2]);
            const unsigned d1 = b0 | ((b1 & 0x0fu) << 8);
            const unsigned d2 = (b1 >> 4) | (b2 << 4);
            if (d1 < static_cast<unsigned>(q)) a[filled++] = static_cast<std::int16_t>(d1);
            if (d2 < static_cast<unsigned>(q) && filled < n) a[filled++] = static_cast<std::int16_t>(d2);
        }
    }
}

// FIPS 203 Alg. 8 SamplePolyCBD_eta over 64·eta bytes: coefficient i is
// (sum of bits 2i·eta .. 2i·eta+eta-1) - (sum of the next eta bits). Bit counts are formed with
// masks and adds (no branches, no tables). Post: |a_i| <= eta.
template <std::size_t Eta>
inline void sample_cbd(poly& a, std::span<const std::byte, 64 * Eta> buf) noexcept {
    static_assert(Eta == 2 || Eta == 3);
    if constexpr (Eta == 2) {
        for (std::size_t w = 0; w < n / 8; ++w) {
            std::uint32_t t = 0;
            for (std::size_t k = 0; k < 4; ++k)
                t |= std::uint32_t{std::to_integer<std::uint8_t>(buf[4 * w + k])} << (8 * k);
            // Each 2-bit field of d holds the number of set bits in that field of t.
            const std::uint32_t d = (t & 0x55555555u) + ((t >> 1) & 0x55555555u);
            for (std::size_t j = 0; j < 8; ++j) {
                const auto x = static_cast<std::int16_t>((d >> (4 * j)) & 3u);
                const auto y = static_cast<std::int16_t>((d >> (4 * j + 2)) & 3u);
                a[8 * w + j] = static_cast<std::int16_t>(x - y);
            }
        }
    } else {
        for (std::size_t w = 0; w < n / 4; ++w) {
            std::uint32_t t = 0;
            for (std::size_t k = 0; k < 3; ++k)
                t |= std::uint32_t{std::to_integer<std::uint8_t>(buf[3 * w + k])} << (8 * k);
            // Each 3-bit field of d holds the number of set bits in that field of t.
            const std::uint32_t d = (t & 0x249249u) + ((t >> 1) & 0x249249u) + ((t >> 2) & 0x249249u);
            for (std::size_t j = 0; j < 4; ++j) {
                const auto x = static_cast<std::int16_t>((d >> (6 * j)) & 7u);
                const auto y = static_cast<std::int16_t>((d >> (6 * j + 3)) & 7u);
                a[4 * w + j] = static_cast<std::int16_t>(x - y);
            }
        }
    }
}

// FIPS 203 §4.1 PRF_eta(s, b) = SHAKE256(s || b, 64·eta bytes), then SamplePolyCBD_eta.
// The PRF output is secret and wiped. Post: |a_i| <= eta.
template <std::size_t Eta>
inline void sample_noise(poly& a, std::span<const std::byte, sym_bytes> seed, std::uint8_t nonce) noexcept {
    std::array<std::byte, 64 * Eta> buf;
    shake256 prf;
    prf.absorb(seed);
    const std::byte b{nonce};
    prf.absorb(bytes_view(&b, 1));
    prf.squeeze(buf);
    sample_cbd<Eta>(a, buf);
    secure_zeroize(buf.data(), buf.size());
}

}  // namespace pqike::crypto::mlkem
