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
//   5  escape consumer receive (idle, migrating or after rekey_done, as the second octet says):
//      a refused message leaves the state, no action and nothing to send; an accepted one
//      gives at most one SEND, within PQIKE_ESCAPE_MAX_MESSAGE, into the caller's buffer
//   6  escape provider receive of the same bytes as ACK/NACK and as CONFIRM, same invariants
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

// ---- escape state machines --------------------------------------------------------------------
struct machine_keys {
    pqike_escape_key p2c, c2p, cp2c, cc2p;
    pqike_escape_key_pair classical() const { return {&p2c, &c2p}; }
};
const machine_keys& mkeys() {
    static const machine_keys k = [] {
        machine_keys m;
        std::uint8_t psk[32], sk_d[32];
        for (std::size_t i = 0; i < 32; ++i) {
            psk[i] = static_cast<std::uint8_t>(i);
            sk_d[i] = static_cast<std::uint8_t>(0x40 + i);
        }
        static const char id[] = "escape-key-1";
        static const std::uint8_t spis[16] = {1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
        static const std::uint8_t new_spis[16] = {0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
                                                  0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38};
        const auto* kid = reinterpret_cast<const std::uint8_t*>(id);
        need(pqike_escape_key_derive(&m.p2c, PQIKE_PRF_HMAC_SHA2_256, PQIKE_ESCAPE_KEY_ESCAPE_PSK,
                                     PQIKE_ESCAPE_PROVIDER_TO_CONSUMER, psk, 32, kid, sizeof id - 1, spis, 16) == 0);
        need(pqike_escape_key_derive(&m.c2p, PQIKE_PRF_HMAC_SHA2_256, PQIKE_ESCAPE_KEY_ESCAPE_PSK,
                                     PQIKE_ESCAPE_CONSUMER_TO_PROVIDER, psk, 32, kid, sizeof id - 1, spis, 16) == 0);
        need(pqike_escape_key_derive(&m.cp2c, PQIKE_PRF_HMAC_SHA2_256, PQIKE_ESCAPE_KEY_CONFIRM,
                                     PQIKE_ESCAPE_PROVIDER_TO_CONSUMER, sk_d, 32, kid, sizeof id - 1, new_spis,
                                     16) == 0);
        need(pqike_escape_key_derive(&m.cc2p, PQIKE_PRF_HMAC_SHA2_256, PQIKE_ESCAPE_KEY_CONFIRM,
                                     PQIKE_ESCAPE_CONSUMER_TO_PROVIDER, sk_d, 32, kid, sizeof id - 1, new_spis,
                                     16) == 0);
        return m;
    }();
    return k;
}

const std::uint8_t esc_ppk[] = {'p', 'p', 'k', '-', '2', '0', '2', '6'};
const std::uint16_t esc_methods[] = {36, 37};
const std::uint16_t esc_negotiated[] = {31, 36};
const std::uint8_t esc_nonce[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
constexpr std::uint64_t esc_t0 = 1767225600u;

pqike_escape_rekey_result esc_rekey() {
    pqike_escape_rekey_result r{};
    r.confirm = {&mkeys().cp2c, &mkeys().cc2p};
    r.ke_methods = esc_negotiated;
    r.ke_method_count = 2;
    r.ppk_id = {esc_ppk, sizeof esc_ppk};
    return r;
}

struct esc_pair {
    pqike_escape_provider prov;
    pqike_escape_session ses;
    pqike_escape_consumer cons;
    std::uint8_t escape[PQIKE_ESCAPE_MAX_MESSAGE], ack[PQIKE_ESCAPE_MAX_MESSAGE];
    std::size_t escape_n = 0, ack_n = 0;
    pqike_bytes ppks[1] = {{esc_ppk, sizeof esc_ppk}};

    esc_pair() {
        pqike_escape_provider_config pc;
        pqike_escape_provider_config_default(&pc);
        pc.methods = esc_methods;
        pc.method_count = 2;
        pc.ppk_id = {esc_ppk, sizeof esc_ppk};
        pqike_escape_consumer_config cc;
        pqike_escape_consumer_config_default(&cc);
        cc.methods = esc_methods;
        cc.method_count = 2;
        cc.ppk_ids = ppks;
        cc.ppk_id_count = 1;
        const pqike_escape_key_pair k = mkeys().classical();
        pqike_escape_actions a;
        need(pqike_escape_provider_init(&prov, &pc) == PQIKE_OK && pqike_escape_session_init(&ses) == PQIKE_OK &&
             pqike_escape_consumer_init(&cons, &cc, &k) == PQIKE_OK);
        need(pqike_escape_provider_start(&prov, &ses, &k, esc_nonce, 16, esc_t0, &a, escape, sizeof escape,
                                         &escape_n) == PQIKE_OK);
    }
    ~esc_pair() {
        pqike_escape_provider_wipe(&prov);
        pqike_escape_session_wipe(&ses);
        pqike_escape_consumer_wipe(&cons);
    }
    esc_pair(const esc_pair&) = delete;
    esc_pair& operator=(const esc_pair&) = delete;

    // Bring both sides as far as `stage` says: 0 ESCAPE out, 1 ACKed, 2 both rekeys done.
    void advance(std::uint8_t stage) {
        pqike_escape_actions a;
        std::uint8_t m[PQIKE_ESCAPE_MAX_MESSAGE];
        std::size_t n = 0;
        if (stage < 1) return;
        const pqike_escape_key_pair k = mkeys().classical();
        need(pqike_escape_consumer_on_message(&cons, escape, escape_n, esc_t0 + 1, &a, ack, sizeof ack, &ack_n) ==
             PQIKE_OK);
        need(pqike_escape_provider_on_message(&prov, &ses, &k, ack, ack_n, esc_t0 + 1, &a) == PQIKE_OK);
        if (stage < 2) return;
        const pqike_escape_rekey_result r = esc_rekey();
        need(pqike_escape_provider_rekey_done(&prov, &ses, &r, esc_t0 + 2, &a, m, sizeof m, &n) == PQIKE_OK);
        need(pqike_escape_consumer_rekey_done(&cons, &r, esc_t0 + 2, &a, m, sizeof m, &n) == PQIKE_OK);
    }
};

void check_actions(int rc, const pqike_escape_actions& a, const std::uint8_t* msg, std::size_t msg_len) {
    if (rc != PQIKE_OK) {
        need(a.count == 0 && msg_len == 0);
        need(std::strcmp(pqike_strerror(rc), "unknown") != 0);  // a status the ABI names
        return;
    }
    need(a.count <= 2 && msg_len <= PQIKE_ESCAPE_MAX_MESSAGE);
    std::size_t sends = 0;
    for (std::size_t i = 0; i < a.count; ++i) {
        const pqike_escape_action& x = a.items[i];
        need(x.kind >= PQIKE_ESCAPE_ACTION_SEND && x.kind <= PQIKE_ESCAPE_ACTION_CONFIRMED);
        if (x.kind == PQIKE_ESCAPE_ACTION_SEND) {
            ++sends;
            need(x.message.data == msg && x.message.len == msg_len && msg_len > 0);
        }
    }
    need(sends <= 1 && (sends == 1 || msg_len == 0));
}

int cons_state_of(const pqike_escape_consumer* h) {
    pqike_escape_consumer_state st{};
    need(pqike_escape_consumer_get_state(h, &st) == PQIKE_OK);
    return static_cast<int>(st);
}
int ses_state_of(const pqike_escape_session* s) {
    pqike_escape_provider_state st{};
    need(pqike_escape_session_get_state(s, &st) == PQIKE_OK);
    return static_cast<int>(st);
}

void escape_consumer(std::uint8_t stage, const std::vector<std::uint8_t>& in) {
    esc_pair p;
    p.advance(static_cast<std::uint8_t>(stage % 3));
    const int before = cons_state_of(&p.cons);
    pqike_escape_actions a;
    std::uint8_t m[PQIKE_ESCAPE_MAX_MESSAGE];
    std::size_t n = 0;
    const int rc = pqike_escape_consumer_on_message(&p.cons, in.data(), in.size(), esc_t0 + 3, &a, m, sizeof m, &n);
    check_actions(rc, a, m, n);
    if (rc != PQIKE_OK) need(cons_state_of(&p.cons) == before);
}

void escape_provider(std::uint8_t stage, const std::vector<std::uint8_t>& in) {
    esc_pair p;
    p.advance(static_cast<std::uint8_t>(stage % 3));
    const pqike_escape_key_pair k = mkeys().classical();
    const pqike_escape_rekey_result r = esc_rekey();
    pqike_escape_actions a;
    std::uint8_t m[PQIKE_ESCAPE_MAX_MESSAGE];
    std::size_t n = 0;
    int before = ses_state_of(&p.ses);
    int rc = pqike_escape_provider_on_message(&p.prov, &p.ses, &k, in.data(), in.size(), esc_t0 + 3, &a);
    check_actions(rc, a, nullptr, 0);
    if (rc != PQIKE_OK) need(ses_state_of(&p.ses) == before);
    before = ses_state_of(&p.ses);
    rc = pqike_escape_provider_on_confirm(&p.prov, &p.ses, &r, in.data(), in.size(), esc_t0 + 3, &a, m, sizeof m, &n);
    check_actions(rc, a, m, n);
    if (rc != PQIKE_OK) need(ses_state_of(&p.ses) == before);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::vector<std::uint8_t> in(data + 2, data + size);
    switch (data[0] % 7) {
        case 0: ek_and_encaps(method_of(data[1]), in); break;
        case 1: decaps(method_of(data[1]), in); break;
        case 2: escape_verify(in); break;
        case 3: decode(in); break;
        case 4: escape_seal(in); break;
        case 5: escape_consumer(data[1], in); break;
        default: escape_provider(data[1], in); break;
    }
    return 0;
}
