// SPDX-License-Identifier: MIT
// Post-quantum preshared keys in the exchanges: the policy a peer configures and the decisions
// both mechanisms share. The key formulas are in keys/ppk.hpp, the notifies in wire/ppk.hpp.
//
//   RFC 8784  IKE_SA_INIT: N(USE_PPK) both ways. IKE_AUTH request: AUTH with SK_pi',
//             N(PPK_IDENTITY, PPK_ID) [, N(NO_PPK_AUTH, AUTH data with SK_pi)]; response: AUTH
//             with SK_pr' and an empty N(PPK_IDENTITY) when the PPK was used. The IKE SA keeps
//             SK_d' (every Child SA and the IKE SA rekey use it).
//   RFC 9867  IKE_SA_INIT: N(USE_PPK_INT) both ways. One more IKE_INTERMEDIATE after the last
//             RFC 9370 additional key exchange: N(PPK_IDENTITY_KEY, PPK_ID | confirmation) per
//             offered PPK --> N(PPK_IDENTITY, PPK_ID) of the one chosen; then every key is
//             re-derived with the PPK (the last key update before IKE_AUTH).
//             CREATE_CHILD_SA on an SA that negotiated USE_PPK_INT: the same two notifies in the
//             request and response; the exchange derives its keys from SK_d' (keys/ppk.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../bytes.hpp"
#include "../keys/ppk.hpp"
#include "../result.hpp"
#include "../wire/ppk.hpp"
#include "common.hpp"

namespace pqike::exchange {

// One PPK a peer holds: its identity and the secret. The key view must outlive the helper.
struct ppk_entry {
    wire::ppk_id id{};
    bytes_view key{};
};

enum class ppk_mechanism : std::uint8_t {
    none,     // no PPK negotiated (or not configured)
    rfc8784,  // mixed in IKE_AUTH (SK_d', SK_pi', SK_pr')
    rfc9867,  // mixed in IKE_INTERMEDIATE (every key)
};

// PPK policy of one peer.
//   keys      initiator: RFC 8784 offers keys[0]; RFC 9867 offers all of them (at most
//             max_ppk_offers) in order. Responder: the PPKs it accepts. Empty: PPK not used.
//   required  ppk_required: no IKE SA without a PPK (RFC 8784 §3; RFC 9867 §3). Otherwise the
//             initiator also sends NO_PPK_AUTH and both sides may fall back to the plain SA.
//   rfc8784 / rfc9867   which mechanisms to announce (USE_PPK / USE_PPK_INT). When both are
//             announced by both sides, RFC 9867 is used.
struct ppk_config {
    std::span<const ppk_entry> keys{};
    bool required = false;
    bool rfc8784 = true;
    bool rfc9867 = false;

    constexpr bool enabled() const noexcept { return !keys.empty() && (rfc8784 || rfc9867); }
};

inline constexpr std::size_t max_ppk_offers = 8;

// The mechanism both announced (RFC 9867 wins over RFC 8784), or none.
constexpr ppk_mechanism negotiate_ppk(const ppk_config& c, bool peer_use_ppk, bool peer_use_ppk_int) noexcept {
    if (!c.enabled()) return ppk_mechanism::none;
    if (c.rfc9867 && peer_use_ppk_int) return ppk_mechanism::rfc9867;
    if (c.rfc8784 && peer_use_ppk) return ppk_mechanism::rfc8784;
    return ppk_mechanism::none;
}

// Index of the PPK with this ID in `c.keys`, or c.keys.size().
constexpr std::size_t find_ppk(const ppk_config& c, const wire::ppk_id& id) noexcept {
    std::size_t i = 0;
    while (i < c.keys.size() && !(c.keys[i].id == id)) ++i;
    return i;
}

// RFC 9867: one N(PPK_IDENTITY_KEY) per PPK we may use (at most max_ppk_offers, in order), each
// with its confirmation over the IKE SA's nonces and SPIs.
template <policy::Prf P>
void offer_ppks(inner_builder& ib, const ppk_config& c, const keys::ike_sa_keys<P>& sa) noexcept {
    for (std::size_t i = 0; i < c.keys.size() && i < max_ppk_offers; ++i) {
        std::array<std::byte, wire::ppk_confirmation_size> conf{};
        keys::ppk_confirmation<P>(c.keys[i].key, sa, conf);
        ib.begin(wire::payload_type::notify);
        wire::ppk_identity_key_notify{c.keys[i].id, bytes_view{conf}}.encode(ib.out());
    }
}

// Responder: the first offered PPK we hold whose confirmation matches (its index in c.keys), or
// c.keys.size() for none; errc::ppk_required when none matches and `c.required`.
template <policy::Prf P>
result<std::size_t> pick_offered_ppk(const ppk_config& c, const payload_list& pl,
                                     const keys::ike_sa_keys<P>& sa) noexcept {
    for (const wire::raw_payload& p : pl.view()) {
        if (p.type != wire::payload_type::notify) continue;
        auto n = wire::notify_view::decode(p);
        if (!n || n->kind != wire::notify_type::ppk_identity_key) continue;
        auto k = wire::ppk_identity_key_notify::decode(*n, p.body_offset());
        if (!k) return k.error();
        const std::size_t at = find_ppk(c, k->id);
        if (at < c.keys.size() && keys::ppk_confirmation_matches<P>(c.keys[at].key, sa, k->confirmation)) return at;
    }
    if (c.required) return error{errc::ppk_required, "notify.ppk_identity_key", 0};
    return c.keys.size();
}

// Initiator: the PPK the responder named in N(PPK_IDENTITY) (its index in c.keys), or
// c.keys.size() when it named none. A PPK we did not offer is an error; so is none when
// `c.required`.
inline result<std::size_t> named_ppk(const ppk_config& c, const payload_list& pl) noexcept {
    auto n = pl.notify(wire::notify_type::ppk_identity);
    if (!n) {
        if (c.required) return error{errc::ppk_required, "notify.ppk_identity", 0};
        return c.keys.size();
    }
    auto id = wire::ppk_identity_notify::decode(*n);
    if (!id || !id->has_id) return error{errc::invalid_syntax, "notify.ppk_identity", 0};
    const std::size_t at = find_ppk(c, id->id);
    if (at >= c.keys.size() || at >= max_ppk_offers)
        return error{errc::authentication_failed, "notify.ppk_identity", 0};  // not one we offered
    return at;
}

}  // namespace pqike::exchange
