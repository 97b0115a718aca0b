// SPDX-License-Identifier: MIT
// IKEv2 Transform Types and the Transform IDs of types 1 (ENCR), 2 (PRF), 3 (INTEG) and 5 (ESN),
// plus Transform Attribute Types (IANA "IKEv2 Transform Type Values" and its sub-registries).
// Key exchange method IDs (types 4 and 6..12) are their own registry: ke_method.hpp.
#pragma once

#include <cstdint>

#include "registry.hpp"

namespace pqike::wire {

enum class transform_type : std::uint8_t {
    encr = 1,   // Encryption Algorithm
    prf = 2,    // Pseudorandom Function
    integ = 3,  // Integrity Algorithm
    ke = 4,     // Key Exchange Method (formerly D-H Group), RFC 9370 §2.1
    esn = 5,    // Extended Sequence Numbers (formerly "Sequence Numbers")
    addke1 = 6, // Additional Key Exchange 1..7, RFC 9370 §2.1
    addke2 = 7,
    addke3 = 8,
    addke4 = 9,
    addke5 = 10,
    addke6 = 11,
    addke7 = 12,
};

constexpr std::uint8_t to_number(transform_type t) noexcept { return static_cast<std::uint8_t>(t); }

// Types 4 and 6..12 carry a key exchange method ID (ke_method.hpp).
constexpr bool is_key_exchange(transform_type t) noexcept {
    return t == transform_type::ke ||
           (to_number(t) >= to_number(transform_type::addke1) &&
            to_number(t) <= to_number(transform_type::addke7));
}
// Index of a key exchange type: 0 for KE, 1..7 for ADDKE1..7 (only for is_key_exchange types).
constexpr unsigned key_exchange_index(transform_type t) noexcept {
    return t == transform_type::ke ? 0u
                                   : 1u + to_number(t) - to_number(transform_type::addke1);
}
// ADDKEn for n in 1..7.
constexpr transform_type addke(unsigned n) noexcept {
    return static_cast<transform_type>(to_number(transform_type::addke1) + n - 1);
}

constexpr const char* name(transform_type t) noexcept {
    switch (t) {
        case transform_type::encr: return "ENCR";
        case transform_type::prf: return "PRF";
        case transform_type::integ: return "INTEG";
        case transform_type::ke: return "KE";
        case transform_type::esn: return "ESN";
        case transform_type::addke1: return "ADDKE1";
        case transform_type::addke2: return "ADDKE2";
        case transform_type::addke3: return "ADDKE3";
        case transform_type::addke4: return "ADDKE4";
        case transform_type::addke5: return "ADDKE5";
        case transform_type::addke6: return "ADDKE6";
        case transform_type::addke7: return "ADDKE7";
    }
    return unknown_name;
}

// Transform Type 1 IDs in common use (RFC 7296 §3.3.2, RFC 5282, RFC 7634).
enum class encr_id : std::uint16_t {
    des3 = 3,
    null = 11,
    aes_cbc = 12,              // RFC 3602; needs Key Length
    aes_ctr = 13,              // RFC 5930
    aes_ccm_8 = 14,            // RFC 5282
    aes_ccm_12 = 15,
    aes_ccm_16 = 16,
    aes_gcm_8 = 18,            // RFC 5282
    aes_gcm_12 = 19,
    aes_gcm_16 = 20,
    null_auth_aes_gmac = 21,   // RFC 4543 (ESP only)
    camellia_cbc = 23,         // RFC 5529
    chacha20_poly1305 = 28,    // RFC 7634
};

constexpr const char* name(encr_id t) noexcept {
    switch (t) {
        case encr_id::des3: return "ENCR_3DES";
        case encr_id::null: return "ENCR_NULL";
        case encr_id::aes_cbc: return "ENCR_AES_CBC";
        case encr_id::aes_ctr: return "ENCR_AES_CTR";
        case encr_id::aes_ccm_8: return "ENCR_AES_CCM_8";
        case encr_id::aes_ccm_12: return "ENCR_AES_CCM_12";
        case encr_id::aes_ccm_16: return "ENCR_AES_CCM_16";
        case encr_id::aes_gcm_8: return "ENCR_AES_GCM_8";
        case encr_id::aes_gcm_12: return "ENCR_AES_GCM_12";
        case encr_id::aes_gcm_16: return "ENCR_AES_GCM_16";
        case encr_id::null_auth_aes_gmac: return "ENCR_NULL_AUTH_AES_GMAC";
        case encr_id::camellia_cbc: return "ENCR_CAMELLIA_CBC";
        case encr_id::chacha20_poly1305: return "ENCR_CHACHA20_POLY1305";
    }
    return unknown_name;
}

// Transform Type 2 IDs (RFC 7296 §3.3.2, RFC 4868, RFC 4434, RFC 4615).
enum class prf_id : std::uint16_t {
    hmac_md5 = 1,
    hmac_sha1 = 2,
    aes128_xcbc = 4,
    hmac_sha2_256 = 5,
    hmac_sha2_384 = 6,
    hmac_sha2_512 = 7,
    aes128_cmac = 8,
};

constexpr const char* name(prf_id t) noexcept {
    switch (t) {
        case prf_id::hmac_md5: return "PRF_HMAC_MD5";
        case prf_id::hmac_sha1: return "PRF_HMAC_SHA1";
        case prf_id::aes128_xcbc: return "PRF_AES128_XCBC";
        case prf_id::hmac_sha2_256: return "PRF_HMAC_SHA2_256";
        case prf_id::hmac_sha2_384: return "PRF_HMAC_SHA2_384";
        case prf_id::hmac_sha2_512: return "PRF_HMAC_SHA2_512";
        case prf_id::aes128_cmac: return "PRF_AES128_CMAC";
    }
    return unknown_name;
}

// Transform Type 3 IDs (RFC 7296 §3.3.2, RFC 4868, RFC 4494, RFC 4543).
enum class integ_id : std::uint16_t {
    none = 0,
    hmac_md5_96 = 1,
    hmac_sha1_96 = 2,
    aes_xcbc_96 = 5,
    aes_cmac_96 = 8,
    aes_128_gmac = 9,
    aes_192_gmac = 10,
    aes_256_gmac = 11,
    hmac_sha2_256_128 = 12,
    hmac_sha2_384_192 = 13,
    hmac_sha2_512_256 = 14,
};

constexpr const char* name(integ_id t) noexcept {
    switch (t) {
        case integ_id::none: return "NONE";
        case integ_id::hmac_md5_96: return "AUTH_HMAC_MD5_96";
        case integ_id::hmac_sha1_96: return "AUTH_HMAC_SHA1_96";
        case integ_id::aes_xcbc_96: return "AUTH_AES_XCBC_96";
        case integ_id::aes_cmac_96: return "AUTH_AES_CMAC_96";
        case integ_id::aes_128_gmac: return "AUTH_AES_128_GMAC";
        case integ_id::aes_192_gmac: return "AUTH_AES_192_GMAC";
        case integ_id::aes_256_gmac: return "AUTH_AES_256_GMAC";
        case integ_id::hmac_sha2_256_128: return "AUTH_HMAC_SHA2_256_128";
        case integ_id::hmac_sha2_384_192: return "AUTH_HMAC_SHA2_384_192";
        case integ_id::hmac_sha2_512_256: return "AUTH_HMAC_SHA2_512_256";
    }
    return unknown_name;
}

// True for the combined-mode ciphers, whose SK_a is empty (RFC 5282 §8).
constexpr bool is_aead(encr_id id) noexcept {
    switch (id) {
        case encr_id::aes_ccm_8:
        case encr_id::aes_ccm_12:
        case encr_id::aes_ccm_16:
        case encr_id::aes_gcm_8:
        case encr_id::aes_gcm_12:
        case encr_id::aes_gcm_16:
        case encr_id::chacha20_poly1305:
            return true;
        default:
            return false;
    }
}

// Transform Type 5 IDs (RFC 7296 §3.3.2).
enum class esn_id : std::uint16_t {
    no = 0,
    yes = 1,
};

constexpr const char* name(esn_id t) noexcept {
    switch (t) {
        case esn_id::no: return "No ESN";
        case esn_id::yes: return "ESN";
    }
    return unknown_name;
}

// Transform Attribute Types (RFC 7296 §3.3.5). Key Length is the only one defined; it is sent
// in TV form (AF bit set), value in bits.
enum class attribute_type : std::uint16_t {
    key_length = 14,
};

constexpr const char* name(attribute_type t) noexcept {
    switch (t) {
        case attribute_type::key_length: return "Key Length";
    }
    return unknown_name;
}

}  // namespace pqike::wire
