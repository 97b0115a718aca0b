// SPDX-License-Identifier: MIT
// K-PKE on the AVX2 path: kpke_avx2<P> has kpke<P>'s static interface and produces the same
// bytes (ek, dk, ciphertexts, messages) for every input, because every step is a bit-exact twin
// of the portable one (see arith.hpp) in the same coefficient order and representation. The
// differences are only in how the work is batched: the matrix and the noise polynomials are
// sampled four at a time with the 4-way Keccak, and the multiplications use the AVX2 cache.
//
// Every function here carries PQIKE_TARGET_AVX2 and runs only after cpu::has_avx2() (see
// ../backend.hpp); secrets are wiped and handled in constant time as in ../kpke.hpp.
#pragma once

#include "../../cpu.hpp"

#if PQIKE_HAVE_AVX2_PATH

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../../../bytes.hpp"
#include "../../../secret.hpp"
#include "../../sha3.hpp"
#include "../params.hpp"
#include "../poly.hpp"
#include "arith.hpp"
#include "basemul.hpp"
#include "encode.hpp"
#include "ntt.hpp"
#include "sampling.hpp"

namespace pqike::crypto::mlkem {

template <class P>
struct kpke_avx2 {
    static constexpr std::size_t k = P::k;
    using vec = polyvec<k>;
    using matrix = std::array<vec, k>;
    using cache = std::array<avx2::mulcache, k>;

    // Â (or its transpose) as in kpke<P>::gen_matrix_vartime, with the lanes of one 4-way Keccak
    // handed out entry by entry (avx2::sample_matrix_vartime); the side hashes, if any, are
    // computed in the first lanes meanwhile. rho is public.
    PQIKE_TARGET_AVX2 static void gen_matrix_vartime(matrix& a, std::span<const std::byte, sym_bytes> rho,
                                                     bool transposed, side_hashes sides = {}) noexcept {
        std::array<poly*, k * k> out;
        std::array<std::uint8_t, k * k> b0, b1;
        for (std::size_t i = 0; i < k; ++i)
            for (std::size_t j = 0; j < k; ++j) {
                out[i * k + j] = &a[i][j];
                b0[i * k + j] = static_cast<std::uint8_t>(transposed ? i : j);
                b1[i * k + j] = static_cast<std::uint8_t>(transposed ? j : i);
            }
        avx2::sample_matrix_vartime<k * k>(out, rho, b0, b1, sides);
    }

    // Noise polynomials out[i] = CBD_eta[i](PRF(seed, i)), i < N, with the lanes of one
    // shake256_x4 handed out polynomial by polynomial (avx2::sample_noise_lanes).
    template <std::size_t N>
    PQIKE_TARGET_AVX2 static void sample_noise(const std::array<poly*, N>& out, const std::array<std::size_t, N>& eta,
                                               std::span<const std::byte, sym_bytes> seed) noexcept {
        std::array<std::uint8_t, N> nonce;
        for (std::size_t i = 0; i < N; ++i) nonce[i] = static_cast<std::uint8_t>(i);
        avx2::sample_noise_lanes<N>(out, seed, nonce, eta);
    }

    // FIPS 203 Alg. 13 K-PKE.KeyGen(d); as kpke<P>::keygen.
    PQIKE_TARGET_AVX2 static void keygen(std::span<const std::byte, sym_bytes> d, std::span<std::byte, P::ek_size> ek,
                                         std::span<std::byte, P::dk_pke_size> dk) noexcept {
        std::array<std::byte, 64> rho_sigma;
        avx2::wipe_guard w_rs(rho_sigma);
        {
            sha3_512 g;
            g.update(d);
            const std::byte kb{static_cast<std::uint8_t>(k)};
            g.update(bytes_view(&kb, 1));
            g.finish(rho_sigma);
        }
        const std::span<const std::byte, sym_bytes> rho(rho_sigma.data(), sym_bytes);
        const std::span<const std::byte, sym_bytes> sigma(rho_sigma.data() + sym_bytes, sym_bytes);
        ct::declassify(rho);

        alignas(32) matrix a;
        gen_matrix_vartime(a, rho, false);

        alignas(32) vec s, e;
        avx2::wipe_guard w_s(s);
        avx2::wipe_guard w_e(e);
        {
            std::array<poly*, 2 * k> out;
            std::array<std::size_t, 2 * k> eta;
            for (std::size_t i = 0; i < k; ++i) {
                out[i] = &s[i];
                out[k + i] = &e[i];
            }
            eta.fill(P::eta1);
            sample_noise(out, eta, sigma);
        }
        for (auto& p : s) avx2::ntt(p);
        for (auto& p : e) avx2::ntt(p);

        alignas(32) cache sc;
        avx2::wipe_guard w_sc(sc);
        avx2::make_mulcache(sc, s);
        alignas(32) poly t;
        avx2::wipe_guard w_t(t);
        for (std::size_t i = 0; i < k; ++i) {
            avx2::basemul_acc<k>(t, a[i], sc);  // |t| < q, factor 2^-16
            avx2::poly_to_mont(t);              // |t| < q
            avx2::poly_add_reduce(t, t, e[i]);  // centered
            avx2::poly_to_bytes(ek.subspan(i * poly_bytes).template first<poly_bytes>(), t);
            avx2::poly_to_bytes(dk.subspan(i * poly_bytes).template first<poly_bytes>(), s[i]);
        }
        for (std::size_t i = 0; i < sym_bytes; ++i) ek[P::polyvec_bytes + i] = rho[i];
    }

    // The §7.2 modulus check of ByteEncode12(t̂), as kpke<P>::ek_modulus_ok.
    PQIKE_TARGET_AVX2 static bool ek_modulus_ok(std::span<const std::byte, P::polyvec_bytes> t) noexcept {
        return avx2::modulus_ok(t);
    }

    PQIKE_TARGET_AVX2 static void decode_vec(vec& v, std::span<const std::byte, P::polyvec_bytes> in) noexcept {
        for (std::size_t i = 0; i < k; ++i)
            avx2::poly_from_bytes(v[i], in.subspan(i * poly_bytes).template first<poly_bytes>());
    }

    // FIPS 203 Alg. 14 K-PKE.Encrypt(ek, m, r); as kpke<P>::encrypt.
    PQIKE_TARGET_AVX2 static void encrypt(std::span<const std::byte, P::ek_size> ek, std::span<const std::byte, sym_bytes> m,
                                          std::span<const std::byte, sym_bytes> r,
                                          std::span<std::byte, P::ct_size> c) noexcept {
        encrypt_impl(ek, m, r, c, {}, [] {});
    }

    // As kpke<P>::encrypt_with, but the side hashes run in the first lanes of the matrix's 4-way
    // Keccak (H(ek) or J(z || c) costs no scalar sponge), and before() runs once the matrix is done.
    template <class Before>
    PQIKE_TARGET_AVX2 static void encrypt_with(std::span<const std::byte, P::ek_size> ek,
                                               std::span<const std::byte, sym_bytes> m,
                                               std::span<const std::byte, sym_bytes> r,
                                               std::span<std::byte, P::ct_size> c, side_hashes sides,
                                               Before&& before) noexcept {
        encrypt_impl(ek, m, r, c, sides, before);
    }

    template <class Before>
    PQIKE_TARGET_AVX2 static void encrypt_impl(std::span<const std::byte, P::ek_size> ek,
                                               std::span<const std::byte, sym_bytes> m,
                                               std::span<const std::byte, sym_bytes> r,
                                               std::span<std::byte, P::ct_size> c, side_hashes sides,
                                               Before&& before) noexcept {
        alignas(32) vec t;
        decode_vec(t, ek.template first<P::polyvec_bytes>());
        alignas(32) matrix at;
        gen_matrix_vartime(at, ek.template subspan<P::polyvec_bytes, sym_bytes>(), true, sides);
        before();

        alignas(32) vec y, e1;
        alignas(32) poly e2, mu, v;
        avx2::wipe_guard w_y(y);
        avx2::wipe_guard w_e1(e1);
        avx2::wipe_guard w_e2(e2);
        avx2::wipe_guard w_mu(mu);
        avx2::wipe_guard w_v(v);
        {
            std::array<poly*, 2 * k + 1> out;
            std::array<std::size_t, 2 * k + 1> eta;
            for (std::size_t i = 0; i < k; ++i) {
                out[i] = &y[i];
                eta[i] = P::eta1;
                out[k + i] = &e1[i];
                eta[k + i] = P::eta2;
            }
            out[2 * k] = &e2;
            eta[2 * k] = P::eta2;
            sample_noise(out, eta, r);
        }
        for (auto& p : y) avx2::ntt(p);

        alignas(32) cache yc;
        avx2::wipe_guard w_yc(yc);
        avx2::make_mulcache(yc, y);
        alignas(32) poly u;
        avx2::wipe_guard w_u(u);
        for (std::size_t i = 0; i < k; ++i) {
            avx2::basemul_acc<k>(u, at[i], yc);
            avx2::inv_ntt(u);
            avx2::poly_add_reduce(u, u, e1[i]);
            avx2::poly_compress<P::du>(c.subspan(i * 32 * P::du).template first<32 * P::du>(), u);
        }
        avx2::basemul_acc<k>(v, t, yc);
        avx2::inv_ntt(v);
        avx2::poly_from_msg(mu, m);
        avx2::poly_add(v, v, e2);
        avx2::poly_add_reduce(v, v, mu);
        avx2::poly_compress<P::dv>(c.template subspan<P::c1_size, P::c2_size>(), v);
    }

    // FIPS 203 Alg. 15 K-PKE.Decrypt(dk, c); as kpke<P>::decrypt.
    PQIKE_TARGET_AVX2 static void decrypt(std::span<const std::byte, P::dk_pke_size> dk,
                                          std::span<const std::byte, P::ct_size> c,
                                          std::span<std::byte, sym_bytes> m) noexcept {
        alignas(32) vec u, s;
        alignas(32) poly v, w;
        avx2::wipe_guard w_s(s);
        avx2::wipe_guard w_w(w);
        avx2::wipe_guard w_u(u);
        avx2::wipe_guard w_v(v);
        for (std::size_t i = 0; i < k; ++i) {
            avx2::poly_decompress<P::du>(u[i], c.subspan(i * 32 * P::du).template first<32 * P::du>());
            avx2::ntt(u[i]);
        }
        avx2::poly_decompress<P::dv>(v, c.template subspan<P::c1_size, P::c2_size>());
        decode_vec(s, dk);

        alignas(32) cache uc;
        avx2::wipe_guard w_uc(uc);
        avx2::make_mulcache(uc, u);
        avx2::basemul_acc<k>(w, s, uc);
        avx2::inv_ntt(w);
        avx2::poly_sub(w, v, w);
        avx2::poly_reduce(w);
        avx2::poly_compress<1>(m, w);
    }
};

}  // namespace pqike::crypto::mlkem

#endif  // PQIKE_HAVE_AVX2_PATH
