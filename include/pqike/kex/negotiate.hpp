// SPDX-License-Identifier: MIT
// Proposal selection (RFC 7296 §2.7, §3.3.6; RFC 9370 §2.2.1), the check of the responder's
// choice on the initiator, the KE payload check that leads to INVALID_KE_PAYLOAD, and the
// negotiated plan of key exchanges (KE, then ADDKE1..7 without the NONEs).
//
// Selection rules (responder):
//  - A peer proposal and a local proposal match when they have the same protocol, neither has a
//    Transform Type it must not have or we do not understand, and for every type the two lists
//    (an omitted optional type counting as {NONE}) share a transform (same ID and Key Length).
//  - Each type is chosen independently, with two cross-type rules: the ADDKE choices must not
//    repeat a method other than NONE (RFC 9370 §2.2.1), and ENCR and INTEG must fit together
//    (combined-mode cipher with INTEG NONE, RFC 5282 §8; otherwise an integrity algorithm, except
//    that ESP may run a non-NULL cipher without one, RFC 4303 §3.2). Among the choices that
//    satisfy them, the first in preference order is taken (ENCR before INTEG, ADDKE1 first), so a
//    choice that exists is always found.
//  - Order: by default the peer's (the first peer proposal that matches any local proposal, and
//    within a type the peer's first acceptable transform); select_options::order = local uses
//    our proposals and our lists' order instead.
//  - The KE payload's method (ke_hint) is preferred for the KE type when acceptable, to save a
//    round trip; only if it is not acceptable does check_ke_payload() ask for INVALID_KE_PAYLOAD.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "../bytes.hpp"
#include "../result.hpp"
#include "../wire/ke_method.hpp"
#include "../wire/sa.hpp"
#include "../wire/transform.hpp"
#include "proposal.hpp"

namespace pqike::kex {

// One key exchange of the plan: slot 0 is KE (in IKE_SA_INIT or CREATE_CHILD_SA), slot n the
// ADDKEn exchange (IKE_INTERMEDIATE or IKE_FOLLOWUP_KE).
struct ke_step {
    std::uint8_t slot = 0;
    std::uint16_t method = 0;
    constexpr wire::transform_type type() const noexcept {
        return slot == 0 ? wire::transform_type::ke : wire::addke(slot);
    }
};

// The ordered key exchanges to run: KE then ADDKE1..7, NONE skipped (RFC 9370 §2.2.1: "any
// corresponding additional key exchanges MUST NOT take place").
struct ke_plan {
    std::array<ke_step, 1 + max_addke> steps{};
    std::size_t count = 0;
    constexpr std::size_t size() const noexcept { return count; }
    constexpr bool empty() const noexcept { return count == 0; }
    constexpr const ke_step& operator[](std::size_t i) const noexcept { return steps[i]; }
    constexpr const ke_step* begin() const noexcept { return steps.data(); }
    constexpr const ke_step* end() const noexcept { return steps.data() + count; }
    // The additional exchanges (everything after slot 0).
    constexpr std::size_t additional() const noexcept {
        return (count > 0 && steps[0].slot == 0) ? count - 1 : count;
    }
};

// The outcome of a negotiation: one transform per type that takes part.
struct negotiated_sa {
    wire::protocol_id protocol = wire::protocol_id::ike;
    std::uint8_t proposal_number = 0;   // the peer's Proposal Num, echoed in the reply
    std::uint8_t peer_spi_size = 0;
    std::array<std::byte, max_spi_size> peer_spi{};
    std::array<transform, transform_type_count> chosen{};  // NONE where the type is not used
    std::uint16_t in_reply = 0;         // bit t: type t goes into the reply (RFC 7296 §2.7)
    std::uint8_t local_index = 0;       // which local proposal matched
    // IKE_AUTH (select_options::key_exchange_as_none): the peer's first transform of each key
    // exchange type it included, index wire::key_exchange_index. Written in the reply (RFC 7296
    // §2.7: one transform of each type the proposal included), never run; `chosen` stays NONE.
    std::array<transform, 1 + max_addke> echoed{};

    constexpr transform get(wire::transform_type t) const noexcept {
        return chosen[wire::to_number(t) - 1u];
    }
    constexpr bool includes(wire::transform_type t) const noexcept {
        return (in_reply >> wire::to_number(t)) & 1u;
    }
    constexpr std::uint16_t ke() const noexcept { return get(wire::transform_type::ke).id; }
    constexpr std::uint16_t addke(unsigned n) const noexcept { return get(wire::addke(n)).id; }
    constexpr bytes_view peer_spi_view() const noexcept { return {peer_spi.data(), peer_spi_size}; }

    constexpr ke_plan plan() const noexcept {
        ke_plan p;
        for (std::uint8_t slot = 0; slot <= max_addke; ++slot) {
            const auto t = slot == 0 ? wire::transform_type::ke : wire::addke(slot);
            const std::uint16_t m = get(t).id;
            if (m != wire::to_number(wire::ke_method::none)) p.steps[p.count++] = {slot, m};
        }
        return p;
    }
};

enum class preference : std::uint8_t { peer, local };

struct select_options {
    preference order = preference::peer;
    // The method of the KE payload that came with the SA (0 = the message has no KE payload);
    // nullopt when not applicable. Preferred for the KE type when acceptable.
    std::optional<std::uint16_t> ke_hint{};
    // Also keep ADDKE methods distinct from the KE method (RFC 9370 only requires it among the
    // ADDKE types; some stacks apply it to KE as well).
    bool distinct_from_ke = false;
    // IKE_AUTH: the Child SA proposals' KE and ADDKEn transforms stand for NONE, whatever either
    // side lists (RFC 7296 §1.2: IKE_AUTH has no KE payload, so its SA carries no key exchange;
    // the same holds for the additional ones, which need a KE first, RFC 9370 §2.2.3). They are
    // not matched; the reply echoes the peer's first of each such type (negotiated_sa::echoed).
    // libreswan 5.4 lists its esp= ADDKEs there and, as initiator, wants them echoed.
    bool key_exchange_as_none = false;
};

namespace detail {

inline constexpr std::size_t max_candidates = max_transforms_per_type + 1;

struct candidates {
    std::array<transform, max_candidates> v{};
    std::size_t n = 0;
    bool has_none = false;
};

// Transforms acceptable to both, in the preferred side's order.
constexpr void intersect(const effective_list& first, const effective_list& second,
                         candidates& out) noexcept {
    out.n = 0;
    out.has_none = false;
    for (std::size_t i = 0; i < first.size() && out.n < max_candidates; ++i) {
        const transform x = first[i];
        if (!second.contains(x)) continue;
        bool dup = false;
        for (std::size_t j = 0; j < out.n; ++j) dup = dup || out.v[j] == x;
        if (dup) continue;
        out.v[out.n++] = x;
        out.has_none = out.has_none || x == none_transform;
    }
}

// Distinct-representative check for the ADDKE slots from `from` on: can every slot without
// NONE get a method that is not in `used` and not taken by another slot? Kuhn's augmenting paths
// over at most 7 slots of at most 17 candidates each.
struct addke_matcher {
    const std::array<candidates, max_addke>* c = nullptr;
    std::array<transform, max_addke + 1> used{};
    std::size_t n_used = 0;
    std::array<transform, max_addke> match_of{};
    std::array<bool, max_addke> matched{};
    std::array<transform, max_addke * max_candidates> seen{};
    std::size_t n_seen = 0;

    constexpr bool is_used(const transform& x) const noexcept {
        for (std::size_t i = 0; i < n_used; ++i)
            if (used[i] == x) return true;
        return false;
    }
    constexpr bool visit(const transform& x) noexcept {  // false if already visited this round
        for (std::size_t i = 0; i < n_seen; ++i)
            if (seen[i] == x) return false;
        seen[n_seen++] = x;
        return true;
    }
    constexpr bool augment(std::size_t s, std::size_t from) noexcept {
        const candidates& cs = (*c)[s];
        for (std::size_t i = 0; i < cs.n; ++i) {
            const transform x = cs.v[i];
            if (x == none_transform || is_used(x) || !visit(x)) continue;
            std::size_t holder = max_addke;
            for (std::size_t h = from; h < max_addke; ++h)
                if (matched[h] && match_of[h] == x) holder = h;
            if (holder == max_addke || augment(holder, from)) {
                match_of[s] = x;
                matched[s] = true;
                return true;
            }
        }
        return false;
    }
    constexpr bool feasible(std::size_t from) noexcept {
        matched.fill(false);
        for (std::size_t s = from; s < max_addke; ++s) {
            if ((*c)[s].has_none) continue;  // NONE may repeat: always satisfiable
            n_seen = 0;
            if (!augment(s, from)) return false;
        }
        return true;
    }
};

// The first assignment, in preference order slot by slot, with distinct non-NONE methods.
constexpr bool choose_addke(const std::array<candidates, max_addke>& c, const transform* ke_used,
                            std::array<transform, max_addke>& out) noexcept {
    addke_matcher m{&c};
    if (ke_used != nullptr && *ke_used != none_transform) m.used[m.n_used++] = *ke_used;
    if (!m.feasible(0)) return false;
    for (std::size_t s = 0; s < max_addke; ++s) {
        bool done = false;
        for (std::size_t i = 0; i < c[s].n && !done; ++i) {
            const transform x = c[s].v[i];
            if (x != none_transform && m.is_used(x)) continue;
            if (x != none_transform) m.used[m.n_used++] = x;
            if (m.feasible(s + 1)) {
                out[s] = x;
                done = true;
            } else if (x != none_transform) {
                --m.n_used;
            }
        }
        if (!done) return false;  // unreachable after feasible(0); kept as a guard
    }
    return true;
}

}  // namespace detail

// Try one (peer, local) pair; on success fill `out` and return true.
constexpr bool match(const proposal& peer, const proposal& local, const select_options& opt,
                     negotiated_sa& out) noexcept {
    if (peer.unknown_type || local.unknown_type || peer.protocol != local.protocol) return false;
    std::array<detail::candidates, transform_type_count> cand{};
    negotiated_sa r;
    r.protocol = peer.protocol;
    for (std::uint8_t n = 1; n <= transform_type_count; ++n) {
        const auto t = static_cast<wire::transform_type>(n);
        if (opt.key_exchange_as_none && wire::is_key_exchange(t)) {  // chosen stays NONE
            if (peer.has(t) && !peer.of(t).empty()) {
                r.echoed[wire::key_exchange_index(t)] = peer.of(t)[0];
                r.in_reply = static_cast<std::uint16_t>(r.in_reply | (1u << n));
            }
            continue;
        }
        const effective_list pe = effective(peer, t);
        const effective_list le = effective(local, t);
        if (!pe.usable || !le.usable) return false;
        if (!pe.involved) continue;
        auto& c = cand[n - 1u];
        if (opt.order == preference::peer) detail::intersect(pe, le, c);
        else detail::intersect(le, pe, c);
        if (c.n == 0) return false;
        if (peer.has(t)) r.in_reply = static_cast<std::uint16_t>(r.in_reply | (1u << n));
        if (is_addke(t) || t == wire::transform_type::integ) continue;
        transform pick = c.v[0];
        if (t == wire::transform_type::ke && opt.ke_hint) {
            const transform h{*opt.ke_hint, 0};
            for (std::size_t i = 0; i < c.n; ++i)
                if (c.v[i] == h) pick = h;
        }
        r.chosen[n - 1u] = pick;
    }
    // ENCR and INTEG together: the first cipher (in preference order) that has a fitting
    // integrity choice, then the first fitting one. AH has no ENCR: its INTEG stands alone.
    {
        const auto& ci = cand[wire::to_number(wire::transform_type::integ) - 1u];
        const auto& ce = cand[wire::to_number(wire::transform_type::encr) - 1u];
        bool found = false;
        if (ce.n == 0) {
            r.chosen[wire::to_number(wire::transform_type::integ) - 1u] = ci.v[0];
            found = ci.n != 0;
        }
        for (std::size_t e = 0; e < ce.n && !found; ++e)
            for (std::size_t i = 0; i < ci.n && !found; ++i)
                if (encr_integ_fit(r.protocol, ce.v[e], ci.v[i])) {
                    r.chosen[wire::to_number(wire::transform_type::encr) - 1u] = ce.v[e];
                    r.chosen[wire::to_number(wire::transform_type::integ) - 1u] = ci.v[i];
                    found = true;
                }
        if (!found) return false;
    }
    std::array<detail::candidates, max_addke> add{};
    for (std::size_t i = 0; i < max_addke && !opt.key_exchange_as_none; ++i) {
        add[i] = cand[wire::to_number(wire::addke(static_cast<unsigned>(i + 1))) - 1u];
        // A type that is not involved is "NONE only".
        if (add[i].n == 0) {
            add[i].v[0] = none_transform;
            add[i].n = 1;
            add[i].has_none = true;
        }
    }
    std::array<transform, max_addke> picked{};
    const transform ke = r.get(wire::transform_type::ke);
    if (!opt.key_exchange_as_none && !detail::choose_addke(add, opt.distinct_from_ke ? &ke : nullptr, picked))
        return false;
    for (std::size_t i = 0; i < max_addke; ++i)
        r.chosen[wire::to_number(wire::addke(static_cast<unsigned>(i + 1))) - 1u] = picked[i];
    r.proposal_number = peer.number;
    r.peer_spi_size = peer.spi_size;
    r.peer_spi = peer.spi;
    out = r;
    return true;
}

// Responder: choose from the peer's proposals (already decoded). errc::no_proposal_chosen when
// no pair matches. A peer proposal with number 0 is numbered by its position.
constexpr result<negotiated_sa> select(std::span<const proposal> peer,
                                       std::span<const proposal> local,
                                       const select_options& opt = {}) noexcept {
    negotiated_sa r;
    const std::size_t outer = opt.order == preference::peer ? peer.size() : local.size();
    const std::size_t inner = opt.order == preference::peer ? local.size() : peer.size();
    for (std::size_t i = 0; i < outer; ++i) {
        for (std::size_t j = 0; j < inner; ++j) {
            const std::size_t pi = opt.order == preference::peer ? i : j;
            const std::size_t li = opt.order == preference::peer ? j : i;
            if (match(peer[pi], local[li], opt, r)) {
                if (r.proposal_number == 0) r.proposal_number = static_cast<std::uint8_t>(pi + 1);
                r.local_index = static_cast<std::uint8_t>(li);
                return r;
            }
        }
    }
    return {errc::no_proposal_chosen, "sa", 0};
}

// Responder, straight from the SA payload: each peer proposal is decoded once per local
// proposal, keeping only what that local proposal could select (bounded, no heap). Proposal
// numbers must be 1, 2, 3... (RFC 7296 §3.3.1), else errc::invalid_syntax.
inline result<negotiated_sa> select(const wire::sa_view& peer, std::span<const proposal> local,
                                    const select_options& opt = {}) noexcept {
    {
        std::uint8_t expect = 1;
        auto pc = peer.proposal_list();
        while (!pc.done()) {
            auto p = pc.next();
            if (!p) return p.error();
            if (p->number != expect) return {errc::invalid_syntax, "proposal.number", p->transforms_offset};
            expect = static_cast<std::uint8_t>(expect + 1);
        }
    }
    auto try_pair = [&](const wire::proposal_view& pv, std::size_t li,
                        negotiated_sa& r) -> result<bool> {
        auto p = decode_proposal(pv, &local[li], opt.key_exchange_as_none);
        if (!p) return p.error();
        if (!match(*p, local[li], opt, r)) return false;
        r.local_index = static_cast<std::uint8_t>(li);
        return true;
    };
    negotiated_sa r;
    if (opt.order == preference::peer) {
        auto pc = peer.proposal_list();
        while (!pc.done()) {
            auto pv = pc.next();
            if (!pv) return pv.error();
            for (std::size_t li = 0; li < local.size(); ++li) {
                auto ok = try_pair(*pv, li, r);
                if (!ok) return ok.error();
                if (*ok) return r;
            }
        }
    } else {
        for (std::size_t li = 0; li < local.size(); ++li) {
            auto pc = peer.proposal_list();
            while (!pc.done()) {
                auto pv = pc.next();
                if (!pv) return pv.error();
                auto ok = try_pair(*pv, li, r);
                if (!ok) return ok.error();
                if (*ok) return r;
            }
        }
    }
    return {errc::no_proposal_chosen, "sa", 0};
}

// Responder: the reply's SA body, one proposal with the peer's number, our SPI and one transform
// of each type the peer's proposal included (RFC 7296 §2.7).
inline status encode_reply(writer& w, const negotiated_sa& sa, bytes_view our_spi = {}) noexcept {
    wire::sa_builder b{w};
    b.begin_proposal(sa.proposal_number, sa.protocol, our_spi);
    for (std::uint8_t n = 1; n <= transform_type_count; ++n) {
        const auto t = static_cast<wire::transform_type>(n);
        if (!sa.includes(t)) continue;
        const bool echo = wire::is_key_exchange(t) && sa.get(t) == none_transform &&
                          sa.echoed[wire::key_exchange_index(t)] != none_transform;
        const transform x = echo ? sa.echoed[wire::key_exchange_index(t)] : sa.get(t);
        b.add_transform(t, x.id, x.key_bits);
    }
    return b.finish();
}

// Responder, after select(): the KE payload must carry the chosen KE method (RFC 7296 §3.4,
// §1.2). `payload_method` is the KE payload's method, nullopt when there is none. On mismatch:
// errc::invalid_ke_payload; answer N(INVALID_KE_PAYLOAD) with sa.ke() (wire::invalid_ke_notify).
constexpr status check_ke_payload(const negotiated_sa& sa,
                                  std::optional<std::uint16_t> payload_method) noexcept {
    const std::uint16_t want = sa.ke();
    if (want == wire::to_number(wire::ke_method::none)) return {};  // no KE in this SA: ignored
    if (!payload_method || *payload_method != want) return {errc::invalid_ke_payload, "ke.method", 0};
    return {};
}

// Initiator: check the responder's SA reply against what we offered. The reply must hold one
// proposal whose number is one of ours (with the same protocol) and at most one transform per
// type, each from our list; an omitted optional type counts as NONE and is accepted only if we
// offered NONE (or omitted it too); ADDKE methods must not repeat. Errors: errc::invalid_syntax.
//
// With `as_none` (IKE_AUTH, see select_options::key_exchange_as_none) the reply's KE and ADDKEn
// types may be omitted whatever we offered; one that is named must be a transform we offered,
// and counts as NONE.
constexpr result<negotiated_sa> accept_reply(std::span<const proposal> ours,
                                             const proposal& reply, bool as_none = false) noexcept {
    const proposal* mine = nullptr;
    std::size_t index = 0;
    for (std::size_t i = 0; i < ours.size(); ++i) {
        const std::uint8_t num = ours[i].number != 0 ? ours[i].number : static_cast<std::uint8_t>(i + 1);
        if (num == reply.number) {
            mine = &ours[i];
            index = i;
            break;
        }
    }
    if (mine == nullptr || mine->protocol != reply.protocol)
        return {errc::invalid_syntax, "proposal.number", 0};
    if (reply.unknown_type) return {errc::invalid_syntax, "transform.type", 0};
    negotiated_sa r;
    r.protocol = reply.protocol;
    r.proposal_number = reply.number;
    r.peer_spi_size = reply.spi_size;
    r.peer_spi = reply.spi;
    r.local_index = static_cast<std::uint8_t>(index);
    for (std::uint8_t n = 1; n <= transform_type_count; ++n) {
        const auto t = static_cast<wire::transform_type>(n);
        const effective_list mine_e = effective(*mine, t);
        const effective_list theirs = effective(reply, t);
        if (!mine_e.usable) return {errc::invalid_syntax, "proposal", 0};  // our own policy is bad
        if (as_none && wire::is_key_exchange(t)) {  // omitted: fine; named: one of ours, then NONE
            if (reply.has(t) && (reply.of(t).size() != 1 || !mine_e.contains(reply.of(t)[0])))
                return {errc::invalid_syntax, wire::name(t), n};
            continue;
        }
        if (!theirs.usable || (reply.has(t) && reply.of(t).size() != 1))
            return {errc::invalid_syntax, wire::name(t), n};
        if (!theirs.involved) continue;
        const transform x = theirs[0];
        if (!mine_e.contains(x)) return {errc::invalid_syntax, wire::name(t), n};
        r.chosen[n - 1u] = x;
        if (reply.has(t)) r.in_reply = static_cast<std::uint16_t>(r.in_reply | (1u << n));
    }
    for (unsigned a = 1; a <= max_addke; ++a)
        for (unsigned b = a + 1; b <= max_addke; ++b)
            if (r.addke(a) != 0 && r.addke(a) == r.addke(b))
                return {errc::invalid_syntax, wire::name(wire::addke(b)), b};
    if (r.protocol != wire::protocol_id::ah &&
        !encr_integ_fit(r.protocol, r.get(wire::transform_type::encr), r.get(wire::transform_type::integ)))
        return {errc::invalid_syntax, "transform.integ", error_value{wire::to_number(wire::transform_type::integ)}};
    return r;
}

// Initiator, from the wire: the reply's SA body must hold exactly one proposal.
inline result<negotiated_sa> accept_reply(std::span<const proposal> ours,
                                          const wire::sa_view& reply, bool as_none = false) noexcept {
    auto pc = reply.proposal_list();
    auto pv = pc.next();
    if (!pv) return pv.error();
    if (!pc.done()) return {errc::invalid_syntax, "sa.proposals", 0};
    auto p = decode_proposal(*pv);
    if (!p) return p.error();
    return accept_reply(ours, *p, as_none);
}

// ---- INVALID_KE_PAYLOAD on the initiator -------------------------------------------------------
// The responder wants another KE method (N(INVALID_KE_PAYLOAD) with 2 octets, decoded by
// wire::invalid_ke_notify). RFC 7296 §1.2: retry with the requested method, again proposing the
// full set of suites (the notify is unauthenticated). Guards against a loop or a downgrade by a
// forged notify: the method must be one we offered as KE (never NONE) and each method is tried at
// most once. The same object serves IKE_SA_INIT and CREATE_CHILD_SA. A rejected request leaves
// the state unchanged.
class ke_retry {
public:
    static constexpr std::size_t max_attempts = 8;

    // RFC 7296 §3.4: the KE payload SHOULD use the first KE method of the first proposal.
    // 0 when no proposal offers a KE method other than NONE.
    static constexpr std::uint16_t first_guess(std::span<const proposal> ours) noexcept {
        for (const auto& p : ours)
            for (const auto& x : p.of(wire::transform_type::ke))
                if (x.id != wire::to_number(wire::ke_method::none)) return x.id;
        return 0;
    }

    constexpr explicit ke_retry(std::uint16_t first) noexcept { tried_[n_++] = first; }

    // The method to send next, or errc::no_proposal_chosen (abort the exchange).
    constexpr result<std::uint16_t> on_invalid_ke(std::span<const proposal> ours,
                                                  std::uint16_t requested) noexcept {
        if (requested == wire::to_number(wire::ke_method::none))
            return {errc::no_proposal_chosen, "notify.data", 0};
        bool offered = false;
        for (const auto& p : ours) offered = offered || p.of(wire::transform_type::ke).contains({requested, 0});
        if (!offered) return {errc::no_proposal_chosen, "notify.data", 0};
        for (std::size_t i = 0; i < n_; ++i)
            if (tried_[i] == requested) return {errc::no_proposal_chosen, "ke.retry", 0};
        if (n_ == max_attempts) return {errc::no_proposal_chosen, "ke.retry", 0};
        tried_[n_++] = requested;
        return requested;
    }
    constexpr result<std::uint16_t> on_invalid_ke(std::span<const proposal> ours,
                                                  wire::ke_method requested) noexcept {
        return on_invalid_ke(ours, wire::to_number(requested));
    }

    constexpr std::uint16_t current() const noexcept { return tried_[n_ - 1]; }
    constexpr std::size_t attempts() const noexcept { return n_; }

private:
    std::array<std::uint16_t, max_attempts> tried_{};
    std::size_t n_ = 0;
};

}  // namespace pqike::kex
