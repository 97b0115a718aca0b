// SPDX-License-Identifier: MIT
// Payload views: SA, KE (typed per policy), Nonce, Notify helpers, Delete, ID, AUTH, TS, CERTREQ.
#include "common.hpp"
#include "support/ke_sizes.hpp"

#include <array>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/wire/message.hpp>
#include <pqike/wire/ppk.hpp>
#include <string_view>
#include <vector>

using namespace pqike;
using namespace pqike::wire;
using namespace pqike::test;

namespace {
std::string_view f(const error& e) { return e.field; }

// Re-encode a view's body and return it as hex.
template <class V>
std::string reencode(const V& v) {
    std::vector<std::byte> out(4096);
    writer w{out};
    v.encode(w);
    REQUIRE(w.finish().ok());
    return tohex(w.written());
}


// SA body: proposal 1 (IKE) with ENCR AES-GCM-16/256 and ADDKE1 ML-KEM-768.
const char* k_sa =
    "00 00 001c 01 01 00 02"         // last, reserved, length 28, num 1, IKE, spi 0, 2 transforms
    "03 00 000c 01 00 0014 800e0100"  // more, ENCR 20, Key Length 256
    "00 00 0008 06 00 0024";          // last, ADDKE1 36
}  // namespace

// ---- SA ---------------------------------------------------------------------------------------

TEST_CASE("SA: proposals, transforms, Key Length, ADDKE; re-encodes identically") {
    const auto d = unhex(k_sa);
    auto sa = sa_view::decode(view(d), 100);
    REQUIRE(sa);
    auto pc = sa->proposal_list();
    auto p = pc.next();
    REQUIRE(p);
    CHECK(pc.done());
    CHECK(p->number == 1);
    CHECK(p->protocol == protocol_id::ike);
    CHECK(p->spi.empty());
    CHECK(p->num_transforms == 2);
    auto tc = p->transform_list();
    auto t1 = tc.next();
    REQUIRE(t1);
    CHECK(t1->type == transform_type::encr);
    CHECK(t1->id == 20);
    CHECK(t1->key_length() == 256);
    auto t2 = tc.next();
    REQUIRE(t2);
    CHECK(t2->type == transform_type::addke1);
    CHECK(t2->id == to_number(ke_method::ml_kem_768));
    CHECK(t2->key_length() == 0);
    CHECK(tc.done());
    CHECK(reencode(*sa) == tohex(view(d)));
}

TEST_CASE("SA: builder output equals the hand-written bytes") {
    std::array<std::byte, 64> buf{};
    writer w{buf};
    sa_builder b{w};
    b.begin_proposal(1, protocol_id::ike);
    b.add_transform(transform_type::encr, 20, 256);
    b.add_transform(transform_type::addke1, 36);
    REQUIRE(b.finish().ok());
    CHECK(tohex(w.written()) == tohex(view(unhex(k_sa))));
    std::array<std::byte, 8> tiny{};
    writer w2{tiny};
    sa_builder e{w2};
    CHECK(e.finish().code() == errc::length_too_small);  // no proposal
}

TEST_CASE("SA malformed: each class with its errc, field and offset") {
    SUBCASE("empty SA") {
        auto r = sa_view::decode(bytes_view{}, 100);
        CHECK(r.code() == errc::length_too_small);
        CHECK(f(r.error()) == "sa.proposals");
    }
    SUBCASE("proposal truncated") {
        auto d = unhex(k_sa);
        auto r = sa_view::decode(view(d).first(7), 100);
        CHECK(r.code() == errc::truncated);
        CHECK(f(r.error()) == "proposal");
        CHECK(r.error().offset == 100);
    }
    SUBCASE("proposal length larger than the SA") {
        auto d = unhex(k_sa);
        d[3] = std::byte{0x1d};
        auto r = sa_view::decode(view(d), 100);
        CHECK(r.code() == errc::length_too_large);
        CHECK(f(r.error()) == "proposal.length");
        CHECK(r.error().offset == 102);
    }
    SUBCASE("proposal length smaller than its header") {
        auto d = unhex(k_sa);
        d[3] = std::byte{0x07};
        CHECK(sa_view::decode(view(d), 100).code() == errc::length_too_small);
    }
    SUBCASE("proposal last = 2 but nothing follows") {
        auto d = unhex(k_sa);
        d[0] = std::byte{2};
        auto r = sa_view::decode(view(d), 100);
        CHECK(r.code() == errc::truncated);
        CHECK(f(r.error()) == "proposal.last");
    }
    SUBCASE("proposal last = 0 but another follows") {
        auto d = unhex(k_sa);
        auto two = d;
        two.insert(two.end(), d.begin(), d.end());
        auto r = sa_view::decode(view(two), 100);
        CHECK(r.code() == errc::trailing_data);
        CHECK(r.error().offset == 100);
        two[0] = std::byte{2};
        CHECK(sa_view::decode(view(two), 100));
    }
    SUBCASE("proposal last = 3 (a transform's value) is invalid") {
        auto d = unhex(k_sa);
        d[0] = std::byte{3};
        auto r = sa_view::decode(view(d), 100);
        CHECK(r.code() == errc::invalid_syntax);
        CHECK(f(r.error()) == "proposal.last");
    }
    SUBCASE("transform count disagrees") {
        auto d = unhex(k_sa);
        d[7] = std::byte{3};
        auto r = sa_view::decode(view(d), 100);
        CHECK(r.code() == errc::length_mismatch);
        CHECK(f(r.error()) == "proposal.num_transforms");
        CHECK(r.error().offset == 107);
    }
    SUBCASE("transform last wrong") {
        auto d = unhex(k_sa);
        d[8] = std::byte{0};  // first transform says "last" but one follows
        auto r = sa_view::decode(view(d), 100);
        CHECK(r.code() == errc::trailing_data);
        CHECK(f(r.error()) == "transform.last");
        CHECK(r.error().offset == 108);
        d[8] = std::byte{2};
        CHECK(sa_view::decode(view(d), 100).code() == errc::invalid_syntax);
    }
    SUBCASE("transform length beyond the proposal") {
        auto d = unhex(k_sa);
        d[11] = std::byte{0x20};
        auto r = sa_view::decode(view(d), 100);
        CHECK(r.code() == errc::length_too_large);
        CHECK(f(r.error()) == "transform.length");
        CHECK(r.error().offset == 110);
    }
    SUBCASE("transform length below 8") {
        auto d = unhex(k_sa);
        d[11] = std::byte{0x07};
        CHECK(sa_view::decode(view(d), 100).code() == errc::length_too_small);
    }
    SUBCASE("TLV attribute longer than its transform") {
        // ENCR transform with a TLV attribute of declared length 5 but 1 byte present.
        auto d = unhex("00 00 0015 01 01 00 01 00 00 000d 01 00 0014 000e 0005 ff");
        auto r = sa_view::decode(view(d), 0);
        CHECK(r.code() == errc::length_too_large);
        CHECK(f(r.error()) == "attribute.length");
        CHECK(r.error().offset == 18);
    }
    SUBCASE("truncated attribute") {
        auto d = unhex("00 00 0012 01 01 00 01 00 00 000a 01 00 0014 800e");
        auto r = sa_view::decode(view(d), 0);
        CHECK(r.code() == errc::truncated);
        CHECK(f(r.error()) == "attribute");
    }
    SUBCASE("proposal without transforms") {
        auto d = unhex("00 00 0008 01 01 00 00");
        CHECK(sa_view::decode(view(d), 0).code() == errc::length_too_small);
    }
}

namespace {
// sa_view::decode as a walk with the public cursors (what it was before it became one flat loop):
// the reference the flat walk must agree with, error for error.
status sa_walk_with_cursors(bytes_view body, std::size_t base) {
    if (body.empty()) return error{errc::length_too_small, "sa.proposals", base};
    proposal_cursor pc{body, base};
    proposal_view p;
    while (!pc.done()) {
        if (status s = pc.next(p); !s) return s;
        if (p.num_transforms == 0 || p.transforms.empty())
            return error{errc::length_too_small, "proposal.num_transforms", p.transforms_offset - p.spi.size() - 1};
        transform_cursor tc = p.transform_list();
        std::size_t n = 0;
        transform_view t;
        attribute_view a;
        while (!tc.done()) {
            if (status s = tc.next(t); !s) return s;
            ++n;
            attribute_cursor ac = t.attribute_list();
            while (!ac.done())
                if (status s = ac.next(a); !s) return s;
        }
        if (n != p.num_transforms)
            return error{errc::length_mismatch, "proposal.num_transforms", p.transforms_offset - p.spi.size() - 1};
    }
    return {};
}
}  // namespace

TEST_CASE("SA: the flat validation agrees with a walk by the cursors on mutated and random bodies") {
    // Two proposals (IKE with a TLV and a TV attribute; ESP with a 4-byte SPI), then byte flips,
    // truncations, extensions and random bodies: same verdict, errc, field and offset.
    const auto good = unhex(
        "02 00 002a 01 01 00 03 03 00 000c 01 00 0014 800e0100 03 00 000e 02 00 0005 0003 0002 aa bb"
        "00 00 0008 06 00 0024"
        "00 00 0014 02 03 04 01 c0ffee01 00 00 0008 01 00 000c");
    REQUIRE(sa_view::decode(view(good), 40).has_value());
    std::uint64_t x = 0x9e3779b97f4a7c15u;
    const auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    const auto below = [&next](std::size_t n) { return static_cast<std::size_t>(next() % n); };
    std::size_t rejected = 0;
    for (int i = 0; i < 20000; ++i) {
        std::vector<std::byte> d = good;
        const std::uint64_t r = next();
        switch (r % 4) {
            case 0: d[below(d.size())] ^= std::byte{static_cast<unsigned char>(1u << below(8))}; break;
            case 1: d[below(d.size())] = std::byte{static_cast<unsigned char>(next())}; break;
            case 2: d.resize(below(d.size())); break;
            default:
                d.resize(below(64));
                for (auto& b : d) b = std::byte{static_cast<unsigned char>(next() % 4 == 0 ? next() : next() % 16)};
        }
        const auto flat = sa_view::decode(view(d), 40);
        const status walk = sa_walk_with_cursors(view(d), 40);
        REQUIRE(flat.has_value() == walk.ok());
        if (!walk.ok()) {
            ++rejected;
            REQUIRE(flat.code() == walk.code());
            REQUIRE(f(flat.error()) == f(walk.error()));
            REQUIRE(flat.error().offset == walk.error().offset);
        }
    }
    CHECK(rejected > 1000);  // the mutations reach the error paths, not only valid bodies
}

TEST_CASE("SA: ESP proposal with a 4-byte SPI and TLV attributes round-trip") {
    auto d = unhex("00 00 0018 01 03 04 01 c0ffee01 00 00 000c 01 00 000c 7777 0000");
    auto sa = sa_view::decode(view(d));
    REQUIRE(sa);
    auto p = sa->proposal_list().next();
    CHECK(tohex(p->spi) == "c0ffee01");
    auto t = p->transform_list().next();
    auto a = t->attribute_list().next();
    REQUIRE(a);
    CHECK(!a->tv);
    CHECK(a->type == 0x7777);
    CHECK(a->data.empty());
    CHECK(reencode(*sa) == tohex(view(d)));
}

// ---- KE ---------------------------------------------------------------------------------------

TEST_CASE("KE: method, reserved kept, data; truncated header") {
    auto d = unhex("0024 0001 aabbcc");
    auto ke = ke_view::decode(view(d), 40);
    REQUIRE(ke);
    CHECK(ke->method == ke_method::ml_kem_768);
    CHECK(ke->reserved == 1);
    CHECK(tohex(ke->data) == "aabbcc");
    CHECK(reencode(*ke) == tohex(view(d)));
    auto r = ke_view::decode(view(d).first(3), 40);
    CHECK(r.code() == errc::truncated);
    CHECK(f(r.error()) == "ke.header");
    CHECK(r.error().offset == 40);
}

TEST_CASE("KE typed view: ML-KEM-768 ek on requests, ct on responses") {
    std::vector<std::byte> ek(1184, std::byte{1}), ct(1088, std::byte{2});
    ke_view req{ke_method::ml_kem_768, 0, ek};
    ke_view rsp{ke_method::ml_kem_768, 0, ct};
    using V = ke_view_for<mlkem768_sizes>;
    static_assert(V::request_size == 1184 && V::response_size == 1088);
    auto a = V::check(req, direction::request, 50);
    REQUIRE(a);
    CHECK(a->ek().size() == 1184);
    auto b = V::check(rsp, direction::response, 50);
    REQUIRE(b);
    CHECK(b->ct()[0] == std::byte{2});
    // swapped directions: wrong size
    auto c = V::check(req, direction::response, 50);
    CHECK(c.code() == errc::invalid_ke_length);
    CHECK(f(c.error()) == "ke.data");
    CHECK(c.error().offset == 54);
    CHECK(c.error().notify() == 7);  // INVALID_SYNTAX
    CHECK(V::check(rsp, direction::request, 50).code() == errc::invalid_ke_length);
    // one byte short / long
    CHECK(V::check(ke_view{ke_method::ml_kem_768, 0, bytes_view{ek}.first(1183)}, direction::request)
              .code() == errc::invalid_ke_length);
    std::vector<std::byte> ek_plus(1185);
    CHECK(V::check(ke_view{ke_method::ml_kem_768, 0, ek_plus}, direction::request).code() ==
          errc::invalid_ke_length);
    // other method: INVALID_KE_PAYLOAD
    auto m = V::check(ke_view{ke_method::ml_kem_1024, 0, ek}, direction::request, 50);
    CHECK(m.code() == errc::invalid_ke_method);
    CHECK(m.error().notify() == 17);
    CHECK(m.error().offset == 50);
}

TEST_CASE("KE typed view over the real ML-KEM policies: sizes and IDs from the policy") {
    using V512 = ke_view_for<crypto::mlkem512>;
    using V1024 = ke_view_for<crypto::mlkem1024>;
    static_assert(V512::request_size == 800 && V512::response_size == 768);
    static_assert(V1024::request_size == 1568 && V1024::response_size == 1568);
    std::vector<std::byte> ct(768);
    auto r = V512::check(ke_view{ke_method::ml_kem_512, 0, ct}, direction::response);
    REQUIRE(r);
    CHECK(r->ct().size() == 768);
    CHECK(V512::check(ke_view{ke_method::ml_kem_512, 0, ct}, direction::request).code() ==
          errc::invalid_ke_length);
    CHECK(ke_view_for<crypto::mlkem768>::check(ke_view{ke_method::ml_kem_512, 0, ct},
                                               direction::response)
              .code() == errc::invalid_ke_method);
}

TEST_CASE("KE typed view: DH group has one public size both ways") {
    std::vector<std::byte> pub(32, std::byte{3});
    using V = ke_view_for<x25519_sizes>;
    CHECK(V::check(ke_view{ke_method::curve25519, 0, pub}, direction::request));
    auto r = V::check(ke_view{ke_method::curve25519, 0, pub}, direction::response);
    REQUIRE(r);
    CHECK(r->public_value().size() == 32);
    CHECK(V::check(ke_view{ke_method::curve25519, 0, bytes_view{pub}.first(31)}, direction::response)
              .code() == errc::invalid_ke_length);
}

TEST_CASE("KE typed view from a raw payload (offset of the body)") {
    std::vector<std::byte> body(4 + 1088);
    store_be16(body.data(), 36);
    raw_payload p;
    p.type = payload_type::ke;
    p.body = body;
    p.offset = 28;
    auto r = ke_view_for<mlkem768_sizes>::decode(p, direction::request);
    CHECK(r.code() == errc::invalid_ke_length);
    CHECK(r.error().offset == 36);
    CHECK(ke_view_for<mlkem768_sizes>::decode(p, direction::response));
}

// ---- Nonce ------------------------------------------------------------------------------------

TEST_CASE("Nonce: 15 / 16 / 256 / 257 octets") {
    std::vector<std::byte> n(257, std::byte{7});
    auto r15 = nonce_view::decode(bytes_view{n}.first(15), 32);
    CHECK(r15.code() == errc::invalid_nonce_length);
    CHECK(f(r15.error()) == "nonce.data");
    CHECK(r15.error().offset == 32);
    CHECK(nonce_view::decode(bytes_view{n}.first(16)));
    CHECK(nonce_view::decode(bytes_view{n}.first(256)));
    CHECK(nonce_view::decode(bytes_view{n}).code() == errc::invalid_nonce_length);
    CHECK(nonce_view::decode(bytes_view{}).code() == errc::invalid_nonce_length);
}

// ---- Notify -----------------------------------------------------------------------------------

TEST_CASE("Notify: fields, SPI, truncation and SPI size beyond the body") {
    auto d = unhex("03 04 4009 c0ffee01 aabb");  // ESP, SPI size 4, REKEY_SA, SPI, data
    auto n = notify_view::decode(view(d), 60);
    REQUIRE(n);
    CHECK(n->protocol == protocol_id::esp);
    CHECK(n->kind == notify_type::rekey_sa);
    CHECK(tohex(n->spi) == "c0ffee01");
    CHECK(tohex(n->data) == "aabb");
    CHECK(reencode(*n) == tohex(view(d)));
    auto t = notify_view::decode(view(d).first(3), 60);
    CHECK(t.code() == errc::truncated);
    CHECK(f(t.error()) == "notify.header");
    auto s = notify_view::decode(view(d).first(7), 60);
    CHECK(s.code() == errc::length_too_large);
    CHECK(f(s.error()) == "notify.spi_size");
    CHECK(s.error().offset == 61);
}

TEST_CASE("Notify typed helpers: empty-data status notifies") {
    for (auto t : {notify_type::intermediate_exchange_supported,
                   notify_type::ikev2_fragmentation_supported, notify_type::use_ppk,
                   notify_type::use_ppk_int, notify_type::state_not_found}) {
        std::array<std::byte, 8> buf{};
        writer w{buf};
        make_notify(t).encode(w);
        auto n = notify_view::decode(w.written());
        REQUIRE(n);
        CHECK(check_empty_notify(*n, t).ok());
        CHECK(check_empty_notify(*n, notify_type::cookie).code() == errc::invalid_syntax);
        notify_view with_data = *n;
        const std::byte x[1] = {std::byte{1}};
        with_data.data = x;
        auto e = check_empty_notify(with_data, t, 10);
        CHECK(e.code() == errc::trailing_data);
        CHECK(e.error().offset == 14);
    }
    // numbers on the wire
    std::array<std::byte, 8> buf{};
    writer w{buf};
    make_notify(notify_type::intermediate_exchange_supported).encode(w);
    CHECK(tohex(w.written()) == "00004036");
}

TEST_CASE("Notify: INVALID_KE_PAYLOAD carries exactly 2 octets of method") {
    std::array<std::byte, 8> buf{};
    writer w{buf};
    invalid_ke_notify{ke_method::ml_kem_768}.encode(w);
    CHECK(tohex(w.written()) == "000000110024");
    auto n = notify_view::decode(w.written());
    auto ik = invalid_ke_notify::decode(*n);
    REQUIRE(ik);
    CHECK(ik->accepted == ke_method::ml_kem_768);
    auto bad = unhex("0000 0011 00");
    auto r = invalid_ke_notify::decode(*notify_view::decode(view(bad)), 0);
    CHECK(r.code() == errc::length_mismatch);
    CHECK(r.error().offset == 4);
    auto three = unhex("0000 0011 002400");
    CHECK(invalid_ke_notify::decode(*notify_view::decode(view(three))).code() == errc::length_mismatch);
    CHECK(invalid_ke_notify::decode(*notify_view::decode(view(unhex("0000 0007 0024"))))
              .code() == errc::invalid_syntax);
}

TEST_CASE("Notify: ADDITIONAL_KEY_EXCHANGE link of any length, 1 byte included") {
    for (std::size_t len : {0u, 1u, 2u, 37u, 300u}) {
        std::vector<std::byte> link(len, std::byte{0x5a}), buf(512);
        writer w{buf};
        additional_ke_notify{link}.encode(w);
        auto n = notify_view::decode(w.written());
        REQUIRE(n);
        CHECK(n->kind == notify_type::additional_key_exchange);
        auto a = additional_ke_notify::decode(*n);
        REQUIRE(a);
        CHECK(a->link.size() == len);
    }
}

TEST_CASE("Notify: PPK_IDENTITY / PPK_IDENTITY_KEY / NO_PPK_AUTH (RFC 8784 §3, RFC 9867 §3.1)") {
    auto d = unhex("0000 4034 02 01020304");  // PPK_IDENTITY, PPK_ID_FIXED
    auto p = ppk_identity_notify::decode(*notify_view::decode(view(d)));
    REQUIRE(p);
    REQUIRE(p->has_id);
    CHECK(p->id.type == 2);
    CHECK(p->id.identity.size() == 4);
    std::vector<std::byte> buf(64);
    writer w{buf};
    p->encode(w);
    CHECK(w.written().size() == d.size());
    CHECK(std::equal(d.begin(), d.end(), w.written().begin()));
    // The RFC 8784 response carries no data: the PPK was used.
    auto empty = unhex("0000 4034");
    auto e = ppk_identity_notify::decode(*notify_view::decode(view(empty)));
    REQUIRE(e);
    CHECK_FALSE(e->has_id);
    // A PPK_ID needs a type octet and an identity; type 0 is reserved.
    CHECK(ppk_identity_notify::decode(*notify_view::decode(view(unhex("0000 4034 02")))).code() == errc::length_too_small);
    CHECK(ppk_identity_notify::decode(*notify_view::decode(view(unhex("0000 4034 00 41")))).code() == errc::invalid_syntax);
    // PPK_IDENTITY_KEY: PPK_ID, then the 8-octet confirmation taken from the end.
    auto k = unhex("0000 403e 01 aabb 1122334455667788");
    auto kn = ppk_identity_key_notify::decode(*notify_view::decode(view(k)));
    REQUIRE(kn);
    CHECK(kn->id.type == 1);
    CHECK(kn->id.identity.size() == 2);
    CHECK(kn->confirmation.size() == ppk_confirmation_size);
    CHECK(kn->confirmation[0] == std::byte{0x11});
    for (std::size_t cut = 4; cut < k.size(); ++cut) {  // every truncation: too short, or a shorter ID
        auto t = notify_view::decode(bytes_view{k}.first(cut));
        REQUIRE(t);
        auto r = ppk_identity_key_notify::decode(*t);
        if (cut < 4 + 2 + ppk_confirmation_size) CHECK(r.code() == errc::length_too_small);
        else CHECK(r);
    }
    CHECK(ppk_identity_key_notify::decode(*notify_view::decode(view(d))).code() == errc::invalid_syntax);
    auto na = unhex("0000 4035 0102");
    CHECK(no_ppk_auth_notify::decode(*notify_view::decode(view(na)))->auth_data.size() == 2);
    CHECK(no_ppk_auth_notify::decode(*notify_view::decode(view(empty))).code() == errc::invalid_syntax);
    CHECK(no_ppk_auth_notify::decode(*notify_view::decode(view(unhex("0000 4035")))).code() == errc::length_too_small);
}

// ---- Delete, ID, AUTH, TS, CERTREQ, Vendor ID ------------------------------------------------

TEST_CASE("Delete: SPI list must fill the body exactly") {
    auto d = unhex("03 04 0002 c0ffee01 c0ffee02");
    auto v = delete_view::decode(view(d), 80);
    REQUIRE(v);
    CHECK(v->count == 2);
    CHECK(tohex(v->spi(1)) == "c0ffee02");
    CHECK(reencode(*v) == tohex(view(d)));
    auto short_ = delete_view::decode(view(d).first(11), 80);
    CHECK(short_.code() == errc::length_too_large);
    CHECK(f(short_.error()) == "delete.count");
    CHECK(short_.error().offset == 82);
    auto more = d;
    more.push_back(std::byte{0});
    auto tr = delete_view::decode(view(more), 80);
    CHECK(tr.code() == errc::trailing_data);
    CHECK(tr.error().offset == 92);
    CHECK(delete_view::decode(view(d).first(3)).code() == errc::truncated);
    CHECK(delete_view::decode(view(unhex("01 00 0000"))));
    CHECK(delete_view::decode(view(unhex("01 04 0001 00000001"))).code() == errc::invalid_syntax);
    auto esp8 = delete_view::decode(view(unhex("03 08 0001 0000000100000002")), 80);
    CHECK(esp8.code() == errc::invalid_syntax);
    CHECK(esp8.error().offset == 81);
    CHECK(delete_view::decode(view(unhex("03 00 0005"))).code() == errc::invalid_syntax);
}

TEST_CASE("ID: type, reserved, data; fixed address sizes") {
    auto d = unhex("02 000000 696e69746961746f72");
    auto v = id_view::decode(view(d));
    REQUIRE(v);
    CHECK(v->kind == id_type::fqdn);
    CHECK(v->data.size() == 9);
    CHECK(reencode(*v) == tohex(view(d)));
    CHECK(id_view::decode(view(d).first(3)).code() == errc::truncated);
    CHECK(id_view::decode(view(unhex("01 000000 0a000001"))));
    auto bad = id_view::decode(view(unhex("01 000000 0a0000")), 10);
    CHECK(bad.code() == errc::length_mismatch);
    CHECK(bad.error().offset == 14);
    CHECK(id_view::decode(view(unhex("05 000000 0a000001"))).code() == errc::length_mismatch);
}

TEST_CASE("AUTH: method and non-empty data") {
    auto d = unhex("02 000000 0102030405");
    auto v = auth_view::decode(view(d));
    REQUIRE(v);
    CHECK(v->method == auth_method::shared_key_mic);
    CHECK(reencode(*v) == tohex(view(d)));
    CHECK(auth_view::decode(view(d).first(4)).code() == errc::length_too_small);
    CHECK(auth_view::decode(view(d).first(2)).code() == errc::truncated);
}

TEST_CASE("TS: IPv4 and IPv6 ranges, counts and lengths") {
    auto d = unhex("02 000000"
                   "07 00 0010 0000 ffff 0a630101 0a630101"
                   "08 06 0028 01bb 01bb 20010db8000000000000000000000001 20010db800000000000000000000ffff");
    auto v = ts_view::decode(view(d), 200);
    REQUIRE(v);
    CHECK(v->count == 2);
    auto c = v->cursor();
    auto a = c.next();
    REQUIRE(a);
    CHECK(a->kind == ts_type::ipv4_addr_range);
    CHECK(tohex(a->start_address) == "0a630101");
    auto b = c.next();
    REQUIRE(b);
    CHECK(b->ip_protocol == 6);
    CHECK(b->start_port == 443);
    CHECK(tohex(b->end_address) == "20010db800000000000000000000ffff");
    CHECK(c.done());
    CHECK(reencode(*v) == tohex(view(d)));

    auto one_more = d;
    one_more[0] = std::byte{3};
    auto r = ts_view::decode(view(one_more), 200);
    CHECK(r.code() == errc::truncated);
    CHECK(f(r.error()) == "ts.selector");
    CHECK(r.error().offset == 200 + 4 + 16 + 40);
    auto fewer = d;
    fewer[0] = std::byte{1};
    auto tr = ts_view::decode(view(fewer), 200);
    CHECK(tr.code() == errc::trailing_data);
    CHECK(tr.error().offset == 200 + 4 + 16);
    auto zero = d;
    zero[0] = std::byte{0};
    CHECK(ts_view::decode(view(zero), 200).code() == errc::invalid_syntax);
    auto wrong_len = d;
    wrong_len[7] = std::byte{0x0f};  // IPv4 selector claiming 15 bytes
    auto w = ts_view::decode(view(wrong_len), 200);
    CHECK(w.code() == errc::length_mismatch);
    CHECK(w.error().offset == 206);
    auto small = d;
    small[7] = std::byte{0x07};
    CHECK(ts_view::decode(view(small), 200).code() == errc::length_too_small);
    auto big = d;
    big[7] = std::byte{0xff};
    CHECK(ts_view::decode(view(big), 200).code() == errc::length_too_large);
}

TEST_CASE("CERTREQ: X.509 authorities are 20-octet hashes") {
    std::vector<std::byte> d(1 + 40, std::byte{9});
    d[0] = std::byte{4};
    auto v = certreq_view::decode(d);
    REQUIRE(v);
    CHECK(v->authority_count() == 2);
    CHECK(reencode(*v) == tohex(d));
    auto r = certreq_view::decode(bytes_view{d}.first(40), 5);
    CHECK(r.code() == errc::length_mismatch);
    CHECK(r.error().offset == 6);
    CHECK(certreq_view::decode(bytes_view{}).code() == errc::truncated);
}

TEST_CASE("Vendor ID: opaque bytes") {
    auto d = unhex("0011223344");
    auto v = vendor_id_view::decode(view(d));
    REQUIRE(v);
    CHECK(reencode(*v) == "0011223344");
}
