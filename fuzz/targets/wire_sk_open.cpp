// SPDX-License-Identifier: MIT
// Fuzz SK/SKF open (RFC 7296 §3.14, RFC 7383 §2.5) with a fixed key over the OpenSSL-free test
// cipher (keystream XOR + reference HMAC-SHA2-256-128, tests/sk_test_cipher.hpp), in both the
// AEAD and the encrypt-then-MAC shape.
//   byte 0 bit 0: cipher shape (0 = encrypt-then-MAC, block 16; 1 = AEAD, block 1)
//   byte 0 bit 1: 0 = the rest is a received message: open must not crash, and whatever opens
//                 must re-seal (same IV, padding, fragment numbers) to the same bytes;
//                 1 = the rest is an inner chain: seal -> open round trip, A/P chunks consistent.
#include "support/sk_fuzz.hpp"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const unsigned mode = data[0];
    const bytes_view rest = as_bytes_view(data + 1, size - 1);
    const bool aead = mode & 1;
    if (mode & 2) {
        if (aead) test::check_round_trip<test::toy_aead>(fixed_keys<test::toy_aead>(), rest);
        else test::check_round_trip<test::toy_etm>(fixed_keys<test::toy_etm>(), rest);
    } else {
        if (aead) test::check_received<test::toy_aead>(fixed_keys<test::toy_aead>(), rest);
        else test::check_received<test::toy_etm>(fixed_keys<test::toy_etm>(), rest);
    }
    return 0;
}
