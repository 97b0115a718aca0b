// SPDX-License-Identifier: MIT
// Byte core: reader, child readers, writer, length prefixes, hex, secrets, result/error.
#include "common.hpp"

#include <array>
#include <type_traits>
#include <vector>
#include <pqike/result.hpp>
#include <pqike/secret.hpp>

using namespace pqike;
using pqike::test::unhex;
using pqike::test::view;

namespace {
// True when result<int>(C) is a constant expression; building a result from errc::ok traps, and
// a trap is not a constant expression, so the requirement fails for it.
template <errc C>
constexpr bool constructs_as_constant() {
    return requires { typename std::bool_constant<result<int>(C).code() != errc::ok || C == errc::ok>; };
}
}  // namespace

TEST_CASE("reader reads big-endian integers and fails at the end") {
    const auto d = unhex("01 0203 04050607 08090a0b0c0d0e0f");
    reader r{view(d)};
    CHECK(r.u8() == 0x01);
    CHECK(r.u16() == 0x0203);
    CHECK(r.u32() == 0x04050607u);
    CHECK(r.u64() == 0x08090a0b0c0d0e0full);
    CHECK(r.empty());
    CHECK(r.close().ok());
    CHECK(r.u8() == 0);  // one past the end
    CHECK(r.failed());
    CHECK(r.close().code() == errc::truncated);
}

TEST_CASE("reader boundaries: 0, 1, exact, exact+1") {
    const auto d = unhex("aabbcc");
    SUBCASE("zero bytes from empty input") {
        reader r{bytes_view{}};
        CHECK(r.bytes(0).empty());
        CHECK(r.ok());
        CHECK(r.close().ok());
        CHECK(r.u8() == 0);
        CHECK(r.failed());
    }
    SUBCASE("exact length") {
        reader r{view(d)};
        auto b = r.bytes(3);
        CHECK(b.size() == 3);
        CHECK(r.ok());
        CHECK(r.close().ok());
    }
    SUBCASE("one more than available fails and stays failed") {
        reader r{view(d)};
        CHECK(r.bytes(4).empty());
        CHECK(r.failed());
        CHECK(r.remaining() == 0);
        CHECK(r.bytes(0).empty());
        CHECK(r.u8() == 0);
        CHECK(r.failed());  // sticky
    }
    SUBCASE("huge length does not wrap") {
        reader r{view(d)};
        (void)r.u8();
        CHECK(r.bytes(SIZE_MAX).empty());
        CHECK(r.failed());
    }
    SUBCASE("partial integer fails") {
        reader r{view(d)};
        CHECK(r.u32() == 0);
        CHECK(r.failed());
    }
}

TEST_CASE("child readers are bounded by their prefix and the parent advances") {
    // u16 length 3, then 3 bytes, then one trailing byte in the parent.
    const auto d = unhex("0003 aabbcc dd");
    reader r{view(d)};
    auto c = r.child_u16();
    CHECK(c.offset() == 2);  // offsets are relative to the outermost input
    CHECK(c.u16() == 0xaabb);
    CHECK(c.close().code() == errc::trailing_data);
    CHECK(c.close().error().offset == 4);
    CHECK(c.u8() == 0xcc);
    CHECK(c.close().ok());
    CHECK(c.u8() == 0);  // a child never reads into its parent's bytes
    CHECK(c.failed());
    CHECK(r.ok());
    CHECK(r.u8() == 0xdd);
    CHECK(r.close().ok());
}

TEST_CASE("child longer than the parent fails both") {
    const auto d = unhex("0005 aabb");
    reader r{view(d)};
    auto c = r.child_u16();
    CHECK(c.failed());
    CHECK(r.failed());
    CHECK(c.close().code() == errc::truncated);
}

TEST_CASE("child_u8 and child_u32") {
    const auto d = unhex("02 abcd 00000001 ee");
    reader r{view(d)};
    auto a = r.child_u8();
    CHECK(a.u16() == 0xabcd);
    CHECK(a.close().ok());
    auto b = r.child_u32();
    CHECK(b.u8() == 0xee);
    CHECK(b.close().ok());
    CHECK(r.close().ok());
}

TEST_CASE("reader copy_to and rest") {
    const auto d = unhex("0102030405");
    reader r{view(d)};
    std::array<std::byte, 2> out{};
    r.copy_to(out);
    CHECK(r.ok());
    CHECK(out[1] == std::byte{2});
    CHECK(r.rest().size() == 3);
    std::array<std::byte, 4> big{};
    r.copy_to(big);
    CHECK_FALSE(r.ok());
    CHECK(r.rest().empty());
}

TEST_CASE("writer writes into the caller buffer and reports the size needed") {
    std::array<std::byte, 8> buf{};
    writer w{buf};
    w.u8(1);
    w.u16(0x0203);
    w.u32(0x04050607);
    CHECK(w.ok());
    CHECK(w.size() == 7);
    CHECK(pqike::test::tohex(w.written()) == "01020304050607");
    w.u8(8);
    CHECK(w.ok());
    CHECK(w.finish().ok());
    w.u8(9);  // max+1
    CHECK_FALSE(w.ok());
    CHECK(w.needed() == 9);
    CHECK(w.written().empty());
    CHECK(w.finish().code() == errc::buffer_too_small);
    CHECK(w.finish().error().value == 9);
    w.u64(0);
    CHECK(w.needed() == 17);  // keeps counting
}

TEST_CASE("writer with an empty buffer only counts") {
    writer w{mut_bytes{}};
    w.bytes(view(unhex("aabbcc")));
    w.zeros(5);
    CHECK(w.needed() == 8);
    CHECK_FALSE(w.ok());
    writer z{mut_bytes{}};
    CHECK(z.ok());  // zero bytes fit into zero bytes
    CHECK(z.finish().ok());
}

TEST_CASE("writer reserve and patch; length_prefix16 patches on scope exit") {
    std::array<std::byte, 16> buf{};
    writer w{buf};
    w.u8(0x2a);
    {
        w.u8(0x80);
        length_prefix16 len{w, 2};  // counts the 2 bytes before it too, like an IKE payload header
        w.bytes(view(unhex("deadbeef")));
    }
    CHECK(pqike::test::tohex(w.written()) == "2a800008deadbeef");
    const auto at = w.reserve(2);
    CHECK(pqike::test::tohex(w.written().subspan(at)) == "ffff");  // poisoned placeholder
    w.patch_u16(at, 0x1234);
    CHECK(pqike::test::tohex(w.written().subspan(at)) == "1234");
}

TEST_CASE("patch at an offset near SIZE_MAX is ignored, never wraps") {
    std::array<std::byte, 4> buf{};
    writer w{buf};
    w.u32(0);
    w.patch_u16(SIZE_MAX, 0xabcd);
    w.patch_u32(SIZE_MAX - 2, 0xabcdef01);
    w.patch_u8(4, 0xab);  // one past the end
    w.patch_u16(3, 0xabcd);  // straddles the end
    CHECK(pqike::test::tohex(w.written()) == "00000000");
    w.patch_u16(2, 0xabcd);
    CHECK(pqike::test::tohex(w.written()) == "0000abcd");
}

TEST_CASE("writer fail() poisons for good") {
    std::array<std::byte, 8> buf{};
    writer w{buf};
    w.u8(1);
    w.fail();
    CHECK_FALSE(w.ok());
    CHECK(w.finish().code() == errc::buffer_too_small);
    w.u8(2);  // saturated, never wraps back to ok
    CHECK_FALSE(w.ok());
    CHECK(w.written().empty());
}

TEST_CASE("length_prefix16 over 65535 bytes poisons the writer") {
    std::vector<std::byte> buf(70000);
    writer w{buf};
    {
        length_prefix16 len{w};
        w.zeros(65534);  // 65536 with the prefix itself: too long for 16 bits
    }
    CHECK_FALSE(w.ok());
}

TEST_CASE("big-endian helpers round-trip") {
    std::array<std::byte, 8> b{};
    store_be64(b.data(), 0x0123456789abcdefull);
    CHECK(load_be64(b.data()) == 0x0123456789abcdefull);
    CHECK(load_be32(b.data()) == 0x01234567u);
    CHECK(load_be16(b.data() + 6) == 0xcdef);
    store_be16(b.data(), 0xfffe);
    CHECK(std::to_integer<int>(b[0]) == 0xff);
    CHECK(std::to_integer<int>(b[1]) == 0xfe);
    store_be32(b.data(), 0x80000001u);
    CHECK(load_be32(b.data()) == 0x80000001u);
}

TEST_CASE("hex decode and encode") {
    auto r = hex::decode("00ff10 Ab:cD\n");
    REQUIRE(r);
    CHECK(pqike::test::tohex(view(*r)) == "00ff10abcd");
    CHECK(hex::decode("abc").code() == errc::invalid_hex);   // odd length
    CHECK(hex::decode("zz").code() == errc::invalid_hex);
    CHECK(hex::decode("a b").code() == errc::invalid_hex);   // space inside a pair
    CHECK(hex::decode("").value().empty());
    std::array<std::byte, 1> one{};
    CHECK(hex::decode_to("0102", one).code() == errc::buffer_too_small);
    CHECK(hex::decode_to("01", one).value() == 1);
}

TEST_CASE("ct_equal and secure_zeroize") {
    const auto a = unhex("00112233");
    auto b = unhex("00112233");
    CHECK(ct_equal(view(a), view(b)));
    b[3] = std::byte{0x32};
    CHECK_FALSE(ct_equal(view(a), view(b)));
    b[3] = std::byte{0x33};
    b[0] = std::byte{0x80};
    CHECK_FALSE(ct_equal(view(a), view(b)));
    CHECK_FALSE(ct_equal(view(a), view(a).first(3)));
    CHECK(ct_equal(bytes_view{}, bytes_view{}));
    secure_zeroize(mut_bytes{b.data(), b.size()});
    CHECK(pqike::test::tohex(view(b)) == "00000000");
    CHECK(ct::mask_is_zero(0) == 0xffffffffu);
    CHECK(ct::mask_is_zero(1) == 0);
    CHECK(ct::mask_is_zero(0x80000000u) == 0);
}

TEST_CASE("secret_bytes holds up to its capacity and wipes") {
    secret_bytes<4> s;
    CHECK(s.empty());
    CHECK(s.assign(view(unhex("01020304"))));
    CHECK(s.size() == 4);
    CHECK(s.ct_equals(view(unhex("01020304"))));
    CHECK_FALSE(s.assign(view(unhex("0102030405"))));  // max+1
    CHECK(s.empty());
    CHECK(s.assign(view(unhex("aa"))));
    secret_bytes<4> t{s};
    CHECK(t == s);
    s.wipe();
    CHECK(s.empty());
    // After wipe the storage holds zeros (inspected through the raw pointer).
    CHECK(std::to_integer<int>(s.data()[0]) == 0);
    CHECK_FALSE(t == s);
}

TEST_CASE("secret_bytes copy-assign leaves none of the old, longer contents behind") {
    secret_bytes<4> longer{view(unhex("a1a2a3a4"))};
    const secret_bytes<4> shorter{view(unhex("b1"))};
    longer = shorter;
    CHECK(longer.size() == 1);
    CHECK(longer.ct_equals(view(unhex("b1"))));
    for (std::size_t i = 1; i < 4; ++i) CHECK(std::to_integer<int>(longer.data()[i]) == 0);
}

TEST_CASE("bounded_bytes keeps up to its capacity and copies what it holds") {
    bounded_bytes<4> b;
    CHECK(b.empty());
    CHECK(b.assign(view(unhex("01020304"))));  // exactly the capacity
    CHECK(b.size() == 4);
    CHECK_FALSE(b.assign(view(unhex("0506070809"))));  // capacity + 1: refused, contents unchanged
    CHECK(pqike::test::tohex(b.view()) == "01020304");
    CHECK(b.assign(view(unhex("aabb"))));
    bounded_bytes<4> c{b};
    CHECK(pqike::test::tohex(c.view()) == "aabb");
    c = bounded_bytes<4>{};
    CHECK(c.empty());
    c = b;
    const bounded_bytes<4>& same = b;
    b = same;  // self-assignment keeps the contents
    CHECK(pqike::test::tohex(b.view()) == "aabb");
    CHECK(pqike::test::tohex(c.view()) == "aabb");
    const mut_bytes w = c.resize_for_overwrite(3);
    CHECK(w.size() == 3);
    w[2] = std::byte{0xcc};
    CHECK(c.size() == 3);
    CHECK(c.view()[2] == std::byte{0xcc});
    CHECK(c.resize_for_overwrite(5).empty());  // too large: refused, contents unchanged
    CHECK(c.size() == 3);
}

TEST_CASE("result<T> builds its value in place: a type that can be neither copied nor moved") {
    struct pinned {
        int a, b;
        pinned(int x, int y) noexcept : a(x), b(y) {}
        pinned(const pinned&) = delete;
        pinned& operator=(const pinned&) = delete;
    };
    const auto make = [](int x) { return result<pinned>{std::in_place, x, x + 1}; };
    const auto r = make(7);
    REQUIRE(r.has_value());
    CHECK(r->a == 7);
    CHECK(r->b == 8);
}

TEST_CASE("secret storage is zero after destruction") {
    // Construct in caller-owned storage, destroy explicitly, then inspect the bytes: the
    // destructor's wipe must have happened (the asm barrier keeps it from being elided).
    alignas(secret_bytes<32>) std::array<std::byte, sizeof(secret_bytes<32>)> raw{};
    auto* s = ::new (raw.data()) secret_bytes<32>();
    std::array<std::byte, 32> key{};
    key.fill(std::byte{0x5a});
    CHECK(s->assign(key));
    s->~secret_bytes<32>();
    bool all_zero = true;
    for (std::size_t i = 0; i < 32; ++i) all_zero &= raw[i] == std::byte{0};
    CHECK(all_zero);

    alignas(secret_array<16>) std::array<std::byte, sizeof(secret_array<16>)> raw2{};
    auto* a = ::new (raw2.data()) secret_array<16>();
    a->span()[0] = std::byte{0x77};
    a->~secret_array<16>();
    CHECK(raw2[0] == std::byte{0});
}

TEST_CASE("result and status carry values or errors with a notify") {
    result<int> ok{42};
    CHECK(ok.has_value());
    CHECK(*ok == 42);
    CHECK(ok.code() == errc::ok);
    result<int> bad{errc::invalid_nonce_length, "nonce.length", 12};
    CHECK_FALSE(bad);
    CHECK(bad.error().offset == 12);
    CHECK(std::string(bad.error().field) == "nonce.length");
    CHECK(bad.error().notify() == notify_error::invalid_syntax);
    CHECK(error{errc::unsupported_critical_payload}.notify() == notify_error::unsupported_critical_payload);
    CHECK(error{errc::invalid_ke_payload}.notify() == notify_error::invalid_ke_payload);
    CHECK(error{errc::integrity_check_failed}.notify() == notify_error::none);
    CHECK(error{errc::state_not_found}.notify() == notify_error::state_not_found);
    CHECK(std::string(errc_name(errc::escape_replayed)) == "escape_replayed");
    status s{};
    CHECK(s.ok());
    status f{errc::trailing_data};
    CHECK_FALSE(f);
    result<std::vector<int>> moved{std::vector<int>{1, 2, 3}};
    auto copy = moved;
    CHECK(copy->size() == 3);
}

TEST_CASE("error: offset is a byte offset, value explains; errc::ok is never an error") {
    status by_offset{errc::truncated, "payload.length", 7};
    CHECK(by_offset.error().offset == 7);
    CHECK(by_offset.error().value == 0);
    status by_value{errc::no_proposal_chosen, "transform.encr", error_value{20}};
    CHECK(by_value.error().offset == 0);
    CHECK(by_value.error().value == 20);
    result<int> r{errc::invalid_length, "sk_d", error_value{48}};
    CHECK(r.error().value == 48);
    CHECK(r.error().offset == 0);
    // A result built from errc::ok would be neither a value nor an error: it does not compile
    // as a constant expression (and traps at run time).
    CHECK_FALSE(constructs_as_constant<errc::ok>());
    CHECK(constructs_as_constant<errc::truncated>());
}

TEST_CASE("result is assignable and has std::expected's monadic helpers") {
    result<int> r{1};
    r = result<int>{errc::truncated, "x", 3};
    CHECK_FALSE(r);
    CHECK(r.error().offset == 3);
    r = 5;
    REQUIRE(r);
    CHECK(*r == 5);
    result<std::vector<int>> v{std::vector<int>{1, 2}};
    result<std::vector<int>> w{errc::trailing_data};
    w = v;
    REQUIRE(w);
    CHECK(w->size() == 2);
    v = result<std::vector<int>>{errc::length_mismatch};
    CHECK(v.code() == errc::length_mismatch);

    const auto half = [](int x) -> result<int> {
        if (x % 2 != 0) return {errc::invalid_syntax, "odd", error_value{static_cast<std::uint64_t>(x)}};
        return x / 2;
    };
    CHECK(*result<int>{8}.and_then(half) == 4);
    CHECK(result<int>{7}.and_then(half).error().value == 7);
    CHECK(result<int>{errc::truncated}.and_then(half).code() == errc::truncated);
    CHECK(*result<int>{3}.transform([](int x) { return x * 1.5; }) == doctest::Approx(4.5));
    CHECK(result<int>{errc::truncated}.transform([](int x) { return x + 1; }).code() == errc::truncated);
    const auto recovered = result<int>{errc::truncated}.or_else([](const error&) -> result<int> { return 0; });
    CHECK(*recovered == 0);
    CHECK(result<int>{errc::truncated}.value_or(9) == 9);
    CHECK(result<int>{2}.value_or(9) == 2);
    CHECK(status{}.and_then([] { return result<int>{1}; }).value() == 1);
    CHECK(status{errc::rng_failure}.and_then([] { return result<int>{1}; }).code() == errc::rng_failure);
}

TEST_CASE("notify_for: RFC 7296's answers, and silence where it asks for silence") {
    CHECK(notify_for(errc::integrity_check_failed) == notify_error::none);   // §2.21, §3.14
    CHECK(notify_for(errc::unexpected_message) == notify_error::none);       // §2.3
    CHECK(notify_for(errc::escape_bad_tag) == notify_error::none);
    CHECK(notify_for(errc::unsupported_version) == notify_error::invalid_major_version);  // §2.5
    CHECK(notify_for(errc::truncated) == notify_error::invalid_syntax);
    CHECK(notify_for(errc::truncated, true) == notify_error::invalid_syntax);
    CHECK(notify_for(errc::truncated, false) == notify_error::none);         // §3.10.1
    CHECK(notify_for(errc::no_proposal_chosen, false) == notify_error::no_proposal_chosen);
    // Every code is placed: none maps by accident to a value outside the error notifies.
    for (int i = 0; i <= static_cast<int>(errc_last); ++i) {
        const std::uint16_t n = notify_for(static_cast<errc>(i));
        CHECK((n == notify_error::none || (n >= 1 && n < 16384)));
    }
}

TEST_CASE("every error code has a distinct name") {
    std::vector<std::string> names;
    for (int i = 0; i <= static_cast<int>(errc_last); ++i)
        names.emplace_back(errc_name(static_cast<errc>(i)));
    for (std::size_t i = 0; i < names.size(); ++i) {
        CHECK(names[i] != "unknown");
        for (std::size_t j = i + 1; j < names.size(); ++j) CHECK(names[i] != names[j]);
    }
}
