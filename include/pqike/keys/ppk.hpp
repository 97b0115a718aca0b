// SPDX-License-Identifier: MIT
// Post-quantum preshared keys.
//
// RFC 8784 §3 (PPK mixed in IKE_AUTH, initial IKE SA only), same output lengths as the inputs:
//   SK_d' = prf+(PPK, SK_d),  SK_pi' = prf+(PPK, SK_pi),  SK_pr' = prf+(PPK, SK_pr)
// AUTH is then computed with SK_pi'/SK_pr'. An initiator that may fall back sends NO_PPK_AUTH,
// the AUTH value computed with the unmixed SK_pi; a responder without the PPK verifies that and
// continues with the unmixed keys. `ppk_candidates` keeps both key sets for that choice.
//
// RFC 9867 in IKE_INTERMEDIATE (signalled by USE_PPK_INT): in the last IKE_INTERMEDIATE
// exchange, after its RFC 9370 key update, all seven keys are re-derived:
//   SKEYSEED' = prf+(PPK, SK_d)          (as long as SK_d: the PRF's preferred key size)
//   {SK_d' | SK_ai' | SK_ar' | SK_ei' | SK_er' | SK_pi' | SK_pr'} = prf+(SKEYSEED', Ni | Nr | SPIi | SPIr)
// It is the last key update before IKE_AUTH (ike_sa_keys refuses any later one). PPK_IDENTITY_KEY
// carries the PPK ID followed by a confirmation value that lets the responder check it holds
// the same PPK before using it:
//   PPK Confirmation = first 8 octets of prf(PPK, Ni | Nr | SPIi | SPIr)
// RFC 9867 in CREATE_CHILD_SA: the exchange uses SK_d' = prf+(PPK, SK_d) of the IKE SA in place
// of SK_d, for the Child SA's KEYMAT or the new IKE SA's SKEYSEED (with every RFC 9370 secret as
// usual); the IKE SA's own keys are unchanged. The confirmation uses the IKE SA's Ni, Nr, SPIs.
// Provenance: SKEYSEED', the split and the confirmation agree with draft-ietf-ipsecme-ikev2-qr-alt-10
// (the text that became RFC 9867) as quoted in public review and with libreswan's implementation,
// which interoperates with the RFC author's. The CREATE_CHILD_SA formula and notify layout could
// not be checked against the RFC's own text here; see docs/ARCHITECTURE.md "PPK".
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "ike_sa_keys.hpp"
#include "key_lengths.hpp"
#include "prf_plus.hpp"

namespace pqike::keys {

// ---- RFC 8784 ---------------------------------------------------------------------------------

// Both key sets after IKE_AUTH PPK mixing: `mixed` (SK_d', SK_pi', SK_pr'; the other four keys
// unchanged) and `unmixed` (the stage as it was, for NO_PPK_AUTH).
template <policy::Prf P>
struct ppk_candidates {
    ike_sa_keys<P> mixed;
    ike_sa_keys<P> unmixed;

    // The stage to continue with: mixed when the PPK was used (the responder answered with
    // PPK_IDENTITY), unmixed when both sides fell back to NO_PPK_AUTH (RFC 8784 §3).
    const ike_sa_keys<P>& select(bool ppk_used) const noexcept { return ppk_used ? mixed : unmixed; }
};

namespace detail {
// PPK mixing's steps of the key schedule; the functions below are its public face.
struct ppk_schedule {
    // RFC 8784 §3: SK_d' = prf+(PPK, SK_d), SK_pi' = prf+(PPK, SK_pi), SK_pr' = prf+(PPK, SK_pr).
    template <policy::Prf P>
    static result<ppk_candidates<P>> rfc8784(const ike_sa_keys<P>& keys, bytes_view ppk) noexcept {
        if (ppk.empty()) return {errc::invalid_length, "ppk", 0};
        if (keys.ppk_mixed()) return {errc::unexpected_message, "ppk", 0};  // mixed once only
        secret_bytes<max_prf_key_size> d, pi, pr;
        if (!d.resize(keys.sk_d().size()) || !pi.resize(keys.sk_pi().size()) || !pr.resize(keys.sk_pr().size()))
            return {errc::invalid_length, "sk_d", error_value{keys.sk_d().size()}};
        const P prf{ppk};
        if (const status s = prf_plus(prf, {keys.sk_d()}, d.span()); !s) return s.error();
        if (const status s = prf_plus(prf, {keys.sk_pi()}, pi.span()); !s) return s.error();
        if (const status s = prf_plus(prf, {keys.sk_pr()}, pr.span()); !s) return s.error();
        return ppk_candidates<P>{ike_stage_factory::with_dp(keys, d.view(), pi.view(), pr.view()), keys};
    }
    // RFC 9867 CREATE_CHILD_SA: only SK_d replaced, by SK_d' = prf+(PPK, SK_d).
    template <policy::Prf P>
    static result<ike_sa_keys<P>> sk_d_prime(const ike_sa_keys<P>& keys, bytes_view ppk) noexcept {
        if (ppk.empty()) return {errc::invalid_length, "ppk", 0};
        secret_bytes<max_prf_key_size> d;
        if (!d.resize(keys.sk_d().size())) return {errc::invalid_length, "sk_d", error_value{keys.sk_d().size()}};
        if (const status s = prf_plus<P>(ppk, {keys.sk_d()}, d.span()); !s) return s.error();
        return ike_stage_factory::with_dp(keys, d.view(), keys.sk_pi(), keys.sk_pr());
    }
    // RFC 9867 §3.2 IKE_INTERMEDIATE: every key from SKEYSEED' = prf+(PPK, SK_d); `keys` spent.
    template <policy::Prf P>
    static result<ike_sa_keys<P>> intermediate(ike_sa_keys<P>& keys, bytes_view ppk) noexcept {
        if (ppk.empty()) return {errc::invalid_length, "ppk", 0};
        if (keys.ppk_mixed()) return {errc::unexpected_message, "ppk", 0};
        secret_bytes<max_prf_key_size> seed;
        if (!seed.resize(keys.sk_d().size())) return {errc::invalid_length, "sk_d", error_value{keys.sk_d().size()}};
        if (const status s = prf_plus<P>(ppk, {keys.sk_d()}, seed.span()); !s) return s.error();
        auto k = ike_stage_factory::restage(keys, seed.view(), true);
        if (k) ike_stage_factory::spend(keys);
        return k;
    }
};
}  // namespace detail

template <policy::Prf P>
[[nodiscard]] result<ppk_candidates<P>> mix_ppk_rfc8784(const ike_sa_keys<P>& keys, bytes_view ppk) noexcept {
    return detail::ppk_schedule::rfc8784(keys, ppk);
}

// ---- RFC 9867 ---------------------------------------------------------------------------------

inline constexpr std::size_t ppk_confirmation_size = 8;

// PPK Confirmation for PPK_IDENTITY_KEY, from the stage's nonces and SPIs.
template <policy::Prf P>
void ppk_confirmation(bytes_view ppk, initiator_nonce ni, responder_nonce nr, initiator_spi spi_i, responder_spi spi_r,
                      std::span<std::byte, ppk_confirmation_size> out) noexcept {
    static_assert(P::output_size >= ppk_confirmation_size);
    std::array<std::byte, P::output_size> full{};
    const P prf{ppk};
    policy::prf_compute(prf, {ni, nr, spi_i, spi_r}, std::span<std::byte, P::output_size>{full});
    for (std::size_t i = 0; i < ppk_confirmation_size; ++i) out[i] = full[i];
}

template <policy::Prf P>
void ppk_confirmation(bytes_view ppk, const ike_sa_keys<P>& keys,
                      std::span<std::byte, ppk_confirmation_size> out) noexcept {
    ppk_confirmation<P>(ppk, keys.nonce_i(), keys.nonce_r(), keys.spi_i(), keys.spi_r(), out);
}

// Responder side: does this PPK match the received confirmation? Constant time.
template <policy::Prf P>
bool ppk_confirmation_matches(bytes_view ppk, const ike_sa_keys<P>& keys, bytes_view received) noexcept {
    std::array<std::byte, ppk_confirmation_size> c{};
    ppk_confirmation<P>(ppk, keys, c);
    return ct_equal(bytes_view{c}, received);
}

// RFC 9867 CREATE_CHILD_SA: the IKE SA's stage with SK_d replaced by SK_d' = prf+(PPK, SK_d), to
// derive one exchange's Child SA KEYMAT or new IKE SA from; the IKE SA keeps its own keys.
template <policy::Prf P>
[[nodiscard]] result<ike_sa_keys<P>> with_ppk_sk_d(const ike_sa_keys<P>& keys, bytes_view ppk) noexcept {
    return detail::ppk_schedule::sk_d_prime(keys, ppk);
}

// The next stage after PPK mixing in IKE_INTERMEDIATE. Like after_additional_ke it consumes the
// stage it starts from (wiped when the step is taken, unchanged when refused).
template <policy::Prf P>
[[nodiscard]] result<ike_sa_keys<P>> mix_ppk_intermediate(ike_sa_keys<P>&& keys, bytes_view ppk) noexcept {
    return detail::ppk_schedule::intermediate(keys, ppk);
}

}  // namespace pqike::keys
