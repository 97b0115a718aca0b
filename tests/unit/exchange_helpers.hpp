// SPDX-License-Identifier: MIT
// Shared set-up for the exchange tests: a deterministic Rng, proposals, two configs, and a driver
// that carries datagrams between two helpers in memory.
#pragma once

#include "common.hpp"

#include <pqike/adapters/openssl.hpp>
#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/exchange/initial.hpp>
#include <pqike/exchange/rekey.hpp>
#include <pqike/exchange/informational.hpp>

#include <array>
#include <cstdint>
#include <functional>
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


struct peers_cfg {
    std::array<kex::proposal, 1> ike_i;
    std::array<kex::proposal, 1> ike_r;
    std::array<kex::proposal, 1> child_i{esp_proposal(1)};
    std::array<kex::proposal, 1> child_r{esp_proposal(2)};
    exchange::initial_config ci{};
    exchange::initial_config cr{};
    peers_cfg(std::initializer_list<ke_method> addke_i, std::initializer_list<ke_method> addke_r)
        : ike_i{ike_proposal(addke_i)}, ike_r{ike_proposal(addke_r)} {
        ci.ike = ike_i;
        ci.child = child_i;
        ci.ts_i = ts_body();
        ci.ts_r = ts_body();
        ci.id = exchange::identity{wire::id_type::fqdn, view("alice.example")};
        ci.psk = psk();
        cr.ike = ike_r;
        cr.child = child_r;
        cr.id = exchange::identity{wire::id_type::fqdn, view("bob.example")};
        cr.psk = psk();
    }
};

template <class S>
struct pair {
    std::unique_ptr<exchange::initial_initiator<S>> ini;
    std::unique_ptr<exchange::initial_responder<S>> rsp;
    std::size_t max_fragments_seen = 0;
    std::size_t exchanges = 0;
    pair(const peers_cfg& c)
        : ini(std::make_unique<exchange::initial_initiator<S>>(c.ci)),
          rsp(std::make_unique<exchange::initial_responder<S>>(c.cr)) {}

    // Runs until both are established or a call fails.
    void run(fixed_rng& ri, fixed_rng& rr) {
        buffer bi, br;
        auto o = ini->start(ri, bi.out());
        REQUIRE(o);
        datagrams req = copy(*o);
        for (int guard = 0; guard < 20 && !req.empty(); ++guard) {
            ++exchanges;
            max_fragments_seen = std::max(max_fragments_seen, req.size());
            datagrams resp;
            for (auto& d : req) {
                auto r = rsp->on_message(view(d), rr, br.out());
                REQUIRE(r);
                REQUIRE_FALSE(r->is_refusal());
                if (!r->empty()) resp = copy(*r);
            }
            max_fragments_seen = std::max(max_fragments_seen, resp.size());
            req.clear();
            for (auto& d : resp) {
                auto r = ini->on_message(view(d), ri, bi.out());
                REQUIRE(r);
                if (!r->empty()) req = copy(*r);
            }
        }
    }
};

template <class P>
bool same_ike_keys(const keys::ike_sa_keys<P>& a, const keys::ike_sa_keys<P>& b) {
    return ct_equal(a.sk_d(), b.sk_d()) && ct_equal(a.sk_ai(), b.sk_ai()) && ct_equal(a.sk_ar(), b.sk_ar()) &&
           ct_equal(a.sk_ei(), b.sk_ei()) && ct_equal(a.sk_er(), b.sk_er()) && ct_equal(a.sk_pi(), b.sk_pi()) &&
           ct_equal(a.sk_pr(), b.sk_pr());
}


// Carries one exchange's datagrams between an initiator-side and a responder-side helper until
// the initiator has nothing more to send; returns the number of exchanges.
template <class I, class Rsp>
std::size_t drive(exchange::outgoing first, I&& on_initiator, Rsp&& on_responder) {
    std::size_t n = 0;
    datagrams req = copy(first);
    for (int guard = 0; guard < 20 && !req.empty(); ++guard) {
        ++n;
        datagrams resp;
        for (auto& d : req) {
            auto r = on_responder(view(d));
            REQUIRE(r);
            REQUIRE_FALSE(r->is_refusal());
            if (!r->empty()) resp = copy(*r);
        }
        req.clear();
        for (auto& d : resp) {
            auto r = on_initiator(view(d));
            REQUIRE(r);
            if (!r->empty()) req = copy(*r);
        }
    }
    return n;
}

}  // namespace exh
