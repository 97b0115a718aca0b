// SPDX-License-Identifier: MIT
// The initiator of a rekey (rekey.hpp has the message flow):
//
//   rekey_initiator<S> rk{sa, cfg};
//   auto out = rk.start(rng, buf);                 // CREATE_CHILD_SA request
//   for each response datagram: out = rk.on_message(d, rng, buf);   // IKE_FOLLOWUP_KE requests
//   until rk.done(): rk.child() or rk.new_ike_sa().
//
// One type per state: idle -> expect_create (the key share and INVALID_KE_PAYLOAD retry state)
// -> expect_followup (one per IKE_FOLLOWUP_KE: that exchange's key share) -> done | failed.
// A response handler takes its state by rvalue reference: consumed once the response is
// accepted (destroyed as the next state is entered), as it was when the response is dropped.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <variant>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../kex/negotiate.hpp"
#include "../kex/proposal.hpp"
#include "../kex/seeded_initiator.hpp"
#include "../result.hpp"
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
class rekey_initiator : public rekey_queries<rekey_initiator<Suite>, Suite> {
    using context = detail::rekey_context<Suite>;
    using registry = typename Suite::registry;
    using prf = typename Suite::prf;
    using cipher = typename Suite::cipher;
    using link_type = bounded_bytes<detail::max_link_size>;
    friend class rekey_queries<rekey_initiator<Suite>, Suite>;

    struct idle {};
    struct expect_create {
        explicit expect_create(kex::ke_retry r) noexcept : retry(r) {}
        kex::ke_retry retry;
        kex::any_seeded_initiator_ke<registry> ke{};  // our key share (ML-KEM: its seed); none without PFS
    };
    struct expect_followup {
        kex::any_seeded_initiator_ke<registry> ke{};  // this IKE_FOLLOWUP_KE's key share
    };
    struct done_state {};
    struct failed_state {};
    using state_type = std::variant<idle, expect_create, expect_followup, done_state, failed_state>;

public:
    // The SA and the configuration are kept by reference: temporaries would dangle.
    rekey_initiator(ike_sa<Suite>&&, const rekey_config&) = delete;
    rekey_initiator(ike_sa<Suite>&, const rekey_config&&) = delete;
    rekey_initiator(ike_sa<Suite>& sa, const rekey_config& cfg) noexcept : c_(sa, cfg) {}
    rekey_initiator(const rekey_initiator&) = delete;
    rekey_initiator& operator=(const rekey_initiator&) = delete;

    rekey_state state() const noexcept {
        constexpr rekey_state of[] = {rekey_state::idle, rekey_state::create_child_sa, rekey_state::followup,
                                      rekey_state::done, rekey_state::failed};
        return of[at_.index()];
    }

    template <policy::Rng R>
    result<outgoing> start(R& rng, out_buffer out) noexcept {
        if (!std::holds_alternative<idle>(at_)) return error{errc::unexpected_message, "start", 0};
        if (!c_.sa.established()) return error{errc::unexpected_message, "ike_sa", 0};
        if (c_.cfg.proposals.empty()) return error{errc::invalid_length, "proposals", error_value{0}};
        if (c_.cfg.nonce_size < wire::nonce_min_size || c_.cfg.nonce_size > wire::nonce_max_size)
            return error{errc::invalid_nonce_length, "nonce.ni", error_value{c_.cfg.nonce_size}};
        if (c_.cfg.ppk.required && !(c_.sa.ppk_int && !c_.cfg.ppk.keys.empty()))
            return error{errc::ppk_required, "ike_sa.ppk_int", 0};  // RFC 9867 not negotiated
        if (status s = c_.cfg.extra.check(); !s) return s.error();
        const bool ike = c_.cfg.proposals[0].protocol == wire::protocol_id::ike;
        if (ike) {  // RFC 7296 §2.18: the new IKE SA's SPI in every proposal (encode_sa puts it there)
            const mut_bytes spi = c_.our_spi.resize_for_overwrite(8);
            for (int i = 0; i < 8; ++i) {
                if (status s = rng.fill(spi); !s) return s.error();
                if (load_be64(spi.data()) != 0) break;
            }
        } else {
            const bytes_view s = c_.cfg.proposals[0].spi_view();
            if (s.size() != 4) return error{errc::invalid_syntax, "proposal.spi_size", 0};
            (void)c_.our_spi.assign(s);
        }
        const kex::ke_retry retry{kex::ke_retry::first_guess(offered())};
        if (ike && retry.current() == 0) return error{errc::no_proposal_chosen, "ke", 0};
        if (status s = rng.fill(c_.ni.resize_for_overwrite(c_.cfg.nonce_size)); !s) return s.error();
        auto& now = enter<expect_create>(retry);
        auto o = create_request(now, retry.current(), rng, out);
        if (!o) {
            enter<idle>();
            return o.error();
        }
        return o;
    }

    template <policy::Rng R>
    result<outgoing> on_message(bytes_view udp, R& rng, out_buffer out) noexcept {
        auto* creating = std::get_if<expect_create>(&at_);
        auto* following = std::get_if<expect_followup>(&at_);
        if (creating == nullptr && following == nullptr) return error{errc::unexpected_message, "state", 0};
        auto msg = ike_message_of(udp, c_.sa.frag.options.non_esp_marker);
        if (!msg) return msg.error();
        const bytes_view datagram = *msg;
        auto h = wire::decode_header(datagram);
        if (!h) return h.error();
        const auto ex = creating != nullptr ? wire::exchange_type::create_child_sa : wire::exchange_type::ike_followup_ke;
        if (status s = check_header(*h, c_.sa.expect(ex, c_.mid, true)); !s) return s.error();
        auto r = c_.rx.receive(c_.sa.receive_keys(), datagram, c_.sa.frag);
        if (!r) return r.error();
        if (!*r) return outgoing{};
        const wire::protected_message m = **r;
        payload_list pl;
        if (status s = decode_payloads(m.first_inner, m.inner, inner_base(m), pl); !s) return fail(s.error());
        auto o = creating != nullptr ? on_create(std::move(*creating), pl, rng, out)
                                     : on_followup(std::move(*following), pl, rng, out);
        if (!o) return o;
        return with_unconsumed(*o, pl);
    }

private:
    std::span<const kex::proposal> offered() const noexcept { return c_.cfg.proposals; }
    bool rekeys_ike_sa() const noexcept { return c_.cfg.proposals[0].protocol == wire::protocol_id::ike; }

    // Ends the rekey. Reached only after an authentic response to c_.mid (or before sending): that
    // exchange is over, so its Message ID is used up, as the responder counted it (RFC 7296 §2.2);
    // the next request on the SA must not reuse it.
    error fail(error e) noexcept {
        if (!std::holds_alternative<idle>(at_) && c_.sa.next_request_id == c_.mid) ++c_.sa.next_request_id;
        enter<failed_state>();
        return e;
    }

    template <policy::Rng R>
    result<outgoing> create_request(expect_create& now, std::uint16_t method, R& rng, out_buffer out) noexcept {
        now.ke.reset();
        std::array<std::byte, registry::max_initiator_data_size> ke_buf{};
        bytes_view data{};
        if (method != 0) {
            auto d = now.ke.start(method, rng, ke_buf);
            if (!d) return d.error();
            data = *d;
        }
        inner_builder ib{inner_area()};
        if (!c_.cfg.rekeyed_spi.empty()) {  // RFC 7296 §1.3.3
            ib.begin(wire::payload_type::notify);
            wire::notify_view{c_.cfg.proposals[0].protocol, wire::notify_type::rekey_sa, c_.cfg.rekeyed_spi, {}}.encode(ib.out());
        }
        ib.begin(wire::payload_type::sa);
        if (status s = kex::encode_sa(ib.out(), offered(), kex::ke_transforms::all,
                                            rekeys_ike_sa() ? c_.our_spi.view() : bytes_view{}); !s)
            return s.error();
        ib.add(wire::payload_type::nonce, c_.ni.view());
        if (method != 0) {
            ib.begin(wire::payload_type::ke);
            wire::encode_ke(ib.out(), static_cast<wire::ke_method>(method), data);
        }
        if (!rekeys_ike_sa()) {
            ib.add(wire::payload_type::tsi, c_.cfg.ts_i);
            ib.add(wire::payload_type::tsr, c_.cfg.ts_r);
        }
        if (c_.sa.ppk_int) offer_ppks(ib, c_.cfg.ppk, *c_.sa.keys);
        ib.add(c_.cfg.extra.create_child_sa);
        return send_request(wire::exchange_type::create_child_sa, ib, rng, out);
    }

    template <policy::Rng R>
    result<outgoing> followup_request(bytes_view link, R& rng, out_buffer out) noexcept {
        const std::uint16_t method = c_.plan[c_.step].method;
        auto& now = enter<expect_followup>();
        std::array<std::byte, registry::max_initiator_data_size> ke_buf{};
        auto d = now.ke.start(method, rng, ke_buf);
        if (!d) return d.error();
        inner_builder ib{inner_area()};
        ib.begin(wire::payload_type::ke);
        wire::encode_ke(ib.out(), static_cast<wire::ke_method>(method), *d);
        ib.notify(wire::notify_type::additional_key_exchange, link);
        ib.add(c_.cfg.extra.ike_followup_ke);
        return send_request(wire::exchange_type::ike_followup_ke, ib, rng, out);
    }

    // The request built in `ib`, sent under the SA's next Message ID, which this exchange now uses.
    template <policy::Rng R>
    result<outgoing> send_request(wire::exchange_type ex, inner_builder& ib, R& rng, out_buffer out) noexcept {
        auto m = c_.sa.message(ib, ex, c_.sa.next_request_id, false);
        if (!m) return m.error();
        auto o = c_.sa.send(*m, rng, out);
        if (!o) return o.error();
        c_.mid = c_.sa.next_request_id;
        return o;
    }

    // The KE of a response for `method`, finished into the next secret slot.
    status take_ke(kex::any_seeded_initiator_ke<registry>& ke, const payload_list& pl, std::uint16_t method) noexcept {
        const auto* ke_p = pl.find(wire::payload_type::ke);
        if (ke_p == nullptr) return {errc::missing_payload, "ke", 0};
        auto kv = wire::ke_view::decode(*ke_p);
        if (!kv) return kv.error();
        if (wire::to_number(kv->method) != method) return {errc::invalid_ke_method, "ke.method", ke_p->body_offset()};
        if (kv->data.size() != registry::responder_data_size(method))
            return {errc::invalid_ke_length, "ke.data", ke_p->body_offset() + wire::ke_header_size};
        auto ss = ke.finish(kv->data);
        if (!ss) return ss.error();
        (void)c_.secrets[c_.n_secrets++].assign(ss->view());
        return {};
    }

    // The link of a response: required while exchanges remain, forbidden after the last one.
    status take_link(const payload_list& pl, link_type& link) noexcept {
        const auto n = pl.notify(wire::notify_type::additional_key_exchange);
        const bool more = c_.step < c_.plan.size();
        if (!more) return n ? status{errc::invalid_syntax, "notify.additional_key_exchange", 0} : status{};
        // The responder chose ADDKEs but asks for no IKE_FOLLOWUP_KE: a post-quantum downgrade
        // (RFC 9370 §2.2.2 requires the link), named so a stack can log it and tear down.
        if (!n) return {errc::additional_key_exchange_skipped, "notify.additional_key_exchange", 0};
        if (n->data.empty()) return {errc::missing_payload, "notify.additional_key_exchange", 0};
        if (!link.assign(n->data)) return {errc::length_too_large, "notify.additional_key_exchange", 0};
        return {};
    }

    template <policy::Rng R>
    result<outgoing> on_create(expect_create&& now, const payload_list& pl, R& rng, out_buffer out) noexcept {
        if (auto n = pl.notify(wire::notify_type::invalid_ke_payload)) {
            auto ik = wire::invalid_ke_notify::decode(*n);
            if (!ik) return fail(ik.error());
            auto m = now.retry.on_invalid_ke(offered(), ik->accepted);
            if (!m) return fail(m.error());
            ++c_.sa.next_request_id;  // that exchange is over; the retry is a new one
            auto o = create_request(now, *m, rng, out);
            if (!o) return fail(o.error());
            return o;
        }
        if (auto n = pl.error_notify()) return fail(notify_error_of(*n));
        const auto* sa_p = pl.find(wire::payload_type::sa);
        const auto* nonce_p = pl.find(wire::payload_type::nonce);
        if (sa_p == nullptr || nonce_p == nullptr) return fail({errc::missing_payload, sa_p ? "nonce.nr" : "sa", 0});
        auto sv = wire::sa_view::decode(*sa_p);
        if (!sv) return fail(sv.error());
        auto neg = kex::accept_reply(offered(), *sv);
        if (!neg) return fail(neg.error());
        if (neg->protocol == wire::protocol_id::ike)
            if (status s = check_suite<Suite>(*neg); !s) return fail(s.error());
        if (neg->ke() != now.ke.method()) return fail({errc::invalid_ke_method, "ke", 0});
        auto nv = wire::nonce_view::decode(*nonce_p);
        if (!nv) return fail(nv.error());
        if (neg->peer_spi_size != c_.our_spi.size()) return fail({errc::invalid_syntax, "proposal.spi_size", 0});
        std::size_t ppk = static_cast<std::size_t>(-1);
        if (c_.sa.ppk_int && !c_.cfg.ppk.keys.empty()) {
            auto named = named_ppk(c_.cfg.ppk, pl);
            if (!named) return fail(named.error());
            ppk = *named;
        }
        c_.ppk_index = ppk;
        c_.negotiated = *neg;
        c_.plan = neg->plan();
        (void)c_.nr.assign(nv->data);
        (void)c_.peer_spi.assign(neg->peer_spi_view());
        if (neg->ke() != 0) {
            if (status s = take_ke(now.ke, pl, neg->ke()); !s) return fail(s.error());
            c_.step = 1;
        } else {
            c_.step = 0;  // no KE: a Child SA without PFS; ADDKEs need a KE first (RFC 9370 §2.2.3)
            if (!c_.plan.empty()) return fail({errc::invalid_syntax, "transform.addke", 0});
        }
        return next_step(pl, rng, out);
    }

    template <policy::Rng R>
    result<outgoing> on_followup(expect_followup&& now, const payload_list& pl, R& rng, out_buffer out) noexcept {
        if (auto n = pl.error_notify()) return fail(notify_error_of(*n));
        if (status s = take_ke(now.ke, pl, c_.plan[c_.step].method); !s) return fail(s.error());
        ++c_.step;
        return next_step(pl, rng, out);
    }

    // After an accepted response (its Message ID used up): the next IKE_FOLLOWUP_KE, with the
    // link the response gave, or the end.
    template <policy::Rng R>
    result<outgoing> next_step(const payload_list& pl, R& rng, out_buffer out) noexcept {
        ++c_.sa.next_request_id;
        link_type link;
        if (status s = take_link(pl, link); !s) return fail(s.error());
        if (c_.step < c_.plan.size()) {
            auto o = followup_request(link.view(), rng, out);
            if (!o) return fail(o.error());
            return o;
        }
        return finish();
    }

    result<outgoing> finish() noexcept {
        if (status s = c_.finish_keys(true, c_.our_spi.view(), c_.peer_spi.view()); !s) return fail(s.error());
        enter<done_state>();
        return outgoing{};
    }

    // The transition: the state left is destroyed (a key share wiped), the next one built.
    template <class Next, class... A>
    Next& enter(A&&... a) noexcept {
        return at_.template emplace<Next>(std::forward<A>(a)...);
    }


    context c_;
    state_type at_{};
};

}  // namespace pqike::exchange
