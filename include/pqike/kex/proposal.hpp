// SPDX-License-Identifier: MIT
// Local SA policy as data: proposals with lists of transforms per Transform Type (ENCR with key
// length, PRF, INTEG, KE, ESN, ADDKE1..7), the rules of which types each protocol needs, and the
// conversion to and from the SA payload (wire/sa.hpp). Fixed capacities, no heap.
//
//   kex::proposal p{wire::protocol_id::ike};
//   p.add_encr(wire::encr_id::aes_gcm_16, 256); p.add_prf(wire::prf_id::hmac_sha2_256);
//   p.add_ke(wire::ke_method::curve25519);
//   p.add_addke(1, wire::ke_method::ml_kem_768); p.add_addke(1, wire::ke_method::none);  // optional
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../bytes.hpp"
#include "../result.hpp"
#include "../wire/ke_method.hpp"
#include "../wire/protocol_id.hpp"
#include "../wire/sa.hpp"
#include "../wire/transform.hpp"

namespace pqike::kex {

// One transform: its ID and, for ciphers with a variable key size, the Key Length attribute in
// bits (RFC 7296 §3.3.5; 0 = attribute absent). Two transforms match only if both are equal.
struct transform {
    std::uint16_t id = 0;
    std::uint16_t key_bits = 0;
    friend constexpr bool operator==(const transform&, const transform&) = default;
};

// Transform ID 0 of the optional types: NONE for INTEG, KE and ADDKEn (RFC 9370 §2.1).
inline constexpr transform none_transform{0, 0};

inline constexpr std::size_t transform_type_count = 12;  // types 1..12
inline constexpr std::size_t max_transforms_per_type = 16;
inline constexpr std::size_t max_addke = 7;
inline constexpr std::size_t max_spi_size = 8;  // IKE SPI; ESP/AH use 4

constexpr bool is_known_type(std::uint8_t t) noexcept { return t >= 1 && t <= transform_type_count; }
constexpr bool is_addke(wire::transform_type t) noexcept {
    return wire::is_key_exchange(t) && t != wire::transform_type::ke;
}

// Fixed-capacity ordered list of transforms of one type (order = preference).
class transform_list {
public:
    constexpr std::size_t size() const noexcept { return n_; }
    constexpr bool empty() const noexcept { return n_ == 0; }
    constexpr bool full() const noexcept { return n_ == max_transforms_per_type; }
    constexpr const transform& operator[](std::size_t i) const noexcept { return v_[i]; }
    constexpr const transform* begin() const noexcept { return v_.data(); }
    constexpr const transform* end() const noexcept { return v_.data() + n_; }
    constexpr bool contains(const transform& t) const noexcept {
        for (std::size_t i = 0; i < n_; ++i)
            if (v_[i] == t) return true;
        return false;
    }
    // Appends t unless already present; false when full.
    [[nodiscard]] constexpr bool push(const transform& t) noexcept {
        if (contains(t)) return true;
        if (full()) return false;
        v_[n_++] = t;
        return true;
    }
    constexpr void clear() noexcept { n_ = 0; }

private:
    std::array<transform, max_transforms_per_type> v_{};
    std::size_t n_ = 0;
};

// Which Transform Types a proposal for each protocol carries (RFC 7296 §3.3.3, RFC 9370 §2.1).
// mandatory: both sides must list it. optional: omitted means NONE only (RFC 9370 §2.2.1 for
// ADDKE; INTEG with AEAD ciphers, RFC 5282 §8; KE for Child SAs without PFS, RFC 7296 §1.3.1).
// forbidden: must not appear.
enum class type_rule : std::uint8_t { forbidden, mandatory, optional };

constexpr type_rule rule_for(wire::protocol_id p, wire::transform_type t) noexcept {
    using tt = wire::transform_type;
    if (is_addke(t)) return type_rule::optional;
    switch (p) {
        case wire::protocol_id::ike:
            if (t == tt::esn) return type_rule::forbidden;
            if (t == tt::integ) return type_rule::optional;
            return type_rule::mandatory;  // ENCR, PRF, KE
        case wire::protocol_id::esp:
            if (t == tt::encr || t == tt::esn) return type_rule::mandatory;
            if (t == tt::prf) return type_rule::forbidden;
            return type_rule::optional;  // INTEG, KE
        case wire::protocol_id::ah:
            if (t == tt::integ || t == tt::esn) return type_rule::mandatory;
            if (t == tt::ke) return type_rule::optional;
            return type_rule::forbidden;  // ENCR, PRF
        default: return type_rule::forbidden;
    }
}

// One proposal. For a local policy, `number` 0 means "its position + 1" and `spi` is ours; for a
// decoded peer proposal, both are the peer's. `present` records which types the proposal
// mentions even if none of their transforms was usable (an unknown attribute makes one
// transform unusable, RFC 7296 §3.3.6), so an omitted type is never confused with a rejected one.
struct proposal {
    wire::protocol_id protocol = wire::protocol_id::ike;
    std::uint8_t number = 0;
    std::uint8_t spi_size = 0;
    std::array<std::byte, max_spi_size> spi{};
    std::array<transform_list, transform_type_count> lists{};
    std::uint16_t present = 0;     // bit t set: Transform Type t appears
    bool unknown_type = false;     // a Transform Type we do not understand appeared (§3.3.6)

    constexpr proposal() noexcept = default;
    constexpr explicit proposal(wire::protocol_id p) noexcept : protocol(p) {}

    constexpr const transform_list& of(wire::transform_type t) const noexcept {
        return lists[wire::to_number(t) - 1u];
    }
    constexpr bool has(wire::transform_type t) const noexcept {
        return (present >> wire::to_number(t)) & 1u;
    }
    constexpr bytes_view spi_view() const noexcept { return {spi.data(), spi_size}; }

    // Append a transform (in preference order). False when that type's list is full or t is not
    // a Transform Type 1..12.
    [[nodiscard]] constexpr bool add(wire::transform_type t, std::uint16_t id,
                                     std::uint16_t key_bits = 0) noexcept {
        if (!is_known_type(wire::to_number(t))) return false;
        present = static_cast<std::uint16_t>(present | (1u << wire::to_number(t)));
        return lists[wire::to_number(t) - 1u].push({id, key_bits});
    }
    // Mark a type as present without a usable transform (decoders).
    constexpr void mark(wire::transform_type t) noexcept {
        present = static_cast<std::uint16_t>(present | (1u << wire::to_number(t)));
    }
    [[nodiscard]] bool set_spi(bytes_view s) noexcept {
        if (s.size() > max_spi_size) return false;
        spi = {};
        for (std::size_t i = 0; i < s.size(); ++i) spi[i] = s[i];
        spi_size = static_cast<std::uint8_t>(s.size());
        return true;
    }

    [[nodiscard]] constexpr bool add_encr(wire::encr_id id, std::uint16_t key_bits = 0) noexcept {
        return add(wire::transform_type::encr, static_cast<std::uint16_t>(id), key_bits);
    }
    [[nodiscard]] constexpr bool add_prf(wire::prf_id id) noexcept {
        return add(wire::transform_type::prf, static_cast<std::uint16_t>(id));
    }
    [[nodiscard]] constexpr bool add_integ(wire::integ_id id) noexcept {
        return add(wire::transform_type::integ, static_cast<std::uint16_t>(id));
    }
    [[nodiscard]] constexpr bool add_esn(wire::esn_id id) noexcept {
        return add(wire::transform_type::esn, static_cast<std::uint16_t>(id));
    }
    [[nodiscard]] constexpr bool add_ke(wire::ke_method m) noexcept {
        return add(wire::transform_type::ke, wire::to_number(m));
    }
    // ADDKEn, n = 1..7. wire::ke_method::none makes the exchange optional.
    [[nodiscard]] constexpr bool add_addke(unsigned n, wire::ke_method m) noexcept {
        if (n < 1 || n > max_addke) return false;
        return add(wire::addke(n), wire::to_number(m));
    }
};

// The list the selection works on for type t: the proposal's own list, {NONE} for an omitted
// optional type (RFC 9370 §2.2.1: "as if they were proposed with Transform ID NONE"), nothing
// for an omitted mandatory type. `usable` is false when the type makes the proposal unacceptable.
struct effective_list {
    const transform_list* list = nullptr;  // nullptr: the implicit {NONE}
    bool usable = false;
    bool involved = false;  // false: type forbidden and absent, not part of the suite

    constexpr std::size_t size() const noexcept { return list ? list->size() : 1; }
    constexpr transform operator[](std::size_t i) const noexcept {
        return list ? (*list)[i] : none_transform;
    }
    constexpr bool contains(const transform& t) const noexcept {
        return list ? list->contains(t) : t == none_transform;
    }
};

constexpr effective_list effective(const proposal& p, wire::transform_type t) noexcept {
    const type_rule r = rule_for(p.protocol, t);
    if (r == type_rule::forbidden) return {nullptr, !p.has(t), false};
    if (p.has(t)) return {&p.of(t), !p.of(t).empty(), true};
    return {nullptr, r == type_rule::optional, true};
}

// Combined-mode ciphers take no integrity transform: RFC 5282 §8 (GCM, CCM), RFC 7634 (ChaCha20-
// Poly1305), RFC 4543 §3 (ENCR_NULL_AUTH_AES_GMAC).
constexpr bool is_combined_mode(std::uint16_t encr) noexcept {
    const auto e = static_cast<wire::encr_id>(encr);
    return wire::is_aead(e) || e == wire::encr_id::null_auth_aes_gmac;
}

// Whether a cipher and an integrity transform make a valid suite: combined mode with INTEG NONE;
// otherwise IKE always has integrity (RFC 7296 §3.3) and ESP needs one with ENCR_NULL
// (RFC 4303 §3.2: confidentiality or integrity or both).
constexpr bool encr_integ_fit(wire::protocol_id p, const transform& encr,
                              const transform& integ) noexcept {
    const bool has_integ = integ != none_transform;
    if (is_combined_mode(encr.id)) return !has_integ;
    if (p == wire::protocol_id::ike) return has_integ;
    return has_integ || encr.id != static_cast<std::uint16_t>(wire::encr_id::null);
}

// A local proposal is well formed: a known protocol, every mandatory type listed, no forbidden
// type, NONE only in optional types, no Key Length outside ENCR, and its ciphers either all
// combined mode or none (RFC 7296 §3.3: AEAD and non-AEAD ciphers go in separate proposals),
// with integrity transforms that fit them. (Peer proposals are not held to the last rule:
// selection picks a fitting pair from a mixed one.)
constexpr status validate(const proposal& p) noexcept {
    using wire::protocol_id;
    if (p.protocol != protocol_id::ike && p.protocol != protocol_id::esp &&
        p.protocol != protocol_id::ah)
        return {errc::invalid_syntax, "proposal.protocol", 0};
    if (p.unknown_type) return {errc::invalid_syntax, "transform.type", 0};
    for (std::uint8_t n = 1; n <= transform_type_count; ++n) {
        const auto t = static_cast<wire::transform_type>(n);
        const type_rule r = rule_for(p.protocol, t);
        const auto& l = p.of(t);
        if (r == type_rule::forbidden && p.has(t)) return {errc::invalid_syntax, wire::name(t), n};
        if (r == type_rule::mandatory && l.empty()) return {errc::missing_payload, wire::name(t), n};
        for (const auto& x : l) {
            if (x == none_transform && r != type_rule::optional && t != wire::transform_type::esn)
                return {errc::invalid_syntax, wire::name(t), n};
            if (x.key_bits != 0 && t != wire::transform_type::encr)
                return {errc::invalid_syntax, "transform.key_length", error_value{n}};
        }
    }
    const auto& encr = p.of(wire::transform_type::encr);
    if (!encr.empty()) {
        const bool combined = is_combined_mode(encr[0].id);
        for (const auto& e : encr)
            if (is_combined_mode(e.id) != combined)
                return {errc::invalid_syntax, "transform.encr", error_value{wire::to_number(wire::transform_type::encr)}};
        const effective_list integ = effective(p, wire::transform_type::integ);
        for (std::size_t i = 0; i < integ.size(); ++i) {
            bool fits_one = false;
            for (const auto& e : encr) fits_one = fits_one || encr_integ_fit(p.protocol, e, integ[i]);
            if (!fits_one)
                return {errc::invalid_syntax, "transform.integ", error_value{wire::to_number(wire::transform_type::integ)}};
        }
    }
    return {};
}

// ---- wire conversion -----------------------------------------------------------------------------

// Which key exchange transforms encode_sa writes. all: everything listed. none: no KE, no
// ADDKEn — the SA of IKE_AUTH (RFC 7296 §1.2: no KE payload follows, implementations "SHOULD
// omit" the KE transform there). addke_only: the ADDKEn transforms without KE, the IKE_AUTH
// proposal libreswan 5.4 sends and requires as responder (it matches its esp= ADDKEs there,
// docs/interop.md).
enum class ke_transforms : std::uint8_t { all, none, addke_only };

constexpr bool writes(ke_transforms k, wire::transform_type t) noexcept {
    if (!wire::is_key_exchange(t) || k == ke_transforms::all) return true;
    return k == ke_transforms::addke_only && t != wire::transform_type::ke;
}

// Encode proposals as an SA payload body (RFC 7296 §3.3); numbers are 1, 2, ... in list order
// (§3.3.1), transforms in Transform Type order, each list in preference order; key exchange
// transforms as `k` says. A non-empty `spi` replaces every proposal's SPI (an IKE SA rekey puts
// the new SA's SPI in each, §2.18).
inline status encode_sa(writer& w, std::span<const proposal> ps, ke_transforms k = ke_transforms::all,
                        bytes_view spi = {}) noexcept {
    wire::sa_builder b{w};
    std::size_t index = 0;
    for (const auto& p : ps) {
        ++index;
        if (index > 0xff) return {errc::length_too_large, "sa.proposals", error_value{index}};
        b.begin_proposal(p.number != 0 ? p.number : static_cast<std::uint8_t>(index), p.protocol,
                         spi.empty() ? p.spi_view() : spi);
        for (std::uint8_t n = 1; n <= transform_type_count; ++n) {
            const auto t = static_cast<wire::transform_type>(n);
            if (!writes(k, t)) continue;
            for (const auto& x : p.of(t)) b.add_transform(t, x.id, x.key_bits);
        }
    }
    return b.finish();
}

// Decode one proposal of a validated sa_view. With `filter`, only transforms that `filter`
// could select are kept (so a hostile proposal with thousands of transforms never overflows
// the fixed lists); without it, more than max_transforms_per_type distinct transforms of one
// type is errc::length_too_large. A transform with an attribute other than a TV Key Length, or
// with two Key Lengths, is unusable (RFC 7296 §3.3.6) but still marks its type present.
// With `first_key_exchange`, the filter does not apply to KE and ADDKEn types; of those only the
// first usable transform per type is kept (IKE_AUTH: echoed in the reply, never run).
inline result<proposal> decode_proposal(const wire::proposal_view& v,
                                        const proposal* filter = nullptr,
                                        bool first_key_exchange = false) noexcept {
    proposal p{v.protocol};
    p.number = v.number;
    if (!p.set_spi(v.spi)) return {errc::length_too_large, "proposal.spi_size", v.transforms_offset};
    auto tc = v.transform_list();
    while (!tc.done()) {
        auto t = tc.next();
        if (!t) return t.error();
        const std::uint8_t tn = wire::to_number(t->type);
        if (!is_known_type(tn)) {
            p.unknown_type = true;
            continue;
        }
        p.mark(t->type);
        transform x{t->id, 0};
        bool usable = true;
        unsigned key_lengths = 0;
        auto ac = t->attribute_list();
        while (!ac.done()) {
            auto a = ac.next();
            if (!a) return a.error();
            if (a->tv && a->type == static_cast<std::uint16_t>(wire::attribute_type::key_length)) {
                x.key_bits = a->value;
                ++key_lengths;
            } else {
                usable = false;
            }
        }
        if (key_lengths > 1 || (key_lengths == 1 && x.key_bits == 0)) usable = false;
        if (!usable) continue;
        if (first_key_exchange && wire::is_key_exchange(t->type)) {
            if (p.of(t->type).empty()) (void)p.add(t->type, x.id, x.key_bits);
            continue;
        }
        if (filter != nullptr && !effective(*filter, t->type).contains(x)) continue;
        if (!p.add(t->type, x.id, x.key_bits))
            return {errc::length_too_large, "proposal.transforms", t->attributes_offset};
    }
    return p;
}

}  // namespace pqike::kex
