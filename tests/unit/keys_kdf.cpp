// SPDX-License-Identifier: MIT
// IKEv2 KDF known answers: all 90 NIST CAVS SP 800-135 cases (tests/data/ikev2_kdf.json) through
// the public key-schedule API: SKEYSEED, DKM (prf+ and the stage-0 split), Child SA DKM with and
// without a fresh key exchange, and the rekey SKEYSEED.
#include "keys_helpers.hpp"

#include <algorithm>

#include <pqike/keys/child_sa_keys.hpp>
#include <pqike/keys/ike_sa_keys.hpp>
#include <pqike/keys/prf_plus.hpp>
#include <pqike/keys/rekey.hpp>
#include <pqike/tools/wireshark.hpp>

using namespace pqike;
using namespace pqike::test;

TEST_CASE("NIST CAVS IKEv2 KDF: 90 cases through the public API") {
    const auto doc = test::load_json("ikev2_kdf.json");
    const auto& cases = doc.at("cases");
    REQUIRE(cases.size() == 90);
    std::size_t checked = 0;
    for (const auto& c : cases) {
        const std::string hash = c.at("hash");
        CAPTURE(hash);
        CAPTURE(c.at("group").get<int>());
        CAPTURE(c.at("count").get<int>());
        const auto ni = unhex(c.at("ni").get<std::string>());
        const auto nr = unhex(c.at("nr").get<std::string>());
        const auto gir = unhex(c.at("gir").get<std::string>());
        const auto gir_new = unhex(c.at("girNew").get<std::string>());
        const auto spii = unhex(c.at("spii").get<std::string>());
        const auto spir = unhex(c.at("spir").get<std::string>());
        const auto dkm = unhex(c.at("dkm").get<std::string>());
        const auto dkm_child = unhex(c.at("dkmChild").get<std::string>());
        const auto dkm_child_dh = unhex(c.at("dkmChildDh").get<std::string>());
        REQUIRE(dkm.size() * 8 == c.at("dkmBits").get<std::size_t>());

        test::with_prf_named(hash, [&]<class P>() {
            constexpr std::size_t L = P::output_size;
            // SKEYSEED = prf(Ni | Nr, g^ir)
            std::array<std::byte, L> seed{};
            REQUIRE(keys::skeyseed_initial<P>(keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)},
                                              keys::ke_secret{view(gir)}, seed)
                        .ok());
            CHECK(tohex(seed) == c.at("skeyseed").get<std::string>());

            // DKM = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
            byte_vec out(dkm.size());
            REQUIRE(keys::prf_plus<P>(bytes_view{seed}, {view(ni), view(nr), view(spii), view(spir)}, out).ok());
            CHECK(out == dkm);

            // The stage-0 split reproduces the DKM prefix it covers. SK_d has the hash length.
            keys::sa_key_lengths len{L, 0, 0};
            if (dkm.size() > 3 * L) {
                const std::size_t rest = dkm.size() - 3 * L;
                len.integ_key = std::min<std::size_t>(keys::max_integ_key_size, rest / 4);
                len.encr_key = std::min<std::size_t>(keys::max_encr_key_size, (rest - 2 * len.integ_key) / 2);
            }
            auto st = keys::ike_sa_keys<P>::after_ike_sa_init(
                keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)}, keys::initiator_spi{view(spii)},
                keys::responder_spi{view(spir)}, keys::ke_secret{view(gir)}, len);
            REQUIRE(st);
            CHECK(st->stage() == 0);
            const auto all = test::concat_keys(*st);
            const std::size_t n = std::min(all.size(), dkm.size());
            CHECK(tohex(bytes_view{all.data(), n}) == tohex(bytes_view{dkm.data(), n}));
            CHECK(tohex(st->sk_d()) == tohex(bytes_view{dkm.data(), L}));

            // Child SA KEYMAT without a key exchange: prf+(SK_d, Ni | Nr)
            byte_vec child(dkm_child.size());
            REQUIRE(keys::child_keymat(*st, keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)}, {}, child)
                        .ok());
            CHECK(child == dkm_child);

            // With one: prf+(SK_d, g^ir(new) | Ni | Nr)
            const bytes_view one[] = {view(gir_new)};
            byte_vec child_dh(dkm_child_dh.size());
            REQUIRE(
                keys::child_keymat(*st, keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)}, one, child_dh)
                    .ok());
            CHECK(child_dh == dkm_child_dh);

            // Rekey: SKEYSEED = prf(SK_d(old), g^ir(new) | Ni | Nr)
            std::array<std::byte, L> rk{};
            REQUIRE(keys::skeyseed_rekey<P>(st->sk_d(), keys::initiator_nonce{view(ni)},
                                            keys::responder_nonce{view(nr)}, one, rk)
                        .ok());
            CHECK(tohex(rk) == c.at("skeyseedRekey").get<std::string>());
            // The same value is SKEYSEED(1) of RFC 9370 §2.2.2 with SK(1) = g^ir(new).
            std::array<std::byte, L> s1{};
            keys::skeyseed_next<P>(st->sk_d(), keys::ke_secret{view(gir_new)}, keys::initiator_nonce{view(ni)},
                                   keys::responder_nonce{view(nr)}, s1);
            CHECK(s1 == rk);
            ++checked;
        });
    }
    CHECK(checked == 90);
}

TEST_CASE("prf+ boundaries: 0, 1, block-1, block, block+1, 255 blocks, 256 blocks") {
    using P = crypto::hmac_sha256;
    const auto key = unhex("000102030405060708090a0b0c0d0e0f");
    const auto seed = unhex("a0a1a2a3");
    const P prf{view(key)};
    byte_vec full(255 * 32);
    REQUIRE(keys::prf_plus(prf, {view(seed)}, full).ok());
    for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{31}, std::size_t{32},
                                std::size_t{33}, std::size_t{64}, std::size_t{255 * 32 - 1}}) {
        CAPTURE(n);
        byte_vec part(n);
        REQUIRE(keys::prf_plus(prf, {view(seed)}, part).ok());
        CHECK(std::equal(part.begin(), part.end(), full.begin()));  // prf+ output is prefix-stable
    }
    // T1 = prf(K, S | 0x01), T2 = prf(K, T1 | S | 0x02)
    std::array<std::byte, 32> t{};
    const std::array<std::byte, 1> one{std::byte{1}}, two{std::byte{2}};
    policy::prf_compute(prf, {view(seed), bytes_view{one}}, t);
    CHECK(tohex(t) == tohex(bytes_view{full.data(), 32}));
    policy::prf_compute(prf, {bytes_view{full.data(), 32}, view(seed), bytes_view{two}}, t);
    CHECK(tohex(t) == tohex(bytes_view{full.data() + 32, 32}));
    // The seed split into pieces gives the same stream as the seed in one piece.
    byte_vec split(100);
    REQUIRE(keys::prf_plus(prf, {view(seed).first(1), bytes_view{}, view(seed).subspan(1)}, split).ok());
    CHECK(std::equal(split.begin(), split.end(), full.begin()));

    // 255 * 32 + 1 octets need 256 blocks: refused, output untouched.
    byte_vec over(255 * 32 + 1, std::byte{0xee});
    const status s = keys::prf_plus(prf, {view(seed)}, over);
    CHECK(s.code() == errc::too_much_output);
    CHECK(std::all_of(over.begin(), over.end(), [](std::byte b) { return b == std::byte{0xee}; }));
}

TEST_CASE("key lengths from transform IDs") {
    using namespace pqike::wire;
    auto gcm = keys::ike_key_lengths(encr_id::aes_gcm_16, 256, integ_id::none, prf_id::hmac_sha2_384);
    REQUIRE(gcm);
    CHECK(*gcm == keys::sa_key_lengths{48, 0, 36});
    auto cbc = keys::ike_key_lengths(encr_id::aes_cbc, 256, integ_id::hmac_sha2_256_128, prf_id::hmac_sha2_256);
    REQUIRE(cbc);
    CHECK(*cbc == keys::sa_key_lengths{32, 32, 32});
    CHECK(keys::encr_key_size(encr_id::aes_ccm_16, 128).value() == 19);
    CHECK(keys::encr_key_size(encr_id::aes_ctr, 192).value() == 28);
    CHECK(keys::encr_key_size(encr_id::chacha20_poly1305, 0).value() == 36);
    CHECK(keys::encr_key_size(encr_id::des3, 0).value() == 24);
    CHECK(keys::encr_key_size(encr_id::aes_cbc, 0).code() == errc::invalid_syntax);   // Key Length missing
    CHECK(keys::encr_key_size(encr_id::aes_cbc, 512).code() == errc::invalid_syntax);
    CHECK(keys::encr_key_size(static_cast<encr_id>(999), 128).code() == errc::no_proposal_chosen);
    CHECK(keys::ike_key_lengths(encr_id::aes_gcm_16, 256, integ_id::hmac_sha2_256_128, prf_id::hmac_sha2_256)
              .code() == errc::invalid_syntax);  // AEAD with an integrity transform
    CHECK(keys::ike_key_lengths(encr_id::aes_cbc, 128, integ_id::none, prf_id::hmac_sha2_256).code() ==
          errc::invalid_syntax);
    CHECK(keys::child_lengths(encr_id::null, 0, integ_id::hmac_sha2_512_256).value() ==
          keys::child_key_lengths{0, 64});
    CHECK((keys::sa_key_lengths{65, 0, 0}).check().code() == errc::invalid_length);
    CHECK((keys::sa_key_lengths{0, 0, 0}).check().code() == errc::invalid_length);
    CHECK((keys::sa_key_lengths{64, 64, 64}).check().ok());
    CHECK((keys::child_key_lengths{65, 0}).check().code() == errc::invalid_length);
}

TEST_CASE("stage 0 input checks") {
    using P = crypto::hmac_sha256;
    const auto n = unhex("00112233445566778899aabbccddeeff");
    const auto spi = unhex("0102030405060708");
    const auto gir = unhex("abcdef");
    const keys::sa_key_lengths len{32, 32, 16};
    CHECK(keys::ike_sa_keys<P>::after_ike_sa_init(keys::initiator_nonce{view(n)}, keys::responder_nonce{view(n)},
                                                  keys::initiator_spi{view(spi).first(7)},
                                                  keys::responder_spi{view(spi)}, keys::ke_secret{view(gir)}, len)
              .code() == errc::invalid_length);
    CHECK(keys::ike_sa_keys<P>::after_ike_sa_init(keys::initiator_nonce{view(n)}, keys::responder_nonce{view(n)},
                                                  keys::initiator_spi{view(spi)}, keys::responder_spi{byte_vec{}},
                                                  keys::ke_secret{view(gir)}, len)
              .code() == errc::invalid_length);
    byte_vec big(257);
    CHECK(keys::ike_sa_keys<P>::after_ike_sa_init(keys::initiator_nonce{view(big)}, keys::responder_nonce{view(n)},
                                                  keys::initiator_spi{view(spi)}, keys::responder_spi{view(spi)},
                                                  keys::ke_secret{view(gir)}, len)
              .code() == errc::invalid_nonce_length);
    CHECK(keys::ike_sa_keys<P>::after_ike_sa_init(keys::initiator_nonce{view(n)}, keys::responder_nonce{view(n)},
                                                  keys::initiator_spi{view(spi)}, keys::responder_spi{view(spi)},
                                                  keys::ke_secret{view(gir)}, keys::sa_key_lengths{32, 65, 16})
              .code() == errc::invalid_length);
    byte_vec max(256, std::byte{7});
    CHECK(keys::ike_sa_keys<P>::after_ike_sa_init(keys::initiator_nonce{view(max)}, keys::responder_nonce{view(max)},
                                                  keys::initiator_spi{view(spi)}, keys::responder_spi{view(spi)},
                                                  keys::ke_secret{view(gir)}, len));
}

TEST_CASE("Wireshark line: names, AEAD empty SK_a, unsupported transforms, short buffer") {
    using P = crypto::hmac_sha256;
    using namespace pqike::wire;
    CHECK(std::string(keys::wireshark_encr_name(encr_id::aes_gcm_16, 128)) == "AES-GCM-128 with 16 octet ICV [RFC5282]");
    CHECK(std::string(keys::wireshark_encr_name(encr_id::aes_ccm_8, 192)) == "AES-CCM-192 with 8 octet ICV [RFC5282]");
    CHECK(std::string(keys::wireshark_encr_name(encr_id::des3, 0)) == "3DES [RFC2451]");
    CHECK(keys::wireshark_encr_name(encr_id::chacha20_poly1305, 0) == nullptr);
    CHECK(keys::wireshark_encr_name(encr_id::aes_cbc, 0) == nullptr);
    CHECK(std::string(keys::wireshark_integ_name(integ_id::hmac_sha2_512_256)) == "HMAC_SHA2_512_256 [RFC4868]");
    CHECK(keys::wireshark_integ_name(integ_id::aes_xcbc_96) == nullptr);

    const auto n = unhex("00112233445566778899aabbccddeeff");
    const auto spi_i = unhex("0102030405060708"), spi_r = unhex("1112131415161718");
    auto k = keys::ike_sa_keys<P>::after_ike_sa_init(keys::initiator_nonce{view(n)}, keys::responder_nonce{view(n)},
                                                     keys::initiator_spi{view(spi_i)}, keys::responder_spi{view(spi_r)},
                                                     keys::ke_secret{view(n)}, keys::sa_key_lengths{32, 0, 20});
    REQUIRE(k);
    std::array<char, keys::wireshark_line_max> buf{};
    auto len = keys::wireshark_ikev2_line(*k, encr_id::aes_gcm_16, 128, integ_id::none, buf);
    REQUIRE(len);
    const std::string line(buf.data(), *len);
    CHECK(line == "0102030405060708,1112131415161718," + tohex(k->sk_ei()) + "," + tohex(k->sk_er()) +
                      ",\"AES-GCM-128 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"");
    CHECK(keys::wireshark_ikev2_line(*k, encr_id::aes_gcm_16, 128, integ_id::none, std::span<char>(buf).first(*len - 1))
              .code() == errc::buffer_too_small);
    CHECK(keys::wireshark_ikev2_line(*k, encr_id::aes_gcm_16, 128, integ_id::none, std::span<char>(buf).first(*len)));
    CHECK(keys::wireshark_ikev2_line(*k, encr_id::chacha20_poly1305, 0, integ_id::none, buf).code() ==
          errc::no_proposal_chosen);
}

namespace {
// An HMAC PRF that declares the fixed-key-size nonce rule (as AES-XCBC/CMAC PRFs do), so the
// rule can be checked without an AES PRF policy.
struct truncating_prf : crypto::hmac_sha256 {
    using base = crypto::hmac_sha256;
    using base::base;
    static constexpr bool truncates_nonce_key = true;
};
static_assert(policy::Prf<truncating_prf>);
}  // namespace

TEST_CASE("P::truncates_nonce_key: SKEYSEED keys with 64 bits of each nonce, prf+ uses them whole") {
    const auto ni = unhex("000102030405060708090a0b0c0d0e0f1011"), nr = unhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
    const auto gir = unhex("5555555555555555555555555555555555555555555555555555555555555555");
    const auto spi = unhex("0102030405060708");
    std::array<std::byte, 32> got{}, expect{};
    REQUIRE(keys::skeyseed_initial<truncating_prf>(keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)},
                                                   keys::ke_secret{view(gir)}, got)
                .ok());
    byte_vec key(view(ni).begin(), view(ni).begin() + 8);
    key.insert(key.end(), view(nr).begin(), view(nr).begin() + 8);
    policy::prf_compute(crypto::hmac_sha256{view(key)}, {view(gir)}, expect);
    CHECK(got == expect);
    std::array<std::byte, 32> untruncated{};
    REQUIRE(keys::skeyseed_initial<crypto::hmac_sha256>(keys::initiator_nonce{view(ni)},
                                                        keys::responder_nonce{view(nr)}, keys::ke_secret{view(gir)},
                                                        untruncated)
                .ok());
    CHECK(got != untruncated);
    CHECK(keys::skeyseed_initial<truncating_prf>(keys::initiator_nonce{view(ni).first(7)},
                                                 keys::responder_nonce{view(nr)}, keys::ke_secret{view(gir)}, got)
              .code() == errc::invalid_nonce_length);

    auto k = keys::ike_sa_keys<truncating_prf>::after_ike_sa_init(
        keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)}, keys::initiator_spi{view(spi)},
        keys::responder_spi{view(spi)}, keys::ke_secret{view(gir)}, keys::sa_key_lengths{32, 0, 20});
    REQUIRE(k);
    byte_vec km(32 * 3 + 40);
    REQUIRE(keys::prf_plus<crypto::hmac_sha256>(bytes_view{expect}, {view(ni), view(nr), view(spi), view(spi)}, km).ok());
    CHECK(test::concat_keys(*k) == km);
}
