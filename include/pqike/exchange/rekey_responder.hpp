// SPDX-License-Identifier: MIT
// The responder of a rekey (rekey.hpp has the message flow):
//
//   rekey_responder<S> rk{sa, cfg};
//   for each CREATE_CHILD_SA / IKE_FOLLOWUP_KE request: out = rk.on_message(d, rng, buf);
//   while state() == followup, any request on the SA goes here first: an authentic one that is
//   not the IKE_FOLLOWUP_KE fails the rekey with errc::additional_key_exchange_skipped.
//   until rk.done(). One helper serves one rekey; the stack routes by exchange type.
//
// One type per state: idle (a refused request keeps it) -> expect_followup (the link we handed
// out, one per IKE_FOLLOWUP_KE) -> done | failed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../kex/key_exchange.hpp"
#include "../kex/negotiate.hpp"
#include "../kex/proposal.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "../wire/ke.hpp"
#include "../wire/nonce.hpp"
#include "../wire/notify.hpp"
#include "../wire/sa.hpp"
#include "common.hpp"
#include "ike_sa.hpp"
#include "ppk.hpp"
#include "rekey_context.hpp"
#include "workspace.hpp"

namespace pqike::exchange {

template <policy::Suite Suite>
class rekey_responder : public rekey_queries<rekey_responder<Suite>, Suite> {
    using context = detail::rekey_context<Suite>;
    using registry = typename Suite::registry;
    using prf = typename Suite::prf;
    using cipher = typename Suite::cipher;
    using link_type = bounded_bytes<detail::max_link_size>;
    friend class rekey_queries<rekey_responder<Suite>, Suite>;

    struct idle {};
    struct expect_followup {
        link_type link{};  // RFC 9370 §2.2.2: the next IKE_FOLLOWUP_KE must carry it
    };
    struct done_state {};
    struct failed_state {};
    using state_type = std::variant<idle, expect_followup, done_state, failed_state>;

public:
    rekey_responder(ike_sa<Suite>&&, const rekey_config&) = delete;  // kept by reference
    rekey_responder(ike_sa<Suite>&, const rekey_config&&) = delete;
    rekey_responder(ike_sa<Suite>& sa, const rekey_config& cfg) noexcept : c_(sa, cfg) {}
    rekey_responder(const rekey_responder&) = delete;
    rekey_responder& operator=(const rekey_responder&) = delete;

    rekey_state state() const noexcept {
        constexpr rekey_state of[] = {rekey_state::idle, rekey_state::followup, rekey_state::done, rekey_state::failed};
        return of[at_.index()];
    }

    template <policy::Rng R>
    result<outgoing> on_message(bytes_view udp, R& rng, out_buffer out) noexcept {
        if (!c_.sa.established()) return error{errc::unexpected_message, "ike_sa", 0};
        if (status s = c_.cfg.extra.check(); !s) return s.error();
        auto msg = ike_message_of(udp, c_.sa.frag.options.non_esp_marker);
        if (!msg) return msg.error();
        const bytes_view datagram = *msg;
        auto h = wire::decode_header(datagram);
        if (!h) return h.error();
        // While an IKE_FOLLOWUP_KE is due, any other authentic request means the peer skipped it.
        const bool skip_check = std::holds_alternative<expect_followup>(at_) && h->exchange != wire::exchange_type::ike_followup_ke;
        if (h->exchange != wire::exchange_type::create_child_sa && h->exchange != wire::exchange_type::ike_followup_ke &&
            !skip_check)
            return error{errc::unexpected_message, "ike.exchange", wire::header_offset::exchange};
        switch (repeat_of(answered_, *h, datagram)) {
            case repeat::resend: return resend_last();
            case repeat::ignore: return outgoing{};
            case repeat::no: break;
        }
        if (status s = check_header(*h, c_.sa.expect(h->exchange, c_.sa.next_peer_id, false)); !s) return s.error();
        if (h->exchange == wire::exchange_type::create_child_sa && !std::holds_alternative<idle>(at_) && !skip_check)
            return error{errc::unexpected_message, "state", 0};
        if (std::holds_alternative<done_state>(at_) || std::holds_alternative<failed_state>(at_))
            return error{errc::unexpected_message, "state", 0};
        auto r = c_.rx.receive(c_.sa.receive_keys(), datagram, c_.sa.frag);
        if (!r) return r.error();
        if (!*r) return outgoing{};
        // RFC 9370 §2.2.2: after our N(ADDITIONAL_KEY_EXCHANGE) the next request (window 1) must
        // be the IKE_FOLLOWUP_KE. Another one, authentic, means the peer installed the SA without
        // the additional exchanges (libreswan 5.4): the rekey fails, named, nothing is answered
        // (the stack hands the datagram on to the helper it belongs to).
        if (skip_check) {
            enter<failed_state>();
            return error{errc::additional_key_exchange_skipped, "ike_followup_ke", 0};
        }
        const wire::protected_message m = **r;
        payload_list pl;
        auto o = answer(*h, pl, decode_payloads(m.first_inner, m.inner, inner_base(m), pl), rng, out);
        if (o && !o->empty()) answered_ = answered_request::of(*h, datagram);
        if (!o || o->is_refusal()) return o;
        return with_unconsumed(*o, pl);
    }

private:
    // The response to an authentic request whose payloads decoded with `decoded`.
    template <policy::Rng R>
    result<outgoing> answer(const wire::ike_header& h, const payload_list& pl, status decoded, R& rng,
                            out_buffer out) noexcept {
        if (!decoded) return refuse(h.exchange, notify_error::invalid_syntax, {}, decoded.error(), false, rng, out);
        if (h.exchange == wire::exchange_type::create_child_sa) return on_create(pl, rng, out);
        return on_followup(pl, rng, out);
    }

    // An error response (protected); the request's Message ID is used up. `fatal` abandons the
    // rekey; otherwise the helper keeps its state.
    template <policy::Rng R>
    result<outgoing> refuse(wire::exchange_type ex, std::uint16_t type, bytes_view data, error why, bool fatal,
                            R& rng, out_buffer out) noexcept {
        inner_builder ib{inner_area()};
        ib.notify(static_cast<wire::notify_type>(type), data);
        auto m = c_.sa.message(ib, ex, c_.sa.next_peer_id, true);
        if (!m) return m.error();
        auto o = c_.sa.send(*m, rng, out);
        if (!o) return o.error();
        o->refused = why;
        ++c_.sa.next_peer_id;
        if (fatal) enter<failed_state>();
        return o;
    }

    template <policy::Rng R>
    status new_link(R& rng, link_type& into) noexcept {
        if (c_.cfg.link_size == 0 || c_.cfg.link_size > detail::max_link_size)
            return {errc::invalid_length, "link_size", error_value{c_.cfg.link_size}};
        std::array<std::byte, detail::max_link_size> fresh{};  // drawn aside: a failed draw changes nothing
        const mut_bytes link{fresh.data(), c_.cfg.link_size};
        if (status s = rng.fill(link); !s) return s;
        (void)into.assign(link);
        return {};
    }

    // Why a CREATE_CHILD_SA request is refused: the notify to answer with, its data
    // (INVALID_KE_PAYLOAD: the method we want) and the error for the stack.
    struct refusal {
        std::uint16_t notify = 0;
        std::array<std::byte, 2> data{};
        std::size_t data_size = 0;
        error why{};
    };
    // What an acceptable CREATE_CHILD_SA request asks for (RFC 7296 §1.3, RFC 9370 §2.2.3).
    struct accepted_request {
        kex::negotiated_sa neg{};
        std::optional<wire::ke_view> ke{};
        bytes_view ni{};
        const wire::raw_payload* tsi = nullptr;
        const wire::raw_payload* tsr = nullptr;
        std::size_t ppk = static_cast<std::size_t>(-1);  // cfg.ppk.keys index; none
    };
    // The request read and checked against our policy: into `a`, or the refusal to answer with.
    std::optional<refusal> check_request(const payload_list& pl, accepted_request& a) const noexcept {
        const auto refuse_with = [](std::uint16_t notify, error why) { return refusal{notify, {}, 0, why}; };
        const auto* sa_p = pl.find(wire::payload_type::sa);
        const auto* nonce_p = pl.find(wire::payload_type::nonce);
        const auto* ke_p = pl.find(wire::payload_type::ke);
        if (sa_p == nullptr || nonce_p == nullptr || pl.count(wire::payload_type::ke) > 1)
            return refuse_with(notify_error::invalid_syntax, {errc::missing_payload, sa_p ? "nonce.ni" : "sa", 0});
        auto sv = wire::sa_view::decode(*sa_p);
        auto nv = wire::nonce_view::decode(*nonce_p);
        if (!sv || !nv) return refuse_with(notify_error::invalid_syntax, sv ? nv.error() : sv.error());
        a.ni = nv->data;
        if (ke_p != nullptr) {
            auto v = wire::ke_view::decode(*ke_p);
            if (!v) return refuse_with(notify_error::invalid_syntax, v.error());
            a.ke = *v;
        }
        kex::select_options so;
        so.order = c_.cfg.order;
        so.ke_hint = a.ke ? wire::to_number(a.ke->method) : std::uint16_t{0};
        auto neg = kex::select(*sv, c_.cfg.proposals, so);
        if (!neg)
            return refuse_with(neg.error().notify() ? neg.error().notify() : notify_error::invalid_syntax, neg.error());
        a.neg = *neg;
        const bool ike = neg->protocol == wire::protocol_id::ike;
        status ok = ike ? check_suite<Suite>(*neg) : status{};
        if (ok && ike && neg->ke() == 0) ok = status{errc::no_proposal_chosen, "ke", 0};  // RFC 7296 §1.3.2
        if (ok && neg->peer_spi_size != (ike ? 8u : 4u)) ok = status{errc::invalid_syntax, "proposal.spi_size", 0};
        if (!ok) return refuse_with(ok.error().notify(), ok.error());
        if (status s = kex::check_ke_payload(
                *neg, a.ke ? std::optional<std::uint16_t>{wire::to_number(a.ke->method)} : std::nullopt);
            !s) {
            refusal r = refuse_with(notify_error::invalid_ke_payload, s.error());
            store_be16(r.data.data(), neg->ke());
            r.data_size = 2;
            return r;
        }
        a.tsi = pl.find(wire::payload_type::tsi);
        a.tsr = pl.find(wire::payload_type::tsr);
        if (!ike && (a.tsi == nullptr || a.tsr == nullptr))
            return refuse_with(notify_error::invalid_syntax, {errc::missing_payload, "ts", 0});
        if (neg->ke() == 0 && !neg->plan().empty())
            return refuse_with(notify_error::no_proposal_chosen, {errc::no_proposal_chosen, "transform.addke", 0});
        // RFC 9867: the first offered PPK we hold; none with `required` refuses this rekey (the IKE
        // SA stays).
        if (c_.sa.ppk_int && !c_.cfg.ppk.keys.empty()) {
            auto pick = pick_offered_ppk(c_.cfg.ppk, pl, *c_.sa.keys);
            if (!pick) return refuse_with(notify_error::no_proposal_chosen, pick.error());
            if (*pick < c_.cfg.ppk.keys.size()) a.ppk = *pick;
        } else if (c_.cfg.ppk.required) {
            return refuse_with(notify_error::no_proposal_chosen, {errc::ppk_required, "ike_sa.ppk_int", 0});
        }
        return std::nullopt;
    }

    template <policy::Rng R>
    result<outgoing> on_create(const payload_list& pl, R& rng, out_buffer out) noexcept {
        constexpr auto ex = wire::exchange_type::create_child_sa;
        accepted_request req;
        if (auto r = check_request(pl, req))
            return refuse(ex, r->notify, bytes_view{r->data.data(), r->data_size}, r->why, false, rng, out);
        const kex::negotiated_sa& neg = req.neg;
        const bool ike = neg.protocol == wire::protocol_id::ike;
        const kex::ke_plan plan = neg.plan();
        const std::size_t ppk = req.ppk;
        std::optional<kex::any_responder_output<registry>> resp;
        if (neg.ke() != 0) {
            auto rr = kex::respond_any<registry>(neg.ke(), rng, req.ke->data);
            if (!rr) return refuse(ex, kex::notify_for(rr.error(), c_.cfg.ke_errors), {}, rr.error(), false, rng, out);
            resp.emplace(*rr);
        }
        if (c_.cfg.nonce_size < wire::nonce_min_size || c_.cfg.nonce_size > wire::nonce_max_size)
            return error{errc::invalid_nonce_length, "nonce.nr", error_value{c_.cfg.nonce_size}};
        std::array<std::byte, keys::max_nonce_size> nr{};
        if (status s = rng.fill(mut_bytes{nr.data(), c_.cfg.nonce_size}); !s) return s.error();
        std::array<std::byte, 8> spi{};
        const std::size_t spi_len = ike ? 8u : 4u;
        for (int i = 0; i < 8; ++i) {
            if (status s = rng.fill(mut_bytes{spi.data(), spi_len}); !s) return s.error();
            if (spi != std::array<std::byte, 8>{}) break;
        }
        const bool more = plan.size() > 1;
        link_type link;
        if (more)
            if (status s = new_link(rng, link); !s) return s.error();
        // Response.
        inner_builder ib{inner_area()};
        ib.begin(wire::payload_type::sa);
        if (status s = kex::encode_reply(ib.out(), neg, bytes_view{spi.data(), spi_len}); !s) return s.error();
        ib.add(wire::payload_type::nonce, bytes_view{nr.data(), c_.cfg.nonce_size});
        if (resp) {
            ib.begin(wire::payload_type::ke);
            wire::encode_ke(ib.out(), static_cast<wire::ke_method>(neg.ke()), resp->data());
        }
        if (!ike) {
            ib.add(wire::payload_type::tsi, req.tsi->body);
            ib.add(wire::payload_type::tsr, req.tsr->body);
        }
        if (more) ib.notify(wire::notify_type::additional_key_exchange, link.view());
        if (ppk < c_.cfg.ppk.keys.size()) {
            ib.begin(wire::payload_type::notify);
            wire::ppk_identity_notify{true, c_.cfg.ppk.keys[ppk].id}.encode(ib.out());
        }
        ib.add(c_.cfg.extra.create_child_sa);
        auto rm = c_.sa.message(ib, ex, c_.sa.next_peer_id, true);
        if (!rm) return rm.error();
        // Commit what the response depends on before the receive buffer could be reused.
        (void)c_.ni.assign(req.ni);
        (void)c_.nr.assign(bytes_view{nr.data(), c_.cfg.nonce_size});
        secure_zeroize(mut_bytes{nr});
        (void)c_.peer_spi.assign(neg.peer_spi_view());
        (void)c_.our_spi.assign(bytes_view{spi.data(), spi_len});
        auto o = c_.sa.send(*rm, rng, out);
        if (!o) return o.error();
        c_.negotiated = neg;
        c_.plan = plan;
        c_.ppk_index = ppk;
        c_.n_secrets = 0;
        if (resp) (void)c_.secrets[c_.n_secrets++].assign(resp->shared.view());
        c_.step = resp ? 1 : 0;
        ++c_.sa.next_peer_id;
        if (more) {
            enter<expect_followup>().link = link;
            return o;
        }
        if (status s = finish(); !s) return s.error();
        return o;
    }

    template <policy::Rng R>
    result<outgoing> on_followup(const payload_list& pl, R& rng, out_buffer out) noexcept {
        constexpr auto ex = wire::exchange_type::ike_followup_ke;
        const auto n = pl.notify(wire::notify_type::additional_key_exchange);
        // RFC 9370 §2.2.4: no state for this link (or no rekey in progress): STATE_NOT_FOUND.
        auto* now = std::get_if<expect_followup>(&at_);
        if (now == nullptr || !n || !ct_equal(n->data, now->link.view()))
            return refuse(ex, notify_error::state_not_found, {}, {errc::state_not_found, "notify.additional_key_exchange", 0},
                          false, rng, out);
        const auto* ke_p = pl.find(wire::payload_type::ke);
        if (ke_p == nullptr || pl.count(wire::payload_type::ke) != 1)
            return refuse(ex, notify_error::invalid_syntax, {}, {errc::missing_payload, "ke", 0}, true, rng, out);
        auto kv = wire::ke_view::decode(*ke_p);
        if (!kv) return refuse(ex, notify_error::invalid_syntax, {}, kv.error(), true, rng, out);
        const std::uint16_t method = c_.plan[c_.step].method;
        if (wire::to_number(kv->method) != method)
            return refuse(ex, notify_error::invalid_syntax, {}, {errc::invalid_ke_method, "ke.method", ke_p->body_offset()},
                          true, rng, out);
        auto resp = kex::respond_any<registry>(method, rng, kv->data);
        if (!resp) return refuse(ex, kex::notify_for(resp.error(), c_.cfg.ke_errors), {}, resp.error(), true, rng, out);
        const bool more = c_.step + 1 < c_.plan.size();
        link_type next_link;
        if (more)
            if (status s = new_link(rng, next_link); !s) return s.error();
        inner_builder ib{inner_area()};
        ib.begin(wire::payload_type::ke);
        wire::encode_ke(ib.out(), static_cast<wire::ke_method>(method), resp->data());
        if (more) ib.notify(wire::notify_type::additional_key_exchange, next_link.view());
        ib.add(c_.cfg.extra.ike_followup_ke);
        auto rm = c_.sa.message(ib, ex, c_.sa.next_peer_id, true);
        if (!rm) return rm.error();  // nothing changed
        auto o = c_.sa.send(*rm, rng, out);
        if (!o) return o.error();  // nothing changed
        (void)c_.secrets[c_.n_secrets++].assign(resp->shared.view());
        ++c_.step;
        ++c_.sa.next_peer_id;
        if (more)
            now->link = next_link;
        else if (status s = finish(); !s)
            return s.error();
        return o;
    }

    status finish() noexcept {
        if (status s = c_.finish_keys(false, c_.peer_spi.view(), c_.our_spi.view()); !s) return s;
        enter<done_state>();
        return {};
    }

    // The transition: the state left is destroyed, the next one built.
    template <class Next>
    Next& enter() noexcept {
        return at_.template emplace<Next>();
    }

    context c_;
    state_type at_{};
    answered_request answered_{};  // for retransmitted requests
};

}  // namespace pqike::exchange
