// SPDX-License-Identifier: MIT
// IKE SA rekey (RFC 7296 §2.18, RFC 9370 §2.2.4). With the OLD SA's PRF:
//   SKEYSEED = prf(SK_d(old), SK(0) | Ni | Nr | SK(1) | ... | SK(n))
// then, with the NEW SA's PRF, the new nonces and the new SPIs, the seven keys of stage 0:
//   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
// SK(0) comes from the CREATE_CHILD_SA KE payload and SK(1..n) from the IKE_FOLLOWUP_KE
// exchanges, in order. Ni/SPIi belong to the peer that started the rekey (it becomes the
// original initiator of the new SA). A new SA rekeyed from PPK-derived keys (SK_d' of RFC 8784,
// or RFC 9867's SK_d' for this exchange) reports ppk_mixed().
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "child_sa_keys.hpp"
#include "ike_sa_keys.hpp"
#include "key_lengths.hpp"

namespace pqike::keys {

// The rekey SKEYSEED alone (old PRF), for known-answer tests and stacks with their own split.
// At least one key exchange is mandatory for an IKE SA rekey (RFC 7296 §1.3.2).
template <policy::Prf OldP>
[[nodiscard]] status skeyseed_rekey(bytes_view sk_d_old, initiator_nonce ni, responder_nonce nr,
                                    std::span<const bytes_view> ke_secrets,
                                    std::span<std::byte, OldP::output_size> out) noexcept {
    if (ke_secrets.empty()) return {errc::missing_payload, "ke", 0};
    detail::ke_seed seed;
    if (const status s = seed.build(ke_secrets, ni, nr); !s) return s;
    const OldP prf{sk_d_old};
    prf.compute(seed.view(), out);
    return {};
}

namespace detail {
// The rekey's step of the key schedule: SKEYSEED from the old SA's SK_d, then the new SA's seven
// keys (RFC 7296 §2.18, RFC 9370 §2.2.4). `old_ppk`: that SK_d came from PPK mixing.
struct rekey_schedule {
    template <policy::Prf NewP, policy::Prf OldP>
    [[nodiscard]] static result<ike_sa_keys<NewP>> rekey(bytes_view sk_d_old, bool old_ppk, initiator_nonce ni,
                                                         responder_nonce nr, initiator_spi spi_i, responder_spi spi_r,
                                                         std::span<const bytes_view> ke_secrets,
                                                         const sa_key_lengths& new_lengths) noexcept {
        std::array<std::byte, OldP::output_size> seed{};
        if (const status s = skeyseed_rekey<OldP>(sk_d_old, ni, nr, ke_secrets, seed); !s) return s.error();
        auto k = ike_stage_factory::from_skeyseed<NewP>(seed, ni, nr, spi_i, spi_r, new_lengths, old_ppk);
        secure_zeroize(seed.data(), seed.size());
        return k;
    }
};
}  // namespace detail

// Stage 0 of the new IKE SA. NewP names the new SA's PRF and may differ from OldP (the rekey
// negotiates its own transforms): rekey_ike_sa<hmac_sha256>(old, ...). The old SA's stage is
// not consumed: it protects the exchange until the stack deletes it.
template <policy::Prf NewP, policy::Prf OldP>
[[nodiscard]] result<ike_sa_keys<NewP>> rekey_ike_sa(const ike_sa_keys<OldP>& old, initiator_nonce ni,
                                                     responder_nonce nr, initiator_spi spi_i, responder_spi spi_r,
                                                     std::span<const bytes_view> ke_secrets,
                                                     const sa_key_lengths& new_lengths) noexcept {
    return detail::rekey_schedule::rekey<NewP, OldP>(old.sk_d(), old.ppk_mixed(), ni, nr, spi_i, spi_r, ke_secrets,
                                                     new_lengths);
}

// The same from the old SA's SK_d alone, for a stack (or a tool) that holds that key but not
// the stage it belongs to; the new stage does not count as PPK-protected.
template <policy::Prf NewP, policy::Prf OldP>
[[nodiscard]] result<ike_sa_keys<NewP>> rekey_ike_sa_from_sk_d(bytes_view sk_d_old, initiator_nonce ni,
                                                               responder_nonce nr, initiator_spi spi_i,
                                                               responder_spi spi_r,
                                                               std::span<const bytes_view> ke_secrets,
                                                               const sa_key_lengths& new_lengths) noexcept {
    return detail::rekey_schedule::rekey<NewP, OldP>(sk_d_old, false, ni, nr, spi_i, spi_r, ke_secrets, new_lengths);
}

}  // namespace pqike::keys
