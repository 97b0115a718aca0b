// SPDX-License-Identifier: MIT
// The invariants the SK/SKF fuzz targets (fuzz/targets/wire_sk_open*.cpp) check over any
// SkCipher with fixed keys (RFC 7296 §3.14, RFC 7383 §2.5); a violation aborts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <pqike/bytes.hpp>
#include <pqike/wire/sk.hpp>

namespace pqike::test {

// A received message: open must not crash; whatever opens must re-seal with the same IV,
// padding and fragment numbers to the same bytes, and its IntAuth A and P chunks (RFC 9242
// §3.1) must have the sizes the message implies.
template <class C>
void check_received(const wire::sk_keys& keys, bytes_view msg) {
    std::vector<std::byte> out(msg.size());
    auto o = wire::open<C>(keys, msg, out);
    if (!o) return;
    const wire::sk_frame& f = o->frame;
    if (o->inner.size() + o->pad_length + 1 != f.ciphertext.size()) std::abort();
    // Round trip: re-seal with the same IV and padding gives the same message.
    std::vector<std::byte> pad(o->pad_length);
    if (!pad.empty()) std::memcpy(pad.data(), out.data() + o->inner.size(), pad.size());
    wire::sk_seal_options so;
    so.iv = f.iv;
    so.padding = bytes_view{pad.data(), pad.size()};
    so.fragment = f.fragment;
    wire::protected_message m = o->view();
    std::vector<std::byte> again(msg.size());
    auto s = wire::seal<C>(keys, m, so, again);
    if (!s || s->size() != msg.size() || std::memcmp(s->data(), msg.data(), msg.size()) != 0)
        std::abort();
    std::array<std::byte, 1024> a{};
    if (wire::int_auth_a_size(m) <= a.size()) {
        auto ap = wire::int_auth_a_p(m, a);
        if (ap && (ap->p.size() != o->inner.size() || ap->a.size() != wire::int_auth_a_size(m)))
            std::abort();
    }
}

// An inner chain: seal -> open gives it back, with the fragment numbers it was sealed with
// (SKF when the first inner byte is odd).
template <class C>
void check_round_trip(const wire::sk_keys& keys, bytes_view inner) {
    if (inner.size() > 60000) return;
    wire::protected_message m;
    m.header.spi_i = 1;
    m.header.spi_r = 2;
    m.header.exchange = wire::exchange_type::ike_intermediate;
    m.header.message_id = 3;
    m.first_inner = inner.empty() ? wire::payload_type::none : wire::payload_type::ke;
    m.inner = inner;
    std::array<std::byte, C::iv_size> iv{};
    iv[0] = std::byte{7};
    wire::sk_seal_options so;
    so.iv = iv;
    if (!inner.empty() && (std::to_integer<unsigned>(inner[0]) & 1))
        so.fragment = wire::fragment_id{1, 2};
    std::vector<std::byte> buf(inner.size() + 128);
    auto s = wire::seal<C>(keys, m, so, buf);
    if (!s) std::abort();
    std::vector<std::byte> out(s->size());
    auto o = wire::open<C>(keys, *s, out);
    if (!o) std::abort();
    if (o->inner.size() != inner.size() ||
        (!inner.empty() && std::memcmp(o->inner.data(), inner.data(), inner.size()) != 0))
        std::abort();
    if (o->frame.fragment != so.fragment) std::abort();
}

}  // namespace pqike::test
