// SPDX-License-Identifier: MIT
// A responder-side datagram router for the exchange helpers: the part of an IKEv2 stack between
// the socket and pqike::exchange, written to be copied. Sans-I/O: a datagram (and what the
// socket layer knows about it, datagram_context) in, the datagrams to send back out; no
// sockets, no threads, no clock (the caller passes `now` in any unit and calls tick()).
//
//   examples::dispatcher<S> d{initial_cfg, rekey_cfg};
//   auto out = d.on_datagram(bytes, ctx, now, rng, buf);   // send *out back to ctx's peer
//   d.tick(now, timeout);                                  // half-open / deleted SAs expire
//
// Routing by the IKE header (RFC 7296 §3.1), one entry per IKE SA keyed by our SPI (SPIr):
//   IKE_SA_INIT, SPIr 0          new initial_responder, kept only once it answered (a COOKIE
//                                challenge or a refusal keeps nothing, §2.6); a repeat finds it
//                                again by SPIi + peer address
//   IKE_INTERMEDIATE / IKE_AUTH  the SA's initial_responder
//   CREATE_CHILD_SA / FOLLOWUP   the SA's rekey_responder, kept while it is busy or reassembling;
//                                a new one for each new CREATE_CHILD_SA (§1.3, RFC 9370 §2.2.4)
//   INFORMATIONAL                the SA's informational_responder; Delete (§1.4.1) answered, then
//                                the SA (or its Child SAs) removed
// The last response of each SA is kept and sent again when the helper says the request is a
// retransmission (§2.1): the helpers recognise repeats but keep no responses.
// Each SA's payload is the stack's policy; here an SA records its Child SAs only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <tuple>
#include <vector>

#include <pqike/exchange/informational.hpp>
#include <pqike/exchange/initial.hpp>
#include <pqike/exchange/nat.hpp>
#include <pqike/exchange/rekey.hpp>

namespace pqike::examples {

template <policy::Suite S>
class dispatcher {
public:
    using time = std::uint64_t;

    struct sa_entry {
        std::unique_ptr<exchange::initial_responder<S>> init;  // until the peer moves past IKE_AUTH
        exchange::ike_sa<S> sa{};                              // in force once established
        std::unique_ptr<exchange::rekey_responder<S>> rekey;
        std::unique_ptr<exchange::informational_responder<S>> info;
        std::vector<exchange::child_sa> children;  // we answered each: the peer's SPI is spi_i
        std::vector<std::vector<std::byte>> last;  // the last response, for retransmissions
        std::vector<bytes_view> last_views;
        std::uint32_t last_mid = 0;
        std::tuple<std::uint64_t, std::vector<std::byte>, std::uint16_t> origin{};  // SPIi, peer
        time since = 0;        // created, or deleted
        bool half_open = true; // counted in half_open() until established
        bool deleted = false;  // answered the peer's Delete; kept to resend that answer
        bool established() const noexcept { return sa.established() && !deleted; }
    };

    struct counters {
        std::size_t accepted = 0, resent = 0, dropped = 0, expired = 0;
    };

    dispatcher(const exchange::initial_config& initial, const exchange::rekey_config& rekey) noexcept
        : initial_(initial), rekey_(rekey) {}

    // Routes one datagram. The result views `out` or a kept response: send it before the next
    // call. An error is a dropped datagram (the peer's retransmission, if genuine, tries again).
    template <policy::Rng R>
    result<std::span<const bytes_view>> on_datagram(bytes_view udp, exchange::datagram_context ctx, time now, R& rng,
                                                    exchange::out_buffer out) {
        auto r = route(udp, ctx, now, rng, out);
        if (!r) ++stats_.dropped;
        return r;
    }

    // Forgets half-open SAs older than `timeout` (RFC 7296 §2.6 leaves the time to the stack)
    // and SAs deleted that long ago.
    void tick(time now, time timeout) {
        for (auto it = sas_.begin(); it != sas_.end();) {
            sa_entry& e = it->second;
            if ((e.half_open || e.deleted) && now - e.since >= timeout) {
                ++stats_.expired;
                it = erase(it);
            } else {
                ++it;
            }
        }
    }

    const sa_entry* find(std::uint64_t spi_r) const noexcept {
        auto it = sas_.find(spi_r);
        return it == sas_.end() ? nullptr : &it->second;
    }
    const std::map<std::uint64_t, sa_entry>& sas() const noexcept { return sas_; }
    std::size_t half_open() const noexcept { return half_open_; }
    const counters& stats() const noexcept { return stats_; }

private:
    using views = std::span<const bytes_view>;
    using origin_key = std::tuple<std::uint64_t, std::vector<std::byte>, std::uint16_t>;

    template <policy::Rng R>
    result<views> route(bytes_view udp, const exchange::datagram_context& ctx, time now, R& rng,
                        exchange::out_buffer out) {
        auto msg = exchange::ike_message_of(udp, ctx.local_port == exchange::nat_t_port);
        if (!msg) return msg.error();
        auto h = wire::decode_header(*msg);
        if (!h) return h.error();
        if (h->response()) return error{errc::unexpected_message, "dispatch.response", wire::header_offset::flags};
        if (h->exchange == wire::exchange_type::ike_sa_init && h->spi_r == 0) return sa_init(*h, udp, ctx, now, rng, out);
        auto it = sas_.find(h->spi_r);
        if (it == sas_.end() || std::get<0>(it->second.origin) != h->spi_i)
            return error{errc::unexpected_message, "dispatch.spi", wire::header_offset::spi_r};
        sa_entry& e = it->second;
        switch (h->exchange) {
            case wire::exchange_type::ike_intermediate:
            case wire::exchange_type::ike_auth: {
                if (!e.init) return error{errc::unexpected_message, "dispatch.initial", 0};
                auto o = e.init->on_message(udp, rng, out, ctx);
                if (!o) return o.error();
                if (e.init->established() && !e.sa.established()) {  // copy the SA out once
                    e.sa = e.init->sa();
                    if (e.init->child().established()) e.children.push_back(e.init->child());
                    settle(e);
                }
                return answer(e, *h, *o);
            }
            case wire::exchange_type::create_child_sa:
            case wire::exchange_type::ike_followup_ke: return rekey(e, *h, udp, now, rng, out);
            case wire::exchange_type::informational: return informational(it, *h, udp, now, rng, out);
            default: return error{errc::unexpected_message, "dispatch.exchange", wire::header_offset::exchange};
        }
    }

    template <policy::Rng R>
    result<views> sa_init(const wire::ike_header& h, bytes_view udp, exchange::datagram_context ctx, time now, R& rng,
                          exchange::out_buffer out) {
        origin_key key{h.spi_i, {ctx.peer_address.begin(), ctx.peer_address.end()}, ctx.peer_port};
        if (auto known = by_origin_.find(key); known != by_origin_.end()) {  // a repeat (§2.1)
            sa_entry& e = sas_.at(known->second);
            if (!e.init) return error{errc::unexpected_message, "dispatch.initial", 0};
            auto o = e.init->on_message(udp, rng, out, ctx);
            if (!o) return o.error();
            return answer(e, h, *o);
        }
        ctx.half_open = half_open_;  // cookies from cookie_config::threshold on
        auto rsp = std::make_unique<exchange::initial_responder<S>>(initial_);
        auto o = rsp->on_message(udp, rng, out, ctx);
        if (!o) return o.error();
        if (rsp->state() == exchange::initial_state::idle) {  // challenge or refusal: keep nothing
            ++stats_.accepted;
            return o->datagrams;
        }
        const std::uint64_t spi_r = rsp->sa().spi_r;
        if (sas_.contains(spi_r)) return error{errc::unexpected_message, "dispatch.spi_collision", 0};
        sa_entry& e = sas_[spi_r];
        e.init = std::move(rsp);
        e.origin = key;
        e.since = now;
        by_origin_[key] = spi_r;
        ++half_open_;
        return answer(e, h, *o);
    }

    template <policy::Rng R>
    result<views> rekey(sa_entry& e, const wire::ike_header& h, bytes_view udp, time now, R& rng,
                        exchange::out_buffer out) {
        if (!e.established()) return error{errc::unexpected_message, "dispatch.not_established", 0};
        const bool busy = e.rekey && (e.rekey->reassembling() || e.rekey->state() == exchange::rekey_state::create_child_sa ||
                                      e.rekey->state() == exchange::rekey_state::followup);
        // A new exchange gets a new helper, kept once it took the request (a forgery must not
        // evict the helper that answered last); repeats go to the one that answered them.
        std::unique_ptr<exchange::rekey_responder<S>> fresh;
        if (!busy && h.exchange == wire::exchange_type::create_child_sa && h.message_id == e.sa.next_peer_id)
            fresh = std::make_unique<exchange::rekey_responder<S>>(e.sa, rekey_);
        if (!fresh && !e.rekey) return error{errc::unexpected_message, "dispatch.no_rekey", 0};
        const bool was_done = !fresh && e.rekey->done();
        auto o = (fresh ? *fresh : *e.rekey).on_message(udp, rng, out);
        if (!o) return o.error();
        if (fresh) e.rekey = std::move(fresh);
        if (e.rekey->done() && !was_done) {
            if (e.rekey->is_ike_rekey()) {  // §2.18: the Child SAs move to the new IKE SA
                const exchange::ike_sa<S>& n = e.rekey->new_ike_sa();
                if (sas_.contains(n.spi_r)) return error{errc::unexpected_message, "dispatch.spi_collision", 0};
                sa_entry& ne = sas_[n.spi_r];
                ne.sa = n;
                ne.origin = origin_key{n.spi_i, std::get<1>(e.origin), std::get<2>(e.origin)};
                ne.since = now;
                ne.half_open = false;
                ne.children = std::move(e.children);
                e.children.clear();
            } else {
                e.children.push_back(e.rekey->child());
            }
        }
        if (!o->retransmit && !o->empty()) settle(e);
        return answer(e, h, *o);
    }

    template <policy::Rng R>
    result<views> informational(typename std::map<std::uint64_t, sa_entry>::iterator it, const wire::ike_header& h,
                                bytes_view udp, time now, R& rng, exchange::out_buffer out) {
        sa_entry& e = it->second;
        if (!e.sa.established()) return error{errc::unexpected_message, "dispatch.not_established", 0};
        if (!e.info) e.info = std::make_unique<exchange::informational_responder<S>>(e.sa);
        auto whole = e.info->receive(udp);
        if (!whole) return whole.error();
        if (!*whole) {  // a fragment, or the request answered last
            exchange::outgoing o;
            o.retransmit = e.info->retransmission();
            return answer(e, h, o);
        }
        if (e.deleted) return error{errc::unexpected_message, "dispatch.deleted", 0};
        // A malformed Delete from an authenticated peer is answered as if absent (the helper
        // holds the request until respond(), so it must be answered).
        auto parsed = exchange::deletes_of(e.info->payloads());
        const exchange::deletion* del = parsed ? &*parsed : nullptr;
        const bool ike = del != nullptr && del->ike_sa;
        // §1.4.1: a Delete of Child SAs is answered with Deletes of the paired SAs; of the IKE
        // SA, with an empty response.
        std::vector<std::array<std::byte, 4>> ours;
        if (del != nullptr && !ike)
            for (const wire::delete_view& d : del->child_sas())
                for (std::size_t i = 0; i < d.count; ++i) {
                    const bytes_view spi = d.spi(i);
                    std::erase_if(e.children, [&](const exchange::child_sa& c) {
                        if (spi.size() != 4 || !std::equal(spi.begin(), spi.end(), c.spi_i.begin())) return false;
                        ours.push_back(c.spi_r);
                        return true;
                    });
                }
        std::array<std::byte, 4 + 4 * 16> body{};
        std::vector<exchange::payload_item> items;
        if (!ours.empty()) {
            if (ours.size() > 16) ours.resize(16);
            auto item = exchange::delete_child_sa_item(wire::protocol_id::esp, ours, body);
            if (!item) return item.error();
            items.push_back(*item);
        }
        auto o = e.info->respond(items, rng, out);
        if (!o) return o.error();
        settle(e);
        if (ike) {  // answered first; the entry stays a while to resend the answer
            e.deleted = true;
            e.since = now;
            e.rekey.reset();
            e.children.clear();
        }
        return answer(e, h, *o);
    }

    // The peer sent a request past the initial exchange: it has our IKE_AUTH response.
    void settle(sa_entry& e) {
        if (e.half_open && e.sa.established()) {
            e.half_open = false;
            --half_open_;
        }
        if (e.init && e.sa.established() && e.sa.next_peer_id > e.init->sa().next_peer_id) {
            by_origin_.erase(e.origin);
            e.init.reset();
        }
    }

    // Keeps a new response, or gives back the kept one for a retransmitted request.
    result<views> answer(sa_entry& e, const wire::ike_header& h, const exchange::outgoing& o) {
        if (o.retransmit) {
            if (e.last_views.empty() || e.last_mid != h.message_id)
                return error{errc::unexpected_message, "dispatch.nothing_kept", 0};
            ++stats_.resent;
            return views{e.last_views};
        }
        ++stats_.accepted;
        if (o.empty()) return o.datagrams;  // a fragment stored, or one of a repeat ignored
        e.last.clear();
        e.last_views.clear();
        for (bytes_view d : o.datagrams) e.last.emplace_back(d.begin(), d.end());
        for (const auto& d : e.last) e.last_views.emplace_back(d.data(), d.size());
        e.last_mid = h.message_id;
        return o.datagrams;
    }

    typename std::map<std::uint64_t, sa_entry>::iterator erase(typename std::map<std::uint64_t, sa_entry>::iterator it) {
        if (it->second.half_open) --half_open_;
        if (auto o = by_origin_.find(it->second.origin); o != by_origin_.end() && o->second == it->first)
            by_origin_.erase(o);
        return sas_.erase(it);
    }

    const exchange::initial_config& initial_;
    const exchange::rekey_config& rekey_;
    std::map<std::uint64_t, sa_entry> sas_;
    std::map<origin_key, std::uint64_t> by_origin_;
    std::size_t half_open_ = 0;
    counters stats_{};
};

}  // namespace pqike::examples
