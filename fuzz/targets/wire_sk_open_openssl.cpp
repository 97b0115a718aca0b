// SPDX-License-Identifier: MIT
// Fuzz SK/SKF open over the OpenSSL adapters (AES-GCM-16-256 and AES-CBC-256 + HMAC-SHA2-256-128)
// with the fixed keys of strongSwan's s1/s3 captures (stage 1, initiator), so real datagrams in
// the seed corpus authenticate and mutations explore both the framing and the decrypt path.
//   byte 0 bit 0: 0 = AES-CBC + HMAC (s3 keys), 1 = AES-GCM (s1 keys)
//   byte 0 bit 1: 0 = the rest is a received message: open must not crash, and whatever opens
//                 must re-seal with the same IV and padding to the same bytes;
//                 1 = the rest is an inner chain: seal -> open round trip.
// The invariants are tests/support/sk_fuzz.hpp's, shared with wire_sk_open.
#include <pqike/adapters/openssl.hpp>
#include <pqike/tools/hex.hpp>
#include <pqike/wire/sk.hpp>

#include "support/sk_fuzz.hpp"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bytes_view rest = as_bytes_view(data + 1, size - 1);
    const bool aead = data[0] & 1;
    if (data[0] & 2) {
        if (aead) test::check_round_trip<gcm>(fixed_keys<gcm>(), rest);
        else test::check_round_trip<cbc>(fixed_keys<cbc>(), rest);
    } else {
        if (aead) test::check_received<gcm>(fixed_keys<gcm>(), rest);
        else test::check_received<cbc>(fixed_keys<cbc>(), rest);
    }
    return 0;
}
