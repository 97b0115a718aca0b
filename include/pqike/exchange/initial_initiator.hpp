// SPDX-License-Identifier: MIT
// The initiator of the initial exchanges (initial.hpp has the message flow):
//
//   initial_initiator<S> ini{cfg};
//   auto out = ini.start(rng, buf);                  // IKE_SA_INIT request
//   ... for each datagram received: out = ini.on_message(d, rng, buf);   // next request(s)
//   until ini.established() (or an error / ini.failed()).
//
// One type per state, each holding only what that state needs: idle -> expect_sa_init (the
// key share, cookie and retry state, NAT path) -> expect_intermediate (one per
// IKE_INTERMEDIATE: that exchange's key share) -> expect_auth -> established | failed. The AUTH
// computations, begun at IKE_SA_INIT, are in the context until IKE_AUTH. A message handler
// takes its state by rvalue reference: once the message is accepted the state is consumed
// (destroyed as the next one is entered, enter<>); a dropped message leaves it as it was.
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
#include "../kex/seeded_initiator.hpp"
#include "../keys/auth.hpp"
#include "../keys/ike_sa_keys.hpp"
#include "../keys/ppk.hpp"
#include "../result.hpp"
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
class initial_initiator : public initial_queries<initial_initiator<Suite>, Suite> {
    using context = detail::initial_context<Suite>;
    using registry = typename Suite::registry;
    using prf = typename Suite::prf;
    using cipher = typename Suite::cipher;
    friend class initial_queries<initial_initiator<Suite>, Suite>;

    struct idle {
        kex::ke_retry retry;
    };
    struct expect_sa_init {
        explicit expect_sa_init(kex::ke_retry r) noexcept : retry(r) {}
        kex::ke_retry retry;
        kex::any_seeded_initiator_ke<registry> ke{};  // our key share (ML-KEM: its seed)
        bounded_bytes<cookie_max_size> cookie{};      // the responder's, repeated in every request
        unsigned cookie_retries = 0;
        udp_path path{};                                        // for NAT detection
        std::array<std::byte, nat_detection_size> fake_nat{};  // force_encapsulation's source hash
    };
    struct expect_intermediate {
        kex::any_seeded_initiator_ke<registry> ke{};  // this exchange's key share, if it has one
    };
    struct expect_auth {};
    struct established_state {};
    struct failed_state {};
    using state_type = std::variant<idle, expect_sa_init, expect_intermediate, expect_auth, established_state, failed_state>;

public:
    // The configuration is kept by reference: a temporary would dangle, so it is refused.
    explicit initial_initiator(const initial_config&&) = delete;
    explicit initial_initiator(const initial_config& cfg) noexcept
        : c_(cfg), at_(std::in_place_type<idle>, idle{kex::ke_retry{kex::ke_retry::first_guess(cfg.ike)}}) {}
    initial_initiator(const initial_initiator&) = delete;
    initial_initiator& operator=(const initial_initiator&) = delete;

    initial_state state() const noexcept {
        constexpr initial_state of[] = {initial_state::idle, initial_state::sa_init,     initial_state::intermediate,
                                        initial_state::auth, initial_state::established, initial_state::failed};
        return of[at_.index()];
    }

    // The IKE_SA_INIT request (fresh SPIi and Ni).
    // `ctx`: the addresses and ports of the path (NAT detection when both addresses are given;
    // a peer port of 4500 starts there, with the non-ESP marker).
    template <policy::Rng R>
    result<outgoing> start(R& rng, out_buffer out, const datagram_context& ctx = {}) noexcept {
        const auto* now = std::get_if<idle>(&at_);
        if (now == nullptr) return error{errc::unexpected_message, "start", 0};
        const idle was = *now;
        const initial_config& cfg = c_.cfg;
        if (was.retry.current() == 0) return error{errc::no_proposal_chosen, "ke", 0};
        if (cfg.nonce_size < wire::nonce_min_size || cfg.nonce_size > wire::nonce_max_size)
            return error{errc::invalid_nonce_length, "nonce.ni", error_value{cfg.nonce_size}};
        if (cfg.ppk.required && !cfg.ppk.enabled()) return error{errc::ppk_required, "ppk.keys", 0};
        if (status s = cfg.extra.check(); !s) return s.error();
        auto spi = context::random_spi(rng);
        if (!spi) return spi.error();
        auto& s = enter<expect_sa_init>(was.retry);
        const auto undo = [&](error e) {
            enter<idle>(was);
            c_.end_auth();
            return e;
        };
        if (status st = rng.fill(c_.ni.resize_for_overwrite(cfg.nonce_size)); !st) return undo(st.error());
        s.path = udp_path::of(ctx);
        if (cfg.nat.force_encapsulation)
            if (status st = rng.fill(s.fake_nat); !st) return undo(st.error());
        c_.sa.frag.options.non_esp_marker = ctx.peer_port == nat_t_port;
        auto o = sa_init_request(s, s.retry.current(), *spi, rng, out);
        if (!o) return undo(o.error());
        c_.sa.spi_i = *spi;
        c_.sa.original_initiator = true;
        return o;
    }

    // Handle a response; returns the next request (empty when established).
    template <policy::Rng R>
    result<outgoing> on_message(bytes_view udp, R& rng, out_buffer out) noexcept {
        auto datagram = ike_message_of(udp, c_.sa.frag.options.non_esp_marker);  // port 4500: marker
        if (!datagram) return datagram.error();
        if (auto* s = std::get_if<expect_sa_init>(&at_)) return on_sa_init(std::move(*s), *datagram, rng, out);
        if (auto* s = std::get_if<expect_intermediate>(&at_)) return on_intermediate(std::move(*s), *datagram, rng, out);
        if (auto* s = std::get_if<expect_auth>(&at_)) return on_auth(std::move(*s), *datagram);
        return error{errc::unexpected_message, "state", 0};
    }

private:
    // The transition: the state left is destroyed (its secrets wiped), the next one built.
    template <class Next, class... A>
    Next& enter(A&&... a) noexcept {
        return at_.template emplace<Next>(std::forward<A>(a)...);
    }
    error fail(error e) noexcept {
        enter<failed_state>();
        c_.end_auth();
        return e;
    }

    // The IKE_SA_INIT request with `method`'s KE: a fresh key share, or (`new_ke` false: the
    // COOKIE retry, RFC 7296 §2.6 "all other payloads unchanged") the one sent before. A cookie
    // we hold goes first.
    template <policy::Rng R>
    result<outgoing> sa_init_request(expect_sa_init& s, std::uint16_t method, std::uint64_t spi_i, R& rng,
                                     out_buffer out, bool new_ke = true) noexcept {
        const initial_config& cfg = c_.cfg;
        if (out.slots.empty()) return error{errc::buffer_too_small, "slots", error_value{1}};
        std::array<std::byte, registry::max_initiator_data_size> ke_buf{};
        if (new_ke) s.ke.reset();
        auto ke_data = new_ke ? s.ke.start(method, rng, ke_buf) : s.ke.data(ke_buf);
        if (!ke_data) return ke_data.error();
        wire::ike_header h;
        h.spi_i = spi_i;
        h.exchange = wire::exchange_type::ike_sa_init;
        h.flags = header_flags(true, false);
        const bool marker = c_.sa.frag.options.non_esp_marker;
        writer w{message_area(out, marker)};
        wire::message_builder b{w, h};
        if (!s.cookie.empty()) {
            b.begin(wire::payload_type::notify);
            wire::make_notify(wire::notify_type::cookie, s.cookie.view()).encode(w);
        }
        b.begin(wire::payload_type::sa);
        if (status st = kex::encode_sa(w, cfg.ike); !st) return st.error();
        b.begin(wire::payload_type::ke);
        wire::encode_ke(w, static_cast<wire::ke_method>(method), *ke_data);
        b.add(wire::payload_type::nonce, c_.ni.view());
        if (cfg.announce_fragmentation) {
            b.begin(wire::payload_type::notify);
            wire::make_notify(wire::notify_type::ikev2_fragmentation_supported).encode(w);
        }
        b.begin(wire::payload_type::notify);
        wire::make_notify(wire::notify_type::intermediate_exchange_supported).encode(w);
        if (cfg.ppk.enabled()) context::announce_ppk(b, w, cfg.ppk.rfc8784, cfg.ppk.rfc9867);
        if (s.path.known())
            add_nat_detection<typename context::nat_hash>(b, w, spi_i, 0, s.path,
                                                          cfg.nat.force_encapsulation ? &s.fake_nat : nullptr);
        context::add_extra(b, cfg.extra.ike_sa_init);
        auto n = b.finish();
        if (!n) return n.error();
        if (status st = w.finish(); !st) return st.error();
        // RealMessage1 goes into our AUTH now (and into NO_PPK_AUTH's, RFC 8784 §3, when a
        // PPK may be offered without being required); the nonce follows with the response.
        c_.auth.sign.emplace(cfg.psk);
        c_.auth.sign->update(w.written());
        if (cfg.ppk.enabled() && cfg.ppk.rfc8784 && !cfg.ppk.required) {
            c_.auth.no_ppk.emplace(cfg.psk);
            c_.auth.no_ppk->update(w.written());
        }
        out.slots[0] = datagram_of(out, w.written(), marker);
        outgoing o;
        o.datagrams = std::span<const bytes_view>(out.slots.data(), 1);
        return o;
    }

    // RFC 7296 §2.6 COOKIE and §1.3 INVALID_KE_PAYLOAD: the request again, with the cookie
    // first or with the KE method the responder asks for. Nothing when the response is neither.
    template <policy::Rng R>
    std::optional<result<outgoing>> retry_if_asked(expect_sa_init& s, const payload_list& pl, R& rng,
                                                   out_buffer out) noexcept {
        const initial_config& cfg = c_.cfg;
        if (auto n = pl.notify(wire::notify_type::cookie)) {
            // RFC 7296 §2.6: repeat the request with the cookie first. Unauthenticated, so bounded.
            if (n->data.empty() || n->data.size() > cookie_max_size)
                return result<outgoing>{error{errc::invalid_length, "notify.cookie", error_value{n->data.size()}}};
            if (s.cookie_retries == max_cookie_retries)
                return result<outgoing>{error{errc::unexpected_message, "notify.cookie", 0}};
            const bounded_bytes<cookie_max_size> previous = s.cookie;
            (void)s.cookie.assign(n->data);
            auto o = sa_init_request(s, s.retry.current(), c_.sa.spi_i, rng, out, false);
            if (!o) {
                s.cookie = previous;
                return result<outgoing>{o.error()};
            }
            ++s.cookie_retries;
            return o;
        }
        if (auto n = pl.notify(wire::notify_type::invalid_ke_payload)) {
            auto ik = wire::invalid_ke_notify::decode(*n);
            if (!ik) return result<outgoing>{ik.error()};
            kex::ke_retry next = s.retry;
            auto m = next.on_invalid_ke(cfg.ike, ik->accepted);
            if (!m) return result<outgoing>{m.error()};
            auto o = sa_init_request(s, *m, c_.sa.spi_i, rng, out);
            if (!o) return result<outgoing>{o.error()};
            s.retry = next;
            return o;
        }
        return std::nullopt;
    }

    template <policy::Rng R>
    result<outgoing> on_sa_init(expect_sa_init&& s, bytes_view datagram, R& rng, out_buffer out) noexcept {
        const initial_config& cfg = c_.cfg;
        auto h = wire::decode_header(datagram);
        if (!h) return h.error();
        if (status st = check_header(*h, {wire::exchange_type::ike_sa_init, 0, true, false, c_.sa.spi_i, {}}); !st)
            return st.error();
        payload_list pl;
        if (status st = decode_payloads(h->next, datagram.subspan(wire::ike_header_size), wire::ike_header_size, pl);
            !st)
            return st.error();
        if (auto again = retry_if_asked(s, pl, rng, out)) return *again;
        if (auto n = pl.error_notify()) return notify_error_of(*n);  // unauthenticated: keep waiting
        const auto* sa_p = pl.find(wire::payload_type::sa);
        const auto* ke_p = pl.find(wire::payload_type::ke);
        const auto* nonce_p = pl.find(wire::payload_type::nonce);
        if (sa_p == nullptr) return error{errc::missing_payload, "sa", 0};
        if (ke_p == nullptr) return error{errc::missing_payload, "ke", 0};
        if (nonce_p == nullptr) return error{errc::missing_payload, "nonce.nr", 0};
        if (h->spi_r == 0) return error{errc::invalid_syntax, "ike.spi_r", wire::header_offset::spi_r};
        auto sv = wire::sa_view::decode(*sa_p);
        if (!sv) return sv.error();
        auto neg = kex::accept_reply(cfg.ike, *sv);
        if (!neg) return neg.error();
        if (status st = check_suite<Suite>(*neg); !st) return st.error();
        auto kv = wire::ke_view::decode(*ke_p);
        if (!kv) return kv.error();
        if (wire::to_number(kv->method) != neg->ke() || neg->ke() != s.ke.method())
            return error{errc::invalid_ke_method, "ke.method", ke_p->body_offset()};
        const kex::ke_plan plan = neg->plan();
        const bool peer_int = pl.notify(wire::notify_type::intermediate_exchange_supported).has_value();
        if (plan.additional() > 0 && !peer_int)
            return fail({errc::invalid_syntax, "notify.intermediate_exchange_supported", 0});
        if (kv->data.size() != registry::responder_data_size(neg->ke()))  // ML-KEM draft §2: abort, no notify
            return fail({errc::invalid_ke_length, "ke.data", ke_p->body_offset() + wire::ke_header_size});
        // RFC 8784 §3 / RFC 9867 §3: a responder without PPK support while ours is required. The
        // response is unauthenticated, so the helper keeps waiting; the stack gives up on timeout.
        const ppk_mechanism ppk = c_.peer_ppk(pl, peer_int);
        if (cfg.ppk.required && ppk == ppk_mechanism::none) return error{errc::ppk_required, "notify.use_ppk", 0};
        nat_status nat = check_nat_detection<typename context::nat_hash>(pl, c_.sa.spi_i, h->spi_r, s.path);
        if (nat.checked && cfg.nat.force_encapsulation) nat.local_behind_nat = true;
        auto nv = wire::nonce_view::decode(*nonce_p);
        if (!nv) return nv.error();
        auto ss = s.ke.finish(kv->data);
        if (!ss) return fail(ss.error());
        const auto spi_i = spi_bytes(c_.sa.spi_i);
        const auto spi_r = spi_bytes(h->spi_r);
        auto k = keys::ike_sa_keys<prf>::after_ike_sa_init(
            keys::initiator_nonce{c_.ni.view()}, keys::responder_nonce{nv->data}, keys::initiator_spi{spi_i},
            keys::responder_spi{spi_r}, keys::ke_secret{ss->view()}, Suite::ike_lengths);
        if (!k) return fail(k.error());
        // Accepted: commit.
        auto& auth = c_.auth;
        auth.sign->update(nv->data);
        if (ppk == ppk_mechanism::rfc8784 && auth.no_ppk)
            auth.no_ppk->update(nv->data);
        else
            auth.no_ppk.reset();
        auth.verify.emplace(cfg.psk);
        auth.verify->update(datagram);
        auth.verify->update(c_.ni.view());
        (void)c_.nr.assign(nv->data);
        c_.sa.keys.emplace(*k);
        c_.sa.spi_r = h->spi_r;
        c_.sa.negotiated = *neg;
        c_.ppk = ppk;
        c_.sa.frag.enabled = cfg.announce_fragmentation &&
                             pl.notify(wire::notify_type::ikev2_fragmentation_supported).has_value();
        const bool marker = c_.sa.frag.options.non_esp_marker || nat.encapsulate();  // float to 4500
        c_.sa.frag.options = cfg.fragments;
        c_.sa.frag.options.non_esp_marker = marker;
        c_.sa.frag.pool = cfg.fragments_pool;
        c_.sa.nat = nat;
        c_.plan = plan;
        c_.step = 1;
        c_.mid = 1;
        auto o = next_request(rng, out);
        if (!o) return o.error();
        return with_unconsumed(*o, pl);
    }

    // After IKE_SA_INIT and after each IKE_INTERMEDIATE: the next IKE_INTERMEDIATE, or IKE_AUTH.
    template <policy::Rng R>
    result<outgoing> next_request(R& rng, out_buffer out) noexcept {
        auto o = c_.step <= c_.intermediates_planned() ? intermediate_request(rng, out) : auth_request(rng, out);
        if (!o) return fail(o.error());
        return o;
    }

    template <policy::Rng R>
    result<outgoing> intermediate_request(R& rng, out_buffer out) noexcept {
        auto& s = enter<expect_intermediate>();
        inner_builder ib{inner_area()};
        if (c_.step_has_ke()) {
            const std::uint16_t method = c_.plan[c_.step].method;
            std::array<std::byte, registry::max_initiator_data_size> ke_buf{};
            auto data = s.ke.start(method, rng, ke_buf);
            if (!data) return data.error();
            ib.begin(wire::payload_type::ke);
            wire::encode_ke(ib.out(), static_cast<wire::ke_method>(method), *data);
        }
        if (c_.step_has_ppk()) offer_ppks(ib, c_.cfg.ppk, *c_.sa.keys);  // RFC 9867: in the last one
        ib.add(c_.cfg.extra.ike_intermediate);
        auto m = c_.sa.message(ib, wire::exchange_type::ike_intermediate, c_.mid, false);
        if (!m) return m.error();
        auto o = c_.sa.send(*m, rng, out);
        if (!o) return o.error();
        if (status st = c_.fold_int_auth(keys::int_auth_sender::initiator, *m); !st) return st.error();
        return o;
    }

    template <policy::Rng R>
    result<outgoing> on_intermediate(expect_intermediate&& s, bytes_view datagram, R& rng, out_buffer out) noexcept {
        const initial_config& cfg = c_.cfg;
        auto h = wire::decode_header(datagram);
        if (!h) return h.error();
        if (status st = check_header(*h, c_.sa.expect(wire::exchange_type::ike_intermediate, c_.mid, true)); !st)
            return st.error();
        auto r = c_.rx.receive(c_.sa.receive_keys(), datagram, c_.sa.frag);
        if (!r) return r.error();
        if (!*r) return outgoing{};  // fragment stored
        const wire::protected_message m = **r;
        // Authenticated from here on: a protocol error ends the attempt.
        payload_list pl;
        if (status st = decode_payloads(m.first_inner, m.inner, inner_base(m), pl); !st) return fail(st.error());
        if (auto n = pl.error_notify()) return fail(notify_error_of(*n));
        // Stage n protects this exchange to its end: stage n+1 starts from a copy (RFC 9370 §2.2.2).
        std::optional<keys::ike_sa_keys<prf>> next{*c_.sa.keys};
        if (c_.step_has_ke()) {
            const auto* ke_p = pl.find(wire::payload_type::ke);
            if (ke_p == nullptr) return fail({errc::missing_payload, "ke", 0});
            auto kv = wire::ke_view::decode(*ke_p);
            if (!kv) return fail(kv.error());
            const std::uint16_t method = c_.plan[c_.step].method;
            if (wire::to_number(kv->method) != method)
                return fail({errc::invalid_ke_method, "ke.method", ke_p->body_offset()});
            if (kv->data.size() != registry::responder_data_size(method))
                return fail({errc::invalid_ke_length, "ke.data", ke_p->body_offset() + wire::ke_header_size});
            auto ss = s.ke.finish(kv->data);
            if (!ss) return fail(ss.error());
            auto k = std::move(*next).after_additional_ke(keys::ke_secret{ss->view()});
            if (!k) return fail(k.error());
            next.emplace(*k);
        } else if (pl.find(wire::payload_type::ke) != nullptr) {
            return fail({errc::ppk_not_last, "ke", 0});  // a key exchange in the PPK-only exchange
        }
        std::size_t chosen = c_.ppk_index;
        if (c_.step_has_ppk()) {
            // RFC 9867 §3.1: N(PPK_IDENTITY) names the PPK the responder chose among ours; mixing it
            // is the last key update (after this exchange's ADDKE, §3.2).
            auto named = named_ppk(cfg.ppk, pl);
            if (!named) return fail(named.error());
            if (*named < cfg.ppk.keys.size()) {
                chosen = *named;
                auto k = keys::mix_ppk_intermediate(std::move(*next), cfg.ppk.keys[chosen].key);
                if (!k) return fail(k.error());
                next.emplace(*k);
            }
        }
        if (status st = c_.fold_int_auth(keys::int_auth_sender::responder, m); !st) return fail(st.error());
        c_.sa.keys.emplace(*next);
        c_.ppk_index = chosen;
        ++c_.step;
        ++c_.mid;
        auto o = next_request(rng, out);
        if (!o) return o.error();
        return with_unconsumed(*o, pl);
    }

    template <policy::Rng R>
    result<outgoing> auth_request(R& rng, out_buffer out) noexcept {
        auto& auth = c_.auth;
        const initial_config& cfg = c_.cfg;
        auto ia = c_.int_auth.finish(c_.mid);
        if (!ia) return ia.error();
        std::array<std::byte, 260> idb{};
        const bytes_view idi = c_.id_body(idb);
        if (idi.empty()) return error{errc::buffer_too_small, "id.initiator", 0};
        // RFC 8784 §3: AUTH with SK_pi', the PPK's identity, and (unless the PPK is required)
        // NO_PPK_AUTH, the AUTH data with the plain SK_pi for a responder without the PPK.
        std::optional<keys::ppk_candidates<prf>> mixed;
        if (c_.ppk == ppk_mechanism::rfc8784) {
            auto m = keys::mix_ppk_rfc8784(*c_.sa.keys, cfg.ppk.keys[0].key);
            if (!m) return m.error();
            mixed.emplace(*m);
        }
        if (!auth.sign || (mixed && !cfg.ppk.required && !auth.no_ppk)) return error{errc::unexpected_message, "auth", 0};
        std::array<std::byte, prf::output_size> mac{}, no_ppk_mac{};
        auth.sign->finish((mixed ? mixed->mixed : *c_.sa.keys).sk_pi(), idi, ia->view(), mac);
        inner_builder ib{inner_area()};
        ib.add(wire::payload_type::idi, idi);
        ib.begin(wire::payload_type::auth);
        wire::auth_view{wire::auth_method::shared_key_mic, {0, 0, 0}, bytes_view{mac}}.encode(ib.out());
        if (mixed) {
            ib.begin(wire::payload_type::notify);
            wire::ppk_identity_notify{true, cfg.ppk.keys[0].id}.encode(ib.out());
            if (!cfg.ppk.required) {
                auth.no_ppk->finish(mixed->unmixed.sk_pi(), idi, ia->view(), no_ppk_mac);
                ib.begin(wire::payload_type::notify);
                wire::no_ppk_auth_notify{bytes_view{no_ppk_mac}}.encode(ib.out());
            }
            c_.ppk_index = 0;
        }
        if (!cfg.child.empty()) {
            ib.begin(wire::payload_type::sa);
            if (status st = kex::encode_sa(ib.out(), cfg.child, cfg.child_ke_in_auth); !st) return st.error();
            ib.add(wire::payload_type::tsi, cfg.ts_i);
            ib.add(wire::payload_type::tsr, cfg.ts_r);
        }
        ib.add(cfg.extra.ike_auth);
        auto m = c_.sa.message(ib, wire::exchange_type::ike_auth, c_.mid, false);
        if (!m) return m.error();
        auto o = c_.sa.send(*m, rng, out);
        if (!o) return o.error();
        auth.sign.reset();  // spent
        auth.no_ppk.reset();
        enter<expect_auth>();
        return o;
    }

    result<outgoing> on_auth(expect_auth&&, bytes_view datagram) noexcept {
        const initial_config& cfg = c_.cfg;
        auto h = wire::decode_header(datagram);
        if (!h) return h.error();
        if (status st = check_header(*h, c_.sa.expect(wire::exchange_type::ike_auth, c_.mid, true)); !st)
            return st.error();
        auto r = c_.rx.receive(c_.sa.receive_keys(), datagram, c_.sa.frag);
        if (!r) return r.error();
        if (!*r) return outgoing{};
        const wire::protected_message m = **r;
        payload_list pl;
        if (status st = decode_payloads(m.first_inner, m.inner, inner_base(m), pl); !st) return fail(st.error());
        const auto* id_p = pl.find(wire::payload_type::idr);
        const auto* auth_p = pl.find(wire::payload_type::auth);
        if (id_p == nullptr || auth_p == nullptr) {
            if (auto n = pl.error_notify()) return fail(notify_error_of(*n));
            return fail({errc::missing_payload, id_p == nullptr ? "id.responder" : "auth", 0});
        }
        auto av = wire::auth_view::decode(*auth_p);
        if (!av) return fail(av.error());
        if (av->method != wire::auth_method::shared_key_mic)
            return fail({errc::authentication_failed, "auth.method", auth_p->body_offset()});
        auto ia = c_.int_auth.finish(c_.mid);
        if (!ia) return fail(ia.error());
        // RFC 8784 §3: an N(PPK_IDENTITY) in the response says the responder used our PPK: the SA
        // continues with SK_d', SK_pi', SK_pr'. Without it we fall back, unless the PPK is required.
        std::optional<keys::ike_sa_keys<prf>> final_keys{*c_.sa.keys};
        if (c_.ppk == ppk_mechanism::rfc8784 && pl.notify(wire::notify_type::ppk_identity)) {
            auto mixed = keys::mix_ppk_rfc8784(*c_.sa.keys, cfg.ppk.keys[0].key);
            if (!mixed) return fail(mixed.error());
            final_keys.emplace(mixed->mixed);
        }
        if (cfg.ppk.required && !final_keys->ppk_mixed()) return fail({errc::ppk_required, "notify.ppk_identity", 0});
        if (!c_.auth.verify) return fail({errc::unexpected_message, "auth", 0});
        const status verified = c_.auth.verify->verify(final_keys->sk_pr(), id_p->body, ia->view(), av->data);
        if (!verified) return fail(verified.error());
        if (!c_.peer_id.assign(id_p->body))
            return fail({errc::buffer_too_small, "id.responder", error_value{id_p->body.size()}});
        if (!cfg.child.empty()) {
            if (const auto* sa_p = pl.find(wire::payload_type::sa)) {
                auto sv = wire::sa_view::decode(*sa_p);
                if (!sv) return fail(sv.error());
                auto neg = kex::accept_reply(cfg.child, *sv, true);  // no KE in IKE_AUTH (§1.2)
                if (!neg) return fail(neg.error());
                auto c = c_.make_child(*final_keys, *neg, cfg.child[neg->local_index].spi_view(), neg->peer_spi_view());
                if (!c) return fail(c.error());
                c_.child = *c;
            }
            // No SA: the IKE SA stands without a Child SA (RFC 7296 §1.2: e.g. NO_PROPOSAL_CHOSEN).
        }
        c_.establish(*final_keys, true);
        c_.end_auth();
        enter<established_state>();
        return with_unconsumed(outgoing{}, pl);
    }

    static constexpr unsigned max_cookie_retries = 3;

    context c_;
    state_type at_;
};

}  // namespace pqike::exchange
