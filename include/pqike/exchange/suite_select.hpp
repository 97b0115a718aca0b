// SPDX-License-Identifier: MIT
// One responder for several IKE suites (RFC 7296 §2.7). Each suite fixes its PRF and SK cipher
// at compile time; initial_config::ike lists proposals for all of them. The first IKE_SA_INIT
// request is read once: the proposal the responder selects (as initial_responder selects it)
// names the suite whose PRF, ENCR (with key length) and INTEG it negotiated, and that suite's
// initial_responder runs the exchange from then on. A request no suite can serve is refused by
// the first suite's responder (NO_PROPOSAL_CHOSEN), as a one-suite responder would.
//
//   initial_responder_any<S128, S256> rsp{cfg};
//   auto o = rsp.on_message(d, rng, out, ctx);
//   rsp.visit([](auto& r) { ... r.sa() ... });   // the typed helper, for rekeys on its ike_sa
//
// With one suite it is an initial_responder<S> with a variant index beside it; a stack that
// knows its suite at compile time uses initial_responder<S> directly and pays nothing.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>
#include <variant>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "common.hpp"
#include "initial.hpp"

namespace pqike::exchange {

template <policy::Suite... Suites>
    requires(sizeof...(Suites) >= 1)
class initial_responder_any {
public:
    explicit initial_responder_any(const initial_config&&) = delete;  // kept by reference
    explicit initial_responder_any(const initial_config& cfg) noexcept : cfg_(cfg) {}
    initial_responder_any(const initial_responder_any&) = delete;
    initial_responder_any& operator=(const initial_responder_any&) = delete;

    template <policy::Rng R>
    result<outgoing> on_message(bytes_view udp, R& rng, out_buffer out, const datagram_context& ctx = {}) noexcept {
        if (v_.index() == 0) choose(udp, ctx);
        auto o = std::visit(
            [&](auto& r) -> result<outgoing> {
                if constexpr (std::is_same_v<std::decay_t<decltype(r)>, std::monostate>)
                    return error{errc::unexpected_message, "state", 0};
                else
                    return r.on_message(udp, rng, out, ctx);
            },
            v_);
        // Nothing kept (a COOKIE challenge, a refusal, a dropped request): the next request
        // chooses again.
        if (state() == initial_state::idle) v_.template emplace<0>();
        return o;
    }

    // The suite running the exchange (0: none yet; i: Suites[i - 1]).
    std::size_t suite_index() const noexcept { return v_.index(); }
    initial_state state() const noexcept {
        return std::visit(
            [](const auto& r) {
                if constexpr (std::is_same_v<std::decay_t<decltype(r)>, std::monostate>)
                    return initial_state::idle;
                else
                    return r.state();
            },
            v_);
    }
    bool established() const noexcept { return state() == initial_state::established; }
    bool failed() const noexcept { return state() == initial_state::failed; }
    // Calls f(initial_responder<S>&) with the responder running the exchange; false if none yet.
    template <class F>
    bool visit(F&& f) {
        return std::visit(
            [&](auto& r) {
                if constexpr (std::is_same_v<std::decay_t<decltype(r)>, std::monostate>) {
                    return false;
                } else {
                    f(r);
                    return true;
                }
            },
            v_);
    }

private:
    // The suite of the proposal the responder would select; the first when none fits (its
    // responder then refuses or drops the request with the right error).
    void choose(bytes_view udp, const datagram_context& ctx) noexcept {
        std::size_t pick = 1;
        if (auto neg = negotiated(udp, ctx)) {
            std::size_t i = 0;  // the first suite that fits, counted from 1
            if (((++i, static_cast<bool>(check_suite<Suites>(*neg))) || ...)) pick = i;
        }
        emplace(pick, std::make_index_sequence<sizeof...(Suites)>{});
    }
    result<kex::negotiated_sa> negotiated(bytes_view udp, const datagram_context& ctx) const noexcept {
        auto msg = ike_message_of(udp, ctx.local_port == nat_t_port);
        if (!msg) return msg.error();
        auto h = wire::decode_header(*msg);
        if (!h) return h.error();
        payload_list pl;
        if (status s = decode_payloads(h->next, msg->subspan(wire::ike_header_size), wire::ike_header_size, pl); !s)
            return s.error();
        auto offer = detail::read_offer(pl);
        if (!offer) return offer.error();
        return detail::select_ike(*offer, cfg_);
    }
    template <std::size_t... I>
    void emplace(std::size_t alternative, std::index_sequence<I...>) noexcept {
        ((alternative == I + 1 ? (void)v_.template emplace<I + 1>(cfg_) : (void)0), ...);
    }

    const initial_config& cfg_;
    std::variant<std::monostate, initial_responder<Suites>...> v_{};
};

}  // namespace pqike::exchange
