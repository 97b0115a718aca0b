// SPDX-License-Identifier: MIT
// The AVX2 ML-KEM path against its portable twin, function by function, on random inputs over
// each function's whole precondition range: the outputs must be bit-identical (the AVX2 path
// keeps the portable coefficient order and representatives, so no conversion is needed). Then
// K-PKE and the KEM end to end on both backends. Skipped (with a message) when this build has no
// AVX2 code or the CPU cannot run it; tests/unit/mlkem.cpp runs the known answers on both.
#include "common.hpp"
#include "support/skip.hpp"

#include <array>
#include <cstdint>
#include <random>
#include <utility>

#include <pqike/crypto/mlkem.hpp>

using namespace pqike;
using namespace pqike::crypto;
using namespace pqike::crypto::mlkem;

#if PQIKE_HAVE_AVX2_PATH

namespace {

std::mt19937_64& rng() {
    static std::mt19937_64 r(20240817);
    return r;
}
// Uniform in [lo, hi].
std::int16_t uni(int lo, int hi) {
    return static_cast<std::int16_t>(std::uniform_int_distribution<int>(lo, hi)(rng()));
}
poly random_poly(int bound) {  // |a_i| <= bound
    poly a;
    for (auto& c : a) c = uni(-bound, bound);
    return a;
}
template <std::size_t N>
std::array<std::byte, N> random_bytes() {
    std::array<std::byte, N> b;
    for (auto& x : b) x = std::byte{static_cast<unsigned char>(rng()())};
    return b;
}

#define SKIP_WITHOUT_AVX2() \
    if (!avx2_available()) PQIKE_SKIP("CPU without AVX2 (or without OS YMM support)")

constexpr int trials = 200;

// The lane helpers take and return __m256i, so they are called from AVX2-targeted wrappers that
// work on arrays (a non-AVX2 caller cannot pass vector values).
using lanes = std::array<std::int16_t, 16>;
PQIKE_TARGET_AVX2 lanes v_barrett(const lanes& a) {
    lanes r;
    avx2::store16(r.data(), avx2::barrett(avx2::load16(a.data())));
    return r;
}
PQIKE_TARGET_AVX2 lanes v_fqmul(const lanes& a, const lanes& b) {
    lanes r;
    avx2::store16(r.data(), avx2::fqmul(avx2::load16(a.data()), avx2::load16(b.data())));
    return r;
}
PQIKE_TARGET_AVX2 lanes v_canonical(const lanes& a) {
    lanes r;
    avx2::store16(r.data(), avx2::canonical(avx2::load16(a.data())));
    return r;
}
PQIKE_TARGET_AVX2 lanes v_cond_sub(const lanes& a) {
    lanes r;
    avx2::store16(r.data(), avx2::cond_sub(avx2::load16(a.data())));
    return r;
}
PQIKE_TARGET_AVX2 lanes v_mont_pairs(const std::array<std::int32_t, 8>& c0, const std::array<std::int32_t, 8>& c1) {
    lanes r;
    avx2::store16(r.data(), avx2::mont_reduce_pairs(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(c0.data())),
                                                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c1.data()))));
    return r;
}

}  // namespace

TEST_CASE("AVX2 lane arithmetic equals fqmul, barrett_reduce, montgomery_reduce") {
    SKIP_WITHOUT_AVX2();
    // barrett and canonical over every int16_t / every value in (-q, q); fqmul with random b.
    for (int base = -32768; base < 32768; base += 16) {
        lanes a, b, r;
        for (int i = 0; i < 16; ++i) {
            a[static_cast<std::size_t>(i)] = static_cast<std::int16_t>(base + i);
            b[static_cast<std::size_t>(i)] = uni(-q + 1, q - 1);
        }
        r = v_barrett(a);
        for (std::size_t i = 0; i < 16; ++i) REQUIRE(r[i] == barrett_reduce(a[i]));
        r = v_fqmul(a, b);
        for (std::size_t i = 0; i < 16; ++i) REQUIRE(r[i] == fqmul(a[i], b[i]));
        if (base > -q && base + 16 < q) {
            r = v_canonical(a);
            for (std::size_t i = 0; i < 16; ++i) REQUIRE(r[i] == to_canonical(a[i]));
        }
        if (base >= 0 && base + 16 < 2 * q) {
            r = v_cond_sub(a);
            for (std::size_t i = 0; i < 16; ++i) REQUIRE(r[i] == cond_sub_q(a[i]));
        }
    }
    // Montgomery reduction of 32-bit pair sums, |c| < q·2^15.
    for (int t = 0; t < 20000; ++t) {
        std::array<std::int32_t, 8> c0, c1;
        for (std::size_t i = 0; i < 8; ++i) {
            c0[i] = std::uniform_int_distribution<std::int32_t>(-q * 32767, q * 32767)(rng());
            c1[i] = std::uniform_int_distribution<std::int32_t>(-q * 32767, q * 32767)(rng());
        }
        const lanes r = v_mont_pairs(c0, c1);
        for (std::size_t i = 0; i < 8; ++i) {
            REQUIRE(r[2 * i] == montgomery_reduce(c0[i]));
            REQUIRE(r[2 * i + 1] == montgomery_reduce(c1[i]));
        }
    }
}

TEST_CASE("AVX2 polynomial add/sub/reduce/to_mont equal the portable ones") {
    SKIP_WITHOUT_AVX2();
    for (int t = 0; t < trials; ++t) {
        const poly a = random_poly(16383), b = random_poly(16383);
        poly r1, r2;
        poly_add(r1, a, b);
        avx2::poly_add(r2, a, b);
        REQUIRE(r1 == r2);
        poly_sub(r1, a, b);
        avx2::poly_sub(r2, a, b);
        REQUIRE(r1 == r2);
        r1 = a;
        r2 = a;
        poly_reduce(r1);
        avx2::poly_reduce(r2);
        REQUIRE(r1 == r2);
        poly_add(r1, a, b);
        poly_reduce(r1);
        avx2::poly_add_reduce(r2, a, b);
        REQUIRE(r1 == r2);
        r1 = random_poly(32767);
        r2 = r1;
        poly_to_mont(r1);
        avx2::poly_to_mont(r2);
        REQUIRE(r1 == r2);
    }
}

TEST_CASE("AVX2 NTT and inverse NTT equal the portable ones") {
    SKIP_WITHOUT_AVX2();
    for (int t = 0; t < trials; ++t) {
        poly a = random_poly(q - 1), b = a;
        ntt(a);
        avx2::ntt(b);
        REQUIRE(a == b);
        a = random_poly(q - 1);
        b = a;
        inv_ntt(a);
        avx2::inv_ntt(b);
        REQUIRE(a == b);
    }
    // The extremes of the range.
    for (const int v : {q - 1, -(q - 1)}) {
        poly a, b;
        a.fill(static_cast<std::int16_t>(v));
        b = a;
        ntt(a);
        avx2::ntt(b);
        CHECK(a == b);
        a.fill(static_cast<std::int16_t>(v));
        b = a;
        inv_ntt(a);
        avx2::inv_ntt(b);
        CHECK(a == b);
    }
}

TEST_CASE_TEMPLATE("AVX2 base multiplication equals make_mulcache + basemul_acc", P, params512, params768,
                   params1024) {
    SKIP_WITHOUT_AVX2();
    constexpr std::size_t k = P::k;
    for (int t = 0; t < trials; ++t) {
        polyvec<k> a, b;
        for (auto& p : a) p = random_poly(q - 1);
        for (auto& p : b) p = random_poly(q - 1);
        std::array<mulcache, k> pc;
        make_mulcache(pc, b);
        std::array<avx2::mulcache, k> vc;
        avx2::make_mulcache(vc, b);
        poly r1, r2;
        basemul_acc<k>(r1, a, b, pc);
        avx2::basemul_acc<k>(r2, a, vc);
        REQUIRE(r1 == r2);
    }
}

TEST_CASE("AVX2 ByteEncode12 / ByteDecode12 equal the portable ones") {
    SKIP_WITHOUT_AVX2();
    for (int t = 0; t < trials; ++t) {
        const poly a = random_poly(q - 1);
        std::array<std::byte, poly_bytes> o1{}, o2{};
        poly_to_bytes(o1, a);
        avx2::poly_to_bytes(o2, a);
        REQUIRE(o1 == o2);
        // Any bytes, including 12-bit values >= q (a malformed dk).
        const auto in = random_bytes<poly_bytes>();
        poly r1, r2;
        poly_from_bytes(r1, in);
        avx2::poly_from_bytes(r2, in);
        REQUIRE(r1 == r2);
    }
}

TEST_CASE_TEMPLATE("AVX2 Compress_d / Decompress_d equal the portable ones", D, std::integral_constant<std::size_t, 1>,
                   std::integral_constant<std::size_t, 4>, std::integral_constant<std::size_t, 5>,
                   std::integral_constant<std::size_t, 10>, std::integral_constant<std::size_t, 11>) {
    SKIP_WITHOUT_AVX2();
    constexpr std::size_t d = D::value;
    // Every value of (-q, q) once (16 polynomials), then random polynomials.
    for (int t = 0; t < trials; ++t) {
        poly a;
        if (t < 27)
            for (std::size_t i = 0; i < n; ++i)
                a[i] = static_cast<std::int16_t>(std::min<int>(-q + 1 + t * 256 + static_cast<int>(i), q - 1));
        else
            a = random_poly(q - 1);
        std::array<std::byte, 32 * d> o1{}, o2{};
        poly_compress<d>(o1, a);
        avx2::poly_compress<d>(o2, a);
        REQUIRE(o1 == o2);
        const auto in = random_bytes<32 * d>();
        poly r1, r2;
        poly_decompress<d>(r1, in);
        avx2::poly_decompress<d>(r2, in);
        REQUIRE(r1 == r2);
    }
}

TEST_CASE("AVX2 ek modulus check equals modulus_ok_vartime") {
    SKIP_WITHOUT_AVX2();
        for (int t = 0; t < 400; ++t) {
        // A valid t̂ encoding, then one 12-bit slot (even or odd within its 3 bytes) set to a
        // value at or around the bound q = 3329.
        std::array<std::byte, 3 * poly_bytes> in;
        for (std::size_t p = 0; p < in.size(); p += 3) {
            const unsigned a = static_cast<unsigned>(rng()() % 3329u), b = static_cast<unsigned>(rng()() % 3329u);
            in[p] = std::byte{static_cast<unsigned char>(a & 0xffu)};
            in[p + 1] = std::byte{static_cast<unsigned char>((a >> 8) | ((b & 0x0fu) << 4))};
            in[p + 2] = std::byte{static_cast<unsigned char>(b >> 4)};
        }
        const std::array<unsigned, 5> vals{0u, 3328u, 3329u, 3330u, 4095u};
        const unsigned v = vals[static_cast<std::size_t>(t) % vals.size()];
        const std::size_t slot = static_cast<std::size_t>(rng()() % (2 * in.size() / 3)), p = slot / 2 * 3;
        if (slot % 2 == 0) {
            in[p] = std::byte{static_cast<unsigned char>(v & 0xffu)};
            in[p + 1] = std::byte{static_cast<unsigned char>((std::to_integer<unsigned>(in[p + 1]) & 0xf0u) | (v >> 8))};
        } else {
            in[p + 1] = std::byte{static_cast<unsigned char>((std::to_integer<unsigned>(in[p + 1]) & 0x0fu) | ((v & 0x0fu) << 4))};
            in[p + 2] = std::byte{static_cast<unsigned char>(v >> 4)};
        }
        const bool ref = modulus_ok_vartime(in);
        REQUIRE(ref == (v < 3329u));
        REQUIRE(avx2::modulus_ok(in) == ref);
    }
}

TEST_CASE("AVX2 message decoding equals poly_from_msg") {
    SKIP_WITHOUT_AVX2();
    for (int t = 0; t < trials; ++t) {
        const auto m = random_bytes<32>();
        poly r1, r2;
        poly_from_msg(r1, m);
        avx2::poly_from_msg(r2, m);
        REQUIRE(r1 == r2);
    }
}

TEST_CASE("AVX2 CBD sampling equals sample_cbd<2> and sample_cbd<3>") {
    SKIP_WITHOUT_AVX2();
    for (int t = 0; t < trials; ++t) {
        const auto b2 = random_bytes<128>();
        const auto b3 = random_bytes<192>();
        poly r1, r2;
        sample_cbd<2>(r1, b2);
        avx2::cbd2(r2, b2);
        REQUIRE(r1 == r2);
        sample_cbd<3>(r1, b3);
        avx2::cbd3(r2, b3);
        REQUIRE(r1 == r2);
    }
    // All-ones and all-zero inputs (the extremes +-eta and 0).
    for (const unsigned v : {0x00u, 0xffu, 0x0fu, 0xf0u, 0x55u, 0xaau}) {
        std::array<std::byte, 192> b;
        b.fill(std::byte{static_cast<unsigned char>(v)});
        poly r1, r2;
        sample_cbd<2>(r1, std::span<const std::byte, 128>(b.data(), 128));
        avx2::cbd2(r2, std::span<const std::byte, 128>(b.data(), 128));
        CHECK(r1 == r2);
        sample_cbd<3>(r1, b);
        avx2::cbd3(r2, b);
        CHECK(r1 == r2);
    }
}

TEST_CASE("AVX2 noise sampling (lanes of shake256_x4, mixed eta) equals sample_noise") {
    SKIP_WITHOUT_AVX2();
    for (int t = 0; t < 50; ++t) {
        const auto seed = random_bytes<32>();
        // 7 polynomials: more than one round of lanes, eta 3 (two blocks) mixed with eta 2.
        std::array<poly, 7> r;
        std::array<poly*, 7> out;
        std::array<std::uint8_t, 7> nonce;
        std::array<std::size_t, 7> eta;
        for (std::size_t j = 0; j < 7; ++j) {
            out[j] = &r[j];
            nonce[j] = static_cast<std::uint8_t>(static_cast<std::size_t>(t) * 7 + j);
            eta[j] = ((static_cast<std::size_t>(t) >> (j % 5)) & 1u) != 0 ? 3u : 2u;
        }
        avx2::sample_noise_lanes<7>(out, seed, nonce, eta);
        for (std::size_t j = 0; j < 7; ++j) {
            poly p;
            if (eta[j] == 2)
                sample_noise<2>(p, seed, nonce[j]);
            else
                sample_noise<3>(p, seed, nonce[j]);
            REQUIRE(p == r[j]);
        }
    }
}

TEST_CASE("AVX2 matrix sampling (lanes of one 4-way Keccak, with side hashes) equals sample_ntt_vartime") {
    SKIP_WITHOUT_AVX2();
    for (int t = 0; t < 40; ++t) {
        const auto rho = random_bytes<32>();
        constexpr std::size_t count = 9;
        std::array<poly, count> r;
        std::array<poly*, count> out;
        std::array<std::uint8_t, count> b0, b1;
        for (std::size_t j = 0; j < count; ++j) {
            out[j] = &r[j];
            b0[j] = static_cast<std::uint8_t>(j % 3 + static_cast<std::size_t>(t));
            b1[j] = static_cast<std::uint8_t>(j / 3);
        }
        // Side hash lengths around the 136-byte rate: empty, one block minus one, exactly one
        // block, a straddling split, and ML-KEM's H(ek) / J(z || c) sizes. 0 to 3 side hashes
        // (decapsulation of an imported key runs two), each its own lengths and suffix.
        const std::array<std::pair<std::size_t, std::size_t>, 6> lens{
            {{0, 0}, {135, 0}, {100, 36}, {3, 1565}, {1184, 0}, {32, 1088}}};
        const auto msg = random_bytes<1600>();
        const std::size_t n_sides = static_cast<std::size_t>(t) % 4;
        std::array<std::array<std::byte, 32>, 3> h{};
        std::array<side_hash, 3> sides{side_hash{{}, {}, 0x06, h[0]}, side_hash{{}, {}, 0x06, h[1]},
                                       side_hash{{}, {}, 0x06, h[2]}};
        for (std::size_t i = 0; i < n_sides; ++i) {
            const auto [n0, n1] = lens[(static_cast<std::size_t>(t) + 2 * i) % lens.size()];
            sides[i].in0 = bytes_view(msg).first(n0);
            sides[i].in1 = bytes_view(msg).subspan(n0, n1);
            sides[i].suffix = (static_cast<std::size_t>(t) + i) % 2 == 0 ? 0x06 : 0x1f;
        }
        avx2::sample_matrix_vartime<count>(out, rho, b0, b1, side_hashes(sides).first(n_sides));
        for (std::size_t j = 0; j < count; ++j) {
            poly p;
            sample_ntt_vartime(p, rho, b0[j], b1[j]);
            REQUIRE(p == r[j]);
        }
        for (std::size_t i = 0; i < n_sides; ++i) {
            std::array<std::byte, 32> h_ref{};
            side_hash_scalar(side_hash{sides[i].in0, sides[i].in1, sides[i].suffix, h_ref});
            REQUIRE(h[i] == h_ref);
        }
    }
    // The candidate extraction on crafted buffers: all rejected, all accepted, mixed, and short
    // buffers that end inside the vector step (scalar tail).
    for (const unsigned v : {0xffu, 0x00u, 0xd0u, 0x0cu}) {
        for (const std::size_t len : {std::size_t{504}, std::size_t{168}, std::size_t{27}, std::size_t{3}}) {
            std::array<std::byte, 504> buf;
            for (std::size_t i = 0; i < buf.size(); ++i)
                buf[i] = std::byte{static_cast<unsigned char>(i % 7 == 0 ? v : (v ^ i) & 0xffu)};
            poly p1{}, p2{};
            const std::size_t c = avx2::rej_uniform_vartime(p2, 0, bytes_view(buf).first(len));
            // Scalar reference.
            std::size_t ctr = 0;
            for (std::size_t pos = 0; pos + 3 <= len && ctr < n; pos += 3) {
                const unsigned b0 = std::to_integer<unsigned>(buf[pos]), b1 = std::to_integer<unsigned>(buf[pos + 1]),
                               b2 = std::to_integer<unsigned>(buf[pos + 2]);
                const unsigned d1 = b0 | ((b1 & 0x0fu) << 8), d2 = (b1 >> 4) | (b2 << 4);
                if (d1 < 3329u) p1[ctr++] = static_cast<std::int16_t>(d1);
                if (d2 < 3329u && ctr < n) p1[ctr++] = static_cast<std::int16_t>(d2);
            }
            CHECK(c == ctr);
            CHECK(p1 == p2);
        }
    }
}

TEST_CASE_TEMPLATE("kpke_avx2 equals kpke: keygen, encrypt, decrypt (also of random ciphertexts and keys)", P,
                   params512, params768, params1024) {
    SKIP_WITHOUT_AVX2();
    for (int t = 0; t < 30; ++t) {
        const auto d = random_bytes<32>(), m = random_bytes<32>(), r = random_bytes<32>();
        std::array<std::byte, P::ek_size> ek1{}, ek2{};
        std::array<std::byte, P::dk_pke_size> dk1{}, dk2{};
        kpke<P>::keygen(d, ek1, dk1);
        kpke_avx2<P>::keygen(d, ek2, dk2);
        REQUIRE(ek1 == ek2);
        REQUIRE(dk1 == dk2);
        std::array<std::byte, P::ct_size> c1{}, c2{};
        kpke<P>::encrypt(ek1, m, r, c1);
        kpke_avx2<P>::encrypt(ek1, m, r, c2);
        REQUIRE(c1 == c2);
        std::array<std::byte, 32> m1{}, m2{};
        kpke_avx2<P>::decrypt(dk1, c1, m2);
        REQUIRE(m2 == m);
        // Random ciphertext and a random (malformed: values >= q) decryption key.
        const auto cr = random_bytes<P::ct_size>();
        const auto dkr = random_bytes<P::dk_pke_size>();
        kpke<P>::decrypt(dkr, cr, m1);
        kpke_avx2<P>::decrypt(dkr, cr, m2);
        REQUIRE(m1 == m2);
        // A random ek (values >= q are taken mod q by decode, as in the portable code).
        const auto ekr = random_bytes<P::ek_size>();
        kpke<P>::encrypt(ekr, m, r, c1);
        kpke_avx2<P>::encrypt(ekr, m, r, c2);
        REQUIRE(c1 == c2);
    }
}

TEST_CASE_TEMPLATE("KEM on both backends and the run-time dispatch agree", P, params512, params768, params1024) {
    SKIP_WITHOUT_AVX2();
    using KP = kem_with<P, backend::portable>;
    using KA = kem_with<P, backend::avx2>;
    using KR = kem<P>;
    static_assert(policy::Kem<KP> && policy::Kem<KA> && policy::Kem<KR>);
    for (int t = 0; t < 20; ++t) {
        const auto d = random_bytes<32>(), z = random_bytes<32>(), m = random_bytes<32>();
        std::array<std::byte, KP::ek_size> ek1{}, ek2{}, ek3{};
        std::array<std::byte, KP::dk_size> dk1{}, dk2{}, dk3{};
        REQUIRE(KP::keygen_derand(d, z, ek1, dk1).ok());
        REQUIRE(KA::keygen_derand(d, z, ek2, dk2).ok());
        REQUIRE(KR::keygen_derand(d, z, ek3, dk3).ok());
        REQUIRE((ek1 == ek2 && ek1 == ek3 && dk1 == dk2 && dk1 == dk3));
        std::array<std::byte, KP::ct_size> c1{}, c2{};
        std::array<std::byte, 32> s1{}, s2{}, s3{}, s4{};
        REQUIRE(KP::encaps_derand(ek1, m, c1, s1).ok());
        REQUIRE(KA::encaps_derand(ek1, m, c2, s2).ok());
        REQUIRE((c1 == c2 && s1 == s2));
        REQUIRE(KA::decaps(dk1, c1, s3).ok());
        CHECK(s3 == s1);
        c1[static_cast<std::size_t>(t) % KP::ct_size] ^= std::byte{1};
        REQUIRE(KP::decaps(dk1, c1, s3).ok());
        REQUIRE(KA::decaps(dk1, c1, s4).ok());
        CHECK(s3 == s4);
        CHECK(s3 != s1);
    }
}

#else

TEST_CASE("AVX2 ML-KEM path") {
    PQIKE_SKIP("this build has no AVX2 path (PQIKE_NO_AVX2 or not x86-64 GCC/clang): nothing to compare");
}

#endif
