// Shared set-up for the exchange tests: a deterministic Rng, proposals, two configs, and a driver
// that carries datagrams between two helpers in memory.
#pragma once

#include "common.hpp"

#include <pqike/adapters/openssl.hpp>
#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/exchange/initial.hpp>
//REKEY
//INFO

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace exh {

using namespace pqike;
using namespace pqike::test;
using wire::ke_method;

using methods = kex::ke_registry<adapters::openssl_x25519, crypto::mlkem768, crypto::mlkem1024>;
using ref_suite = exchange::suite<methods, crypto::hmac_sha256, adapters::openssl_aes256_gcm16>;
using ossl_suite = exchange::suite<methods, adapters::openssl_prf_hmac_sha2_256, adapters::openssl_aes256_gcm16>;

// SplitMix64 stream: the same seed gives the same keys, nonces, SPIs and IVs on every run.
struct fixed_rng {
    std::uint64_t s;
    status fill(mut_bytes out) noexcept {
        for (auto& b : out) {
            s += 0x9e3779b97f4a7c15ull;
            std::uint64_t z = s;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            b = static_cast<std::byte>((z ^ (z >> 31)) & 0xff);
        }
        return {};
    }
};

inline kex::proposal ike_proposal(std::initializer_list<ke_method> addke) {
    kex::proposal p{wire::protocol_id::ike};
    (void)p.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)p.add_prf(wire::prf_id::hmac_sha2_256);
    (void)p.add_ke(ke_method::curve25519);
    unsigned n = 1;
    for (auto m : addke) (void)p.add_addke(n++, m);
    return p;
}

inline kex::proposal esp_proposal(std::uint8_t spi_last, std::initializer_list<ke_method> ke = {},
                                  std::initializer_list<ke_method> addke = {}) {
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

inline bytes_view psk() { return as_bytes_view("a pre-shared key of thirty-two!!", 32); }

// A datagram buffer with room for fragments.
struct buffer {
    std::vector<std::byte> bytes = std::vector<std::byte>(16384);
    std::array<bytes_view, 32> slots{};
    exchange::out_buffer out() { return {bytes, slots}; }
};

// Copies of datagrams (the helpers' outputs live in a buffer that the next call overwrites).
using datagrams = std::vector<std::vector<std::byte>>;
inline datagrams copy(const exchange::outgoing& o) {
    datagrams d;
    for (auto v : o.datagrams) d.emplace_back(v.begin(), v.end());
    return d;
}

}  // namespace exh
