// SPDX-License-Identifier: MIT
// Fuzz SK/SKF open over the OpenSSL adapters (AES-GCM-16-256 and AES-CBC-256 + HMAC-SHA2-256-128)
// with the fixed keys of strongSwan's s1/s3 captures (stage 1, initiator), so real datagrams in
// the seed corpus authenticate and mutations explore both the framing and the decrypt path.
//   byte 0 bit 0: 0 = AES-CBC + HMAC (s3 keys), 1 = AES-GCM (s1 keys)
//   byte 0 bit 1: 0 = the rest is a received message: open must not crash, and whatever opens
//                 must re-seal with the same IV and padding to the same bytes;
//                 1 = the rest is an inner chain: seal -> open round trip.
#include <pqike/adapters/openssl.hpp>
#include <pqike/tools/hex.hpp>
#include <pqike/wire/sk.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace pqike;
using namespace pqike::wire;
using gcm = adapters::openssl_aes256_gcm16;
using cbc = adapters::openssl_aes256_cbc_hmac_sha256_128;

namespace {

template <std::size_t N>
std::array<std::byte, N> key(const char* hex) {
    std::array<std::byte, N> k{};
    auto r = hex::decode_to(hex, k);
    if (!r || *r != N) std::abort();
    return k;
}

// SK_ei / SK_ai of IKE_SA_1 stage 1 (tests/data/strongswan_sk.json).
template <class C>
sk_keys fixed_keys() {
    if constexpr (C::is_aead) {
        static const auto e = key<36>(
            "1c535cc60a2703becce99c5a09cf8f4f98e95f7f0049a701fd9415874e6999fbc0c0bc81");
        return {bytes_view{e}, {}};
    } else {
        static const auto e =
            key<32>("bf3ca56615f47efd3a3de6080629335ac665165bce4de40473a5fc7dc50a1b23");
        static const auto a =
            key<32>("01a07ef27a2fcb828a4c28ae31f769760ff81753f83d6657778871c9f9bca6cd");
        return {bytes_view{e}, bytes_view{a}};
    }
}

template <class C>
void received(bytes_view msg) {
    const sk_keys keys = fixed_keys<C>();
    std::vector<std::byte> out(msg.size());
    auto o = open<C>(keys, msg, out);
    if (!o) return;
    if (o->inner.size() + o->pad_length + 1 != o->frame.ciphertext.size()) std::abort();
    std::vector<std::byte> pad(o->pad_length);
    if (!pad.empty()) std::memcpy(pad.data(), out.data() + o->inner.size(), pad.size());
    sk_seal_options so;
    so.iv = o->frame.iv;
    so.padding = bytes_view{pad.data(), pad.size()};
    so.fragment = o->frame.fragment;
    std::vector<std::byte> again(msg.size());
    auto s = seal<C>(keys, o->view(), so, again);
    if (!s || s->size() != msg.size() || std::memcmp(s->data(), msg.data(), msg.size()) != 0)
        std::abort();
}

template <class C>
void round_trip(bytes_view inner) {
    if (inner.size() > 60000) return;
    const sk_keys keys = fixed_keys<C>();
    protected_message m;
    m.header.spi_i = 1;
    m.header.exchange = exchange_type::informational;
    m.first_inner = payload_type::del;
    m.inner = inner;
    std::array<std::byte, C::iv_size> iv{};
    sk_seal_options so;
    so.iv = iv;
    std::vector<std::byte> buf(inner.size() + 128);
    auto s = seal<C>(keys, m, so, buf);
    if (!s) std::abort();
    std::vector<std::byte> out(s->size());
    auto o = open<C>(keys, *s, out);
    if (!o || o->inner.size() != inner.size() ||
        (!inner.empty() && std::memcmp(o->inner.data(), inner.data(), inner.size()) != 0))
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bytes_view rest = as_bytes_view(data + 1, size - 1);
    const bool aead = data[0] & 1;
    if (data[0] & 2) {
        if (aead) round_trip<gcm>(rest);
        else round_trip<cbc>(rest);
    } else {
        if (aead) received<gcm>(rest);
        else received<cbc>(rest);
    }
    return 0;
}
