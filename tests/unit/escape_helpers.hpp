// SPDX-License-Identifier: MIT
// Shared fixtures of the escape suites: fixed keys, SPIs and a raw message builder for
// hostile encodings (duplicate TLVs, tag not last, ...) that the encoder refuses to produce.
#pragma once

#include "common.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

#include <pqike/crypto/hmac.hpp>
#include <pqike/escape/actions.hpp>
#include <pqike/escape/message.hpp>
#include <pqike/escape/protect.hpp>
#include <pqike/escape/consumer.hpp>
#include <pqike/escape/provider.hpp>

namespace pqike::test::esc {

using P = crypto::hmac_sha256;
using namespace pqike::escape;

inline byte_vec seq_bytes(std::uint8_t first, std::size_t n) {
    byte_vec v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>(first + i);
    return v;
}
// Hex for static fixtures (unhex() asserts, which needs a running test).
inline byte_vec fixed_hex(std::string_view s) { return *hex::decode(s); }
inline byte_vec str(std::string_view s) { return byte_vec(view(s).begin(), view(s).end()); }

// The fixed inputs of docs/escape-message.md §10.
inline const byte_vec psk = seq_bytes(0x00, 32);
inline const byte_vec key_id = str("escape-key-1");
inline const byte_vec binding = fixed_hex("0102030405060708 1112131415161718");
inline const byte_vec nonce = seq_bytes(0xa0, 16);
inline const byte_vec ppk_id = str("ppk-2026");
inline const std::uint16_t methods[] = {36, 37};  // ML-KEM-768, ML-KEM-1024 (IANA)
inline constexpr std::uint64_t t0 = 1767225600;  // 2026-01-01T00:00:00Z

inline key_pair<P> make_keys(key_mode m = key_mode::escape_psk, const byte_vec& base = psk,
                        const byte_vec& b = binding) {
    auto k = key_pair<P>::derive(m, view(base), view(key_id), view(b));
    REQUIRE(k.has_value());
    return *k;
}

// Engines built from a configuration the test expects to be valid.
inline provider<P> make_provider(const provider_config& c, std::uint64_t first_seq = 1) {
    auto p = provider<P>::make(c, first_seq);
    REQUIRE_MESSAGE(p.has_value(), p.error().name());
    return *p;
}
inline consumer<P> make_consumer(const consumer_config& c, const key_pair<P>& k) {
    auto x = consumer<P>::make(c, k);
    REQUIRE_MESSAGE(x.has_value(), x.error().name());
    return *x;
}

// What a rekey negotiated in the tests: X25519 in KE, ML-KEM-768 in ADDKE1 (IANA IDs 31, 36).
inline const std::uint16_t negotiated[] = {31, 36};
inline rekey_result<P> rekey_of(const key_pair<P>& confirm, bytes_view ppk = view(ppk_id),
                                std::span<const std::uint16_t> m = negotiated) {
    return rekey_result<P>{confirm, m, ppk};
}

inline fields escape_fields() {
    fields f;
    f.type = msg_type::escape;
    f.sequence = 1;
    f.timestamp = t0;
    f.nonce = view(nonce);
    f.ke_methods = methods;
    f.proc = procedure::ike_sa_rekey;
    f.deadline = 3600;
    f.why = reason::quantum_threat;
    f.ppk_id = view(ppk_id);
    return f;
}

inline byte_vec sealed(const tag_key<P>& k, const fields& f) {
    byte_vec out(limits::max_message);
    auto r = seal(k, f, out);
    REQUIRE_MESSAGE(r.has_value(), r.error().name());
    out.resize(r->size());
    return out;
}

// Raw builder: header + the TLVs given + (optionally) a tag computed with k over all before it.
struct raw_tlv {
    std::uint16_t type;
    byte_vec value;
};
inline byte_vec raw(msg_type t, const std::vector<raw_tlv>& tlvs, const tag_key<P>* k,
                    std::vector<raw_tlv> after_tag = {}) {
    byte_vec m = {std::byte{'P'}, std::byte{'Q'}, std::byte{'E'}, std::byte{1},
                  static_cast<std::byte>(t), std::byte{0}, std::byte{0}, std::byte{0}};
    auto put = [&](const raw_tlv& x) {
        m.push_back(static_cast<std::byte>(x.type >> 8));
        m.push_back(static_cast<std::byte>(x.type));
        m.push_back(static_cast<std::byte>(x.value.size() >> 8));
        m.push_back(static_cast<std::byte>(x.value.size()));
        m.insert(m.end(), x.value.begin(), x.value.end());
    };
    for (auto& x : tlvs) put(x);
    std::size_t total = m.size() + (k ? 4 + P::output_size : 0);
    for (auto& x : after_tag) total += 4 + x.value.size();
    store_be16(m.data() + 6, static_cast<std::uint16_t>(total));
    if (k) {
        const std::size_t region = m.size();
        std::array<std::byte, P::output_size> tag{};
        k->compute(bytes_view{m.data(), region}, tag);
        put({static_cast<std::uint16_t>(0x8000 | 14), byte_vec(tag.begin(), tag.end())});
    }
    for (auto& x : after_tag) put(x);
    return m;
}
inline byte_vec be64(std::uint64_t v) {
    byte_vec b(8);
    store_be64(b.data(), v);
    return b;
}
inline raw_tlv T(tlv t, byte_vec v) { return {static_cast<std::uint16_t>(0x8000 | static_cast<std::uint16_t>(t)), std::move(v)}; }

// The mandatory TLVs of an ESCAPE, in order, for raw builds.
inline std::vector<raw_tlv> escape_tlvs(std::uint64_t seq = 1) {
    return {T(tlv::sequence, be64(seq)), T(tlv::nonce, nonce), T(tlv::key_id, key_id),
            T(tlv::sa_binding, binding), T(tlv::ke_methods, unhex("00240025")),
            T(tlv::procedure, unhex("01"))};
}

}  // namespace pqike::test::esc
