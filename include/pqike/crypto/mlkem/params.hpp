// SPDX-License-Identifier: MIT
// ML-KEM parameter sets (FIPS 203 §8, Table 2) and the byte counts derived from them (Table 3).
#pragma once

#include <cstddef>
#include <cstdint>

namespace pqike::crypto::mlkem {

inline constexpr int n = 256;        // coefficients per polynomial
inline constexpr int q = 3329;       // the prime modulus, q = 13·2^8 + 1
inline constexpr std::size_t poly_bytes = 384;   // ByteEncode12 of one polynomial
inline constexpr std::size_t sym_bytes = 32;     // seeds, hashes, messages, shared secrets

// One parameter set: module rank k, CBD widths eta1/eta2, compression widths du/dv, and the
// IKEv2 Transform Type 4 ID (IANA "Transform Type 4 - Key Exchange Method Transform IDs").
template <std::size_t K, std::size_t Eta1, std::size_t Eta2, std::size_t Du, std::size_t Dv, std::uint16_t Id>
struct params {
    static constexpr std::size_t k = K;
    static constexpr std::size_t eta1 = Eta1;
    static constexpr std::size_t eta2 = Eta2;
    static constexpr std::size_t du = Du;
    static constexpr std::size_t dv = Dv;
    static constexpr std::uint16_t id = Id;

    static constexpr std::size_t polyvec_bytes = k * poly_bytes;               // 384k
    static constexpr std::size_t ek_size = polyvec_bytes + sym_bytes;          // 384k + 32
    static constexpr std::size_t dk_pke_size = polyvec_bytes;                  // 384k
    static constexpr std::size_t dk_size = 2 * polyvec_bytes + 3 * sym_bytes;  // 768k + 96
    static constexpr std::size_t c1_size = k * 32 * du;  // 32·du·k
    static constexpr std::size_t c2_size = 32 * dv;      // 32·dv
    static constexpr std::size_t ct_size = c1_size + c2_size;
    static constexpr std::size_t ss_size = sym_bytes;
};

using params512 = params<2, 3, 2, 10, 4, 35>;
using params768 = params<3, 2, 2, 10, 4, 36>;
using params1024 = params<4, 2, 2, 11, 5, 37>;

// FIPS 203 Table 3: sizes in bytes of ek, dk, c for each parameter set.
static_assert(params512::ek_size == 800 && params512::dk_size == 1632 && params512::ct_size == 768);
static_assert(params768::ek_size == 1184 && params768::dk_size == 2400 && params768::ct_size == 1088);
static_assert(params1024::ek_size == 1568 && params1024::dk_size == 3168 &&
              params1024::ct_size == 1568);

}  // namespace pqike::crypto::mlkem
