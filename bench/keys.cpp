// SPDX-License-Identifier: MIT
// Key schedule overhead over the bare HMAC calls its formulas require, measured in one run:
//   prf+ for the 7 IKE SA keys (AES-GCM-256: 3 x L + 2 x 36 octets) with HMAC-SHA-256 and -384,
//     ours (keys::prf_plus on a keyed PRF) vs the same number of compute() calls on the same
//     precomputed key, written by hand into one buffer;
//   the SKEYSEED(n) chain of 1..7 stages (RFC 9370 §2.2.2), ours (ike_sa_keys::after_additional_ke)
//     vs the same key setups and compute() calls on raw buffers.
// Issue 5 floor: overhead <= 5 %, zero heap (tests/unit/keys_alloc.cpp checks the heap).
// Compare the "ours" and "bare" rows of the same size; bench/README or the report gives ratios.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <vector>

#include <pqike/crypto/hmac.hpp>
#include <pqike/keys/ike_sa_keys.hpp>
#include <pqike/keys/prf_plus.hpp>

namespace {

using namespace pqike;

std::vector<std::byte> pattern(std::size_t n, unsigned salt) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>(i * 131 + salt);
    return v;
}

struct inputs {
    std::vector<std::byte> ni = pattern(32, 1), nr = pattern(32, 2), spi_i = pattern(8, 3), spi_r = pattern(8, 4);
    std::vector<std::byte> g_ir = pattern(32, 5), sk_add = pattern(32, 6);
};

template <class P>
constexpr keys::sa_key_lengths gcm256 = {P::preferred_key_size, 0, 36};

template <class P>
void bm_prf_plus_ours(benchmark::State& st) {
    const inputs in;
    const auto seed = pattern(P::output_size, 7);
    const P prf{bytes_view{seed}};
    std::array<std::byte, 3 * 64 + 2 * 36> out{};
    const mut_bytes o{out.data(), gcm256<P>.total()};
    for (auto _ : st) {
        const status s = keys::prf_plus(prf, {bytes_view{in.ni}, bytes_view{in.nr}, bytes_view{in.spi_i}, bytes_view{in.spi_r}}, o);
        benchmark::DoNotOptimize(s);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
}

// The bare calls: ceil(total / L) compute() calls on the precomputed key, T(n-1) read back from
// the output, the last block through a temporary.
template <class P>
void bm_prf_plus_bare(benchmark::State& st) {
    constexpr std::size_t L = P::output_size;
    const inputs in;
    const auto seed = pattern(L, 7);
    const P prf{bytes_view{seed}};
    std::array<std::byte, 3 * 64 + 2 * 36> out{};
    const std::size_t total = gcm256<P>.total();
    const std::size_t blocks = (total + L - 1) / L;
    for (auto _ : st) {
        std::array<std::byte, L> last{};
        for (std::size_t i = 1; i <= blocks; ++i) {
            const std::byte c = static_cast<std::byte>(i);
            const bytes_view prev = i > 1 ? bytes_view{out.data() + (i - 2) * L, L} : bytes_view{};
            const bytes_view parts[] = {prev, bytes_view{in.ni}, bytes_view{in.nr}, bytes_view{in.spi_i},
                                        bytes_view{in.spi_r}, bytes_view{&c, 1}};
            if (i * L <= total) {
                prf.compute(parts, std::span<std::byte, L>{out.data() + (i - 1) * L, L});
            } else {
                prf.compute(parts, std::span<std::byte, L>{last});
                for (std::size_t j = 0; (i - 1) * L + j < total; ++j) out[(i - 1) * L + j] = last[j];
            }
        }
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
}

template <class P>
void bm_chain_ours(benchmark::State& st) {
    const inputs in;
    const auto n = static_cast<unsigned>(st.range(0));
    auto k0 = keys::ike_sa_keys<P>::after_ike_sa_init(keys::initiator_nonce{in.ni}, keys::responder_nonce{in.nr},
                                                      keys::initiator_spi{in.spi_i}, keys::responder_spi{in.spi_r},
                                                      keys::ke_secret{in.g_ir}, gcm256<P>)
                  .value();
    for (auto _ : st) {
        // Each stage is kept where a stack would keep it: one copy out of the result per stage.
        auto cur = keys::ike_sa_keys<P>{k0}.after_additional_ke(keys::ke_secret{in.sk_add}).value();
        for (unsigned i = 1; i < n; ++i) cur = std::move(cur).after_additional_ke(keys::ke_secret{in.sk_add}).value();
        benchmark::DoNotOptimize(cur.sk_d().data());
        benchmark::ClobberMemory();
    }
}

// Bare: per stage, key setup with SK_d(n-1), one compute() for SKEYSEED(n), key setup with
// SKEYSEED(n), prf+ blocks into a raw buffer, SK_d taken from its front.
template <class P>
void bm_chain_bare(benchmark::State& st) {
    constexpr std::size_t L = P::output_size;
    const inputs in;
    const auto n = static_cast<unsigned>(st.range(0));
    const std::size_t total = gcm256<P>.total();
    const std::size_t blocks = (total + L - 1) / L;
    auto k0 = keys::ike_sa_keys<P>::after_ike_sa_init(keys::initiator_nonce{in.ni}, keys::responder_nonce{in.nr},
                                                      keys::initiator_spi{in.spi_i}, keys::responder_spi{in.spi_r},
                                                      keys::ke_secret{in.g_ir}, gcm256<P>)
                  .value();
    for (auto _ : st) {
        std::array<std::byte, 3 * 64 + 2 * 36 + 64> km{};
        std::array<std::byte, L> sk_d{};
        for (std::size_t j = 0; j < L; ++j) sk_d[j] = k0.sk_d()[j];
        for (unsigned s = 0; s < n; ++s) {
            std::array<std::byte, L> seed{};
            P{bytes_view{sk_d}}.compute({bytes_view{in.sk_add}, bytes_view{in.ni}, bytes_view{in.nr}}, seed);
            const P prf{bytes_view{seed}};
            for (std::size_t i = 1; i <= blocks; ++i) {
                const std::byte c = static_cast<std::byte>(i);
                const bytes_view prev = i > 1 ? bytes_view{km.data() + (i - 2) * L, L} : bytes_view{};
                const bytes_view parts[] = {prev, bytes_view{in.ni}, bytes_view{in.nr}, bytes_view{in.spi_i},
                                            bytes_view{in.spi_r}, bytes_view{&c, 1}};
                prf.compute(parts, std::span<std::byte, L>{km.data() + (i - 1) * L, L});
            }
            for (std::size_t j = 0; j < L; ++j) sk_d[j] = km[j];
        }
        benchmark::DoNotOptimize(sk_d.data());
        benchmark::ClobberMemory();
    }
}

}  // namespace

BENCHMARK(bm_prf_plus_ours<crypto::hmac_sha256>)->Name("prf_plus_7keys/sha256/ours");
BENCHMARK(bm_prf_plus_bare<crypto::hmac_sha256>)->Name("prf_plus_7keys/sha256/bare");
BENCHMARK(bm_prf_plus_ours<crypto::hmac_sha384>)->Name("prf_plus_7keys/sha384/ours");
BENCHMARK(bm_prf_plus_bare<crypto::hmac_sha384>)->Name("prf_plus_7keys/sha384/bare");
BENCHMARK(bm_chain_ours<crypto::hmac_sha256>)->Name("skeyseed_chain/sha256/ours")->DenseRange(1, 7);
BENCHMARK(bm_chain_bare<crypto::hmac_sha256>)->Name("skeyseed_chain/sha256/bare")->DenseRange(1, 7);
BENCHMARK(bm_chain_ours<crypto::hmac_sha384>)->Name("skeyseed_chain/sha384/ours")->DenseRange(1, 7);
BENCHMARK(bm_chain_bare<crypto::hmac_sha384>)->Name("skeyseed_chain/sha384/bare")->DenseRange(1, 7);
