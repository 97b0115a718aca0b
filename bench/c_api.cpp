// SPDX-License-Identifier: MIT
// What the C ABI costs: each C call next to the C++ call it wraps, on the same inputs.
//   mlkem768_encaps   pqike_mlkem_respond_seeded  vs  kex::responder_ke<mlkem768>::respond
//                     (§7.2 ek check + Encaps; both with the same fixed m)
//   skeyseed_init     pqike_ike_sa_keys_init      vs  keys::ike_sa_keys<hmac_sha256>::after_ike_sa_init
//                     (SKEYSEED + the seven keys, AES-GCM-256 lengths)
//   escape_verify     pqike_escape_verify         vs  escape::verify (+ reading the fields the C
//                     call fills in, so both do the same work)
// The ratio c/cpp is what the boundary adds (argument checks, the PRF/method dispatch, copying
// results into caller buffers, building handles in place).
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <pqike/c/pqike.h>
#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/escape/protect.hpp>
#include <pqike/kex/key_exchange.hpp>
#include <pqike/keys/ike_sa_keys.hpp>

namespace {

using namespace pqike;
using K = crypto::mlkem768;
using P = crypto::hmac_sha256;

// The same fixed coins for both sides (the C call's seeded variant does the same inside).
struct fixed_rng {
    status fill(mut_bytes out) noexcept {
        for (auto& b : out) b = std::byte{0x42};
        return {};
    }
};

std::array<std::uint8_t, K::ek_size> make_ek() {
    std::array<std::uint8_t, K::ek_size> ek{};
    std::array<std::uint8_t, 64> seed{};
    seed.fill(7);
    pqike_mlkem_initiator h;
    std::size_t n = 0;
    if (pqike_mlkem_initiator_start_seeded(&h, PQIKE_KE_MLKEM768, seed.data(), seed.size(), ek.data(), ek.size(), &n))
        std::abort();
    pqike_mlkem_initiator_wipe(&h);
    return ek;
}

void encaps_c(benchmark::State& st) {
    const auto ek = make_ek();
    const std::array<std::uint8_t, 32> m{};
    std::array<std::uint8_t, K::ct_size> ct{};
    std::array<std::uint8_t, 32> ss{};
    std::size_t ct_len = 0, ss_len = 0;
    for (auto _ : st) {
        if (pqike_mlkem_respond_seeded(PQIKE_KE_MLKEM768, m.data(), m.size(), ek.data(), ek.size(), ct.data(), ct.size(),
                                       &ct_len, ss.data(), ss.size(), &ss_len))
            std::abort();
        benchmark::DoNotOptimize(ss.data());
        benchmark::ClobberMemory();
    }
}

void encaps_cpp(benchmark::State& st) {
    const auto ek = make_ek();
    fixed_rng rng;
    for (auto _ : st) {
        auto r = kex::responder_ke<K>::respond(rng, as_bytes_view(ek.data(), ek.size()));
        if (!r) std::abort();
        benchmark::DoNotOptimize(r->shared.view().data());
        benchmark::ClobberMemory();
    }
}

struct ike_inputs {
    std::array<std::uint8_t, 32> ni{}, nr{}, g_ir{};
    std::array<std::uint8_t, 8> spi_i{}, spi_r{};
    ike_inputs() {
        ni.fill(1);
        nr.fill(2);
        g_ir.fill(3);
        spi_i.fill(4);
        spi_r.fill(5);
    }
};

void skeyseed_c(benchmark::State& st) {
    const ike_inputs in;
    const pqike_sa_context ctx{in.ni.data(), in.ni.size(), in.nr.data(), in.nr.size(), in.spi_i.data(), in.spi_r.data()};
    const pqike_key_lengths len{32, 0, 36};
    pqike_ike_sa_keys k;
    for (auto _ : st) {
        if (pqike_ike_sa_keys_init(&k, PQIKE_PRF_HMAC_SHA2_256, &ctx, in.g_ir.data(), in.g_ir.size(), &len)) std::abort();
        benchmark::DoNotOptimize(k.opaque);
        benchmark::ClobberMemory();
    }
    pqike_ike_sa_keys_wipe(&k);
}

void skeyseed_cpp(benchmark::State& st) {
    const ike_inputs in;
    const auto v = [](const auto& a) { return as_bytes_view(a.data(), a.size()); };
    for (auto _ : st) {
        auto k = keys::ike_sa_keys<P>::after_ike_sa_init(
            keys::initiator_nonce{v(in.ni)}, keys::responder_nonce{v(in.nr)}, keys::initiator_spi{v(in.spi_i)},
            keys::responder_spi{v(in.spi_r)}, keys::ke_secret{v(in.g_ir)}, keys::sa_key_lengths{32, 0, 36});
        if (!k) std::abort();
        benchmark::DoNotOptimize(k->sk_d().data());
        benchmark::ClobberMemory();
    }
}

// The ESCAPE of docs/escape-message.md §10 shape, sealed once through the C++ API.
struct escape_inputs {
    std::array<std::byte, 32> psk{};
    std::array<std::byte, 16> nonce{};
    std::array<std::byte, 16> binding{};
    static constexpr char id[] = "escape-key-1";
    std::array<std::uint16_t, 2> methods{36, 37};
    std::array<std::byte, escape::limits::max_message> msg{};
    std::size_t size = 0;
    escape_inputs() {
        for (std::size_t i = 0; i < 32; ++i) psk[i] = static_cast<std::byte>(i);
        for (std::size_t i = 0; i < 16; ++i) nonce[i] = static_cast<std::byte>(0xa0 + i);
        for (std::size_t i = 0; i < 16; ++i) binding[i] = static_cast<std::byte>(i + 1);
        auto k = key();
        escape::fields f;
        f.sequence = 1;
        f.timestamp = 1767225600;
        f.nonce = nonce;
        f.ke_methods = methods;
        f.proc = escape::procedure::ike_sa_rekey;
        f.deadline = 3600;
        auto r = escape::seal(k, f, msg);
        if (!r) std::abort();
        size = r->size();
    }
    escape::tag_key<P> key() const {
        auto k = escape::tag_key<P>::derive(escape::key_mode::escape_psk, escape::direction::provider_to_consumer, psk,
                                            as_bytes_view(id, sizeof id - 1), binding);
        if (!k) std::abort();
        return *k;
    }
};

void verify_c(benchmark::State& st) {
    const escape_inputs in;
    pqike_escape_key key;
    if (pqike_escape_key_derive(&key, PQIKE_PRF_HMAC_SHA2_256, PQIKE_ESCAPE_KEY_ESCAPE_PSK,
                                PQIKE_ESCAPE_PROVIDER_TO_CONSUMER, reinterpret_cast<const std::uint8_t*>(in.psk.data()),
                                in.psk.size(), reinterpret_cast<const std::uint8_t*>(escape_inputs::id),
                                sizeof escape_inputs::id - 1, reinterpret_cast<const std::uint8_t*>(in.binding.data()),
                                in.binding.size()))
        std::abort();
    pqike_escape_fields f;
    const auto* msg = reinterpret_cast<const std::uint8_t*>(in.msg.data());
    for (auto _ : st) {
        if (pqike_escape_verify(&key, msg, in.size, &f, nullptr)) std::abort();
        benchmark::DoNotOptimize(f.sequence);
        benchmark::ClobberMemory();
    }
    pqike_escape_key_wipe(&key);
}

void verify_cpp(benchmark::State& st) {
    const escape_inputs in;
    const auto key = in.key();
    const bytes_view msg{in.msg.data(), in.size};
    for (auto _ : st) {
        auto v = escape::verify(key, msg);
        if (!v) std::abort();
        // The fields the C call copies out.
        std::uint64_t acc = v->sequence() + v->timestamp().value_or(0) + v->deadline().value_or(0) + v->method_count();
        for (std::size_t i = 0; i < v->method_count(); ++i) acc += v->method(i);
        benchmark::DoNotOptimize(acc);
        benchmark::DoNotOptimize(v->nonce().data());
        benchmark::ClobberMemory();
    }
}

}  // namespace

BENCHMARK(encaps_c)->Name("mlkem768_encaps/c");
BENCHMARK(encaps_cpp)->Name("mlkem768_encaps/cpp");
BENCHMARK(skeyseed_c)->Name("skeyseed_init/c");
BENCHMARK(skeyseed_cpp)->Name("skeyseed_init/cpp");
BENCHMARK(verify_c)->Name("escape_verify/c");
BENCHMARK(verify_cpp)->Name("escape_verify/cpp");
