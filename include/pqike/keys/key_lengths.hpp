// SPDX-License-Identifier: MIT
// Key lengths that the negotiated transforms imply for the IKE SA (RFC 7296 §2.13, §2.14) and
// for Child SAs (RFC 7296 §2.17). One table per transform type; AEAD salts and counter-mode
// nonces are part of the key material (RFC 5282 §7.1, RFC 5930 §3, RFC 7634 §4).
#pragma once

#include <cstddef>
#include <cstdint>

#include "../policy.hpp"
#include "../result.hpp"
#include "../wire/transform.hpp"

namespace pqike::keys {

// Capacities of the fixed secret containers. The largest keys in use: SK_d/SK_p of
// PRF_HMAC_SHA2_512 (64), SK_a of AUTH_HMAC_SHA2_512_256 (64), SK_e of AES-256-GCM/CTR and
// ChaCha20-Poly1305 (32 + 4).
inline constexpr std::size_t max_prf_key_size = 64;
inline constexpr std::size_t max_integ_key_size = 64;
inline constexpr std::size_t max_encr_key_size = 64;

// Lengths of the seven IKE SA keys: SK_d, SK_pi, SK_pr have the PRF's preferred key size;
// SK_ai, SK_ar the integrity key size (0 with AEAD); SK_ei, SK_er the cipher key size
// including any salt.
struct sa_key_lengths {
    std::size_t prf_key = 0;
    std::size_t integ_key = 0;
    std::size_t encr_key = 0;

    constexpr std::size_t total() const noexcept { return 3 * prf_key + 2 * integ_key + 2 * encr_key; }
    [[nodiscard]] constexpr status check() const noexcept {
        if (prf_key == 0 || prf_key > max_prf_key_size) return {errc::invalid_length, "sa_key_lengths.prf_key", error_value{prf_key}};
        if (integ_key > max_integ_key_size) return {errc::invalid_length, "sa_key_lengths.integ_key", error_value{integ_key}};
        if (encr_key > max_encr_key_size) return {errc::invalid_length, "sa_key_lengths.encr_key", error_value{encr_key}};
        return {};
    }
    friend constexpr bool operator==(const sa_key_lengths&, const sa_key_lengths&) = default;
};

// ESP/AH key lengths of a Child SA: per direction one encryption key (0 for AH) and one
// integrity key (0 with AEAD).
struct child_key_lengths {
    std::size_t encr_key = 0;
    std::size_t integ_key = 0;

    constexpr std::size_t total() const noexcept { return 2 * (encr_key + integ_key); }
    [[nodiscard]] constexpr status check() const noexcept {
        if (encr_key > max_encr_key_size) return {errc::invalid_length, "child_key_lengths.encr_key", error_value{encr_key}};
        if (integ_key > max_integ_key_size) return {errc::invalid_length, "child_key_lengths.integ_key", error_value{integ_key}};
        return {};
    }
    friend constexpr bool operator==(const child_key_lengths&, const child_key_lengths&) = default;
};

// ---- tables -------------------------------------------------------------------------------

// Preferred key size of a PRF transform (RFC 7296 §2.13: HMAC = hash output size; RFC 4434,
// RFC 4615: 16 for the AES PRFs).
constexpr result<std::size_t> prf_key_size(wire::prf_id id) noexcept {
    switch (id) {
        case wire::prf_id::hmac_md5: return std::size_t{16};
        case wire::prf_id::hmac_sha1: return std::size_t{20};
        case wire::prf_id::aes128_xcbc: return std::size_t{16};
        case wire::prf_id::hmac_sha2_256: return std::size_t{32};
        case wire::prf_id::hmac_sha2_384: return std::size_t{48};
        case wire::prf_id::hmac_sha2_512: return std::size_t{64};
        case wire::prf_id::aes128_cmac: return std::size_t{16};
    }
    return {errc::no_proposal_chosen, "prf.id", error_value{static_cast<std::size_t>(id)}};
}

// Integrity key size (RFC 2404, RFC 3566, RFC 4494, RFC 4543 §3.2 (key + 4-octet salt),
// RFC 4595, RFC 4868 §2.1.1).
constexpr result<std::size_t> integ_key_size(wire::integ_id id) noexcept {
    switch (id) {
        case wire::integ_id::none: return std::size_t{0};
        case wire::integ_id::hmac_md5_96: return std::size_t{16};
        case wire::integ_id::hmac_sha1_96: return std::size_t{20};
        case wire::integ_id::aes_xcbc_96: return std::size_t{16};
        case wire::integ_id::aes_cmac_96: return std::size_t{16};
        case wire::integ_id::aes_128_gmac: return std::size_t{16 + 4};
        case wire::integ_id::aes_192_gmac: return std::size_t{24 + 4};
        case wire::integ_id::aes_256_gmac: return std::size_t{32 + 4};
        case wire::integ_id::hmac_sha2_256_128: return std::size_t{32};
        case wire::integ_id::hmac_sha2_384_192: return std::size_t{48};
        case wire::integ_id::hmac_sha2_512_256: return std::size_t{64};
    }
    // AUTH_HMAC_MD5_128 (6) and AUTH_HMAC_SHA1_160 (7) are outside wire::integ_id's named set.
    if (static_cast<std::uint16_t>(id) == 6) return std::size_t{16};
    if (static_cast<std::uint16_t>(id) == 7) return std::size_t{20};
    return {errc::no_proposal_chosen, "integ.id", error_value{static_cast<std::size_t>(id)}};
}

// Encryption key material in octets for a cipher and its Key Length attribute in bits (0 when
// the transform has none). Salt: GCM 4 octets (RFC 5282 §7.1), CCM 3 (RFC 5282 §7.1), CTR 4
// (RFC 5930 §3), GMAC 4 (RFC 4543 §3.2), ChaCha20-Poly1305 4 (RFC 7634 §4).
constexpr result<std::size_t> encr_key_size(wire::encr_id id, std::uint16_t key_bits) noexcept {
    const bool aes_bits = key_bits == 128 || key_bits == 192 || key_bits == 256;
    const std::size_t k = key_bits / 8u;
    switch (id) {
        case wire::encr_id::des3:
            if (key_bits != 0) break;
            return std::size_t{24};
        case wire::encr_id::null:
            if (key_bits != 0) break;
            return std::size_t{0};
        case wire::encr_id::aes_cbc:
        case wire::encr_id::camellia_cbc:
            if (!aes_bits) break;
            return k;
        case wire::encr_id::aes_ctr:
        case wire::encr_id::aes_gcm_8:
        case wire::encr_id::aes_gcm_12:
        case wire::encr_id::aes_gcm_16:
        case wire::encr_id::null_auth_aes_gmac:
            if (!aes_bits) break;
            return k + 4;
        case wire::encr_id::aes_ccm_8:
        case wire::encr_id::aes_ccm_12:
        case wire::encr_id::aes_ccm_16:
            if (!aes_bits) break;
            return k + 3;
        case wire::encr_id::chacha20_poly1305:
            if (key_bits != 0) break;
            return std::size_t{32 + 4};
        default:
            return {errc::no_proposal_chosen, "encr.id", error_value{static_cast<std::size_t>(id)}};
    }
    return {errc::invalid_syntax, "encr.key_length", error_value{key_bits}};
}

// IKE SA key lengths from the negotiated ENCR (+ Key Length), INTEG and PRF transform IDs.
// An AEAD cipher with an integrity transform other than NONE is refused (RFC 5282 §8).
constexpr result<sa_key_lengths> ike_key_lengths(wire::encr_id encr, std::uint16_t key_bits,
                                                 wire::integ_id integ, wire::prf_id prf) noexcept {
    if (wire::is_aead(encr) && integ != wire::integ_id::none) return {errc::invalid_syntax, "integ.id", 0};
    if (!wire::is_aead(encr) && integ == wire::integ_id::none) return {errc::invalid_syntax, "integ.id", 0};
    const auto e = encr_key_size(encr, key_bits);
    if (!e) return e.error();
    const auto i = integ_key_size(integ);
    if (!i) return i.error();
    const auto p = prf_key_size(prf);
    if (!p) return p.error();
    return sa_key_lengths{*p, *i, *e};
}

// IKE SA key lengths from a PRF policy and an SK cipher policy.
template <policy::Prf P, policy::SkCipher C>
constexpr sa_key_lengths ike_key_lengths() noexcept {
    return {P::preferred_key_size, C::integ_key_size, C::encr_key_size};
}

// Child SA key lengths from the negotiated ESP/AH transforms (ENCR NONE for AH: pass
// encr_id::null with 0 bits, which needs no key).
constexpr result<child_key_lengths> child_lengths(wire::encr_id encr, std::uint16_t key_bits,
                                                  wire::integ_id integ) noexcept {
    const auto e = encr_key_size(encr, key_bits);
    if (!e) return e.error();
    const auto i = integ_key_size(integ);
    if (!i) return i.error();
    return child_key_lengths{*e, *i};
}

}  // namespace pqike::keys
