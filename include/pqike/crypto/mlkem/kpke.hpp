// SPDX-License-Identifier: MIT
// K-PKE, the CPA-secure public-key encryption inside ML-KEM (FIPS 203 §5, Alg. 13-15).
// Internal: callers are the KEM functions in kem.hpp, which check sizes and key validity.
// Domains: Â, t̂ and ŝ are stored as plain NTT-domain values; the base multiplication leaves a
// factor 2^-16 that poly_to_mont (key generation) or inv_ntt's scaling (encrypt/decrypt) cancels.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../../bytes.hpp"
#include "../../secret.hpp"
#include "../sha3.hpp"
#include "encode.hpp"
#include "ntt.hpp"
#include "params.hpp"
#include "poly.hpp"
#include "sampling.hpp"

namespace pqike::crypto::mlkem {

template <class P>
struct kpke {
    static constexpr std::size_t k = P::k;
    using vec = polyvec<k>;
    using matrix = std::array<vec, k>;

    // Â[i][j] = SampleNTT(rho || j || i) (FIPS 203 Alg. 13 lines 3-7); the transpose, which
    // encryption uses (Alg. 14 line 19), is Â[i][j] = SampleNTT(rho || i || j). rho is public.
    static void gen_matrix_vartime(matrix& a, std::span<const std::byte, sym_bytes> rho,
                                   bool transposed) noexcept {
        for (std::size_t i = 0; i < k; ++i)
            for (std::size_t j = 0; j < k; ++j) {
                const auto ii = static_cast<std::uint8_t>(i), jj = static_cast<std::uint8_t>(j);
                if (transposed)
                    sample_ntt_vartime(a[i][j], rho, ii, jj);
                else
                    sample_ntt_vartime(a[i][j], rho, jj, ii);
            }
    }

    // FIPS 203 Alg. 13 K-PKE.KeyGen(d): ek = ByteEncode12(t̂) || rho, dk = ByteEncode12(ŝ).
    static void keygen(std::span<const std::byte, sym_bytes> d, std::span<std::byte, P::ek_size> ek,
                       std::span<std::byte, P::dk_pke_size> dk) noexcept {
        // (rho, sigma) = G(d || k), G = SHA3-512 (FIPS 203 §4.1).
        std::array<std::byte, 64> rho_sigma;
        wipe_on_exit w_rs(rho_sigma);
        {
            sha3_512 g;
            g.update(d);
            const std::byte kb{static_cast<std::uint8_t>(k)};
            g.update(bytes_view(&kb, 1));
            g.finish(rho_sigma);
        }
        const std::span<const std::byte, sym_bytes> rho(rho_sigma.data(), sym_bytes);
        const std::span<const std::byte, sym_bytes> sigma(rho_sigma.data() + sym_bytes, sym_bytes);
        // rho is public (it is part of ek): the matrix expansion may branch on it.
        ct::declassify(rho);

        matrix a;
        gen_matrix_vartime(a, rho, false);

        vec s, e;
        wipe_on_exit w_s(s);
        wipe_on_exit w_e(e);
        std::uint8_t nonce = 0;
        for (auto& p : s) sample_noise<P::eta1>(p, sigma, nonce++);  // |s| <= eta1
        for (auto& p : e) sample_noise<P::eta1>(p, sigma, nonce++);
        for (auto& p : s) ntt(p);  // centered
        for (auto& p : e) ntt(p);

        std::array<mulcache, k> sc;
        wipe_on_exit w_sc(sc);
        make_mulcache(sc, s);
        vec t;
        wipe_on_exit w_t(t);
        for (std::size_t i = 0; i < k; ++i) {
            basemul_acc<k>(t[i], a[i], s, sc);  // |t| < q, factor 2^-16
            poly_to_mont(t[i]);                 // factor cancelled, |t| < q
            poly_add(t[i], t[i], e[i]);         // |t| < 3q/2
            poly_reduce(t[i]);
        }
        for (std::size_t i = 0; i < k; ++i) {
            poly_to_bytes(ek.subspan(i * poly_bytes).template first<poly_bytes>(), t[i]);
            poly_to_bytes(dk.subspan(i * poly_bytes).template first<poly_bytes>(), s[i]);
        }
        for (std::size_t i = 0; i < sym_bytes; ++i) ek[P::polyvec_bytes + i] = rho[i];
    }

    // Decodes t̂ from ek (values taken mod q; KEM callers have already run the §7.2 check).
    static void decode_vec(vec& v, std::span<const std::byte, P::polyvec_bytes> in) noexcept {
        for (std::size_t i = 0; i < k; ++i)
            poly_from_bytes(v[i], in.subspan(i * poly_bytes).template first<poly_bytes>());
    }

    // FIPS 203 §7.2 modulus check of ByteEncode12(t̂) (public; may exit early).
    static bool ek_modulus_ok(std::span<const std::byte, P::polyvec_bytes> t) noexcept { return modulus_ok_vartime(t); }

    // Encrypt with two extra steps in between, for the KEM layer: first the side hashes (H(ek) in
    // encapsulation; J(z || c) in decapsulation, and H(ek) for the §7.3 check of an imported dk),
    // then before(), which may write r (encaps derives r from H(ek)); then Encrypt(ek, m, r). The
    // AVX2 twin overlaps the hashes with the matrix.
    template <class Before>
    static void encrypt_with(std::span<const std::byte, P::ek_size> ek, std::span<const std::byte, sym_bytes> m,
                             std::span<const std::byte, sym_bytes> r, std::span<std::byte, P::ct_size> c,
                             side_hashes sides, Before&& before) noexcept {
        for (const side_hash& h : sides) side_hash_scalar(h);
        before();
        encrypt(ek, m, r, c);
    }

    // FIPS 203 Alg. 14 K-PKE.Encrypt(ek, m, r). m and r are secret; ek and the output are public.
    static void encrypt(std::span<const std::byte, P::ek_size> ek, std::span<const std::byte, sym_bytes> m,
                        std::span<const std::byte, sym_bytes> r, std::span<std::byte, P::ct_size> c) noexcept {
        vec t;
        decode_vec(t, ek.template first<P::polyvec_bytes>());  // canonical
        matrix at;
        gen_matrix_vartime(at, ek.template subspan<P::polyvec_bytes, sym_bytes>(), true);

        vec y, e1;
        poly e2, mu, v;
        wipe_on_exit w_y(y);
        wipe_on_exit w_e1(e1);
        wipe_on_exit w_e2(e2);
        wipe_on_exit w_mu(mu);
        wipe_on_exit w_v(v);
        std::uint8_t nonce = 0;
        for (auto& p : y) sample_noise<P::eta1>(p, r, nonce++);
        for (auto& p : e1) sample_noise<P::eta2>(p, r, nonce++);
        sample_noise<P::eta2>(e2, r, nonce);
        for (auto& p : y) ntt(p);  // centered

        std::array<mulcache, k> yc;
        wipe_on_exit w_yc(yc);
        make_mulcache(yc, y);
        // u = NTT^-1(Âᵀ ∘ ŷ) + e1, compressed to du bits.
        for (std::size_t i = 0; i < k; ++i) {
            poly u;
            wipe_on_exit w_u(u);
            basemul_acc<k>(u, at[i], y, yc);  // |u| < q
            inv_ntt(u);                        // |u| < q, factors cancelled
            poly_add(u, u, e1[i]);
            poly_reduce(u);
            poly_compress<P::du>(c.subspan(i * 32 * P::du).template first<32 * P::du>(), u);
        }
        // v = NTT^-1(t̂ᵀ ∘ ŷ) + e2 + Decompress_1(m), compressed to dv bits.
        basemul_acc<k>(v, t, y, yc);
        inv_ntt(v);
        poly_from_msg(mu, m);
        poly_add(v, v, e2);
        poly_add(v, v, mu);  // |v| < q + eta2 + q/2
        poly_reduce(v);
        poly_compress<P::dv>(c.template subspan<P::c1_size, P::c2_size>(), v);
    }

    // FIPS 203 Alg. 15 K-PKE.Decrypt(dk, c): m = ByteEncode_1(Compress_1(v' - NTT^-1(ŝᵀ ∘ NTT(u')))).
    static void decrypt(std::span<const std::byte, P::dk_pke_size> dk, std::span<const std::byte, P::ct_size> c,
                        std::span<std::byte, sym_bytes> m) noexcept {
        vec u, s;
        poly v, w;
        wipe_on_exit w_s(s);
        wipe_on_exit w_w(w);
        wipe_on_exit w_u(u);
        wipe_on_exit w_v(v);
        for (std::size_t i = 0; i < k; ++i) {
            poly_decompress<P::du>(u[i], c.subspan(i * 32 * P::du).template first<32 * P::du>());
            ntt(u[i]);  // centered
        }
        poly_decompress<P::dv>(v, c.template subspan<P::c1_size, P::c2_size>());
        decode_vec(s, dk);  // canonical

        std::array<mulcache, k> uc;
        make_mulcache(uc, u);
        basemul_acc<k>(w, s, u, uc);  // |w| < q
        inv_ntt(w);                   // |w| < q
        poly_sub(w, v, w);            // |w| < 2q
        poly_reduce(w);
        poly_compress<1>(m, w);
    }
};

}  // namespace pqike::crypto::mlkem
