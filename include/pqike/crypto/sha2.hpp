// SPDX-License-Identifier: MIT
// SHA-1, SHA-224, SHA-256, SHA-384 and SHA-512 (FIPS 180-4) as `Hash` policies. One
// Merkle-Damgård engine holds the buffering and padding; each family supplies its compression
// function, word type, initial value and output length. SHA-1 is here only for HMAC-SHA-1
// (PRF_HMAC_SHA1, AUTH_HMAC_SHA1_96), which IKEv2 still negotiates.
//
// Portable code: SHA-2 rounds are written out 8 at a time with the variable roles rotated, the
// loops around them fully unrolled (#pragma GCC unroll, honoured by g++ and clang++), and the
// message schedule kept in a 16-word ring, so the working variables stay in registers. There are no table lookups
// indexed by data, so the code is constant-time with respect to the message.
//
// SHA-256 has a second block function on the x86 SHA extensions (sha256_sha_ni.hpp, included at
// the end of this header); sha256_compress picks it at run time through cpu::has_sha_ni().
//
// The engine state depends on the message (and, inside HMAC, on the key), so it is wiped on
// destruction and after finish().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "../bytes.hpp"
#include "../secret.hpp"
#include "cpu.hpp"

namespace pqike::crypto {

namespace detail {

constexpr std::uint32_t rotr32(std::uint32_t x, unsigned n) noexcept {
    return (x >> n) | (x << (32u - n));
}
constexpr std::uint32_t rotl32(std::uint32_t x, unsigned n) noexcept {
    return (x << n) | (x >> (32u - n));
}
constexpr std::uint64_t rotr64(std::uint64_t x, unsigned n) noexcept {
    return (x >> n) | (x << (64u - n));
}

// ---- SHA-256 ----------------------------------------------------------------------------------

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first
// 64 primes (generated with exact integer cube roots: floor(cbrt(p << 96)) mod 2^32).
inline constexpr std::array<std::uint32_t, 64> sha256_k = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// One SHA-256 round (FIPS 180-4 §6.2.2 step 3) with the variable roles rotated by the caller
// instead of moving eight values: only d and h change.
[[gnu::always_inline]] inline void sha256_round(std::uint32_t a, std::uint32_t b, std::uint32_t c,
                                                std::uint32_t& d, std::uint32_t e, std::uint32_t f,
                                                std::uint32_t g, std::uint32_t& h,
                                                std::uint32_t kw) noexcept {
    const std::uint32_t t1 =
        h + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + (g ^ (e & (f ^ g))) + kw;
    d += t1;
    h = t1 + (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) | (c & (a | b)));
}

// FIPS 180-4 §6.2.2 over `nblocks` consecutive 64-byte blocks.
inline void sha256_compress_portable(std::uint32_t* st, const std::byte* p,
                                     std::size_t nblocks) noexcept {
    std::array<std::uint32_t, 16> w;  // message schedule (uninitialised: filled first)
    while (nblocks-- > 0) {
        for (std::size_t i = 0; i < 16; ++i) w[i] = load_be32(p + 4 * i);
        std::uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
        std::uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
#pragma GCC unroll 4
        for (std::size_t r = 0; r < 64; r += 16) {
            if (r != 0) {
                // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], in place in the ring.
#pragma GCC unroll 16
                for (std::size_t i = 0; i < 16; ++i) {
                    const std::uint32_t x = w[(i + 1) & 15], y = w[(i + 14) & 15];
                    w[i] += (rotr32(y, 17) ^ rotr32(y, 19) ^ (y >> 10)) + w[(i + 9) & 15] +
                            (rotr32(x, 7) ^ rotr32(x, 18) ^ (x >> 3));
                }
            }
#pragma GCC unroll 2
            for (std::size_t i = 0; i < 16; i += 8) {
                const std::uint32_t* k = &sha256_k[r + i];
                sha256_round(a, b, c, d, e, f, g, h, k[0] + w[i + 0]);
                sha256_round(h, a, b, c, d, e, f, g, k[1] + w[i + 1]);
                sha256_round(g, h, a, b, c, d, e, f, k[2] + w[i + 2]);
                sha256_round(f, g, h, a, b, c, d, e, k[3] + w[i + 3]);
                sha256_round(e, f, g, h, a, b, c, d, k[4] + w[i + 4]);
                sha256_round(d, e, f, g, h, a, b, c, k[5] + w[i + 5]);
                sha256_round(c, d, e, f, g, h, a, b, k[6] + w[i + 6]);
                sha256_round(b, c, d, e, f, g, h, a, k[7] + w[i + 7]);
            }
        }
        st[0] += a; st[1] += b; st[2] += c; st[3] += d;
        st[4] += e; st[5] += f; st[6] += g; st[7] += h;
        p += 64;
    }
    secure_zeroize(w.data(), sizeof w);  // the schedule holds message (in HMAC: key) material
}

#if PQIKE_HAVE_SHA_NI_PATH
// Defined in sha256_sha_ni.hpp (it needs sha256_k, so it comes after this header's body).
PQIKE_TARGET_SHA_NI inline void sha256_compress_sha_ni(std::uint32_t* st, const std::byte* p,
                                                       std::size_t nblocks) noexcept;
#endif

// The SHA-256 block function every caller uses: SHA-NI when the CPU has it, else portable.
// The check is a cached static: per call, one load of its guard and two predictable branches.
inline void sha256_compress(std::uint32_t* st, const std::byte* p, std::size_t nblocks) noexcept {
#if PQIKE_HAVE_SHA_NI_PATH
    if (cpu::has_sha_ni()) {
        sha256_compress_sha_ni(st, p, nblocks);
        return;
    }
#endif
    sha256_compress_portable(st, p, nblocks);
}

// ---- SHA-512 ----------------------------------------------------------------------------------

// FIPS 180-4 §4.2.3: the first 64 bits of the fractional parts of the cube roots of the first
// 80 primes (floor(cbrt(p << 192)) mod 2^64).
inline constexpr std::array<std::uint64_t, 80> sha512_k = {
    0x428a2f98d728ae22ull, 0x7137449123ef65cdull, 0xb5c0fbcfec4d3b2full, 0xe9b5dba58189dbbcull,
    0x3956c25bf348b538ull, 0x59f111f1b605d019ull, 0x923f82a4af194f9bull, 0xab1c5ed5da6d8118ull,
    0xd807aa98a3030242ull, 0x12835b0145706fbeull, 0x243185be4ee4b28cull, 0x550c7dc3d5ffb4e2ull,
    0x72be5d74f27b896full, 0x80deb1fe3b1696b1ull, 0x9bdc06a725c71235ull, 0xc19bf174cf692694ull,
    0xe49b69c19ef14ad2ull, 0xefbe4786384f25e3ull, 0x0fc19dc68b8cd5b5ull, 0x240ca1cc77ac9c65ull,
    0x2de92c6f592b0275ull, 0x4a7484aa6ea6e483ull, 0x5cb0a9dcbd41fbd4ull, 0x76f988da831153b5ull,
    0x983e5152ee66dfabull, 0xa831c66d2db43210ull, 0xb00327c898fb213full, 0xbf597fc7beef0ee4ull,
    0xc6e00bf33da88fc2ull, 0xd5a79147930aa725ull, 0x06ca6351e003826full, 0x142929670a0e6e70ull,
    0x27b70a8546d22ffcull, 0x2e1b21385c26c926ull, 0x4d2c6dfc5ac42aedull, 0x53380d139d95b3dfull,
    0x650a73548baf63deull, 0x766a0abb3c77b2a8ull, 0x81c2c92e47edaee6ull, 0x92722c851482353bull,
    0xa2bfe8a14cf10364ull, 0xa81a664bbc423001ull, 0xc24b8b70d0f89791ull, 0xc76c51a30654be30ull,
    0xd192e819d6ef5218ull, 0xd69906245565a910ull, 0xf40e35855771202aull, 0x106aa07032bbd1b8ull,
    0x19a4c116b8d2d0c8ull, 0x1e376c085141ab53ull, 0x2748774cdf8eeb99ull, 0x34b0bcb5e19b48a8ull,
    0x391c0cb3c5c95a63ull, 0x4ed8aa4ae3418acbull, 0x5b9cca4f7763e373ull, 0x682e6ff3d6b2b8a3ull,
    0x748f82ee5defb2fcull, 0x78a5636f43172f60ull, 0x84c87814a1f0ab72ull, 0x8cc702081a6439ecull,
    0x90befffa23631e28ull, 0xa4506cebde82bde9ull, 0xbef9a3f7b2c67915ull, 0xc67178f2e372532bull,
    0xca273eceea26619cull, 0xd186b8c721c0c207ull, 0xeada7dd6cde0eb1eull, 0xf57d4f7fee6ed178ull,
    0x06f067aa72176fbaull, 0x0a637dc5a2c898a6ull, 0x113f9804bef90daeull, 0x1b710b35131c471bull,
    0x28db77f523047d84ull, 0x32caab7b40c72493ull, 0x3c9ebe0a15c9bebcull, 0x431d67c49c100d4cull,
    0x4cc5d4becb3e42b6ull, 0x597f299cfc657e2aull, 0x5fcb6fab3ad6faecull, 0x6c44198c4a475817ull,
};

// FIPS 180-4 §6.4.2 step 3, roles rotated by the caller as in sha256_round.
[[gnu::always_inline]] inline void sha512_round(std::uint64_t a, std::uint64_t b, std::uint64_t c,
                                                std::uint64_t& d, std::uint64_t e, std::uint64_t f,
                                                std::uint64_t g, std::uint64_t& h,
                                                std::uint64_t kw) noexcept {
    const std::uint64_t t1 =
        h + (rotr64(e, 14) ^ rotr64(e, 18) ^ rotr64(e, 41)) + (g ^ (e & (f ^ g))) + kw;
    d += t1;
    h = t1 + (rotr64(a, 28) ^ rotr64(a, 34) ^ rotr64(a, 39)) + ((a & b) | (c & (a | b)));
}

// FIPS 180-4 §6.4.2 over `nblocks` consecutive 128-byte blocks.
inline void sha512_compress(std::uint64_t* st, const std::byte* p, std::size_t nblocks) noexcept {
    std::array<std::uint64_t, 16> w;  // message schedule (uninitialised: filled first)
    while (nblocks-- > 0) {
        for (std::size_t i = 0; i < 16; ++i) w[i] = load_be64(p + 8 * i);
        std::uint64_t a = st[0], b = st[1], c = st[2], d = st[3];
        std::uint64_t e = st[4], f = st[5], g = st[6], h = st[7];
#pragma GCC unroll 5
        for (std::size_t r = 0; r < 80; r += 16) {
            if (r != 0) {
#pragma GCC unroll 16
                for (std::size_t i = 0; i < 16; ++i) {
                    const std::uint64_t x = w[(i + 1) & 15], y = w[(i + 14) & 15];
                    w[i] += (rotr64(y, 19) ^ rotr64(y, 61) ^ (y >> 6)) + w[(i + 9) & 15] +
                            (rotr64(x, 1) ^ rotr64(x, 8) ^ (x >> 7));
                }
            }
#pragma GCC unroll 2
            for (std::size_t i = 0; i < 16; i += 8) {
                const std::uint64_t* k = &sha512_k[r + i];
                sha512_round(a, b, c, d, e, f, g, h, k[0] + w[i + 0]);
                sha512_round(h, a, b, c, d, e, f, g, k[1] + w[i + 1]);
                sha512_round(g, h, a, b, c, d, e, f, k[2] + w[i + 2]);
                sha512_round(f, g, h, a, b, c, d, e, k[3] + w[i + 3]);
                sha512_round(e, f, g, h, a, b, c, d, k[4] + w[i + 4]);
                sha512_round(d, e, f, g, h, a, b, c, k[5] + w[i + 5]);
                sha512_round(c, d, e, f, g, h, a, b, k[6] + w[i + 6]);
                sha512_round(b, c, d, e, f, g, h, a, k[7] + w[i + 7]);
            }
        }
        st[0] += a; st[1] += b; st[2] += c; st[3] += d;
        st[4] += e; st[5] += f; st[6] += g; st[7] += h;
        p += 128;
    }
    secure_zeroize(w.data(), sizeof w);
}

// ---- SHA-1 ------------------------------------------------------------------------------------

// FIPS 180-4 §6.1.2 over `nblocks` consecutive 64-byte blocks.
inline void sha1_compress(std::uint32_t* st, const std::byte* p, std::size_t nblocks) noexcept {
    std::array<std::uint32_t, 16> w;  // message schedule (uninitialised: filled first)
    while (nblocks-- > 0) {
        for (std::size_t i = 0; i < 16; ++i) w[i] = load_be32(p + 4 * i);
        std::uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4];
        // Four stages of 20 rounds, each with its own f and K (FIPS 180-4 §4.1.1, §4.2.1).
        auto stage = [&](std::size_t from, std::uint32_t k, auto f) noexcept {
            for (std::size_t t = from; t < from + 20; ++t) {
                const std::size_t i = t & 15;
                if (t >= 16)  // W[t] = ROTL1(W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16])
                    w[i] = rotl32(w[(i + 13) & 15] ^ w[(i + 8) & 15] ^ w[(i + 2) & 15] ^ w[i], 1);
                const std::uint32_t tmp = rotl32(a, 5) + f(b, c, d) + e + k + w[i];
                e = d;
                d = c;
                c = rotl32(b, 30);
                b = a;
                a = tmp;
            }
        };
        using u32 = std::uint32_t;
        stage(0, 0x5a827999, [](u32 x, u32 y, u32 z) { return z ^ (x & (y ^ z)); });         // Ch
        stage(20, 0x6ed9eba1, [](u32 x, u32 y, u32 z) { return x ^ y ^ z; });               // Parity
        stage(40, 0x8f1bbcdc, [](u32 x, u32 y, u32 z) { return (x & y) | (z & (x | y)); }); // Maj
        stage(60, 0xca62c1d6, [](u32 x, u32 y, u32 z) { return x ^ y ^ z; });               // Parity
        st[0] += a; st[1] += b; st[2] += c; st[3] += d; st[4] += e;
        p += 64;
    }
    secure_zeroize(w.data(), sizeof w);  // the schedule holds message (in HMAC: key) material
}

// ---- the families -----------------------------------------------------------------------------
// Each traits type: word, state_words, block_size, length_bytes (size of the bit-length field in
// the padding), digest_size, iv, compress.

struct sha1_traits {
    using word = std::uint32_t;
    static constexpr std::size_t state_words = 5, block_size = 64, length_bytes = 8,
                                 digest_size = 20;
    // FIPS 180-4 §5.3.1
    static constexpr std::array<word, 5> iv = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
                                               0xc3d2e1f0};
    static void compress(word* st, const std::byte* p, std::size_t n) noexcept {
        sha1_compress(st, p, n);
    }
};

struct sha256_family {
    using word = std::uint32_t;
    static constexpr std::size_t state_words = 8, block_size = 64, length_bytes = 8;
    static void compress(word* st, const std::byte* p, std::size_t n) noexcept {
        sha256_compress(st, p, n);
    }
};
struct sha224_traits : sha256_family {
    static constexpr std::size_t digest_size = 28;
    // FIPS 180-4 §5.3.2: the second 32 bits of the fractional parts of the square roots of the
    // 9th through 16th primes.
    static constexpr std::array<word, 8> iv = {0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939,
                                               0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4};
};
struct sha256_traits : sha256_family {
    static constexpr std::size_t digest_size = 32;
    // FIPS 180-4 §5.3.3: fractional parts of the square roots of the first 8 primes.
    static constexpr std::array<word, 8> iv = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
};

struct sha512_family {
    using word = std::uint64_t;
    static constexpr std::size_t state_words = 8, block_size = 128, length_bytes = 16;
    static void compress(word* st, const std::byte* p, std::size_t n) noexcept {
        sha512_compress(st, p, n);
    }
};
struct sha384_traits : sha512_family {
    static constexpr std::size_t digest_size = 48;
    // FIPS 180-4 §5.3.4: fractional parts of the square roots of the 9th through 16th primes.
    static constexpr std::array<word, 8> iv = {
        0xcbbb9d5dc1059ed8ull, 0x629a292a367cd507ull, 0x9159015a3070dd17ull, 0x152fecd8f70e5939ull,
        0x67332667ffc00b31ull, 0x8eb44a8768581511ull, 0xdb0c2e0d64f98fa7ull, 0x47b5481dbefa4fa4ull};
};
struct sha512_traits : sha512_family {
    static constexpr std::size_t digest_size = 64;
    // FIPS 180-4 §5.3.5: fractional parts of the square roots of the first 8 primes.
    static constexpr std::array<word, 8> iv = {
        0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull,
        0x510e527fade682d1ull, 0x9b05688c2b3e6c1full, 0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull};
};

// The Merkle-Damgård engine: buffering, FIPS 180-4 §5.1 padding, big-endian output.
template <class T>
class md_hash {
    using word = typename T::word;

public:
    static constexpr std::size_t digest_size = T::digest_size;
    static constexpr std::size_t block_size = T::block_size;

    md_hash() noexcept = default;
    md_hash(const md_hash&) noexcept = default;  // HMAC copies its keyed states
    md_hash& operator=(const md_hash&) noexcept = default;
    ~md_hash() {
        if (dirty_) wipe();
    }

    void update(bytes_view in) noexcept {
        std::size_t n = in.size();
        if (n == 0) return;
        dirty_ = true;
        const std::byte* p = in.data();
        std::size_t fill = static_cast<std::size_t>(count_ % block_size);
        count_ += n;
        if (fill != 0) {
            const std::size_t take = n < block_size - fill ? n : block_size - fill;
            std::memcpy(buf_.data() + fill, p, take);
            p += take;
            n -= take;
            fill += take;
            if (fill < block_size) return;
            T::compress(state_.data(), buf_.data(), 1);
        }
        if (n >= block_size) {
            const std::size_t blocks = n / block_size;
            T::compress(state_.data(), p, blocks);
            p += blocks * block_size;
            n -= blocks * block_size;
        }
        if (n != 0) std::memcpy(buf_.data(), p, n);
    }

    // Writes the digest and resets the object to the empty-message state (wiping the old one),
    // so it can be reused.
    void finish(std::span<std::byte, digest_size> out) noexcept {
        std::size_t fill = static_cast<std::size_t>(count_ % block_size);
        buf_[fill++] = std::byte{0x80};
        if (fill > block_size - T::length_bytes) {
            std::memset(buf_.data() + fill, 0, block_size - fill);
            T::compress(state_.data(), buf_.data(), 1);
            fill = 0;
        }
        std::memset(buf_.data() + fill, 0, block_size - 8 - fill);
        // Message length in bits; the upper part of SHA-512's 128-bit field is count_ >> 61.
        if constexpr (T::length_bytes == 16) store_be64(buf_.data() + block_size - 16, count_ >> 61);
        store_be64(buf_.data() + block_size - 8, count_ << 3);
        T::compress(state_.data(), buf_.data(), 1);

        // Every digest size is a whole number of words (SHA-224/384: the leftmost words).
        static_assert(digest_size % sizeof(word) == 0);
        for (std::size_t i = 0; i < digest_size / sizeof(word); ++i) {
            if constexpr (sizeof(word) == 4)
                store_be32(out.data() + 4 * i, state_[i]);
            else
                store_be64(out.data() + 8 * i, state_[i]);
        }
        reset();
    }

    // The digest of `in` in one call.
    static void hash(bytes_view in, std::span<std::byte, digest_size> out) noexcept {
        md_hash h;
        h.update(in);
        h.finish(out);
    }

    // Back to the empty-message state; the previous state is wiped.
    void reset() noexcept {
        wipe();
        state_ = T::iv;
        dirty_ = false;
    }

private:
    void wipe() noexcept {
        secure_zeroize(state_.data(), sizeof state_);
        secure_zeroize(buf_.data(), sizeof buf_);
        count_ = 0;
    }

    std::array<word, T::state_words> state_ = T::iv;
    std::uint64_t count_ = 0;  // bytes absorbed; FIPS 180-4 limits are 2^64 / 2^128 bits
    std::array<std::byte, block_size> buf_{};
    bool dirty_ = false;  // false only in the freshly reset state, which holds nothing secret
};

}  // namespace detail

using sha1 = detail::md_hash<detail::sha1_traits>;      // FIPS 180-4 §6.1
using sha224 = detail::md_hash<detail::sha224_traits>;  // FIPS 180-4 §6.3
using sha256 = detail::md_hash<detail::sha256_traits>;  // FIPS 180-4 §6.2
using sha384 = detail::md_hash<detail::sha384_traits>;  // FIPS 180-4 §6.5
using sha512 = detail::md_hash<detail::sha512_traits>;  // FIPS 180-4 §6.4

}  // namespace pqike::crypto

// The SHA-NI block function declared above (nothing when PQIKE_HAVE_SHA_NI_PATH is 0).
#include "sha256_sha_ni.hpp"
