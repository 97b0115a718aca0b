// SPDX-License-Identifier: MIT
// What the exchange helpers share: the crypto suite a stack fixes at compile time, the caller's
// output buffer, header checks, the inner payload list of an opened message, and sending /
// receiving protected messages with IKE fragmentation (RFC 7383) when it was negotiated.
// Sans-I/O: bytes in, datagrams out into caller memory; nothing here touches a socket.
#pragma once

#include <algorithm>
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
#include "workspace.hpp"

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
// `unconsumed`: the payloads of the message just accepted that the helper did not read (vendor
// IDs, status notifies such as INITIAL_CONTACT, a deployment's own), views valid until the next
// call of any helper on this thread (they point into the datagram or the thread's workspace).
struct outgoing {
    std::span<const bytes_view> datagrams{};
    error refused{};
    bool cookie_challenge = false;  // HDR, N(COOKIE) (RFC 7296 §2.6): nothing was kept, still idle
    bool retransmit = false;        // the request answered last, again: send the same response
                                    // again (RFC 7296 §2.1); nothing changed, nothing built
    std::span<const wire::raw_payload> unconsumed{};
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

// ---- retransmitted requests (RFC 7296 §2.1, RFC 7383 §2.6.1) -----------------------------------
// The last request a responder answered, known by its header and its last octets (the ICV of a
// protected message). The helper keeps no response: the stack resends the one it sent, which it
// keeps anyway (outgoing::retransmit). A request that came in fragments is remembered by the
// fragment that completed it: that one draws the response again, the others of the same
// message are ignored, so a retransmitted fragmented request draws one response, not one per
// fragment.
inline constexpr std::size_t request_tail_size = 16;

struct answered_request {
    wire::exchange_type exchange{};
    std::uint32_t message_id = 0;
    std::uint64_t spi_i = 0;
    std::uint32_t length = 0;
    bool fragmented = false;
    bounded_bytes<request_tail_size> tail{};  // empty: nothing answered yet

    static answered_request of(const wire::ike_header& h, bytes_view datagram) noexcept {
        answered_request a;
        a.exchange = h.exchange;
        a.message_id = h.message_id;
        a.spi_i = h.spi_i;
        a.length = static_cast<std::uint32_t>(datagram.size());
        a.fragmented = h.next == wire::payload_type::skf;
        (void)a.tail.assign(datagram.last(std::min(datagram.size(), request_tail_size)));
        return a;
    }
};

enum class repeat : std::uint8_t { no, resend, ignore };

// Whether `datagram` (header `h`) repeats the request `a` answered.
inline repeat repeat_of(const answered_request& a, const wire::ike_header& h, bytes_view datagram) noexcept {
    if (a.tail.empty() || h.response() || h.exchange != a.exchange || h.message_id != a.message_id ||
        h.spi_i != a.spi_i)
        return repeat::no;
    const bytes_view tail = datagram.last(std::min(datagram.size(), request_tail_size));
    if (datagram.size() == a.length && std::equal(tail.begin(), tail.end(), a.tail.view().begin(), a.tail.view().end()))
        return repeat::resend;
    return a.fragmented && h.next == wire::payload_type::skf ? repeat::ignore : repeat::no;
}

inline outgoing resend_last() noexcept {
    outgoing o;
    o.retransmit = true;
    return o;
}

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
// Views point into the bytes that were decoded. find(), notify() and error_notify() mark what
// they return as read; unconsumed() lists the rest for the stack.
struct payload_list {
    std::array<wire::raw_payload, max_payloads> slots{};
    std::size_t n = 0;
    mutable std::uint32_t read = 0;  // bit i: slots[i] was looked up
    static_assert(max_payloads <= 32);

    constexpr const wire::raw_payload* find(wire::payload_type t, std::size_t nth = 0) const noexcept {
        for (std::size_t i = 0; i < n; ++i)
            if (slots[i].type == t && nth-- == 0) return mark(i);
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
            if (v && v->kind == k) {
                mark(i);
                return *v;
            }
        }
        return std::nullopt;
    }
    // Calls f(notify_view) for each Notify of type `k`, in order, marking each as read.
    template <class F>
    constexpr void each_notify(wire::notify_type k, F&& f) const noexcept {
        for (std::size_t i = 0; i < n; ++i) {
            if (slots[i].type != wire::payload_type::notify) continue;
            auto v = wire::notify_view::decode(slots[i]);
            if (!v || v->kind != k) continue;
            mark(i);
            f(*v);
        }
    }
    // The first error Notify (type < 16384, RFC 7296 §3.10.1), or nullopt.
    constexpr std::optional<wire::notify_view> error_notify() const noexcept {
        for (std::size_t i = 0; i < n; ++i) {
            if (slots[i].type != wire::payload_type::notify) continue;
            auto v = wire::notify_view::decode(slots[i]);
            if (v && wire::to_number(v->kind) < 16384) {
                mark(i);
                return *v;
            }
        }
        return std::nullopt;
    }
    constexpr std::span<const wire::raw_payload> view() const noexcept { return {slots.data(), n}; }
    // The payloads not looked up, in order, copied into `out`.
    constexpr void unconsumed(payload_list& out) const noexcept {
        out.n = 0;
        for (std::size_t i = 0; i < n; ++i)
            if ((read >> i & 1u) == 0) out.slots[out.n++] = slots[i];
    }

private:
    constexpr const wire::raw_payload* mark(std::size_t i) const noexcept {
        read |= std::uint32_t{1} << i;
        return &slots[i];
    }
};

// The payloads of `pl` the helper did not read, in the thread's storage, on `o` (see outgoing).
inline outgoing with_unconsumed(outgoing o, const payload_list& pl) noexcept {
    thread_local constinit payload_list rest{};
    pl.unconsumed(rest);
    o.unconsumed = rest.view();
    return o;
}

// ---- payloads the stack adds ---------------------------------------------------------------------
// One payload to send: its type and body (the generic header is added).
struct payload_item {
    wire::payload_type type = wire::payload_type::notify;
    bytes_view body{};
};

// An item that cannot stand in a chain (SK, SKF, NONE) is refused before anything is built.
constexpr status check_items(std::span<const payload_item> items) noexcept {
    for (const auto& it : items)
        if (wire::ends_chain(it.type) || it.type == wire::payload_type::none)
            return {errc::invalid_syntax, "payload_item.type", error_value{wire::to_number(it.type)}};
    return {};
}

// Payloads a stack adds to the messages a helper builds, per exchange type, after the helper's
// own: status notifies (INITIAL_CONTACT in IKE_AUTH, RFC 7296 §3.10.1), vendor IDs (§3.12), a
// deployment's private notifies. Not added to error responses. Views must outlive the helper.
struct extra_payloads {
    std::span<const payload_item> ike_sa_init{};
    std::span<const payload_item> ike_intermediate{};
    std::span<const payload_item> ike_auth{};
    std::span<const payload_item> create_child_sa{};
    std::span<const payload_item> ike_followup_ke{};

    constexpr std::span<const payload_item> of(wire::exchange_type ex) const noexcept {
        switch (ex) {
            case wire::exchange_type::ike_sa_init: return ike_sa_init;
            case wire::exchange_type::ike_intermediate: return ike_intermediate;
            case wire::exchange_type::ike_auth: return ike_auth;
            case wire::exchange_type::create_child_sa: return create_child_sa;
            case wire::exchange_type::ike_followup_ke: return ike_followup_ke;
            default: return {};
        }
    }
    constexpr status check() const noexcept {
        for (auto items : {ike_sa_init, ike_intermediate, ike_auth, create_child_sa, ike_followup_ke})
            if (status s = check_items(items); !s) return s;
        return {};
    }
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
    // Items checked by check_items().
    void add(std::span<const payload_item> items) noexcept {
        for (const auto& it : items) add(it.type, it.body);
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
// `pool`: where received fragments are reassembled (nullptr: default_fragment_pool()).
struct fragmentation {
    bool enabled = false;
    wire::fragment_options options{};
    fragment_pool* pool = nullptr;
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

// Opens SK messages and reassembles SKF fragments. A whole message is opened into the thread's
// workspace; fragments go into a slot of the SA's fragment pool, taken at the first authentic
// fragment and given back as soon as the message is complete (it is then copied into the
// workspace) or abandoned. The message returned stays valid until the next call of any helper
// on this thread. A message that fails authentication changes nothing (RFC 7383 §2.6 for
// fragments).
template <policy::SkCipher C>
class protected_receiver {
public:
    protected_receiver() noexcept = default;
    protected_receiver(const protected_receiver&) = delete;
    protected_receiver& operator=(const protected_receiver&) = delete;
    ~protected_receiver() { reset(); }

    // nullopt: an authentic fragment was stored (or repeated); wait for the rest.
    result<std::optional<wire::protected_message>> receive(const wire::sk_keys& keys, bytes_view datagram,
                                                           const fragmentation& frag) noexcept {
        auto f = wire::parse_protected<C>(datagram);
        if (!f) return f.error();
        workspace& ws = thread_workspace();
        if (!f->fragment) {
            auto o = wire::open<C>(keys, *f, ws.plain);
            if (!o) return o.error();
            return std::optional<wire::protected_message>{o->view()};
        }
        if (!frag.enabled) return error{errc::invalid_fragment, "skf", f->sk_offset};
        if (!reasm_) {
            pool_ = frag.pool != nullptr ? frag.pool : &default_fragment_pool();
            lent_ = pool_->acquire();
            if (lent_ == nullptr) return error{errc::reassembly_limit, "reassembly.pool", f->sk_offset};
            reasm_.emplace(*lent_);
        }
        auto st = reasm_->template add<C>(keys, datagram);
        if (!st) {
            if (!reasm_->in_progress()) reset();  // nothing held: the slot goes back
            return st.error();
        }
        if (*st != wire::reassembly_status::complete) return std::optional<wire::protected_message>{};
        // The clear payloads and the inner chain, in the workspace, so the slot can go back now.
        wire::protected_message m = reasm_->message();
        const std::size_t clear = m.unprotected.size();
        if (clear + m.inner.size() > ws.plain.size()) {
            reset();
            return error{errc::reassembly_limit, "reassembly.total", 0};
        }
        if (clear != 0) std::memcpy(ws.plain.data(), m.unprotected.data(), clear);
        if (!m.inner.empty()) std::memcpy(ws.plain.data() + clear, m.inner.data(), m.inner.size());
        m.unprotected = bytes_view{ws.plain.data(), clear};
        m.inner = bytes_view{ws.plain.data() + clear, m.inner.size()};
        reset();
        return std::optional<wire::protected_message>{m};
    }
    // Fragments of an abandoned message are dropped (the slot is wiped and given back).
    void reset() noexcept {
        if (!reasm_) return;
        reasm_.reset();  // the reassembler wipes what it held
        pool_->release(lent_);
        lent_ = nullptr;
    }
    bool in_progress() const noexcept { return reasm_ && reasm_->in_progress(); }

private:
    fragment_pool* pool_ = nullptr;
    fragment_storage* lent_ = nullptr;
    std::optional<wire::reassembler> reasm_{};
};

// The thread's buffer for the inner chain of the message a helper builds.
inline mut_bytes inner_area() noexcept { return thread_workspace().inner; }

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
