// SPDX-License-Identifier: MIT
// Whole messages: decode/validate/encode, round-trip properties over random valid messages,
// rejected messages leave state unchanged, and decode/encode allocate nothing.
#include "common.hpp"

#include <random>
#include <vector>

#include <pqike/wire/message.hpp>

#include "support/alloc_counter.hpp"
#include "wire/samples.hpp"

using namespace pqike;
using namespace pqike::wire;
using pqike::test::tohex;
namespace s = pqike::wire::samples;

namespace {
std::vector<std::byte> reencode(const message_view& m) {
    std::vector<std::byte> out(m.header.length + 16);
    writer w{out};
    auto n = encode_message(m, w);
    REQUIRE(n);
    out.resize(*n);
    return out;
}

// Every typed view of a decoded message re-encodes its body byte for byte.
void check_typed_round_trip(const raw_payload& p) {
    std::vector<std::byte> out(p.body.size() + 16);
    writer w{out};
    switch (p.type) {
        case payload_type::sa: sa_view::decode(p)->encode(w); break;
        case payload_type::ke: ke_view::decode(p)->encode(w); break;
        case payload_type::nonce: nonce_view::decode(p)->encode(w); break;
        case payload_type::notify: notify_view::decode(p)->encode(w); break;
        case payload_type::del: delete_view::decode(p)->encode(w); break;
        case payload_type::vendor_id: vendor_id_view::decode(p)->encode(w); break;
        case payload_type::idi:
        case payload_type::idr: id_view::decode(p)->encode(w); break;
        case payload_type::auth: auth_view::decode(p)->encode(w); break;
        case payload_type::tsi:
        case payload_type::tsr: ts_view::decode(p)->encode(w); break;
        case payload_type::certreq: certreq_view::decode(p)->encode(w); break;
        default: w.bytes(p.body); break;
    }
    REQUIRE(w.finish().ok());
    CHECK(tohex(w.written()) == tohex(p.body));
}
}  // namespace

TEST_CASE("samples decode, validate and re-encode byte for byte") {
    const std::vector<std::vector<std::byte>> all = {
        s::ike_sa_init_request(),      s::ike_sa_init_response_mlkem512(),
        s::ike_intermediate_sk(),      s::ike_intermediate_plain_ke(ke_method::ml_kem_1024, 1568),
        s::create_child_sa_request(),  s::ike_followup_ke_request(1),
        s::informational(),            s::skf_fragment(1, 2, payload_type::ke),
        s::skf_fragment(2, 2, payload_type::ke)};
    for (const auto& m : all) {
        REQUIRE(!m.empty());
        message<16> msg;
        auto st = msg.decode(m);
        INFO(st.error().name() << " " << st.error().field << " @" << st.error().offset);
        REQUIRE(st.ok());
        CHECK(msg.view.header.length == m.size());
        CHECK(tohex(reencode(msg.view)) == tohex(m));
        for (const auto& p : msg.view.payloads) check_typed_round_trip(p);
    }
}

TEST_CASE("IKE_SA_INIT sample: what the decoder sees") {
    const auto m = s::ike_sa_init_request();
    message<16> msg;
    REQUIRE(msg.decode(m).ok());
    const auto& v = msg.view;
    CHECK(v.header.exchange == exchange_type::ike_sa_init);
    REQUIRE(v.payloads.size() == 6);
    CHECK(v.payloads[0].type == payload_type::sa);
    CHECK(v.payloads[1].type == payload_type::ke);
    CHECK(v.payloads[2].type == payload_type::nonce);
    CHECK(v.count(payload_type::notify) == 3);
    auto sa = sa_view::decode(*v.find(payload_type::sa));
    REQUIRE(sa);
    auto p = sa->proposal_list().next();
    CHECK(p->num_transforms == 12);
    auto ke = ke_view::decode(*v.find(payload_type::ke));
    CHECK(ke->method == ke_method::curve25519);
    auto n3 = notify_view::decode(*v.find(payload_type::notify, 2));
    CHECK(n3->kind == notify_type::intermediate_exchange_supported);
    CHECK(v.find(payload_type::notify, 3) == nullptr);
}

TEST_CASE("message: an invalid payload inside the chain rejects the message with its offset") {
    auto m = s::ike_sa_init_request();
    message<16> msg;
    REQUIRE(msg.decode(m).ok());
    const std::size_t nonce_at = msg.view.find(payload_type::nonce)->offset;
    // Shrink the Nonce payload to 15 octets of data: its length and the chain still agree.
    auto bad = s::build(s::make_header(exchange_type::ike_sa_init, flag::initiator, 0, 0),
                        [&](message_builder& b) {
                            b.add(payload_type::nonce, bytes_view{m}.subspan(nonce_at + 4, 15));
                        });
    auto st = msg.decode(bad);
    CHECK(st.code() == errc::invalid_nonce_length);
    CHECK(st.error().offset == 32);
}

TEST_CASE("message: unknown critical payload -> UNSUPPORTED_CRITICAL_PAYLOAD unless the caller opts out") {
    const std::byte body[3] = {};
    auto m = s::build(s::make_header(exchange_type::informational, 0, 7), [&](message_builder& b) {
        b.add(static_cast<payload_type>(99), body, true);
    });
    message<4> msg;
    auto st = msg.decode(m);
    CHECK(st.code() == errc::unsupported_critical_payload);
    CHECK(st.error().notify() == 1);
    CHECK(st.error().offset == 29);
    decode_options lax;
    lax.reject_unknown_critical = false;
    REQUIRE(msg.decode(m, lax).ok());
    CHECK(msg.view.payloads[0].critical);
    CHECK(tohex(reencode(msg.view)) == tohex(m));
}

TEST_CASE("message: cap from the options and from the slots") {
    const auto m = s::ike_sa_init_request();  // 6 payloads
    message<6> exact;
    CHECK(exact.decode(m).ok());
    message<5> small;
    CHECK(small.decode(m).code() == errc::too_many_payloads);
    message<16> big;
    decode_options opt;
    opt.limits.max_payloads = 5;
    auto st = big.decode(m, opt);
    CHECK(st.code() == errc::too_many_payloads);
    CHECK(std::string_view(st.error().field) == "payload");
}

TEST_CASE("message: a rejected message leaves the previous decode untouched") {
    const auto good = s::ike_sa_init_request();
    message<16> msg;
    REQUIRE(msg.decode(good).ok());
    const auto before_hdr = msg.view.header;
    const auto before = tohex(reencode(msg.view));
    auto bad = s::create_child_sa_request();
    bad[ike_header_size + payload_offset::length] = std::byte{0xff};  // first payload's Length
    CHECK(!msg.decode(bad).ok());
    CHECK(msg.view.header == before_hdr);
    CHECK(tohex(reencode(msg.view)) == before);
}

TEST_CASE("message: every truncation of a valid message is rejected, never crashes") {
    const auto m = s::create_child_sa_request();
    for (std::size_t n = 0; n < m.size(); ++n) {
        message<16> msg;
        CHECK(!msg.decode(bytes_view{m}.first(n)).ok());
        // with a consistent header Length, the chain is what fails
        std::vector<std::byte> cut(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(n));
        if (n >= ike_header_size) {
            store_be32(cut.data() + header_offset::length, static_cast<std::uint32_t>(n));
            CHECK(!msg.decode(cut).ok());
        }
    }
}

// ---- property: random valid messages round-trip ---------------------------------------------

namespace {
struct generated {
    std::vector<std::byte> bytes;
    std::vector<payload_type> types;
};

generated random_message(std::mt19937_64& rng) {
    auto u = [&](std::uint64_t n) { return static_cast<std::size_t>(rng() % n); };
    auto blob = [&](std::size_t n) {
        std::vector<std::byte> b(n);
        for (auto& x : b) x = static_cast<std::byte>(rng());
        return b;
    };
    ike_header h;
    h.spi_i = rng();
    h.spi_r = rng();
    h.minor_version = static_cast<std::uint8_t>(u(16));
    h.exchange = static_cast<exchange_type>(u(256));
    h.flags = static_cast<std::uint8_t>(rng());
    h.message_id = static_cast<std::uint32_t>(rng());
    generated g;
    std::vector<std::vector<std::byte>> keep;  // storage for views used while building
    g.bytes.resize(70000);
    writer w{g.bytes};
    message_builder b{w, h};
    const std::size_t n = u(12);
    for (std::size_t i = 0; i < n; ++i) {
        const bool last = i + 1 == n;
        switch (u(last ? 12 : 11)) {
            case 0: {
                b.begin(payload_type::sa);
                sa_builder sa{b.out()};
                const std::size_t props = 1 + u(3);
                for (std::size_t k = 0; k < props; ++k) {
                    keep.push_back(blob(u(2) ? 0 : 4));
                    sa.begin_proposal(static_cast<std::uint8_t>(k + 1),
                                      static_cast<protocol_id>(1 + u(3)), keep.back());
                    const std::size_t ts = 1 + u(14);
                    for (std::size_t t = 0; t < ts; ++t) {
                        sa.begin_transform(static_cast<transform_type>(1 + u(12)),
                                           static_cast<std::uint16_t>(u(40)));
                        if (u(3) == 0) sa.add_key_length(static_cast<std::uint16_t>(128 * (1 + u(2))));
                        if (u(8) == 0) {
                            keep.push_back(blob(u(6)));
                            sa.add_attribute({static_cast<std::uint16_t>(u(0x7fff)), false, 0, keep.back()});
                        }
                        sa.end_transform();
                    }
                }
                REQUIRE(sa.finish().ok());
                g.types.push_back(payload_type::sa);
                break;
            }
            case 1: {
                keep.push_back(blob(u(1600)));
                b.begin(payload_type::ke);
                encode_ke(b.out(), static_cast<ke_method>(u(40)), keep.back());
                g.types.push_back(payload_type::ke);
                break;
            }
            case 2:
                keep.push_back(blob(16 + u(241)));
                b.add(payload_type::nonce, keep.back());
                g.types.push_back(payload_type::nonce);
                break;
            case 3: {
                keep.push_back(blob(u(2) ? 0 : 4));
                const auto spi = keep.back();
                keep.push_back(blob(u(40)));
                b.begin(payload_type::notify);
                notify_view{static_cast<protocol_id>(u(4)), static_cast<notify_type>(rng()),
                            keep[keep.size() - 2], keep.back()}
                    .encode(b.out());
                g.types.push_back(payload_type::notify);
                break;
            }
            case 4: {
                const auto cnt = static_cast<std::uint16_t>(1 + u(5));
                keep.push_back(blob(4u * cnt));
                b.begin(payload_type::del);
                delete_view{protocol_id::esp, 4, cnt, keep.back()}.encode(b.out());
                g.types.push_back(payload_type::del);
                break;
            }
            case 5:
                keep.push_back(blob(u(30)));
                b.add(payload_type::vendor_id, keep.back());
                g.types.push_back(payload_type::vendor_id);
                break;
            case 6: {
                keep.push_back(blob(1 + u(30)));
                const auto t = u(2) ? payload_type::idi : payload_type::idr;
                b.begin(t);
                id_view{id_type::fqdn, {0, 0, 0}, keep.back(), {}}.encode(b.out());
                g.types.push_back(t);
                break;
            }
            case 7:
                keep.push_back(blob(1 + u(64)));
                b.begin(payload_type::auth);
                auth_view{auth_method::shared_key_mic, {0, 0, 0}, keep.back()}.encode(b.out());
                g.types.push_back(payload_type::auth);
                break;
            case 8: {
                const auto t = u(2) ? payload_type::tsi : payload_type::tsr;
                const std::size_t cnt = 1 + u(4);
                b.begin(t);
                b.out().u8(static_cast<std::uint8_t>(cnt));
                b.out().zeros(3);
                for (std::size_t k = 0; k < cnt; ++k) {
                    const auto tt = u(2) ? ts_type::ipv4_addr_range : ts_type::ipv6_addr_range;
                    keep.push_back(blob(2 * ts_address_size(tt)));
                    make_selector(tt, static_cast<std::uint8_t>(u(256)), 0, 0xffff, keep.back())
                        .encode(b.out());
                }
                g.types.push_back(t);
                break;
            }
            case 9:
                keep.push_back(blob(1 + 20 * u(4)));
                keep.back()[0] = std::byte{4};
                b.add(payload_type::certreq, keep.back());
                g.types.push_back(payload_type::certreq);
                break;
            case 10: {  // unknown, non-critical, random reserved bits
                const auto t = static_cast<payload_type>(54 + u(200));
                keep.push_back(blob(u(50)));
                b.add(t, keep.back(), false, static_cast<std::uint8_t>(u(128)));
                g.types.push_back(t);
                break;
            }
            default: {  // SK (must be last), inner first payload random
                keep.push_back(blob(u(300)));
                raw_payload sk;
                sk.type = u(2) ? payload_type::sk : payload_type::skf;
                sk.next = static_cast<payload_type>(u(256));
                sk.body = keep.back();
                b.add(sk);
                g.types.push_back(sk.type);
                break;
            }
        }
    }
    auto len = b.finish();
    REQUIRE(len);
    g.bytes.resize(*len);
    return g;
}
}  // namespace

TEST_CASE("property: random valid messages decode, keep every payload and re-encode identically") {
    std::mt19937_64 rng{0x5eed2026};
    for (int iter = 0; iter < 500; ++iter) {
        const auto g = random_message(rng);
        message<16> msg;
        auto st = msg.decode(g.bytes);
        INFO("iter " << iter << ": " << st.error().name() << " " << st.error().field << " @"
                     << st.error().offset);
        REQUIRE(st.ok());
        REQUIRE(msg.view.payloads.size() == g.types.size());
        for (std::size_t i = 0; i < g.types.size(); ++i) {
            CHECK(msg.view.payloads[i].type == g.types[i]);
            check_typed_round_trip(msg.view.payloads[i]);
        }
        const auto again = reencode(msg.view);
        CHECK(tohex(again) == tohex(g.bytes));
        message<16> msg2;
        REQUIRE(msg2.decode(again).ok());
        CHECK(msg2.view.header == msg.view.header);
    }
}

TEST_CASE("property: single-byte corruptions never crash and a decoded result round-trips") {
    std::mt19937_64 rng{0xc0ffee};
    for (int iter = 0; iter < 200; ++iter) {
        auto g = random_message(rng);
        if (g.bytes.size() <= ike_header_size) continue;
        for (int k = 0; k < 8; ++k) {
            auto b = g.bytes;
            b[static_cast<std::size_t>(rng() % b.size())] ^= static_cast<std::byte>(1 + rng() % 255);
            message<16> msg;
            if (msg.decode(b).ok()) CHECK(tohex(reencode(msg.view)) == tohex(b));
        }
    }
}

// ---- zero heap --------------------------------------------------------------------------------

TEST_CASE("decode and encode of IKE_SA_INIT allocate nothing") {
    const auto m = s::ike_sa_init_request();
    const auto big = s::ike_intermediate_plain_ke(ke_method::ml_kem_1024, 1568);
    std::array<std::byte, 2048> out{};
    message<16> msg;
    g_counting = true;
    const std::size_t before = g_news;
    bool ok = msg.decode(m).ok();
    for (const auto& p : msg.view.payloads) ok = ok && validate_payload(p).ok();
    writer w{out};
    auto n = encode_message(msg.view, w);
    ok = ok && n.has_value();
    ok = ok && msg.decode(big).ok();
    writer w2{out};
    ok = ok && encode_message(msg.view, w2).has_value();
    const std::size_t after = g_news;
    CHECK(ok);
    CHECK(after == before);
    // the counter works: a vector allocates
    std::vector<int> v(3);
    CHECK(g_news > after);
    g_counting = false;
}
