// SPDX-License-Identifier: MIT
// Derive the IKE SA keys of a captured session from its secrets, and print the Wireshark
// decryption-table lines that open the capture. Inputs are what strongSwan 6.0.6 logged for the
// session in tests/data/strongswan_s1_mlkem768_gcm.pcap (../shared/interop/strongswan,
// s1_mlkem768_gcm: AES-GCM-16-256, PRF-HMAC-SHA2-384, X25519 then ML-KEM-768 in IKE_INTERMEDIATE);
// the expected keys are the ones it logged and exported. Exits non-zero on any mismatch.
#include <pqike/pqike.hpp>

#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

using namespace pqike;
using prf = crypto::hmac_sha384;  // PRF_HMAC_SHA2_384 (transform 6)

namespace {

// From the initiator's charon.log: nonces, SPIs and the two shared secrets.
constexpr std::string_view ni = "ad813b3eac992a674f38bc4d90040910808c8b54958ce6c7602c6c5d959ce8e0";
constexpr std::string_view nr = "c6d64d2aead3201415b8947d5d855e8a6245478a7b380bfa36eb8a0ca5ab617d";
constexpr std::string_view spi_i = "9e8305f5ab5fd252";
constexpr std::string_view spi_r = "c6393dc9573cb165";
constexpr std::string_view x25519_secret = "0ef36c0839bc8ee2e900f104d18d966c6941bd77af9b456649b29afd8c835a13";
constexpr std::string_view mlkem768_secret = "a1d4d3b8fc29ea5271937d1ff9f09176e62598df8a941bd4144a845b05a58b11";

// What strongSwan logged for each stage, and its ikev2_decryption_table lines.
constexpr std::string_view skeyseed_logged[2] = {
    "691b015bf25cafad80f7af5e93a79b7aa2991464358da9dc3363c46ac167d47bd42a9c69321927ae7417feeb6f5e3480",
    "ddaeb412e222baa395f3f9b429f2f8f3fa7639af6064d665f674903d0e9020ee791d9d9b8d338216dd5bbb01f3cb0052"};
constexpr std::string_view sk_d_logged[2] = {
    "c45cd4165406522043448c1aab3a7937559f8bee84908eb036232b45c149235b1c13f4e571cbd4c0b4d1974ca0ee0aec",
    "6aa5f649926aeb32bd78b584c0f02b3409f0b1f5f893be4de5ad37fb4b6ade3f64317e16619af77002f6ea189111271d"};
constexpr std::string_view table_logged[2] = {
    "9e8305f5ab5fd252,c6393dc9573cb165,8e0e322fc1e378ec191c559b5cdbe96f8f09438564d0a3bf92c49a0c66f858b468418f0c,"
    "cb6ee63ad2f37d32a8d60f992101d6c9ad96b8c4d17c2275d2cf363c2848dbd3e32b9f57,"
    "\"AES-GCM-256 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"",
    "9e8305f5ab5fd252,c6393dc9573cb165,1c535cc60a2703becce99c5a09cf8f4f98e95f7f0049a701fd9415874e6999fbc0c0bc81,"
    "dde8971dfe5dfe4ae3be24ad705f98253f6faedd888e916744f9a260bb4ecab55b6266ca,"
    "\"AES-GCM-256 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\""};

std::vector<std::byte> unhex(std::string_view s) { return hex::decode(s).value(); }

int mismatches = 0;
void expect(bool ok, const char* what) {
    std::printf("  %-44s %s\n", what, ok ? "matches the log" : "MISMATCH");
    mismatches += ok ? 0 : 1;
}

template <class Stage>
void report(unsigned n, bytes_view skeyseed, const Stage& k) {
    std::printf("stage %u (%s):\n", n, n == 0 ? "after IKE_SA_INIT, X25519" : "after IKE_INTERMEDIATE, ML-KEM-768");
    expect(hex::encode(skeyseed) == skeyseed_logged[n], "SKEYSEED");
    expect(hex::encode(k.sk_d()) == sk_d_logged[n], "SK_d");
    // The Wireshark line carries SK_ei and SK_er: equal lines mean equal encryption keys.
    std::array<char, keys::wireshark_line_max> line{};
    auto len = keys::wireshark_ikev2_line(k, wire::encr_id::aes_gcm_16, 256, wire::integ_id::none, line);
    const std::string_view got = len ? std::string_view{line.data(), *len} : std::string_view{};
    std::printf("  %.*s\n", static_cast<int>(got.size()), got.data());
    expect(got == table_logged[n], "ikev2_decryption_table line (SK_ei, SK_er)");
}

}  // namespace

int main() {
    const auto Ni = unhex(ni), Nr = unhex(nr), SPIi = unhex(spi_i), SPIr = unhex(spi_r);
    const auto g_ir = unhex(x25519_secret), sk1 = unhex(mlkem768_secret);
    // SK_d/SK_pi/SK_pr: the PRF's key size; SK_e: 32-octet AES key + 4-octet salt; no SK_a (AEAD).
    const keys::sa_key_lengths lengths{prf::preferred_key_size, 0, 36};

    // Stage 0: SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 §2.14), then the seven keys.
    std::array<std::byte, prf::output_size> seed{};
    if (!keys::skeyseed_initial<prf>(keys::initiator_nonce{Ni}, keys::responder_nonce{Nr}, keys::ke_secret{g_ir}, seed))
        return 1;
    auto stage0 = keys::ike_sa_keys<prf>::after_ike_sa_init(keys::initiator_nonce{Ni}, keys::responder_nonce{Nr},
                                                            keys::initiator_spi{SPIi}, keys::responder_spi{SPIr},
                                                            keys::ke_secret{g_ir}, lengths);
    if (!stage0) return 1;
    report(0, seed, *stage0);

    // Stage 1: SKEYSEED(1) = prf(SK_d(0), SK(1) | Ni | Nr) (RFC 9370 §2.2.2).
    keys::skeyseed_next<prf>(stage0->sk_d(), keys::ke_secret{sk1}, keys::initiator_nonce{Ni}, keys::responder_nonce{Nr},
                             seed);
    auto stage1 = std::move(*stage0).after_additional_ke(keys::ke_secret{sk1});
    if (!stage1) return 1;
    report(1, seed, *stage1);

    std::printf(mismatches == 0 ? "OK: paste the lines into Wireshark's IKEv2 Decryption Table\n" : "FAILED\n");
    return mismatches == 0 ? 0 : 1;
}
