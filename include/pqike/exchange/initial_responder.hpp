// SPDX-License-Identifier: MIT
// The responder of the initial exchanges (initial.hpp has the message flow):
//
//   initial_responder<S> rsp{cfg};
//   for each datagram received: auto out = rsp.on_message(d, rng, buf);   // response(s) to send
//   until rsp.established().
//
// One type per state: expect_sa_init (nothing kept: a refused or challenged request leaves no
// trace) -> expect_intermediate (one per negotiated IKE_INTERMEDIATE) -> expect_auth ->
// established | failed; the two AUTH computations begun at IKE_SA_INIT are in the context
// until IKE_AUTH. Whatever the
// state, the request answered last is recognised and its response resent (common.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <variant>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../kex/key_exchange.hpp"
#include "../kex/negotiate.hpp"
#include "../kex/proposal.hpp"
#include "../keys/auth.hpp"
#include "../keys/ike_sa_keys.hpp"
#include "../keys/ppk.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "../wire/auth.hpp"
#include "../wire/ke.hpp"
#include "../wire/nonce.hpp"
#include "../wire/notify.hpp"
#include "../wire/ppk.hpp"
#include "../wire/sa.hpp"
#include "common.hpp"
#include "cookie.hpp"
#include "initial_config.hpp"
#include "initial_context.hpp"
#include "nat.hpp"
#include "ppk.hpp"
#include "workspace.hpp"

namespace pqike::exchange {

template <policy::Suite Suite>
class initial_responder : public initial_queries<initial_responder<Suite>, Suite> {
    using context = detail::initial_context<Suite>;
    using registry = typename Suite::registry;
    using prf = typename Suite::prf;
    using cipher = typename Suite::cipher;
    friend class initial_queries<initial_responder<Suite>, Suite>;

    struct expect_sa_init {};
    struct expect_intermediate {};
    struct expect_auth {};
    struct established_state {};
    struct failed_state {};
    using state_type = std::variant<expect_sa_init, expect_intermediate, expect_auth, established_state, failed_state>;

public:
    explicit initial_responder(const initial_config&&) = delete;  // kept by reference
    explicit initial_responder(const initial_config& cfg) noexcept : c_(cfg) {}
    initial_responder(const initial_responder&) = delete;
    initial_responder& operator=(const initial_responder&) = delete;

    // idle until an IKE_SA_INIT request is answered; sa_init through the IKE_INTERMEDIATE
    // exchanges until IKE_AUTH.
    initial_state state() const noexcept {
        constexpr initial_state of[] = {initial_state::idle, initial_state::sa_init, initial_state::sa_init,
                                        initial_state::established, initial_state::failed};
        return of[at_.index()];
    }

    // Handle a request; returns the response datagram(s), or nothing while fragments are missing.
    // `ctx`: the path (NAT detection; a local port of 4500 means the non-ESP marker, and the
    // answer goes back with one), the peer's address (bound into cookies) and the stack's
    // half-open count.
    template <policy::Rng R>
    result<outgoing> on_message(bytes_view udp, R& rng, out_buffer out, const datagram_context& ctx = {}) noexcept {
        const bool on_4500 = ctx.local_port == nat_t_port;
        auto datagram = ike_message_of(udp, on_4500);
        if (!datagram) return datagram.error();
        auto h = wire::decode_header(*datagram);
        if (!h) return h.error();
        if (std::holds_alternative<expect_sa_init>(at_)) {
            auto o = on_sa_init(*datagram, rng, out_buffer{message_area(out, on_4500), out.slots}, ctx);
            if (o && on_4500 && !o->empty()) out.slots[0] = datagram_of(out, out.slots[0], true);
            if (o && state() != initial_state::idle) answered_ = answered_request::of(*h, *datagram);
            return o;
        }
        switch (repeat_of(answered_, *h, *datagram)) {
            case repeat::resend: return resend_last();
            case repeat::ignore: return outgoing{};
            case repeat::no: break;
        }
        auto* in_intermediate = std::get_if<expect_intermediate>(&at_);
        auto* in_auth = std::get_if<expect_auth>(&at_);
        if (in_intermediate == nullptr && in_auth == nullptr) return error{errc::unexpected_message, "state", 0};
        // Answer on the port the request came to (the initiator floats to 4500 behind a NAT).
        const bool was = c_.sa.frag.options.non_esp_marker;
        c_.sa.frag.options.non_esp_marker = on_4500;
        auto o = h->exchange == wire::exchange_type::ike_auth ? on_auth(in_auth, *h, *datagram, rng, out)
                                                              : on_intermediate(in_intermediate, *h, *datagram, rng, out);
        if (!o) {
            c_.sa.frag.options.non_esp_marker = was;
            return o;
        }
        if (!o->empty()) answered_ = answered_request::of(*h, *datagram);
        return o;
    }

private:
    // The transition: the state left is destroyed (its secrets wiped), the next one built.
    template <class Next>
    Next& enter() noexcept {
        return at_.template emplace<Next>();
    }
    // After IKE_SA_INIT or an IKE_INTERMEDIATE: the next IKE_INTERMEDIATE or IKE_AUTH.
    void enter_authenticating() noexcept {
        if (c_.step <= c_.intermediates_planned())
            enter<expect_intermediate>();
        else
            enter<expect_auth>();
    }

    // Unprotected IKE_SA_INIT error response (RFC 7296 §1.2): HDR(SPIi, 0), N(type[, data]).
    result<outgoing> refuse_clear(const wire::ike_header& req, std::uint16_t type, bytes_view data, error why,
                                  out_buffer out) noexcept {
        if (out.slots.empty()) return error{errc::buffer_too_small, "slots", error_value{1}};
        wire::ike_header h;
        h.spi_i = req.spi_i;
        h.exchange = wire::exchange_type::ike_sa_init;
        h.flags = header_flags(false, true);
        writer w{out.storage};
        wire::message_builder b{w, h};
        b.begin(wire::payload_type::notify);
        wire::make_notify(static_cast<wire::notify_type>(type), data).encode(w);
        auto n = b.finish();
        if (!n) return n.error();
        if (status s = w.finish(); !s) return s.error();
        out.slots[0] = w.written();
        outgoing o;
        o.datagrams = std::span<const bytes_view>(out.slots.data(), 1);
        o.refused = why;
        return o;
    }

    // An error after the AUTH computations were spent: the attempt cannot continue.
    error spent(error e) noexcept {
        enter<failed_state>();
        c_.end_auth();
        return e;
    }

    // Protected error response in the current exchange; the attempt ends.
    template <policy::Rng R>
    result<outgoing> refuse_protected(wire::exchange_type ex, std::uint16_t type, error why, R& rng,
                                      out_buffer out) noexcept {
        inner_builder ib{inner_area()};
        ib.notify(static_cast<wire::notify_type>(type));
        auto m = c_.sa.message(ib, ex, c_.mid, true);
        if (!m) return m.error();
        auto o = c_.sa.send(*m, rng, out);
        if (!o) return o.error();
        o->refused = why;
        enter<failed_state>();
        c_.end_auth();
        return o;
    }

    // The key stage and AUTH data the initiator's IKE_AUTH is verified with (RFC 8784 §3): with
    // N(PPK_IDENTITY) naming a PPK we hold, the mixed stage and the AUTH payload; with no usable
    // PPK and no PPK requirement, the plain stage and N(NO_PPK_AUTH) (or AUTH when the initiator
    // offered no PPK). RFC 9867 mixed the PPK before IKE_AUTH: the stage as it is.
    struct auth_keys {
        keys::ike_sa_keys<prf> stage;
        bytes_view auth_data;
        std::size_t ppk_index = 0;
    };
    result<auth_keys> ppk_auth_keys(const payload_list& pl, bytes_view auth_data) noexcept {
        const keys::ike_sa_keys<prf>& now = *c_.sa.keys;
        if (c_.ppk == ppk_mechanism::rfc8784) {
            if (auto n = pl.notify(wire::notify_type::ppk_identity)) {
                auto id = wire::ppk_identity_notify::decode(*n);
                if (!id || !id->has_id) return error{errc::invalid_syntax, "notify.ppk_identity", 0};
                if (const std::size_t i = find_ppk(c_.cfg.ppk, id->id); i < c_.cfg.ppk.keys.size()) {
                    auto m = keys::mix_ppk_rfc8784(now, c_.cfg.ppk.keys[i].key);
                    if (!m) return m.error();
                    return auth_keys{m->mixed, auth_data, i};
                }
                if (c_.cfg.ppk.required) return error{errc::ppk_required, "notify.ppk_identity", 0};
                // Unknown PPK: the AUTH payload used SK_pi'; only NO_PPK_AUTH can be checked.
                auto np = pl.notify(wire::notify_type::no_ppk_auth);
                if (!np) return error{errc::authentication_failed, "notify.no_ppk_auth", 0};
                auto na = wire::no_ppk_auth_notify::decode(*np);
                if (!na) return na.error();
                return auth_keys{now, na->auth_data, c_.ppk_index};
            }
        }
        if (c_.cfg.ppk.required && !now.ppk_mixed()) return error{errc::ppk_required, "ppk", 0};
        return auth_keys{now, auth_data, c_.ppk_index};
    }

    // RFC 7296 §2.6: above the half-open threshold, no valid cookie means no work and no state:
    // the answer is a fresh cookie. Nothing (no challenge) when the request may go on.
    std::optional<result<outgoing>> demand_cookie(const wire::ike_header& h, const payload_list& pl, bytes_view ni,
                                                  const datagram_context& ctx, out_buffer out) noexcept {
        if (ctx.half_open < c_.cfg.cookies.threshold) return std::nullopt;
        const auto spi_i = spi_bytes(h.spi_i);
        const auto c = pl.notify(wire::notify_type::cookie);
        if (c && cookie_valid<prf>(c_.cfg.cookies, c->data, ni, ctx.peer_address, spi_i)) return std::nullopt;
        std::array<std::byte, cookie_size> fresh{};
        if (status s = make_cookie<prf>(c_.cfg.cookies.current, ni, ctx.peer_address, spi_i, fresh); !s)
            return result<outgoing>{s.error()};
        auto o = refuse_clear(h, wire::to_number(wire::notify_type::cookie), fresh, {}, out);
        if (o) o->cookie_challenge = true;
        return o;
    }

    // What the IKE_SA_INIT response says (RFC 7296 §1.2): SA, KE, Nr, and the notifies of what
    // both sides support.
    struct sa_init_answer {
        std::uint64_t spi_r;
        const kex::negotiated_sa& neg;
        bytes_view ke_data;
        bytes_view nr;
        bool fragmentation;
        bool intermediate;
        ppk_mechanism ppk;
        const udp_path& path;
    };
    // The response into out.storage; NAT detection's hashes when the request had them (`nat`:
    // force_encapsulation marks our side as behind a NAT).
    template <policy::Rng R>
    result<bytes_view> write_sa_init_response(const wire::ike_header& req, const sa_init_answer& a, nat_status& nat,
                                              R& rng, out_buffer out) noexcept {
        if (out.slots.empty()) return error{errc::buffer_too_small, "slots", error_value{1}};
        wire::ike_header rh;
        rh.spi_i = req.spi_i;
        rh.spi_r = a.spi_r;
        rh.exchange = wire::exchange_type::ike_sa_init;
        rh.flags = header_flags(false, true);
        writer w{out.storage};
        wire::message_builder b{w, rh};
        b.begin(wire::payload_type::sa);
        if (status s = kex::encode_reply(w, a.neg); !s) return s.error();
        b.begin(wire::payload_type::ke);
        wire::encode_ke(w, static_cast<wire::ke_method>(a.neg.ke()), a.ke_data);
        b.add(wire::payload_type::nonce, a.nr);
        if (a.fragmentation) {
            b.begin(wire::payload_type::notify);
            wire::make_notify(wire::notify_type::ikev2_fragmentation_supported).encode(w);
        }
        if (a.intermediate) {
            b.begin(wire::payload_type::notify);
            wire::make_notify(wire::notify_type::intermediate_exchange_supported).encode(w);
        }
        context::announce_ppk(b, w, a.ppk == ppk_mechanism::rfc8784, a.ppk == ppk_mechanism::rfc9867);
        std::array<std::byte, nat_detection_size> fake{};
        if (nat.checked) {  // RFC 7296 §2.23: answered only to a request that carried them
            if (c_.cfg.nat.force_encapsulation) {
                if (status s = rng.fill(fake); !s) return s.error();
                nat.local_behind_nat = true;
            }
            add_nat_detection<typename context::nat_hash>(b, w, req.spi_i, a.spi_r, a.path,
                                                          c_.cfg.nat.force_encapsulation ? &fake : nullptr);
        }
        context::add_extra(b, c_.cfg.extra.ike_sa_init);
        auto n = b.finish();
        if (!n) return n.error();
        if (status s = w.finish(); !s) return s.error();
        return w.written();
    }

    template <policy::Rng R>
    result<outgoing> on_sa_init(bytes_view datagram, R& rng, out_buffer out, const datagram_context& ctx) noexcept {
        auto h = wire::decode_header(datagram);
        if (!h) return h.error();
        if (h->spi_i == 0) return error{errc::invalid_syntax, "ike.spi_i", wire::header_offset::spi_i};
        if (status s = check_header(*h, {wire::exchange_type::ike_sa_init, 0, false, true, h->spi_i, 0}); !s)
            return s.error();
        payload_list pl;
        if (status s = decode_payloads(h->next, datagram.subspan(wire::ike_header_size), wire::ike_header_size, pl); !s)
            return s.error();
        const auto* sa_p = pl.find(wire::payload_type::sa);
        const auto* nonce_p = pl.find(wire::payload_type::nonce);
        if (status s = c_.cfg.extra.check(); !s) return s.error();
        if (sa_p == nullptr || nonce_p == nullptr || pl.count(wire::payload_type::ke) > 1)
            return refuse_clear(*h, notify_error::invalid_syntax, {}, {errc::missing_payload, sa_p ? "nonce.ni" : "sa", 0}, out);
        if (auto challenge = demand_cookie(*h, pl, nonce_p->body, ctx, out)) return *challenge;
        auto offer = detail::read_offer(pl);
        if (!offer) return offer.error();
        const std::optional<wire::ke_view>& kv = offer->ke;
        auto neg = detail::select_ike(*offer, c_.cfg);
        if (!neg) return refuse_clear(*h, neg.error().notify() ? neg.error().notify() : notify_error::invalid_syntax, {},
                                      neg.error(), out);
        if (status s = check_suite<Suite>(*neg); !s)
            return refuse_clear(*h, notify_error::no_proposal_chosen, {}, s.error(), out);
        if (status s = kex::check_ke_payload(*neg, kv ? std::optional<std::uint16_t>{wire::to_number(kv->method)}
                                                      : std::nullopt);
            !s) {
            std::array<std::byte, 2> want{};
            store_be16(want.data(), neg->ke());
            return refuse_clear(*h, notify_error::invalid_ke_payload, want, s.error(), out);
        }
        const kex::ke_plan plan = neg->plan();
        const bool peer_int = pl.notify(wire::notify_type::intermediate_exchange_supported).has_value();
        if (plan.additional() > 0 && !peer_int)
            return refuse_clear(*h, notify_error::no_proposal_chosen, {},
                                {errc::no_proposal_chosen, "notify.intermediate_exchange_supported", 0}, out);
        if (neg->ke() == 0) return refuse_clear(*h, notify_error::no_proposal_chosen, {}, {errc::no_proposal_chosen, "ke", 0}, out);
        auto resp = kex::respond_any<registry>(neg->ke(), rng, kv->data);
        if (!resp) return refuse_clear(*h, kex::notify_for(resp.error(), c_.cfg.ke_errors), {}, resp.error(), out);
        auto nv = wire::nonce_view::decode(*nonce_p);
        if (!nv) return nv.error();
        if (c_.cfg.nonce_size < wire::nonce_min_size || c_.cfg.nonce_size > wire::nonce_max_size)
            return error{errc::invalid_nonce_length, "nonce.nr", error_value{c_.cfg.nonce_size}};
        auto spi = context::random_spi(rng);
        if (!spi) return spi.error();
        std::array<std::byte, keys::max_nonce_size> nr{};
        if (status s = rng.fill(mut_bytes{nr.data(), c_.cfg.nonce_size}); !s) return s.error();
        const bytes_view nr_v{nr.data(), c_.cfg.nonce_size};
        const auto spi_i = spi_bytes(h->spi_i);
        const auto spi_r = spi_bytes(*spi);
        auto k = keys::ike_sa_keys<prf>::after_ike_sa_init(keys::initiator_nonce{nv->data}, keys::responder_nonce{nr_v},
                                                           keys::initiator_spi{spi_i}, keys::responder_spi{spi_r},
                                                           keys::ke_secret{resp->shared.view()}, Suite::ike_lengths);
        if (!k) return k.error();
        const bool frag = c_.cfg.announce_fragmentation &&
                          pl.notify(wire::notify_type::ikev2_fragmentation_supported).has_value();
        // The response.
        const ppk_mechanism ppk = c_.peer_ppk(pl, peer_int);
        const udp_path path = udp_path::of(ctx);
        nat_status nat = check_nat_detection<typename context::nat_hash>(pl, h->spi_i, 0, path);
        auto written =
            write_sa_init_response(*h, {*spi, *neg, resp->data(), nr_v, frag, peer_int, ppk, path}, nat, rng, out);
        if (!written) return written.error();
        // Accepted: commit.
        auto& auth = c_.auth;
        auth.verify.emplace(c_.cfg.psk);  // RealMessage1 | Nr: the initiator's AUTH
        auth.verify->update(datagram);
        auth.verify->update(nr_v);
        auth.sign.emplace(c_.cfg.psk);    // RealMessage2 | Ni: ours
        auth.sign->update(*written);
        auth.sign->update(nv->data);
        (void)c_.ni.assign(nv->data);
        (void)c_.nr.assign(nr_v);
        secure_zeroize(mut_bytes{nr});
        c_.sa.keys.emplace(*k);
        c_.sa.spi_i = h->spi_i;
        c_.sa.spi_r = *spi;
        c_.sa.original_initiator = false;
        c_.sa.negotiated = *neg;
        c_.sa.frag.enabled = frag;
        c_.sa.frag.options = c_.cfg.fragments;
        c_.sa.frag.options.non_esp_marker = ctx.local_port == nat_t_port;
        c_.sa.frag.pool = c_.cfg.fragments_pool;
        c_.sa.nat = nat;
        c_.plan = plan;
        c_.step = 1;
        c_.mid = 1;
        c_.ppk = ppk;
        enter_authenticating();
        out.slots[0] = *written;
        outgoing o;
        o.datagrams = std::span<const bytes_view>(out.slots.data(), 1);
        return with_unconsumed(o, pl);
    }

    template <policy::Rng R>
    result<outgoing> on_intermediate(expect_intermediate* now, const wire::ike_header& h, bytes_view datagram, R& rng,
                                     out_buffer out) noexcept {
        if (status s = check_header(h, c_.sa.expect(wire::exchange_type::ike_intermediate, c_.mid, false)); !s)
            return s.error();
        // More IKE_INTERMEDIATE exchanges than negotiated ADDKEs.
        if (now == nullptr)
            return error{c_.sa.keys->ppk_mixed() ? errc::ppk_not_last : errc::unexpected_message, "ike_intermediate.count", 0};
        auto r = c_.rx.receive(c_.sa.receive_keys(), datagram, c_.sa.frag);
        if (!r) return r.error();
        if (!*r) return outgoing{};
        const wire::protected_message m = **r;
        constexpr auto ex = wire::exchange_type::ike_intermediate;
        payload_list pl;
        if (status s = decode_payloads(m.first_inner, m.inner, inner_base(m), pl); !s)
            return refuse_protected(ex, notify_error::invalid_syntax, s.error(), rng, out);
        inner_builder ib{inner_area()};
        // Stage n protects this exchange to its end: stage n+1 starts from a copy (RFC 9370 §2.2.2).
        std::optional<keys::ike_sa_keys<prf>> next{*c_.sa.keys};
        if (c_.step_has_ke()) {
            const auto* ke_p = pl.find(wire::payload_type::ke);
            if (ke_p == nullptr || pl.count(wire::payload_type::ke) != 1)
                return refuse_protected(ex, notify_error::invalid_syntax, {errc::missing_payload, "ke", 0}, rng, out);
            auto kv = wire::ke_view::decode(*ke_p);
            if (!kv) return refuse_protected(ex, notify_error::invalid_syntax, kv.error(), rng, out);
            const std::uint16_t method = c_.plan[c_.step].method;
            if (wire::to_number(kv->method) != method)  // RFC 9370 §2.2.2: the negotiated ADDKE only
                return refuse_protected(ex, notify_error::invalid_syntax,
                                        {errc::invalid_ke_method, "ke.method", ke_p->body_offset()}, rng, out);
            auto resp = kex::respond_any<registry>(method, rng, kv->data);
            if (!resp) return refuse_protected(ex, kex::notify_for(resp.error(), c_.cfg.ke_errors), resp.error(), rng, out);
            ib.begin(wire::payload_type::ke);
            wire::encode_ke(ib.out(), static_cast<wire::ke_method>(method), resp->data());
            auto k = std::move(*next).after_additional_ke(keys::ke_secret{resp->shared.view()});
            if (!k) return k.error();
            next.emplace(*k);
        } else if (pl.find(wire::payload_type::ke) != nullptr) {  // the PPK-only exchange
            return refuse_protected(ex, notify_error::invalid_syntax, {errc::ppk_not_last, "ke", 0}, rng, out);
        }
        std::size_t chosen = c_.ppk_index;
        if (c_.step_has_ppk()) {
            auto pick = pick_offered_ppk(c_.cfg.ppk, pl, *c_.sa.keys);
            if (!pick) return refuse_protected(ex, notify_for(pick.error().code), pick.error(), rng, out);
            if (*pick < c_.cfg.ppk.keys.size()) {
                // RFC 9867 §3.1-3.2: name the PPK chosen; mix it after this exchange's ADDKE.
                chosen = *pick;
                ib.begin(wire::payload_type::notify);
                wire::ppk_identity_notify{true, c_.cfg.ppk.keys[chosen].id}.encode(ib.out());
                auto k = keys::mix_ppk_intermediate(std::move(*next), c_.cfg.ppk.keys[chosen].key);
                if (!k) return k.error();
                next.emplace(*k);
            }
        }
        ib.add(c_.cfg.extra.ike_intermediate);
        // The request's IntAuth chunks, before the receive buffer is reused.
        std::array<std::byte, 64> a_req{};
        auto ap = wire::int_auth_a_p(m, a_req);
        if (!ap) return ap.error();
        auto rm = c_.sa.message(ib, ex, c_.mid, true);
        if (!rm) return rm.error();
        auto o = c_.sa.send(*rm, rng, out);
        if (!o) return o.error();
        c_.int_auth.add(keys::int_auth_sender::initiator, *c_.sa.keys, ap->a, ap->p);
        if (status s = c_.fold_int_auth(keys::int_auth_sender::responder, *rm); !s) return s.error();
        c_.sa.keys.emplace(*next);
        c_.ppk_index = chosen;
        ++c_.step;
        ++c_.mid;
        enter_authenticating();
        return with_unconsumed(*o, pl);
    }

    template <policy::Rng R>
    result<outgoing> on_auth(expect_auth* now, const wire::ike_header& h, bytes_view datagram, R& rng,
                             out_buffer out) noexcept {
        if (status s = check_header(h, c_.sa.expect(wire::exchange_type::ike_auth, c_.mid, false)); !s) return s.error();
        if (now == nullptr) return error{errc::unexpected_message, "ike_auth.early", 0};
        auto r = c_.rx.receive(c_.sa.receive_keys(), datagram, c_.sa.frag);
        if (!r) return r.error();
        if (!*r) return outgoing{};
        const wire::protected_message m = **r;
        constexpr auto ex = wire::exchange_type::ike_auth;
        payload_list pl;
        if (status s = decode_payloads(m.first_inner, m.inner, inner_base(m), pl); !s)
            return refuse_protected(ex, notify_error::invalid_syntax, s.error(), rng, out);
        const auto* id_p = pl.find(wire::payload_type::idi);
        const auto* auth_p = pl.find(wire::payload_type::auth);
        if (id_p == nullptr || auth_p == nullptr)
            return refuse_protected(ex, notify_error::invalid_syntax,
                                    {errc::missing_payload, id_p == nullptr ? "id.initiator" : "auth", 0}, rng, out);
        auto av = wire::auth_view::decode(*auth_p);
        if (!av) return refuse_protected(ex, notify_error::invalid_syntax, av.error(), rng, out);
        auto ia = c_.int_auth.finish(c_.mid);
        if (!ia) return ia.error();
        if (av->method != wire::auth_method::shared_key_mic)
            return refuse_protected(ex, notify_error::authentication_failed,
                                    {errc::authentication_failed, "auth.method", auth_p->body_offset()}, rng, out);
        auto keys_used = ppk_auth_keys(pl, av->data);
        if (!keys_used) return refuse_protected(ex, notify_error::authentication_failed, keys_used.error(), rng, out);
        if (!c_.auth.verify || !c_.auth.sign) return error{errc::unexpected_message, "auth", 0};
        {
            const status verified =
                c_.auth.verify->verify(keys_used->stage.sk_pi(), id_p->body, ia->view(), keys_used->auth_data);
            c_.auth.verify.reset();  // spent: from here on, any error ends the attempt
            if (!verified) return refuse_protected(ex, notify_error::authentication_failed, verified.error(), rng, out);
        }
        // The IKE SA's keys from here on (RFC 8784 mixing changes SK_d, SK_pi, SK_pr only).
        const keys::ike_sa_keys<prf>& final_keys = keys_used->stage;
        const bool ppk_now = final_keys.ppk_mixed() && !c_.sa.keys->ppk_mixed();
        // Child SA (optional).
        child_sa child;
        std::optional<kex::negotiated_sa> cneg;
        std::array<std::byte, 4> cspi{};
        std::uint16_t child_refusal = 0;
        const auto* csa = pl.find(wire::payload_type::sa);
        const auto* tsi = pl.find(wire::payload_type::tsi);
        const auto* tsr = pl.find(wire::payload_type::tsr);
        if (csa != nullptr && !c_.cfg.child.empty()) {
            auto sv = wire::sa_view::decode(*csa);
            if (!sv) return refuse_protected(ex, notify_error::invalid_syntax, sv.error(), rng, out);
            kex::select_options so;
            so.order = c_.cfg.order;
            so.key_exchange_as_none = true;  // IKE_AUTH: KE/ADDKE transforms mean NONE (RFC 7296 §1.2)
            auto neg = kex::select(*sv, c_.cfg.child, so);
            if (!neg || tsi == nullptr || tsr == nullptr) {
                child_refusal = !neg ? notify_error::no_proposal_chosen : notify_error::invalid_syntax;
            } else {
                if (status s = rng.fill(cspi); !s) return spent(s.error());
                auto c = c_.make_child(final_keys, *neg, neg->peer_spi_view(), bytes_view{cspi});
                if (!c) {
                    child_refusal = notify_error::no_proposal_chosen;
                } else {
                    child = *c;
                    cneg = *neg;
                }
            }
        } else if (csa != nullptr) {
            child_refusal = notify_error::no_proposal_chosen;
        }
        std::array<std::byte, 260> idb{};
        const bytes_view idr = c_.id_body(idb);
        if (idr.empty()) return spent({errc::buffer_too_small, "id.responder", 0});
        std::array<std::byte, prf::output_size> auth{};
        c_.auth.sign->finish(final_keys.sk_pr(), idr, ia->view(), std::span<std::byte, prf::output_size>{auth});
        c_.auth.sign.reset();
        bounded_bytes<detail::max_peer_id> peer_id;
        if (!peer_id.assign(id_p->body)) return spent({errc::buffer_too_small, "id.initiator", error_value{id_p->body.size()}});
        // Copies of the TS bodies: the receive buffer must not be read while the response is built.
        bounded_bytes<detail::max_ts_body> ts_i, ts_r;
        if (cneg && (!ts_i.assign(tsi->body) || !ts_r.assign(tsr->body)))
            return spent({errc::buffer_too_small, "ts", 0});
        inner_builder ib{inner_area()};
        ib.add(wire::payload_type::idr, idr);
        ib.begin(wire::payload_type::auth);
        wire::auth_view{wire::auth_method::shared_key_mic, {0, 0, 0}, bytes_view{auth}}.encode(ib.out());
        if (ppk_now) {  // RFC 8784 §3: an empty PPK_IDENTITY tells the initiator its PPK was used
            ib.begin(wire::payload_type::notify);
            wire::ppk_identity_notify{}.encode(ib.out());
        }
        if (cneg) {
            ib.begin(wire::payload_type::sa);
            if (status s = kex::encode_reply(ib.out(), *cneg, bytes_view{cspi}); !s) return spent(s.error());
            ib.add(wire::payload_type::tsi, ts_i.view());
            ib.add(wire::payload_type::tsr, ts_r.view());
        } else if (child_refusal != 0) {
            ib.notify(static_cast<wire::notify_type>(child_refusal));
        }
        ib.add(c_.cfg.extra.ike_auth);
        auto rm = c_.sa.message(ib, ex, c_.mid, true);
        if (!rm) return spent(rm.error());
        auto o = c_.sa.send(*rm, rng, out);
        if (!o) return spent(o.error());
        c_.peer_id = peer_id;
        c_.child = child;
        c_.ppk_index = keys_used->ppk_index;
        c_.establish(final_keys, false);
        c_.end_auth();
        enter<established_state>();
        return with_unconsumed(*o, pl);
    }

    context c_;
    state_type at_{};
    answered_request answered_{};  // for retransmitted requests
};

}  // namespace pqike::exchange
