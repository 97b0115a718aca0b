// SPDX-License-Identifier: MIT
// The exchange benchmark bodies, shared by bench/exchange_openssl.cpp and bench/daemon_tu.cpp
// (the latter compiles them with the whole library, as a daemon's unit would). Include once
// per executable: it registers the benchmarks.
// exchange: CPU per side of a complete initial exchange (IKE_SA_INIT X25519 + IKE_INTERMEDIATE
// ML-KEM-768 + IKE_AUTH PSK with a Child SA) and of an IKE SA rekey (CREATE_CHILD_SA X25519 +
// IKE_FOLLOWUP_KE ML-KEM-768), next to the bare X25519 and ML-KEM-768 operations the same side
// performs, so pqike's own share (framing, negotiation, key schedule, SK protection) can be read
// off: share = 1 - bare / side. OpenSSL: X25519 and AES-256-GCM; PRF: pqike's HMAC-SHA-256.
// Each side replays a recorded transcript: with the same fixed Rng it produces the same
// messages, so the peer's recorded answers authenticate and only one side is timed.
// Run with --benchmark_repetitions=5 --benchmark_report_aggregates_only=true for medians.
#pragma once

#include <benchmark/benchmark.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include <pqike/adapters/openssl.hpp>
#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/exchange/initial.hpp>
#include <pqike/exchange/rekey.hpp>

#include "support/rng.hpp"

// One namespace for all of it, so a unit that also includes other bodies sees no clash.
namespace exchange_bench {
namespace {

using namespace pqike;
using wire::ke_method;
using x25519 = adapters::openssl_x25519;
using methods = kex::ke_registry<x25519, crypto::mlkem768>;
using S = exchange::suite<methods, crypto::hmac_sha256, adapters::openssl_aes256_gcm16>;

using blob = std::vector<std::byte>;
using blobs = std::vector<blob>;

kex::proposal ike_proposal() {
    kex::proposal p{wire::protocol_id::ike};
    (void)p.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)p.add_prf(wire::prf_id::hmac_sha2_256);
    (void)p.add_ke(ke_method::curve25519);
    (void)p.add_addke(1, ke_method::ml_kem_768);
    return p;
}
kex::proposal esp_proposal() {
    kex::proposal p{wire::protocol_id::esp};
    (void)p.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)p.add_esn(wire::esn_id::no);
    const std::array<std::byte, 4> spi{std::byte{0xc0}, std::byte{0}, std::byte{0}, std::byte{1}};
    (void)p.set_spi(spi);
    return p;
}

struct setup {
    std::array<kex::proposal, 1> ike{ike_proposal()};
    std::array<kex::proposal, 1> child{esp_proposal()};
    std::array<std::uint8_t, 20> ts{0x01, 0, 0, 0, 0x07, 0, 0x00, 0x10, 0, 0, 0xff, 0xff,
                                    0x0a, 0, 0, 0, 0x0a, 0xff, 0xff, 0xff};
    exchange::initial_config ci{}, cr{};
    exchange::rekey_config rk{};
    // Recorded transcripts: requests (initiator -> responder) and responses, per exchange.
    std::vector<blobs> init_requests, init_responses, rekey_requests, rekey_responses;
    std::optional<exchange::ike_sa<S>> sa_i, sa_r;

    setup() {
        static const char psk[] = "benchmark pre-shared key 32 oct.";
        ci.ike = ike;
        ci.child = child;
        ci.ts_i = as_bytes_view(ts.data(), ts.size());
        ci.ts_r = ci.ts_i;
        ci.id = {wire::id_type::fqdn, as_bytes_view("i.example", 9)};
        ci.psk = as_bytes_view(psk, 32);
        cr = ci;
        cr.id = {wire::id_type::fqdn, as_bytes_view("r.example", 9)};
        rk.proposals = ike;
        record_initial();
        record_rekey();
    }

    static blobs copy(const exchange::outgoing& o) {
        blobs b;
        for (auto d : o.datagrams) b.emplace_back(d.begin(), d.end());
        return b;
    }

    void record_initial() {
        auto ini = std::make_unique<exchange::initial_initiator<S>>(ci);
        auto rsp = std::make_unique<exchange::initial_responder<S>>(cr);
        test::seeded_rng ri{1}, rr{2};
        std::vector<std::byte> b1(16384), b2(16384);
        std::array<bytes_view, 32> s1{}, s2{};
        auto o = ini->start(ri, {b1, s1});
        if (!o) std::abort();
        blobs req = copy(*o);
        while (!req.empty()) {
            init_requests.push_back(req);
            blobs resp;
            for (auto& d : req) {
                auto r = rsp->on_message(bytes_view{d}, rr, {b2, s2});
                if (!r || r->is_refusal()) std::abort();
                if (!r->empty()) resp = copy(*r);
            }
            init_responses.push_back(resp);
            req.clear();
            for (auto& d : resp) {
                auto r = ini->on_message(bytes_view{d}, ri, {b1, s1});
                if (!r) std::abort();
                if (!r->empty()) req = copy(*r);
            }
        }
        if (!ini->established() || !rsp->established()) std::abort();
        sa_i = ini->sa();
        sa_r = rsp->sa();
    }

    void record_rekey() {
        auto a = *sa_i;
        auto b = *sa_r;
        auto ki = std::make_unique<exchange::rekey_initiator<S>>(a, rk);
        auto kr = std::make_unique<exchange::rekey_responder<S>>(b, rk);
        test::seeded_rng ri{3}, rr{4};
        std::vector<std::byte> b1(16384), b2(16384);
        std::array<bytes_view, 32> s1{}, s2{};
        auto o = ki->start(ri, {b1, s1});
        if (!o) std::abort();
        blobs req = copy(*o);
        while (!req.empty()) {
            rekey_requests.push_back(req);
            blobs resp;
            for (auto& d : req) {
                auto r = kr->on_message(bytes_view{d}, rr, {b2, s2});
                if (!r || r->is_refusal()) std::abort();
                if (!r->empty()) resp = copy(*r);
            }
            rekey_responses.push_back(resp);
            req.clear();
            for (auto& d : resp) {
                auto r = ki->on_message(bytes_view{d}, ri, {b1, s1});
                if (!r) std::abort();
                if (!r->empty()) req = copy(*r);
            }
        }
        if (!ki->done() || !kr->done()) std::abort();
    }
};

setup& world() {
    static setup s;
    return s;
}

struct io {
    std::vector<std::byte> bytes = std::vector<std::byte>(16384);
    std::array<bytes_view, 32> slots{};
    exchange::out_buffer out() { return {bytes, slots}; }
};

void BM_initial_initiator(benchmark::State& st) {
    auto& w = world();
    io b;
    for (auto _ : st) {
        auto ini = std::make_unique<exchange::initial_initiator<S>>(w.ci);
        test::seeded_rng r{1};
        if (!ini->start(r, b.out())) std::abort();
        for (auto& resp : w.init_responses)
            for (auto& d : resp)
                if (!ini->on_message(bytes_view{d}, r, b.out())) std::abort();
        if (!ini->established()) std::abort();
    }
}
BENCHMARK(BM_initial_initiator)->Unit(benchmark::kMicrosecond);

void BM_initial_responder(benchmark::State& st) {
    auto& w = world();
    io b;
    for (auto _ : st) {
        auto rsp = std::make_unique<exchange::initial_responder<S>>(w.cr);
        test::seeded_rng r{2};
        for (auto& req : w.init_requests)
            for (auto& d : req)
                if (!rsp->on_message(bytes_view{d}, r, b.out())) std::abort();
        if (!rsp->established()) std::abort();
    }
}
BENCHMARK(BM_initial_responder)->Unit(benchmark::kMicrosecond);

void BM_ike_rekey_initiator(benchmark::State& st) {
    auto& w = world();
    io b;
    for (auto _ : st) {
        auto sa = *w.sa_i;
        auto k = std::make_unique<exchange::rekey_initiator<S>>(sa, w.rk);
        test::seeded_rng r{3};
        if (!k->start(r, b.out())) std::abort();
        for (auto& resp : w.rekey_responses)
            for (auto& d : resp)
                if (!k->on_message(bytes_view{d}, r, b.out())) std::abort();
        if (!k->done()) std::abort();
    }
}
BENCHMARK(BM_ike_rekey_initiator)->Unit(benchmark::kMicrosecond);

void BM_ike_rekey_responder(benchmark::State& st) {
    auto& w = world();
    io b;
    for (auto _ : st) {
        auto sa = *w.sa_r;
        auto k = std::make_unique<exchange::rekey_responder<S>>(sa, w.rk);
        test::seeded_rng r{4};
        for (auto& req : w.rekey_requests)
            for (auto& d : req)
                if (!k->on_message(bytes_view{d}, r, b.out())) std::abort();
        if (!k->done()) std::abort();
    }
}
BENCHMARK(BM_ike_rekey_responder)->Unit(benchmark::kMicrosecond);

// ---- the bare key-exchange operations of each side ----------------------------------------------
// Initiator: X25519 keygen + derive, ML-KEM-768 KeyGen + Decaps. Responder: X25519 keygen +
// derive, ML-KEM-768 ek check + Encaps.
struct bare_inputs {
    std::array<std::byte, 32> peer_pub{};
    std::array<std::byte, crypto::mlkem768::ek_size> ek{};
    std::array<std::byte, crypto::mlkem768::dk_size> dk{};
    std::array<std::byte, crypto::mlkem768::ct_size> ct{};
    bare_inputs() {
        test::seeded_rng r{9};
        std::array<std::byte, 32> priv{}, ss{};
        if (!x25519::keygen(r, priv, peer_pub)) std::abort();
        if (!crypto::mlkem768::keygen(r, ek, dk)) std::abort();
        if (!crypto::mlkem768::encaps(r, ek, ct, ss)) std::abort();
    }
};

void BM_bare_initiator_ops(benchmark::State& st) {
    static bare_inputs in;
    test::seeded_rng r{5};
    std::array<std::byte, 32> priv{}, pub{}, ss{}, ss2{};
    std::array<std::byte, crypto::mlkem768::ek_size> ek{};
    std::array<std::byte, crypto::mlkem768::dk_size> dk{};
    for (auto _ : st) {
        if (!x25519::keygen(r, priv, pub)) std::abort();
        if (!x25519::derive(priv, in.peer_pub, ss)) std::abort();
        if (!crypto::mlkem768::keygen(r, ek, dk)) std::abort();
        if (!crypto::mlkem768::decaps(in.dk, in.ct, ss2)) std::abort();
        benchmark::DoNotOptimize(ss2);
    }
}
BENCHMARK(BM_bare_initiator_ops)->Unit(benchmark::kMicrosecond);

void BM_bare_responder_ops(benchmark::State& st) {
    static bare_inputs in;
    test::seeded_rng r{6};
    std::array<std::byte, 32> priv{}, pub{}, ss{}, ss2{};
    std::array<std::byte, crypto::mlkem768::ct_size> ct{};
    for (auto _ : st) {
        if (!x25519::keygen(r, priv, pub)) std::abort();
        if (!x25519::derive(priv, in.peer_pub, ss)) std::abort();
        if (!crypto::mlkem768::check_ek(in.ek)) std::abort();
        if (!crypto::mlkem768::encaps(r, in.ek, ct, ss2)) std::abort();
        benchmark::DoNotOptimize(ss2);
    }
}
BENCHMARK(BM_bare_responder_ops)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace exchange_bench
