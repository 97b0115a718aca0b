// SPDX-License-Identifier: MIT
// SK / SKF seal and open (RFC 7296 §3.14, RFC 7383 §2.5, RFC 5282 §5.1) and the RFC 9242 A/P
// chunks: known answers from real strongSwan 6 packets (tests/data/strongswan_sk.json, see
// tests/data/README.md), and every malformed class with its own test.
#include "common.hpp"
#include "support/rng.hpp"
#include "support/sk_test_cipher.hpp"

#include <algorithm>
#include <array>
#include <pqike/crypto/hmac.hpp>
#include <pqike/wire/sk.hpp>

#if defined(PQIKE_HAVE_OPENSSL)
#include <pqike/adapters/openssl.hpp>
#endif

using namespace pqike;
using namespace pqike::wire;
using namespace pqike::test;

namespace {

ike_header sample_header() {
    ike_header h;
    h.spi_i = 0x0102030405060708ull;
    h.spi_r = 0x1112131415161718ull;
    h.exchange = exchange_type::informational;
    h.flags = flag::initiator;
    h.message_id = 7;
    return h;
}

// Two inner payloads: a Notify and a Delete (shapes do not matter to SK).
byte_vec sample_inner() { return unhex("2a00000c0000400a01020304 0000000c030400010dec16fc"); }

template <class C>
struct keyset {
    byte_vec e = byte_vec(C::encr_key_size, std::byte{0x4b});
    byte_vec a = byte_vec(C::integ_key_size, std::byte{0x61});
    sk_keys keys() const { return {view(e), view(a)}; }
};

template <class C>
byte_vec seal_sample(const keyset<C>& k, const protected_message& m,
                     std::optional<fragment_id> frag = {}) {
    byte_vec out(2048);
    const byte_vec iv(C::iv_size, std::byte{0x33});
    sk_seal_options opt;
    opt.iv = view(iv);
    opt.fragment = frag;
    auto r = seal<C>(k.keys(), m, opt, out);
    REQUIRE(r.has_value());
    return byte_vec(r->begin(), r->end());
}

template <class C>
protected_message sample_message(const byte_vec& inner) {
    protected_message m;
    m.header = sample_header();
    m.first_inner = payload_type::notify;
    m.inner = view(inner);
    return m;
}

// Re-protect a sealed message after changing its plaintext (to forge authentic-but-bad content).
template <class C>
void reseal_with_plaintext_edit(const keyset<C>& k, byte_vec& msg,
                                void (*edit)(mut_bytes plaintext)) {
    auto f = parse_protected<C>(view(msg));
    REQUIRE(f.has_value());
    const std::size_t at = static_cast<std::size_t>(f->ciphertext.data() - msg.data());
    mut_bytes data{msg.data() + at, f->ciphertext.size()};
    REQUIRE(C::open(view(k.e), view(k.a), f->aad, f->iv, data, f->icv).ok());
    edit(data);
    mut_bytes icv{msg.data() + at + data.size(), C::icv_size};
    REQUIRE(C::seal(view(k.e), view(k.a), f->aad, f->iv, data, icv).ok());
}

}  // namespace

#if defined(PQIKE_HAVE_OPENSSL)
#define SK_CIPHERS                                                                          \
    pqike::test::toy_aead, pqike::test::toy_etm, adapters::openssl_aes128_gcm16,            \
        adapters::openssl_aes256_gcm16, adapters::openssl_aes128_cbc_hmac_sha256_128,       \
        adapters::openssl_aes256_cbc_hmac_sha256_128
#else
#define SK_CIPHERS pqike::test::toy_aead, pqike::test::toy_etm
#endif

TEST_CASE_TEMPLATE("seal then open round-trips and lays out RFC 7296 §3.14", C, SK_CIPHERS) {
    keyset<C> k;
    const auto inner = sample_inner();
    const auto m = sample_message<C>(inner);
    const auto msg = seal_sample<C>(k, m);

    const std::size_t pad = sk_min_padding<C>(inner.size());
    CHECK(msg.size() == sealed_size<C>(m, pad));
    CHECK((inner.size() + pad + 1) % C::block_size == 0);
    auto h = decode_header(view(msg));
    REQUIRE(h.has_value());
    CHECK(h->length == msg.size());
    CHECK(h->next == payload_type::sk);
    CHECK(load_be16(msg.data() + 28 + 2) == msg.size() - 28);  // SK Length
    CHECK(std::to_integer<int>(msg[28]) == 41);                // first inner payload

    byte_vec out(msg.size());
    auto o = open<C>(k.keys(), view(msg), out);
    REQUIRE(o.has_value());
    CHECK(tohex(o->inner) == tohex(view(inner)));
    CHECK(o->frame.first_inner == payload_type::notify);
    CHECK(o->pad_length == pad);
    CHECK(!o->frame.fragment);
    // The inner chain walks with the codec's bounded cursor; offsets count from the message.
    auto c = o->inner_chain();
    auto p1 = c.next();
    REQUIRE(p1.has_value());
    CHECK(p1->type == payload_type::notify);
    CHECK(p1->offset == 28 + 4 + C::iv_size);
    auto p2 = c.next();
    REQUIRE(p2.has_value());
    CHECK(p2->type == payload_type::del);
    CHECK(c.done());

    // In place gives the same plaintext, inside the message buffer.
    auto copy = msg;
    auto ip = open_in_place<C>(k.keys(), copy);
    REQUIRE(ip.has_value());
    CHECK(tohex(ip->inner) == tohex(view(inner)));
    CHECK(ip->inner.data() >= copy.data());
    CHECK(ip->inner.data() < copy.data() + copy.size());
}

TEST_CASE_TEMPLATE("an empty inner chain (empty INFORMATIONAL) round-trips", C, SK_CIPHERS) {
    keyset<C> k;
    const byte_vec inner;
    auto m = sample_message<C>(inner);
    m.first_inner = payload_type::none;
    const auto msg = seal_sample<C>(k, m);
    byte_vec out(msg.size());
    auto o = open<C>(k.keys(), view(msg), out);
    REQUIRE(o.has_value());
    CHECK(o->inner.empty());
    CHECK(o->frame.first_inner == payload_type::none);
}

TEST_CASE_TEMPLATE("seal draws its IV from an Rng", C, SK_CIPHERS) {
    keyset<C> k;
    const auto inner = sample_inner();
    const auto m = sample_message<C>(inner);
    pqike::test::counter_rng rng;
    byte_vec out(1024);
    auto r = seal<C>(k.keys(), m, rng, out);
    REQUIRE(r.has_value());
    auto f = parse_protected<C>(*r);
    REQUIRE(f.has_value());
    CHECK(std::to_integer<int>(f->iv[0]) == 1);
    CHECK(std::to_integer<int>(f->iv[C::iv_size - 1]) == static_cast<int>(C::iv_size));
}

TEST_CASE_TEMPLATE("ICV: a flipped bit anywhere in the message is rejected", C, SK_CIPHERS) {
    keyset<C> k;
    const auto inner = unhex("0000000801000000");  // one Delete payload
    auto m = sample_message<C>(inner);
    m.first_inner = payload_type::del;
    const auto msg = seal_sample<C>(k, m);
    byte_vec out(msg.size());
    for (std::size_t i = 0; i < msg.size(); ++i) {
        for (unsigned bit : {0u, 7u}) {
            auto bad = msg;
            bad[i] ^= static_cast<std::byte>(1u << bit);
            auto f = parse_protected<C>(view(bad));
            auto o = open<C>(k.keys(), view(bad), out);
            CAPTURE(i);
            CHECK(!o.has_value());
            // Once the framing is acceptable, only the ICV can reject it.
            if (f.has_value()) CHECK(o.code() == errc::integrity_check_failed);
            // In place: the buffer is left exactly as received.
            auto inplace = bad;
            CHECK(!open_in_place<C>(k.keys(), inplace).has_value());
            CHECK(inplace == bad);
        }
    }
}

TEST_CASE_TEMPLATE("ICV: wrong keys are rejected", C, SK_CIPHERS) {
    keyset<C> k;
    const auto inner = sample_inner();
    const auto msg = seal_sample<C>(k, sample_message<C>(inner));
    keyset<C> other = k;
    if (C::integ_key_size) other.a[3] ^= std::byte{1};
    else other.e[C::encr_key_size - 1] ^= std::byte{1};  // AEAD: the salt counts too
    byte_vec out(msg.size());
    CHECK(open<C>(other.keys(), view(msg), out).code() == errc::integrity_check_failed);
}

TEST_CASE_TEMPLATE("bad Pad Length (authentic but larger than the plaintext)", C, SK_CIPHERS) {
    keyset<C> k;
    const auto inner = sample_inner();
    auto msg = seal_sample<C>(k, sample_message<C>(inner));
    reseal_with_plaintext_edit<C>(k, msg, [](mut_bytes p) {
        p[p.size() - 1] = static_cast<std::byte>(p.size());  // pad length + 1 > plaintext
    });
    byte_vec out(msg.size(), std::byte{0xee});
    auto o = open<C>(k.keys(), view(msg), out);
    CHECK(o.code() == errc::invalid_syntax);
    CHECK(std::string(o.error().field) == "sk.pad_length");
    // The decrypted bytes do not linger in the output buffer; the rest of it is untouched.
    const auto ct = parse_protected<C>(view(msg))->ciphertext.size();
    CHECK(std::all_of(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(ct),
                      [](std::byte b) { return b == std::byte{0}; }));
    CHECK(std::all_of(out.begin() + static_cast<std::ptrdiff_t>(ct), out.end(),
                      [](std::byte b) { return b == std::byte{0xee}; }));
}

TEST_CASE_TEMPLATE("Pad Length may use all of the plaintext (no inner payloads left)", C,
                   SK_CIPHERS) {
    keyset<C> k;
    const auto inner = sample_inner();
    auto msg = seal_sample<C>(k, sample_message<C>(inner));
    reseal_with_plaintext_edit<C>(k, msg, [](mut_bytes p) {
        p[p.size() - 1] = static_cast<std::byte>(p.size() - 1);
    });
    byte_vec out(msg.size());
    auto o = open<C>(k.keys(), view(msg), out);
    REQUIRE(o.has_value());
    CHECK(o->inner.empty());
}

TEST_CASE_TEMPLATE("truncated messages are rejected at every length", C, SK_CIPHERS) {
    keyset<C> k;
    const auto inner = sample_inner();
    const auto msg = seal_sample<C>(k, sample_message<C>(inner));
    byte_vec out(msg.size());
    for (std::size_t n = 0; n < msg.size(); ++n) {
        CAPTURE(n);
        byte_vec cut(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(n));
        CHECK(!open<C>(k.keys(), view(cut), out).has_value());
        // Also with both lengths patched to agree with the cut (a consistent short message).
        if (n >= 32) {
            store_be32(cut.data() + 24, static_cast<std::uint32_t>(n));
            store_be16(cut.data() + 30, static_cast<std::uint16_t>(n - 28));
            CHECK(!open<C>(k.keys(), view(cut), out).has_value());
        }
    }
}

TEST_CASE_TEMPLATE("SK body too short for IV, Pad Length and ICV", C, SK_CIPHERS) {
    // Header + SK header whose body is one octet short of the minimum.
    byte_vec msg(28 + 4 + C::iv_size + C::block_size + C::icv_size - 1);
    writer w{msg};
    auto h = sample_header();
    h.next = payload_type::sk;
    h.length = static_cast<std::uint32_t>(msg.size());
    encode_header(w, h);
    w.u8(41);
    w.u8(0);
    w.u16(static_cast<std::uint16_t>(msg.size() - 28));
    auto f = parse_protected<C>(view(msg));
    CHECK(f.code() == errc::length_too_small);
    CHECK(std::string(f.error().field) == "sk.length");
}

TEST_CASE("ciphertext that is not a whole number of blocks (CBC shape)") {
    using C = pqike::test::toy_etm;
    keyset<C> k;
    const auto inner = sample_inner();
    auto msg = seal_sample<C>(k, sample_message<C>(inner));
    msg.pop_back();  // drop one ICV octet, then make the lengths agree
    store_be32(msg.data() + 24, static_cast<std::uint32_t>(msg.size()));
    store_be16(msg.data() + 30, static_cast<std::uint16_t>(msg.size() - 28));
    CHECK(parse_protected<C>(view(msg)).code() == errc::invalid_syntax);
}

TEST_CASE("a payload after SK, or no SK at all, is rejected") {
    using C = pqike::test::toy_aead;
    keyset<C> k;
    const auto inner = sample_inner();
    auto msg = seal_sample<C>(k, sample_message<C>(inner));
    SUBCASE("trailing payload after SK") {
        auto more = msg;
        for (auto b : unhex("00000004")) more.push_back(b);
        store_be32(more.data() + 24, static_cast<std::uint32_t>(more.size()));
        CHECK(parse_protected<C>(view(more)).code() == errc::trailing_data);
    }
    SUBCASE("message without SK") {
        byte_vec plain(28 + 8);
        writer w{plain};
        auto h = sample_header();
        h.next = payload_type::del;
        h.length = static_cast<std::uint32_t>(plain.size());
        encode_header(w, h);
        w.bytes(unhex("0000000801000000"));
        CHECK(parse_protected<C>(view(plain)).code() == errc::missing_payload);
    }
}

TEST_CASE("SKF: fragment numbers are checked before any crypto") {
    using C = pqike::test::toy_aead;
    keyset<C> k;
    const auto inner = sample_inner();
    const auto m = sample_message<C>(inner);
    auto msg = seal_sample<C>(k, m, fragment_id{2, 3});
    auto f = parse_protected<C>(view(msg));
    REQUIRE(f.has_value());
    REQUIRE(f->fragment.has_value());
    CHECK(*f->fragment == fragment_id{2, 3});
    CHECK(f->header.next == payload_type::skf);
    CHECK(f->aad.size() == 28 + 8);  // AAD includes Fragment Number and Total Fragments

    auto with = [&](std::uint16_t number, std::uint16_t total) {
        auto bad = msg;
        store_be16(bad.data() + 32, number);
        store_be16(bad.data() + 34, total);
        return parse_protected<C>(view(bad)).code();
    };
    CHECK(with(0, 3) == errc::invalid_fragment);
    CHECK(with(4, 3) == errc::invalid_fragment);
    CHECK(with(1, 0) == errc::invalid_fragment);
    CHECK(with(0, 0) == errc::invalid_fragment);
    CHECK(with(3, 3) == errc::ok);
    // The numbers are authenticated: a valid but changed pair fails the ICV.
    auto changed = msg;
    store_be16(changed.data() + 32, 3);
    byte_vec out(msg.size());
    CHECK(open<C>(k.keys(), view(changed), out).code() == errc::integrity_check_failed);
    CHECK(open<C>(k.keys(), view(msg), out).has_value());
    // Sealing refuses impossible numbers.
    byte_vec buf(1024);
    const byte_vec iv(C::iv_size);
    sk_seal_options opt;
    opt.iv = view(iv);
    opt.fragment = fragment_id{0, 1};
    CHECK(seal<C>(k.keys(), m, opt, buf).code() == errc::invalid_fragment);
    opt.fragment = fragment_id{2, 1};
    CHECK(seal<C>(k.keys(), m, opt, buf).code() == errc::invalid_fragment);
}

TEST_CASE("seal rejects a wrong IV size, bad padding and a short buffer") {
    using C = pqike::test::toy_etm;
    keyset<C> k;
    const auto inner = sample_inner();
    const auto m = sample_message<C>(inner);
    byte_vec buf(1024);
    sk_seal_options opt;
    const byte_vec short_iv(C::iv_size - 1);
    opt.iv = view(short_iv);
    CHECK(seal<C>(k.keys(), m, opt, buf).code() == errc::invalid_length);
    const byte_vec iv(C::iv_size);
    opt.iv = view(iv);
    const byte_vec misaligned(sk_min_padding<C>(inner.size()) + 1, std::byte{0});
    opt.padding = view(misaligned);
    CHECK(seal<C>(k.keys(), m, opt, buf).code() == errc::invalid_length);
    const byte_vec extra(sk_min_padding<C>(inner.size()) + 16, std::byte{0xaa});  // allowed
    opt.padding = view(extra);
    auto r = seal<C>(k.keys(), m, opt, buf);
    REQUIRE(r.has_value());
    byte_vec out(r->size());
    auto o = open<C>(k.keys(), *r, out);
    REQUIRE(o.has_value());
    CHECK(o->pad_length == extra.size());
    CHECK(tohex(o->inner) == tohex(view(inner)));
    opt.padding = {};
    byte_vec tiny(40);
    auto s = seal<C>(k.keys(), m, opt, tiny);
    CHECK(s.code() == errc::buffer_too_small);
    CHECK(s.error().value == sealed_size<C>(m, sk_min_padding<C>(inner.size())));
}

TEST_CASE("payloads in clear before SK: seal, open, and A with the SK type patched in") {
    using C = pqike::test::toy_etm;
    keyset<C> k;
    const auto inner = sample_inner();
    const auto clear = unhex("0000000c0000400a01020304");  // one Notify, Next Payload NONE
    auto m = sample_message<C>(inner);
    m.first_unprotected = payload_type::notify;
    m.unprotected = view(clear);
    const auto msg = seal_sample<C>(k, m);
    CHECK(std::to_integer<int>(msg[16]) == 41);  // header: first clear payload
    CHECK(std::to_integer<int>(msg[28]) == 46);  // the Notify's Next Payload is now SK
    byte_vec out(msg.size());
    auto o = open<C>(k.keys(), view(msg), out);
    REQUIRE(o.has_value());
    CHECK(o->frame.unprotected.size() == clear.size());
    CHECK(o->frame.sk_offset == 28 + clear.size());

    // A as if unfragmented: the same for the SK message and for an SKF fragment 1 of it.
    std::array<std::byte, 64> a1{}, a2{};
    auto c1 = int_auth_a_p(o->view(), a1);
    REQUIRE(c1.has_value());
    const auto frag = seal_sample<C>(k, m, fragment_id{1, 1});
    CHECK(std::to_integer<int>(frag[28]) == 53);
    byte_vec out2(frag.size());
    auto o2 = open<C>(k.keys(), view(frag), out2);
    REQUIRE(o2.has_value());
    auto c2 = int_auth_a_p(o2->view(), a2);
    REQUIRE(c2.has_value());
    CHECK(tohex(c1->a) == tohex(c2->a));
    CHECK(c1->a.size() == 28 + clear.size() + 4);
    CHECK(std::to_integer<int>(c1->a[16]) == 41);
    CHECK(std::to_integer<int>(c1->a[28]) == 46);
    CHECK(load_be32(c1->a.data() + 24) == 28 + clear.size() + 4 + inner.size());
    CHECK(load_be16(c1->a.data() + 28 + clear.size() + 2) == 4 + inner.size());
    CHECK(tohex(c1->p) == tohex(view(inner)));
    // A too-small buffer for A is an error value.
    std::array<std::byte, 16> tiny{};
    CHECK(int_auth_a_p(o->view(), tiny).code() == errc::buffer_too_small);
}

TEST_CASE("a malformed chain of clear payloads is rejected by seal and by A") {
    using C = pqike::test::toy_aead;
    keyset<C> k;
    const auto inner = sample_inner();
    auto m = sample_message<C>(inner);
    m.first_unprotected = payload_type::notify;
    byte_vec buf(1024);
    const byte_vec iv(C::iv_size);
    sk_seal_options so;
    so.iv = view(iv);
    std::array<std::byte, 128> a{};
    const auto too_long = unhex("00000010 00004000");   // Length 16, 8 octets present
    const auto too_short = unhex("00000003 00004000");  // Length below the generic header
    const auto cut = unhex("000000");                   // not even a generic header
    m.unprotected = view(too_long);
    CHECK(seal<C>(k.keys(), m, so, buf).code() == errc::length_too_large);
    CHECK(int_auth_a_p(m, a).code() == errc::length_too_large);
    m.unprotected = view(too_short);
    CHECK(seal<C>(k.keys(), m, so, buf).code() == errc::length_too_small);
    CHECK(int_auth_a_p(m, a).code() == errc::length_too_small);
    m.unprotected = view(cut);
    CHECK(seal<C>(k.keys(), m, so, buf).code() == errc::truncated);
    const auto fine = unhex("00000008 00004000");
    m.unprotected = view(fine);
    m.first_unprotected = payload_type::none;  // clear payloads need a first type
    CHECK(seal<C>(k.keys(), m, so, buf).code() == errc::invalid_syntax);
    CHECK(int_auth_a_p(m, a).code() == errc::invalid_syntax);
    m.first_unprotected = payload_type::notify;
    CHECK(seal<C>(k.keys(), m, so, buf).has_value());
}

// ---- known answers from strongSwan ------------------------------------------------------------
#if defined(PQIKE_HAVE_OPENSSL)
namespace {

struct capture_keys {
    byte_vec e, a, p;
    sk_keys keys() const { return {view(e), view(a)}; }
};

capture_keys keys_for(const nlohmann::json& sc, int stage, const std::string& sender) {
    const auto& st = sc["stages"][static_cast<std::size_t>(stage)];
    const bool i = sender == "original_initiator" || sender == "initiator";
    return {unhex(st[i ? "SK_ei" : "SK_er"].get<std::string>()),
            unhex(st[i ? "SK_ai" : "SK_ar"].get<std::string>()),
            unhex(st[i ? "SK_pi" : "SK_pr"].get<std::string>())};
}

byte_vec ike_bytes(const nlohmann::json& fr) {
    auto udp = unhex(fr["udp_payload"].get<std::string>());
    if (fr["non_esp_marker"].get<bool>()) {
        auto m = strip_non_esp_marker(view(udp));
        REQUIRE(m.has_value());
        return byte_vec(m->begin(), m->end());
    }
    return udp;
}

// Open every captured SK/SKF datagram, compare with the extraction's plaintext, then seal the
// same plaintext with the captured IV and padding and compare with the captured bytes.
template <class C>
void check_scenario(const std::string& name) {
    const auto data = pqike::test::load_json("strongswan_sk.json");
    const auto& sc = data["scenarios"][name];
    int datagrams = 0;
    for (const auto& msg : sc["messages"]) {
        const auto k = keys_for(sc, msg["key_stage"].get<int>(), msg["sender"].get<std::string>());
        for (const auto& fr : msg["fragments"]) {
            CAPTURE(fr["frame"].get<int>());
            const auto ike = ike_bytes(fr);
            byte_vec out(ike.size());
            auto o = open<C>(k.keys(), view(ike), out);
            REQUIRE(o.has_value());
            const auto pwp = unhex(fr["plaintext_with_padding"].get<std::string>());
            const auto pad = fr["pad_length"].get<std::size_t>();
            CHECK(o->pad_length == pad);
            CHECK(tohex(o->inner) == tohex(bytes_view(pwp.data(), pwp.size() - pad - 1)));
            CHECK(to_number(o->frame.first_inner) == fr["first_inner_payload"].get<int>());
            std::optional<fragment_id> frag;
            if (!fr["fragment_number"].is_null()) {
                REQUIRE(o->frame.fragment.has_value());
                CHECK(o->frame.fragment->number == fr["fragment_number"].get<int>());
                CHECK(o->frame.fragment->total == fr["total_fragments"].get<int>());
                frag = o->frame.fragment;
            }
            // Seal reproduces the datagram bit for bit.
            protected_message m = o->view();
            sk_seal_options opt;
            byte_vec iv(o->frame.iv.begin(), o->frame.iv.end());
            opt.iv = view(iv);
            const byte_vec padding(pwp.end() - 1 - static_cast<std::ptrdiff_t>(pad), pwp.end() - 1);
            opt.padding = view(padding);
            opt.fragment = frag;
            byte_vec again(ike.size() + 64);
            auto s = seal<C>(k.keys(), m, opt, again);
            REQUIRE(s.has_value());
            CHECK(tohex(*s) == tohex(view(ike)));
            ++datagrams;
        }
        // Unfragmented: the inner chain equals the extraction's.
        if (msg["fragments"].size() == 1) {
            const auto ike = ike_bytes(msg["fragments"][0]);
            byte_vec out(ike.size());
            auto o = open<C>(k.keys(), view(ike), out);
            REQUIRE(o.has_value());
            CHECK(tohex(o->inner) == msg["inner_payloads"].get<std::string>());
        }
    }
    CHECK(datagrams >= 5);
}

}  // namespace

TEST_CASE("strongSwan AES-GCM-16-256 (s1): open decrypts, seal reproduces the datagrams") {
    check_scenario<adapters::openssl_aes256_gcm16>("s1_mlkem768_gcm");
}

TEST_CASE("strongSwan AES-CBC-256 + HMAC-SHA2-256-128 (s3): open decrypts, seal reproduces") {
    check_scenario<adapters::openssl_aes256_cbc_hmac_sha256_128>("s3_cbc_hmac_natt");
}

TEST_CASE("IntAuth A and P of unfragmented IKE_INTERMEDIATE messages equal strongSwan's") {
    const auto data = pqike::test::load_json("strongswan_sk.json");
    auto run = [&]<class C, class Prf>(const std::string& name, std::size_t expected_checks) {
        const auto& sc = data["scenarios"][name];
        std::size_t checked = 0;
        for (const auto& step : sc["int_auth_steps"]) {
            const auto sender = step["sender"].get<std::string>();
            const std::string who = sender == "initiator" ? "original_initiator" : "original_responder";
            for (const auto& msg : sc["messages"]) {
                if (msg["exchange"] != "IKE_INTERMEDIATE" || msg["sender"] != who ||
                    msg["fragments"].size() != 1)
                    continue;
                const auto k = keys_for(sc, step["key_stage_of_SK_p"].get<int>(), sender);
                const auto ike = ike_bytes(msg["fragments"][0]);
                byte_vec out(ike.size());
                auto o = open<C>(k.keys(), view(ike), out);
                REQUIRE(o.has_value());
                std::array<std::byte, 64> a{};
                auto ap = int_auth_a_p(o->view(), a);
                REQUIRE(ap.has_value());
                CHECK(tohex(ap->a) == step["IntAuth_A_hex"].get<std::string>());
                CHECK(ap->p.size() == step["IntAuth_P_len"].get<std::size_t>());
                // IntAuth_1 = prf(SK_p, A | P) (RFC 9242 §3.3.2) with the reference PRF.
                Prf prf{view(k.p)};
                std::array<std::byte, Prf::output_size> mac{};
                policy::prf_compute(prf, {ap->a, ap->p}, mac);
                CHECK(tohex(mac) == step["IntAuth_hex"].get<std::string>());
                ++checked;
            }
        }
        CHECK(checked == expected_checks);
    };
    run.operator()<adapters::openssl_aes256_gcm16, crypto::hmac_sha384>("s1_mlkem768_gcm", 2);
    // s3's request is fragmented (wire_fragment.cpp covers it); its response is not.
    run.operator()<adapters::openssl_aes256_cbc_hmac_sha256_128, crypto::hmac_sha256>(
        "s3_cbc_hmac_natt", 1);
}
#endif
