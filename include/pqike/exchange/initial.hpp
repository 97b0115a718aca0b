// SPDX-License-Identifier: MIT
// The initial exchanges of an IKE SA with multiple key exchanges, sans-I/O, both roles:
//
//   IKE_SA_INIT       HDR, SA, KE, Ni, N(FRAG_SUP), N(INT_SUP)  -->   (RFC 7296 §1.2, RFC 9242 §3.1)
//                     <--  HDR, SA, KE, Nr, N(FRAG_SUP), N(INT_SUP)      [or N(INVALID_KE_PAYLOAD): retry]
//   IKE_INTERMEDIATE  HDR, SK {KE(ADDKEn)}  -->                   one per non-NONE ADDKE, in order
//                     <--  HDR, SK {KE}                            (RFC 9370 §2.2.2)
//                     keys: stage n = SKEYSEED(n) from stage n-1 and SK(n); IntAuth accumulated
//   IKE_AUTH          HDR, SK {IDi, AUTH, [SA, TSi, TSr]}  -->     (PSK; signed octets | IntAuth)
//                     <--  HDR, SK {IDr, AUTH, [SA, TSi, TSr]}
//
// Protected messages are fragmented (RFC 7383) when both peers announced it and a message is
// larger than the configured size; fragments are reassembled on receipt, in a slot borrowed
// from a fragment pool only while a message is incomplete (workspace.hpp). What a helper keeps
// between datagrams is its state alone (keys, nonces, the AUTH computations begun at
// IKE_SA_INIT, a few KB); buffers needed while one datagram is handled are the thread's
// workspace. No heap.
//
// Rejections. A message that is malformed, unauthentic, or not the expected one (exchange type,
// Message ID, Response/Initiator flags, SPIs) is dropped: the call returns the error and the
// helper's state is unchanged. An authenticated message that breaks the protocol ends the
// attempt (state failed): the initiator aborts without a notify (e.g. a ciphertext of the wrong
// length, draft-ietf-ipsecme-ikev2-mlkem §2); the responder answers with an error notify
// (outgoing::refused), e.g. INVALID_SYNTAX for an ek failing the FIPS 203 §7.2 check
// (configurable to NO_PROPOSAL_CHOSEN, what strongSwan sends). Unauthenticated IKE_SA_INIT
// errors keep the helper waiting (RFC 7296 §2.21.1: they may be forged); INVALID_KE_PAYLOAD is
// retried at most once per offered method (kex::ke_retry).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../kex/key_exchange.hpp"
#include "../kex/seeded_initiator.hpp"
#include "../kex/negotiate.hpp"
#include "../kex/proposal.hpp"
#include "../keys/auth.hpp"
#include "../keys/child_sa_keys.hpp"
#include "../keys/ike_sa_keys.hpp"
#include "../keys/int_auth.hpp"
#include "../keys/ppk.hpp"
#include "../result.hpp"
#include "../wire/auth.hpp"
#include "../wire/id.hpp"
#include "../wire/ke.hpp"
#include "../wire/nonce.hpp"
#include "../wire/notify.hpp"
#include "../wire/ppk.hpp"
#include "../wire/sa.hpp"
#include "common.hpp"
#include "cookie.hpp"
#include "ike_sa.hpp"
#include "nat.hpp"
#include "ppk.hpp"

namespace pqike::exchange {

struct identity {
    wire::id_type type = wire::id_type::fqdn;
    bytes_view data{};
};

// Local policy of one peer. Views must outlive the helper.
//   ike         IKE proposals with KE and ADDKE1..7 (initiator: offered in order; responder:
//               acceptable). ENCR/PRF must be the suite's.
//   child       ESP/AH proposals for the Child SA created by IKE_AUTH; empty = none. The
//               initiator's carry its 4-octet SPI (proposal::set_spi); the responder draws its own.
//   ts_i, ts_r  TSi/TSr payload bodies the initiator sends (the responder echoes what it got;
//               narrowing is the stack's policy)
//   fragments   datagram size for RFC 7383 fragmentation (used when both sides announce it)
//   fragments_pool where received fragments are reassembled (nullptr: default_fragment_pool())
//   ke_errors   which notify answers an invalid KE payload (INVALID_SYNTAX by default)
//   ppk         post-quantum preshared keys (RFC 8784 / RFC 9867, exchange/ppk.hpp)
//   cookies     responder: stateless cookies above a half-open threshold (exchange/cookie.hpp)
//   extra       payloads the stack adds per exchange (vendor IDs, INITIAL_CONTACT, ...); what
//               the helper did not read of a received message comes back in outgoing::unconsumed
//   nat         NAT traversal (exchange/nat.hpp): NAT detection runs when the datagram_context
//               names both addresses; force_encapsulation floats to port 4500 regardless
//   child_ke_in_auth  initiator: which of the `child` proposals' KE and ADDKEn transforms the
//               IKE_AUTH SA lists (kex::ke_transforms). none (default): RFC 7296 §1.2, no KE
//               payload in IKE_AUTH; addke_only: the ADDKEs without KE, which libreswan 5.4
//               responders require (they match the ADDKEs of their esp= line there,
//               docs/interop.md); all: as configured. Either way the Child SA of IKE_AUTH has no
//               key exchange; a responder never runs them and echoes the peer's (RFC 7296 §2.7).
struct initial_config {
    std::span<const kex::proposal> ike{};
    std::span<const kex::proposal> child{};
    bytes_view ts_i{};
    bytes_view ts_r{};
    identity id{};
    bytes_view psk{};
    bool announce_fragmentation = true;
    wire::fragment_options fragments{};
    fragment_pool* fragments_pool = nullptr;
    kex::responder_options ke_errors{};
    std::size_t nonce_size = 32;
    kex::preference order = kex::preference::peer;
    ppk_config ppk{};
    cookie_config cookies{};
    nat_config nat{};
    extra_payloads extra{};
    kex::ke_transforms child_ke_in_auth = kex::ke_transforms::none;
};

enum class initial_state : std::uint8_t {
    idle,               // initiator: nothing sent; responder: waiting for IKE_SA_INIT
    sa_init,            // initiator: IKE_SA_INIT sent; responder: IKE_SA_INIT answered
    intermediate,       // IKE_INTERMEDIATE in progress (initiator: request sent)
    auth,               // initiator: IKE_AUTH sent
    established,
    failed,
};

// A compact view of a helper's public state, for tests and fuzzers that check that a rejected
// message changed nothing.
struct initial_snapshot {
    initial_state state = initial_state::idle;
    std::uint32_t message_id = 0;
    std::size_t step = 0;
    unsigned stage = 0;
    std::size_t int_auth_i = 0;
    std::size_t int_auth_r = 0;
    bool fragment_pending = false;
    ppk_mechanism ppk = ppk_mechanism::none;
    friend constexpr bool operator==(const initial_snapshot&, const initial_snapshot&) = default;
};

namespace detail {

// The SA and KE payloads of an IKE_SA_INIT request (RFC 7296 §1.2), decoded; SA must be there.
struct ike_sa_init_offer {
    wire::sa_view sa{};
    std::optional<wire::ke_view> ke{};
};
inline result<ike_sa_init_offer> read_offer(const payload_list& pl) noexcept {
    ike_sa_init_offer o;
    const auto* sa_p = pl.find(wire::payload_type::sa);
    if (sa_p == nullptr) return error{errc::missing_payload, "sa", 0};
    auto sv = wire::sa_view::decode(*sa_p);
    if (!sv) return sv.error();
    o.sa = *sv;
    if (const auto* ke_p = pl.find(wire::payload_type::ke)) {
        auto v = wire::ke_view::decode(*ke_p);
        if (!v) return v.error();
        o.ke = *v;
    }
    return o;
}
// The responder's choice among the offered proposals (RFC 7296 §2.7), the KE payload's method
// as the hint (§1.2: prefer the proposal whose KE the initiator sent).
inline result<kex::negotiated_sa> select_ike(const ike_sa_init_offer& o, const initial_config& cfg) noexcept {
    kex::select_options so;
    so.order = cfg.order;
    so.ke_hint = o.ke ? wire::to_number(o.ke->method) : std::uint16_t{0};
    return kex::select(o.sa, cfg.ike, so);
}

inline constexpr std::size_t max_peer_id = 256;   // ID payload body kept after IKE_AUTH
inline constexpr std::size_t max_ts_body = 512;   // each TS payload body echoed in IKE_AUTH

template <policy::Suite Suite>
class initial_core {
public:
    using registry = typename Suite::registry;
    using prf = typename Suite::prf;
    using cipher = typename Suite::cipher;
    using nat_hash = typename nat_hash_of<Suite>::type;

    initial_core(const initial_core&) = delete;
    initial_core& operator=(const initial_core&) = delete;

    initial_state state() const noexcept { return state_; }
    bool established() const noexcept { return state_ == initial_state::established; }
    bool failed() const noexcept { return state_ == initial_state::failed; }
    // The IKE SA (keys valid from IKE_SA_INIT on; established after IKE_AUTH).
    const ike_sa<Suite>& sa() const noexcept { return sa_; }
    ike_sa<Suite>& sa() noexcept { return sa_; }
    // The Child SA made by IKE_AUTH (established() false if none was requested or agreed).
    const child_sa& child() const noexcept { return child_; }
    // The negotiated key exchanges: KE then the non-NONE ADDKEs.
    const kex::ke_plan& plan() const noexcept { return plan_; }
    // The number of IKE_INTERMEDIATE exchanges completed.
    std::size_t intermediates_done() const noexcept { return step_ > 0 ? step_ - 1 : 0; }
    // IKE_INTERMEDIATE exchanges of this attempt: one per negotiated ADDKE; RFC 9867 puts its
    // PPK notifies in the last of them, or in one of its own when there is no ADDKE.
    std::size_t intermediates_planned() const noexcept {
        const std::size_t n = plan_.additional();
        return n == 0 && ppk_ == ppk_mechanism::rfc9867 ? 1 : n;
    }
    const keys::int_auth<prf>& int_auth() const noexcept { return int_auth_; }
    bytes_view nonce_i() const noexcept { return ni_.view(); }
    bytes_view nonce_r() const noexcept { return nr_.view(); }
    // The peer's ID payload body (ID Type, reserved, data) after IKE_AUTH.
    bytes_view peer_id() const noexcept { return peer_id_.view(); }
    // The PPK mechanism both announced in IKE_SA_INIT, and the PPK mixed into the SA (nullptr:
    // none, e.g. after an RFC 8784 fallback to NO_PPK_AUTH).
    ppk_mechanism ppk_negotiated() const noexcept { return ppk_; }
    // NAT detection's result (RFC 7296 §2.23); encapsulate(): the SA uses port 4500 from IKE_AUTH
    // on (the initiator floats; the helpers write and strip the non-ESP marker).
    const nat_status& nat() const noexcept { return sa_.nat; }
    const ppk_entry* ppk_used() const noexcept {
        return sa_.keys && sa_.keys->ppk_mixed() && ppk_index_ < cfg_.ppk.keys.size() ? &cfg_.ppk.keys[ppk_index_]
                                                                                    : nullptr;
    }
    // A fragmented message is being reassembled: keep this helper (and its pool slot) alive.
    bool reassembling() const noexcept { return rx_.in_progress(); }
    initial_snapshot snapshot() const noexcept {
        return {state_, mid_, step_, sa_.keys ? sa_.keys->stage() : 0u, int_auth_.initiator_count(),
                int_auth_.responder_count(), rx_.in_progress(), ppk_};
    }

protected:
    explicit initial_core(const initial_config& cfg) noexcept : cfg_(cfg) {}

    template <policy::Rng R>
    static status random(R& rng, mut_bytes out) noexcept { return rng.fill(out); }

    template <policy::Rng R>
    static result<std::uint64_t> random_spi(R& rng) noexcept {
        std::array<std::byte, 8> b{};
        for (int i = 0; i < 8; ++i) {
            if (status s = rng.fill(b); !s) return s.error();
            if (load_be64(b.data()) != 0) return load_be64(b.data());
        }
        return error{errc::rng_failure, "spi", 0};
    }


    bytes_view id_body(mut_bytes buf) const noexcept {
        writer w{buf};
        wire::id_view{cfg_.id.type, {0, 0, 0}, cfg_.id.data, {}}.encode(w);
        return w.ok() ? w.written() : bytes_view{};
    }

    // IntAuth chunks of a message protected with the current stage, folded in for `who`.
    status fold_int_auth(keys::int_auth_sender who, const wire::protected_message& m) noexcept {
        std::array<std::byte, 64> a{};
        auto ap = wire::int_auth_a_p(m, a);
        if (!ap) return ap.error();
        int_auth_.add(who, *sa_.keys, ap->a, ap->p);
        return {};
    }

    // Adds N(USE_PPK) / N(USE_PPK_INT) to an IKE_SA_INIT message (RFC 8784 §3, RFC 9867): the
    // request announces what the config allows, the response the one mechanism negotiated.
    void announce_ppk(wire::message_builder& b, writer& w, bool use_ppk, bool use_ppk_int) const noexcept {
        if (use_ppk) {
            b.begin(wire::payload_type::notify);
            wire::make_notify(wire::notify_type::use_ppk).encode(w);
        }
        if (use_ppk_int) {
            b.begin(wire::payload_type::notify);
            wire::make_notify(wire::notify_type::use_ppk_int).encode(w);
        }
    }
    // The stack's payloads for an unprotected message (IKE_SA_INIT), checked by extra.check().
    static void add_extra(wire::message_builder& b, std::span<const payload_item> items) noexcept {
        for (const auto& it : items) b.add(it.type, it.body);
    }
    // RFC 9867 needs IKE_INTERMEDIATE (`peer_int`: the peer announced it).
    ppk_mechanism peer_ppk(const payload_list& pl, bool peer_int) const noexcept {
        return negotiate_ppk(cfg_.ppk, pl.notify(wire::notify_type::use_ppk).has_value(),
                             peer_int && pl.notify(wire::notify_type::use_ppk_int).has_value());
    }
    // The current IKE_INTERMEDIATE (step_) carries a key exchange / the RFC 9867 PPK notifies.
    bool step_has_ke() const noexcept { return step_ < plan_.size(); }
    bool step_has_ppk() const noexcept { return ppk_ == ppk_mechanism::rfc9867 && step_ == intermediates_planned(); }

    // The Child SA of IKE_AUTH, from the SA's final keys `ike` (SK_d' after RFC 8784 mixing).
    result<child_sa> make_child(const keys::ike_sa_keys<prf>& ike, const kex::negotiated_sa& neg, bytes_view spi_i,
                                bytes_view spi_r) const noexcept {
        child_sa c;
        auto len = child_lengths(neg);
        if (!len) return len.error();
        auto k = keys::derive_child_sa_keys(ike, nonce_i(), nonce_r(), {}, *len);
        if (!k) return k.error();
        c.keys.emplace(*k);
        c.negotiated = neg;
        if (spi_i.size() != 4 || spi_r.size() != 4) return error{errc::invalid_syntax, "proposal.spi_size", 0};
        for (std::size_t i = 0; i < 4; ++i) {
            c.spi_i[i] = spi_i[i];
            c.spi_r[i] = spi_r[i];
        }
        return c;
    }

    const initial_config& cfg_;
    initial_state state_ = initial_state::idle;
    ike_sa<Suite> sa_{};
    child_sa child_{};
    kex::ke_plan plan_{};
    std::size_t step_ = 0;       // next plan step (1 = ADDKE exchange 1)
    std::uint32_t mid_ = 0;      // Message ID of the current exchange
    keys::int_auth<prf> int_auth_{};
    bounded_bytes<keys::max_nonce_size> ni_;
    bounded_bytes<keys::max_nonce_size> nr_;
    // AUTH (RFC 7296 §2.15) computed as its octets arrive: ours over RealMessage(ours) | peer's
    // nonce, the peer's over RealMessage(peer's) | our nonce; IDs and IntAuth at IKE_AUTH.
    std::optional<keys::psk_auth_stream<prf>> sign_{};
    std::optional<keys::psk_auth_stream<prf>> verify_{};
    bounded_bytes<max_peer_id> peer_id_;
    protected_receiver<cipher> rx_{};
    ppk_mechanism ppk_ = ppk_mechanism::none;  // negotiated in IKE_SA_INIT
    std::size_t ppk_index_ = 0;                // cfg_.ppk.keys index of the PPK mixed in
    udp_path path_{};                          // the IKE_SA_INIT path, for NAT detection
    std::array<std::byte, nat_detection_size> fake_nat_{};  // force_encapsulation's source hash
};

}  // namespace detail

// ---- initiator -----------------------------------------------------------------------------------
//   initial_initiator<S> ini{cfg};
//   auto out = ini.start(rng, buf);                  // IKE_SA_INIT request
//   ... for each datagram received: out = ini.on_message(d, rng, buf);   // next request(s)
//   until ini.established() (or an error / ini.failed()).
template <policy::Suite Suite>
class initial_initiator : public detail::initial_core<Suite> {
    using base = detail::initial_core<Suite>;
    using typename base::registry;
    using typename base::prf;
    using typename base::cipher;
    using base::cfg_;
    using base::state_;
    using base::sa_;
    using base::child_;
    using base::plan_;
    using base::step_;
    using base::mid_;
    using base::int_auth_;
    using base::ni_;
    using base::nr_;
    using base::rx_;
    using base::ppk_;
    using base::ppk_index_;
    using base::sign_;
    using base::verify_;

public:
    // The configuration is kept by reference: a temporary would dangle, so it is refused.
    explicit initial_initiator(const initial_config&&) = delete;
    explicit initial_initiator(const initial_config& cfg) noexcept
        : base(cfg), retry_(kex::ke_retry::first_guess(cfg.ike)) {}

    // The IKE_SA_INIT request (fresh SPIi and Ni).
    // `ctx`: the addresses and ports of the path (NAT detection when both addresses are given;
    // a peer port of 4500 starts there, with the non-ESP marker).
    template <policy::Rng R>
    result<outgoing> start(R& rng, out_buffer out, const datagram_context& ctx = {}) noexcept {
        if (state_ != initial_state::idle) return error{errc::unexpected_message, "start", 0};
        if (retry_.current() == 0) return error{errc::no_proposal_chosen, "ke", 0};
        if (cfg_.nonce_size < wire::nonce_min_size || cfg_.nonce_size > wire::nonce_max_size)
            return error{errc::invalid_nonce_length, "nonce.ni", error_value{cfg_.nonce_size}};
        if (cfg_.ppk.required && !cfg_.ppk.enabled()) return error{errc::ppk_required, "ppk.keys", 0};
        if (status s = cfg_.extra.check(); !s) return s.error();
        auto spi = base::random_spi(rng);
        if (!spi) return spi.error();
        if (status s = rng.fill(ni_.resize_for_overwrite(cfg_.nonce_size)); !s) return s.error();
        base::path_ = udp_path::of(ctx);
        if (cfg_.nat.force_encapsulation)
            if (status s = rng.fill(base::fake_nat_); !s) return s.error();
        sa_.frag.options.non_esp_marker = ctx.peer_port == nat_t_port;
        auto o = sa_init_request(retry_.current(), *spi, rng, out);
        if (!o) return o.error();
        sa_.spi_i = *spi;
        sa_.original_initiator = true;
        state_ = initial_state::sa_init;
        return o;
    }

    // Handle a response; returns the next request (empty when established).
    template <policy::Rng R>
    result<outgoing> on_message(bytes_view udp, R& rng, out_buffer out) noexcept {
        auto datagram = ike_message_of(udp, sa_.frag.options.non_esp_marker);  // port 4500: marker
        if (!datagram) return datagram.error();
        switch (state_) {
            case initial_state::sa_init: return on_sa_init(*datagram, rng, out);
            case initial_state::intermediate: return on_intermediate(*datagram, rng, out);
            case initial_state::auth: return on_auth(*datagram);
            default: return error{errc::unexpected_message, "state", 0};
        }
    }

private:
    // The IKE_SA_INIT request with `method`'s KE: a fresh key share, or (`new_ke` false: the
    // COOKIE retry, RFC 7296 §2.6 "all other payloads unchanged") the one sent before. A cookie
    // we hold goes first.
    template <policy::Rng R>
    result<outgoing> sa_init_request(std::uint16_t method, std::uint64_t spi_i, R& rng, out_buffer out,
                                     bool new_ke = true) noexcept {
        if (out.slots.empty()) return error{errc::buffer_too_small, "slots", error_value{1}};
        std::array<std::byte, registry::max_initiator_data_size> ke_buf{};
        if (new_ke) ke_.reset();
        auto ke_data = new_ke ? ke_.start(method, rng, ke_buf) : ke_.data(ke_buf);
        if (!ke_data) return ke_data.error();
        wire::ike_header h;
        h.spi_i = spi_i;
        h.exchange = wire::exchange_type::ike_sa_init;
        h.flags = header_flags(true, false);
        const bool marker = sa_.frag.options.non_esp_marker;
        writer w{message_area(out, marker)};
        wire::message_builder b{w, h};
        if (!cookie_.empty()) {
            b.begin(wire::payload_type::notify);
            wire::make_notify(wire::notify_type::cookie, cookie_.view()).encode(w);
        }
        b.begin(wire::payload_type::sa);
        if (status s = kex::encode_sa(w, cfg_.ike); !s) return s.error();
        b.begin(wire::payload_type::ke);
        wire::encode_ke(w, static_cast<wire::ke_method>(method), *ke_data);
        b.add(wire::payload_type::nonce, ni_.view());
        if (cfg_.announce_fragmentation) {
            b.begin(wire::payload_type::notify);
            wire::make_notify(wire::notify_type::ikev2_fragmentation_supported).encode(w);
        }
        b.begin(wire::payload_type::notify);
        wire::make_notify(wire::notify_type::intermediate_exchange_supported).encode(w);
        if (cfg_.ppk.enabled()) base::announce_ppk(b, w, cfg_.ppk.rfc8784, cfg_.ppk.rfc9867);
        if (base::path_.known())
            add_nat_detection<typename base::nat_hash>(b, w, spi_i, 0, base::path_,
                                                       cfg_.nat.force_encapsulation ? &this->fake_nat_ : nullptr);
        base::add_extra(b, cfg_.extra.ike_sa_init);
        auto n = b.finish();
        if (!n) return n.error();
        if (status s = w.finish(); !s) return s.error();
        // RealMessage1 goes into our AUTH now (and into NO_PPK_AUTH's, RFC 8784 §3, when a
        // PPK may be offered without being required); the nonce follows with the response.
        sign_.emplace(cfg_.psk);
        sign_->update(w.written());
        if (cfg_.ppk.enabled() && cfg_.ppk.rfc8784 && !cfg_.ppk.required) {
            no_ppk_sign_.emplace(cfg_.psk);
            no_ppk_sign_->update(w.written());
        }
        out.slots[0] = datagram_of(out, w.written(), marker);
        outgoing o;
        o.datagrams = std::span<const bytes_view>(out.slots.data(), 1);
        return o;
    }

    error fail(error e) noexcept {
        state_ = initial_state::failed;
        ke_.reset();
        return e;
    }

    template <policy::Rng R>
    result<outgoing> on_sa_init(bytes_view datagram, R& rng, out_buffer out) noexcept {
        auto h = wire::decode_header(datagram);
        if (!h) return h.error();
        if (status s = check_header(*h, {wire::exchange_type::ike_sa_init, 0, true, false, sa_.spi_i, {}}); !s)
            return s.error();
        payload_list pl;
        if (status s = decode_payloads(h->next, datagram.subspan(wire::ike_header_size), wire::ike_header_size, pl); !s)
            return s.error();
        if (auto n = pl.notify(wire::notify_type::cookie)) {
            // RFC 7296 §2.6: repeat the request with the cookie first. Unauthenticated, so bounded.
            if (n->data.empty() || n->data.size() > cookie_max_size)
                return error{errc::invalid_length, "notify.cookie", error_value{n->data.size()}};
            if (cookie_retries_ == max_cookie_retries) return error{errc::unexpected_message, "notify.cookie", 0};
            const bounded_bytes<cookie_max_size> previous = cookie_;
            (void)cookie_.assign(n->data);
            auto o = sa_init_request(retry_.current(), sa_.spi_i, rng, out, false);
            if (!o) {
                cookie_ = previous;
                return o.error();
            }
            ++cookie_retries_;
            return o;
        }
        if (auto n = pl.notify(wire::notify_type::invalid_ke_payload)) {
            auto ik = wire::invalid_ke_notify::decode(*n);
            if (!ik) return ik.error();
            kex::ke_retry next = retry_;
            auto m = next.on_invalid_ke(cfg_.ike, ik->accepted);
            if (!m) return m.error();
            auto o = sa_init_request(*m, sa_.spi_i, rng, out);
            if (!o) return o.error();
            retry_ = next;
            return o;
        }
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
        auto neg = kex::accept_reply(cfg_.ike, *sv);
        if (!neg) return neg.error();
        if (status s = check_suite<Suite>(*neg); !s) return s.error();
        auto kv = wire::ke_view::decode(*ke_p);
        if (!kv) return kv.error();
        if (wire::to_number(kv->method) != neg->ke() || neg->ke() != ke_.method())
            return error{errc::invalid_ke_method, "ke.method", ke_p->body_offset()};
        const kex::ke_plan plan = neg->plan();
        const bool peer_int = pl.notify(wire::notify_type::intermediate_exchange_supported).has_value();
        if (plan.additional() > 0 && !peer_int)
            return fail({errc::invalid_syntax, "notify.intermediate_exchange_supported", 0});
        if (kv->data.size() != registry::responder_data_size(neg->ke()))  // ML-KEM draft §2: abort, no notify
            return fail({errc::invalid_ke_length, "ke.data", ke_p->body_offset() + wire::ke_header_size});
        // RFC 8784 §3 / RFC 9867 §3: a responder without PPK support while ours is required. The
        // response is unauthenticated, so the helper keeps waiting; the stack gives up on timeout.
        const ppk_mechanism ppk = base::peer_ppk(pl, peer_int);
        if (cfg_.ppk.required && ppk == ppk_mechanism::none) return error{errc::ppk_required, "notify.use_ppk", 0};
        nat_status nat = check_nat_detection<typename base::nat_hash>(pl, sa_.spi_i, h->spi_r, base::path_);
        if (nat.checked && cfg_.nat.force_encapsulation) nat.local_behind_nat = true;
        auto nv = wire::nonce_view::decode(*nonce_p);
        if (!nv) return nv.error();
        auto ss = ke_.finish(kv->data);
        if (!ss) return fail(ss.error());
        const auto spi_i = spi_bytes(sa_.spi_i);
        const auto spi_r = spi_bytes(h->spi_r);
        auto k = keys::ike_sa_keys<prf>::after_ike_sa_init(base::nonce_i(), nv->data, spi_i, spi_r, ss->view(),
                                                           Suite::ike_lengths);
        if (!k) return fail(k.error());
        // Accepted: commit.
        (void)nr_.assign(nv->data);
        sign_->update(nv->data);
        if (ppk == ppk_mechanism::rfc8784 && no_ppk_sign_)
            no_ppk_sign_->update(nv->data);
        else
            no_ppk_sign_.reset();
        verify_.emplace(cfg_.psk);
        verify_->update(datagram);
        verify_->update(base::nonce_i());
        sa_.keys.emplace(*k);
        sa_.spi_r = h->spi_r;
        sa_.negotiated = *neg;
        base::ppk_ = ppk;
        sa_.frag.enabled = cfg_.announce_fragmentation &&
                           pl.notify(wire::notify_type::ikev2_fragmentation_supported).has_value();
        const bool marker = sa_.frag.options.non_esp_marker || nat.encapsulate();  // float to 4500
        sa_.frag.options = cfg_.fragments;
        sa_.frag.options.non_esp_marker = marker;
        sa_.frag.pool = cfg_.fragments_pool;
        sa_.nat = nat;
        plan_ = plan;
        step_ = 1;
        mid_ = 1;
        auto o = next_request(rng, out);
        if (!o) return o.error();
        return with_unconsumed(*o, pl);
    }

    template <policy::Rng R>
    result<outgoing> next_request(R& rng, out_buffer out) noexcept {
        auto o = step_ <= base::intermediates_planned() ? intermediate_request(rng, out) : auth_request(rng, out);
        if (!o) return fail(o.error());
        return o;
    }

    template <policy::Rng R>
    result<outgoing> intermediate_request(R& rng, out_buffer out) noexcept {
        inner_builder ib{inner_area()};
        if (base::step_has_ke()) {
            const std::uint16_t method = plan_[step_].method;
            std::array<std::byte, registry::max_initiator_data_size> ke_buf{};
            ke_.reset();
            auto data = ke_.start(method, rng, ke_buf);
            if (!data) return data.error();
            ib.begin(wire::payload_type::ke);
            wire::encode_ke(ib.out(), static_cast<wire::ke_method>(method), *data);
        }
        if (base::step_has_ppk()) offer_ppks(ib, cfg_.ppk, *sa_.keys);  // RFC 9867: in the last one
        ib.add(cfg_.extra.ike_intermediate);
        auto chain = ib.finish();
        if (!chain) return chain.error();
        wire::protected_message m;
        m.header = sa_.header(wire::exchange_type::ike_intermediate, mid_, false);
        m.first_inner = ib.first();
        m.inner = *chain;
        auto o = send_protected<cipher>(sa_.send_keys(), m, sa_.frag, rng, out);
        if (!o) return o.error();
        if (status s = base::fold_int_auth(keys::int_auth_sender::initiator, m); !s) return s.error();
        state_ = initial_state::intermediate;
        return o;
    }

    template <policy::Rng R>
    result<outgoing> on_intermediate(bytes_view datagram, R& rng, out_buffer out) noexcept {
        auto h = wire::decode_header(datagram);
        if (!h) return h.error();
        if (status s = check_header(*h, sa_.expect(wire::exchange_type::ike_intermediate, mid_, true)); !s)
            return s.error();
        auto r = rx_.receive(sa_.receive_keys(), datagram, sa_.frag);
        if (!r) return r.error();
        if (!*r) return outgoing{};  // fragment stored
        const wire::protected_message m = **r;
        // Authenticated from here on: a protocol error ends the attempt.
        payload_list pl;
        if (status s = decode_payloads(m.first_inner, m.inner, inner_base(m), pl); !s) return fail(s.error());
        if (auto n = pl.error_notify()) return fail(notify_error_of(*n));
        std::optional<keys::ike_sa_keys<prf>> next{*sa_.keys};
        if (base::step_has_ke()) {
            const auto* ke_p = pl.find(wire::payload_type::ke);
            if (ke_p == nullptr) return fail({errc::missing_payload, "ke", 0});
            auto kv = wire::ke_view::decode(*ke_p);
            if (!kv) return fail(kv.error());
            const std::uint16_t method = plan_[step_].method;
            if (wire::to_number(kv->method) != method)
                return fail({errc::invalid_ke_method, "ke.method", ke_p->body_offset()});
            if (kv->data.size() != registry::responder_data_size(method))
                return fail({errc::invalid_ke_length, "ke.data", ke_p->body_offset() + wire::ke_header_size});
            auto ss = ke_.finish(kv->data);
            if (!ss) return fail(ss.error());
            auto k = sa_.keys->after_additional_ke(ss->view());
            if (!k) return fail(k.error());
            next.emplace(*k);
        } else if (pl.find(wire::payload_type::ke) != nullptr) {
            return fail({errc::ppk_not_last, "ke", 0});  // a key exchange in the PPK-only exchange
        }
        std::size_t chosen = ppk_index_;
        if (base::step_has_ppk()) {
            // RFC 9867 §3.1: N(PPK_IDENTITY) names the PPK the responder chose among ours; mixing it
            // is the last key update (after this exchange's ADDKE, §3.2).
            auto named = named_ppk(cfg_.ppk, pl);
            if (!named) return fail(named.error());
            if (*named < cfg_.ppk.keys.size()) {
                chosen = *named;
                auto k = keys::mix_ppk_intermediate(*next, cfg_.ppk.keys[chosen].key);
                if (!k) return fail(k.error());
                next.emplace(*k);
            }
        }
        if (status s = base::fold_int_auth(keys::int_auth_sender::responder, m); !s) return fail(s.error());
        sa_.keys.emplace(*next);
        ppk_index_ = chosen;
        ++step_;
        ++mid_;
        auto o = next_request(rng, out);
        if (!o) return o.error();
        return with_unconsumed(*o, pl);
    }

    template <policy::Rng R>
    result<outgoing> auth_request(R& rng, out_buffer out) noexcept {
        auto ia = int_auth_.finish(mid_);
        if (!ia) return ia.error();
        std::array<std::byte, 260> idb{};
        const bytes_view idi = base::id_body(idb);
        if (idi.empty()) return error{errc::buffer_too_small, "id.initiator", 0};
        // RFC 8784 §3: AUTH with SK_pi', the PPK's identity, and (unless the PPK is required)
        // NO_PPK_AUTH, the AUTH data with the plain SK_pi for a responder without the PPK.
        std::optional<keys::ppk_candidates<prf>> mixed;
        if (ppk_ == ppk_mechanism::rfc8784) {
            auto m = keys::mix_ppk_rfc8784(*sa_.keys, cfg_.ppk.keys[0].key);
            if (!m) return m.error();
            mixed.emplace(*m);
        }
        if (!sign_ || (mixed && !cfg_.ppk.required && !no_ppk_sign_)) return error{errc::unexpected_message, "auth", 0};
        std::array<std::byte, prf::output_size> auth{}, no_ppk_auth{};
        const auto sign = [&](std::optional<keys::psk_auth_stream<prf>>& st, const keys::ike_sa_keys<prf>& k,
                              std::span<std::byte, prf::output_size> dst) {
            st->finish(k.sk_pi(), idi, ia->view(), dst);
            st.reset();
        };
        sign(sign_, mixed ? mixed->mixed : *sa_.keys, auth);
        inner_builder ib{inner_area()};
        ib.add(wire::payload_type::idi, idi);
        ib.begin(wire::payload_type::auth);
        wire::auth_view{wire::auth_method::shared_key_mic, {0, 0, 0}, bytes_view{auth}}.encode(ib.out());
        if (mixed) {
            ib.begin(wire::payload_type::notify);
            wire::ppk_identity_notify{true, cfg_.ppk.keys[0].id}.encode(ib.out());
            if (!cfg_.ppk.required) {
                sign(no_ppk_sign_, mixed->unmixed, no_ppk_auth);
                ib.begin(wire::payload_type::notify);
                wire::no_ppk_auth_notify{bytes_view{no_ppk_auth}}.encode(ib.out());
            }
            ppk_index_ = 0;
        }
        if (!cfg_.child.empty()) {
            ib.begin(wire::payload_type::sa);
            if (status s = kex::encode_sa(ib.out(), cfg_.child, cfg_.child_ke_in_auth); !s) return s.error();
            ib.add(wire::payload_type::tsi, cfg_.ts_i);
            ib.add(wire::payload_type::tsr, cfg_.ts_r);
        }
        ib.add(cfg_.extra.ike_auth);
        auto chain = ib.finish();
        if (!chain) return chain.error();
        wire::protected_message m;
        m.header = sa_.header(wire::exchange_type::ike_auth, mid_, false);
        m.first_inner = ib.first();
        m.inner = *chain;
        auto o = send_protected<cipher>(sa_.send_keys(), m, sa_.frag, rng, out);
        if (!o) return o.error();
        state_ = initial_state::auth;
        return o;
    }

    result<outgoing> on_auth(bytes_view datagram) noexcept {
        auto h = wire::decode_header(datagram);
        if (!h) return h.error();
        if (status s = check_header(*h, sa_.expect(wire::exchange_type::ike_auth, mid_, true)); !s) return s.error();
        auto r = rx_.receive(sa_.receive_keys(), datagram, sa_.frag);
        if (!r) return r.error();
        if (!*r) return outgoing{};
        const wire::protected_message m = **r;
        payload_list pl;
        if (status s = decode_payloads(m.first_inner, m.inner, inner_base(m), pl); !s) return fail(s.error());
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
        auto ia = int_auth_.finish(mid_);
        if (!ia) return fail(ia.error());
        // RFC 8784 §3: an N(PPK_IDENTITY) in the response says the responder used our PPK: the SA
        // continues with SK_d', SK_pi', SK_pr'. Without it we fall back, unless the PPK is required.
        std::optional<keys::ike_sa_keys<prf>> final_keys{*sa_.keys};
        if (ppk_ == ppk_mechanism::rfc8784 && pl.notify(wire::notify_type::ppk_identity)) {
            auto mixed = keys::mix_ppk_rfc8784(*sa_.keys, cfg_.ppk.keys[0].key);
            if (!mixed) return fail(mixed.error());
            final_keys.emplace(mixed->mixed);
        }
        if (cfg_.ppk.required && !final_keys->ppk_mixed()) return fail({errc::ppk_required, "notify.ppk_identity", 0});
        if (!verify_) return fail({errc::unexpected_message, "auth", 0});
        const status verified = verify_->verify(final_keys->sk_pr(), id_p->body, ia->view(), av->data);
        verify_.reset();
        if (!verified) return fail(verified.error());
        if (!base::peer_id_.assign(id_p->body)) return fail({errc::buffer_too_small, "id.responder", error_value{id_p->body.size()}});
        if (!cfg_.child.empty()) {
            if (const auto* sa_p = pl.find(wire::payload_type::sa)) {
                auto sv = wire::sa_view::decode(*sa_p);
                if (!sv) return fail(sv.error());
                auto neg = kex::accept_reply(cfg_.child, *sv, true);  // no KE in IKE_AUTH (§1.2)
                if (!neg) return fail(neg.error());
                auto c = base::make_child(*final_keys, *neg, cfg_.child[neg->local_index].spi_view(),
                                          neg->peer_spi_view());
                if (!c) return fail(c.error());
                child_ = *c;
            }
            // No SA: the IKE SA stands without a Child SA (RFC 7296 §1.2: e.g. NO_PROPOSAL_CHOSEN).
        }
        sa_.keys.emplace(*final_keys);
        sa_.ppk_int = ppk_ == ppk_mechanism::rfc9867;
        sa_.next_request_id = mid_ + 1;
        sa_.next_peer_id = 0;
        state_ = initial_state::established;
        ke_.reset();
        return with_unconsumed(outgoing{}, pl);
    }

    static constexpr unsigned max_cookie_retries = 3;

    kex::ke_retry retry_;
    kex::any_seeded_initiator_ke<registry> ke_{};  // our key share (ML-KEM: its seed)
    bounded_bytes<cookie_max_size> cookie_;  // the responder's cookie, repeated in every request
    unsigned cookie_retries_ = 0;
    std::optional<keys::psk_auth_stream<prf>> no_ppk_sign_{};  // RFC 8784 NO_PPK_AUTH, with SK_pi
};

// ---- responder -----------------------------------------------------------------------------------
//   initial_responder<S> rsp{cfg};
//   for each datagram received: auto out = rsp.on_message(d, rng, buf);   // response(s) to send
//   until rsp.established().
template <policy::Suite Suite>
class initial_responder : public detail::initial_core<Suite> {
    using base = detail::initial_core<Suite>;
    using typename base::registry;
    using typename base::prf;
    using typename base::cipher;
    using base::cfg_;
    using base::state_;
    using base::sa_;
    using base::child_;
    using base::plan_;
    using base::step_;
    using base::mid_;
    using base::int_auth_;
    using base::ni_;
    using base::nr_;
    using base::rx_;
    using base::ppk_;
    using base::ppk_index_;
    using base::sign_;
    using base::verify_;

public:
    explicit initial_responder(const initial_config&&) = delete;  // kept by reference
    explicit initial_responder(const initial_config& cfg) noexcept : base(cfg) {}

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
        if (state_ == initial_state::idle) {
            auto o = on_sa_init(*datagram, rng, out_buffer{message_area(out, on_4500), out.slots}, ctx);
            if (o && on_4500 && !o->empty()) out.slots[0] = datagram_of(out, out.slots[0], true);
            if (o && state_ != initial_state::idle) answered_ = answered_request::of(*h, *datagram);
            return o;
        }
        switch (repeat_of(answered_, *h, *datagram)) {
            case repeat::resend: return resend_last();
            case repeat::ignore: return outgoing{};
            case repeat::no: break;
        }
        if (state_ != initial_state::sa_init) return error{errc::unexpected_message, "state", 0};
        // Answer on the port the request came to (the initiator floats to 4500 behind a NAT).
        const bool was = sa_.frag.options.non_esp_marker;
        sa_.frag.options.non_esp_marker = on_4500;
        auto o = h->exchange == wire::exchange_type::ike_auth ? on_auth(*h, *datagram, rng, out)
                                                              : on_intermediate(*h, *datagram, rng, out);
        if (!o) {
            sa_.frag.options.non_esp_marker = was;
            return o;
        }
        if (!o->empty()) answered_ = answered_request::of(*h, *datagram);
        return o;
    }

private:
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
        state_ = initial_state::failed;
        return e;
    }

    // Protected error response in the current exchange; the attempt ends.
    template <policy::Rng R>
    result<outgoing> refuse_protected(wire::exchange_type ex, std::uint16_t type, error why, R& rng,
                                      out_buffer out) noexcept {
        inner_builder ib{inner_area()};
        ib.notify(static_cast<wire::notify_type>(type));
        auto chain = ib.finish();
        if (!chain) return chain.error();
        wire::protected_message m;
        m.header = sa_.header(ex, mid_, true);
        m.first_inner = ib.first();
        m.inner = *chain;
        auto o = send_protected<cipher>(sa_.send_keys(), m, sa_.frag, rng, out);
        if (!o) return o.error();
        o->refused = why;
        state_ = initial_state::failed;
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
        const keys::ike_sa_keys<prf>& now = *sa_.keys;
        if (ppk_ == ppk_mechanism::rfc8784) {
            if (auto n = pl.notify(wire::notify_type::ppk_identity)) {
                auto id = wire::ppk_identity_notify::decode(*n);
                if (!id || !id->has_id) return error{errc::invalid_syntax, "notify.ppk_identity", 0};
                if (const std::size_t i = find_ppk(cfg_.ppk, id->id); i < cfg_.ppk.keys.size()) {
                    auto m = keys::mix_ppk_rfc8784(now, cfg_.ppk.keys[i].key);
                    if (!m) return m.error();
                    return auth_keys{m->mixed, auth_data, i};
                }
                if (cfg_.ppk.required) return error{errc::ppk_required, "notify.ppk_identity", 0};
                // Unknown PPK: the AUTH payload used SK_pi'; only NO_PPK_AUTH can be checked.
                auto np = pl.notify(wire::notify_type::no_ppk_auth);
                if (!np) return error{errc::authentication_failed, "notify.no_ppk_auth", 0};
                auto na = wire::no_ppk_auth_notify::decode(*np);
                if (!na) return na.error();
                return auth_keys{now, na->auth_data, ppk_index_};
            }
        }
        if (cfg_.ppk.required && !now.ppk_mixed()) return error{errc::ppk_required, "ppk", 0};
        return auth_keys{now, auth_data, ppk_index_};
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
        if (status s = cfg_.extra.check(); !s) return s.error();
        if (sa_p == nullptr || nonce_p == nullptr || pl.count(wire::payload_type::ke) > 1)
            return refuse_clear(*h, notify_error::invalid_syntax, {}, {errc::missing_payload, sa_p ? "nonce.ni" : "sa", 0}, out);
        if (ctx.half_open >= cfg_.cookies.threshold) {
            // RFC 7296 §2.6: no valid cookie, no work (and no state): answer with one.
            const auto spi_i = spi_bytes(h->spi_i);
            const auto c = pl.notify(wire::notify_type::cookie);
            if (!c || !cookie_valid<prf>(cfg_.cookies, c->data, nonce_p->body, ctx.peer_address, spi_i)) {
                std::array<std::byte, cookie_size> fresh{};
                if (status s = make_cookie<prf>(cfg_.cookies.current, nonce_p->body, ctx.peer_address, spi_i, fresh);
                    !s)
                    return s.error();
                auto o = refuse_clear(*h, wire::to_number(wire::notify_type::cookie), fresh, {}, out);
                if (o) o->cookie_challenge = true;
                return o;
            }
        }
        auto offer = detail::read_offer(pl);
        if (!offer) return offer.error();
        const std::optional<wire::ke_view>& kv = offer->ke;
        auto neg = detail::select_ike(*offer, cfg_);
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
        if (!resp) return refuse_clear(*h, kex::notify_for(resp.error(), cfg_.ke_errors), {}, resp.error(), out);
        auto nv = wire::nonce_view::decode(*nonce_p);
        if (!nv) return nv.error();
        if (cfg_.nonce_size < wire::nonce_min_size || cfg_.nonce_size > wire::nonce_max_size)
            return error{errc::invalid_nonce_length, "nonce.nr", error_value{cfg_.nonce_size}};
        auto spi = base::random_spi(rng);
        if (!spi) return spi.error();
        std::array<std::byte, keys::max_nonce_size> nr{};
        if (status s = rng.fill(mut_bytes{nr.data(), cfg_.nonce_size}); !s) return s.error();
        const bytes_view nr_v{nr.data(), cfg_.nonce_size};
        const auto spi_i = spi_bytes(h->spi_i);
        const auto spi_r = spi_bytes(*spi);
        auto k = keys::ike_sa_keys<prf>::after_ike_sa_init(nv->data, nr_v, spi_i, spi_r, resp->shared.view(),
                                                           Suite::ike_lengths);
        if (!k) return k.error();
        const bool frag = cfg_.announce_fragmentation &&
                          pl.notify(wire::notify_type::ikev2_fragmentation_supported).has_value();
        // The response.
        if (out.slots.empty()) return error{errc::buffer_too_small, "slots", error_value{1}};
        wire::ike_header rh;
        rh.spi_i = h->spi_i;
        rh.spi_r = *spi;
        rh.exchange = wire::exchange_type::ike_sa_init;
        rh.flags = header_flags(false, true);
        writer w{out.storage};
        wire::message_builder b{w, rh};
        b.begin(wire::payload_type::sa);
        if (status s = kex::encode_reply(w, *neg); !s) return s.error();
        b.begin(wire::payload_type::ke);
        wire::encode_ke(w, static_cast<wire::ke_method>(neg->ke()), resp->data());
        b.add(wire::payload_type::nonce, nr_v);
        if (frag) {
            b.begin(wire::payload_type::notify);
            wire::make_notify(wire::notify_type::ikev2_fragmentation_supported).encode(w);
        }
        if (peer_int) {
            b.begin(wire::payload_type::notify);
            wire::make_notify(wire::notify_type::intermediate_exchange_supported).encode(w);
        }
        const ppk_mechanism ppk = base::peer_ppk(pl, peer_int);
        base::announce_ppk(b, w, ppk == ppk_mechanism::rfc8784, ppk == ppk_mechanism::rfc9867);
        const udp_path path = udp_path::of(ctx);
        nat_status nat = check_nat_detection<typename base::nat_hash>(pl, h->spi_i, 0, path);
        std::array<std::byte, nat_detection_size> fake{};
        if (nat.checked) {  // RFC 7296 §2.23: answered only to a request that carried them
            if (cfg_.nat.force_encapsulation) {
                if (status s = rng.fill(fake); !s) return s.error();
                nat.local_behind_nat = true;
            }
            add_nat_detection<typename base::nat_hash>(b, w, h->spi_i, *spi, path,
                                                       cfg_.nat.force_encapsulation ? &fake : nullptr);
        }
        base::add_extra(b, cfg_.extra.ike_sa_init);
        auto n = b.finish();
        if (!n) return n.error();
        if (status s = w.finish(); !s) return s.error();
        // Accepted: commit.
        verify_.emplace(cfg_.psk);  // RealMessage1 | Nr: the initiator's AUTH
        verify_->update(datagram);
        verify_->update(nr_v);
        sign_.emplace(cfg_.psk);    // RealMessage2 | Ni: ours
        sign_->update(w.written());
        sign_->update(nv->data);
        (void)ni_.assign(nv->data);
        (void)nr_.assign(nr_v);
        secure_zeroize(mut_bytes{nr});
        sa_.keys.emplace(*k);
        sa_.spi_i = h->spi_i;
        sa_.spi_r = *spi;
        sa_.original_initiator = false;
        sa_.negotiated = *neg;
        sa_.frag.enabled = frag;
        sa_.frag.options = cfg_.fragments;
        sa_.frag.options.non_esp_marker = ctx.local_port == nat_t_port;
        sa_.frag.pool = cfg_.fragments_pool;
        sa_.nat = nat;
        base::path_ = path;
        plan_ = plan;
        step_ = 1;
        mid_ = 1;
        ppk_ = ppk;
        state_ = initial_state::sa_init;
        out.slots[0] = w.written();
        outgoing o;
        o.datagrams = std::span<const bytes_view>(out.slots.data(), 1);
        return with_unconsumed(o, pl);
    }

    template <policy::Rng R>
    result<outgoing> on_intermediate(const wire::ike_header& h, bytes_view datagram, R& rng, out_buffer out) noexcept {
        if (status s = check_header(h, sa_.expect(wire::exchange_type::ike_intermediate, mid_, false)); !s)
            return s.error();
        // More IKE_INTERMEDIATE exchanges than negotiated ADDKEs.
        if (step_ > base::intermediates_planned())
            return error{sa_.keys->ppk_mixed() ? errc::ppk_not_last : errc::unexpected_message, "ike_intermediate.count", 0};
        auto r = rx_.receive(sa_.receive_keys(), datagram, sa_.frag);
        if (!r) return r.error();
        if (!*r) return outgoing{};
        const wire::protected_message m = **r;
        constexpr auto ex = wire::exchange_type::ike_intermediate;
        payload_list pl;
        if (status s = decode_payloads(m.first_inner, m.inner, inner_base(m), pl); !s)
            return refuse_protected(ex, notify_error::invalid_syntax, s.error(), rng, out);
        inner_builder ib{inner_area()};
        std::optional<keys::ike_sa_keys<prf>> next{*sa_.keys};
        if (base::step_has_ke()) {
            const auto* ke_p = pl.find(wire::payload_type::ke);
            if (ke_p == nullptr || pl.count(wire::payload_type::ke) != 1)
                return refuse_protected(ex, notify_error::invalid_syntax, {errc::missing_payload, "ke", 0}, rng, out);
            auto kv = wire::ke_view::decode(*ke_p);
            if (!kv) return refuse_protected(ex, notify_error::invalid_syntax, kv.error(), rng, out);
            const std::uint16_t method = plan_[step_].method;
            if (wire::to_number(kv->method) != method)  // RFC 9370 §2.2.2: the negotiated ADDKE only
                return refuse_protected(ex, notify_error::invalid_syntax,
                                        {errc::invalid_ke_method, "ke.method", ke_p->body_offset()}, rng, out);
            auto resp = kex::respond_any<registry>(method, rng, kv->data);
            if (!resp) return refuse_protected(ex, kex::notify_for(resp.error(), cfg_.ke_errors), resp.error(), rng, out);
            ib.begin(wire::payload_type::ke);
            wire::encode_ke(ib.out(), static_cast<wire::ke_method>(method), resp->data());
            auto k = sa_.keys->after_additional_ke(resp->shared.view());
            if (!k) return k.error();
            next.emplace(*k);
        } else if (pl.find(wire::payload_type::ke) != nullptr) {  // the PPK-only exchange
            return refuse_protected(ex, notify_error::invalid_syntax, {errc::ppk_not_last, "ke", 0}, rng, out);
        }
        std::size_t chosen = ppk_index_;
        if (base::step_has_ppk()) {
            auto pick = pick_offered_ppk(cfg_.ppk, pl, *sa_.keys);
            if (!pick) return refuse_protected(ex, notify_for(pick.error().code), pick.error(), rng, out);
            if (*pick < cfg_.ppk.keys.size()) {
                // RFC 9867 §3.1-3.2: name the PPK chosen; mix it after this exchange's ADDKE.
                chosen = *pick;
                ib.begin(wire::payload_type::notify);
                wire::ppk_identity_notify{true, cfg_.ppk.keys[chosen].id}.encode(ib.out());
                auto k = keys::mix_ppk_intermediate(*next, cfg_.ppk.keys[chosen].key);
                if (!k) return k.error();
                next.emplace(*k);
            }
        }
        ib.add(cfg_.extra.ike_intermediate);
        // The request's IntAuth chunks, before the receive buffer is reused.
        std::array<std::byte, 64> a_req{};
        auto ap = wire::int_auth_a_p(m, a_req);
        if (!ap) return ap.error();
        auto chain = ib.finish();
        if (!chain) return chain.error();
        wire::protected_message rm;
        rm.header = sa_.header(ex, mid_, true);
        rm.first_inner = ib.first();
        rm.inner = *chain;
        auto o = send_protected<cipher>(sa_.send_keys(), rm, sa_.frag, rng, out);
        if (!o) return o.error();
        int_auth_.add(keys::int_auth_sender::initiator, *sa_.keys, ap->a, ap->p);
        if (status s = base::fold_int_auth(keys::int_auth_sender::responder, rm); !s) return s.error();
        sa_.keys.emplace(*next);
        ppk_index_ = chosen;
        ++step_;
        ++mid_;
        return with_unconsumed(*o, pl);
    }

    template <policy::Rng R>
    result<outgoing> on_auth(const wire::ike_header& h, bytes_view datagram, R& rng, out_buffer out) noexcept {
        if (status s = check_header(h, sa_.expect(wire::exchange_type::ike_auth, mid_, false)); !s) return s.error();
        if (step_ <= base::intermediates_planned()) return error{errc::unexpected_message, "ike_auth.early", 0};
        auto r = rx_.receive(sa_.receive_keys(), datagram, sa_.frag);
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
        auto ia = int_auth_.finish(mid_);
        if (!ia) return ia.error();
        if (av->method != wire::auth_method::shared_key_mic)
            return refuse_protected(ex, notify_error::authentication_failed,
                                    {errc::authentication_failed, "auth.method", auth_p->body_offset()}, rng, out);
        auto keys_used = ppk_auth_keys(pl, av->data);
        if (!keys_used) return refuse_protected(ex, notify_error::authentication_failed, keys_used.error(), rng, out);
        if (!verify_ || !sign_) return error{errc::unexpected_message, "auth", 0};
        {
            const status verified = verify_->verify(keys_used->stage.sk_pi(), id_p->body, ia->view(), keys_used->auth_data);
            verify_.reset();  // spent: from here on, any error ends the attempt
            if (!verified) return refuse_protected(ex, notify_error::authentication_failed, verified.error(), rng, out);
        }
        // The IKE SA's keys from here on (RFC 8784 mixing changes SK_d, SK_pi, SK_pr only).
        const keys::ike_sa_keys<prf>& final_keys = keys_used->stage;
        const bool ppk_now = final_keys.ppk_mixed() && !sa_.keys->ppk_mixed();
        // Child SA (optional).
        child_sa child;
        std::optional<kex::negotiated_sa> cneg;
        std::array<std::byte, 4> cspi{};
        std::uint16_t child_refusal = 0;
        const auto* csa = pl.find(wire::payload_type::sa);
        const auto* tsi = pl.find(wire::payload_type::tsi);
        const auto* tsr = pl.find(wire::payload_type::tsr);
        if (csa != nullptr && !cfg_.child.empty()) {
            auto sv = wire::sa_view::decode(*csa);
            if (!sv) return refuse_protected(ex, notify_error::invalid_syntax, sv.error(), rng, out);
            kex::select_options so;
            so.order = cfg_.order;
            so.key_exchange_as_none = true;  // IKE_AUTH: KE/ADDKE transforms mean NONE (RFC 7296 §1.2)
            auto neg = kex::select(*sv, cfg_.child, so);
            if (!neg || tsi == nullptr || tsr == nullptr) {
                child_refusal = !neg ? notify_error::no_proposal_chosen : notify_error::invalid_syntax;
            } else {
                if (status s = rng.fill(cspi); !s) return spent(s.error());
                auto c = base::make_child(final_keys, *neg, neg->peer_spi_view(), bytes_view{cspi});
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
        const bytes_view idr = base::id_body(idb);
        if (idr.empty()) return spent({errc::buffer_too_small, "id.responder", 0});
        std::array<std::byte, prf::output_size> auth{};
        sign_->finish(final_keys.sk_pr(), idr, ia->view(), std::span<std::byte, prf::output_size>{auth});
        sign_.reset();
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
        ib.add(cfg_.extra.ike_auth);
        auto chain = ib.finish();
        if (!chain) return spent(chain.error());
        wire::protected_message rm;
        rm.header = sa_.header(ex, mid_, true);
        rm.first_inner = ib.first();
        rm.inner = *chain;
        auto o = send_protected<cipher>(sa_.send_keys(), rm, sa_.frag, rng, out);
        if (!o) return spent(o.error());
        base::peer_id_ = peer_id;
        child_ = child;
        ppk_index_ = keys_used->ppk_index;
        sa_.keys.emplace(final_keys);
        sa_.ppk_int = ppk_ == ppk_mechanism::rfc9867;
        sa_.next_request_id = 0;
        sa_.next_peer_id = mid_ + 1;
        state_ = initial_state::established;
        return with_unconsumed(*o, pl);
    }

    answered_request answered_{};  // for retransmitted requests
};

}  // namespace pqike::exchange
