// SPDX-License-Identifier: MIT
// Heap-free, OpenSSL-free SkCipher policies for framing tests, exchange tests, benchmarks and
// fuzz targets. Test-only: none of them is a cipher.
//   toy_aead / toy_etm     the "encryption" XORs a keystream derived from SK_e and the IV (so
//                          decrypting really changes the bytes); the ICV is HMAC-SHA2-256-128
//                          from the reference crypto/hmac.hpp. Private-use ENCR ID 1024; IsAead
//                          selects the AEAD shape (key in SK_e, SK_a empty) or encrypt-then-MAC.
//   hmac_stream_cipher     stands in for ENCR_AES_CBC-256 + AUTH_HMAC_SHA2_256_128 (same IDs,
//                          Key Length and sizes), so proposals and key lengths are the real ones.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include <pqike/bytes.hpp>
#include <pqike/policy.hpp>
#include <pqike/crypto/hmac.hpp>
#include <pqike/result.hpp>
#include <pqike/secret.hpp>
#include <pqike/wire/transform.hpp>

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

// Stand-in for ENCR_AES_CBC-256 + AUTH_HMAC_SHA2_256_128 (same IDs and sizes): keystream
// block i = HMAC(SK_e, IV | i), ICV = HMAC(SK_a, aad | IV | ciphertext)[0..16).
struct hmac_stream_cipher {
    static constexpr std::uint16_t encr_id = static_cast<std::uint16_t>(wire::encr_id::aes_cbc);
    static constexpr std::uint16_t integ_id = static_cast<std::uint16_t>(wire::integ_id::hmac_sha2_256_128);
    static constexpr std::uint16_t key_bits = 256;
    static constexpr bool is_aead = false;
    static constexpr std::size_t encr_key_size = 32;
    static constexpr std::size_t integ_key_size = 32;
    static constexpr std::size_t iv_size = 16;
    static constexpr std::size_t icv_size = 16;
    static constexpr std::size_t block_size = 16;

    static void xor_stream(bytes_view sk_e, bytes_view iv, mut_bytes data) noexcept {
        const crypto::hmac_sha256 prf{sk_e};
        std::array<std::byte, 32> ks{};
        std::array<std::byte, 4> ctr{};
        for (std::size_t at = 0, i = 0; at < data.size(); at += 32, ++i) {
            store_be32(ctr.data(), static_cast<std::uint32_t>(i));
            policy::prf_compute(prf, {iv, bytes_view{ctr}}, std::span<std::byte, 32>{ks});
            for (std::size_t j = 0; j < 32 && at + j < data.size(); ++j) data[at + j] ^= ks[j];
        }
    }
    static void mac(bytes_view sk_a, bytes_view aad, bytes_view iv, bytes_view ct, std::span<std::byte, 32> out) noexcept {
        const crypto::hmac_sha256 prf{sk_a};
        policy::prf_compute(prf, {aad, iv, ct}, out);
    }
    static status seal(bytes_view sk_e, bytes_view sk_a, bytes_view aad, bytes_view iv, mut_bytes data,
                       mut_bytes icv) noexcept {
        if (sk_e.size() != encr_key_size || sk_a.size() != integ_key_size || icv.size() != icv_size)
            return {errc::invalid_length, "key", 0};
        xor_stream(sk_e, iv, data);
        std::array<std::byte, 32> t{};
        mac(sk_a, aad, iv, data, t);
        std::memcpy(icv.data(), t.data(), icv_size);
        return {};
    }
    static status open(bytes_view sk_e, bytes_view sk_a, bytes_view aad, bytes_view iv, mut_bytes data,
                       bytes_view icv) noexcept {
        if (sk_e.size() != encr_key_size || sk_a.size() != integ_key_size || icv.size() != icv_size)
            return {errc::invalid_length, "key", 0};
        std::array<std::byte, 32> t{};
        mac(sk_a, aad, iv, data, t);
        if (!ct_equal(bytes_view{t.data(), icv_size}, icv)) return {errc::integrity_check_failed, "icv", 0};
        xor_stream(sk_e, iv, data);
        return {};
    }
};

using toy_aead = toy_sk_cipher<true, 1>;
using toy_etm = toy_sk_cipher<false, 16>;
static_assert(policy::SkCipher<toy_aead> && policy::SkCipher<toy_etm> && policy::SkCipher<hmac_stream_cipher>);

}  // namespace pqike::test
