// SPDX-License-Identifier: MIT
// Fuzz the C ABI entry points that take bytes (include/pqike/c/pqike.h). The first octet picks
// the entry point, the second (where used) the ML-KEM method; the rest is the input, copied to
// a buffer of exactly its size so any over-read is caught. Invariants (abort on violation):
//   0  ek check + responder encaps: respond() succeeds exactly when check_ek() does, and on
//      failure returns the same code and a zeroized secret
//   1  initiator decaps of arbitrary bytes: a ct of the method's size always gives a secret
//      (implicit rejection), any other size is PQIKE_INVALID_KE_LENGTH; the handle stays usable
//   2  escape verify: any error carries a field and an offset within the message; a message
//      that verifies re-seals into one that verifies with the same type and sequence
//   3  IKE message decoder: decoded payloads lie inside the message, in order, back to back
//      from octet 28; an error's offset is within the input
//   4  escape seal of fuzzed fields: whatever seals, verifies, and gives the fields back
// The ABI's TU is compiled into this target (the OSS-Fuzz build compiles one file per target;
// pqike_c.cpp has no state, so including it is the same code the library ships).
#include "../../src/pqike_c.cpp"

#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

const std::uint8_t seed64[PQIKE_MLKEM_KEYGEN_SEED_SIZE] = {1, 2, 3};
const std::uint8_t coins[PQIKE_MLKEM_ENCAPS_SEED_SIZE] = {4, 5, 6};

std::uint16_t method_of(std::uint8_t b) { return static_cast<std::uint16_t>(PQIKE_KE_MLKEM512 + b % 3); }

void need(bool ok) {
    if (!ok) std::abort();
}

bool zero(const std::uint8_t* p, std::size_t n) {
    std::uint8_t acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc = static_cast<std::uint8_t>(acc | p[i]);
    return acc == 0;
}

void ek_and_encaps(std::uint16_t method, const std::vector<std::uint8_t>& in) {
    std::uint8_t ct[PQIKE_MLKEM_MAX_CT_SIZE], ss[PQIKE_MLKEM_SS_SIZE];
    std::size_t ct_len = 0, ss_len = 0;
    const int check = pqike_mlkem_check_ek(method, in.data(), in.size());
    const int rc = pqike_mlkem_respond_seeded(method, coins, sizeof coins, in.data(), in.size(), ct, sizeof ct,
                                              &ct_len, ss, sizeof ss, &ss_len);
    need(rc == check);
    if (rc == PQIKE_OK) {
        pqike_kem_sizes sz{};
        need(pqike_mlkem_sizes(method, &sz) == PQIKE_OK && ct_len == sz.ct_size && ss_len == sz.ss_size);
    } else {
        need(rc == PQIKE_INVALID_KEY || rc == PQIKE_INVALID_KE_LENGTH);
        need(zero(ss, sizeof ss));
    }
}

void decaps(std::uint16_t method, const std::vector<std::uint8_t>& in) {
    pqike_mlkem_initiator h;
    std::uint8_t ek[PQIKE_MLKEM_MAX_EK_SIZE], ss[PQIKE_MLKEM_SS_SIZE];
    std::size_t ek_len = 0, ss_len = 0;
    need(pqike_mlkem_initiator_start_seeded(&h, method, seed64, sizeof seed64, ek, sizeof ek, &ek_len) == PQIKE_OK);
    pqike_kem_sizes sz{};
    need(pqike_mlkem_sizes(method, &sz) == PQIKE_OK);
    const int rc = pqike_mlkem_initiator_finish(&h, in.data(), in.size(), ss, sizeof ss, &ss_len);
    if (in.size() == sz.ct_size) {
        need(rc == PQIKE_OK && ss_len == PQIKE_MLKEM_SS_SIZE);
    } else {
        need(rc == PQIKE_INVALID_KE_LENGTH && zero(ss, sizeof ss));
        need(pqike_mlkem_initiator_method(&h) == method);  // still waiting for a good ct
    }
    pqike_mlkem_initiator_wipe(&h);
}

const pqike_escape_key& escape_key() {
    static const pqike_escape_key k = [] {
        pqike_escape_key key;
        std::uint8_t psk[32];
        for (std::size_t i = 0; i < sizeof psk; ++i) psk[i] = static_cast<std::uint8_t>(i);
        static const char id[] = "escape-key-1";
        static const std::uint8_t spis[16] = {1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
        need(pqike_escape_key_derive(&key, PQIKE_PRF_HMAC_SHA2_256, PQIKE_ESCAPE_KEY_ESCAPE_PSK,
                                     PQIKE_ESCAPE_PROVIDER_TO_CONSUMER, psk, sizeof psk,
                                     reinterpret_cast<const std::uint8_t*>(id), sizeof id - 1, spis,
                                     sizeof spis) == PQIKE_OK);
        return key;
    }();
    return k;
}

void reseal(const pqike_escape_fields& v) {
    std::uint8_t out[PQIKE_ESCAPE_MAX_MESSAGE];
    std::size_t n = 0;
    need(pqike_escape_seal(&escape_key(), &v, out, sizeof out, &n) == PQIKE_OK);
    pqike_escape_fields again{};
    need(pqike_escape_verify(&escape_key(), out, n, &again, nullptr) == PQIKE_OK);
    need(again.type == v.type && again.sequence == v.sequence && again.present == v.present &&
         again.ke_method_count == v.ke_method_count);
}

void escape_verify(const std::vector<std::uint8_t>& in) {
    pqike_escape_fields v{};
    pqike_error err{};
    const int rc = pqike_escape_verify(&escape_key(), in.data(), in.size(), &v, &err);
    need(rc == err.code);
    if (rc != PQIKE_OK) {
        need(err.field != nullptr && err.offset <= in.size());
        return;
    }
    reseal(v);
}

void decode(const std::vector<std::uint8_t>& in) {
    pqike_payload_info slots[16];
    pqike_ike_header h{};
    pqike_error err{};
    std::size_t count = 0;
    const int rc = pqike_decode_message(in.data(), in.size(), &h, slots, 16, &count, &err);
    need(rc == err.code);
    if (rc != PQIKE_OK) {
        need(err.field != nullptr && err.offset <= in.size());
        return;
    }
    need(h.length == in.size() && count <= 16);
    std::size_t at = 28;  // RFC 7296 §3.1 header
    for (std::size_t i = 0; i < count; ++i) {
        need(slots[i].offset == at && slots[i].length >= 4 && slots[i].offset + slots[i].length <= in.size());
        at += slots[i].length;
    }
    need(at == in.size());
}

// Fields from the input: the encoder refuses what the format forbids; what it accepts must
// verify and read back.
void escape_seal(const std::vector<std::uint8_t>& in) {
    if (in.size() < 24) return;
    pqike_escape_fields f{};
    f.type = static_cast<std::uint8_t>(1 + in[0] % 4);
    f.flags = in[1];
    f.present = in[2];
    std::memcpy(&f.sequence, in.data() + 3, 8);
    std::memcpy(&f.timestamp, in.data() + 11, 8);
    f.procedure = in[19];
    f.reason = in[20];
    f.status = in[21];
    f.ke_method_count = std::size_t{in[22]} % (PQIKE_ESCAPE_MAX_METHODS + 2u);  // sometimes too many
    const std::size_t rest = in.size() - 24;
    const std::uint8_t* p = in.data() + 24;
    const std::size_t cut = rest == 0 ? 0 : in[23] % (rest + 1);
    f.nonce = {p, cut};
    f.echoed_nonce = {p, cut};
    f.ppk_id = {p + cut, rest - cut};
    for (std::size_t i = 0; i < PQIKE_ESCAPE_MAX_METHODS; ++i) f.ke_methods[i] = static_cast<std::uint16_t>(35 + i);
    std::uint8_t out[PQIKE_ESCAPE_MAX_MESSAGE];
    std::size_t n = 0;
    if (pqike_escape_seal(&escape_key(), &f, out, sizeof out, &n) != PQIKE_OK) return;
    pqike_escape_fields v{};
    need(pqike_escape_verify(&escape_key(), out, n, &v, nullptr) == PQIKE_OK);
    need(v.type == f.type && v.sequence == f.sequence && v.ke_method_count == f.ke_method_count);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::vector<std::uint8_t> in(data + 2, data + size);
    switch (data[0] % 5) {
        case 0: ek_and_encaps(method_of(data[1]), in); break;
        case 1: decaps(method_of(data[1]), in); break;
        case 2: escape_verify(in); break;
        case 3: decode(in); break;
        default: escape_seal(in); break;
    }
    return 0;
}
