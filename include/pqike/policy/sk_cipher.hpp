// SPDX-License-Identifier: MIT
// Policy: protection of the Encrypted payload (RFC 7296 §3.14, RFC 5282 for AEAD). One interface
// for both kinds; the SK framing code in wire/ computes aad, iv, padding and where the ICV goes.
//   encr_id, integ_id  Transform IDs (integ_id = 0 for AEAD)
//   is_aead            true: sk_a is empty and the ICV is the AEAD tag over aad
//                      false: encrypt-then-MAC, ICV = MAC(sk_a, aad | iv | ciphertext)
//   encr_key_size      length of SK_e (AEAD: key + salt, e.g. AES-256-GCM = 32 + 4)
//   integ_key_size     length of SK_a (0 for AEAD)
//   iv_size, icv_size, block_size (padding granularity; 1 for none)
//   seal(sk_e, sk_a, aad, iv, data, icv)   data (already padded) is encrypted in place
//   open(sk_e, sk_a, aad, iv, data, icv)   verifies first; on failure returns
//                                          errc::integrity_check_failed and leaves data unchanged
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

#include "../bytes.hpp"
#include "../result.hpp"

namespace pqike::policy {

template <class C>
concept SkCipherConstants = requires {
    { C::encr_id } -> std::convertible_to<std::uint16_t>;
    { C::integ_id } -> std::convertible_to<std::uint16_t>;
    { C::is_aead } -> std::convertible_to<bool>;
    { C::encr_key_size } -> std::convertible_to<std::size_t>;
    { C::integ_key_size } -> std::convertible_to<std::size_t>;
    { C::iv_size } -> std::convertible_to<std::size_t>;
    { C::icv_size } -> std::convertible_to<std::size_t>;
    { C::block_size } -> std::convertible_to<std::size_t>;
};

template <class C>
concept SkCipherOperations = requires(bytes_view sk_e, bytes_view sk_a, bytes_view aad,
                                      bytes_view iv, mut_bytes data, mut_bytes icv_out,
                                      bytes_view icv) {
    { C::seal(sk_e, sk_a, aad, iv, data, icv_out) } -> std::same_as<status>;
    { C::open(sk_e, sk_a, aad, iv, data, icv) } -> std::same_as<status>;
};

template <class C>
concept SkCipher = SkCipherConstants<C> && SkCipherOperations<C>;

}  // namespace pqike::policy
