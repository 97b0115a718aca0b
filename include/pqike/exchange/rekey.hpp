// SPDX-License-Identifier: MIT
// Rekeying with multiple key exchanges on an established IKE SA, sans-I/O, both roles
// (RFC 7296 §1.3, RFC 9370 §2.2.3-2.2.4):
//
//   CREATE_CHILD_SA  HDR, SK {[N(REKEY_SA)], SA, Ni, KE, [TSi, TSr]}  -->
//                    <--  HDR, SK {SA, Nr, KE, [TSi, TSr], [N(ADDITIONAL_KEY_EXCHANGE)(link)]}
//   IKE_FOLLOWUP_KE  HDR, SK {KE, N(ADDITIONAL_KEY_EXCHANGE)(link)}  -->   one per non-NONE ADDKE
//                    <--  HDR, SK {KE, [N(ADDITIONAL_KEY_EXCHANGE)(link')]}  (the last one: no link)
//
// The link is opaque, chosen by the responder, of any length (rekey_config::link_size); an
// IKE_FOLLOWUP_KE whose link the responder does not hold is answered with N(STATE_NOT_FOUND).
// Result: the Child SA's KEYMAT = prf+(SK_d, SK(0) | Ni | Nr | SK(1) | ... | SK(n)), or the new
// IKE SA's keys from SKEYSEED = prf(SK_d, SK(0) | Ni | Nr | SK(1) | ... | SK(n)) with the new
// SPIs; the side that started the rekey is the new IKE SA's original initiator (RFC 7296 §2.18).
// Which kind runs follows from the proposals' protocol (IKE or ESP/AH).
//
// RFC 9867 PPKs (rekey_config::ppk, on an SA that negotiated USE_PPK_INT): the CREATE_CHILD_SA
// request carries N(PPK_IDENTITY_KEY) per offered PPK, the response N(PPK_IDENTITY) of the one
// chosen, and the exchange derives from SK_d' = prf+(PPK, SK_d) (exchange/ppk.hpp, keys/ppk.hpp).
//
// Rejections follow initial.hpp: messages that are unauthentic or not the expected ones are
// dropped with no state change. The responder answers a refused CREATE_CHILD_SA with an error
// notify (NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD with the method it wants, INVALID_SYNTAX) and
// stays ready for another request; the initiator retries INVALID_KE_PAYLOAD (kex::ke_retry).
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
#include "../keys/child_sa_keys.hpp"
#include "../keys/ppk.hpp"
#include "../keys/rekey.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "../wire/ke.hpp"
#include "../wire/nonce.hpp"
#include "../wire/notify.hpp"
#include "../wire/sa.hpp"
#include "common.hpp"
#include "ike_sa.hpp"
#include "ppk.hpp"

namespace pqike::exchange {

// Policy of one rekey. Views must outlive the helper.
//   proposals   initiator: offered (ESP/AH proposals carry the new inbound SPI; for IKE the
//               helper draws the new SPI); responder: acceptable (IKE and ESP/AH mixed)
//   ts_i, ts_r  TS bodies the initiator sends for a Child SA (the responder echoes them)
//   rekeyed_spi the Child SA's SPI being rekeyed: sent in N(REKEY_SA) (empty: a new Child SA)
//   link_size   responder: octets of each ADDITIONAL_KEY_EXCHANGE link (>= 1, at most 64)
//   ppk         RFC 9867 PPKs: initiator offers, responder accepts; `required` refuses the rekey
//               without one (rfc8784/rfc9867 flags are not used here)
//   extra       payloads the stack adds to CREATE_CHILD_SA / IKE_FOLLOWUP_KE messages (common.hpp)
struct rekey_config {
    std::span<const kex::proposal> proposals{};
    bytes_view ts_i{};
    bytes_view ts_r{};
    bytes_view rekeyed_spi{};
    std::size_t link_size = 8;
    std::size_t nonce_size = 32;
    kex::preference order = kex::preference::peer;
    kex::responder_options ke_errors{};
    ppk_config ppk{};
    extra_payloads extra{};
};

enum class rekey_state : std::uint8_t { idle, create_child_sa, followup, done, failed };

struct rekey_snapshot {
    rekey_state state = rekey_state::idle;
    std::size_t step = 0;
    std::uint32_t next_request_id = 0;
    std::uint32_t next_peer_id = 0;
    bool fragment_pending = false;
    friend constexpr bool operator==(const rekey_snapshot&, const rekey_snapshot&) = default;
};

namespace detail {

inline constexpr std::size_t max_link_size = 64;

template <policy::Suite Suite>
class rekey_core {
public:
    using registry = typename Suite::registry;
    using prf = typename Suite::prf;
    using cipher = typename Suite::cipher;
    using secret = secret_bytes<registry::max_shared_size>;

    rekey_core(const rekey_core&) = delete;
    rekey_core& operator=(const rekey_core&) = delete;

    rekey_state state() const noexcept { return state_; }
    bool done() const noexcept { return state_ == rekey_state::done; }
    bool failed() const noexcept { return state_ == rekey_state::failed; }
    bool is_ike_rekey() const noexcept { return negotiated_.protocol == wire::protocol_id::ike; }
    const kex::ke_plan& plan() const noexcept { return plan_; }
    // Number of IKE_FOLLOWUP_KE exchanges completed.
    std::size_t followups_done() const noexcept { return step_ > 0 ? step_ - 1 : 0; }
    // After done(): the new Child SA (Child rekey) or the new IKE SA (IKE rekey; the old one is
    // to be deleted by the stack, RFC 7296 §2.18).
    const child_sa& child() const noexcept { return child_; }
    const ike_sa<Suite>& new_ike_sa() const noexcept { return new_sa_; }
    ike_sa<Suite>& new_ike_sa() noexcept { return new_sa_; }
    // The RFC 9867 PPK this exchange mixed in (nullptr: none).
    const ppk_entry* ppk_used() const noexcept {
        return ppk_index_ < cfg_.ppk.keys.size() ? &cfg_.ppk.keys[ppk_index_] : nullptr;
    }
    // A fragmented message is being reassembled: keep this helper (and its pool slot) alive.
    bool reassembling() const noexcept { return rx_.in_progress(); }
    rekey_snapshot snapshot() const noexcept {
        return {state_, step_, sa_.next_request_id, sa_.next_peer_id, rx_.in_progress()};
    }

    // The exchange's nonces (of its initiator and responder), once known.
    bytes_view nonce_i() const noexcept { return ni_.view(); }
    bytes_view nonce_r() const noexcept { return nr_.view(); }

protected:
    rekey_core(ike_sa<Suite>& sa, const rekey_config& cfg) noexcept : sa_(sa), cfg_(cfg) {}

    // KEYMAT or the new IKE SA from the collected secrets; spi_i/spi_r: of the exchange's
    // initiator/responder.
    status finish_keys(bool we_initiated, bytes_view spi_i, bytes_view spi_r) noexcept {
        std::array<bytes_view, 1 + kex::max_addke> views{};
        for (std::size_t i = 0; i < n_secrets_; ++i) views[i] = secrets_[i].view();
        const std::span<const bytes_view> ks{views.data(), n_secrets_};
        // RFC 9867: with a PPK the exchange derives from SK_d' instead of the IKE SA's SK_d.
        std::optional<keys::ike_sa_keys<prf>> with_ppk;
        if (const ppk_entry* p = ppk_used()) {
            auto k = keys::with_ppk_sk_d(*sa_.keys, p->key);
            if (!k) return k.error();
            with_ppk.emplace(*k);
        }
        const keys::ike_sa_keys<prf>& from = with_ppk ? *with_ppk : *sa_.keys;
        if (negotiated_.protocol == wire::protocol_id::ike) {
            if (spi_i.size() != 8 || spi_r.size() != 8) return {errc::invalid_syntax, "proposal.spi_size", 0};
            auto k = keys::rekey_ike_sa<prf>(from, nonce_i(), nonce_r(), spi_i, spi_r, ks, Suite::ike_lengths);
            if (!k) return k.error();
            new_sa_.keys.emplace(*k);
            new_sa_.negotiated = negotiated_;
            new_sa_.original_initiator = we_initiated;
            new_sa_.spi_i = load_be64(spi_i.data());
            new_sa_.spi_r = load_be64(spi_r.data());
            new_sa_.next_request_id = 0;
            new_sa_.next_peer_id = 0;
            new_sa_.frag = sa_.frag;
            new_sa_.ppk_int = sa_.ppk_int;
        } else {
            auto len = child_lengths(negotiated_);
            if (!len) return len.error();
            auto k = keys::derive_child_sa_keys(from, nonce_i(), nonce_r(), ks, *len);
            if (!k) return k.error();
            if (spi_i.size() != 4 || spi_r.size() != 4) return {errc::invalid_syntax, "proposal.spi_size", 0};
            child_.keys.emplace(*k);
            child_.negotiated = negotiated_;
            for (std::size_t i = 0; i < 4; ++i) {
                child_.spi_i[i] = spi_i[i];
                child_.spi_r[i] = spi_r[i];
            }
        }
        for (auto& s : secrets_) s.wipe();
        n_secrets_ = 0;
        state_ = rekey_state::done;
        return {};
    }

    ike_sa<Suite>& sa_;
    const rekey_config& cfg_;
    rekey_state state_ = rekey_state::idle;
    kex::negotiated_sa negotiated_{};
    kex::ke_plan plan_{};
    std::size_t step_ = 0;
    std::uint32_t mid_ = 0;
    std::array<secret, 1 + kex::max_addke> secrets_{};
    std::size_t n_secrets_ = 0;
    bounded_bytes<keys::max_nonce_size> ni_;
    bounded_bytes<keys::max_nonce_size> nr_;
    bounded_bytes<max_link_size> link_;
    bounded_bytes<8> our_spi_;   // the new SA's SPI: 8 octets for IKE, 4 for a Child SA
    bounded_bytes<8> peer_spi_;
    child_sa child_{};
    ike_sa<Suite> new_sa_{};
    protected_receiver<cipher> rx_{};
    std::size_t ppk_index_ = static_cast<std::size_t>(-1);  // cfg_.ppk.keys index mixed in; none
};

}  // namespace detail

// ---- initiator -----------------------------------------------------------------------------------
//   rekey_initiator<S> rk{sa, cfg};
//   auto out = rk.start(rng, buf);                 // CREATE_CHILD_SA request
//   for each response datagram: out = rk.on_message(d, rng, buf);   // IKE_FOLLOWUP_KE requests
//   until rk.done(): rk.child() or rk.new_ike_sa().
template <policy::Suite Suite>
class rekey_initiator : public detail::rekey_core<Suite> {
    using base = detail::rekey_core<Suite>;
    using typename base::registry;
    using typename base::prf;
    using typename base::cipher;
    using base::sa_;
    using base::cfg_;
    using base::state_;
    using base::negotiated_;
    using base::plan_;
    using base::step_;
    using base::mid_;
    using base::secrets_;
    using base::n_secrets_;
    using base::ni_;
    using base::nr_;
    using base::link_;
    using base::our_spi_;
    using base::rx_;
    using base::ppk_index_;

public:
    // The SA and the configuration are kept by reference: temporaries would dangle.
    rekey_initiator(ike_sa<Suite>&&, const rekey_config&) = delete;
    rekey_initiator(ike_sa<Suite>&, const rekey_config&&) = delete;
    rekey_initiator(ike_sa<Suite>& sa, const rekey_config& cfg) noexcept : base(sa, cfg), retry_(0) {}

    template <policy::Rng R>
    result<outgoing> start(R& rng, out_buffer out) noexcept {
        if (state_ != rekey_state::idle) return error{errc::unexpected_message, "start", 0};
        if (!sa_.established()) return error{errc::unexpected_message, "ike_sa", 0};
        if (cfg_.proposals.empty()) return error{errc::invalid_length, "proposals", error_value{0}};
        if (cfg_.nonce_size < wire::nonce_min_size || cfg_.nonce_size > wire::nonce_max_size)
            return error{errc::invalid_nonce_length, "nonce.ni", error_value{cfg_.nonce_size}};
        if (cfg_.ppk.required && !(sa_.ppk_int && !cfg_.ppk.keys.empty()))
            return error{errc::ppk_required, "ike_sa.ppk_int", 0};  // RFC 9867 not negotiated
        if (status s = cfg_.extra.check(); !s) return s.error();
        const bool ike = cfg_.proposals[0].protocol == wire::protocol_id::ike;
        if (ike) {  // RFC 7296 §2.18: the new IKE SA's SPI in every proposal (encode_sa puts it there)
            const mut_bytes spi = our_spi_.resize_for_overwrite(8);
            for (int i = 0; i < 8; ++i) {
                if (status s = rng.fill(spi); !s) return s.error();
                if (load_be64(spi.data()) != 0) break;
            }
        } else {
            const bytes_view s = cfg_.proposals[0].spi_view();
            if (s.size() != 4) return error{errc::invalid_syntax, "proposal.spi_size", 0};
            (void)our_spi_.assign(s);
        }
        retry_ = kex::ke_retry{kex::ke_retry::first_guess(offered())};
        if (ike && retry_.current() == 0) return error{errc::no_proposal_chosen, "ke", 0};
        if (status s = rng.fill(ni_.resize_for_overwrite(cfg_.nonce_size)); !s) return s.error();
        auto o = create_request(retry_.current(), rng, out);
        if (!o) return o.error();
        state_ = rekey_state::create_child_sa;
        return o;
    }

    template <policy::Rng R>
    result<outgoing> on_message(bytes_view udp, R& rng, out_buffer out) noexcept {
        if (state_ != rekey_state::create_child_sa && state_ != rekey_state::followup)
            return error{errc::unexpected_message, "state", 0};
        auto msg = ike_message_of(udp, sa_.frag.options.non_esp_marker);
        if (!msg) return msg.error();
        const bytes_view datagram = *msg;
        auto h = wire::decode_header(datagram);
        if (!h) return h.error();
        const auto ex = state_ == rekey_state::create_child_sa ? wire::exchange_type::create_child_sa
                                                               : wire::exchange_type::ike_followup_ke;
        if (status s = check_header(*h, sa_.expect(ex, mid_, true)); !s) return s.error();
        auto r = rx_.receive(sa_.receive_keys(), datagram, sa_.frag);
        if (!r) return r.error();
        if (!*r) return outgoing{};
        const wire::protected_message m = **r;
        payload_list pl;
        if (status s = decode_payloads(m.first_inner, m.inner, inner_base(m), pl); !s) return fail(s.error());
        auto o = state_ == rekey_state::create_child_sa ? on_create(pl, rng, out) : on_followup(pl, rng, out);
        if (!o) return o;
        return with_unconsumed(*o, pl);
    }

private:
    std::span<const kex::proposal> offered() const noexcept { return cfg_.proposals; }
    bool rekeys_ike_sa() const noexcept { return cfg_.proposals[0].protocol == wire::protocol_id::ike; }

    // Ends the rekey. Reached only after an authentic response to mid_ (or before sending): that
    // exchange is over, so its Message ID is used up, as the responder counted it (RFC 7296 §2.2);
    // the next request on the SA must not reuse it.
    error fail(error e) noexcept {
        if (state_ != rekey_state::idle && sa_.next_request_id == mid_) ++sa_.next_request_id;
        state_ = rekey_state::failed;
        ke_.reset();
        return e;
    }

    template <policy::Rng R>
    result<outgoing> create_request(std::uint16_t method, R& rng, out_buffer out) noexcept {
        ke_.reset();
        std::array<std::byte, registry::max_initiator_data_size> ke_buf{};
        bytes_view data{};
        if (method != 0) {
            auto d = ke_.start(method, rng, ke_buf);
            if (!d) return d.error();
            data = *d;
        }
        inner_builder ib{inner_area()};
        if (!cfg_.rekeyed_spi.empty()) {  // RFC 7296 §1.3.3
            ib.begin(wire::payload_type::notify);
            wire::notify_view{cfg_.proposals[0].protocol, wire::notify_type::rekey_sa, cfg_.rekeyed_spi, {}}.encode(ib.out());
        }
        ib.begin(wire::payload_type::sa);
        if (status s = kex::encode_sa(ib.out(), offered(), kex::ke_transforms::all,
                                            rekeys_ike_sa() ? our_spi_.view() : bytes_view{}); !s)
            return s.error();
        ib.add(wire::payload_type::nonce, base::nonce_i());
        if (method != 0) {
            ib.begin(wire::payload_type::ke);
            wire::encode_ke(ib.out(), static_cast<wire::ke_method>(method), data);
        }
        if (!rekeys_ike_sa()) {
            ib.add(wire::payload_type::tsi, cfg_.ts_i);
            ib.add(wire::payload_type::tsr, cfg_.ts_r);
        }
        if (sa_.ppk_int) offer_ppks(ib, cfg_.ppk, *sa_.keys);
        ib.add(cfg_.extra.create_child_sa);
        auto chain = ib.finish();
        if (!chain) return chain.error();
        wire::protected_message m;
        m.header = sa_.header(wire::exchange_type::create_child_sa, sa_.next_request_id, false);
        m.first_inner = ib.first();
        m.inner = *chain;
        auto o = send_protected<cipher>(sa_.send_keys(), m, sa_.frag, rng, out);
        if (!o) return o.error();
        mid_ = sa_.next_request_id;
        return o;
    }

    template <policy::Rng R>
    result<outgoing> followup_request(R& rng, out_buffer out) noexcept {
        const std::uint16_t method = plan_[step_].method;
        ke_.reset();
        std::array<std::byte, registry::max_initiator_data_size> ke_buf{};
        auto d = ke_.start(method, rng, ke_buf);
        if (!d) return d.error();
        inner_builder ib{inner_area()};
        ib.begin(wire::payload_type::ke);
        wire::encode_ke(ib.out(), static_cast<wire::ke_method>(method), *d);
        ib.notify(wire::notify_type::additional_key_exchange, link_.view());
        ib.add(cfg_.extra.ike_followup_ke);
        auto chain = ib.finish();
        if (!chain) return chain.error();
        wire::protected_message m;
        m.header = sa_.header(wire::exchange_type::ike_followup_ke, sa_.next_request_id, false);
        m.first_inner = ib.first();
        m.inner = *chain;
        auto o = send_protected<cipher>(sa_.send_keys(), m, sa_.frag, rng, out);
        if (!o) return o.error();
        mid_ = sa_.next_request_id;
        state_ = rekey_state::followup;
        return o;
    }

    // The KE of a response for `method`, finished into the next secret slot.
    status take_ke(const payload_list& pl, std::uint16_t method) noexcept {
        const auto* ke_p = pl.find(wire::payload_type::ke);
        if (ke_p == nullptr) return {errc::missing_payload, "ke", 0};
        auto kv = wire::ke_view::decode(*ke_p);
        if (!kv) return kv.error();
        if (wire::to_number(kv->method) != method) return {errc::invalid_ke_method, "ke.method", ke_p->body_offset()};
        if (kv->data.size() != registry::responder_data_size(method))
            return {errc::invalid_ke_length, "ke.data", ke_p->body_offset() + wire::ke_header_size};
        auto ss = ke_.finish(kv->data);
        if (!ss) return ss.error();
        (void)secrets_[n_secrets_++].assign(ss->view());
        return {};
    }

    // The link of a response: required while exchanges remain, forbidden after the last one.
    status take_link(const payload_list& pl) noexcept {
        const auto n = pl.notify(wire::notify_type::additional_key_exchange);
        const bool more = step_ < plan_.size();
        if (!more) return n ? status{errc::invalid_syntax, "notify.additional_key_exchange", 0} : status{};
        // The responder chose ADDKEs but asks for no IKE_FOLLOWUP_KE: a post-quantum downgrade
        // (RFC 9370 §2.2.2 requires the link), named so a stack can log it and tear down.
        if (!n) return {errc::additional_key_exchange_skipped, "notify.additional_key_exchange", 0};
        if (n->data.empty()) return {errc::missing_payload, "notify.additional_key_exchange", 0};
        if (!link_.assign(n->data)) return {errc::length_too_large, "notify.additional_key_exchange", 0};
        return {};
    }

    template <policy::Rng R>
    result<outgoing> on_create(const payload_list& pl, R& rng, out_buffer out) noexcept {
        if (auto n = pl.notify(wire::notify_type::invalid_ke_payload)) {
            auto ik = wire::invalid_ke_notify::decode(*n);
            if (!ik) return fail(ik.error());
            auto m = retry_.on_invalid_ke(offered(), ik->accepted);
            if (!m) return fail(m.error());
            ++sa_.next_request_id;  // that exchange is over; the retry is a new one
            auto o = create_request(*m, rng, out);
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
        if (neg->ke() != ke_.method()) return fail({errc::invalid_ke_method, "ke", 0});
        auto nv = wire::nonce_view::decode(*nonce_p);
        if (!nv) return fail(nv.error());
        if (neg->peer_spi_size != our_spi_.size()) return fail({errc::invalid_syntax, "proposal.spi_size", 0});
        std::size_t ppk = static_cast<std::size_t>(-1);
        if (sa_.ppk_int && !cfg_.ppk.keys.empty()) {
            auto named = named_ppk(cfg_.ppk, pl);
            if (!named) return fail(named.error());
            ppk = *named;
        }
        ppk_index_ = ppk;
        negotiated_ = *neg;
        plan_ = neg->plan();
        (void)nr_.assign(nv->data);
        (void)base::peer_spi_.assign(neg->peer_spi_view());
        if (neg->ke() != 0) {
            if (status s = take_ke(pl, neg->ke()); !s) return fail(s.error());
            step_ = 1;
        } else {
            step_ = 0;  // no KE: a Child SA without PFS; ADDKEs need a KE first (RFC 9370 §2.2.3)
            if (!plan_.empty()) return fail({errc::invalid_syntax, "transform.addke", 0});
        }
        ++sa_.next_request_id;
        if (status s = take_link(pl); !s) return fail(s.error());
        if (step_ < plan_.size()) {
            auto o = followup_request(rng, out);
            if (!o) return fail(o.error());
            return o;
        }
        return finish();
    }

    template <policy::Rng R>
    result<outgoing> on_followup(const payload_list& pl, R& rng, out_buffer out) noexcept {
        if (auto n = pl.error_notify()) return fail(notify_error_of(*n));
        if (status s = take_ke(pl, plan_[step_].method); !s) return fail(s.error());
        ++step_;
        ++sa_.next_request_id;
        if (status s = take_link(pl); !s) return fail(s.error());
        if (step_ < plan_.size()) {
            auto o = followup_request(rng, out);
            if (!o) return fail(o.error());
            return o;
        }
        return finish();
    }

    result<outgoing> finish() noexcept {
        ke_.reset();
        if (status s = base::finish_keys(true, our_spi_.view(), base::peer_spi_.view()); !s) return fail(s.error());
        return outgoing{};
    }

    kex::ke_retry retry_;
    kex::any_seeded_initiator_ke<registry> ke_{};  // our key share (ML-KEM: its seed)
};

// ---- responder -----------------------------------------------------------------------------------
//   rekey_responder<S> rk{sa, cfg};
//   for each CREATE_CHILD_SA / IKE_FOLLOWUP_KE request: out = rk.on_message(d, rng, buf);
//   while state() == followup, any request on the SA goes here first: an authentic one that is
//   not the IKE_FOLLOWUP_KE fails the rekey with errc::additional_key_exchange_skipped.
//   until rk.done(). One helper serves one rekey; the stack routes by exchange type.
template <policy::Suite Suite>
class rekey_responder : public detail::rekey_core<Suite> {
    using base = detail::rekey_core<Suite>;
    using typename base::registry;
    using typename base::prf;
    using typename base::cipher;
    using base::sa_;
    using base::cfg_;
    using base::state_;
    using base::negotiated_;
    using base::plan_;
    using base::step_;
    using base::secrets_;
    using base::n_secrets_;
    using base::ni_;
    using base::nr_;
    using base::link_;
    using base::our_spi_;
    using base::rx_;
    using base::ppk_index_;

public:
    rekey_responder(ike_sa<Suite>&&, const rekey_config&) = delete;  // kept by reference
    rekey_responder(ike_sa<Suite>&, const rekey_config&&) = delete;
    rekey_responder(ike_sa<Suite>& sa, const rekey_config& cfg) noexcept : base(sa, cfg) {}

    template <policy::Rng R>
    result<outgoing> on_message(bytes_view udp, R& rng, out_buffer out) noexcept {
        if (!sa_.established()) return error{errc::unexpected_message, "ike_sa", 0};
        if (status s = cfg_.extra.check(); !s) return s.error();
        auto msg = ike_message_of(udp, sa_.frag.options.non_esp_marker);
        if (!msg) return msg.error();
        const bytes_view datagram = *msg;
        auto h = wire::decode_header(datagram);
        if (!h) return h.error();
        // While an IKE_FOLLOWUP_KE is due, any other authentic request means the peer skipped it.
        const bool skip_check = state_ == rekey_state::followup && h->exchange != wire::exchange_type::ike_followup_ke;
        if (h->exchange != wire::exchange_type::create_child_sa && h->exchange != wire::exchange_type::ike_followup_ke &&
            !skip_check)
            return error{errc::unexpected_message, "ike.exchange", wire::header_offset::exchange};
        switch (repeat_of(answered_, *h, datagram)) {
            case repeat::resend: return resend_last();
            case repeat::ignore: return outgoing{};
            case repeat::no: break;
        }
        if (status s = check_header(*h, sa_.expect(h->exchange, sa_.next_peer_id, false)); !s) return s.error();
        if (h->exchange == wire::exchange_type::create_child_sa && state_ != rekey_state::idle && !skip_check)
            return error{errc::unexpected_message, "state", 0};
        if (state_ == rekey_state::done || state_ == rekey_state::failed)
            return error{errc::unexpected_message, "state", 0};
        auto r = rx_.receive(sa_.receive_keys(), datagram, sa_.frag);
        if (!r) return r.error();
        if (!*r) return outgoing{};
        // RFC 9370 §2.2.2: after our N(ADDITIONAL_KEY_EXCHANGE) the next request (window 1) must
        // be the IKE_FOLLOWUP_KE. Another one, authentic, means the peer installed the SA without
        // the additional exchanges (libreswan 5.4): the rekey fails, named, nothing is answered
        // (the stack hands the datagram on to the helper it belongs to).
        if (skip_check) {
            state_ = rekey_state::failed;
            return error{errc::additional_key_exchange_skipped, "ike_followup_ke", 0};
        }
        const wire::protected_message m = **r;
        payload_list pl;
        auto o = answer(*h, pl, decode_payloads(m.first_inner, m.inner, inner_base(m), pl), rng, out);
        if (o && !o->empty()) answered_ = answered_request::of(*h, datagram);
        if (!o || o->is_refusal()) return o;
        return with_unconsumed(*o, pl);
    }

private:
    // The response to an authentic request whose payloads decoded with `decoded`.
    template <policy::Rng R>
    result<outgoing> answer(const wire::ike_header& h, const payload_list& pl, status decoded, R& rng,
                            out_buffer out) noexcept {
        if (!decoded) return refuse(h.exchange, notify_error::invalid_syntax, {}, decoded.error(), false, rng, out);
        if (h.exchange == wire::exchange_type::create_child_sa) return on_create(pl, rng, out);
        return on_followup(pl, rng, out);
    }

    // An error response (protected); the request's Message ID is used up. `fatal` abandons the
    // rekey; otherwise the helper keeps its state.
    template <policy::Rng R>
    result<outgoing> refuse(wire::exchange_type ex, std::uint16_t type, bytes_view data, error why, bool fatal,
                            R& rng, out_buffer out) noexcept {
        inner_builder ib{inner_area()};
        ib.notify(static_cast<wire::notify_type>(type), data);
        auto chain = ib.finish();
        if (!chain) return chain.error();
        wire::protected_message m;
        m.header = sa_.header(ex, sa_.next_peer_id, true);
        m.first_inner = ib.first();
        m.inner = *chain;
        auto o = send_protected<cipher>(sa_.send_keys(), m, sa_.frag, rng, out);
        if (!o) return o.error();
        o->refused = why;
        ++sa_.next_peer_id;
        if (fatal) state_ = rekey_state::failed;
        return o;
    }

    template <policy::Rng R>
    status new_link(R& rng) noexcept {
        if (cfg_.link_size == 0 || cfg_.link_size > detail::max_link_size)
            return {errc::invalid_length, "link_size", error_value{cfg_.link_size}};
        std::array<std::byte, detail::max_link_size> fresh{};  // drawn aside: a failed draw changes nothing
        const mut_bytes link{fresh.data(), cfg_.link_size};
        if (status s = rng.fill(link); !s) return s;
        (void)link_.assign(link);
        return {};
    }

    template <policy::Rng R>
    result<outgoing> on_create(const payload_list& pl, R& rng, out_buffer out) noexcept {
        constexpr auto ex = wire::exchange_type::create_child_sa;
        const auto* sa_p = pl.find(wire::payload_type::sa);
        const auto* nonce_p = pl.find(wire::payload_type::nonce);
        const auto* ke_p = pl.find(wire::payload_type::ke);
        if (sa_p == nullptr || nonce_p == nullptr || pl.count(wire::payload_type::ke) > 1)
            return refuse(ex, notify_error::invalid_syntax, {}, {errc::missing_payload, sa_p ? "nonce.ni" : "sa", 0}, false,
                          rng, out);
        auto sv = wire::sa_view::decode(*sa_p);
        auto nv = wire::nonce_view::decode(*nonce_p);
        if (!sv || !nv) return refuse(ex, notify_error::invalid_syntax, {}, sv ? nv.error() : sv.error(), false, rng, out);
        std::optional<wire::ke_view> kv;
        if (ke_p != nullptr) {
            auto v = wire::ke_view::decode(*ke_p);
            if (!v) return refuse(ex, notify_error::invalid_syntax, {}, v.error(), false, rng, out);
            kv = *v;
        }
        kex::select_options so;
        so.order = cfg_.order;
        so.ke_hint = kv ? wire::to_number(kv->method) : std::uint16_t{0};
        auto neg = kex::select(*sv, cfg_.proposals, so);
        if (!neg)
            return refuse(ex, neg.error().notify() ? neg.error().notify() : notify_error::invalid_syntax, {}, neg.error(),
                          false, rng, out);
        const bool ike = neg->protocol == wire::protocol_id::ike;
        status ok = ike ? check_suite<Suite>(*neg) : status{};
        if (ok && ike && neg->ke() == 0) ok = status{errc::no_proposal_chosen, "ke", 0};  // RFC 7296 §1.3.2
        if (ok && neg->peer_spi_size != (ike ? 8u : 4u)) ok = status{errc::invalid_syntax, "proposal.spi_size", 0};
        if (!ok) return refuse(ex, ok.error().notify(), {}, ok.error(), false, rng, out);
        if (status s = kex::check_ke_payload(
                *neg, kv ? std::optional<std::uint16_t>{wire::to_number(kv->method)} : std::nullopt);
            !s) {
            std::array<std::byte, 2> want{};
            store_be16(want.data(), neg->ke());
            return refuse(ex, notify_error::invalid_ke_payload, want, s.error(), false, rng, out);
        }
        const auto* tsi = pl.find(wire::payload_type::tsi);
        const auto* tsr = pl.find(wire::payload_type::tsr);
        if (!ike && (tsi == nullptr || tsr == nullptr))
            return refuse(ex, notify_error::invalid_syntax, {}, {errc::missing_payload, "ts", 0}, false, rng, out);
        const kex::ke_plan plan = neg->plan();
        if (neg->ke() == 0 && !plan.empty())
            return refuse(ex, notify_error::no_proposal_chosen, {}, {errc::no_proposal_chosen, "transform.addke", 0}, false, rng, out);
        // RFC 9867: the first offered PPK we hold; none with `required` refuses this rekey (the IKE
        // SA stays).
        std::size_t ppk = static_cast<std::size_t>(-1);
        if (sa_.ppk_int && !cfg_.ppk.keys.empty()) {
            auto pick = pick_offered_ppk(cfg_.ppk, pl, *sa_.keys);
            if (!pick) return refuse(ex, notify_error::no_proposal_chosen, {}, pick.error(), false, rng, out);
            if (*pick < cfg_.ppk.keys.size()) ppk = *pick;
        } else if (cfg_.ppk.required) {
            return refuse(ex, notify_error::no_proposal_chosen, {}, {errc::ppk_required, "ike_sa.ppk_int", 0}, false, rng, out);
        }
        std::optional<kex::any_responder_output<registry>> resp;
        if (neg->ke() != 0) {
            auto rr = kex::respond_any<registry>(neg->ke(), rng, kv->data);
            if (!rr) return refuse(ex, kex::notify_for(rr.error(), cfg_.ke_errors), {}, rr.error(), false, rng, out);
            resp.emplace(*rr);
        }
        if (cfg_.nonce_size < wire::nonce_min_size || cfg_.nonce_size > wire::nonce_max_size)
            return error{errc::invalid_nonce_length, "nonce.nr", error_value{cfg_.nonce_size}};
        std::array<std::byte, keys::max_nonce_size> nr{};
        if (status s = rng.fill(mut_bytes{nr.data(), cfg_.nonce_size}); !s) return s.error();
        std::array<std::byte, 8> spi{};
        const std::size_t spi_len = ike ? 8u : 4u;
        for (int i = 0; i < 8; ++i) {
            if (status s = rng.fill(mut_bytes{spi.data(), spi_len}); !s) return s.error();
            if (spi != std::array<std::byte, 8>{}) break;
        }
        const bool more = plan.size() > 1;
        if (more)
            if (status s = new_link(rng); !s) return s.error();
        // Response.
        inner_builder ib{inner_area()};
        ib.begin(wire::payload_type::sa);
        if (status s = kex::encode_reply(ib.out(), *neg, bytes_view{spi.data(), spi_len}); !s) return s.error();
        ib.add(wire::payload_type::nonce, bytes_view{nr.data(), cfg_.nonce_size});
        if (resp) {
            ib.begin(wire::payload_type::ke);
            wire::encode_ke(ib.out(), static_cast<wire::ke_method>(neg->ke()), resp->data());
        }
        if (!ike) {
            ib.add(wire::payload_type::tsi, tsi->body);
            ib.add(wire::payload_type::tsr, tsr->body);
        }
        if (more) ib.notify(wire::notify_type::additional_key_exchange, link_.view());
        if (ppk < cfg_.ppk.keys.size()) {
            ib.begin(wire::payload_type::notify);
            wire::ppk_identity_notify{true, cfg_.ppk.keys[ppk].id}.encode(ib.out());
        }
        ib.add(cfg_.extra.create_child_sa);
        auto chain = ib.finish();
        if (!chain) return chain.error();
        wire::protected_message rm;
        rm.header = sa_.header(ex, sa_.next_peer_id, true);
        rm.first_inner = ib.first();
        rm.inner = *chain;
        // Commit what the response depends on before the receive buffer could be reused.
        (void)ni_.assign(nv->data);
        (void)nr_.assign(bytes_view{nr.data(), cfg_.nonce_size});
        secure_zeroize(mut_bytes{nr});
        (void)base::peer_spi_.assign(neg->peer_spi_view());
        (void)our_spi_.assign(bytes_view{spi.data(), spi_len});
        auto o = send_protected<cipher>(sa_.send_keys(), rm, sa_.frag, rng, out);
        if (!o) return o.error();
        negotiated_ = *neg;
        plan_ = plan;
        ppk_index_ = ppk;
        n_secrets_ = 0;
        if (resp) (void)secrets_[n_secrets_++].assign(resp->shared.view());
        step_ = resp ? 1 : 0;
        ++sa_.next_peer_id;
        if (more) {
            state_ = rekey_state::followup;
            return o;
        }
        if (status s = finish(); !s) return s.error();
        return o;
    }

    template <policy::Rng R>
    result<outgoing> on_followup(const payload_list& pl, R& rng, out_buffer out) noexcept {
        constexpr auto ex = wire::exchange_type::ike_followup_ke;
        const auto n = pl.notify(wire::notify_type::additional_key_exchange);
        // RFC 9370 §2.2.4: no state for this link (or no rekey in progress): STATE_NOT_FOUND.
        if (state_ != rekey_state::followup || !n ||
            !ct_equal(n->data, link_.view()))
            return refuse(ex, notify_error::state_not_found, {}, {errc::state_not_found, "notify.additional_key_exchange", 0},
                          false, rng, out);
        const auto* ke_p = pl.find(wire::payload_type::ke);
        if (ke_p == nullptr || pl.count(wire::payload_type::ke) != 1)
            return refuse(ex, notify_error::invalid_syntax, {}, {errc::missing_payload, "ke", 0}, true, rng, out);
        auto kv = wire::ke_view::decode(*ke_p);
        if (!kv) return refuse(ex, notify_error::invalid_syntax, {}, kv.error(), true, rng, out);
        const std::uint16_t method = plan_[step_].method;
        if (wire::to_number(kv->method) != method)
            return refuse(ex, notify_error::invalid_syntax, {}, {errc::invalid_ke_method, "ke.method", ke_p->body_offset()},
                          true, rng, out);
        auto resp = kex::respond_any<registry>(method, rng, kv->data);
        if (!resp) return refuse(ex, kex::notify_for(resp.error(), cfg_.ke_errors), {}, resp.error(), true, rng, out);
        const bool more = step_ + 1 < plan_.size();
        const auto old_link = link_;
        if (more)
            if (status s = new_link(rng); !s) return s.error();
        inner_builder ib{inner_area()};
        ib.begin(wire::payload_type::ke);
        wire::encode_ke(ib.out(), static_cast<wire::ke_method>(method), resp->data());
        if (more) ib.notify(wire::notify_type::additional_key_exchange, link_.view());
        ib.add(cfg_.extra.ike_followup_ke);
        auto chain = ib.finish();
        wire::protected_message rm;
        rm.header = sa_.header(ex, sa_.next_peer_id, true);
        rm.first_inner = ib.first();
        rm.inner = chain ? *chain : bytes_view{};
        auto o = chain ? send_protected<cipher>(sa_.send_keys(), rm, sa_.frag, rng, out)
                       : result<outgoing>{chain.error()};
        if (!o) {
            link_ = old_link;  // nothing changes
            return o.error();
        }
        (void)secrets_[n_secrets_++].assign(resp->shared.view());
        ++step_;
        ++sa_.next_peer_id;
        if (!more)
            if (status s = finish(); !s) return s.error();
        return o;
    }

    status finish() noexcept {
        link_ = {};
        return base::finish_keys(false, base::peer_spi_.view(), our_spi_.view());
    }

    answered_request answered_{};  // for retransmitted requests
};

}  // namespace pqike::exchange
