// SPDX-License-Identifier: MIT
// What both roles of the initial exchanges share: the context object an initiator or responder
// keeps from IKE_SA_INIT to IKE_AUTH (the IKE SA, nonces, the key-exchange plan, IntAuth, the
// PPK negotiated), the steps both roles compute the same way, and the queries both answer.
// What only one state needs (a key share, the AUTH computations, a cookie) is in that state's
// type, in initial_initiator.hpp and initial_responder.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../kex/negotiate.hpp"
#include "../keys/auth.hpp"
#include "../keys/child_sa_keys.hpp"
#include "../keys/ike_sa_keys.hpp"
#include "../keys/int_auth.hpp"
#include "../result.hpp"
#include "../wire/id.hpp"
#include "../wire/notify.hpp"
#include "../wire/sk.hpp"
#include "common.hpp"
#include "ike_sa.hpp"
#include "initial_config.hpp"
#include "ppk.hpp"

namespace pqike::exchange {
namespace detail {

template <policy::Suite Suite>
struct initial_context {
    using registry = typename Suite::registry;
    using prf = typename Suite::prf;
    using cipher = typename Suite::cipher;
    using nat_hash = typename nat_hash_of<Suite>::type;

    explicit initial_context(const initial_config& c) noexcept : cfg(c) {}
    initial_context(const initial_context&) = delete;
    initial_context& operator=(const initial_context&) = delete;

    const initial_config& cfg;
    ike_sa<Suite> sa{};
    child_sa child{};
    kex::ke_plan plan{};
    std::size_t step = 0;       // next plan step (1 = ADDKE exchange 1)
    std::uint32_t mid = 0;      // Message ID of the current exchange
    keys::int_auth<prf> int_auth{};
    bounded_bytes<keys::max_nonce_size> ni;
    bounded_bytes<keys::max_nonce_size> nr;
    bounded_bytes<max_peer_id> peer_id;
    protected_receiver<cipher> rx{};
    ppk_mechanism ppk = ppk_mechanism::none;  // negotiated in IKE_SA_INIT
    std::size_t ppk_index = 0;                // cfg.ppk.keys index of the PPK mixed in
    // AUTH (RFC 7296 §2.15) computed as its octets arrive, from IKE_SA_INIT to IKE_AUTH: ours
    // (`sign`; `no_ppk`: the initiator's RFC 8784 NO_PPK_AUTH with the plain SK_pi, when a PPK is
    // offered but not required) over our RealMessage | the peer's nonce, the peer's (`verify`)
    // over its RealMessage | our nonce; IDs and IntAuth at IKE_AUTH. Kept here rather than in
    // the states they span: they are built once and reset, never moved between states.
    struct auth_streams {
        std::optional<keys::psk_auth_stream<prf>> sign{};
        std::optional<keys::psk_auth_stream<prf>> no_ppk{};
        std::optional<keys::psk_auth_stream<prf>> verify{};
    } auth{};
    // The attempt ended (established, failed or undone): the AUTH computations go.
    void end_auth() noexcept {
        auth.sign.reset();
        auth.no_ppk.reset();
        auth.verify.reset();
    }

    // IKE_INTERMEDIATE exchanges of this attempt: one per negotiated ADDKE; RFC 9867 puts its
    // PPK notifies in the last of them, or in one of its own when there is no ADDKE.
    std::size_t intermediates_planned() const noexcept {
        const std::size_t n = plan.additional();
        return n == 0 && ppk == ppk_mechanism::rfc9867 ? 1 : n;
    }
    // The current IKE_INTERMEDIATE (step) carries a key exchange / the RFC 9867 PPK notifies.
    bool step_has_ke() const noexcept { return step < plan.size(); }
    bool step_has_ppk() const noexcept { return ppk == ppk_mechanism::rfc9867 && step == intermediates_planned(); }

    template <policy::Rng R>
    static result<std::uint64_t> random_spi(R& rng) noexcept {
        std::array<std::byte, 8> b{};
        for (int i = 0; i < 8; ++i) {
            if (status s = rng.fill(b); !s) return s.error();
            if (load_be64(b.data()) != 0) return load_be64(b.data());
        }
        return error{errc::rng_failure, "spi", 0};
    }

    // Our ID payload body (RFC 7296 §3.5).
    bytes_view id_body(mut_bytes buf) const noexcept {
        writer w{buf};
        wire::id_view{cfg.id.type, {0, 0, 0}, cfg.id.data, {}}.encode(w);
        return w.ok() ? w.written() : bytes_view{};
    }

    // IntAuth chunks of a message protected with the current stage, folded in for `who`.
    status fold_int_auth(keys::int_auth_sender who, const wire::protected_message& m) noexcept {
        std::array<std::byte, 64> a{};
        auto ap = wire::int_auth_a_p(m, a);
        if (!ap) return ap.error();
        int_auth.add(who, *sa.keys, ap->a, ap->p);
        return {};
    }

    // Adds N(USE_PPK) / N(USE_PPK_INT) to an IKE_SA_INIT message (RFC 8784 §3, RFC 9867): the
    // request announces what the config allows, the response the one mechanism negotiated.
    static void announce_ppk(wire::message_builder& b, writer& w, bool use_ppk, bool use_ppk_int) noexcept {
        if (use_ppk) {
            b.begin(wire::payload_type::notify);
            wire::make_notify(wire::notify_type::use_ppk).encode(w);
        }
        if (use_ppk_int) {
            b.begin(wire::payload_type::notify);
            wire::make_notify(wire::notify_type::use_ppk_int).encode(w);
        }
    }
    // The stack's payloads for an unprotected message (IKE_SA_INIT), checked by extra.check().
    static void add_extra(wire::message_builder& b, std::span<const payload_item> items) noexcept {
        for (const auto& it : items) b.add(it.type, it.body);
    }
    // RFC 9867 needs IKE_INTERMEDIATE (`peer_int`: the peer announced it).
    ppk_mechanism peer_ppk(const payload_list& pl, bool peer_int) const noexcept {
        return negotiate_ppk(cfg.ppk, pl.notify(wire::notify_type::use_ppk).has_value(),
                             peer_int && pl.notify(wire::notify_type::use_ppk_int).has_value());
    }

    // The Child SA of IKE_AUTH, from the SA's final keys `ike` (SK_d' after RFC 8784 mixing).
    result<child_sa> make_child(const keys::ike_sa_keys<prf>& ike, const kex::negotiated_sa& neg, bytes_view spi_i,
                                bytes_view spi_r) const noexcept {
        child_sa c;
        auto len = child_lengths(neg);
        if (!len) return len.error();
        auto k = keys::derive_child_sa_keys(ike, keys::initiator_nonce{ni.view()}, keys::responder_nonce{nr.view()}, {},
                                            *len);
        if (!k) return k.error();
        c.keys.emplace(*k);
        c.negotiated = neg;
        if (spi_i.size() != 4 || spi_r.size() != 4) return error{errc::invalid_syntax, "proposal.spi_size", 0};
        for (std::size_t i = 0; i < 4; ++i) {
            c.spi_i[i] = spi_i[i];
            c.spi_r[i] = spi_r[i];
        }
        return c;
    }

    // IKE_AUTH done: the SA runs on `final_keys`; Message IDs continue after IKE_AUTH's.
    void establish(const keys::ike_sa_keys<prf>& final_keys, bool original_initiator) noexcept {
        sa.keys.emplace(final_keys);
        sa.ppk_int = ppk == ppk_mechanism::rfc9867;
        sa.next_request_id = original_initiator ? mid + 1 : 0;
        sa.next_peer_id = original_initiator ? 0 : mid + 1;
    }
};

// A handler's result: the state the helper moves to and what the caller gets. A message that is
// dropped is an error of the handler's own result<> instead, and the state stays as it was.
template <class State>
struct transition {
    State next;
    result<outgoing> out;
};

}  // namespace detail

// The queries initial_initiator and initial_responder both answer, from their context (CRTP:
// Helper has a member `c_` and a `state()`).
template <class Helper, policy::Suite Suite>
class initial_queries {
public:
    using prf = typename Suite::prf;

    bool established() const noexcept { return self().state() == initial_state::established; }
    bool failed() const noexcept { return self().state() == initial_state::failed; }
    // The IKE SA (keys valid from IKE_SA_INIT on; established after IKE_AUTH).
    const ike_sa<Suite>& sa() const noexcept { return c().sa; }
    ike_sa<Suite>& sa() noexcept { return static_cast<Helper&>(*this).c_.sa; }
    // The Child SA made by IKE_AUTH (established() false if none was requested or agreed).
    const child_sa& child() const noexcept { return c().child; }
    // The negotiated key exchanges: KE then the non-NONE ADDKEs.
    const kex::ke_plan& plan() const noexcept { return c().plan; }
    // The number of IKE_INTERMEDIATE exchanges completed, and of this attempt.
    std::size_t intermediates_done() const noexcept { return c().step > 0 ? c().step - 1 : 0; }
    std::size_t intermediates_planned() const noexcept { return c().intermediates_planned(); }
    const keys::int_auth<prf>& int_auth() const noexcept { return c().int_auth; }
    keys::initiator_nonce nonce_i() const noexcept { return keys::initiator_nonce{c().ni.view()}; }
    keys::responder_nonce nonce_r() const noexcept { return keys::responder_nonce{c().nr.view()}; }
    // The peer's ID payload body (ID Type, reserved, data) after IKE_AUTH.
    bytes_view peer_id() const noexcept { return c().peer_id.view(); }
    // The PPK mechanism both announced in IKE_SA_INIT, and the PPK mixed into the SA (nullptr:
    // none, e.g. after an RFC 8784 fallback to NO_PPK_AUTH).
    ppk_mechanism ppk_negotiated() const noexcept { return c().ppk; }
    const ppk_entry* ppk_used() const noexcept {
        const auto& x = c();
        return x.sa.keys && x.sa.keys->ppk_mixed() && x.ppk_index < x.cfg.ppk.keys.size() ? &x.cfg.ppk.keys[x.ppk_index]
                                                                                           : nullptr;
    }
    // NAT detection's result (RFC 7296 §2.23); encapsulate(): the SA uses port 4500 from IKE_AUTH
    // on (the initiator floats; the helpers write and strip the non-ESP marker).
    const nat_status& nat() const noexcept { return c().sa.nat; }
    // A fragmented message is being reassembled: keep this helper (and its pool slot) alive.
    bool reassembling() const noexcept { return c().rx.in_progress(); }
    initial_snapshot snapshot() const noexcept {
        const auto& x = c();
        return {self().state(), x.mid, x.step, x.sa.keys ? x.sa.keys->stage() : 0u, x.int_auth.initiator_count(),
                x.int_auth.responder_count(), x.rx.in_progress(), x.ppk};
    }

private:
    const Helper& self() const noexcept { return static_cast<const Helper&>(*this); }
    const detail::initial_context<Suite>& c() const noexcept { return self().c_; }
};

}  // namespace pqike::exchange
