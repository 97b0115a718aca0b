// SPDX-License-Identifier: MIT
// The crypto policy concepts. pqike never hard-wires an algorithm: hashes, PRFs, KEMs, DH groups,
// SK ciphers and the random source are template parameters checked here. Each concept is a
// conjunction of small named requirements so a failing check names what is missing.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "../bytes.hpp"
#include "../result.hpp"

namespace pqike::crypto {

// ---- random source ----------------------------------------------------------------------------
// r.fill(out) fills out with cryptographically secure random bytes or returns an error
// (errc::rng_failure); it never silently degrades.
template <class R>
concept Rng = requires(R& r, mut_bytes out) {
    { r.fill(out) } -> std::same_as<status>;
};

// ---- hash -------------------------------------------------------------------------------------
// Incremental hash: H h; h.update(part)...; h.finish(out). Sizes are compile-time constants.
template <class H>
concept Hash = std::default_initializable<H> && requires(H& h, bytes_view in,
                                                         std::span<std::byte, H::digest_size> out) {
    { H::digest_size } -> std::convertible_to<std::size_t>;
    { H::block_size } -> std::convertible_to<std::size_t>;
    h.update(in);
    h.finish(out);
};

// ---- PRF --------------------------------------------------------------------------------------
// A keyed PRF as IKEv2 uses it (RFC 7296 §2.13). Constructing P from a key does the key setup
// once (HMAC precomputes its inner and outer states) so prf+ pays it once. compute() absorbs a
// list of parts one after another, so Ni | Nr | SPIi | SPIr is never concatenated. stream()
// gives an incremental context for data that arrives in pieces.
//   transform_id        IKEv2 Transform Type 2 ID (PRF_HMAC_SHA2_256 = 5, ...)
//   output_size         bytes per PRF output block
//   preferred_key_size  length of SK_d, SK_pi, SK_pr (RFC 7296 §2.13)
//   truncates_nonce_key true for AES-XCBC/CMAC PRFs: SKEYSEED's key is the first 64 bits of Ni
//                       and of Nr (RFC 7296 §2.14)
template <class P>
concept PrfStream = requires(P& s, bytes_view in, std::span<std::byte, P::output_size> out) {
    s.update(in);
    s.finish(out);
};

template <class P>
concept Prf = std::constructible_from<P, bytes_view> &&
              requires(const P& prf, std::span<const bytes_view> parts,
                       std::span<std::byte, P::output_size> out) {
    { P::transform_id } -> std::convertible_to<std::uint16_t>;
    { P::output_size } -> std::convertible_to<std::size_t>;
    { P::preferred_key_size } -> std::convertible_to<std::size_t>;
    { P::truncates_nonce_key } -> std::convertible_to<bool>;
    prf.compute(parts, out);
    { prf.stream() } -> PrfStream;
};

// prf(key, a | b | c) without concatenation: prf_compute(p, {a, b, c}, out).
template <Prf P>
void prf_compute(const P& prf, std::initializer_list<bytes_view> parts,
                 std::span<std::byte, P::output_size> out) noexcept {
    prf.compute(std::span<const bytes_view>(parts.begin(), parts.size()), out);
}

// ---- KEM --------------------------------------------------------------------------------------
// KEM-shaped, not DH-shaped (Generate / Encaps / Decaps). Sizes are static constexpr and the
// operations take fixed-extent spans. Deterministic twins take their coins so known-answer tests
// can drive them; the randomized forms draw coins from an Rng.
//   id            IKEv2 Transform Type 4 / ADDKE ID (ML-KEM-768 = 36)
//   check_ek      FIPS 203 §7.2 input check (length is implied by the span type; modulus)
//   encaps*       fail with errc::invalid_key when ek fails check_ek
//   decaps        fails with errc::invalid_key when dk fails its §7.3 hash check; an invalid
//                 ciphertext is NOT an error (implicit rejection gives a pseudorandom secret)
// All operations zeroize their secret outputs on error.
namespace detail {
struct rng_archetype {
    status fill(mut_bytes) noexcept { return {}; }
};
}  // namespace detail

template <class K>
concept Kem = requires {
    { K::id } -> std::convertible_to<std::uint16_t>;
    { K::name } -> std::convertible_to<const char*>;
    { K::ek_size } -> std::convertible_to<std::size_t>;
    { K::dk_size } -> std::convertible_to<std::size_t>;
    { K::ct_size } -> std::convertible_to<std::size_t>;
    { K::ss_size } -> std::convertible_to<std::size_t>;
} && requires(std::span<const std::byte, 32> coins32, std::span<const std::byte, K::ek_size> ek,
              std::span<const std::byte, K::dk_size> dk, std::span<const std::byte, K::ct_size> ct,
              std::span<std::byte, K::ek_size> ek_out, std::span<std::byte, K::dk_size> dk_out,
              std::span<std::byte, K::ct_size> ct_out, std::span<std::byte, K::ss_size> ss_out,
              detail::rng_archetype& rng) {
    { K::keygen_derand(coins32, coins32, ek_out, dk_out) } -> std::same_as<status>;  // (d, z)
    { K::encaps_derand(ek, coins32, ct_out, ss_out) } -> std::same_as<status>;       // (ek, m)
    { K::decaps(dk, ct, ss_out) } -> std::same_as<status>;
    { K::check_ek(ek) } -> std::same_as<bool>;
    { K::keygen(rng, ek_out, dk_out) } -> std::same_as<status>;
    { K::encaps(rng, ek, ct_out, ss_out) } -> std::same_as<status>;
};

// ---- Diffie-Hellman group ---------------------------------------------------------------------
// Its own shape: a private value, a public value sent in KE, and derive(priv, peer) -> g^ir.
// derive fails with errc::invalid_key for an invalid peer public value (RFC 7296 §2.12 checks).
template <class G>
concept DhGroup = requires {
    { G::id } -> std::convertible_to<std::uint16_t>;
    { G::name } -> std::convertible_to<const char*>;
    { G::private_size } -> std::convertible_to<std::size_t>;
    { G::public_size } -> std::convertible_to<std::size_t>;
    { G::shared_size } -> std::convertible_to<std::size_t>;
} && requires(std::span<const std::byte, G::private_size> priv,
              std::span<const std::byte, G::public_size> peer,
              std::span<std::byte, G::private_size> priv_out,
              std::span<std::byte, G::public_size> pub_out,
              std::span<std::byte, G::shared_size> shared_out, detail::rng_archetype& rng) {
    { G::keygen(rng, priv_out, pub_out) } -> std::same_as<status>;
    { G::derive(priv, peer, shared_out) } -> std::same_as<status>;
};

// ---- SK payload cipher ------------------------------------------------------------------------
// Protection of the Encrypted payload (RFC 7296 §3.14, RFC 5282 for AEAD). One interface for both
// kinds; the SK framing code in wire/ computes aad, iv, padding and where the ICV goes.
//   encr_id, integ_id  Transform IDs (integ_id = 0 for AEAD)
//   is_aead            true: sk_a is empty and the ICV is the AEAD tag over aad
//                      false: encrypt-then-MAC, ICV = MAC(sk_a, aad | iv | ciphertext)
//   encr_key_size      length of SK_e (AEAD: key + salt, e.g. AES-256-GCM = 32 + 4)
//   integ_key_size     length of SK_a (0 for AEAD)
//   iv_size, icv_size, block_size (padding granularity; 1 for none)
//   seal(sk_e, sk_a, aad, iv, data, icv)   data (already padded) is encrypted in place
//   open(sk_e, sk_a, aad, iv, data, icv)   verifies first; on failure returns
//                                          errc::integrity_check_failed and leaves data unchanged
template <class C>
concept SkCipher = requires {
    { C::encr_id } -> std::convertible_to<std::uint16_t>;
    { C::integ_id } -> std::convertible_to<std::uint16_t>;
    { C::is_aead } -> std::convertible_to<bool>;
    { C::encr_key_size } -> std::convertible_to<std::size_t>;
    { C::integ_key_size } -> std::convertible_to<std::size_t>;
    { C::iv_size } -> std::convertible_to<std::size_t>;
    { C::icv_size } -> std::convertible_to<std::size_t>;
    { C::block_size } -> std::convertible_to<std::size_t>;
} && requires(bytes_view sk_e, bytes_view sk_a, bytes_view aad, bytes_view iv, mut_bytes data,
              mut_bytes icv_out, bytes_view icv) {
    { C::seal(sk_e, sk_a, aad, iv, data, icv_out) } -> std::same_as<status>;
    { C::open(sk_e, sk_a, aad, iv, data, icv) } -> std::same_as<status>;
};

}  // namespace pqike::crypto
