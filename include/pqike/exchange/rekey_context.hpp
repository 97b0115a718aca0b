// SPDX-License-Identifier: MIT
// What both roles of a rekey share (rekey.hpp has the message flow): the configuration, the
// states they report, the context kept from CREATE_CHILD_SA to the last IKE_FOLLOWUP_KE (the
// SA being rekeyed, nonces, SPIs, the shared secrets collected), the key derivation both run
// at the end, and the queries both answer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../kex/key_exchange.hpp"
#include "../kex/seeded_initiator.hpp"
#include "../kex/negotiate.hpp"
#include "../kex/proposal.hpp"
#include "../keys/child_sa_keys.hpp"
#include "../keys/ppk.hpp"
#include "../keys/rekey.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "../wire/ke.hpp"
#include "../wire/nonce.hpp"
#include "../wire/notify.hpp"
#include "../wire/sa.hpp"
#include "common.hpp"
#include "ike_sa.hpp"
#include "ppk.hpp"

namespace pqike::exchange {

// Policy of one rekey. Views must outlive the helper.
//   proposals   initiator: offered (ESP/AH proposals carry the new inbound SPI; for IKE the
//               helper draws the new SPI); responder: acceptable (IKE and ESP/AH mixed)
//   ts_i, ts_r  TS bodies the initiator sends for a Child SA (the responder echoes them)
//   rekeyed_spi the Child SA's SPI being rekeyed: sent in N(REKEY_SA) (empty: a new Child SA)
//   link_size   responder: octets of each ADDITIONAL_KEY_EXCHANGE link (>= 1, at most 64)
//   ppk         RFC 9867 PPKs: initiator offers, responder accepts; `required` refuses the rekey
//               without one (rfc8784/rfc9867 flags are not used here)
//   extra       payloads the stack adds to CREATE_CHILD_SA / IKE_FOLLOWUP_KE messages (common.hpp)
struct rekey_config {
    std::span<const kex::proposal> proposals{};
    bytes_view ts_i{};
    bytes_view ts_r{};
    bytes_view rekeyed_spi{};
    std::size_t link_size = 8;
    std::size_t nonce_size = 32;
    kex::preference order = kex::preference::peer;
    kex::responder_options ke_errors{};
    ppk_config ppk{};
    extra_payloads extra{};
};

enum class rekey_state : std::uint8_t { idle, create_child_sa, followup, done, failed };

struct rekey_snapshot {
    rekey_state state = rekey_state::idle;
    std::size_t step = 0;
    std::uint32_t next_request_id = 0;
    std::uint32_t next_peer_id = 0;
    bool fragment_pending = false;
    friend constexpr bool operator==(const rekey_snapshot&, const rekey_snapshot&) = default;
};

namespace detail {

inline constexpr std::size_t max_link_size = 64;

template <policy::Suite Suite>
struct rekey_context {
    using registry = typename Suite::registry;
    using prf = typename Suite::prf;
    using cipher = typename Suite::cipher;
    using secret = secret_bytes<registry::max_shared_size>;

    rekey_context(ike_sa<Suite>& s, const rekey_config& c) noexcept : sa(s), cfg(c) {}
    rekey_context(const rekey_context&) = delete;
    rekey_context& operator=(const rekey_context&) = delete;

    ike_sa<Suite>& sa;
    const rekey_config& cfg;
    kex::negotiated_sa negotiated{};
    kex::ke_plan plan{};
    std::size_t step = 0;
    std::uint32_t mid = 0;
    std::array<secret, 1 + kex::max_addke> secrets{};
    std::size_t n_secrets = 0;
    bounded_bytes<keys::max_nonce_size> ni;
    bounded_bytes<keys::max_nonce_size> nr;
    bounded_bytes<8> our_spi;   // the new SA's SPI: 8 octets for IKE, 4 for a Child SA
    bounded_bytes<8> peer_spi;
    child_sa child{};
    ike_sa<Suite> new_sa{};
    protected_receiver<cipher> rx{};
    std::size_t ppk_index = static_cast<std::size_t>(-1);  // cfg.ppk.keys index mixed in; none

    // The RFC 9867 PPK this exchange mixed in (nullptr: none).
    const ppk_entry* ppk_used() const noexcept {
        return ppk_index < cfg.ppk.keys.size() ? &cfg.ppk.keys[ppk_index] : nullptr;
    }

    // KEYMAT or the new IKE SA from the collected secrets; spi_i/spi_r: of the exchange's
    // initiator/responder. The secrets are wiped after.
    status finish_keys(bool we_initiated, bytes_view spi_i, bytes_view spi_r) noexcept {
        std::array<bytes_view, 1 + kex::max_addke> views{};
        for (std::size_t i = 0; i < n_secrets; ++i) views[i] = secrets[i].view();
        const std::span<const bytes_view> ks{views.data(), n_secrets};
        // RFC 9867: with a PPK the exchange derives from SK_d' instead of the IKE SA's SK_d.
        std::optional<keys::ike_sa_keys<prf>> with_ppk;
        if (const ppk_entry* p = ppk_used()) {
            auto k = keys::with_ppk_sk_d(*sa.keys, p->key);
            if (!k) return k.error();
            with_ppk.emplace(*k);
        }
        const keys::ike_sa_keys<prf>& from = with_ppk ? *with_ppk : *sa.keys;
        if (negotiated.protocol == wire::protocol_id::ike) {
            if (spi_i.size() != 8 || spi_r.size() != 8) return {errc::invalid_syntax, "proposal.spi_size", 0};
            auto k =
                keys::rekey_ike_sa<prf>(from, keys::initiator_nonce{ni.view()}, keys::responder_nonce{nr.view()},
                                        keys::initiator_spi{spi_i}, keys::responder_spi{spi_r}, ks, Suite::ike_lengths);
            if (!k) return k.error();
            new_sa.keys.emplace(*k);
            new_sa.negotiated = negotiated;
            new_sa.original_initiator = we_initiated;
            new_sa.spi_i = load_be64(spi_i.data());
            new_sa.spi_r = load_be64(spi_r.data());
            new_sa.next_request_id = 0;
            new_sa.next_peer_id = 0;
            new_sa.frag = sa.frag;
            new_sa.ppk_int = sa.ppk_int;
        } else {
            auto len = child_lengths(negotiated);
            if (!len) return len.error();
            auto k = keys::derive_child_sa_keys(from, keys::initiator_nonce{ni.view()},
                                                keys::responder_nonce{nr.view()}, ks, *len);
            if (!k) return k.error();
            if (spi_i.size() != 4 || spi_r.size() != 4) return {errc::invalid_syntax, "proposal.spi_size", 0};
            child.keys.emplace(*k);
            child.negotiated = negotiated;
            for (std::size_t i = 0; i < 4; ++i) {
                child.spi_i[i] = spi_i[i];
                child.spi_r[i] = spi_r[i];
            }
        }
        for (auto& s : secrets) s.wipe();
        n_secrets = 0;
        return {};
    }
};

}  // namespace detail

// The queries rekey_initiator and rekey_responder both answer, from their context (CRTP:
// Helper has a member `c_` and a `state()`).
template <class Helper, policy::Suite Suite>
class rekey_queries {
public:
    bool done() const noexcept { return self().state() == rekey_state::done; }
    bool failed() const noexcept { return self().state() == rekey_state::failed; }
    bool is_ike_rekey() const noexcept { return c().negotiated.protocol == wire::protocol_id::ike; }
    const kex::ke_plan& plan() const noexcept { return c().plan; }
    // Number of IKE_FOLLOWUP_KE exchanges completed.
    std::size_t followups_done() const noexcept { return c().step > 0 ? c().step - 1 : 0; }
    // After done(): the new Child SA (Child rekey) or the new IKE SA (IKE rekey; the old one is
    // to be deleted by the stack, RFC 7296 §2.18).
    const child_sa& child() const noexcept { return c().child; }
    const ike_sa<Suite>& new_ike_sa() const noexcept { return c().new_sa; }
    ike_sa<Suite>& new_ike_sa() noexcept { return static_cast<Helper&>(*this).c_.new_sa; }
    // The RFC 9867 PPK this exchange mixed in (nullptr: none).
    const ppk_entry* ppk_used() const noexcept { return c().ppk_used(); }
    // A fragmented message is being reassembled: keep this helper (and its pool slot) alive.
    bool reassembling() const noexcept { return c().rx.in_progress(); }
    rekey_snapshot snapshot() const noexcept {
        return {self().state(), c().step, c().sa.next_request_id, c().sa.next_peer_id, c().rx.in_progress()};
    }
    // The exchange's nonces (of its initiator and responder), once known.
    keys::initiator_nonce nonce_i() const noexcept { return keys::initiator_nonce{c().ni.view()}; }
    keys::responder_nonce nonce_r() const noexcept { return keys::responder_nonce{c().nr.view()}; }

private:
    const Helper& self() const noexcept { return static_cast<const Helper&>(*this); }
    const detail::rekey_context<Suite>& c() const noexcept { return self().c_; }
};

}  // namespace pqike::exchange
