// SPDX-License-Identifier: MIT
// exchange_flood: what a responder pays per half-open IKE SA, and what a COOKIE saves it
// (RFC 7296 §2.6; issue #23 item 7). Suite: X25519 in IKE_SA_INIT, ML-KEM-768 as ADDKE1
// (OpenSSL X25519 and AES-256-GCM, pqike's HMAC-SHA-256).
//   state_bytes            sizeof of each helper: what an exchange in flight keeps between
//                          datagrams (the per-thread workspace and fragment slots are apart)
//   flood/cookie:0         100 000 IKE_SA_INIT requests (distinct SPIi), each answered by its
//                          own initial_responder that stays half-open; resident memory grown
//   flood/cookie:1         the same requests against a responder that demands a cookie: each
//                          is answered with N(COOKIE) and nothing is kept
//   sa_init/cookie:0|1     time per request, full response vs cookie challenge
//   sa_init_select         the full response from initial_responder_any<other, S> (issue #23
//                          item 3): the request picks the second suite; the difference to
//                          sa_init/cookie:0 is what choosing the suite costs
//   mlkem768_encaps        what a responder with ML-KEM in IKE_SA_INIT would pay per request
// Run: build/clang/bench/bench_exchange_flood_openssl (one run: --benchmark_repetitions=1).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdio>
#include <memory>
#include <vector>

#include <pqike/crypto/mlkem.hpp>
#include <pqike/exchange/informational.hpp>
#include <pqike/exchange/initial.hpp>
#include <pqike/exchange/rekey.hpp>
#include <pqike/exchange/suite_select.hpp>

#include "support/exchange_suites.hpp"
#include "support/rng.hpp"

namespace {

using namespace pqike;
using S = test::openssl_suite;
using responder = exchange::initial_responder<S>;

constexpr std::size_t flood_size = 100'000;

// Resident set size of this process, from /proc/self/statm (pages * page size).
std::size_t resident_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) return 0;
    unsigned long size = 0, resident = 0;
    const int n = std::fscanf(f, "%lu %lu", &size, &resident);
    std::fclose(f);
    return n == 2 ? resident * 4096u : 0;
}

struct flood_setup {
    std::array<kex::proposal, 1> ike{test::ike_proposal<S>(wire::ke_method::curve25519, {wire::ke_method::ml_kem_768})};
    exchange::initial_config ci{}, cr{};
    std::array<std::byte, 32> cookie_secret{};
    std::array<std::byte, 4> peer_ip{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{7}};
    std::vector<std::byte> request;  // one IKE_SA_INIT request; copies differ in SPIi

    flood_setup() {
        static const char psk[] = "benchmark pre-shared key 32 oct.";
        ci.ike = ike;
        ci.id = {wire::id_type::fqdn, as_bytes_view("i.example", 9)};
        ci.psk = as_bytes_view(psk, 32);
        cr = ci;
        cr.id = {wire::id_type::fqdn, as_bytes_view("r.example", 9)};
        cookie_secret.fill(std::byte{0x5c});
        cr.cookies.current.key = cookie_secret;
        exchange::initial_initiator<S> ini{ci};
        test::seeded_rng rng{1};
        std::array<std::byte, 2048> buf{};
        std::array<bytes_view, 1> slots{};
        auto o = ini.start(rng, {buf, slots});
        if (!o || o->datagrams.size() != 1) std::abort();
        request.assign(o->datagrams[0].begin(), o->datagrams[0].end());
    }
    // Request `i`: the recorded one with SPIi = i + 1 (RFC 7296 §2.6 binds the cookie to it).
    void request_number(std::size_t i, std::vector<std::byte>& out) const {
        out = request;
        store_be64(out.data(), static_cast<std::uint64_t>(i) + 1);
    }
    exchange::datagram_context context(std::size_t half_open) const {
        exchange::datagram_context c;
        c.peer_address = peer_ip;
        c.half_open = half_open;
        return c;
    }
};

const flood_setup& setup() {
    static const flood_setup s;
    return s;
}

void state_bytes(benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(&st);
    st.counters["initial_responder"] = sizeof(exchange::initial_responder<S>);
    st.counters["initial_initiator"] = sizeof(exchange::initial_initiator<S>);
    st.counters["rekey_responder"] = sizeof(exchange::rekey_responder<S>);
    st.counters["rekey_initiator"] = sizeof(exchange::rekey_initiator<S>);
    st.counters["informational_responder"] = sizeof(exchange::informational_responder<S>);
    st.counters["ike_sa"] = sizeof(exchange::ike_sa<S>);
    st.counters["workspace_per_thread"] = sizeof(exchange::workspace);
    st.counters["fragment_slot"] = sizeof(exchange::fragment_storage);
}
BENCHMARK(state_bytes)->Iterations(1);

// One pass over flood_size requests; cookie: the responder demands one from every request.
void flood(benchmark::State& st) {
    const bool cookie = st.range(0) != 0;
    const flood_setup& s = setup();
    exchange::initial_config cfg = s.cr;
    cfg.cookies.threshold = cookie ? 0 : flood_size + 1;
    test::seeded_rng rng{2};
    std::array<std::byte, 2048> buf{};
    std::array<bytes_view, 1> slots{};
    std::vector<std::byte> req;
    std::size_t grown = 0, half_open = 0, challenges = 0;
    for (auto _ : st) {
        std::vector<std::unique_ptr<responder>> held;
        held.reserve(cookie ? 1 : flood_size);
        const std::size_t before = resident_bytes();
        auto one = std::make_unique<responder>(cfg);
        for (std::size_t i = 0; i < flood_size; ++i) {
            s.request_number(i, req);
            auto o = one->on_message(req, rng, {buf, slots}, s.context(held.size()));
            if (!o) std::abort();
            if (o->cookie_challenge) {
                ++challenges;  // nothing kept: the same helper takes the next request
            } else {
                held.push_back(std::move(one));
                one = std::make_unique<responder>(cfg);
            }
        }
        grown = resident_bytes() - before;
        half_open = held.size();
    }
    st.counters["half_open"] = static_cast<double>(half_open);
    st.counters["challenges"] = static_cast<double>(challenges);
    st.counters["resident_MB"] = static_cast<double>(grown) / 1e6;
    st.counters["bytes_per_half_open"] = half_open ? static_cast<double>(grown) / static_cast<double>(half_open) : 0;
    st.counters["us_per_request"] = benchmark::Counter(static_cast<double>(flood_size),
                                                       benchmark::Counter::kIsIterationInvariantRate |
                                                           benchmark::Counter::kInvert);
}
BENCHMARK(flood)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);

// Per request: a full IKE_SA_INIT response (X25519, keys, state) or a cookie challenge.
void sa_init(benchmark::State& st) {
    const bool cookie = st.range(0) != 0;
    const flood_setup& s = setup();
    exchange::initial_config cfg = s.cr;
    cfg.cookies.threshold = cookie ? 0 : 1;
    test::seeded_rng rng{3};
    std::array<std::byte, 2048> buf{};
    std::array<bytes_view, 1> slots{};
    std::vector<std::byte> req;
    s.request_number(0, req);
    for (auto _ : st) {
        responder r{cfg};
        auto o = r.on_message(req, rng, {buf, slots}, s.context(0));
        if (!o || o->cookie_challenge != cookie) std::abort();
        benchmark::DoNotOptimize(o->datagrams.data());
    }
}
BENCHMARK(sa_init)->Arg(0)->Arg(1);

// A suite the benchmark's requests do not ask for: AES-GCM-128 with HMAC-SHA-384.
struct other_suite : exchange::suite<test::x25519_mlkem_methods, crypto::hmac_sha384, adapters::openssl_aes128_gcm16> {};

void sa_init_select(benchmark::State& st) {
    const flood_setup& s = setup();
    exchange::initial_config cfg = s.cr;
    const std::array<kex::proposal, 2> both{test::ike_proposal<other_suite>(wire::ke_method::curve25519, {wire::ke_method::ml_kem_768}),
                                            s.ike[0]};
    cfg.ike = both;
    cfg.cookies.threshold = 1;
    test::seeded_rng rng{5};
    std::array<std::byte, 2048> buf{};
    std::array<bytes_view, 1> slots{};
    std::vector<std::byte> req;
    s.request_number(0, req);
    for (auto _ : st) {
        exchange::initial_responder_any<other_suite, S> r{cfg};
        auto o = r.on_message(req, rng, {buf, slots}, s.context(0));
        if (!o || r.suite_index() != 2) std::abort();
        benchmark::DoNotOptimize(o->datagrams.data());
    }
}
BENCHMARK(sa_init_select);

void mlkem768_encaps(benchmark::State& st) {
    using M = crypto::mlkem768;
    test::seeded_rng rng{4};
    std::array<std::byte, M::ek_size> ek{};
    secret_array<M::dk_size> dk;
    if (!M::keygen(rng, std::span<std::byte, M::ek_size>(ek), dk.span())) std::abort();
    std::array<std::byte, M::ct_size> ct{};
    secret_array<M::ss_size> ss;
    for (auto _ : st) {
        if (!M::encaps(rng, std::span<const std::byte, M::ek_size>(ek), std::span<std::byte, M::ct_size>(ct), ss.span()))
            std::abort();
        benchmark::DoNotOptimize(ct.data());
    }
}
BENCHMARK(mlkem768_encaps);

}  // namespace
