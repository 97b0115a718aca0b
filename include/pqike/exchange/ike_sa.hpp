// SPDX-License-Identifier: MIT
// An established IKE SA as the exchange helpers leave it (after IKE_AUTH or an IKE SA rekey)
// and the Child SA they create: the keys in force, the SPIs, the message ID counters of both
// directions and whether IKE fragmentation may be used. The rekey and INFORMATIONAL helpers run
// on it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "../bytes.hpp"
#include "../kex/negotiate.hpp"
#include "../keys/child_sa_keys.hpp"
#include "../keys/ike_sa_keys.hpp"
#include "../wire/sk.hpp"
#include "common.hpp"
#include "nat.hpp"

namespace pqike::exchange {

template <policy::Suite Suite>
struct ike_sa {
    using prf = typename Suite::prf;
    using cipher = typename Suite::cipher;

    std::optional<keys::ike_sa_keys<prf>> keys{};
    kex::negotiated_sa negotiated{};
    bool original_initiator = false;   // we sent the IKE_SA_INIT (or the rekey) that made this SA
    std::uint64_t spi_i = 0;           // the original initiator's SPI
    std::uint64_t spi_r = 0;
    std::uint32_t next_request_id = 0; // Message ID of our next request (RFC 7296 §2.2)
    std::uint32_t next_peer_id = 0;    // Message ID the peer's next request must carry
    fragmentation frag{};              // both announced IKEV2_FRAGMENTATION_SUPPORTED;
                                       // options.non_esp_marker: the SA runs on port 4500 and the
                                       // helpers add / remove the marker (nat.hpp)
    nat_status nat{};                  // what NAT detection found in IKE_SA_INIT
    bool ppk_int = false;              // USE_PPK_INT negotiated: RFC 9867 PPKs in CREATE_CHILD_SA

    bool established() const noexcept { return keys.has_value(); }
    // SK_e/SK_a of our messages and of the peer's.
    wire::sk_keys send_keys() const noexcept {
        return original_initiator ? wire::sk_keys{keys->sk_ei(), keys->sk_ai()}
                                  : wire::sk_keys{keys->sk_er(), keys->sk_ar()};
    }
    wire::sk_keys receive_keys() const noexcept {
        return original_initiator ? wire::sk_keys{keys->sk_er(), keys->sk_ar()}
                                  : wire::sk_keys{keys->sk_ei(), keys->sk_ai()};
    }
    // The header of a message we send in this SA.
    wire::ike_header header(wire::exchange_type ex, std::uint32_t mid, bool response) const noexcept {
        wire::ike_header h;
        h.spi_i = spi_i;
        h.spi_r = spi_r;
        h.exchange = ex;
        h.flags = header_flags(original_initiator, response);
        h.message_id = mid;
        return h;
    }
    // The SK message of this SA that carries the inner chain built in ib (RFC 7296 §3.14), and
    // sending it (sealed, or as SKF fragments, with the non-ESP marker on port 4500): the one
    // way every helper sends.
    result<wire::protected_message> message(inner_builder& ib, wire::exchange_type ex, std::uint32_t mid,
                                            bool response) const noexcept {
        auto chain = ib.finish();
        if (!chain) return chain.error();
        wire::protected_message m;
        m.header = header(ex, mid, response);
        m.first_inner = ib.first();
        m.inner = *chain;
        return m;
    }
    template <policy::Rng R>
    result<outgoing> send(const wire::protected_message& m, R& rng, out_buffer out) const noexcept {
        return send_protected<cipher>(send_keys(), m, frag, rng, out);
    }
    // What a message from the peer must look like.
    expected_header expect(wire::exchange_type ex, std::uint32_t mid, bool response) const noexcept {
        return expected_header{ex, mid, response, !original_initiator, spi_i, spi_r};
    }
};

// A Child SA: its keys ("i"/"r" = initiator/responder of the exchange that created it, RFC 7296
// §2.17), the negotiated transforms and the two SPIs (inbound = the one we chose).
struct child_sa {
    std::optional<keys::child_sa_keys> keys{};
    kex::negotiated_sa negotiated{};
    std::array<std::byte, 4> spi_i{};  // SPI chosen by the exchange's initiator
    std::array<std::byte, 4> spi_r{};
    bool established() const noexcept { return keys.has_value(); }
};

// ESP/AH key lengths of a negotiated Child SA.
constexpr result<keys::child_key_lengths> child_lengths(const kex::negotiated_sa& sa) noexcept {
    keys::child_key_lengths len;
    if (sa.protocol == wire::protocol_id::esp) {
        const kex::transform e = sa.get(wire::transform_type::encr);
        auto n = keys::encr_key_size(static_cast<wire::encr_id>(e.id), e.key_bits);
        if (!n) return n.error();
        len.encr_key = *n;
    }
    auto i = keys::integ_key_size(static_cast<wire::integ_id>(sa.get(wire::transform_type::integ).id));
    if (!i) return i.error();
    len.integ_key = *i;
    return len;
}

}  // namespace pqike::exchange
