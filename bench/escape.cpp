// SPDX-License-Identifier: MIT
// Migration storm: a provider escapes N = 100 000 consumers (docs/escape-message.md).
//   escape_build_verify      per consumer: derive its K (provider side, no per-consumer key
//                            cache), build + tag the ESCAPE, the consumer verifies it.
//                            Floor of issue 7: >= 200 000 messages/s/core with HMAC-SHA-256.
//   escape_round_trip        the whole escape phase through the state machines: provider
//                            start, consumer on_message (ACK), provider on_message.
//   rekey_consumer_mlkem768  the consumer's side of the ML-KEM-768 IKE SA rekey it then runs
//                            (initiator: keygen + decaps, SKEYSEED + 7 keys, PPK mix, CONFIRM
//                            keys, send CONFIRM, verify the provider's).
//   rekey_provider_mlkem768  the provider's side (responder: encaps, key schedule, PPK mix,
//                            CONFIRM) plus its escape work: one complete migration as the
//                            provider pays it. Cores for 10 million SAs in one hour =
//                            10^7 / 3600 / (this rate).
// The provider's memory per consumer is reported as the counter `session_bytes`.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/escape/consumer.hpp>
#include <pqike/escape/hndl.hpp>
#include <pqike/escape/provider.hpp>
#include <pqike/keys/rekey.hpp>

namespace {

using namespace pqike;
using namespace pqike::escape;
using P = crypto::hmac_sha256;
using K = crypto::mlkem768;

constexpr std::size_t consumers = 100000;
constexpr std::uint16_t offered[] = {36, 37};
constexpr std::uint16_t supported[] = {36};
constexpr char key_id_text[] = "escape-key-1";
constexpr char ppk_id_text[] = "ppk-2026";
const bytes_view key_id = as_bytes_view(key_id_text, sizeof key_id_text - 1);
const bytes_view ppk_id = as_bytes_view(ppk_id_text, sizeof ppk_id_text - 1);
const keys::sa_key_lengths lengths{32, 0, 36};

std::array<std::byte, 32> filled(std::uint8_t v) {
    std::array<std::byte, 32> a{};
    a.fill(std::byte{v});
    return a;
}
const auto psk = filled(0x11);
const auto ppk = filled(0x22);

// SPIi | SPIr of consumer i.
std::array<std::byte, 16> binding_of(std::size_t i) {
    std::array<std::byte, 16> b{};
    store_be64(b.data(), 0x1000000000000000ull + i);
    store_be64(b.data() + 8, 0x2000000000000000ull + i);
    return b;
}

provider_config pcfg() {
    provider_config c;
    c.methods = offered;
    c.ppk_id = ppk_id;
    c.why = reason::quantum_threat;
    c.flags = flag::broadcast;
    return c;
}
consumer_config ccfg() {
    static const bytes_view ids[] = {ppk_id};
    consumer_config c;
    c.methods = supported;
    c.ppk_ids = ids;
    return c;
}

const std::uint16_t negotiated[] = {31, 36};  // X25519 in KE, ML-KEM-768 in ADDKE1

provider<P> make_provider() {
    auto p = provider<P>::make(pcfg());
    if (!p) std::abort();
    return *p;
}
consumer<P> make_consumer(const consumer_config& c, const key_pair<P>& k) {
    auto x = consumer<P>::make(c, k);
    if (!x) std::abort();
    return *x;
}

// Consumers hold their own keys (derived once at provisioning).
const std::vector<tag_key<P>>& consumer_keys() {
    static const std::vector<tag_key<P>> v = [] {
        std::vector<tag_key<P>> out;
        out.reserve(consumers);
        for (std::size_t i = 0; i < consumers; ++i) {
            const auto b = binding_of(i);
            auto k = tag_key<P>::derive(key_mode::escape_psk, direction::provider_to_consumer, psk, key_id, b);
            if (!k) std::abort();
            out.push_back(*k);
        }
        return out;
    }();
    return v;
}

void escape_build_verify(benchmark::State& state) {
    const auto& ck = consumer_keys();
    std::vector<provider_session> sessions(consumers);
    std::array<std::byte, limits::max_message> out{};
    std::array<std::byte, 16> nonce{};
    std::size_t i = 0;
    std::uint64_t seq = 1;
    for (auto _ : state) {
        const auto b = binding_of(i);
        auto k = tag_key<P>::derive(key_mode::escape_psk, direction::provider_to_consumer, psk, key_id, b);
        store_be64(nonce.data(), seq);
        fields f;
        f.type = msg_type::escape;
        f.sequence = seq++;
        f.timestamp = 1767225600;
        f.nonce = nonce;
        f.ke_methods = offered;
        f.proc = procedure::ike_sa_rekey;
        f.deadline = 3600;
        f.ppk_id = ppk_id;
        auto m = seal(*k, f, out);
        auto v = verify(ck[i], *m);
        if (!v) state.SkipWithError("verify failed");
        benchmark::DoNotOptimize(v->sequence());
        if (++i == consumers) i = 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["session_bytes"] = sizeof(provider_session);
    state.counters["provider_MB_per_100k"] = static_cast<double>(sizeof(provider_session) * consumers) / 1e6;
}
BENCHMARK(escape_build_verify);

void escape_round_trip(benchmark::State& state) {
    std::vector<provider_session> sessions(consumers);
    provider<P> prov = make_provider();
    const auto cc = ccfg();
    std::array<std::byte, 16> nonce{};
    std::size_t i = 0;
    std::uint64_t n = 0;
    for (auto _ : state) {
        const auto b = binding_of(i);
        auto k = key_pair<P>::derive(key_mode::escape_psk, psk, key_id, b);
        store_be64(nonce.data(), ++n);
        auto& s = sessions[i];
        s = provider_session{};
        auto a = prov.start(s, *k, nonce, 1767225600);
        consumer<P> cons = make_consumer(cc, *k);
        auto c = cons.on_message((*a)[0].bytes, 1767225600);
        auto p = prov.on_message(s, *k, (*c)[0].bytes, 1767225600);
        if (!p || s.state != provider_state::migrating) state.SkipWithError("escape phase failed");
        if (++i == consumers) i = 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(escape_round_trip);

// Shared setup of the rekey benches: the classical SA both sides had.
keys::ike_sa_keys<P> classical() {
    const auto ni = filled(1), nr = filled(2), g = filled(3);
    const auto b = binding_of(0);
    auto k = keys::ike_sa_keys<P>::after_ike_sa_init(
        keys::initiator_nonce{ni}, keys::responder_nonce{nr}, keys::initiator_spi{bytes_view(b).first(8)},
        keys::responder_spi{bytes_view(b).subspan(8)}, keys::ke_secret{g}, lengths);
    if (!k) std::abort();
    return *k;
}

struct rekey_inputs {
    keys::ike_sa_keys<P> old = classical();
    std::array<std::byte, 32> ni = filled(4), nr = filled(5), d = filled(6), z = filled(7), m = filled(8);
    std::array<std::byte, 8> spi_i{}, spi_r{};
    std::array<std::byte, K::ek_size> ek{};
    std::array<std::byte, K::dk_size> dk{};
    std::array<std::byte, K::ct_size> ct{};
    std::array<std::byte, K::ss_size> ss{};
    rekey_inputs() {
        spi_i.fill(std::byte{0x31});
        spi_r.fill(std::byte{0x32});
        if (!K::keygen_derand(d, z, ek, dk) || !K::encaps_derand(ek, m, ct, ss)) std::abort();
    }
    // New SA keys from the rekey that carries the PPK (SK_d' of the legacy SA), and the CONFIRM keys.
    key_pair<P> finish(const std::array<std::byte, K::ss_size>& secret) const {
        const bytes_view secrets[] = {secret};
        auto mixed = rekey_with_escape_ppk<P>(old, ppk, ni, nr, spi_i, spi_r, secrets, lengths);
        if (!mixed) std::abort();
        auto ck = confirm_keys(*mixed, key_id);
        if (!ck) std::abort();
        return *ck;
    }
};

void rekey_consumer_mlkem768(benchmark::State& state) {
    rekey_inputs in;
    // The provider's CONFIRM the consumer verifies (same keys as the consumer derives).
    const auto ck = in.finish(in.ss);
    std::array<std::byte, limits::max_message> pbuf{}, cbuf{};
    fields f;
    f.type = msg_type::confirm;
    f.sequence = 1;
    const auto echoed = filled(9);
    f.echoed_nonce = bytes_view(echoed).first(16);
    f.ke_methods = negotiated;
    f.selected_method = 36;
    auto pconf = seal(ck.p2c, f, pbuf);
    for (auto _ : state) {
        std::array<std::byte, K::ek_size> ek{};
        std::array<std::byte, K::dk_size> dk{};
        std::array<std::byte, K::ss_size> ss{};
        if (!K::keygen_derand(in.d, in.z, ek, dk)) state.SkipWithError("keygen");
        if (!K::decaps(dk, in.ct, ss)) state.SkipWithError("decaps");
        const auto mine = in.finish(ss);
        auto own = seal(mine.c2p, f, cbuf);
        auto v = verify(mine.p2c, *pconf);
        if (!own || !v) state.SkipWithError("confirm failed");
        benchmark::DoNotOptimize(cbuf.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(rekey_consumer_mlkem768);

void rekey_provider_mlkem768(benchmark::State& state) {
    rekey_inputs in;
    provider<P> prov = make_provider();
    const auto cc = ccfg();
    const auto ck = in.finish(in.ss);
    std::array<std::byte, limits::max_message> cbuf{};
    fields f;
    f.type = msg_type::confirm;
    f.sequence = 1;
    std::array<std::byte, 16> nonce{};
    f.ke_methods = negotiated;
    f.selected_method = 36;
    f.ppk_id = ppk_id;
    std::size_t i = 0;
    std::uint64_t n = 0;
    for (auto _ : state) {
        // Escape phase (the consumer's messages are produced outside the timing).
        const auto b = binding_of(i);
        store_be64(nonce.data(), ++n);
        auto k = key_pair<P>::derive(key_mode::escape_psk, psk, key_id, b);
        provider_session s;
        auto a = prov.start(s, *k, nonce, 1767225600);
        state.PauseTiming();
        consumer<P> cons = make_consumer(cc, *k);
        auto c = cons.on_message((*a)[0].bytes, 1767225600);
        f.echoed_nonce = nonce;
        auto consumer_confirm = seal(ck.c2p, f, cbuf);
        state.ResumeTiming();
        if (!prov.on_message(s, *k, (*c)[0].bytes, 1767225600)) state.SkipWithError("ack");
        // Rekey, responder side: encapsulate to the consumer's ek.
        std::array<std::byte, K::ct_size> ct{};
        std::array<std::byte, K::ss_size> ss{};
        if (!K::encaps_derand(in.ek, in.m, ct, ss)) state.SkipWithError("encaps");
        const rekey_result<P> mine{in.finish(ss), negotiated, ppk_id};
        if (!prov.rekey_done(s, mine, 1767225601)) state.SkipWithError("rekey_done");
        if (!prov.on_confirm(s, mine, *consumer_confirm, 1767225601)) state.SkipWithError("confirm");
        if (++i == consumers) i = 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["session_bytes"] = sizeof(provider_session);
}
BENCHMARK(rekey_provider_mlkem768);

}  // namespace
