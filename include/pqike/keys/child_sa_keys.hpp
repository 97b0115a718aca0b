// SPDX-License-Identifier: MIT
// Child SA keying material (RFC 7296 §2.17, RFC 9370 §2.2.3).
//   KEYMAT = prf+(SK_d, Ni | Nr)                                   no key exchange
//   KEYMAT = prf+(SK_d, SK(0) | Ni | Nr | SK(1) | ... | SK(n))      with key exchanges
// SK(0) is the shared secret of the CREATE_CHILD_SA KE payload, SK(1..n) those of the
// IKE_FOLLOWUP_KE exchanges in order. Ni/Nr are the nonces of the exchange that creates the
// Child SA (for the first Child SA, those of IKE_SA_INIT). The split takes, in order, the
// encryption then the integrity key for the direction initiator -> responder, then the same for
// responder -> initiator, where "initiator" is the initiator of that exchange (RFC 7296 §2.17).
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

// SK(0) plus at most 7 additional key exchanges.
inline constexpr std::size_t max_key_exchanges = 1 + max_additional_key_exchanges;

namespace detail {
// Lays out SK(0) | Ni | Nr | SK(1) | ... | SK(n) (or Ni | Nr without secrets) as a list of
// views, without copying any of them.
struct ke_seed {
    std::array<bytes_view, max_key_exchanges + 2> parts{};
    std::size_t count = 0;

    [[nodiscard]] status build(std::span<const bytes_view> ke_secrets, bytes_view ni, bytes_view nr) noexcept {
        if (ke_secrets.size() > max_key_exchanges)
            return {errc::invalid_length, "key_exchanges.count", error_value{ke_secrets.size()}};
        count = 0;
        if (!ke_secrets.empty()) parts[count++] = ke_secrets[0];
        parts[count++] = ni;
        parts[count++] = nr;
        for (std::size_t i = 1; i < ke_secrets.size(); ++i) parts[count++] = ke_secrets[i];
        return {};
    }
    std::span<const bytes_view> view() const noexcept { return {parts.data(), count}; }
};
}  // namespace detail

// KEYMAT into the caller's buffer, from SK_d given as bytes (for stacks and tests that hold
// SK_d themselves).
template <policy::Prf P>
[[nodiscard]] status child_keymat(bytes_view sk_d, initiator_nonce ni, responder_nonce nr,
                                  std::span<const bytes_view> ke_secrets, mut_bytes out) noexcept {
    detail::ke_seed seed;
    if (const status s = seed.build(ke_secrets, ni, nr); !s) return s;
    const P prf{sk_d};
    return prf_plus(prf, seed.view(), out);
}

// KEYMAT from the IKE SA stage in force.
template <policy::Prf P>
[[nodiscard]] status child_keymat(const ike_sa_keys<P>& ike, initiator_nonce ni, responder_nonce nr,
                                  std::span<const bytes_view> ke_secrets, mut_bytes out) noexcept {
    return child_keymat<P>(ike.sk_d(), ni, nr, ke_secrets, out);
}

// The four ESP/AH keys of a Child SA. "i" and "r" name the initiator and responder of the
// exchange that created the Child SA.
class child_sa_keys {
public:
    bytes_view encr_i() const noexcept { return encr_i_.view(); }
    bytes_view integ_i() const noexcept { return integ_i_.view(); }
    bytes_view encr_r() const noexcept { return encr_r_.view(); }
    bytes_view integ_r() const noexcept { return integ_r_.view(); }
    const child_key_lengths& lengths() const noexcept { return len_; }

    // Split KEYMAT laid out as encr_i | integ_i | encr_r | integ_r.
    [[nodiscard]] static result<child_sa_keys> split(bytes_view keymat, const child_key_lengths& len) noexcept {
        if (const status s = len.check(); !s) return s.error();
        if (keymat.size() != len.total()) return {errc::length_mismatch, "keymat", error_value{keymat.size()}};
        child_sa_keys k;
        k.len_ = len;
        std::size_t at = 0;
        const auto take = [&](auto& dst, std::size_t n) {
            (void)dst.assign(keymat.subspan(at, n));  // n <= capacity: checked by len.check()
            at += n;
        };
        take(k.encr_i_, len.encr_key);
        take(k.integ_i_, len.integ_key);
        take(k.encr_r_, len.encr_key);
        take(k.integ_r_, len.integ_key);
        return k;
    }

private:
    child_sa_keys() noexcept = default;
    secret_bytes<max_encr_key_size> encr_i_;
    secret_bytes<max_integ_key_size> integ_i_;
    secret_bytes<max_encr_key_size> encr_r_;
    secret_bytes<max_integ_key_size> integ_r_;
    child_key_lengths len_{};
};

// Derive and split the keys of a Child SA created under `ike` (RFC 7296 §2.17).
template <policy::Prf P>
[[nodiscard]] result<child_sa_keys> derive_child_sa_keys(const ike_sa_keys<P>& ike, initiator_nonce ni,
                                                         responder_nonce nr,
                                                         std::span<const bytes_view> ke_secrets,
                                                         const child_key_lengths& len) noexcept {
    if (const status s = len.check(); !s) return s.error();
    std::array<std::byte, 2 * (max_encr_key_size + max_integ_key_size)> km{};
    const mut_bytes out{km.data(), len.total()};
    const status s = child_keymat(ike, ni, nr, ke_secrets, out);
    if (!s) {
        secure_zeroize(km.data(), km.size());
        return s.error();
    }
    auto keys = child_sa_keys::split(out, len);
    secure_zeroize(km.data(), km.size());
    return keys;
}

}  // namespace pqike::keys
