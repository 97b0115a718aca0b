// SPDX-License-Identifier: MIT
// Escape message codec and protection: round trips, every structural bad input, the tag check.
#include "escape_helpers.hpp"

#include <pqike/escape/message.hpp>
#include <pqike/escape/protect.hpp>

using namespace pqike;
using namespace pqike::escape;
using namespace pqike::test::esc;
using pqike::test::byte_vec;
using pqike::test::unhex;
using pqike::test::view;

TEST_CASE("escape: seal then verify gives back every field") {
    const auto k = make_keys();
    const auto m = sealed(k.p2c, escape_fields());
    auto v = verify(k.p2c, view(m));
    REQUIRE_MESSAGE(v.has_value(), v.error().name());
    CHECK(v->type() == msg_type::escape);
    CHECK(v->sequence() == 1);
    CHECK(*v->timestamp() == t0);
    CHECK(ct_equal(v->nonce(), view(nonce)));
    CHECK(ct_equal(v->key_id(), view(key_id)));
    CHECK(ct_equal(v->sa_binding(), view(binding)));
    REQUIRE(v->method_count() == 2);
    CHECK(v->method(0) == 36);
    CHECK(v->method(1) == 37);
    CHECK(v->offers(37));
    CHECK_FALSE(v->offers(35));
    CHECK(*v->proc() == procedure::ike_sa_rekey);
    CHECK(*v->deadline() == 3600);
    CHECK(*v->why() == reason::quantum_threat);
    CHECK(ct_equal(v->ppk_id(), view(ppk_id)));
    CHECK_FALSE(v->status().has_value());
    CHECK(v->tag().size() == P::output_size);
    // Self-delimiting: the header announces the length.
    auto len = announced_length(view(m));
    REQUIRE(len.has_value());
    CHECK(*len == m.size());
}

TEST_CASE("escape: every message type round-trips") {
    const auto k = make_keys();
    fields a;
    a.type = msg_type::ack;
    a.sequence = 7;
    a.echoed_nonce = view(nonce);
    a.selected_method = 36;
    auto am = sealed(k.c2p, a);
    auto vb = verify(k.c2p, view(am));
    REQUIRE(vb.has_value());
    CHECK(*vb->selected_method() == 36);
    CHECK(ct_equal(vb->echoed_nonce(), view(nonce)));

    fields n;
    n.type = msg_type::nack;
    n.sequence = 8;
    n.echoed_nonce = view(nonce);
    n.status = status_code::unknown_ppk;
    auto nm = sealed(k.c2p, n);
    auto vn = verify(k.c2p, view(nm));
    REQUIRE(vn.has_value());
    CHECK(*vn->status() == status_code::unknown_ppk);

    fields c;
    c.type = msg_type::confirm;
    c.sequence = 9;
    c.echoed_nonce = view(nonce);
    c.selected_method = 36;
    // CONFIRM must state what the rekey negotiated (§4): without KE_METHODS it is not sent.
    byte_vec buf(limits::max_message);
    CHECK(seal(k.c2p, c, buf).code() == errc::escape_missing_tlv);
    c.ke_methods = negotiated;
    auto cm = sealed(k.c2p, c);
    auto vc = verify(k.c2p, view(cm));
    REQUIRE(vc.has_value());
    CHECK(vc->type() == msg_type::confirm);
    CHECK(vc->method_count() == 2);
    CHECK(vc->method(0) == 31);
}

TEST_CASE("escape: keys differ per mode and per direction") {
    const auto psk_keys = make_keys(key_mode::escape_psk);
    const auto conn_keys = make_keys(key_mode::connection_psk);
    const auto sess_keys = make_keys(key_mode::session);
    const auto m = sealed(psk_keys.p2c, escape_fields());
    CHECK(verify(psk_keys.p2c, view(m)).has_value());
    CHECK(verify(psk_keys.c2p, view(m)).code() == errc::escape_bad_tag);   // reflection
    CHECK(verify(conn_keys.p2c, view(m)).code() == errc::escape_bad_tag);  // other mode
    CHECK(verify(sess_keys.p2c, view(m)).code() == errc::escape_bad_tag);
    for (auto mode : {key_mode::escape_psk, key_mode::connection_psk, key_mode::session, key_mode::confirm})
        CHECK(label(mode, direction::provider_to_consumer) != label(mode, direction::consumer_to_provider));
    CHECK(label(key_mode::escape_psk, direction::provider_to_consumer) !=
          label(key_mode::session, direction::provider_to_consumer));
}

TEST_CASE("escape bad input: forged tag (every tag bit) is escape_bad_tag") {
    const auto k = make_keys();
    const auto m = sealed(k.p2c, escape_fields());
    const std::size_t tag_at = m.size() - P::output_size;
    for (std::size_t i = tag_at; i < m.size(); ++i) {
        auto f = m;
        f[i] ^= std::byte{0x01};
        CHECK(verify(k.p2c, view(f)).code() == errc::escape_bad_tag);
    }
    // A changed field under the old tag.
    auto f = m;
    f[8 + 4 + 7] ^= std::byte{0x02};  // low byte of the sequence number
    CHECK(verify(k.p2c, view(f)).code() == errc::escape_bad_tag);
    // A tag made with another PSK.
    const auto other = make_keys(key_mode::escape_psk, unhex(std::string(64, '7')));
    CHECK(verify(k.p2c, view(sealed(other.p2c, escape_fields()))).code() == errc::escape_bad_tag);
}

TEST_CASE("escape bad input: tag not last is escape_tag_not_last") {
    const auto k = make_keys();
    const auto m = raw(msg_type::escape, escape_tlvs(), &k.p2c,
                       {{static_cast<std::uint16_t>(0x0100), unhex("00")}});
    auto r = decode(view(m));
    CHECK(r.code() == errc::escape_tag_not_last);
    CHECK(verify(k.p2c, view(m)).code() == errc::escape_tag_not_last);
}

TEST_CASE("escape bad input: truncated at every byte") {
    const auto k = make_keys();
    const auto m = sealed(k.p2c, escape_fields());
    for (std::size_t n = 0; n < m.size(); ++n) {
        auto r = verify(k.p2c, bytes_view(m.data(), n));
        CHECK_MESSAGE(r.code() == errc::truncated, "prefix " << n << ": " << r.error().name());
    }
    // With the header length patched to agree with the truncation, TLV bounds catch it.
    for (std::size_t n = header_size; n < m.size(); ++n) {
        byte_vec t(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(n));
        store_be16(t.data() + 6, static_cast<std::uint16_t>(n));
        auto r = decode(view(t));
        CHECK_FALSE(r.has_value());
    }
}

TEST_CASE("escape bad input: oversized lengths") {
    const auto k = make_keys();
    const auto m = sealed(k.p2c, escape_fields());
    SUBCASE("header length above the limit") {
        auto f = m;
        store_be16(f.data() + 6, 0xffff);
        CHECK(decode(view(f)).code() == errc::length_too_large);
    }
    SUBCASE("TLV length beyond the message") {
        auto f = m;
        store_be16(f.data() + 8 + 2, 0x0400);  // the sequence TLV's length
        CHECK(decode(view(f)).code() == errc::length_too_large);
    }
    SUBCASE("TLV value longer than its rule") {
        auto big_nonce = escape_tlvs();
        big_nonce[1] = T(tlv::nonce, byte_vec(33, std::byte{1}));
        CHECK(decode(view(raw(msg_type::escape, big_nonce, &k.p2c))).code() == errc::length_too_large);
        auto small_nonce = escape_tlvs();
        small_nonce[1] = T(tlv::nonce, byte_vec(15, std::byte{1}));
        CHECK(decode(view(raw(msg_type::escape, small_nonce, &k.p2c))).code() == errc::length_too_small);
    }
    SUBCASE("trailing bytes after the announced length") {
        auto f = m;
        f.push_back(std::byte{0});
        CHECK(decode(view(f)).code() == errc::trailing_data);
    }
    SUBCASE("too many TLVs") {
        auto t = escape_tlvs();
        for (int i = 0; i < 30; ++i) t.push_back({static_cast<std::uint16_t>(0x0200 + i), {}});
        CHECK(decode(view(raw(msg_type::escape, t, &k.p2c))).code() == errc::too_many_payloads);
    }
}

TEST_CASE("escape bad input: duplicate TLV is escape_duplicate_tlv") {
    const auto k = make_keys();
    auto t = escape_tlvs();
    t.push_back(T(tlv::nonce, nonce));
    CHECK(decode(view(raw(msg_type::escape, t, &k.p2c))).code() == errc::escape_duplicate_tlv);
    auto t2 = escape_tlvs();
    t2.push_back(T(tlv::sequence, be64(2)));
    CHECK(verify(k.p2c, view(raw(msg_type::escape, t2, &k.p2c))).code() == errc::escape_duplicate_tlv);
}

TEST_CASE("escape bad input: unknown critical TLV rejects, unknown non-critical is skipped") {
    const auto k = make_keys();
    auto crit = escape_tlvs();
    crit.push_back({0x8000 | 0x0123, unhex("abcd")});
    CHECK(verify(k.p2c, view(raw(msg_type::escape, crit, &k.p2c))).code() ==
          errc::escape_unknown_critical_tlv);
    auto soft = escape_tlvs();
    soft.push_back({0x0123, unhex("abcd")});
    const auto soft_msg = raw(msg_type::escape, soft, &k.p2c);
    auto v = verify(k.p2c, view(soft_msg));
    REQUIRE_MESSAGE(v.has_value(), v.error().name());
    CHECK(v->method(0) == 36);
}

TEST_CASE("escape bad input: wrong SA binding and wrong key ID") {
    const auto k = make_keys();
    const auto m = sealed(k.p2c, escape_fields());
    const auto other_sa = make_keys(key_mode::escape_psk, psk, unhex("0102030405060708 99999999999999"));
    CHECK(verify(other_sa.p2c, view(m)).code() == errc::escape_wrong_binding);
    auto other_id = key_pair<P>::derive(key_mode::escape_psk, view(psk), view(str("escape-key-2")),
                                        view(binding));
    REQUIRE(other_id.has_value());
    CHECK(verify(other_id->p2c, view(m)).code() == errc::escape_wrong_key_id);
}

TEST_CASE("escape bad input: structure") {
    const auto k = make_keys();
    const auto m = sealed(k.p2c, escape_fields());
    auto f = m;
    f[0] = std::byte{'X'};
    CHECK(decode(view(f)).code() == errc::invalid_syntax);
    f = m;
    f[3] = std::byte{2};
    CHECK(decode(view(f)).code() == errc::unsupported_version);
    f = m;
    f[4] = std::byte{9};
    CHECK(decode(view(f)).code() == errc::invalid_syntax);
    // Missing mandatory TLV (no procedure).
    auto t = escape_tlvs();
    t.pop_back();
    CHECK(decode(view(raw(msg_type::escape, t, &k.p2c))).code() == errc::escape_missing_tlv);
    // No tag at all.
    CHECK(decode(view(raw(msg_type::escape, escape_tlvs(), nullptr))).code() == errc::escape_missing_tlv);
    // A TLV the type does not allow (status in an ESCAPE).
    auto s = escape_tlvs();
    s.push_back(T(tlv::status, unhex("00")));
    CHECK(decode(view(raw(msg_type::escape, s, &k.p2c))).code() == errc::invalid_syntax);
    // Zero and duplicate KE methods, zero sequence.
    auto z = escape_tlvs();
    z[4] = T(tlv::ke_methods, unhex("00240000"));
    CHECK(decode(view(raw(msg_type::escape, z, &k.p2c))).code() == errc::invalid_syntax);
    z[4] = T(tlv::ke_methods, unhex("00240024"));
    CHECK(decode(view(raw(msg_type::escape, z, &k.p2c))).code() == errc::invalid_syntax);
    z[4] = T(tlv::ke_methods, unhex("002400"));
    CHECK(decode(view(raw(msg_type::escape, z, &k.p2c))).code() == errc::length_mismatch);
    CHECK(decode(view(raw(msg_type::escape, escape_tlvs(0), &k.p2c))).code() == errc::invalid_syntax);
}

TEST_CASE("escape: the encoder refuses what the decoder rejects") {
    const auto k = make_keys();
    std::array<std::byte, limits::max_message> out{};
    auto f = escape_fields();
    f.sequence = 0;
    CHECK(seal(k.p2c, f, out).code() == errc::invalid_syntax);
    f = escape_fields();
    f.proc.reset();
    CHECK(seal(k.p2c, f, out).code() == errc::escape_missing_tlv);
    f = escape_fields();
    f.status = status_code::busy;
    CHECK(seal(k.p2c, f, out).code() == errc::invalid_syntax);
    const std::uint16_t dup[] = {36, 36};
    f = escape_fields();
    f.ke_methods = dup;
    CHECK(seal(k.p2c, f, out).code() == errc::invalid_syntax);
    std::array<std::byte, 20> small{};
    CHECK(seal(k.p2c, escape_fields(), small).code() == errc::buffer_too_small);
}

// Small gaps an independent implementation found (docs §2, §3, §5, §12): each decided once, the
// same in the library and the CLI.
TEST_CASE("escape: header checks run in header order over the octets present") {
    CHECK(decode(unhex("585951")).code() == errc::invalid_syntax);      // 3 octets, wrong magic
    CHECK(decode(unhex("50")).code() == errc::truncated);               // right so far, short
    CHECK(decode(unhex("5051")).code() == errc::truncated);
    CHECK(decode(unhex("5051450201")).code() == errc::unsupported_version);
    CHECK(decode(unhex("5051450101")).code() == errc::truncated);
    CHECK(decode(unhex("5058")).code() == errc::invalid_syntax);
    CHECK(decode(unhex("5058")).error().offset == 1);
}

TEST_CASE("escape: a tag of another length than the PRF output is escape_bad_tag") {
    const auto k = make_keys();
    auto tlvs = escape_tlvs();
    tlvs.push_back(T(tlv::tag, byte_vec(16)));  // 16 octets: the codec allows it, HMAC-SHA-256 not
    auto m = raw(msg_type::escape, tlvs, nullptr);
    REQUIRE(decode(view(m)).has_value());
    CHECK(verify(k.p2c, view(m)).code() == errc::escape_bad_tag);
}

TEST_CASE("escape: REASON text must be UTF-8 and travels only with a code") {
    const auto k = make_keys();
    auto f = escape_fields();
    const auto good = str("Q-day \xc3\xa9t\xc3\xa9 \xf0\x9f\x94\x92");  // é, U+1F512
    f.reason_text = view(good);
    auto ok = sealed(k.p2c, f);
    auto v = verify(k.p2c, view(ok));
    REQUIRE(v.has_value());
    CHECK(ct_equal(v->reason_text(), view(good)));
    byte_vec buf(limits::max_message);
    for (const char* bad : {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ab\xe2\x82"}) {
        CAPTURE(bad);
        const auto text = str(bad);
        f.reason_text = view(text);
        CHECK(seal(k.p2c, f, buf).code() == errc::invalid_syntax);  // never sent ...
        auto tlvs = escape_tlvs();
        byte_vec value{std::byte{1}};
        value.insert(value.end(), text.begin(), text.end());
        tlvs.push_back({0x0009, value});
        CHECK(decode(view(raw(msg_type::escape, tlvs, &k.p2c))).code() == errc::invalid_syntax);  // ... nor taken
    }
    f.why.reset();
    f.reason_text = view(good);
    CHECK(seal(k.p2c, f, buf).code() == errc::invalid_syntax);  // text without a code: refused, not dropped
}

TEST_CASE("escape: the base key is 1..1024 octets for the library and the CLI alike") {
    CHECK(key_pair<P>::derive(key_mode::escape_psk, view(byte_vec(1024, std::byte{7})), view(key_id), view(binding))
              .has_value());
    CHECK(key_pair<P>::derive(key_mode::escape_psk, view(byte_vec(1025, std::byte{7})), view(key_id), view(binding))
              .code() == errc::invalid_length);
    CHECK(key_pair<P>::derive(key_mode::escape_psk, {}, view(key_id), view(binding)).code() == errc::invalid_length);
}
