// SPDX-License-Identifier: MIT
// What the exchange helpers share: the crypto suite a stack fixes at compile time, the caller's
// output buffer, header checks, the inner payload list of an opened message, and sending /
// receiving protected messages with IKE fragmentation (RFC 7383) when it was negotiated.
// Sans-I/O: bytes in, datagrams out into caller memory; nothing here touches a socket.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../kex/ke_registry.hpp"
#include "../kex/negotiate.hpp"
#include "../keys/ike_sa_keys.hpp"
#include "../keys/key_lengths.hpp"
#include "../result.hpp"
#include "../wire/fragment.hpp"
#include "../wire/header.hpp"
#include "../wire/message.hpp"
#include "../wire/notify.hpp"
#include "../wire/sk.hpp"

namespace pqike::exchange {

// The methods (a kex::ke_registry), the PRF and the SK cipher a stack runs with. The IKE
// proposals must offer exactly this PRF and cipher (checked after negotiation: anything else is
// errc::no_proposal_chosen); KE and ADDKE methods are negotiated among the registry's.
template <class Registry, policy::Prf P, policy::SkCipher C>
struct suite {
    using registry = Registry;
    using prf = P;
    using cipher = C;
    static constexpr keys::sa_key_lengths ike_lengths{P::preferred_key_size, C::integ_key_size,
                                                      C::encr_key_size};
};

// Checks that a negotiated IKE SA uses the suite's PRF and cipher (and Key Length, when the
// cipher policy names one).
template <policy::Suite S>
constexpr status check_suite(const kex::negotiated_sa& sa) noexcept {
    using C = typename S::cipher;
    const kex::transform e = sa.get(wire::transform_type::encr);
    if (e.id != C::encr_id) return {errc::no_proposal_chosen, "transform.encr", error_value{e.id}};
    if constexpr (requires { C::key_bits; })
        if (e.key_bits != C::key_bits) return {errc::no_proposal_chosen, "transform.encr.key_length", error_value{e.key_bits}};
    if (sa.get(wire::transform_type::integ).id != C::integ_id)
        return {errc::no_proposal_chosen, "transform.integ", error_value{sa.get(wire::transform_type::integ).id}};
    if (sa.get(wire::transform_type::prf).id != S::prf::transform_id)
        return {errc::no_proposal_chosen, "transform.prf", error_value{sa.get(wire::transform_type::prf).id}};
    return {};
}

// Where a helper writes what is to be sent: datagrams back to back in `storage`, one view per
// datagram in `slots` (one slot per fragment; 1 without fragmentation).
struct out_buffer {
    mut_bytes storage{};
    std::span<bytes_view> slots{};
};

// What to send now. `datagrams` are views into the caller's out_buffer, in order; empty when
// nothing is to be sent (a fragment was stored, or the exchange is complete). A responder that
// refuses a request answers with an error notify: `refused` then names why (code != ok) and
// `datagrams` hold the notify response. The caller keeps the datagrams for retransmission
// (RFC 7296 §2.1: a responder resends its last response when the request is repeated).
struct outgoing {
    std::span<const bytes_view> datagrams{};
    error refused{};
    bool cookie_challenge = false;  // HDR, N(COOKIE) (RFC 7296 §2.6): nothing was kept, still idle
    bool empty() const noexcept { return datagrams.empty(); }
    bool is_refusal() const noexcept { return refused.code != errc::ok; }
};

// What the stack knows about a datagram that its bytes do not say: the UDP path (addresses of 4
// or 16 octets, ports) for cookies (RFC 7296 §2.6: IPi) and NAT detection (§2.23), and for a
// responder the number of half-open IKE SAs it holds now (cookies from cookie_config::threshold).
struct datagram_context {
    bytes_view local_address{};
    std::uint16_t local_port = 500;
    bytes_view peer_address{};
    std::uint16_t peer_port = 500;
    std::size_t half_open = 0;
};

// ---- headers -------------------------------------------------------------------------------------
// What a received message must be. `from_original_initiator`: the sender is the original
// initiator of the IKE SA (RFC 7296 §3.1 Initiator flag); `response`: the Response flag.
struct expected_header {
    wire::exchange_type exchange = wire::exchange_type::ike_sa_init;
    std::uint32_t message_id = 0;
    bool response = false;
    bool from_original_initiator = true;
    std::uint64_t spi_i = 0;
    std::optional<std::uint64_t> spi_r{};  // nullopt: any (IKE_SA_INIT response)
};

constexpr status check_header(const wire::ike_header& h, const expected_header& e) noexcept {
    if (h.spi_i != e.spi_i || (e.spi_r && h.spi_r != *e.spi_r))
        return {errc::unexpected_message, "ike.spi", wire::header_offset::spi_i};
    if (h.response() != e.response || h.initiator() != e.from_original_initiator)
        return {errc::unexpected_message, "ike.flags", wire::header_offset::flags};
    if (h.exchange != e.exchange)
        return {errc::unexpected_message, "ike.exchange", wire::header_offset::exchange};
    if (h.message_id != e.message_id)
        return {errc::unexpected_message, "ike.message_id", wire::header_offset::message_id};
    return {};
}

constexpr std::uint8_t header_flags(bool original_initiator, bool response) noexcept {
    return static_cast<std::uint8_t>((original_initiator ? wire::flag::initiator : 0) |
                                     (response ? wire::flag::response : 0));
}

// ---- payload lists -------------------------------------------------------------------------------
inline constexpr std::size_t max_payloads = 24;

// The payloads of a message (or of an opened SK payload), each validated by its typed view.
// Views point into the bytes that were decoded.
struct payload_list {
    std::array<wire::raw_payload, max_payloads> slots{};
    std::size_t n = 0;

    constexpr const wire::raw_payload* find(wire::payload_type t, std::size_t nth = 0) const noexcept {
        for (std::size_t i = 0; i < n; ++i)
            if (slots[i].type == t && nth-- == 0) return &slots[i];
        return nullptr;
    }
    constexpr std::size_t count(wire::payload_type t) const noexcept {
        std::size_t c = 0;
        for (std::size_t i = 0; i < n; ++i) c += slots[i].type == t ? 1u : 0u;
        return c;
    }
    // The first Notify of type `k`, or nullopt.
    constexpr std::optional<wire::notify_view> notify(wire::notify_type k) const noexcept {
        for (std::size_t i = 0; i < n; ++i) {
            if (slots[i].type != wire::payload_type::notify) continue;
            auto v = wire::notify_view::decode(slots[i]);
            if (v && v->kind == k) return *v;
        }
        return std::nullopt;
    }
    // The first error Notify (type < 16384, RFC 7296 §3.10.1), or nullopt.
    constexpr std::optional<wire::notify_view> error_notify() const noexcept {
        for (std::size_t i = 0; i < n; ++i) {
            if (slots[i].type != wire::payload_type::notify) continue;
            auto v = wire::notify_view::decode(slots[i]);
            if (v && wire::to_number(v->kind) < 16384) return *v;
        }
        return std::nullopt;
    }
    constexpr std::span<const wire::raw_payload> view() const noexcept { return {slots.data(), n}; }
};

// Decode a chain into `out` (two passes: `out` is untouched when the chain is rejected).
constexpr status decode_payloads(wire::payload_type first, bytes_view chain, std::size_t base,
                                 payload_list& out) noexcept {
    wire::chain_limits lim{};
    lim.max_payloads = max_payloads;
    status s = wire::for_each_payload(first, chain, base, lim, [](const wire::raw_payload& p) {
        if (status c = wire::check_critical(p); !c) return c;
        if (wire::ends_chain(p.type)) return status{errc::invalid_syntax, "payload.sk_nested", p.offset};
        return wire::validate_payload(p);
    });
    if (!s) return s;
    wire::chain_cursor c{first, chain, base, lim};
    std::size_t n = 0;
    while (!c.done()) out.slots[n++] = *c.next();  // validated above
    out.n = n;
    return {};
}

// Maps a received error notify to an error (the notify type is the error's value).
constexpr error notify_error_of(const wire::notify_view& n) noexcept {
    const std::uint16_t t = wire::to_number(n.kind);
    switch (t) {
        case notify_error::no_proposal_chosen: return {errc::no_proposal_chosen, "notify", error_value{t}};
        case notify_error::invalid_ke_payload: return {errc::invalid_ke_payload, "notify", error_value{t}};
        case notify_error::authentication_failed: return {errc::authentication_failed, "notify", error_value{t}};
        case notify_error::state_not_found: return {errc::state_not_found, "notify", error_value{t}};
        default: return {errc::invalid_syntax, "notify", error_value{t}};
    }
}

// ---- building inner chains -----------------------------------------------------------------------
// A chain of payloads written into a caller buffer; remembers the first type for the SK header.
class inner_builder {
public:
    explicit inner_builder(mut_bytes buf) noexcept : w_(buf), chain_(w_, wire::chain_builder::npos) {}
    std::size_t begin(wire::payload_type t) noexcept {
        if (first_ == wire::payload_type::none) first_ = t;
        return chain_.begin(t);
    }
    void add(wire::payload_type t, bytes_view body) noexcept {
        begin(t);
        w_.bytes(body);
    }
    void notify(wire::notify_type t, bytes_view data = {}) noexcept {
        begin(wire::payload_type::notify);
        wire::make_notify(t, data).encode(w_);
    }
    writer& out() noexcept { return w_; }
    // The chain and its first type, or the writer's overflow.
    result<bytes_view> finish() noexcept {
        if (status s = chain_.finish(); !s) return s.error();
        return w_.written();
    }
    wire::payload_type first() const noexcept { return first_; }

private:
    writer w_;
    wire::chain_builder chain_;
    wire::payload_type first_ = wire::payload_type::none;
};

// ---- protected send / receive --------------------------------------------------------------------
// Fragmentation in use for a direction: both peers announced IKEV2_FRAGMENTATION_SUPPORTED.
struct fragmentation {
    bool enabled = false;
    wire::fragment_options options{};
};

// ---- the non-ESP marker on port 4500 (RFC 3948 §2.2) --------------------------------------------
// A helper whose SA runs on port 4500 (fragmentation::options.non_esp_marker, see nat.hpp) writes
// the 4-octet marker before every datagram it produces; the views it returns include it.

// Where one unfragmented IKE message goes in `out`: after the marker when `marker`.
inline mut_bytes message_area(out_buffer out, bool marker) noexcept {
    if (!marker) return out.storage;
    if (out.storage.size() < wire::non_esp_marker_size) return {};
    for (std::size_t i = 0; i < wire::non_esp_marker_size; ++i) out.storage[i] = std::byte{0};
    return out.storage.subspan(wire::non_esp_marker_size);
}
// The datagram holding `msg`, written at message_area(out, marker).
inline bytes_view datagram_of(out_buffer out, bytes_view msg, bool marker) noexcept {
    return marker ? bytes_view{out.storage.data(), msg.size() + wire::non_esp_marker_size} : msg;
}
// Gives each of the `n` datagrams written back to back at the start of `storage` its marker,
// moving them apart (last first, so nothing is overwritten before it moves).
inline status prefix_markers(mut_bytes storage, std::span<bytes_view> slots, std::size_t n) noexcept {
    constexpr std::size_t m = wire::non_esp_marker_size;
    std::size_t end = 0;
    for (std::size_t i = 0; i < n; ++i)
        end = static_cast<std::size_t>(slots[i].data() - storage.data()) + slots[i].size();
    if (end + m * n > storage.size()) return {errc::buffer_too_small, "output", error_value{end + m * n}};
    for (std::size_t k = n; k-- > 0;) {
        const std::size_t at = static_cast<std::size_t>(slots[k].data() - storage.data());
        const std::size_t len = slots[k].size();
        std::byte* dst = storage.data() + at + m * k;
        std::memmove(dst + m, storage.data() + at, len);
        for (std::size_t i = 0; i < m; ++i) dst[i] = std::byte{0};
        slots[k] = bytes_view{dst, len + m};
    }
    return {};
}

// Seal `m` as one SK message, or as SKF fragments when fragmentation is enabled and the SK
// message would exceed options.max_size (RFC 7383 §2.5); with the non-ESP marker on port 4500.
template <policy::SkCipher C, policy::Rng R>
result<outgoing> send_protected(const wire::sk_keys& keys, const wire::protected_message& m,
                                const fragmentation& frag, R& rng, out_buffer out) noexcept {
    if (out.slots.empty()) return error{errc::buffer_too_small, "slots", error_value{1}};
    const bool marker = frag.options.non_esp_marker;
    const std::size_t whole = wire::sealed_size<C>(m, wire::sk_min_padding<C>(m.inner.size()));
    const std::size_t room = frag.options.max_size - frag.options.ip_udp_overhead -
                             (marker ? wire::non_esp_marker_size : 0);
    if (frag.enabled && whole > room) {
        auto n = wire::split<C>(keys, m, frag.options, rng, out.storage, out.slots);
        if (!n) return n.error();
        if (marker)
            if (status s = prefix_markers(out.storage, out.slots, *n); !s) return s.error();
        outgoing o;
        o.datagrams = std::span<const bytes_view>(out.slots.data(), *n);
        return o;
    }
    auto s = wire::seal<C>(keys, m, rng, message_area(out, marker));
    if (!s) return s.error();
    out.slots[0] = datagram_of(out, *s, marker);
    outgoing o;
    o.datagrams = std::span<const bytes_view>(out.slots.data(), 1);
    return o;
}

// Opens SK messages and reassembles SKF fragments. The message returned stays valid until the
// next receive() or reset(). A message that fails authentication changes nothing (RFC 7383
// §2.6 for fragments).
template <policy::SkCipher C, std::size_t MaxMessage = 16384, std::size_t MaxFragments = 32>
class protected_receiver {
public:
    protected_receiver() noexcept : reasm_(storage_) {}
    protected_receiver(const protected_receiver&) = delete;
    protected_receiver& operator=(const protected_receiver&) = delete;

    // nullopt: an authentic fragment was stored (or repeated); wait for the rest.
    result<std::optional<wire::protected_message>> receive(const wire::sk_keys& keys, bytes_view datagram,
                                                           bool allow_fragments) noexcept {
        auto f = wire::parse_protected<C>(datagram);
        if (!f) return f.error();
        if (f->fragment) {
            if (!allow_fragments) return error{errc::invalid_fragment, "skf", f->sk_offset};
            if (reasm_.complete()) reasm_.reset();
            auto st = reasm_.template add<C>(keys, datagram);
            if (!st) return st.error();
            if (*st != wire::reassembly_status::complete) return std::optional<wire::protected_message>{};
            return std::optional<wire::protected_message>{reasm_.message()};
        }
        auto o = wire::open<C>(keys, *f, plain_);
        if (!o) return o.error();
        return std::optional<wire::protected_message>{o->view()};
    }
    // Fragments of an abandoned message are dropped (the storage is wiped).
    void reset() noexcept {
        reasm_.reset();
        secure_zeroize(mut_bytes{plain_});
    }
    bool in_progress() const noexcept { return reasm_.in_progress(); }

private:
    wire::reassembly_storage<MaxMessage, MaxFragments> storage_{};
    wire::reassembler reasm_;
    std::array<std::byte, MaxMessage> plain_{};
};

// Offset of the inner chain inside the message, for error offsets (the SK header's position).
constexpr std::size_t inner_base(const wire::protected_message& m) noexcept {
    return wire::ike_header_size + m.unprotected.size() + wire::generic_header_size;
}

// 8-octet SPI as a big-endian integer and back (header fields are integers).
inline std::array<std::byte, 8> spi_bytes(std::uint64_t spi) noexcept {
    std::array<std::byte, 8> b{};
    store_be64(b.data(), spi);
    return b;
}

}  // namespace pqike::exchange
