// SPDX-License-Identifier: MIT
// The answer to harvest-now-decrypt-later (docs/escape-message.md §7): the PQ rekey carries the
// PPK the ESCAPE named on the wire (RFC 9867's CREATE_CHILD_SA notifies; exchange/rekey.hpp with
// rekey_config::ppk), so the new IKE SA's SKEYSEED comes from the legacy SA's SK_d' =
// prf+(PPK, SK_d), and the ESCAPE_CONFIRM keys from the new SK_d and the new SPIs. Both sides
// agree on the PPK inside the rekey itself: a peer that never saw the ACK still mixes the same
// PPK, or refuses the rekey. An attacker who broke the classical exchange and sits in the middle
// of the rekey lacks the PPK, so its CONFIRM fails the tag check.
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../keys/ike_sa_keys.hpp"
#include "../keys/ppk.hpp"
#include "../keys/rekey.hpp"
#include "../result.hpp"
#include "actions.hpp"

namespace pqike::escape {

// SA binding of an IKE SA: SPIi | SPIr (8 octets each, RFC 7296 §3.1).
struct ike_binding {
    std::array<std::byte, 16> spis{};
    bytes_view view() const noexcept { return spis; }

    static ike_binding of(bytes_view spi_i, bytes_view spi_r) noexcept {
        ike_binding b;
        for (std::size_t i = 0; i < 8 && i < spi_i.size(); ++i) b.spis[i] = spi_i[i];
        for (std::size_t i = 0; i < 8 && i < spi_r.size(); ++i) b.spis[8 + i] = spi_r[i];
        return b;
    }
    template <policy::Prf P>
    static ike_binding of(const keys::ike_sa_keys<P>& k) noexcept {
        return of(k.spi_i(), k.spi_r());
    }
};

// The migration's new IKE SA for a stack that runs the rekey itself (the exchange helpers do the
// same): SKEYSEED = prf(SK_d', SK(0) | Ni | Nr | SK(1) | ...) with SK_d' = prf+(PPK, SK_d) of the
// legacy SA, then the new SA's seven keys (RFC 7296 §2.18, RFC 9370 §2.2.4, RFC 9867).
template <policy::Prf NewP, policy::Prf OldP>
result<keys::ike_sa_keys<NewP>> rekey_with_escape_ppk(const keys::ike_sa_keys<OldP>& legacy, bytes_view ppk,
                                                      bytes_view ni, bytes_view nr, bytes_view spi_i,
                                                      bytes_view spi_r, std::span<const bytes_view> ke_secrets,
                                                      const keys::sa_key_lengths& new_lengths) noexcept {
    auto from = keys::with_ppk_sk_d(legacy, ppk);
    if (!from) return from.error();
    return keys::rekey_ike_sa<NewP>(*from, keys::initiator_nonce{ni}, keys::responder_nonce{nr},
                                    keys::initiator_spi{spi_i}, keys::responder_spi{spi_r}, ke_secrets, new_lengths);
}

// ESCAPE_CONFIRM keys: key_mode::confirm from the new SA's SK_d (derived with the PPK), bound to
// the new SPIs.
template <policy::Prf P>
result<key_pair<P>> confirm_keys(const keys::ike_sa_keys<P>& mixed, bytes_view key_id) noexcept {
    if (!mixed.ppk_mixed()) return error{errc::invalid_key, "escape.confirm.ppk"};
    const auto b = ike_binding::of(mixed);
    return key_pair<P>::derive(key_mode::confirm, mixed.sk_d(), key_id, b.view());
}

}  // namespace pqike::escape
