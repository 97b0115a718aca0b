// SPDX-License-Identifier: MIT
// The answer to harvest-now-decrypt-later (docs/escape-message.md §7): after the PQ rekey, mix
// the PPK the ESCAPE named into the new IKE SA's SK_d, SK_pi, SK_pr (RFC 8784 §3 formulas, via
// keys/ppk.hpp) and derive the ESCAPE_CONFIRM keys from the mixed SK_d and the new SPIs. An
// attacker who broke the classical exchange and sits in the middle of the rekey holds the
// unmixed keys only, so its CONFIRM fails the tag check.
#pragma once

#include <array>
#include <cstddef>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../keys/ike_sa_keys.hpp"
#include "../keys/ppk.hpp"
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

// The new SA's keys with the PPK mixed in: SK_d' = prf+(PPK, SK_d), SK_pi' = prf+(PPK, SK_pi),
// SK_pr' = prf+(PPK, SK_pr). Use these keys for the new SA from now on.
template <policy::Prf P>
result<keys::ike_sa_keys<P>> mix_escape_ppk(const keys::ike_sa_keys<P>& rekeyed, bytes_view ppk) noexcept {
    auto c = keys::mix_ppk_rfc8784(rekeyed, ppk);
    if (!c) return c.error();
    return c->mixed;
}

// ESCAPE_CONFIRM keys: key_mode::confirm from the mixed SK_d, bound to the new SPIs.
template <policy::Prf P>
result<key_pair<P>> confirm_keys(const keys::ike_sa_keys<P>& mixed, bytes_view key_id) noexcept {
    if (!mixed.ppk_mixed()) return error{errc::invalid_key, "escape.confirm.ppk"};
    const auto b = ike_binding::of(mixed);
    return key_pair<P>::derive(key_mode::confirm, mixed.sk_d(), key_id, b.view());
}

}  // namespace pqike::escape
