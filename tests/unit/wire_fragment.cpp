// SPDX-License-Identifier: MIT
// RFC 7383 fragmentation: split and reassemble, checked on strongSwan's real SKF fragments
// (tests/data/strongswan_sk.json) and on every malformed class with its own test.
#include "common.hpp"
#include "support/rng.hpp"
#include "support/sk_test_cipher.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <pqike/crypto/hmac.hpp>
#include <pqike/wire/fragment.hpp>
#include <random>

#if defined(PQIKE_HAVE_OPENSSL)
#include <pqike/adapters/openssl.hpp>
#endif

using namespace pqike;
using namespace pqike::wire;
using namespace pqike::test;
using toy = pqike::test::toy_etm;

namespace {

struct toy_keys {
    byte_vec e = byte_vec(toy::encr_key_size, std::byte{0x21});
    byte_vec a = byte_vec(toy::integ_key_size, std::byte{0x43});
    sk_keys keys() const { return {view(e), view(a)}; }
};

ike_header sample_header(std::uint32_t mid = 1) {
    ike_header h;
    h.spi_i = 0xa1a2a3a4a5a6a7a8ull;
    h.spi_r = 0xb1b2b3b4b5b6b7b8ull;
    h.exchange = exchange_type::ike_intermediate;
    h.flags = flag::initiator;
    h.message_id = mid;
    return h;
}

// An inner chain of `n` octets: one Vendor ID payload (43) with a patterned body.
byte_vec inner_of(std::size_t n) {
    REQUIRE(n >= 4);
    byte_vec v(n);
    v[0] = std::byte{0};
    v[1] = std::byte{0};
    store_be16(v.data() + 2, static_cast<std::uint16_t>(n));
    for (std::size_t i = 4; i < n; ++i) v[i] = static_cast<std::byte>(i * 7 + 3);
    return v;
}

protected_message message_of(const byte_vec& inner, std::uint32_t mid = 1) {
    protected_message m;
    m.header = sample_header(mid);
    m.first_inner = payload_type::vendor_id;
    m.inner = view(inner);
    return m;
}

struct split_result {
    byte_vec buf;
    std::vector<byte_vec> frags;
};

split_result split_toy(const toy_keys& k, const protected_message& m, std::size_t max_size) {
    split_result r;
    r.buf.resize(64 * 1024 + 8192);
    std::array<bytes_view, 300> views{};
    pqike::test::counter_rng rng;
    fragment_options o;
    o.max_size = max_size;
    o.ip_udp_overhead = 0;  // sizes of the IKE message itself
    auto n = split<toy>(k.keys(), m, o, rng, r.buf, views);
    REQUIRE(n.has_value());
    for (std::size_t i = 0; i < *n; ++i) {
        CHECK(views[i].size() <= max_size);
        r.frags.emplace_back(views[i].begin(), views[i].end());
    }
    return r;
}

// Storage on the heap for the tests only (the type itself is placement-agnostic).
using store_t = reassembly_storage<8192, 64, 2048>;

struct state {
    bool in_progress, complete;
    std::uint16_t total;
    std::size_t received;
    friend bool operator==(const state&, const state&) = default;
};
state snapshot(const reassembler& r) {
    return {r.in_progress(), r.complete(), r.total_fragments(), r.received()};
}

}  // namespace

TEST_CASE("the default fragment size counts the IPv4 and UDP headers (as strongSwan's fragment_size)") {
    const fragment_options d{};
    CHECK(d.max_size == 1280);
    CHECK(d.ip_udp_overhead == 28);
    toy_keys k;
    const auto inner = inner_of(3000);
    const auto m = message_of(inner);
    std::vector<std::byte> buf(64 * 1024);
    std::array<bytes_view, 64> views{};
    pqike::test::counter_rng rng;
    auto n = split<toy>(k.keys(), m, d, rng, buf, views);
    REQUIRE(n.has_value());
    for (std::size_t i = 0; i < *n; ++i) CHECK(views[i].size() + 28 <= 1280);
}

TEST_CASE("split then reassemble, in every order, for many sizes") {
    toy_keys k;
    std::mt19937 gen(7);
    for (std::size_t len : {4u, 20u, 200u, 555u, 1000u, 3000u}) {
        for (std::size_t max : {120u, 300u, 1280u}) {
            CAPTURE(len);
            CAPTURE(max);
            const auto inner = inner_of(len);
            const auto m = message_of(inner);
            auto s = split_toy(k, m, max);
            auto count = fragment_count<toy>(m, fragment_options{max, 0, false, false});
            REQUIRE(count.has_value());
            CHECK(s.frags.size() == *count);
            // Only fragment 1 names the first inner payload.
            for (std::size_t i = 0; i < s.frags.size(); ++i)
                CHECK(std::to_integer<int>(s.frags[i][28]) == (i == 0 ? 43 : 0));
            std::vector<std::size_t> order(s.frags.size());
            for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
            for (int round = 0; round < 3; ++round) {
                auto st = std::make_unique<store_t>();
                reassembler r{*st};
                for (std::size_t j = 0; j < order.size(); ++j) {
                    auto a = r.add<toy>(k.keys(), view(s.frags[order[j]]));
                    REQUIRE(a.has_value());
                    CHECK(*a == (j + 1 == order.size() ? reassembly_status::complete
                                                        : reassembly_status::stored));
                }
                REQUIRE(r.complete());
                const auto out = r.message();
                CHECK(tohex(out.inner) == tohex(view(inner)));
                CHECK(out.first_inner == payload_type::vendor_id);
                CHECK(out.header.message_id == 1);
                std::shuffle(order.begin(), order.end(), gen);
            }
        }
    }
}

TEST_CASE("fragment size: IP/UDP headers and the non-ESP marker count against max_size") {
    toy_keys k;
    const auto inner = inner_of(2000);
    const auto m = message_of(inner);
    byte_vec buf(8192);
    std::array<bytes_view, 16> views{};
    pqike::test::counter_rng rng;
    fragment_options o{1280, 28, true, false};
    auto n = split<toy>(k.keys(), m, o, rng, buf, views);
    REQUIRE(n.has_value());
    CHECK(views[0].size() <= 1280 - 28 - 4);
    CHECK(views[0].size() + 16 > 1280 - 28 - 4);  // and fills it to within one block
    // Too small a datagram for even one octet is an error value.
    CHECK(fragment_count<toy>(m, fragment_options{60, 0, false, false}).code() ==
          errc::length_too_small);
    // Too few fragment views, or too small a buffer.
    std::array<bytes_view, 1> one{};
    CHECK(split<toy>(k.keys(), m, o, rng, buf, one).code() == errc::buffer_too_small);
    byte_vec small(500);
    CHECK(split<toy>(k.keys(), m, o, rng, small, views).code() == errc::buffer_too_small);
}

TEST_CASE("duplicates are ignored and change nothing") {
    toy_keys k;
    const auto inner = inner_of(900);
    auto s = split_toy(k, message_of(inner), 300);
    REQUIRE(s.frags.size() >= 3);
    auto st = std::make_unique<store_t>();
    reassembler r{*st};
    REQUIRE(r.add<toy>(k.keys(), view(s.frags[1])).has_value());
    const auto before = snapshot(r);
    auto d = r.add<toy>(k.keys(), view(s.frags[1]));
    REQUIRE(d.has_value());
    CHECK(*d == reassembly_status::duplicate);
    CHECK(snapshot(r) == before);
    for (std::size_t i = 0; i < s.frags.size(); ++i) (void)r.add<toy>(k.keys(), view(s.frags[i]));
    REQUIRE(r.complete());
    CHECK(tohex(r.message().inner) == tohex(view(inner)));
    // A retransmission after completion is a duplicate too.
    CHECK(*r.add<toy>(k.keys(), view(s.frags[0])) == reassembly_status::duplicate);
}

TEST_CASE("missing fragments: the message is never complete") {
    toy_keys k;
    const auto inner = inner_of(900);
    auto s = split_toy(k, message_of(inner), 300);
    auto st = std::make_unique<store_t>();
    reassembler r{*st};
    for (std::size_t i = 0; i + 1 < s.frags.size(); ++i)
        CHECK(*r.add<toy>(k.keys(), view(s.frags[i])) == reassembly_status::stored);
    CHECK(r.in_progress());
    CHECK(!r.complete());
    CHECK(r.message().inner.empty());
    r.reset();
    CHECK(!r.in_progress());
    CHECK(r.total_fragments() == 0);
}

TEST_CASE("Fragment Number 0, number > total and total 0 are rejected without state change") {
    toy_keys k;
    const auto inner = inner_of(900);
    auto s = split_toy(k, message_of(inner), 300);
    auto st = std::make_unique<store_t>();
    reassembler r{*st};
    REQUIRE(r.add<toy>(k.keys(), view(s.frags[0])).has_value());
    const auto before = snapshot(r);
    for (auto [num, tot] : {std::pair<int, int>{0, 4}, {5, 4}, {1, 0}}) {
        auto bad = s.frags[1];
        store_be16(bad.data() + 32, static_cast<std::uint16_t>(num));
        store_be16(bad.data() + 34, static_cast<std::uint16_t>(tot));
        CHECK(r.add<toy>(k.keys(), view(bad)).code() == errc::invalid_fragment);
        CHECK(snapshot(r) == before);
    }
}

TEST_CASE("a later fragment with a smaller total is dropped; a larger total restarts") {
    toy_keys k;
    const auto inner = inner_of(900);
    const auto m = message_of(inner);
    auto small = split_toy(k, m, 500);   // fewer fragments
    auto large = split_toy(k, m, 300);   // re-fragmented smaller (RFC 7383 §2.5.2)
    REQUIRE(small.frags.size() < large.frags.size());
    auto st = std::make_unique<store_t>();
    reassembler r{*st};
    REQUIRE(r.add<toy>(k.keys(), view(large.frags[0])).has_value());
    const auto before = snapshot(r);
    CHECK(r.add<toy>(k.keys(), view(small.frags[1])).code() == errc::invalid_fragment);
    CHECK(snapshot(r) == before);

    auto st2 = std::make_unique<store_t>();
    reassembler r2{*st2};
    REQUIRE(r2.add<toy>(k.keys(), view(small.frags[0])).has_value());
    REQUIRE(r2.add<toy>(k.keys(), view(large.frags[1])).has_value());  // restart
    CHECK(r2.total_fragments() == large.frags.size());
    CHECK(r2.received() == 1);
    for (std::size_t i = 0; i < large.frags.size(); ++i) (void)r2.add<toy>(k.keys(), view(large.frags[i]));
    REQUIRE(r2.complete());
    CHECK(tohex(r2.message().inner) == tohex(view(inner)));
}

TEST_CASE("caps: fragment count, reassembled size and storage") {
    toy_keys k;
    const auto inner = inner_of(3000);
    auto s = split_toy(k, message_of(inner), 200);
    REQUIRE(s.frags.size() > 16);
    SUBCASE("more fragments than the cap") {
        auto st = std::make_unique<store_t>();
        reassembler r{st->bytes, st->slots, reassembly_limits{8, 8192}};
        CHECK(r.add<toy>(k.keys(), view(s.frags[0])).code() == errc::reassembly_limit);
        CHECK(snapshot(r) == state{false, false, 0, 0});
    }
    SUBCASE("more fragments than slots") {
        auto st = std::make_unique<store_t>();
        std::array<fragment_slot, 16> slots{};
        reassembler r{st->bytes, slots, reassembly_limits{255, 8192}};
        CHECK(r.add<toy>(k.keys(), view(s.frags[0])).code() == errc::reassembly_limit);
    }
    SUBCASE("reassembled size above max_total") {
        auto s2 = split_toy(k, message_of(inner), 1280);
        auto st = std::make_unique<store_t>();
        reassembler r{st->bytes, st->slots, reassembly_limits{64, 2000}};
        REQUIRE(r.add<toy>(k.keys(), view(s2.frags[0])).has_value());
        const auto before = snapshot(r);
        CHECK(r.add<toy>(k.keys(), view(s2.frags[1])).code() == errc::reassembly_limit);
        CHECK(snapshot(r) == before);
    }
    SUBCASE("storage too small for the next ciphertext") {
        auto s2 = split_toy(k, message_of(inner), 1280);
        std::array<std::byte, 1500> bytes{};
        std::array<fragment_slot, 8> slots{};
        reassembler r{bytes, slots, reassembly_limits{8, 65536}};
        REQUIRE(r.add<toy>(k.keys(), view(s2.frags[0])).has_value());
        CHECK(r.add<toy>(k.keys(), view(s2.frags[1])).code() == errc::reassembly_limit);
        CHECK(r.received() == 1);
    }
}

TEST_CASE("ICV failure and a different message are rejected without state change") {
    toy_keys k;
    const auto inner = inner_of(900);
    auto s = split_toy(k, message_of(inner), 300);
    auto other = split_toy(k, message_of(inner, 2), 300);
    auto st = std::make_unique<store_t>();
    reassembler r{*st};
    REQUIRE(r.add<toy>(k.keys(), view(s.frags[0])).has_value());
    const auto before = snapshot(r);
    auto bad = s.frags[1];
    bad[bad.size() - 20] ^= std::byte{1};
    CHECK(r.add<toy>(k.keys(), view(bad)).code() == errc::integrity_check_failed);
    CHECK(snapshot(r) == before);
    CHECK(r.add<toy>(k.keys(), view(other.frags[1])).code() == errc::unexpected_message);
    CHECK(snapshot(r) == before);
    for (std::size_t i = 1; i < s.frags.size(); ++i)
        REQUIRE(r.add<toy>(k.keys(), view(s.frags[i])).has_value());
    CHECK(tohex(r.message().inner) == tohex(view(inner)));
}

TEST_CASE("an SK message is not a fragment") {
    toy_keys k;
    const auto inner = inner_of(100);
    byte_vec buf(1024);
    pqike::test::counter_rng rng;
    auto msg = seal<toy>(k.keys(), message_of(inner), rng, buf);
    REQUIRE(msg.has_value());
    auto st = std::make_unique<store_t>();
    reassembler r{*st};
    CHECK(r.add<toy>(k.keys(), *msg).code() == errc::invalid_fragment);
}

TEST_CASE("payloads in clear travel in fragment 1 only") {
    toy_keys k;
    const auto inner = inner_of(900);
    const auto clear = unhex("0000000c0000400a01020304");
    auto m = message_of(inner);
    m.first_unprotected = payload_type::notify;
    m.unprotected = view(clear);
    auto s = split_toy(k, m, 300);
    CHECK(std::to_integer<int>(s.frags[0][16]) == 41);
    CHECK(std::to_integer<int>(s.frags[0][28]) == 53);  // the clear Notify's Next Payload: SKF
    CHECK(std::to_integer<int>(s.frags[1][16]) == 53);
    auto st = std::make_unique<store_t>();
    reassembler r{*st};
    // Out of order: fragment 1 (with the clear payload) last.
    for (std::size_t i = s.frags.size(); i-- > 0;) REQUIRE(r.add<toy>(k.keys(), view(s.frags[i])).has_value());
    REQUIRE(r.complete());
    const auto out = r.message();
    CHECK(tohex(out.unprotected) == tohex(view(clear)).replace(0, 2, "35"));
    CHECK(out.first_unprotected == payload_type::notify);
    CHECK(tohex(out.inner) == tohex(view(inner)));
    // IntAuth A treats it as one SK message.
    std::array<std::byte, 64> a{};
    auto ap = int_auth_a_p(out, a);
    REQUIRE(ap.has_value());
    CHECK(std::to_integer<int>(ap->a[28]) == 46);
    CHECK(ap->a.size() == 28 + clear.size() + 4);

    SUBCASE("a clear payload in a later fragment is rejected") {
        toy_keys k2;
        // Build fragment 2 of 2 carrying a clear payload by sealing it directly.
        protected_message p = m;
        p.first_inner = payload_type::none;
        byte_vec buf(2048);
        const byte_vec iv(toy::iv_size);
        sk_seal_options so;
        so.iv = view(iv);
        so.fragment = fragment_id{2, 2};
        auto f2 = seal<toy>(k2.keys(), p, so, buf);
        REQUIRE(f2.has_value());
        auto st2 = std::make_unique<store_t>();
        reassembler r2{*st2};
        CHECK(r2.add<toy>(k2.keys(), *f2).code() == errc::invalid_fragment);
    }
    SUBCASE("a first-inner type in a later fragment is rejected") {
        protected_message p = message_of(inner);
        byte_vec buf(2048);
        const byte_vec iv(toy::iv_size);
        sk_seal_options so;
        so.iv = view(iv);
        so.fragment = fragment_id{2, 2};
        auto f2 = seal<toy>(k.keys(), p, so, buf);
        REQUIRE(f2.has_value());
        auto st2 = std::make_unique<store_t>();
        reassembler r2{*st2};
        auto e = r2.add<toy>(k.keys(), *f2);
        CHECK(e.code() == errc::invalid_fragment);
        CHECK(std::string(e.error().field) == "skf.next_payload");
    }
}

// ---- strongSwan's fragments -------------------------------------------------------------------
#if defined(PQIKE_HAVE_OPENSSL)
namespace {

byte_vec ike_bytes(const nlohmann::json& fr) {
    auto udp = unhex(fr["udp_payload"].get<std::string>());
    if (fr["non_esp_marker"].get<bool>()) udp.erase(udp.begin(), udp.begin() + 4);
    return udp;
}

const nlohmann::json& fragmented(const nlohmann::json& sc) {
    for (const auto& m : sc["messages"])
        if (m["fragments"].size() > 1) return m;
    FAIL("no fragmented message");
    return sc;
}

template <class C>
void check_capture(const std::string& name, fragment_options fo, const char* prf_name) {
    const auto data = pqike::test::load_json("strongswan_sk.json");
    const auto& sc = data["scenarios"][name];
    const auto& msg = fragmented(sc);
    const bool ini = msg["sender"] == "original_initiator";
    const auto& st = sc["stages"][msg["key_stage"].get<std::size_t>()];
    const auto e = unhex(st[ini ? "SK_ei" : "SK_er"].get<std::string>());
    const auto a = unhex(st[ini ? "SK_ai" : "SK_ar"].get<std::string>());
    const sk_keys keys{view(e), view(a)};
    std::vector<byte_vec> frags;
    for (const auto& fr : msg["fragments"]) frags.push_back(ike_bytes(fr));
    REQUIRE(frags.size() == 2);

    // Reassemble in both orders.
    for (bool reversed : {false, true}) {
        auto store = std::make_unique<reassembly_storage<>>();
        reassembler r{*store};
        auto first = r.add<C>(keys, view(frags[reversed ? 1 : 0]));
        REQUIRE(first.has_value());
        CHECK(*first == reassembly_status::stored);
        auto second = r.add<C>(keys, view(frags[reversed ? 0 : 1]));
        REQUIRE(second.has_value());
        CHECK(*second == reassembly_status::complete);
        const auto m = r.message();
        CHECK(tohex(m.inner) == msg["inner_payloads"].get<std::string>());
        CHECK(to_number(m.first_inner) == msg["first_inner_payload"].get<int>());

        // Splitting the reassembled message again with the captured IVs (and padding)
        // reproduces strongSwan's datagrams.
        replay_rng rng;
        for (std::size_t i = 0; i < frags.size(); ++i) {
            auto f = parse_protected<C>(view(frags[i]));
            REQUIRE(f.has_value());
            rng.bytes.insert(rng.bytes.end(), f->iv.begin(), f->iv.end());
            const auto pwp = unhex(msg["fragments"][i]["plaintext_with_padding"].get<std::string>());
            const auto pad = msg["fragments"][i]["pad_length"].get<std::size_t>();
            rng.bytes.insert(rng.bytes.end(), pwp.end() - 1 - static_cast<std::ptrdiff_t>(pad), pwp.end() - 1);
        }
        byte_vec buf(4096);
        std::array<bytes_view, 4> views{};
        auto n = split<C>(keys, m, fo, rng, buf, views);
        REQUIRE(n.has_value());
        REQUIRE(*n == 2);
        CHECK(tohex(views[0]) == tohex(view(frags[0])));
        CHECK(tohex(views[1]) == tohex(view(frags[1])));

        // IntAuth chunks of the reassembled IKE_INTERMEDIATE equal strongSwan's.
        if (msg["exchange"] == "IKE_INTERMEDIATE") {
            std::array<std::byte, 64> abuf{};
            auto ap = int_auth_a_p(m, abuf);
            REQUIRE(ap.has_value());
            bool matched = false;
            for (const auto& step : sc["int_auth_steps"]) {
                if (step["sender"] != (ini ? "initiator" : "responder")) continue;
                CHECK(tohex(ap->a) == step["IntAuth_A_hex"].get<std::string>());
                CHECK(ap->p.size() == step["IntAuth_P_len"].get<std::size_t>());
                const auto sk_p = unhex(st[ini ? "SK_pi" : "SK_pr"].get<std::string>());
                crypto::hmac_sha256 prf{view(sk_p)};
                std::array<std::byte, 32> out{};
                policy::prf_compute(prf, {ap->a, ap->p}, out);
                CHECK(std::string(prf_name) == "sha256");
                CHECK(tohex(out) == step["IntAuth_hex"].get<std::string>());
                matched = true;
            }
            CHECK(matched);
        }
    }
}

}  // namespace

TEST_CASE("strongSwan AES-GCM SKF fragments (s1 IKE_FOLLOWUP_KE): reassemble and re-split") {
    check_capture<adapters::openssl_aes256_gcm16>("s1_mlkem768_gcm",
                                                  fragment_options{1280, 28, false, false}, "");
}

TEST_CASE("strongSwan AES-CBC SKF fragments on port 4500 (s3 IKE_INTERMEDIATE): reassemble, "
          "re-split, IntAuth") {
    check_capture<adapters::openssl_aes256_cbc_hmac_sha256_128>(
        "s3_cbc_hmac_natt", fragment_options{1280, 28, true, true}, "sha256");
}
#endif
