// SPDX-License-Identifier: MIT
// SK seal/open and SKF split/reassembly of an IKE_INTERMEDIATE carrying an ML-KEM-1024 KE
// (1568-octet ek + 8-octet KE header), over a cipher that does nothing (pqike's framing cost
// alone) and over the OpenSSL AES-GCM-16-256 and AES-CBC-256 + HMAC-SHA2-256-128 adapters.
#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <pqike/adapters/openssl.hpp>
#include <pqike/wire/fragment.hpp>
#include <pqike/wire/sk.hpp>
#include <vector>

#include "support/rng.hpp"

using namespace pqike;
using namespace pqike::wire;

namespace {

// Framing only: the "cipher" touches nothing, so the time is pqike's own work.
struct null_cipher {
    static constexpr std::uint16_t encr_id = 1024, integ_id = 0;
    static constexpr bool is_aead = true;
    static constexpr std::size_t encr_key_size = 20, integ_key_size = 0, iv_size = 8,
                                 icv_size = 16, block_size = 1;
    static status seal(bytes_view, bytes_view, bytes_view, bytes_view, mut_bytes, mut_bytes) noexcept {
        return {};
    }
    static status open(bytes_view, bytes_view, bytes_view, bytes_view, mut_bytes, bytes_view) noexcept {
        return {};
    }
};

template <class C>
struct fixture {
    std::vector<std::byte> e = std::vector<std::byte>(C::encr_key_size, std::byte{0x11});
    std::vector<std::byte> a = std::vector<std::byte>(C::integ_key_size, std::byte{0x22});
    std::vector<std::byte> inner = std::vector<std::byte>(4 + 4 + 1568, std::byte{0x5a});
    std::array<std::byte, C::iv_size> iv{};
    protected_message m;
    fixture() {
        m.header.spi_i = 1;
        m.header.spi_r = 2;
        m.header.exchange = exchange_type::ike_intermediate;
        m.header.message_id = 1;
        m.first_inner = payload_type::ke;
        m.inner = inner;
    }
    sk_keys keys() const { return {e, a}; }
};

template <class C>
void seal_msg(benchmark::State& st) {
    fixture<C> f;
    std::vector<std::byte> out(4096);
    sk_seal_options so;
    so.iv = f.iv;
    for (auto _ : st) {
        auto r = seal<C>(f.keys(), f.m, so, out);
        benchmark::DoNotOptimize(r);
    }
    st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(f.inner.size()));
}

template <class C>
void open_msg(benchmark::State& st) {
    fixture<C> f;
    std::vector<std::byte> msg(4096), out(4096);
    sk_seal_options so;
    so.iv = f.iv;
    auto r = seal<C>(f.keys(), f.m, so, msg);
    const bytes_view sealed = *r;
    for (auto _ : st) {
        auto o = open<C>(f.keys(), sealed, out);
        benchmark::DoNotOptimize(o);
    }
    st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(f.inner.size()));
}

// Split at 1280 octets (IPv4 + UDP counted, as strongSwan), then reassemble both fragments.
template <class C>
void split_reassemble(benchmark::State& st) {
    fixture<C> f;
    std::vector<std::byte> buf(8192);
    std::array<bytes_view, 8> views{};
    auto store = std::make_unique<reassembly_storage<>>();
    fragment_options fo{1280, 28, false, false};
    for (auto _ : st) {
        test::counter_rng rng;
        auto n = split<C>(f.keys(), f.m, fo, rng, buf, views);
        reassembler r{*store};
        for (std::size_t i = *n; i-- > 0;) benchmark::DoNotOptimize(r.add<C>(f.keys(), views[i]));
        if (!r.complete()) st.SkipWithError("not complete");
    }
}

}  // namespace

BENCHMARK(seal_msg<null_cipher>)->Name("sk_seal/framing_only");
BENCHMARK(open_msg<null_cipher>)->Name("sk_open/framing_only");
BENCHMARK(split_reassemble<null_cipher>)->Name("skf_split_reassemble/framing_only");
BENCHMARK(seal_msg<adapters::openssl_aes256_gcm16>)->Name("sk_seal/aes256gcm16");
BENCHMARK(open_msg<adapters::openssl_aes256_gcm16>)->Name("sk_open/aes256gcm16");
BENCHMARK(split_reassemble<adapters::openssl_aes256_gcm16>)->Name("skf_split_reassemble/aes256gcm16");
BENCHMARK(seal_msg<adapters::openssl_aes256_cbc_hmac_sha256_128>)->Name("sk_seal/aes256cbc_sha256_128");
BENCHMARK(open_msg<adapters::openssl_aes256_cbc_hmac_sha256_128>)->Name("sk_open/aes256cbc_sha256_128");
BENCHMARK(split_reassemble<adapters::openssl_aes256_cbc_hmac_sha256_128>)
    ->Name("skf_split_reassemble/aes256cbc_sha256_128");
