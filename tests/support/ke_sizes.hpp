// SPDX-License-Identifier: MIT
// Size-only stand-ins for key exchange methods, for codec tests and benchmarks: the KE payload
// views (wire::ke_view_for) need a method's number and sizes, not its crypto.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pqike::test {

// A KEM's method number, encapsulation key and ciphertext sizes.
template <std::uint16_t Id, std::size_t Ek, std::size_t Ct>
struct kem_sizes {
    static constexpr std::uint16_t id = Id;
    static constexpr std::size_t ek_size = Ek;
    static constexpr std::size_t ct_size = Ct;
};
// ML-KEM (draft-ietf-ipsecme-ikev2-mlkem §2 table; FIPS 203 Table 3).
using mlkem512_sizes = kem_sizes<35, 800, 768>;
using mlkem768_sizes = kem_sizes<36, 1184, 1088>;
using mlkem1024_sizes = kem_sizes<37, 1568, 1568>;

// X25519: method 31, 32-octet public values (RFC 8031 §2).
struct x25519_sizes {
    static constexpr std::uint16_t id = 31;
    static constexpr std::size_t public_size = 32;
};

}  // namespace pqike::test
