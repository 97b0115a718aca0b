// SPDX-License-Identifier: MIT
// ML-KEM (FIPS 203 §6, §7): key generation, encapsulation, decapsulation with implicit
// rejection, and the input checks of §7.2/§7.3, as a Kem policy (policy/kem.hpp).
//
// Conventions: sizes are in the span types, so the §7 length checks happen at compile time.
// Errors: errc::invalid_key for an ek that fails the modulus check or a dk that fails the hash
// check; an invalid ciphertext of the right size is not an error (implicit rejection). On every
// error the secret outputs (dk, ss) and the other outputs (ek, ct) are zeroized.
// Constant-time build (PQIKE_CT_TESTING): d, z, m and dk are marked secret on entry; ek, ct and
// the accept/reject decision of the dk check are declassified as public.
// Backends (backend.hpp): kem_with<P, B> runs K-PKE on backend B; kem<P> = kem_with<P,
// backend::runtime> chooses AVX2 or portable at run time. All three give identical results; the
// KEM logic below (checks, hashes, implicit rejection) is shared by all of them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../../bytes.hpp"
#include "../../result.hpp"
#include "../../secret.hpp"
#include "../../policy.hpp"
#include "../sha3.hpp"
#include "backend.hpp"
#include "encode.hpp"
#include "params.hpp"

namespace pqike::crypto::mlkem {

template <class P, backend B>
class kem_with {
    using pke = typename pke_select<P, B>::type;
    using sym = std::span<const std::byte, sym_bytes>;

public:
    using params = P;
    static constexpr mlkem::backend backend_kind = B;
    static constexpr std::uint16_t id = P::id;
    static constexpr const char* name = P::k == 2 ? "ML-KEM-512" : P::k == 3 ? "ML-KEM-768" : "ML-KEM-1024";
    static constexpr std::size_t ek_size = P::ek_size;
    static constexpr std::size_t dk_size = P::dk_size;
    static constexpr std::size_t ct_size = P::ct_size;
    static constexpr std::size_t ss_size = P::ss_size;
    static constexpr std::size_t seed_size = 2 * sym_bytes;  // d || z

    using ek_view = std::span<const std::byte, ek_size>;
    using dk_view = std::span<const std::byte, dk_size>;
    using ct_view = std::span<const std::byte, ct_size>;

    // Offsets inside dk = dk_pke || ek || H(ek) || z (FIPS 203 Alg. 16 line 3).
    static constexpr std::size_t dk_ek_offset = P::dk_pke_size;
    static constexpr std::size_t dk_h_offset = dk_ek_offset + ek_size;
    static constexpr std::size_t dk_z_offset = dk_h_offset + sym_bytes;
    static_assert(dk_z_offset + sym_bytes == dk_size);

    // FIPS 203 §7.2 encapsulation key check: length (span type) and modulus (every 12-bit value
    // of the ByteEncode12(t̂) part is < q). ek is public, so this may exit early.
    static bool check_ek(ek_view ek) noexcept {
        return pke::ek_modulus_ok(ek.template first<P::polyvec_bytes>());
    }

    // §7.2 for a key of run-time length (e.g. straight from a KE payload): the length check,
    // then the modulus check.
    static bool check_ek_bytes(bytes_view ek) noexcept {
        return ek.size() == ek_size && check_ek(ek_view(ek.data(), ek_size));
    }

    // FIPS 203 §7.3 decapsulation key check: length (span type) and H(dk[384k : 768k+32]) ==
    // dk[768k+32 : 768k+64]. The comparison is constant time; only its result is made public.
    static bool check_dk(dk_view dk) noexcept {
        std::array<std::byte, sym_bytes> h;
        sha3_256::hash(dk.template subspan<dk_ek_offset, ek_size>(), h);
        bool ok = ct_equal(h, dk.template subspan<dk_h_offset, sym_bytes>());
        ct::declassify(&ok, sizeof ok);
        return ok;
    }

    // §7.3 for a key of run-time length: the length check, then the hash check.
    static bool check_dk_bytes(bytes_view dk) noexcept {
        return dk.size() == dk_size && check_dk(dk_view(dk.data(), dk_size));
    }

    // FIPS 203 Alg. 16 ML-KEM.KeyGen_internal(d, z). Never fails.
    static status keygen_derand(sym d, sym z, std::span<std::byte, ek_size> ek,
                                std::span<std::byte, dk_size> dk) noexcept {
        ct::secret(d);
        ct::secret(z);
        pke::keygen(d, ek, dk.template first<P::dk_pke_size>());
        ct::declassify(ek);
        copy(dk.template subspan<dk_ek_offset, ek_size>(), ek);
        sha3_256::hash(ek, dk.template subspan<dk_h_offset, sym_bytes>());
        copy(dk.template subspan<dk_z_offset, sym_bytes>(), z);
        return {};
    }

    // FIPS 203 Alg. 17 ML-KEM.Encaps_internal(ek, m) after the §7.2 check of ek.
    static status encaps_derand(ek_view ek, sym m, std::span<std::byte, ct_size> c,
                                std::span<std::byte, ss_size> ss) noexcept {
        ct::secret(m);
        if (!check_ek(ek)) {
            secure_zeroize(c);
            secure_zeroize(ss);
            return status{errc::invalid_key, "mlkem.ek", 0};
        }
        // (K, r) = G(m || H(ek)), then c = K-PKE.Encrypt(ek, m, r). H(ek) is the side hash of
        // encrypt_with (on AVX2 it runs next to the matrix), G runs between matrix and noise.
        std::array<std::byte, sym_bytes> h;
        std::array<std::byte, 2 * sym_bytes> kr;
        wipe_on_exit w_kr(kr);
        const side_hash h_ek{ek, {}, 0x06, h};
        pke::encrypt_with(ek, m, std::span<const std::byte, sym_bytes>(kr.data() + sym_bytes, sym_bytes), c,
                          side_hashes(&h_ek, 1),
                          [&]() noexcept {
                              sha3_512 g;
                              g.update(m);
                              g.update(h);
                              g.finish(kr);
                          });
        ct::declassify(c);
        copy(ss, std::span<const std::byte, sym_bytes>(kr.data(), sym_bytes));
        return {};
    }

    // FIPS 203 Alg. 18 ML-KEM.Decaps_internal(dk, c) with the §7.3 check of dk: for a dk that
    // enters from outside (imported, stored, handed over by a caller). A ciphertext that does
    // not re-encrypt to itself yields K̄ = J(z || c) instead of K' (implicit rejection), chosen
    // by mask, not by branch. The check's H(ek) runs as a second side hash of the re-encryption
    // (on AVX2 in a lane of the matrix's 4-way Keccak, not as a scalar sponge first); ss is
    // written only if the check passes, so the result is that of checking first.
    static status decaps(dk_view dk, ct_view c, std::span<std::byte, ss_size> ss) noexcept {
        std::array<std::byte, sym_bytes> h_ek, k;
        wipe_on_exit w_k(k);
        decaps_internal(dk, c, k, &h_ek);
        bool ok = ct_equal(h_ek, dk.template subspan<dk_h_offset, sym_bytes>());
        ct::declassify(&ok, sizeof ok);
        if (!ok) {
            secure_zeroize(ss);
            return status{errc::invalid_key, "mlkem.dk", dk_h_offset};
        }
        copy(ss, k);
        return {};
    }

    // Decaps for a dk that keygen / keygen_derand made in this process and that never left its
    // memory (kex::initiator_ke holds its key like that): FIPS 203 §7.3 asks for the dk check
    // only where the key's origin is not assured, so it is not repeated here (one SHA3-256 of
    // ek per call). Same result as decaps() for every such key; never fails. Any other dk goes
    // through decaps().
    static status decaps_generated(dk_view dk, ct_view c, std::span<std::byte, ss_size> ss) noexcept {
        decaps_internal(dk, c, ss, nullptr);
        return {};
    }

    // Randomized KeyGen (FIPS 203 Alg. 19): d, z from the Rng.
    template <policy::Rng R>
    static status keygen(R& rng, std::span<std::byte, ek_size> ek, std::span<std::byte, dk_size> dk) noexcept {
        std::array<std::byte, 2 * sym_bytes> dz;
        wipe_on_exit w_dz(dz);
        if (status st = rng.fill(dz); !st) {
            secure_zeroize(ek);
            secure_zeroize(dk);
            return st;
        }
        return keygen_derand(sym(dz.data(), sym_bytes), sym(dz.data() + sym_bytes, sym_bytes), ek, dk);
    }

    // Randomized Encaps (FIPS 203 Alg. 20): m from the Rng. The ek check runs first, so a bad
    // key consumes no randomness.
    template <policy::Rng R>
    static status encaps(R& rng, ek_view ek, std::span<std::byte, ct_size> c,
                         std::span<std::byte, ss_size> ss) noexcept {
        if (!check_ek(ek)) {
            secure_zeroize(c);
            secure_zeroize(ss);
            return status{errc::invalid_key, "mlkem.ek", 0};
        }
        std::array<std::byte, sym_bytes> m;
        wipe_on_exit w_m(m);
        if (status st = rng.fill(m); !st) {
            secure_zeroize(c);
            secure_zeroize(ss);
            return st;
        }
        return encaps_derand(ek, m, c, ss);
    }

private:
    // Alg. 18 into ss; if h_ek is given, also H(ek) of the embedded ek into it (the §7.3 hash).
    static void decaps_internal(dk_view dk, ct_view c, std::span<std::byte, ss_size> ss,
                                std::array<std::byte, sym_bytes>* h_ek) noexcept {
        ct::secret(dk);
        // The embedded ek and its hash are public (they equal the peer-visible encapsulation key).
        ct::declassify(dk.template subspan<dk_ek_offset, ek_size + sym_bytes>());
        const auto dk_pke = dk.template first<P::dk_pke_size>();
        const auto ek = dk.template subspan<dk_ek_offset, ek_size>();
        const auto h = dk.template subspan<dk_h_offset, sym_bytes>();
        const auto z = dk.template subspan<dk_z_offset, sym_bytes>();

        // m' = K-PKE.Decrypt(dk_pke, c); (K', r') = G(m' || h)
        std::array<std::byte, sym_bytes> m2;
        std::array<std::byte, 2 * sym_bytes> kr;
        std::array<std::byte, sym_bytes> k_bar;
        std::array<std::byte, ct_size> c2;
        wipe_on_exit w_m2(m2);
        wipe_on_exit w_kr(kr);
        wipe_on_exit w_kbar(k_bar);
        wipe_on_exit w_c2(c2);
        pke::decrypt(dk_pke, c, m2);
        {
            sha3_512 g;
            g.update(m2);
            g.update(h);
            g.finish(kr);
        }
        // c' = K-PKE.Encrypt(ek, m', r'), with K̄ = J(z || c) (J = SHAKE256 with 32 bytes out,
        // FIPS 203 §4.1) and, if asked, H(ek) as its side hashes.
        const std::span<std::byte, sym_bytes> h_out = h_ek ? std::span<std::byte, sym_bytes>(*h_ek) : k_bar;
        const std::array<side_hash, 2> sides{side_hash{z, c, 0x1f, k_bar}, side_hash{ek, {}, 0x06, h_out}};
        pke::encrypt_with(ek, m2, std::span<const std::byte, sym_bytes>(kr.data() + sym_bytes, sym_bytes), c2,
                          side_hashes(sides).first(h_ek ? 2 : 1), []() noexcept {});
        // all-ones if c == c', else 0; the empty asm stops the compiler from turning the mask
        // back into a branch.
        std::uint8_t keep = static_cast<std::uint8_t>(0u - static_cast<unsigned>(ct_equal(c, c2)));
        __asm__("" : "+r"(keep));
        const std::byte mask{keep};
        for (std::size_t i = 0; i < ss_size; ++i) ss[i] = (kr[i] & mask) | (k_bar[i] & ~mask);
    }

    template <std::size_t N>
    static void copy(std::span<std::byte, N> out, std::type_identity_t<std::span<const std::byte, N>> in) noexcept {
        for (std::size_t i = 0; i < N; ++i) out[i] = in[i];
    }
};

// The ML-KEM policy of crypto/mlkem.hpp: K-PKE chosen at run time.
template <class P>
using kem = kem_with<P, backend::runtime>;

}  // namespace pqike::crypto::mlkem
