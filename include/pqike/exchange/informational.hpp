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

#include <cstddef>
#include <cstdint>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../wire/payload_type.hpp"
#include "common.hpp"
#include "ike_sa.hpp"

namespace pqike::exchange {

// One payload to send: its type and body (the generic header is added).
struct payload_item {
    wire::payload_type type = wire::payload_type::notify;
    bytes_view body{};
};

// A Notify as a payload item (e.g. escape::carriage::notify(msg)), its body encoded into `buf`.
constexpr result<payload_item> notify_item(const wire::notify_view& n, mut_bytes buf) noexcept {
    writer w{buf};
    n.encode(w);
    if (status s = w.finish(); !s) return s.error();
    return payload_item{wire::payload_type::notify, w.written()};
}

namespace detail {

template <policy::Suite Suite>
class info_core {
public:
    using cipher = typename Suite::cipher;
    info_core(const info_core&) = delete;
    info_core& operator=(const info_core&) = delete;

    // The payloads received (views into this helper, valid until its next call).
    const payload_list& payloads() const noexcept { return got_; }

protected:
    explicit info_core(ike_sa<Suite>& sa) noexcept : sa_(sa) {}

    template <policy::Rng R>
    result<outgoing> send(std::span<const payload_item> items, std::uint32_t mid, bool response, R& rng,
                          out_buffer out) noexcept {
        inner_builder ib{inner_};
        for (const auto& it : items) {
            if (wire::ends_chain(it.type) || it.type == wire::payload_type::none)
                return error{errc::invalid_syntax, "payload_item.type", 0};
            ib.add(it.type, it.body);
        }
        auto chain = ib.finish();
        if (!chain) return chain.error();
        wire::protected_message m;
        m.header = sa_.header(wire::exchange_type::informational, mid, response);
        m.first_inner = ib.first();
        m.inner = *chain;
        return send_protected<cipher>(sa_.send_keys(), m, sa_.frag, rng, out);
    }

    // true: a whole message was authenticated and its payloads decoded into got_.
    result<bool> take(bytes_view udp, std::uint32_t mid, bool response) noexcept {
        if (!sa_.established()) return error{errc::unexpected_message, "ike_sa", 0};
        auto msg = ike_message_of(udp, sa_.frag.options.non_esp_marker);
        if (!msg) return msg.error();
        const bytes_view datagram = *msg;
        auto h = wire::decode_header(datagram);
        if (!h) return h.error();
        if (status s = check_header(*h, sa_.expect(wire::exchange_type::informational, mid, response)); !s)
            return s.error();
        auto r = rx_.receive(sa_.receive_keys(), datagram, sa_.frag.enabled);
        if (!r) return r.error();
        if (!*r) return false;
        const wire::protected_message m = **r;
        payload_list pl;
        if (status s = decode_payloads(m.first_inner, m.inner, inner_base(m), pl); !s) return s.error();
        got_ = pl;
        return true;
    }

    ike_sa<Suite>& sa_;
    payload_list got_{};
    std::array<std::byte, 8192> inner_{};
    protected_receiver<cipher> rx_{};
};

}  // namespace detail

template <policy::Suite Suite>
class informational_initiator : public detail::info_core<Suite> {
    using base = detail::info_core<Suite>;
    using base::sa_;

public:
    explicit informational_initiator(ike_sa<Suite>&&) = delete;  // the SA is kept by reference
    explicit informational_initiator(ike_sa<Suite>& sa) noexcept : base(sa) {}

    template <policy::Rng R>
    result<outgoing> start(std::span<const payload_item> items, R& rng, out_buffer out) noexcept {
        if (pending_) return error{errc::unexpected_message, "state", 0};
        if (!sa_.established()) return error{errc::unexpected_message, "ike_sa", 0};
        auto o = base::send(items, sa_.next_request_id, false, rng, out);
        if (!o) return o.error();
        mid_ = sa_.next_request_id;
        pending_ = true;
        return o;
    }

    // The response: true once whole (payloads() holds it); false while fragments are missing.
    result<bool> on_message(bytes_view datagram) noexcept {
        if (!pending_) return error{errc::unexpected_message, "state", 0};
        auto r = base::take(datagram, mid_, true);
        if (!r || !*r) return r;
        pending_ = false;
        ++sa_.next_request_id;
        return true;
    }
    bool pending() const noexcept { return pending_; }

private:
    std::uint32_t mid_ = 0;
    bool pending_ = false;
};

template <policy::Suite Suite>
class informational_responder : public detail::info_core<Suite> {
    using base = detail::info_core<Suite>;
    using base::sa_;

public:
    explicit informational_responder(ike_sa<Suite>&&) = delete;  // the SA is kept by reference
    explicit informational_responder(ike_sa<Suite>& sa) noexcept : base(sa) {}

    // The request: true once whole (payloads() holds it, answer with respond()).
    result<bool> receive(bytes_view datagram) noexcept {
        if (received_) return error{errc::unexpected_message, "state", 0};
        auto r = base::take(datagram, sa_.next_peer_id, false);
        if (r && *r) received_ = true;
        return r;
    }

    // The response (empty `items` = an empty INFORMATIONAL response, RFC 7296 §1.4).
    template <policy::Rng R>
    result<outgoing> respond(std::span<const payload_item> items, R& rng, out_buffer out) noexcept {
        if (!received_) return error{errc::unexpected_message, "state", 0};
        auto o = base::send(items, sa_.next_peer_id, true, rng, out);
        if (!o) return o.error();
        received_ = false;
        ++sa_.next_peer_id;
        return o;
    }

private:
    bool received_ = false;
};

}  // namespace pqike::exchange
