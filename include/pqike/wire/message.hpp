// SPDX-License-Identifier: MIT
// A whole IKE message: header plus top-level payload chain, decoded into caller-provided slots
// of raw payloads (each validated by its typed view), and encoded back byte for byte.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../bytes.hpp"
#include "../result.hpp"
#include "auth.hpp"
#include "certreq.hpp"
#include "delete.hpp"
#include "header.hpp"
#include "id.hpp"
#include "ke.hpp"
#include "nonce.hpp"
#include "notify.hpp"
#include "payload_chain.hpp"
#include "sa.hpp"
#include "ts.hpp"
#include "vendor_id.hpp"

namespace pqike::wire {

struct decode_options {
    chain_limits limits{};
    // RFC 7296 §2.5: reject an unknown payload with the critical bit (UNSUPPORTED_CRITICAL_PAYLOAD).
    bool reject_unknown_critical = true;
};

// Check a payload body with the typed view of its type; unknown types, CERT, CP, EAP and the
// encrypted SK/SKF (whose framing depends on the negotiated cipher, see sk.hpp) pass as raw.
PQIKE_HOT constexpr status validate_payload(const raw_payload& p) noexcept {
    switch (p.type) {
        case payload_type::sa: { auto v = sa_view::decode(p); return v ? status{} : status{v.error()}; }
        case payload_type::ke: { auto v = ke_view::decode(p); return v ? status{} : status{v.error()}; }
        case payload_type::idi:
        case payload_type::idr: { auto v = id_view::decode(p); return v ? status{} : status{v.error()}; }
        case payload_type::certreq: { auto v = certreq_view::decode(p); return v ? status{} : status{v.error()}; }
        case payload_type::auth: { auto v = auth_view::decode(p); return v ? status{} : status{v.error()}; }
        case payload_type::nonce: { auto v = nonce_view::decode(p); return v ? status{} : status{v.error()}; }
        case payload_type::notify: { auto v = notify_view::decode(p); return v ? status{} : status{v.error()}; }
        case payload_type::del: { auto v = delete_view::decode(p); return v ? status{} : status{v.error()}; }
        case payload_type::vendor_id: return {};
        case payload_type::tsi:
        case payload_type::tsr: { auto v = ts_view::decode(p); return v ? status{} : status{v.error()}; }
        default: return {};
    }
}

// A decoded message. `payloads` are views into the datagram (valid while the datagram lives)
// stored in the caller's slots.
struct message_view {
    ike_header header{};
    std::span<const raw_payload> payloads{};

    // The n-th payload of type t, or nullptr.
    constexpr const raw_payload* find(payload_type t, std::size_t nth = 0) const noexcept {
        for (const auto& p : payloads)
            if (p.type == t && nth-- == 0) return &p;
        return nullptr;
    }
    constexpr std::size_t count(payload_type t) const noexcept {
        std::size_t n = 0;
        for (const auto& p : payloads) n += p.type == t ? 1 : 0;
        return n;
    }
};

// Decode and validate a datagram (without a non-ESP marker). The slots bound the payload count
// together with options.limits (the smaller wins; errc::too_many_payloads above it). Two passes:
// the first validates everything, the second fills the slots, so a rejected message leaves
// `out` and the slots untouched.
// The options go by reference: passed by value (16 octets, on the stack as the seventh argument)
// clang stored them in two halves and reloaded them whole, a store-forwarding stall per message.
constexpr status decode_message(bytes_view datagram, std::span<raw_payload> slots,
                                message_view& out, const decode_options& opt = {}) noexcept {
    auto h = decode_header(datagram);
    if (!h) return h.error();
    chain_limits lim = opt.limits;
    if (slots.size() < lim.max_payloads) lim.max_payloads = slots.size();
    const bytes_view chain = datagram.subspan(ike_header_size);
    // The walk written out rather than through for_each_payload and a lambda: clang left the
    // lambda as a call per payload (measured in bench/daemon_tu.cpp).
    chain_cursor c{h->next, chain, ike_header_size, lim};
    raw_payload p;
    while (!c.done()) {
        if (status s = c.next(p); !s) return s;
        if (opt.reject_unknown_critical)
            if (status s = check_critical(p); !s) return s;
        if (status s = validate_payload(p); !s) return s;
    }
    const std::size_t n = refill_checked_chain(h->next, chain, ike_header_size, slots);
    out.header = *h;
    out.payloads = slots.first(n);
    return {};
}

// A message with its own fixed-capacity slots.
template <std::size_t N = 32>
struct message {
    std::array<raw_payload, N> slots{};
    message_view view{};

    constexpr status decode(bytes_view datagram, const decode_options& opt = {}) noexcept {
        return decode_message(datagram, slots, view, opt);
    }
};

// Encode a decoded (or hand-assembled) message: byte-identical to the input it came from.
// Returns the size written.
constexpr result<std::size_t> encode_message(const message_view& m, writer& w) noexcept {
    message_builder b{w, m.header};
    for (const auto& p : m.payloads) b.add(p);
    return b.finish();
}

}  // namespace pqike::wire
