// SPDX-License-Identifier: MIT
// INFORMATIONAL exchanges on an established IKE SA (RFC 7296 §1.4), sans-I/O: a request with any
// payloads (Delete, Notify — e.g. one carrying an escape message, escape/ikev2.hpp — Vendor ID,
// ...) and its response under the keys in force. An empty request is a liveness check.
//
//   initiator:  informational_initiator<S> in{sa};
//               auto out = in.start(items, rng, buf);  ...  in.on_message(d)  -> in.payloads()
//   responder:  informational_responder<S> rs{sa};
//               rs.receive(d) -> true when whole;  rs.payloads();  out = rs.respond(items, rng, buf)
//
// Messages that are not the expected ones or fail authentication are dropped with no change.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../wire/delete.hpp"
#include "../wire/payload_type.hpp"
#include "../wire/protocol_id.hpp"
#include "common.hpp"
#include "ike_sa.hpp"

namespace pqike::exchange {

// A Notify as a payload item (e.g. escape::carriage::notify(msg)), its body encoded into `buf`.
constexpr result<payload_item> notify_item(const wire::notify_view& n, mut_bytes buf) noexcept {
    writer w{buf};
    n.encode(w);
    if (status s = w.finish(); !s) return s.error();
    return payload_item{wire::payload_type::notify, w.written()};
}

// ---- Delete (RFC 7296 §1.4.1, §3.11) ----------------------------------------------------------
// A Delete of the IKE SA (protocol IKE, no SPIs) as an INFORMATIONAL item, its body in `buf`.
constexpr result<payload_item> delete_ike_sa_item(mut_bytes buf) noexcept {
    writer w{buf};
    wire::delete_view{wire::protocol_id::ike, 0, 0, {}}.encode(w);
    if (status s = w.finish(); !s) return s.error();
    return payload_item{wire::payload_type::del, w.written()};
}

// A Delete of Child SAs of `protocol` (ESP or AH) by the 4-octet SPIs of our inbound SAs: the
// sender names the SAs it receives on (§3.11); the peer deletes the paired outbound ones and
// answers with its own inbound SPIs (§1.4.1).
constexpr result<payload_item> delete_child_sa_item(wire::protocol_id protocol,
                                                    std::span<const std::array<std::byte, 4>> spis,
                                                    mut_bytes buf) noexcept {
    if (protocol != wire::protocol_id::esp && protocol != wire::protocol_id::ah)
        return error{errc::invalid_syntax, "delete.protocol", error_value{wire::to_number(protocol)}};
    if (spis.empty() || spis.size() > 0xffff) return error{errc::invalid_length, "delete.count", error_value{spis.size()}};
    writer w{buf};
    w.u8(wire::to_number(protocol));
    w.u8(4);
    w.u16(static_cast<std::uint16_t>(spis.size()));
    for (const auto& spi : spis) w.bytes(spi);
    if (status s = w.finish(); !s) return s.error();
    return payload_item{wire::payload_type::del, w.written()};
}

// What the Delete payloads of a received INFORMATIONAL ask for: the IKE SA itself, and the Child
// SAs, each a view of one Delete (protocol, SPIs) into the message (valid as payloads() is).
struct deletion {
    static constexpr std::size_t max_deletes = 8;
    bool ike_sa = false;
    std::array<wire::delete_view, max_deletes> child{};
    std::size_t n_child = 0;
    std::span<const wire::delete_view> child_sas() const noexcept { return {child.data(), n_child}; }
};

constexpr result<deletion> deletes_of(const payload_list& pl) noexcept {
    deletion d;
    for (std::size_t i = 0; const wire::raw_payload* p = pl.find(wire::payload_type::del, i); ++i) {
        auto v = wire::delete_view::decode(*p);
        if (!v) return v.error();
        if (v->protocol == wire::protocol_id::ike) {
            d.ike_sa = true;
        } else if (v->count != 0) {
            if (d.n_child == deletion::max_deletes) return error{errc::length_too_large, "delete", p->offset};
            d.child[d.n_child++] = *v;
        }
    }
    return d;
}

namespace detail {

// What both roles do: send one protected INFORMATIONAL message, take one in (reassembling
// fragments), and keep the payloads of the one taken.
template <policy::Suite Suite>
class info_channel {
public:
    using cipher = typename Suite::cipher;
    explicit info_channel(ike_sa<Suite>& s) noexcept : sa(s) {}
    info_channel(const info_channel&) = delete;
    info_channel& operator=(const info_channel&) = delete;

    template <policy::Rng R>
    result<outgoing> send(std::span<const payload_item> items, std::uint32_t mid, bool response, R& rng,
                          out_buffer out) noexcept {
        if (status s = check_items(items); !s) return s.error();
        inner_builder ib{inner_area()};
        ib.add(items);
        auto m = sa.message(ib, wire::exchange_type::informational, mid, response);
        if (!m) return m.error();
        return sa.send(*m, rng, out);
    }

    // true: a whole message was authenticated and its payloads decoded into got.
    result<bool> take(bytes_view udp, std::uint32_t mid, bool response) noexcept {
        if (!sa.established()) return error{errc::unexpected_message, "ike_sa", 0};
        auto msg = ike_message_of(udp, sa.frag.options.non_esp_marker);
        if (!msg) return msg.error();
        const bytes_view datagram = *msg;
        auto h = wire::decode_header(datagram);
        if (!h) return h.error();
        if (status s = check_header(*h, sa.expect(wire::exchange_type::informational, mid, response)); !s)
            return s.error();
        auto r = rx.receive(sa.receive_keys(), datagram, sa.frag);
        if (!r) return r.error();
        if (!*r) return false;
        const wire::protected_message m = **r;
        payload_list pl;
        if (status s = decode_payloads(m.first_inner, m.inner, inner_base(m), pl); !s) return s.error();
        got = pl;
        return true;
    }

    ike_sa<Suite>& sa;
    payload_list got{};
    protected_receiver<cipher> rx{};
};

}  // namespace detail

template <policy::Suite Suite>
class informational_initiator {
public:
    explicit informational_initiator(ike_sa<Suite>&&) = delete;  // the SA is kept by reference
    explicit informational_initiator(ike_sa<Suite>& sa) noexcept : ch_(sa) {}
    // The payloads received (views into the datagram or the thread's workspace: valid until the
    // next call of any helper on this thread).
    const payload_list& payloads() const noexcept { return ch_.got; }
    // A fragmented message is being reassembled: keep this helper (and its pool slot) alive.
    bool reassembling() const noexcept { return ch_.rx.in_progress(); }

    template <policy::Rng R>
    result<outgoing> start(std::span<const payload_item> items, R& rng, out_buffer out) noexcept {
        if (pending_) return error{errc::unexpected_message, "state", 0};
        if (!ch_.sa.established()) return error{errc::unexpected_message, "ike_sa", 0};
        auto o = ch_.send(items, ch_.sa.next_request_id, false, rng, out);
        if (!o) return o.error();
        mid_ = ch_.sa.next_request_id;
        pending_ = true;
        return o;
    }

    // The response: true once whole (payloads() holds it); false while fragments are missing.
    result<bool> on_message(bytes_view datagram) noexcept {
        if (!pending_) return error{errc::unexpected_message, "state", 0};
        auto r = ch_.take(datagram, mid_, true);
        if (!r || !*r) return r;
        pending_ = false;
        ++ch_.sa.next_request_id;
        return true;
    }
    bool pending() const noexcept { return pending_; }

private:
    detail::info_channel<Suite> ch_;
    std::uint32_t mid_ = 0;
    bool pending_ = false;
};

template <policy::Suite Suite>
class informational_responder {
public:
    explicit informational_responder(ike_sa<Suite>&&) = delete;  // the SA is kept by reference
    explicit informational_responder(ike_sa<Suite>& sa) noexcept : ch_(sa) {}
    // The payloads received (views into the datagram or the thread's workspace: valid until the
    // next call of any helper on this thread).
    const payload_list& payloads() const noexcept { return ch_.got; }
    // A fragmented message is being reassembled: keep this helper (and its pool slot) alive.
    bool reassembling() const noexcept { return ch_.rx.in_progress(); }

    // The request: true once whole (payloads() holds it, answer with respond()). False while
    // fragments are missing, or when retransmission() says the request answered last came again
    // (send the same response again, RFC 7296 §2.1).
    result<bool> receive(bytes_view udp) noexcept {
        retransmission_ = false;
        if (received_) return error{errc::unexpected_message, "state", 0};
        auto msg = ike_message_of(udp, ch_.sa.frag.options.non_esp_marker);
        if (!msg) return msg.error();
        auto h = wire::decode_header(*msg);
        if (!h) return h.error();
        switch (repeat_of(answered_, *h, *msg)) {
            case repeat::resend: retransmission_ = true; return false;
            case repeat::ignore: return false;
            case repeat::no: break;
        }
        auto r = ch_.take(udp, ch_.sa.next_peer_id, false);
        if (r && *r) {
            received_ = true;
            pending_ = answered_request::of(*h, *msg);
        }
        return r;
    }
    bool retransmission() const noexcept { return retransmission_; }

    // The response (empty `items` = an empty INFORMATIONAL response, RFC 7296 §1.4).
    template <policy::Rng R>
    result<outgoing> respond(std::span<const payload_item> items, R& rng, out_buffer out) noexcept {
        if (!received_) return error{errc::unexpected_message, "state", 0};
        auto o = ch_.send(items, ch_.sa.next_peer_id, true, rng, out);
        if (!o) return o.error();
        received_ = false;
        answered_ = pending_;
        ++ch_.sa.next_peer_id;
        return o;
    }

private:
    detail::info_channel<Suite> ch_;
    bool received_ = false;
    bool retransmission_ = false;
    answered_request pending_{}, answered_{};
};

}  // namespace pqike::exchange
