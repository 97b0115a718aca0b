// SPDX-License-Identifier: MIT
// A heap-free, OpenSSL-free SkCipher for framing tests and fuzz targets: the "encryption" XORs a
// keystream derived from SK_e and the IV (so decrypting really changes the bytes) and the ICV is
// HMAC-SHA2-256-128 from the reference crypto/hmac.hpp. Test-only: it is not a cipher.
// IsAead selects the AEAD shape (key in SK_e, SK_a empty) or encrypt-then-MAC (SK_a = 32 octets).
#pragma once

#include <cstddef>
#include <cstdint>

#include <pqike/bytes.hpp>
#include <pqike/policy.hpp>
#include <pqike/crypto/hmac.hpp>
#include <pqike/result.hpp>

namespace pqike::test {

template <bool IsAead, std::size_t Block>
struct toy_sk_cipher {
    static constexpr std::uint16_t encr_id = 1024;  // private use (RFC 7296 §3.3.2)
    static constexpr std::uint16_t integ_id = IsAead ? 0 : 12;
    static constexpr bool is_aead = IsAead;
    static constexpr std::size_t encr_key_size = 16;
    static constexpr std::size_t integ_key_size = IsAead ? 0 : 32;
    static constexpr std::size_t iv_size = 8;
    static constexpr std::size_t icv_size = 16;
    static constexpr std::size_t block_size = Block;
    using mac = crypto::auth_hmac_sha2_256_128;

    static status seal(bytes_view sk_e, bytes_view sk_a, bytes_view aad, bytes_view iv,
                       mut_bytes data, mut_bytes icv_out) noexcept {
        if (auto s = check(sk_e, sk_a, iv, data.size(), icv_out.size()); !s) return s;
        xor_stream(sk_e, iv, data);
        std::byte k[32];
        return mac::compute(mac_key(sk_e, sk_a, k), {aad, iv, data},
                            mac::icv_span(icv_out.data(), icv_size));
    }
    static status open(bytes_view sk_e, bytes_view sk_a, bytes_view aad, bytes_view iv,
                       mut_bytes data, bytes_view icv) noexcept {
        if (auto s = check(sk_e, sk_a, iv, data.size(), icv.size()); !s) return s;
        std::byte k[32];
        if (auto s = mac::verify(mac_key(sk_e, sk_a, k), {aad, iv, data}, icv); !s) return s;
        xor_stream(sk_e, iv, data);
        return {};
    }

private:
    static bytes_view mac_key(bytes_view sk_e, bytes_view sk_a, std::byte (&k)[32]) noexcept {
        // AEAD shape: the MAC key is SK_e twice (32 octets), so SK_a can stay empty.
        if (!IsAead) return sk_a;
        for (std::size_t i = 0; i < 32; ++i) k[i] = sk_e[i % 16];
        return bytes_view{k, 32};
    }
    static status check(bytes_view sk_e, bytes_view sk_a, bytes_view iv, std::size_t n,
                        std::size_t icv) noexcept {
        if (sk_e.size() != encr_key_size || sk_a.size() != integ_key_size || iv.size() != iv_size ||
            icv != icv_size || n % block_size != 0)
            return status{errc::invalid_length, "toy", 0};
        return {};
    }
    static void xor_stream(bytes_view k, bytes_view iv, mut_bytes data) noexcept {
        for (std::size_t i = 0; i < data.size(); ++i)
            data[i] ^= k[i % 16] ^ iv[i % 8] ^ static_cast<std::byte>(i * 131u);
    }
};

using toy_aead = toy_sk_cipher<true, 1>;
using toy_etm = toy_sk_cipher<false, 16>;
static_assert(policy::SkCipher<toy_aead> && policy::SkCipher<toy_etm>);

}  // namespace pqike::test
