// SPDX-License-Identifier: MIT
// Protection of the escape message (docs/escape-message.md §5): tag = prf(K, every octet before
// the tag TLV), K = prf+(base, label | key ID | SA binding) with a label per key mode and
// direction. verify() checks the tag in constant time before any field is readable: fields are
// reachable only through the `verified` type it returns.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../keys/prf_plus.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "message.hpp"

namespace pqike::escape {


// Where the base key of K comes from.
enum class key_mode : std::uint8_t {
    escape_psk = 1,      // (a) a PSK provisioned only for escape messages (recommended)
    connection_psk = 2,  // (b) the PSK the SA was authenticated with
    session = 3,         // (c) SK_d of the SA the message rides on (weakest: see §7)
    confirm = 4,         // ESCAPE_CONFIRM: SK_d of the new, PPK-mixed SA
};
enum class direction : std::uint8_t { provider_to_consumer = 1, consumer_to_provider = 2 };

// Fixed ASCII labels, distinct per mode and direction (docs/escape-message.md §5.1).
constexpr std::string_view label(key_mode m, direction d) noexcept {
    const bool p2c = d == direction::provider_to_consumer;
    switch (m) {
        case key_mode::escape_psk: return p2c ? "pqike escape 1 psk p2c" : "pqike escape 1 psk c2p";
        case key_mode::connection_psk:
            return p2c ? "pqike escape 1 conn-psk p2c" : "pqike escape 1 conn-psk c2p";
        case key_mode::session:
            return p2c ? "pqike escape 1 session p2c" : "pqike escape 1 session c2p";
        case key_mode::confirm:
            return p2c ? "pqike escape 1 confirm p2c" : "pqike escape 1 confirm c2p";
    }
    return "";
}

// The tag key for one mode, direction, key ID and SA binding. Holds the keyed PRF (its key
// setup done once) and copies of the key ID and binding that verify() requires.
template <policy::Prf P>
class tag_key {
public:
    static constexpr std::size_t tag_size = P::output_size;
    static_assert(tag_size >= limits::min_tag && tag_size <= limits::max_tag);

    // K = prf+(base, label | len(key_id) | key_id | len(binding) | binding), |K| = the PRF's
    // preferred key size (RFC 7296 §2.13).
    static result<tag_key> derive(key_mode mode, direction dir, bytes_view base, bytes_view key_id,
                                  bytes_view sa_binding) noexcept {
        if (key_id.size() < limits::min_key_id || key_id.size() > limits::max_key_id)
            return error{errc::invalid_length, "escape.key_id"};
        if (sa_binding.size() < limits::min_binding || sa_binding.size() > limits::max_binding)
            return error{errc::invalid_length, "escape.sa_binding"};
        // One bound for every user (docs §5.1, §12): 1..1024 octets.
        if (base.size() < limits::min_base_key || base.size() > limits::max_base_key)
            return error{errc::invalid_length, "escape.base_key"};
        const std::string_view l = label(mode, dir);
        const std::array<std::byte, 1> kl{static_cast<std::byte>(key_id.size())};
        const std::array<std::byte, 1> bl{static_cast<std::byte>(sa_binding.size())};
        const bytes_view seed[] = {as_bytes_view(l.data(), l.size()), kl, key_id, bl, sa_binding};
        secret_array<P::preferred_key_size> k;
        const P base_prf{base};
        if (auto s = keys::prf_plus(base_prf, std::span<const bytes_view>(seed), k.span()); !s) return s.error();
        return tag_key{k.view(), key_id, sa_binding};
    }

    bytes_view key_id() const noexcept { return {key_id_.data(), key_id_len_}; }
    bytes_view sa_binding() const noexcept { return {binding_.data(), binding_len_}; }

    void compute(bytes_view region, std::span<std::byte, tag_size> out) const noexcept {
        policy::prf_compute(prf_, {region}, out);
    }

private:
    tag_key(bytes_view k, bytes_view key_id, bytes_view binding) noexcept : prf_{k} {
        for (std::size_t i = 0; i < key_id.size(); ++i) key_id_[i] = key_id[i];
        for (std::size_t i = 0; i < binding.size(); ++i) binding_[i] = binding[i];
        key_id_len_ = static_cast<std::uint8_t>(key_id.size());
        binding_len_ = static_cast<std::uint8_t>(binding.size());
    }

    P prf_;
    std::array<std::byte, limits::max_key_id> key_id_{};
    std::array<std::byte, limits::max_binding> binding_{};
    std::uint8_t key_id_len_ = 0;
    std::uint8_t binding_len_ = 0;
};

// Encode and tag. key_id and sa_binding come from the key. Returns the message (a prefix of out).
template <policy::Prf P>
result<bytes_view> seal(const tag_key<P>& key, const fields& f, mut_bytes out) noexcept {
    auto m = encode_unsigned(f, key.key_id(), key.sa_binding(), tag_key<P>::tag_size, out);
    if (!m) return m.error();
    key.compute(bytes_view{out.data(), m->tagged_size},
                std::span<std::byte, tag_key<P>::tag_size>(out.data() + m->tag_offset,
                                                          tag_key<P>::tag_size));
    return bytes_view{out.data(), m->total_size};
}

// A message whose tag, key ID and SA binding have been checked. The only way to read fields.
// Views point into the buffer given to verify().
class verified {
public:
    msg_type type() const noexcept { return d_.type(); }
    std::uint8_t flags() const noexcept { return d_.flags(); }
    bytes_view bytes() const noexcept { return d_.bytes(); }
    bytes_view tag() const noexcept { return d_.tag(); }
    std::uint64_t sequence() const noexcept { return load_be64(d_.value(tlv::sequence).data()); }
    std::optional<std::uint64_t> timestamp() const noexcept { return u64_of(tlv::timestamp); }
    bytes_view nonce() const noexcept { return d_.value(tlv::nonce); }
    bytes_view key_id() const noexcept { return d_.value(tlv::key_id); }
    bytes_view sa_binding() const noexcept { return d_.value(tlv::sa_binding); }
    std::size_t method_count() const noexcept { return d_.value(tlv::ke_methods).size() / 2; }
    std::uint16_t method(std::size_t i) const noexcept {
        return load_be16(d_.value(tlv::ke_methods).data() + 2 * i);
    }
    bool offers(std::uint16_t m) const noexcept {
        for (std::size_t i = 0; i < method_count(); ++i)
            if (method(i) == m) return true;
        return false;
    }
    std::optional<procedure> proc() const noexcept {
        if (!d_.has(tlv::procedure)) return std::nullopt;
        return static_cast<procedure>(std::to_integer<std::uint8_t>(d_.value(tlv::procedure)[0]));
    }
    std::optional<std::uint32_t> deadline() const noexcept {
        if (!d_.has(tlv::deadline)) return std::nullopt;
        return load_be32(d_.value(tlv::deadline).data());
    }
    std::optional<reason> why() const noexcept {
        if (!d_.has(tlv::reason)) return std::nullopt;
        return static_cast<reason>(std::to_integer<std::uint8_t>(d_.value(tlv::reason)[0]));
    }
    bytes_view reason_text() const noexcept {
        const auto v = d_.value(tlv::reason);
        return v.empty() ? v : v.subspan(1);
    }
    bytes_view ppk_id() const noexcept { return d_.value(tlv::ppk_id); }
    std::optional<status_code> status() const noexcept {
        if (!d_.has(tlv::status)) return std::nullopt;
        return static_cast<status_code>(std::to_integer<std::uint8_t>(d_.value(tlv::status)[0]));
    }
    std::optional<std::uint16_t> selected_method() const noexcept {
        if (!d_.has(tlv::selected_method)) return std::nullopt;
        return load_be16(d_.value(tlv::selected_method).data());
    }
    bytes_view echoed_nonce() const noexcept { return d_.value(tlv::echoed_nonce); }

private:
    template <policy::Prf P>
    friend result<verified> verify(const tag_key<P>&, bytes_view) noexcept;
    explicit verified(const decoded& d) noexcept : d_(d) {}
    std::optional<std::uint64_t> u64_of(tlv t) const noexcept {
        if (!d_.has(t)) return std::nullopt;
        return load_be64(d_.value(t).data());
    }
    decoded d_;
};

// Decode, then: key ID (escape_wrong_key_id) and SA binding (escape_wrong_binding), which select
// the key; then the tag in constant time (escape_bad_tag). No other field is read before the tag.
template <policy::Prf P>
result<verified> verify(const tag_key<P>& key, bytes_view msg) noexcept {
    auto d = decode(msg);
    if (!d) return d.error();
    const bytes_view kid = d->unverified_key_id();
    if (kid.size() != key.key_id().size() || !ct_equal(kid, key.key_id()))
        return error{errc::escape_wrong_key_id, "escape.key_id"};
    // The binding selects the key as the key ID does (K is derived from both), so a message
    // for another SA is reported as such rather than as a bad tag. Both are public.
    if (!ct_equal(d->unverified_binding(), key.sa_binding()))
        return error{errc::escape_wrong_binding, "escape.sa_binding"};
    const bytes_view tag = d->tag();
    std::array<std::byte, tag_key<P>::tag_size> expect{};
    key.compute(d->tagged_region(), expect);
    // A tag of another length than the PRF's output (the codec allows 16..64) cannot be valid:
    // it fails like a wrong tag (§5.2), escape_bad_tag.
    const bool ok = tag.size() == expect.size() && ct_equal(tag, expect);
    secure_zeroize(expect.data(), expect.size());
    if (!ok) return error{errc::escape_bad_tag, "escape.tag", d->tagged_region().size()};
    return verified{*d};
}

}  // namespace pqike::escape
