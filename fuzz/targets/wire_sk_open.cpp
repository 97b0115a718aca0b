// SPDX-License-Identifier: MIT
// Fuzz SK/SKF open (RFC 7296 §3.14, RFC 7383 §2.5) with a fixed key over the OpenSSL-free test
// cipher (keystream XOR + reference HMAC-SHA2-256-128, tests/sk_test_cipher.hpp), in both the
// AEAD and the encrypt-then-MAC shape.
//   byte 0 bit 0: cipher shape (0 = encrypt-then-MAC, block 16; 1 = AEAD, block 1)
//   byte 0 bit 1: 0 = the rest is a received message: open must not crash, and whatever opens
//                 must re-seal (same IV, padding, fragment numbers) to the same bytes;
//                 1 = the rest is an inner chain: seal -> open round trip, A/P chunks consistent.
#include "support/sk_test_cipher.hpp"

#include <pqike/wire/sk.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace pqike;
using namespace pqike::wire;

namespace {

template <class C>
sk_keys fixed_keys() {
    static const std::array<std::byte, C::encr_key_size> e = [] {
        std::array<std::byte, C::encr_key_size> k{};
        for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::byte>(0x10 + i);
        return k;
    }();
    static const std::array<std::byte, 32> a = [] {
        std::array<std::byte, 32> k{};
        for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::byte>(0x80 + i);
        return k;
    }();
    return {bytes_view{e}, bytes_view{a.data(), C::integ_key_size}};
}

template <class C>
void received(bytes_view msg) {
    const sk_keys keys = fixed_keys<C>();
    std::vector<std::byte> out(msg.size());
    auto o = open<C>(keys, msg, out);
    if (!o) return;
    const sk_frame& f = o->frame;
    if (o->inner.size() + o->pad_length + 1 != f.ciphertext.size()) std::abort();
    // Round trip: re-seal with the same IV and padding gives the same message.
    std::vector<std::byte> pad(o->pad_length);
    if (!pad.empty()) std::memcpy(pad.data(), out.data() + o->inner.size(), pad.size());
    sk_seal_options so;
    so.iv = f.iv;
    so.padding = bytes_view{pad.data(), pad.size()};
    so.fragment = f.fragment;
    protected_message m = o->view();
    std::vector<std::byte> again(msg.size());
    auto s = seal<C>(keys, m, so, again);
    if (!s || s->size() != msg.size() || std::memcmp(s->data(), msg.data(), msg.size()) != 0)
        std::abort();
    std::array<std::byte, 1024> a{};
    if (int_auth_a_size(m) <= a.size()) {
        auto ap = int_auth_a_p(m, a);
        if (ap && (ap->p.size() != o->inner.size() || ap->a.size() != int_auth_a_size(m))) std::abort();
    }
}

template <class C>
void round_trip(bytes_view inner) {
    if (inner.size() > 60000) return;
    const sk_keys keys = fixed_keys<C>();
    protected_message m;
    m.header.spi_i = 1;
    m.header.spi_r = 2;
    m.header.exchange = exchange_type::ike_intermediate;
    m.header.message_id = 3;
    m.first_inner = inner.empty() ? payload_type::none : payload_type::ke;
    m.inner = inner;
    std::array<std::byte, C::iv_size> iv{};
    iv[0] = std::byte{7};
    sk_seal_options so;
    so.iv = iv;
    if (!inner.empty() && (std::to_integer<unsigned>(inner[0]) & 1))
        so.fragment = fragment_id{1, 2};
    std::vector<std::byte> buf(inner.size() + 128);
    auto s = seal<C>(keys, m, so, buf);
    if (!s) std::abort();
    std::vector<std::byte> out(s->size());
    auto o = open<C>(keys, *s, out);
    if (!o) std::abort();
    if (o->inner.size() != inner.size() ||
        (!inner.empty() && std::memcmp(o->inner.data(), inner.data(), inner.size()) != 0))
        std::abort();
    if (o->frame.fragment != so.fragment) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const unsigned mode = data[0];
    const bytes_view rest = as_bytes_view(data + 1, size - 1);
    const bool aead = mode & 1;
    if (mode & 2) {
        if (aead) round_trip<test::toy_aead>(rest);
        else round_trip<test::toy_etm>(rest);
    } else {
        if (aead) received<test::toy_aead>(rest);
        else received<test::toy_etm>(rest);
    }
    return 0;
}
