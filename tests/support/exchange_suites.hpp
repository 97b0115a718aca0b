// SPDX-License-Identifier: MIT
// The crypto suites the exchange tests, benchmarks and fuzz targets run the exchange helpers
// over, and the proposals and traffic selectors that negotiate them.
//   reference_suite      no package at all: toy DH (tests/support/kex_toy.hpp, a private-use
//                        method) in the classical KE's place, ML-KEM-768/1024 (FIPS 203) as KE
//                        or ADDKE, reference HMAC-SHA-256, and the test cipher that stands in
//                        for AES-CBC-256 + HMAC-SHA2-256-128 (support/sk_test_cipher.hpp: real
//                        transform IDs, because negotiation wants an integrity algorithm with
//                        any cipher it does not know as combined-mode, RFC 7296 §3.3)
//   openssl_suite        with OpenSSL 3: X25519 and AES-GCM-16-256 from the adapters,
//                        reference HMAC-SHA-256
//   openssl_prf_suite    the same with OpenSSL's HMAC-SHA-256 PRF
// PQIKE_EXCHANGE_SUITES lists those this build has, for TEST_CASE_TEMPLATE.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include <pqike/bytes.hpp>
#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/exchange/common.hpp>
#include <pqike/kex/proposal.hpp>
#if defined(PQIKE_HAVE_OPENSSL)
#include <pqike/adapters/openssl.hpp>
#endif

#include "kex_toy.hpp"
#include "sk_test_cipher.hpp"

namespace pqike::test {

// Each suite also names its classical (first) key exchange method: the KE of IKE_SA_INIT and
// of a Child SA rekey in the tests.
struct reference_suite
    : exchange::suite<kex::ke_registry<toy_dh, crypto::mlkem768, crypto::mlkem1024>, crypto::hmac_sha256,
                      hmac_stream_cipher> {
    static constexpr wire::ke_method classical = static_cast<wire::ke_method>(toy_dh::id);
};

#if defined(PQIKE_HAVE_OPENSSL)
using x25519_mlkem_methods = kex::ke_registry<adapters::openssl_x25519, crypto::mlkem768, crypto::mlkem1024>;
struct openssl_suite
    : exchange::suite<x25519_mlkem_methods, crypto::hmac_sha256, adapters::openssl_aes256_gcm16> {
    static constexpr wire::ke_method classical = wire::ke_method::curve25519;
};
struct openssl_prf_suite : exchange::suite<x25519_mlkem_methods, adapters::openssl_prf_hmac_sha2_256,
                                           adapters::openssl_aes256_gcm16> {
    static constexpr wire::ke_method classical = wire::ke_method::curve25519;
};
#define PQIKE_EXCHANGE_SUITES \
    pqike::test::reference_suite, pqike::test::openssl_suite, pqike::test::openssl_prf_suite
#else
#define PQIKE_EXCHANGE_SUITES pqike::test::reference_suite
#endif

// An IKE proposal with exactly the suite's cipher (and Key Length, when the policy names one),
// integrity algorithm (none for an AEAD) and PRF, KE `ke` and ADDKE1.. = `addke`
// (RFC 7296 §3.3, RFC 9370 §2.2): exchange::check_suite accepts what it negotiates.
template <class S>
kex::proposal ike_proposal(wire::ke_method ke, std::initializer_list<wire::ke_method> addke) {
    using C = typename S::cipher;
    using tt = wire::transform_type;
    kex::proposal p{wire::protocol_id::ike};
    std::uint16_t key_bits = 0;
    if constexpr (requires { C::key_bits; }) key_bits = C::key_bits;
    (void)p.add(tt::encr, C::encr_id, key_bits);
    if (C::integ_id != 0) (void)p.add(tt::integ, C::integ_id);
    (void)p.add(tt::prf, S::prf::transform_id);
    (void)p.add_ke(ke);
    unsigned n = 1;
    for (auto m : addke) (void)p.add_addke(n++, m);
    return p;
}

// An ESP proposal (AES-GCM-16-256, no ESN) with SPI c0 00 00 <spi_last>, optional KE and ADDKE
// methods (a Child SA rekey's, RFC 9370 §2.2.2). Only its key lengths matter: the tests do not
// encrypt ESP traffic.
inline kex::proposal esp_proposal(std::uint8_t spi_last, std::initializer_list<wire::ke_method> ke = {},
                                  std::initializer_list<wire::ke_method> addke = {}) {
    kex::proposal p{wire::protocol_id::esp};
    (void)p.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)p.add_esn(wire::esn_id::no);
    for (auto m : ke) (void)p.add_ke(m);
    unsigned n = 1;
    for (auto m : addke) (void)p.add_addke(n++, m);
    const std::array<std::byte, 4> spi{std::byte{0xc0}, std::byte{0}, std::byte{0}, std::byte{spi_last}};
    (void)p.set_spi(spi);
    return p;
}

// TS payload body: one IPv4 range 10.0.0.0-10.255.255.255, all ports (RFC 7296 §3.13.1).
inline bytes_view ts_body() {
    static const std::array<std::uint8_t, 20> b{0x01, 0, 0, 0, 0x07, 0, 0x00, 0x10, 0, 0, 0xff, 0xff,
                                                0x0a, 0, 0, 0, 0x0a, 0xff, 0xff, 0xff};
    return as_bytes_view(b.data(), b.size());
}

}  // namespace pqike::test
