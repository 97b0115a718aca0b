// SPDX-License-Identifier: MIT
// Payload chains (RFC 7296 §3.2): generic header, bounded cursor, cap, critical bit, builder.
#include "common.hpp"

#include <array>
#include <pqike/wire/message.hpp>
#include <vector>

using namespace pqike;
using namespace pqike::wire;
using namespace pqike::test;

namespace {
// Nonce(16 bytes) -> Vendor ID(2 bytes), ends with NONE. Region starts at offset 28 (after the
// IKE header) in these tests.
const char* k_chain = "2b 00 0014 000102030405060708090a0b0c0d0e0f 00 00 0006 abcd";
constexpr std::size_t base = 28;

struct walk_result {
    std::vector<raw_payload> items;
    error err{};
};
walk_result walk(payload_type first, bytes_view region, chain_limits lim = {}) {
    walk_result w;
    chain_cursor c{first, region, base, lim};
    while (!c.done()) {
        auto p = c.next();
        if (!p) {
            w.err = p.error();
            break;
        }
        w.items.push_back(*p);
    }
    return w;
}
}  // namespace

TEST_CASE("chain: walks payloads, offsets relative to the message") {
    const auto d = unhex(k_chain);
    auto w = walk(payload_type::nonce, view(d));
    CHECK(w.err.code == errc::ok);
    REQUIRE(w.items.size() == 2);
    CHECK(w.items[0].type == payload_type::nonce);
    CHECK(w.items[0].next == payload_type::vendor_id);
    CHECK(w.items[0].body.size() == 16);
    CHECK(w.items[0].offset == 28);
    CHECK(w.items[1].type == payload_type::vendor_id);
    CHECK(w.items[1].offset == 28 + 20);
    CHECK(w.items[1].body.size() == 2);
}

TEST_CASE("chain: payload length 3 is too small, 4 is an empty body") {
    auto d = unhex("00 00 0003");
    auto w = walk(payload_type::vendor_id, view(d));
    CHECK(w.err.code == errc::length_too_small);
    CHECK(std::string_view(w.err.field) == "payload.length");
    CHECK(w.err.offset == base + 2);
    d = unhex("00 00 0004");
    w = walk(payload_type::vendor_id, view(d));
    CHECK(w.err.code == errc::ok);
    REQUIRE(w.items.size() == 1);
    CHECK(w.items[0].body.empty());
}

TEST_CASE("chain: payload length one beyond its region is too large") {
    const auto d = unhex("00 00 0007 aabbcc");  // region holds 7 bytes; say 8
    auto ok = walk(payload_type::vendor_id, view(d));
    CHECK(ok.err.code == errc::ok);
    auto bad = unhex("00 00 0008 aabbcc");
    auto w = walk(payload_type::vendor_id, view(bad));
    CHECK(w.err.code == errc::length_too_large);
    CHECK(w.err.offset == base + 2);
    // The length is checked against the chain's own region, not the bytes behind it.
    auto outer = unhex("00 00 0008 aabbcc dd");
    w = walk(payload_type::vendor_id, view(outer).first(7));
    CHECK(w.err.code == errc::length_too_large);
}

TEST_CASE("chain: truncated generic header") {
    const auto d = unhex("00 00 00");
    auto w = walk(payload_type::vendor_id, view(d));
    CHECK(w.err.code == errc::truncated);
    CHECK(std::string_view(w.err.field) == "payload.header");
    CHECK(w.err.offset == base);
}

TEST_CASE("chain: Next Payload announces more but the region is over") {
    const auto d = unhex("28 00 0004");  // says a Nonce follows
    auto w = walk(payload_type::vendor_id, view(d));
    CHECK(w.err.code == errc::truncated);
    CHECK(std::string_view(w.err.field) == "payload.next");
    CHECK(w.err.offset == base);
}

TEST_CASE("chain: trailing bytes after NONE are rejected") {
    const auto d = unhex("00 00 0004 ff");
    auto w = walk(payload_type::vendor_id, view(d));
    CHECK(w.err.code == errc::trailing_data);
    CHECK(w.err.offset == base + 4);
    // An empty chain (first = NONE) with bytes is also trailing data.
    w = walk(payload_type::none, view(d));
    CHECK(w.err.code == errc::trailing_data);
    CHECK(w.err.offset == base);
}

TEST_CASE("chain: a required chain that is empty is truncated") {
    auto w = walk(payload_type::sa, bytes_view{});
    CHECK(w.err.code == errc::truncated);
    // and an empty chain that announces nothing is fine
    chain_cursor c{payload_type::none, bytes_view{}, base};
    CHECK(c.done());
}

TEST_CASE("chain: cap and cap+1 payloads") {
    // Five empty Vendor ID payloads (4-byte headers). Filled in place: g++ 12 -O3 reports a
    // false -Wstringop-overflow for initializer-list inserts into an empty vector.
    std::vector<std::byte> d(20);
    for (std::size_t i = 0; i < 5; ++i) {
        d[4 * i] = i == 4 ? std::byte{0} : std::byte{43};
        d[4 * i + 3] = std::byte{4};
    }
    auto w = walk(payload_type::vendor_id, view(d), chain_limits{5});
    CHECK(w.err.code == errc::ok);
    CHECK(w.items.size() == 5);
    w = walk(payload_type::vendor_id, view(d), chain_limits{4});
    CHECK(w.err.code == errc::too_many_payloads);
    CHECK(w.err.offset == base + 16);
    CHECK(w.items.size() == 4);
}

TEST_CASE("chain: SK ends the chain; its Next Payload names the inner first payload") {
    const auto d = unhex("22 00 0008 01020304");  // SK, next = KE (inner)
    auto w = walk(payload_type::sk, view(d));
    CHECK(w.err.code == errc::ok);
    REQUIRE(w.items.size() == 1);
    CHECK(w.items[0].next == payload_type::ke);
    const auto after = unhex("22 00 0008 01020304 00000004");
    w = walk(payload_type::sk, view(after));
    CHECK(w.err.code == errc::trailing_data);
    CHECK(std::string_view(w.err.field) == "payload.sk_last");
}

TEST_CASE("chain: unknown payloads are kept raw with their critical bit") {
    const auto d = unhex("00 81 0006 beef");  // type 200, critical, one reserved bit set
    auto w = walk(static_cast<payload_type>(200), view(d));
    REQUIRE(w.items.size() == 1);
    const auto& p = w.items[0];
    CHECK(p.critical);
    CHECK(p.reserved == 1);
    CHECK(tohex(p.body) == "beef");
    auto s = check_critical(p);
    CHECK(s.code() == errc::unsupported_critical_payload);
    CHECK(s.error().notify() == 1);
    CHECK(s.error().offset == base + 1);
    raw_payload nc = p;
    nc.critical = false;
    CHECK(check_critical(nc).ok());
    // a known payload's critical bit is not an error
    raw_payload known = p;
    known.type = payload_type::nonce;
    CHECK(check_critical(known).ok());
    // the caller may decide what it knows
    CHECK(check_critical(p, [](payload_type) { return true; }).ok());
}

TEST_CASE("builder: back-patches Next Payload, lengths, header Length and first payload") {
    std::array<std::byte, 128> buf{};
    writer w{buf};
    ike_header h;
    h.spi_i = 1;
    h.exchange = exchange_type::informational;
    message_builder b{w, h};
    b.add(payload_type::nonce, view(unhex("000102030405060708090a0b0c0d0e0f")));
    b.begin(payload_type::vendor_id);
    b.out().u16(0xabcd);
    auto n = b.finish();
    REQUIRE(n);
    CHECK(*n == 28 + 20 + 6);
    auto hh = decode_header(bytes_view{buf.data(), *n});
    REQUIRE(hh);
    CHECK(hh->next == payload_type::nonce);
    CHECK(hh->length == *n);
    CHECK(tohex(bytes_view{buf.data() + 28, *n - 28}) == tohex(view(unhex(k_chain))));
}

TEST_CASE("builder: overflow reports the needed size; oversize payload is length_too_large") {
    std::array<std::byte, 30> small{};
    writer w{small};
    message_builder b{w, ike_header{}};
    b.add(payload_type::vendor_id, view(unhex("00112233")));
    auto n = b.finish();
    CHECK(n.code() == errc::buffer_too_small);
    CHECK(n.error().value == 36);

    std::vector<std::byte> big(70000), out(70100);
    writer w2{out};
    chain_builder c{w2, chain_builder::npos};
    c.add(payload_type::vendor_id, big);
    CHECK(c.finish().code() == errc::length_too_large);
}

TEST_CASE("builder: an SK payload's inner chain patches the SK Next Payload") {
    std::array<std::byte, 64> buf{};
    writer w{buf};
    chain_builder outer{w, chain_builder::npos};
    const std::size_t sk_at = outer.begin(payload_type::sk);
    chain_builder inner{w, sk_at};
    inner.add(payload_type::nonce, view(unhex("000102030405060708090a0b0c0d0e0f")));
    REQUIRE(inner.finish().ok());
    REQUIRE(outer.finish().ok());
    auto wk = walk(payload_type::sk, w.written());
    REQUIRE(wk.items.size() == 1);
    CHECK(wk.items[0].next == payload_type::nonce);
    CHECK(wk.items[0].body.size() == 20);
}
