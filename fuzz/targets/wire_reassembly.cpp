// SPDX-License-Identifier: MIT
// Fuzz RFC 7383 reassembly (wire/fragment.hpp) with the OpenSSL-free test cipher and a fixed key.
//   byte 0 bit 0 = 0: the rest is a list of datagrams, each [u16 length][bytes], fed to one
//                     reassembler with small caps; nothing may crash, and a completed message
//                     must be consistent with its caps.
//   byte 0 bit 0 = 1: byte 1 picks the datagram size, byte 2 the order, byte 3 which fragments
//                     get fuzzed Fragment Number / Total Fragments (bytes 4..7); the rest is the
//                     inner chain. It is split, fragments are fed in that order (plus edited
//                     copies), and if the message completes its inner chain must be the input.
#include "support/rng.hpp"
#include "support/sk_test_cipher.hpp"

#include <pqike/wire/fragment.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

using namespace pqike;
using namespace pqike::wire;
using C = pqike::test::toy_etm;

namespace {

sk_keys fixed_keys() {
    static const std::array<std::byte, 16> e{std::byte{1}, std::byte{2}, std::byte{3}};
    static const std::array<std::byte, 32> a{std::byte{9}, std::byte{8}, std::byte{7}};
    return {bytes_view{e}, bytes_view{a}};
}

using store_t = reassembly_storage<16 * 1024, 64, 2048>;

void check_complete(const reassembler& r, std::size_t max_total) {
    if (!r.complete()) return;
    const auto m = r.message();
    if (m.unprotected.size() + m.inner.size() > max_total) std::abort();
}

void raw_datagrams(bytes_view in) {
    auto st = std::make_unique<store_t>();
    reassembler r{st->bytes, st->slots, reassembly_limits{8, 4096}};
    reader rd{in};
    while (!rd.empty()) {
        const std::uint16_t len = rd.u16();
        const bytes_view dg = rd.bytes(std::min<std::size_t>(len, rd.remaining()));
        if (rd.failed()) break;
        (void)r.add<C>(fixed_keys(), dg);
        check_complete(r, 4096);
    }
}

void split_and_feed(const std::uint8_t* data, std::size_t size) {
    if (size < 8) return;
    const std::size_t max_size = 90 + std::size_t{data[1]} * 8;
    const bytes_view inner = as_bytes_view(data + 8, std::min<std::size_t>(size - 8, 12000));
    protected_message m;
    m.header.spi_i = 5;
    m.header.exchange = exchange_type::ike_intermediate;
    m.header.message_id = 1;
    m.first_inner = payload_type::ke;
    m.inner = inner;
    std::vector<std::byte> buf(inner.size() * 2 + 8192);
    std::array<bytes_view, 64> views{};
    test::counter_rng rng;
    fragment_options fo;
    fo.max_size = max_size;
    auto n = split<C>(fixed_keys(), m, fo, rng, buf, views);
    if (!n) {
        if (n.code() == errc::buffer_too_small) return;  // more than 64 fragments
        std::abort();
    }
    std::vector<std::size_t> order(*n);
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937{data[2]});

    // Clean delivery in a fuzzed order must complete with the same inner chain.
    auto st = std::make_unique<store_t>();
    reassembler r{*st};
    for (std::size_t i : order) {
        auto a = r.add<C>(fixed_keys(), views[i]);
        if (!a) std::abort();
    }
    if (!r.complete() || r.message().inner.size() != inner.size() ||
        (!inner.empty() && std::memcmp(r.message().inner.data(), inner.data(), inner.size()) != 0))
        std::abort();

    // Edited numbers: authenticated, so an edited fragment never contributes.
    auto st2 = std::make_unique<store_t>();
    reassembler r2{*st2};
    for (std::size_t k = 0; k < order.size(); ++k) {
        const std::size_t i = order[k];
        std::vector<std::byte> dg(views[i].begin(), views[i].end());
        if ((data[3] >> (k % 8)) & 1) {
            std::memcpy(dg.data() + 32, data + 4, 2);
            std::memcpy(dg.data() + 34, data + 6, 2);
        }
        (void)r2.add<C>(fixed_keys(), dg);
        (void)r2.add<C>(fixed_keys(), views[i]);  // and the original, possibly a duplicate
    }
    if (r2.complete() && (r2.message().inner.size() != inner.size() ||
                          (!inner.empty() && std::memcmp(r2.message().inner.data(), inner.data(),
                                                         inner.size()) != 0)))
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    if (data[0] & 1) split_and_feed(data, size);
    else raw_datagrams(as_bytes_view(data + 1, size - 1));
    return 0;
}
