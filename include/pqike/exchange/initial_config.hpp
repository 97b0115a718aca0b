// SPDX-License-Identifier: MIT
// What the initial exchanges (initial_initiator.hpp, initial_responder.hpp) are configured with,
// the states they report, and the responder's reading of an IKE_SA_INIT offer (shared with
// suite_select.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "../bytes.hpp"
#include "../kex/key_exchange.hpp"
#include "../kex/negotiate.hpp"
#include "../kex/proposal.hpp"
#include "../result.hpp"
#include "../wire/id.hpp"
#include "../wire/ke.hpp"
#include "../wire/sa.hpp"
#include "common.hpp"
#include "cookie.hpp"
#include "nat.hpp"
#include "ppk.hpp"
#include "workspace.hpp"

namespace pqike::exchange {

struct identity {
    wire::id_type type = wire::id_type::fqdn;
    bytes_view data{};
};

// Local policy of one peer. Views must outlive the helper.
//   ike         IKE proposals with KE and ADDKE1..7 (initiator: offered in order; responder:
//               acceptable). ENCR/PRF must be the suite's.
//   child       ESP/AH proposals for the Child SA created by IKE_AUTH; empty = none. The
//               initiator's carry its 4-octet SPI (proposal::set_spi); the responder draws its own.
//   ts_i, ts_r  TSi/TSr payload bodies the initiator sends (the responder echoes what it got;
//               narrowing is the stack's policy)
//   fragments   datagram size for RFC 7383 fragmentation (used when both sides announce it)
//   fragments_pool where received fragments are reassembled (nullptr: default_fragment_pool())
//   ke_errors   which notify answers an invalid KE payload (INVALID_SYNTAX by default)
//   ppk         post-quantum preshared keys (RFC 8784 / RFC 9867, exchange/ppk.hpp)
//   cookies     responder: stateless cookies above a half-open threshold (exchange/cookie.hpp)
//   extra       payloads the stack adds per exchange (vendor IDs, INITIAL_CONTACT, ...); what
//               the helper did not read of a received message comes back in outgoing::unconsumed
//   nat         NAT traversal (exchange/nat.hpp): NAT detection runs when the datagram_context
//               names both addresses; force_encapsulation floats to port 4500 regardless
//   child_ke_in_auth  initiator: which of the `child` proposals' KE and ADDKEn transforms the
//               IKE_AUTH SA lists (kex::ke_transforms). none (default): RFC 7296 §1.2, no KE
//               payload in IKE_AUTH; addke_only: the ADDKEs without KE, which libreswan 5.4
//               responders require (they match the ADDKEs of their esp= line there,
//               docs/interop.md); all: as configured. Either way the Child SA of IKE_AUTH has no
//               key exchange; a responder never runs them and echoes the peer's (RFC 7296 §2.7).
struct initial_config {
    std::span<const kex::proposal> ike{};
    std::span<const kex::proposal> child{};
    bytes_view ts_i{};
    bytes_view ts_r{};
    identity id{};
    bytes_view psk{};
    bool announce_fragmentation = true;
    wire::fragment_options fragments{};
    fragment_pool* fragments_pool = nullptr;
    kex::responder_options ke_errors{};
    std::size_t nonce_size = 32;
    kex::preference order = kex::preference::peer;
    ppk_config ppk{};
    cookie_config cookies{};
    nat_config nat{};
    extra_payloads extra{};
    kex::ke_transforms child_ke_in_auth = kex::ke_transforms::none;
};

enum class initial_state : std::uint8_t {
    idle,               // initiator: nothing sent; responder: waiting for IKE_SA_INIT
    sa_init,            // initiator: IKE_SA_INIT sent; responder: IKE_SA_INIT answered
    intermediate,       // IKE_INTERMEDIATE in progress (initiator: request sent)
    auth,               // initiator: IKE_AUTH sent
    established,
    failed,
};

// A compact view of a helper's public state, for tests and fuzzers that check that a rejected
// message changed nothing.
struct initial_snapshot {
    initial_state state = initial_state::idle;
    std::uint32_t message_id = 0;
    std::size_t step = 0;
    unsigned stage = 0;
    std::size_t int_auth_i = 0;
    std::size_t int_auth_r = 0;
    bool fragment_pending = false;
    ppk_mechanism ppk = ppk_mechanism::none;
    friend constexpr bool operator==(const initial_snapshot&, const initial_snapshot&) = default;
};

namespace detail {

// The SA and KE payloads of an IKE_SA_INIT request (RFC 7296 §1.2), decoded; SA must be there.
struct ike_sa_init_offer {
    wire::sa_view sa{};
    std::optional<wire::ke_view> ke{};
};
inline result<ike_sa_init_offer> read_offer(const payload_list& pl) noexcept {
    ike_sa_init_offer o;
    const auto* sa_p = pl.find(wire::payload_type::sa);
    if (sa_p == nullptr) return error{errc::missing_payload, "sa", 0};
    auto sv = wire::sa_view::decode(*sa_p);
    if (!sv) return sv.error();
    o.sa = *sv;
    if (const auto* ke_p = pl.find(wire::payload_type::ke)) {
        auto v = wire::ke_view::decode(*ke_p);
        if (!v) return v.error();
        o.ke = *v;
    }
    return o;
}
// The responder's choice among the offered proposals (RFC 7296 §2.7), the KE payload's method
// as the hint (§1.2: prefer the proposal whose KE the initiator sent).
inline result<kex::negotiated_sa> select_ike(const ike_sa_init_offer& o, const initial_config& cfg) noexcept {
    kex::select_options so;
    so.order = cfg.order;
    so.ke_hint = o.ke ? wire::to_number(o.ke->method) : std::uint16_t{0};
    return kex::select(o.sa, cfg.ike, so);
}

inline constexpr std::size_t max_peer_id = 256;   // ID payload body kept after IKE_AUTH
inline constexpr std::size_t max_ts_body = 512;   // each TS payload body echoed in IKE_AUTH

}  // namespace detail
}  // namespace pqike::exchange
