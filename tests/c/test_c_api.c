// SPDX-License-Identifier: MIT
// The C ABI (include/pqike/c/pqike.h) from C11: every public known-answer vector the C++ suites
// use for ML-KEM (NIST ACVP keyGen/encap/decap, ACVP + C2SP CCTV ek checks), the IKEv2 key
// schedule (NIST CAVS SP 800-135 KDF, 90 cases) and the escape message (docs/escape-message.md
// §10), the decoder against strongSwan's IKE_SA_INIT messages and the payload lists extracted
// from the capture, plus the ABI's own rules (bad handles, buffer sizes, error reporting).
// Usage: test_c_api <vectors.txt> (made from the JSON sources by tests/c/make_vectors.py).
#define _POSIX_C_SOURCE 200809L  // strtok_r

#include <pqike/c/pqike.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned checks, failures;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        ++checks;                                                             \
        if (!(cond)) {                                                        \
            ++failures;                                                       \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)
#define CHECK_RC(call, want, what)                                                          \
    do {                                                                                    \
        int rc_ = (call);                                                                   \
        CHECK(rc_ == (want), "%s: got %s, want %s", (what), pqike_strerror(rc_),            \
              pqike_strerror(want));                                                        \
    } while (0)

// ---- vector records: `kind key=value ...` ---------------------------------------------------
enum { max_fields = 16 };
typedef struct record {
    const char* kind;
    int n;
    const char* key[max_fields];
    const char* val[max_fields];
} record;

static int parse(char* line, record* r) {
    char* save = NULL;
    char* tok = strtok_r(line, " \n", &save);
    if (!tok) return 0;
    r->kind = tok;
    r->n = 0;
    while ((tok = strtok_r(NULL, " \n", &save)) != NULL && r->n < max_fields) {
        char* eq = strchr(tok, '=');
        if (!eq) continue;
        *eq = '\0';
        r->key[r->n] = tok;
        r->val[r->n] = eq + 1;
        r->n++;
    }
    return 1;
}

static const char* get(const record* r, const char* key) {
    for (int i = 0; i < r->n; ++i)
        if (strcmp(r->key[i], key) == 0) return r->val[i];
    fprintf(stderr, "vector %s: no field %s\n", r->kind, key);
    exit(2);
}

static int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Hex to bytes; exits on malformed input or overflow (a broken vector file is not a pass).
static size_t unhex(const char* h, uint8_t* out, size_t cap) {
    size_t n = strlen(h);
    if (n % 2 != 0 || n / 2 > cap) {
        fprintf(stderr, "bad hex field (%zu chars, cap %zu)\n", n, cap);
        exit(2);
    }
    for (size_t i = 0; i < n / 2; ++i) {
        int hi = nibble(h[2 * i]), lo = nibble(h[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            fprintf(stderr, "bad hex digit\n");
            exit(2);
        }
        out[i] = (uint8_t)(hi * 16 + lo);
    }
    return n / 2;
}

static int same(const uint8_t* a, size_t an, const uint8_t* b, size_t bn) {
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static int all_zero(const uint8_t* p, size_t n) {
    uint8_t acc = 0;
    for (size_t i = 0; i < n; ++i) acc |= p[i];
    return acc == 0;
}

enum { big = 4096 };
static uint8_t b1[big], b2[big], b3[big], b4[big], o1[big], o2[big];

// ---- 1. ML-KEM -------------------------------------------------------------------------------
static unsigned n_keygen, n_encap, n_decap, n_ekcheck, skip_decap_dk, skip_dkcheck;

static void mlkem_vector(const record* r) {
    const char* id = get(r, "id");
    if (strcmp(r->kind, "decap_expanded_dk") == 0) {
        ++skip_decap_dk;
        return;
    }
    if (strcmp(r->kind, "dkcheck") == 0) {
        ++skip_dkcheck;
        return;
    }
    uint16_t method = (uint16_t)atoi(get(r, "method"));
    pqike_mlkem_initiator h;
    size_t n1, n2, n3, n4, len = 0, sslen = 0;
    if (strcmp(r->kind, "keygen") == 0) {
        n1 = unhex(get(r, "seed"), b1, big);
        n2 = unhex(get(r, "ek"), b2, big);
        CHECK_RC(pqike_mlkem_initiator_start_seeded(&h, method, b1, n1, o1, big, &len), PQIKE_OK, id);
        CHECK(same(o1, len, b2, n2), "keygen %s: ek differs", id);
        CHECK(pqike_mlkem_initiator_method(&h) == method, "keygen %s: method", id);
        pqike_mlkem_initiator_wipe(&h);
        ++n_keygen;
    } else if (strcmp(r->kind, "encap") == 0) {
        n1 = unhex(get(r, "ek"), b1, big);
        n2 = unhex(get(r, "m"), b2, big);
        n3 = unhex(get(r, "c"), b3, big);
        n4 = unhex(get(r, "k"), b4, big);
        CHECK_RC(pqike_mlkem_respond_seeded(method, b2, n2, b1, n1, o1, big, &len, o2, big, &sslen), PQIKE_OK, id);
        CHECK(same(o1, len, b3, n3), "encap %s: ct differs", id);
        CHECK(same(o2, sslen, b4, n4), "encap %s: shared secret differs", id);
        ++n_encap;
    } else if (strcmp(r->kind, "decap") == 0) {
        n1 = unhex(get(r, "seed"), b1, big);
        n2 = unhex(get(r, "c"), b2, big);
        n3 = unhex(get(r, "k"), b3, big);
        CHECK_RC(pqike_mlkem_initiator_start_seeded(&h, method, b1, n1, o1, big, &len), PQIKE_OK, id);
        CHECK_RC(pqike_mlkem_initiator_finish(&h, b2, n2, o2, big, &sslen), PQIKE_OK, id);
        CHECK(same(o2, sslen, b3, n3), "decap %s: shared secret differs", id);
        pqike_mlkem_initiator_wipe(&h);
        ++n_decap;
    } else if (strcmp(r->kind, "ekcheck") == 0) {
        n1 = unhex(get(r, "ek"), b1, big);
        int want_ok = atoi(get(r, "ok"));
        int rc = pqike_mlkem_check_ek(method, b1, n1);
        CHECK((rc == PQIKE_OK) == (want_ok == 1), "ek check %s: got %s, vector says %s", id, pqike_strerror(rc),
              want_ok ? "valid" : "invalid");
        if (!want_ok) {
            // The responder runs the same check before encapsulating and zeroizes its outputs.
            memset(o2, 0xaa, PQIKE_MLKEM_SS_SIZE);
            uint8_t m[PQIKE_MLKEM_ENCAPS_SEED_SIZE] = {0};
            int rr = pqike_mlkem_respond_seeded(method, m, sizeof m, b1, n1, o1, big, &len, o2, big, &sslen);
            CHECK(rr == rc && (rc == PQIKE_INVALID_KEY || rc == PQIKE_INVALID_KE_LENGTH),
                  "respond to invalid ek %s: %s", id, pqike_strerror(rr));
            CHECK(all_zero(o2, PQIKE_MLKEM_SS_SIZE), "respond to invalid ek %s: secret not zeroized", id);
        }
        ++n_ekcheck;
    } else {
        CHECK(0, "unknown vector kind %s", r->kind);
    }
}

// A whole exchange with fresh randomness, and the ABI's rules around it.
static void mlkem_exchange(uint16_t method) {
    pqike_kem_sizes sz;
    CHECK_RC(pqike_mlkem_sizes(method, &sz), PQIKE_OK, "sizes");
    pqike_mlkem_initiator h;
    uint8_t ek[PQIKE_MLKEM_MAX_EK_SIZE], ct[PQIKE_MLKEM_MAX_CT_SIZE];
    uint8_t ss_i[PQIKE_MLKEM_SS_SIZE], ss_r[PQIKE_MLKEM_SS_SIZE], ss_x[PQIKE_MLKEM_SS_SIZE];
    size_t ek_len = 0, ct_len = 0, n = 0;

    // Too small a buffer: the size needed comes back and nothing is started.
    memset(&h, 0, sizeof h);
    CHECK_RC(pqike_mlkem_initiator_start(&h, method, ek, sz.ek_size - 1, &ek_len), PQIKE_BUFFER_TOO_SMALL, "small ek");
    CHECK(ek_len == sz.ek_size, "needed ek size %zu", ek_len);
    CHECK(pqike_mlkem_initiator_method(&h) == 0, "a failed start leaves no key");

    CHECK_RC(pqike_mlkem_initiator_start(&h, method, ek, sizeof ek, &ek_len), PQIKE_OK, "start");
    CHECK(ek_len == sz.ek_size, "ek size");
    CHECK_RC(pqike_mlkem_check_ek(method, ek, ek_len), PQIKE_OK, "own ek passes §7.2");
    CHECK_RC(pqike_mlkem_respond(method, ek, ek_len, ct, sizeof ct, &ct_len, ss_r, sizeof ss_r, &n), PQIKE_OK,
             "respond");
    CHECK(ct_len == sz.ct_size && n == PQIKE_MLKEM_SS_SIZE, "ct/ss sizes");
    uint8_t ct_x[PQIKE_MLKEM_MAX_CT_SIZE];
    size_t ct_x_len = 0;
    CHECK_RC(pqike_mlkem_respond(method, ek, ek_len - 1, ct_x, sizeof ct_x, &ct_x_len, ss_x, sizeof ss_x, &n),
             PQIKE_INVALID_KE_LENGTH, "short ek");

    // A ct of the wrong length is refused and the handle keeps waiting (the draft: abort the SA).
    CHECK_RC(pqike_mlkem_initiator_finish(&h, ct, ct_len - 1, ss_i, sizeof ss_i, &n), PQIKE_INVALID_KE_LENGTH,
             "short ct");
    CHECK_RC(pqike_mlkem_initiator_finish(&h, ct, ct_len, ss_i, sizeof ss_i, &n), PQIKE_OK, "finish");
    CHECK(same(ss_i, n, ss_r, PQIKE_MLKEM_SS_SIZE), "both sides agree (method %u)", method);
    CHECK_RC(pqike_mlkem_initiator_finish(&h, ct, ct_len, ss_i, sizeof ss_i, &n), PQIKE_UNEXPECTED_MESSAGE,
             "second finish");
    pqike_mlkem_initiator_wipe(&h);
    CHECK_RC(pqike_mlkem_initiator_finish(&h, ct, ct_len, ss_i, sizeof ss_i, &n), PQIKE_BAD_HANDLE, "after wipe");

    // A modified ct of the right size is implicit rejection: a different secret, no error.
    CHECK_RC(pqike_mlkem_initiator_start(&h, method, ek, sizeof ek, &ek_len), PQIKE_OK, "restart");
    CHECK_RC(pqike_mlkem_respond(method, ek, ek_len, ct, sizeof ct, &ct_len, ss_r, sizeof ss_r, &n), PQIKE_OK,
             "respond 2");
    ct[0] ^= 1;
    CHECK_RC(pqike_mlkem_initiator_finish(&h, ct, ct_len, ss_i, sizeof ss_i, &n), PQIKE_OK, "finish bad ct");
    CHECK(!same(ss_i, n, ss_r, PQIKE_MLKEM_SS_SIZE), "a modified ct gives another secret");
    pqike_mlkem_initiator_wipe(&h);
}

static void mlkem_rules(void) {
    pqike_kem_sizes sz;
    CHECK_RC(pqike_mlkem_sizes(31, &sz), PQIKE_INVALID_KE_METHOD, "X25519 is not ML-KEM");
    CHECK_RC(pqike_mlkem_sizes(PQIKE_KE_MLKEM512, NULL), PQIKE_NULL_POINTER, "null sizes");
    CHECK_RC(pqike_mlkem_sizes(PQIKE_KE_MLKEM1024, &sz), PQIKE_OK, "1024 sizes");
    CHECK(sz.ek_size == 1568 && sz.ct_size == 1568 && sz.ss_size == 32, "FIPS 203 Table 3 sizes for 1024");
    CHECK_RC(pqike_mlkem_sizes(PQIKE_KE_MLKEM512, &sz), PQIKE_OK, "512 sizes");
    CHECK(sz.ek_size == 800 && sz.ct_size == 768, "FIPS 203 Table 3 sizes for 512");
    pqike_mlkem_initiator zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    size_t n = 0;
    CHECK_RC(pqike_mlkem_initiator_finish(&zeroed, b1, 768, o1, big, &n), PQIKE_BAD_HANDLE, "never started");
    uint8_t seed[PQIKE_MLKEM_KEYGEN_SEED_SIZE] = {0};
    CHECK_RC(pqike_mlkem_initiator_start_seeded(&zeroed, PQIKE_KE_MLKEM768, seed, 32, o1, big, &n),
             PQIKE_INVALID_LENGTH, "short seed");
    CHECK_RC(pqike_mlkem_initiator_start(&zeroed, PQIKE_KE_MLKEM768, NULL, 10, &n), PQIKE_NULL_POINTER, "null ek");
    mlkem_exchange(PQIKE_KE_MLKEM512);
    mlkem_exchange(PQIKE_KE_MLKEM768);
    mlkem_exchange(PQIKE_KE_MLKEM1024);
}

// ---- 2. key schedule -------------------------------------------------------------------------
static unsigned n_kdf;

static size_t concat_keys(const pqike_ike_sa_keys* k, uint8_t* out, size_t cap) {
    size_t at = 0, n = 0;
    for (int s = PQIKE_SK_D; s <= PQIKE_SK_PR; ++s) {
        CHECK_RC(pqike_ike_sa_keys_get(k, (pqike_sk)s, out + at, cap - at, &n), PQIKE_OK, "get key");
        at += n;
    }
    return at;
}

static void kdf_vector(const record* r) {
    const char* id = get(r, "id");
    uint16_t prf = (uint16_t)atoi(get(r, "prf"));
    static uint8_t ni[512], nr[512], gir[1100], girnew[1100], spii[8], spir[8], seed[64], dkm[512], child[512],
        childdh[512], rekey[64];
    size_t ni_n = unhex(get(r, "ni"), ni, sizeof ni), nr_n = unhex(get(r, "nr"), nr, sizeof nr);
    size_t gir_n = unhex(get(r, "gir"), gir, sizeof gir), girnew_n = unhex(get(r, "girnew"), girnew, sizeof girnew);
    size_t spii_n = unhex(get(r, "spii"), spii, sizeof spii), spir_n = unhex(get(r, "spir"), spir, sizeof spir);
    size_t seed_n = unhex(get(r, "skeyseed"), seed, sizeof seed), dkm_n = unhex(get(r, "dkm"), dkm, sizeof dkm);
    size_t child_n = unhex(get(r, "child"), child, sizeof child);
    size_t childdh_n = unhex(get(r, "childdh"), childdh, sizeof childdh);
    size_t rekey_n = unhex(get(r, "rekey"), rekey, sizeof rekey);
    CHECK(spii_n == 8 && spir_n == 8, "kdf %s: SPI sizes", id);
    const size_t L = pqike_prf_output_size(prf);
    CHECK(L == seed_n, "kdf %s: PRF %u output size %zu", id, prf, L);
    size_t n = 0;

    // SKEYSEED = prf(Ni | Nr, g^ir)
    CHECK_RC(pqike_skeyseed(prf, ni, ni_n, nr, nr_n, gir, gir_n, o1, big, &n), PQIKE_OK, id);
    CHECK(same(o1, n, seed, seed_n), "kdf %s: SKEYSEED", id);

    // Stage 0: the seven keys are the DKM prefix they cover (lengths as in tests/unit/keys_kdf.cpp).
    pqike_key_lengths len = {L, 0, 0};
    if (dkm_n > 3 * L) {
        size_t rest = dkm_n - 3 * L;
        len.integ_key = rest / 4 < 64 ? rest / 4 : 64;
        len.encr_key = (rest - 2 * len.integ_key) / 2 < 64 ? (rest - 2 * len.integ_key) / 2 : 64;
    }
    pqike_sa_context ctx = {ni, ni_n, nr, nr_n, spii, spir};
    pqike_ike_sa_keys st, st1, rk;
    CHECK_RC(pqike_ike_sa_keys_init(&st, prf, &ctx, gir, gir_n, &len), PQIKE_OK, id);
    size_t all = concat_keys(&st, o1, big);
    CHECK(all == 3 * len.prf_key + 2 * len.integ_key + 2 * len.encr_key, "kdf %s: key lengths", id);
    size_t cmp = all < dkm_n ? all : dkm_n;
    CHECK(memcmp(o1, dkm, cmp) == 0, "kdf %s: SK_* differ from the DKM", id);
    unsigned stage = 99;
    CHECK_RC(pqike_ike_sa_keys_stage(&st, &stage), PQIKE_OK, id);
    CHECK(stage == 0, "kdf %s: stage 0", id);

    // Child SA KEYMAT without and with a key exchange.
    CHECK_RC(pqike_child_keymat(&st, ni, ni_n, nr, nr_n, NULL, 0, o2, child_n), PQIKE_OK, id);
    CHECK(memcmp(o2, child, child_n) == 0, "kdf %s: KEYMAT (no KE)", id);
    pqike_bytes one = {girnew, girnew_n};
    CHECK_RC(pqike_child_keymat(&st, ni, ni_n, nr, nr_n, &one, 1, o2, childdh_n), PQIKE_OK, id);
    CHECK(memcmp(o2, childdh, childdh_n) == 0, "kdf %s: KEYMAT (with KE)", id);

    // Rekey SKEYSEED = prf(SK_d, g^ir(new) | Ni | Nr)
    CHECK_RC(pqike_skeyseed_rekey(&st, ni, ni_n, nr, nr_n, &one, 1, o2, big, &n), PQIKE_OK, id);
    CHECK(same(o2, n, rekey, rekey_n), "kdf %s: rekey SKEYSEED", id);

    // SKEYSEED(1) of RFC 9370 has the same formula, so stage 1 after an additional KE with
    // SK(1) = g^ir(new) and the rekeyed SA over the same nonces, SPIs and lengths share all keys.
    CHECK_RC(pqike_ike_sa_keys_next(&st, girnew, girnew_n, &st1), PQIKE_OK, id);
    CHECK_RC(pqike_ike_sa_rekey(&st, prf, &ctx, &one, 1, &len, &rk), PQIKE_OK, id);
    CHECK_RC(pqike_ike_sa_keys_stage(&st1, &stage), PQIKE_OK, id);
    CHECK(stage == 1, "kdf %s: stage 1", id);
    size_t a1 = concat_keys(&st1, o1, big), a2 = concat_keys(&rk, o2, big);
    CHECK(same(o1, a1, o2, a2), "kdf %s: stage 1 == rekeyed stage 0", id);
    // In place: next(st, x, st) works like next into another handle.
    CHECK_RC(pqike_ike_sa_keys_next(&st, girnew, girnew_n, &st), PQIKE_OK, id);
    size_t a3 = concat_keys(&st, o2, big);
    CHECK(same(o1, a1, o2, a3), "kdf %s: in-place next", id);
    pqike_ike_sa_keys_wipe(&st);
    pqike_ike_sa_keys_wipe(&st1);
    pqike_ike_sa_keys_wipe(&rk);
    CHECK_RC(pqike_ike_sa_keys_stage(&st, &stage), PQIKE_BAD_HANDLE, "wiped keys");
    ++n_kdf;
}

// PPK mixing, IntAuth and the stage limit: behaviour the RFCs fix, checked on one SA.
static void keys_rules(void) {
    uint8_t ni[32], nr[32], spi_i[8], spi_r[8], gir[32], ppk[32], x[64], y[64];
    for (int i = 0; i < 32; ++i) {
        ni[i] = (uint8_t)i;
        nr[i] = (uint8_t)(0x20 + i);
        gir[i] = (uint8_t)(0x40 + i);
        ppk[i] = (uint8_t)(0x60 + i);
    }
    for (int i = 0; i < 8; ++i) {
        spi_i[i] = (uint8_t)(0x80 + i);
        spi_r[i] = (uint8_t)(0x90 + i);
    }
    pqike_key_lengths len;
    // ENCR_AES_GCM_16 (20) 256-bit, INTEG NONE, PRF_HMAC_SHA2_384: 48 / 0 / 32+4 (RFC 5282 §7.1)
    CHECK_RC(pqike_ike_key_lengths(20, 256, 0, PQIKE_PRF_HMAC_SHA2_384, &len), PQIKE_OK, "gcm lengths");
    CHECK(len.prf_key == 48 && len.integ_key == 0 && len.encr_key == 36, "gcm lengths %zu/%zu/%zu", len.prf_key,
          len.integ_key, len.encr_key);
    CHECK_RC(pqike_ike_key_lengths(20, 256, 12, PQIKE_PRF_HMAC_SHA2_384, &len), PQIKE_INVALID_SYNTAX,
             "AEAD with an INTEG transform");
    CHECK_RC(pqike_ike_key_lengths(12, 256, 12, PQIKE_PRF_HMAC_SHA2_256, &len), PQIKE_OK, "cbc lengths");
    pqike_sa_context ctx = {ni, sizeof ni, nr, sizeof nr, spi_i, spi_r};
    pqike_ike_sa_keys k, mixed, ppk_int, st, other;
    CHECK_RC(pqike_ike_sa_keys_init(&k, 99, &ctx, gir, sizeof gir, &len), PQIKE_UNSUPPORTED_PRF, "PRF 99");
    CHECK_RC(pqike_ike_sa_keys_init(&k, PQIKE_PRF_HMAC_SHA2_256, NULL, gir, sizeof gir, &len), PQIKE_NULL_POINTER,
             "no context");
    CHECK_RC(pqike_ike_sa_keys_init(&k, PQIKE_PRF_HMAC_SHA2_256, &ctx, gir, sizeof gir, &len), PQIKE_OK, "init");

    // RFC 8784 §3: SK_d, SK_pi, SK_pr change; SK_a*, SK_e* do not; the input stays unmixed.
    CHECK_RC(pqike_ike_sa_keys_mix_ppk(&k, ppk, sizeof ppk, &mixed), PQIKE_OK, "mix");
    for (int s = PQIKE_SK_D; s <= PQIKE_SK_PR; ++s) {
        size_t a = 0, b = 0;
        CHECK_RC(pqike_ike_sa_keys_get(&k, (pqike_sk)s, x, sizeof x, &a), PQIKE_OK, "get");
        CHECK_RC(pqike_ike_sa_keys_get(&mixed, (pqike_sk)s, y, sizeof y, &b), PQIKE_OK, "get mixed");
        int changes = s == PQIKE_SK_D || s == PQIKE_SK_PI || s == PQIKE_SK_PR;
        CHECK(a == b && (memcmp(x, y, a) != 0) == changes, "RFC 8784 mixing of key %d", s);
    }
    CHECK_RC(pqike_ike_sa_keys_mix_ppk(&mixed, ppk, sizeof ppk, &other), PQIKE_UNEXPECTED_MESSAGE, "mix twice");
    CHECK_RC(pqike_ike_sa_keys_mix_ppk(&k, ppk, 0, &other), PQIKE_INVALID_LENGTH, "empty PPK");

    // RFC 9867 CREATE_CHILD_SA: only SK_d becomes SK_d', and it equals RFC 8784's SK_d'.
    CHECK_RC(pqike_ike_sa_keys_with_ppk_sk_d(&k, ppk, sizeof ppk, &other), PQIKE_OK, "SK_d'");
    for (int s = PQIKE_SK_D; s <= PQIKE_SK_PR; ++s) {
        size_t a = 0, b = 0, c = 0;
        (void)pqike_ike_sa_keys_get(&k, (pqike_sk)s, x, sizeof x, &a);
        (void)pqike_ike_sa_keys_get(&other, (pqike_sk)s, y, sizeof y, &b);
        CHECK(a == b && (a == 0 || (memcmp(x, y, a) != 0) == (s == PQIKE_SK_D)), "SK_d' changes key %d only", s);
        if (s == PQIKE_SK_D) {
            (void)pqike_ike_sa_keys_get(&mixed, (pqike_sk)s, x, sizeof x, &c);
            CHECK(c == b && memcmp(x, y, b) == 0, "SK_d' = prf+(PPK, SK_d) in both RFCs");
        }
    }
    CHECK_RC(pqike_ike_sa_keys_with_ppk_sk_d(&k, ppk, 0, &other), PQIKE_INVALID_LENGTH, "SK_d' without a PPK");

    // RFC 9867: every key changes.
    CHECK_RC(pqike_ike_sa_keys_mix_ppk_intermediate(&k, ppk, sizeof ppk, &ppk_int), PQIKE_OK, "mix int");
    for (int s = PQIKE_SK_D; s <= PQIKE_SK_PR; ++s) {
        size_t a = 0, b = 0;
        (void)pqike_ike_sa_keys_get(&k, (pqike_sk)s, x, sizeof x, &a);
        (void)pqike_ike_sa_keys_get(&ppk_int, (pqike_sk)s, y, sizeof y, &b);
        CHECK(a == b && (a == 0 || memcmp(x, y, a) != 0), "RFC 9867 mixing changes key %d", s);
    }
    uint8_t c1[PQIKE_PPK_CONFIRMATION_SIZE], c2[PQIKE_PPK_CONFIRMATION_SIZE];
    CHECK_RC(pqike_ppk_confirmation(&k, ppk, sizeof ppk, c1), PQIKE_OK, "confirmation");
    ppk[0] ^= 1;
    CHECK_RC(pqike_ppk_confirmation(&k, ppk, sizeof ppk, c2), PQIKE_OK, "confirmation 2");
    CHECK(memcmp(c1, c2, sizeof c1) != 0, "another PPK, another confirmation");

    // RFC 9370 §2.2.3/§2.2.4 order with two key exchanges: SK(0) | Ni | Nr | SK(1). The same
    // octet string is reached with no (or one) KE and the secrets folded into the nonce
    // arguments, so the order is checked without a second implementation of prf+.
    {
        uint8_t sk0[32], sk1[32], ni2[64], nr2[64], km1[100], km2[100];
        memset(sk0, 0x5a, sizeof sk0);
        memset(sk1, 0xa5, sizeof sk1);
        memcpy(ni2, sk0, 32);
        memcpy(ni2 + 32, ni, 32);
        memcpy(nr2, nr, 32);
        memcpy(nr2 + 32, sk1, 32);
        pqike_bytes two[2] = {{sk0, sizeof sk0}, {sk1, sizeof sk1}};
        CHECK_RC(pqike_child_keymat(&k, ni, sizeof ni, nr, sizeof nr, two, 2, km1, sizeof km1), PQIKE_OK, "2 KEs");
        CHECK_RC(pqike_child_keymat(&k, ni2, sizeof ni2, nr2, sizeof nr2, NULL, 0, km2, sizeof km2), PQIKE_OK, "folded");
        CHECK(memcmp(km1, km2, sizeof km1) == 0, "Child KEYMAT = prf+(SK_d, SK(0) | Ni | Nr | SK(1))");
        size_t l1 = 0, l2 = 0;
        CHECK_RC(pqike_skeyseed_rekey(&k, ni, sizeof ni, nr, sizeof nr, two, 2, x, sizeof x, &l1), PQIKE_OK, "rekey 2");
        CHECK_RC(pqike_skeyseed_rekey(&k, ni, sizeof ni, nr2, sizeof nr2, two, 1, y, sizeof y, &l2), PQIKE_OK,
                 "rekey folded");
        CHECK(same(x, l1, y, l2), "rekey SKEYSEED = prf(SK_d, SK(0) | Ni | Nr | SK(1))");
        pqike_bytes nine[9];
        for (int i = 0; i < 9; ++i) nine[i] = two[0];
        CHECK_RC(pqike_child_keymat(&k, ni, sizeof ni, nr, sizeof nr, nine, 9, km1, sizeof km1), PQIKE_INVALID_LENGTH,
                 "more than 1 + 7 key exchanges");
    }

    // RFC 9370 §2.2.2: at most 7 additional key exchanges.
    CHECK_RC(pqike_ike_sa_keys_copy(&k, &st), PQIKE_OK, "copy");
    for (int i = 0; i < 7; ++i) CHECK_RC(pqike_ike_sa_keys_next(&st, gir, sizeof gir, &st), PQIKE_OK, "next");
    CHECK_RC(pqike_ike_sa_keys_next(&st, gir, sizeof gir, &other), PQIKE_UNEXPECTED_MESSAGE, "an 8th ADDKE");
    // IKE SA rekey needs at least one key exchange (RFC 7296 §1.3.2).
    CHECK_RC(pqike_ike_sa_rekey(&k, PQIKE_PRF_HMAC_SHA2_512, &ctx, NULL, 0, &len, &other), PQIKE_MISSING_PAYLOAD,
             "rekey without KE");
    pqike_bytes ke = {gir, sizeof gir};
    pqike_key_lengths len512 = {64, 32, 32};
    CHECK_RC(pqike_ike_sa_rekey(&k, PQIKE_PRF_HMAC_SHA2_512, &ctx, &ke, 1, &len512, &other), PQIKE_OK,
             "rekey to another PRF");
    size_t n = 0;
    CHECK_RC(pqike_ike_sa_keys_get(&other, PQIKE_SK_D, x, sizeof x, &n), PQIKE_OK, "new SK_d");
    CHECK(n == 64, "the new SA's SK_d has the new PRF's size");
    CHECK_RC(pqike_ike_sa_keys_get(&other, PQIKE_SK_D, x, 10, &n), PQIKE_BUFFER_TOO_SMALL, "small buffer");
    CHECK(n == 64, "size needed");

    // RFC 9242 §3.3.2 IntAuth: empty when no IKE_INTERMEDIATE ran; both chains needed; MID last.
    pqike_int_auth ia;
    uint8_t a[16] = {1, 2, 3}, p[40] = {4, 5, 6}, out[PQIKE_INT_AUTH_MAX_SIZE];
    CHECK_RC(pqike_int_auth_init(&ia, PQIKE_PRF_HMAC_SHA2_256), PQIKE_OK, "int auth");
    CHECK_RC(pqike_int_auth_finish(&ia, 2, out, sizeof out, &n), PQIKE_OK, "empty");
    CHECK(n == 0, "no IKE_INTERMEDIATE, no IntAuth");
    CHECK_RC(pqike_int_auth_add(&ia, PQIKE_SENDER_INITIATOR, &k, a, sizeof a, p, sizeof p), PQIKE_OK, "add i");
    CHECK_RC(pqike_int_auth_finish(&ia, 2, out, sizeof out, &n), PQIKE_UNEXPECTED_MESSAGE, "request only");
    CHECK_RC(pqike_int_auth_add(&ia, PQIKE_SENDER_RESPONDER, &k, a, sizeof a, p, sizeof p), PQIKE_OK, "add r");
    CHECK_RC(pqike_int_auth_finish(&ia, 0x01020304u, out, sizeof out, &n), PQIKE_OK, "finish");
    CHECK(n == 2 * 32 + 4 && out[n - 4] == 1 && out[n - 3] == 2 && out[n - 2] == 3 && out[n - 1] == 4,
          "IntAuth_i | IntAuth_r | MID");
    CHECK(memcmp(out, out + 32, 32) != 0, "SK_pi and SK_pr give different chains");
    CHECK_RC(pqike_int_auth_add(&ia, PQIKE_SENDER_INITIATOR, &other, a, sizeof a, p, sizeof p),
             PQIKE_UNSUPPORTED_PRF, "a stage of another PRF");
    pqike_int_auth_wipe(&ia);
    CHECK_RC(pqike_int_auth_finish(&ia, 2, out, sizeof out, &n), PQIKE_BAD_HANDLE, "wiped int auth");

    pqike_ike_sa_keys_wipe(&k);
    pqike_ike_sa_keys_wipe(&mixed);
    pqike_ike_sa_keys_wipe(&ppk_int);
    pqike_ike_sa_keys_wipe(&st);
    pqike_ike_sa_keys_wipe(&other);
}

// ---- 3. escape message -----------------------------------------------------------------------
enum { n_escape_names = 7 };
static const char* const escape_names[n_escape_names] = {
    "k_psk_p2c", "k_psk_c2p", "escape", "escape_ack", "escape_nack", "escape_confirm_p2c", "escape_confirm_c2p"};
static uint8_t escape_doc[n_escape_names][PQIKE_ESCAPE_MAX_MESSAGE];
static size_t escape_doc_len[n_escape_names];
static int escape_doc_seen[n_escape_names];

static void escape_vector(const record* r) {
    const char* name = get(r, "name");
    for (int i = 0; i < n_escape_names; ++i)
        if (strcmp(name, escape_names[i]) == 0) {
            escape_doc_len[i] = unhex(get(r, "hex"), escape_doc[i], sizeof escape_doc[i]);
            escape_doc_seen[i] = 1;
        }
}

static const uint8_t* doc_msg(const char* name, size_t* len) {
    for (int i = 0; i < n_escape_names; ++i)
        if (strcmp(name, escape_names[i]) == 0 && escape_doc_seen[i]) {
            *len = escape_doc_len[i];
            return escape_doc[i];
        }
    CHECK(0, "escape vector %s missing from the document", name);
    *len = 0;
    return escape_doc[0];
}

static void check_sealed(const pqike_escape_key* key, const pqike_escape_fields* f, const char* name) {
    uint8_t out[PQIKE_ESCAPE_MAX_MESSAGE];
    size_t n = 0, want_n = 0;
    const uint8_t* want = doc_msg(name, &want_n);
    CHECK_RC(pqike_escape_seal(key, f, out, sizeof out, &n), PQIKE_OK, name);
    CHECK(same(out, n, want, want_n), "escape %s: sealed bytes differ from the document", name);
}

static void escape_tests(void) {
    // The fixed inputs of docs/escape-message.md §10.
    uint8_t psk[32], nonce[16], new_sk_d[32];
    for (int i = 0; i < 32; ++i) {
        psk[i] = (uint8_t)i;
        new_sk_d[i] = (uint8_t)(0x40 + i);
    }
    for (int i = 0; i < 16; ++i) nonce[i] = (uint8_t)(0xa0 + i);
    const uint8_t key_id[] = "escape-key-1";
    const uint8_t ppk_id[] = "ppk-2026";
    const uint8_t binding[16] = {1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
    const uint8_t new_binding[16] = {0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
                                     0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38};
    const size_t kid_n = sizeof key_id - 1;
    pqike_escape_key p2c, c2p, cp2c, cc2p;
    CHECK_RC(pqike_escape_key_derive(&p2c, PQIKE_PRF_HMAC_SHA2_256, PQIKE_ESCAPE_KEY_ESCAPE_PSK,
                                     PQIKE_ESCAPE_PROVIDER_TO_CONSUMER, psk, 32, key_id, kid_n, binding, 16),
             PQIKE_OK, "p2c");
    CHECK_RC(pqike_escape_key_derive(&c2p, PQIKE_PRF_HMAC_SHA2_256, PQIKE_ESCAPE_KEY_ESCAPE_PSK,
                                     PQIKE_ESCAPE_CONSUMER_TO_PROVIDER, psk, 32, key_id, kid_n, binding, 16),
             PQIKE_OK, "c2p");
    CHECK_RC(pqike_escape_key_derive(&cp2c, PQIKE_PRF_HMAC_SHA2_256, PQIKE_ESCAPE_KEY_CONFIRM,
                                     PQIKE_ESCAPE_PROVIDER_TO_CONSUMER, new_sk_d, 32, key_id, kid_n, new_binding, 16),
             PQIKE_OK, "confirm p2c");
    CHECK_RC(pqike_escape_key_derive(&cc2p, PQIKE_PRF_HMAC_SHA2_256, PQIKE_ESCAPE_KEY_CONFIRM,
                                     PQIKE_ESCAPE_CONSUMER_TO_PROVIDER, new_sk_d, 32, key_id, kid_n, new_binding, 16),
             PQIKE_OK, "confirm c2p");
    pqike_escape_key bad_key;
    CHECK_RC(pqike_escape_key_derive(&bad_key, PQIKE_PRF_HMAC_SHA1, PQIKE_ESCAPE_KEY_ESCAPE_PSK,
                                     PQIKE_ESCAPE_PROVIDER_TO_CONSUMER, psk, 32, key_id, kid_n, binding, 16),
             PQIKE_UNSUPPORTED_PRF, "SHA-1");
    CHECK_RC(pqike_escape_key_derive(&bad_key, PQIKE_PRF_HMAC_SHA2_256, PQIKE_ESCAPE_KEY_ESCAPE_PSK,
                                     PQIKE_ESCAPE_PROVIDER_TO_CONSUMER, psk, 32, key_id, 0, binding, 16),
             PQIKE_INVALID_LENGTH, "empty key ID");

    pqike_escape_fields e;
    memset(&e, 0, sizeof e);
    e.type = PQIKE_ESCAPE_MSG_ESCAPE;
    e.sequence = 1;
    e.present = PQIKE_ESCAPE_HAS_TIMESTAMP | PQIKE_ESCAPE_HAS_PROCEDURE | PQIKE_ESCAPE_HAS_DEADLINE |
                PQIKE_ESCAPE_HAS_REASON;
    e.timestamp = 1767225600u;
    e.nonce.data = nonce;
    e.nonce.len = sizeof nonce;
    e.ke_methods[0] = 36;
    e.ke_methods[1] = 37;
    e.ke_method_count = 2;
    e.procedure = 1;
    e.deadline = 3600;
    e.reason = 1;
    e.ppk_id.data = ppk_id;
    e.ppk_id.len = sizeof ppk_id - 1;
    check_sealed(&p2c, &e, "escape");

    pqike_escape_fields a;
    memset(&a, 0, sizeof a);
    a.type = PQIKE_ESCAPE_MSG_ACK;
    a.sequence = 1;
    a.echoed_nonce = e.nonce;
    a.present = PQIKE_ESCAPE_HAS_SELECTED_METHOD;
    a.selected_method = 36;
    a.ppk_id = e.ppk_id;
    check_sealed(&c2p, &a, "escape_ack");

    pqike_escape_fields nk;
    memset(&nk, 0, sizeof nk);
    nk.type = PQIKE_ESCAPE_MSG_NACK;
    nk.sequence = 1;
    nk.echoed_nonce = e.nonce;
    nk.present = PQIKE_ESCAPE_HAS_STATUS;
    nk.status = 1;
    check_sealed(&c2p, &nk, "escape_nack");

    // CONFIRM (§5.1, §10): sequence 1 under the fresh confirm key, the methods the rekey actually
    // negotiated (X25519 + ML-KEM-768), the selected method and the mixed PPK's ID.
    pqike_escape_fields c = a;
    c.type = PQIKE_ESCAPE_MSG_CONFIRM;
    c.sequence = 1;
    c.ke_methods[0] = 31;
    c.ke_methods[1] = 36;
    c.ke_method_count = 2;
    check_sealed(&cp2c, &c, "escape_confirm_p2c");
    check_sealed(&cc2p, &c, "escape_confirm_c2p");

    // Verify every document message and read its fields back.
    size_t n = 0;
    const uint8_t* msg = doc_msg("escape", &n);
    pqike_escape_fields v;
    pqike_error err;
    CHECK_RC(pqike_escape_verify(&p2c, msg, n, &v, &err), PQIKE_OK, "verify escape");
    CHECK(v.type == PQIKE_ESCAPE_MSG_ESCAPE && v.sequence == 1 && v.timestamp == 1767225600u &&
              (v.present & PQIKE_ESCAPE_HAS_TIMESTAMP) && v.ke_method_count == 2 && v.ke_methods[0] == 36 &&
              v.ke_methods[1] == 37 && v.procedure == 1 && v.deadline == 3600 && v.reason == 1 &&
              same(v.nonce.data, v.nonce.len, nonce, 16) && same(v.ppk_id.data, v.ppk_id.len, ppk_id, 8) &&
              same(v.key_id.data, v.key_id.len, key_id, kid_n) && same(v.sa_binding.data, v.sa_binding.len, binding, 16),
          "verified ESCAPE fields");
    struct {
        const char* name;
        const pqike_escape_key* key;
        uint8_t type;
    } docs[] = {{"escape_ack", &c2p, PQIKE_ESCAPE_MSG_ACK},
                {"escape_nack", &c2p, PQIKE_ESCAPE_MSG_NACK},
                {"escape_confirm_p2c", &cp2c, PQIKE_ESCAPE_MSG_CONFIRM},
                {"escape_confirm_c2p", &cc2p, PQIKE_ESCAPE_MSG_CONFIRM}};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; ++i) {
        msg = doc_msg(docs[i].name, &n);
        CHECK_RC(pqike_escape_verify(docs[i].key, msg, n, &v, &err), PQIKE_OK, docs[i].name);
        CHECK(v.type == docs[i].type, "%s: type", docs[i].name);
    }
    // The other direction's key, a flipped tag octet, another SA, a truncation.
    msg = doc_msg("escape", &n);
    uint8_t copy[PQIKE_ESCAPE_MAX_MESSAGE];
    memcpy(copy, msg, n);
    CHECK_RC(pqike_escape_verify(&c2p, copy, n, &v, &err), PQIKE_ESCAPE_BAD_TAG, "wrong direction");
    copy[n - 1] ^= 0x80;
    CHECK_RC(pqike_escape_verify(&p2c, copy, n, &v, &err), PQIKE_ESCAPE_BAD_TAG, "flipped tag");
    CHECK(err.code == PQIKE_ESCAPE_BAD_TAG && strcmp(err.field, "escape.tag") == 0, "error names the tag: %s",
          err.field);
    CHECK_RC(pqike_escape_verify(&cp2c, msg, n, &v, &err), PQIKE_ESCAPE_WRONG_BINDING, "another SA");
    CHECK_RC(pqike_escape_verify(&p2c, msg, n - 1, &v, &err), err.code, "truncated");
    CHECK(err.code != PQIKE_OK && err.field[0] != '\0' && err.offset <= n, "truncation reported: %s at %zu",
          pqike_strerror(err.code), err.offset);
    // Too small a buffer gives the size needed.
    size_t need = 0;
    memset(copy, 0xee, 20);
    CHECK_RC(pqike_escape_seal(&p2c, &e, copy, 20, &need), PQIKE_BUFFER_TOO_SMALL, "small seal buffer");
    CHECK(need == n, "seal reports the %zu octets needed, got %zu", n, need);
    int untouched = 1;
    for (int i = 0; i < 20; ++i) untouched &= copy[i] == 0xee;
    CHECK(untouched, "a too small buffer is left untouched");
    // Freshness of the verified ESCAPE (timestamp 1767225600) and replay (§6).
    CHECK_RC(pqike_escape_verify(&p2c, msg, n, &v, &err), PQIKE_OK, "verify again");
    CHECK_RC(pqike_escape_check_timestamp(&v, 1767225600u + 300, 1, 300), PQIKE_OK, "within skew");
    CHECK_RC(pqike_escape_check_timestamp(&v, 1767225600u - 301, 1, 300), PQIKE_ESCAPE_STALE_TIMESTAMP, "too old");
    v.present &= ~PQIKE_ESCAPE_HAS_TIMESTAMP;
    CHECK_RC(pqike_escape_check_timestamp(&v, 0, 1, 300), PQIKE_ESCAPE_MISSING_TLV, "required timestamp");
    CHECK_RC(pqike_escape_check_timestamp(&v, 0, 0, 300), PQIKE_OK, "optional timestamp");
    pqike_escape_replay strict, win;
    memset(&strict, 0, sizeof strict);
    CHECK_RC(pqike_escape_replay_check(&strict, 1), PQIKE_BAD_HANDLE, "replay window not initialized");
    CHECK_RC(pqike_escape_replay_init(&strict, 0), PQIKE_OK, "strict window");
    CHECK_RC(pqike_escape_replay_init(&win, 65), PQIKE_INVALID_LENGTH, "window over 64");
    CHECK_RC(pqike_escape_replay_init(&win, 8), PQIKE_OK, "window 8");
    CHECK_RC(pqike_escape_replay_check(&strict, 0), PQIKE_INVALID_SYNTAX, "sequence 0");
    CHECK_RC(pqike_escape_replay_check(&strict, 3), PQIKE_OK, "first");
    CHECK_RC(pqike_escape_replay_check(&strict, 3), PQIKE_OK, "check does not record");
    CHECK_RC(pqike_escape_replay_commit(&strict, 3), PQIKE_OK, "commit");
    CHECK_RC(pqike_escape_replay_check(&strict, 3), PQIKE_ESCAPE_REPLAYED, "replayed");
    CHECK_RC(pqike_escape_replay_check(&strict, 2), PQIKE_ESCAPE_STALE, "older, no window");
    CHECK_RC(pqike_escape_replay_commit(&strict, 3), PQIKE_ESCAPE_REPLAYED, "commit re-checks");
    CHECK_RC(pqike_escape_replay_commit(&win, 10), PQIKE_OK, "10");
    CHECK_RC(pqike_escape_replay_commit(&win, 5), PQIKE_OK, "5 within the window");
    CHECK_RC(pqike_escape_replay_check(&win, 5), PQIKE_ESCAPE_REPLAYED, "5 again");
    // A window of w accepts exactly the w numbers below the highest (§6).
    CHECK_RC(pqike_escape_replay_check(&win, 3), PQIKE_OK, "3: 7 behind, inside a window of 8");
    CHECK_RC(pqike_escape_replay_check(&win, 2), PQIKE_OK, "2: 8 behind, the last one a window of 8 accepts");
    CHECK_RC(pqike_escape_replay_check(&win, 1), PQIKE_ESCAPE_STALE, "1: 9 behind, outside");
    pqike_escape_replay_wipe(&strict);
    pqike_escape_replay_wipe(&win);
    CHECK_RC(pqike_escape_replay_check(&win, 11), PQIKE_BAD_HANDLE, "wiped window");

    pqike_escape_key_wipe(&p2c);
    CHECK_RC(pqike_escape_verify(&p2c, msg, n, &v, &err), PQIKE_BAD_HANDLE, "wiped key");
    pqike_escape_key_wipe(&c2p);
    pqike_escape_key_wipe(&cp2c);
    pqike_escape_key_wipe(&cc2p);
}

// ---- 3b. escape state machines ----------------------------------------------------------------
// A C provider and a C consumer over a lossless "network" of byte buffers: the migration of
// docs/escape-message.md §8 from ESCAPE to both CONFIRMED, then forgeries, replays, refused
// configurations and the deadline.
static const uint64_t t0 = 1767225600u;
static const uint8_t esc_psk[32] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
static const uint8_t esc_binding[16] = {1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
static const uint8_t esc_new_binding[16] = {0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
                                            0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38};
static const uint8_t esc_key_id[] = "escape-key-1";
static const uint8_t esc_ppk[] = "ppk-2026";
static const uint16_t prov_methods[] = {36, 37};
static const uint16_t cons_methods[] = {37, 36};

static void derive_pair(pqike_escape_key* p2c, pqike_escape_key* c2p, uint16_t prf, pqike_escape_key_mode mode,
                        const uint8_t* base, const uint8_t* binding) {
    CHECK_RC(pqike_escape_key_derive(p2c, prf, mode, PQIKE_ESCAPE_PROVIDER_TO_CONSUMER, base, 32, esc_key_id,
                                     sizeof esc_key_id - 1, binding, 16),
             PQIKE_OK, "derive p2c");
    CHECK_RC(pqike_escape_key_derive(c2p, prf, mode, PQIKE_ESCAPE_CONSUMER_TO_PROVIDER, base, 32, esc_key_id,
                                     sizeof esc_key_id - 1, binding, 16),
             PQIKE_OK, "derive c2p");
}

static void prov_config(pqike_escape_provider_config* c) {
    pqike_escape_provider_config_default(c);
    c->methods = prov_methods;
    c->method_count = 2;
    c->ppk_id.data = esc_ppk;
    c->ppk_id.len = sizeof esc_ppk - 1;
    c->has_reason = 1;
    c->reason = 1;
    c->deadline = 600;
    c->initial_rto = 2;
    c->max_rto = 16;
}

static pqike_bytes cons_ppks[1];
static void cons_config(pqike_escape_consumer_config* c) {
    pqike_escape_consumer_config_default(c);
    cons_ppks[0].data = esc_ppk;
    cons_ppks[0].len = sizeof esc_ppk - 1;
    c->methods = cons_methods;
    c->method_count = 2;
    c->ppk_ids = cons_ppks;
    c->ppk_id_count = 1;
}

static int prov_state(const pqike_escape_session* s) {
    pqike_escape_provider_state st = PQIKE_ESCAPE_PROVIDER_IDLE;
    CHECK_RC(pqike_escape_session_get_state(s, &st), PQIKE_OK, "session state");
    return (int)st;
}
static int cons_state(const pqike_escape_consumer* h) {
    pqike_escape_consumer_state st = PQIKE_ESCAPE_CONSUMER_IDLE;
    CHECK_RC(pqike_escape_consumer_get_state(h, &st), PQIKE_OK, "consumer state");
    return (int)st;
}
static int is_plan(const pqike_escape_action* a, uint16_t method) {
    return a->procedure == 1 && a->method == method && same(a->ppk_id.data, a->ppk_id.len, esc_ppk, sizeof esc_ppk - 1);
}

static void escape_machine_tests(void) {
    pqike_escape_key p2c, c2p, cp2c, cc2p, s384_p2c, s384_c2p;
    uint8_t new_sk_d[32];
    for (int i = 0; i < 32; ++i) new_sk_d[i] = (uint8_t)(0x40 + i);
    derive_pair(&p2c, &c2p, PQIKE_PRF_HMAC_SHA2_256, PQIKE_ESCAPE_KEY_ESCAPE_PSK, esc_psk, esc_binding);
    derive_pair(&cp2c, &cc2p, PQIKE_PRF_HMAC_SHA2_256, PQIKE_ESCAPE_KEY_CONFIRM, new_sk_d, esc_new_binding);
    derive_pair(&s384_p2c, &s384_c2p, PQIKE_PRF_HMAC_SHA2_384, PQIKE_ESCAPE_KEY_ESCAPE_PSK, esc_psk, esc_binding);
    const pqike_escape_key_pair keys = {&p2c, &c2p};
    const pqike_escape_key_pair keys384 = {&s384_p2c, &s384_c2p};
    uint8_t nonce[16];
    for (int i = 0; i < 16; ++i) nonce[i] = (uint8_t)(0xa0 + i);

    // Configurations provider::make / consumer::make refuse, with their status; the handle
    // then holds nothing.
    pqike_escape_provider prov;
    pqike_escape_consumer cons;
    pqike_escape_provider_config pc;
    pqike_escape_consumer_config cc;
    pqike_escape_session ses;
    pqike_escape_actions acts;
    size_t mlen = 0;
    prov_config(&pc);
    pc.ppk_id.len = 0;
    CHECK_RC(pqike_escape_provider_init(&prov, &pc), PQIKE_INVALID_KEY, "provider: no PPK without allow_no_ppk");
    CHECK_RC(pqike_escape_session_init(&ses), PQIKE_OK, "session");
    CHECK_RC(pqike_escape_provider_start(&prov, &ses, &keys, nonce, 16, t0, &acts, o1, sizeof o1, &mlen),
             PQIKE_BAD_HANDLE, "refused provider holds nothing");
    prov_config(&pc);
    pc.require_timestamp = 1;
    CHECK_RC(pqike_escape_provider_init(&prov, &pc), PQIKE_INVALID_SYNTAX, "provider: require_timestamp");
    prov_config(&pc);
    pc.initial_rto = 32;  // above max_rto 16
    CHECK_RC(pqike_escape_provider_init(&prov, &pc), PQIKE_INVALID_SYNTAX, "provider: rto");
    prov_config(&pc);
    const uint16_t classical[] = {36, 31};  // X25519 is not on the PQ allowlist
    pc.methods = classical;
    CHECK_RC(pqike_escape_provider_init(&prov, &pc), PQIKE_INVALID_SYNTAX, "provider: classical method");
    cons_config(&cc);
    cc.ppk_id_count = 0;
    CHECK_RC(pqike_escape_consumer_init(&cons, &cc, &keys), PQIKE_INVALID_KEY, "consumer: require_ppk, no PPK");
    CHECK_RC(pqike_escape_consumer_on_timer(&cons, t0, &acts, o1, sizeof o1, &mlen), PQIKE_BAD_HANDLE,
             "refused consumer holds nothing");
    cons_config(&cc);
    cc.max_deadline = 10;  // below default_deadline 3600
    CHECK_RC(pqike_escape_consumer_init(&cons, &cc, &keys), PQIKE_INVALID_SYNTAX, "consumer: deadline");
    cons_config(&cc);
    CHECK_RC(pqike_escape_consumer_init(&cons, &cc, &keys384), PQIKE_UNSUPPORTED_PRF, "consumer: SHA-384 keys");
    cc.method_count = PQIKE_ESCAPE_MAX_METHODS + 1;
    CHECK_RC(pqike_escape_consumer_init(&cons, &cc, &keys), PQIKE_INVALID_LENGTH, "consumer: 17 methods");

    prov_config(&pc);
    cons_config(&cc);
    CHECK_RC(pqike_escape_provider_init(&prov, &pc), PQIKE_OK, "provider");
    CHECK_RC(pqike_escape_consumer_init(&cons, &cc, &keys), PQIKE_OK, "consumer");
    CHECK(prov_state(&ses) == PQIKE_ESCAPE_PROVIDER_IDLE && cons_state(&cons) == PQIKE_ESCAPE_CONSUMER_IDLE,
          "both idle");
    CHECK_RC(pqike_escape_provider_start(&prov, &ses, &keys384, nonce, 16, t0, &acts, o1, sizeof o1, &mlen),
             PQIKE_UNSUPPORTED_PRF, "provider: SHA-384 keys");
    CHECK_RC(pqike_escape_provider_start(&prov, &ses, &keys, nonce, 16, t0, &acts, o1, 100, &mlen),
             PQIKE_BUFFER_TOO_SMALL, "small message buffer");
    CHECK(mlen == PQIKE_ESCAPE_MAX_MESSAGE && prov_state(&ses) == PQIKE_ESCAPE_PROVIDER_IDLE,
          "size needed given, nothing started");

    // ESCAPE.
    uint8_t escape[PQIKE_ESCAPE_MAX_MESSAGE], ack[PQIKE_ESCAPE_MAX_MESSAGE];
    size_t escape_n = 0, ack_n = 0;
    CHECK_RC(pqike_escape_provider_start(&prov, &ses, &keys, nonce, 16, t0, &acts, escape, sizeof escape, &escape_n),
             PQIKE_OK, "start");
    CHECK(acts.count == 1 && acts.items[0].kind == PQIKE_ESCAPE_ACTION_SEND && escape_n > 0 &&
              acts.items[0].message.data == escape && acts.items[0].message.len == escape_n,
          "start sends the ESCAPE into the caller's buffer");
    CHECK(prov_state(&ses) == PQIKE_ESCAPE_PROVIDER_ESCAPE_SENT, "escape_sent");
    pqike_escape_fields f;
    CHECK_RC(pqike_escape_verify(&p2c, escape, escape_n, &f, NULL), PQIKE_OK, "the ESCAPE verifies");
    CHECK(f.type == PQIKE_ESCAPE_MSG_ESCAPE && f.sequence == 1 && f.ke_method_count == 2 && f.ke_methods[0] == 36 &&
              f.deadline == 600 && f.timestamp == t0 && same(f.nonce.data, f.nonce.len, nonce, 16),
          "ESCAPE fields from the config");
    CHECK_RC(pqike_escape_provider_start(&prov, &ses, &keys, nonce, 16, t0, &acts, o1, sizeof o1, &mlen),
             PQIKE_ESCAPE_WRONG_STATE, "start twice");

    // A forged ESCAPE (one tag bit) is refused and changes nothing.
    memcpy(b1, escape, escape_n);
    b1[escape_n - 1] ^= 1;
    CHECK_RC(pqike_escape_consumer_on_message(&cons, b1, escape_n, t0 + 1, &acts, o1, sizeof o1, &mlen),
             PQIKE_ESCAPE_BAD_TAG, "forged ESCAPE");
    CHECK(acts.count == 0 && mlen == 0 && cons_state(&cons) == PQIKE_ESCAPE_CONSUMER_IDLE, "forgery: no action");

    // ACK and START_REKEY.
    CHECK_RC(pqike_escape_consumer_on_message(&cons, escape, escape_n, t0 + 1, &acts, ack, sizeof ack, &ack_n),
             PQIKE_OK, "consumer gets the ESCAPE");
    CHECK(acts.count == 2 && acts.items[0].kind == PQIKE_ESCAPE_ACTION_SEND && acts.items[0].message.len == ack_n &&
              acts.items[1].kind == PQIKE_ESCAPE_ACTION_START_REKEY && is_plan(&acts.items[1], 36),
          "consumer: send ACK, rekey with 36 (the provider's preference) and the PPK");
    CHECK(cons_state(&cons) == PQIKE_ESCAPE_CONSUMER_MIGRATING, "consumer migrating");
    // A retransmitted ESCAPE gets the identical ACK and nothing else.
    CHECK_RC(pqike_escape_consumer_on_message(&cons, escape, escape_n, t0 + 2, &acts, o1, sizeof o1, &mlen), PQIKE_OK,
             "ESCAPE again");
    CHECK(acts.count == 1 && acts.items[0].kind == PQIKE_ESCAPE_ACTION_SEND && same(o1, mlen, ack, ack_n),
          "same ACK resent");

    CHECK_RC(pqike_escape_provider_on_message(&prov, &ses, &keys, ack, ack_n, t0 + 2, &acts), PQIKE_OK, "ACK");
    CHECK(acts.count == 1 && acts.items[0].kind == PQIKE_ESCAPE_ACTION_START_REKEY && is_plan(&acts.items[0], 36),
          "provider: rekey with 36");
    CHECK(prov_state(&ses) == PQIKE_ESCAPE_PROVIDER_MIGRATING, "provider migrating");
    // The same ACK again is a replay.
    CHECK_RC(pqike_escape_provider_on_message(&prov, &ses, &keys, ack, ack_n, t0 + 3, &acts), PQIKE_ESCAPE_REPLAYED,
             "replayed ACK");
    CHECK(acts.count == 0 && prov_state(&ses) == PQIKE_ESCAPE_PROVIDER_MIGRATING, "replay: nothing changed");

    // Both rekeys done (X25519 in KE, ML-KEM-768 in ADDKE1), CONFIRMs crossed.
    const uint16_t negotiated[] = {31, 36};
    pqike_escape_rekey_result rr;
    rr.confirm.p2c = &cp2c;
    rr.confirm.c2p = &cc2p;
    rr.ke_methods = negotiated;
    rr.ke_method_count = 2;
    rr.ppk_id.data = esc_ppk;
    rr.ppk_id.len = sizeof esc_ppk - 1;
    pqike_escape_rekey_result no_ppk = rr;
    no_ppk.ppk_id.len = 0;
    CHECK_RC(pqike_escape_consumer_rekey_done(&cons, &no_ppk, t0 + 5, &acts, o1, sizeof o1, &mlen), PQIKE_INVALID_KEY,
             "a rekey without the PPK is no migration");
    CHECK(acts.count == 0 && cons_state(&cons) == PQIKE_ESCAPE_CONSUMER_MIGRATING, "still migrating");

    uint8_t pconf[PQIKE_ESCAPE_MAX_MESSAGE], cconf[PQIKE_ESCAPE_MAX_MESSAGE];
    size_t pconf_n = 0, cconf_n = 0;
    CHECK_RC(pqike_escape_provider_rekey_done(&prov, &ses, &rr, t0 + 5, &acts, pconf, sizeof pconf, &pconf_n),
             PQIKE_OK, "provider rekey_done");
    CHECK(acts.count == 1 && acts.items[0].kind == PQIKE_ESCAPE_ACTION_SEND && pconf_n > 0, "provider CONFIRM");
    CHECK_RC(pqike_escape_verify(&cp2c, pconf, pconf_n, &f, NULL), PQIKE_OK, "provider CONFIRM under the new key");
    CHECK(f.type == PQIKE_ESCAPE_MSG_CONFIRM && f.selected_method == 36 && f.ke_method_count == 2 &&
              f.ke_methods[0] == 31 && f.ke_methods[1] == 36,
          "CONFIRM names what the rekey negotiated");
    CHECK_RC(pqike_escape_consumer_rekey_done(&cons, &rr, t0 + 5, &acts, cconf, sizeof cconf, &cconf_n), PQIKE_OK,
             "consumer rekey_done");
    CHECK(acts.count == 1 && acts.items[0].kind == PQIKE_ESCAPE_ACTION_SEND && cconf_n > 0, "consumer CONFIRM");

    // A forged CONFIRM is refused by both.
    memcpy(b1, cconf, cconf_n);
    b1[cconf_n - 1] ^= 0x80;
    CHECK_RC(pqike_escape_provider_on_confirm(&prov, &ses, &rr, b1, cconf_n, t0 + 6, &acts, o1, sizeof o1, &mlen),
             PQIKE_ESCAPE_BAD_TAG, "forged consumer CONFIRM");
    memcpy(b1, pconf, pconf_n);
    b1[pconf_n - 1] ^= 0x80;
    CHECK_RC(pqike_escape_consumer_on_message(&cons, b1, pconf_n, t0 + 6, &acts, o1, sizeof o1, &mlen),
             PQIKE_ESCAPE_BAD_TAG, "forged provider CONFIRM");
    CHECK(prov_state(&ses) == PQIKE_ESCAPE_PROVIDER_MIGRATING && cons_state(&cons) == PQIKE_ESCAPE_CONSUMER_MIGRATING,
          "forged CONFIRMs change nothing");

    CHECK_RC(pqike_escape_provider_on_confirm(&prov, &ses, &rr, cconf, cconf_n, t0 + 6, &acts, o1, sizeof o1, &mlen),
             PQIKE_OK, "provider gets the consumer's CONFIRM");
    CHECK(acts.count == 1 && acts.items[0].kind == PQIKE_ESCAPE_ACTION_CONFIRMED && is_plan(&acts.items[0], 36) &&
              mlen == 0,
          "provider confirmed");
    CHECK(prov_state(&ses) == PQIKE_ESCAPE_PROVIDER_CONFIRMED, "provider state confirmed");
    CHECK_RC(pqike_escape_consumer_on_message(&cons, pconf, pconf_n, t0 + 6, &acts, o1, sizeof o1, &mlen), PQIKE_OK,
             "consumer gets the provider's CONFIRM");
    CHECK(acts.count == 1 && acts.items[0].kind == PQIKE_ESCAPE_ACTION_CONFIRMED && is_plan(&acts.items[0], 36),
          "consumer confirmed");
    CHECK(cons_state(&cons) == PQIKE_ESCAPE_CONSUMER_CONFIRMED, "consumer state confirmed");
    // After confirmation a copy of the peer's CONFIRM is answered with ours (it missed it), in the
    // ANSWER form (docs/escape-message.md §6: flags 0x02, the same CONFIRM otherwise), which is
    // never answered in turn: no ping-pong.
    CHECK_RC(pqike_escape_consumer_on_message(&cons, pconf, pconf_n, t0 + 7, &acts, o1, sizeof o1, &mlen), PQIKE_OK,
             "provider CONFIRM again");
    CHECK(acts.count == 1 && acts.items[0].kind == PQIKE_ESCAPE_ACTION_SEND && mlen == cconf_n &&
              memcmp(o1, cconf, 5) == 0 && o1[5] == (uint8_t)(cconf[5] | 0x02) && memcmp(o1 + 6, cconf + 6, 2) == 0,
          "consumer answers with its CONFIRM in the ANSWER form");
    memcpy(b1, o1, mlen);
    CHECK_RC(pqike_escape_provider_on_confirm(&prov, &ses, &rr, b1, mlen, t0 + 7, &acts, o1, sizeof o1, &mlen),
             PQIKE_ESCAPE_REPLAYED, "the provider does not answer an ANSWER");
    CHECK(acts.count == 0, "nothing to send after an ANSWER");
    // The old ESCAPE replayed now is refused.
    CHECK_RC(pqike_escape_provider_on_message(&prov, &ses, &keys, ack, ack_n, t0 + 8, &acts), PQIKE_ESCAPE_REPLAYED,
             "replayed ACK after confirmation");

    // The deadline: a second consumer, nobody answers. The provider retransmits the identical
    // ESCAPE at +2, +6, +14, ... and gives up at +600; the consumer (ESCAPE at +1, DEADLINE
    // 600) gives up at +601 without ever sending, before rekey_done.
    pqike_escape_session ses2;
    pqike_escape_consumer cons2;
    CHECK_RC(pqike_escape_session_init(&ses2), PQIKE_OK, "session 2");
    CHECK_RC(pqike_escape_consumer_init(&cons2, &cc, &keys), PQIKE_OK, "consumer 2");
    CHECK_RC(pqike_escape_provider_start(&prov, &ses2, &keys, nonce, 16, t0, &acts, escape, sizeof escape, &escape_n),
             PQIKE_OK, "start 2");
    CHECK_RC(pqike_escape_consumer_on_message(&cons2, escape, escape_n, t0 + 1, &acts, ack, sizeof ack, &ack_n),
             PQIKE_OK, "consumer 2 gets the ESCAPE (sequence 2: the engine's counter)");
    unsigned sends = 0, gave_up = 0, cons_gave_up = 0, cons_sends = 0;
    uint64_t first_retx = 0, give_up_at = 0, cons_give_up_at = 0;
    for (uint64_t t = t0; t < t0 + 700; ++t) {
        CHECK_RC(pqike_escape_provider_on_timer(&prov, &ses2, &keys, NULL, t, &acts, o1, sizeof o1, &mlen), PQIKE_OK,
                 "provider timer");
        for (size_t i = 0; i < acts.count; ++i) {
            if (acts.items[i].kind == PQIKE_ESCAPE_ACTION_SEND) {
                CHECK(same(o1, mlen, escape, escape_n), "retransmission is the identical ESCAPE");
                if (sends++ == 0) first_retx = t;
            } else if (acts.items[i].kind == PQIKE_ESCAPE_ACTION_GIVE_UP) {
                ++gave_up;
                give_up_at = t;
            }
        }
        CHECK_RC(pqike_escape_consumer_on_timer(&cons2, t, &acts, o2, sizeof o2, &mlen), PQIKE_OK, "consumer timer");
        for (size_t i = 0; i < acts.count; ++i) {
            if (acts.items[i].kind == PQIKE_ESCAPE_ACTION_SEND) ++cons_sends;
            if (acts.items[i].kind == PQIKE_ESCAPE_ACTION_GIVE_UP) {
                ++cons_gave_up;
                cons_give_up_at = t;
            }
        }
    }
    CHECK(first_retx == t0 + 2 && sends >= 5 && gave_up == 1 && give_up_at == t0 + 600,
          "provider: first retransmission %llu, %u sends, gave up %u times at %llu",
          (unsigned long long)(first_retx - t0), sends, gave_up, (unsigned long long)(give_up_at - t0));
    CHECK(prov_state(&ses2) == PQIKE_ESCAPE_PROVIDER_FAILED, "provider session failed");
    CHECK(cons_gave_up == 1 && cons_give_up_at == t0 + 601 && cons_sends == 0,
          "consumer: gave up %u times at %llu, %u sends", cons_gave_up, (unsigned long long)(cons_give_up_at - t0),
          cons_sends);
    CHECK(cons_state(&cons2) == PQIKE_ESCAPE_CONSUMER_FAILED, "consumer failed");
    CHECK(prov_state(&ses) == PQIKE_ESCAPE_PROVIDER_CONFIRMED, "the other session is untouched");

    // Wiped handles are refused and hold no secret.
    pqike_escape_consumer_wipe(&cons);
    CHECK(all_zero(cons.opaque, sizeof cons.opaque), "consumer wipe zeroizes the handle");
    CHECK_RC(pqike_escape_consumer_on_message(&cons, pconf, pconf_n, t0, &acts, o1, sizeof o1, &mlen),
             PQIKE_BAD_HANDLE, "wiped consumer");
    pqike_escape_provider_wipe(&prov);
    CHECK_RC(pqike_escape_provider_on_confirm(&prov, &ses, &rr, cconf, cconf_n, t0, &acts, o1, sizeof o1, &mlen),
             PQIKE_BAD_HANDLE, "wiped provider");
    pqike_escape_session_wipe(&ses);
    pqike_escape_session_wipe(&ses2);
    pqike_escape_consumer_wipe(&cons2);
    pqike_escape_key_wipe(&p2c);
    pqike_escape_key_wipe(&c2p);
    pqike_escape_key_wipe(&cp2c);
    pqike_escape_key_wipe(&cc2p);
    pqike_escape_key_wipe(&s384_p2c);
    pqike_escape_key_wipe(&s384_c2p);
}

// ---- 4. decoder ------------------------------------------------------------------------------
static unsigned n_ikemsg;

static void ikemsg_vector(const record* r) {
    const char* id = get(r, "id");
    size_t len = unhex(get(r, "msg"), b1, big);
    pqike_payload_info slots[64];
    pqike_ike_header h;
    pqike_error err;
    size_t count = 0;
    CHECK_RC(pqike_decode_message(b1, len, &h, slots, 64, &count, &err), PQIKE_OK, id);
    // IKE_SA_INIT is exchange type 34 (RFC 7296 §3.1).
    CHECK(strcmp(get(r, "exchange"), "IKE_SA_INIT") == 0 && h.exchange_type == 34, "%s: exchange", id);
    CHECK(h.message_id == (uint32_t)atol(get(r, "mid")) && h.length == len && memcmp(h.spi_i, b1, 8) == 0,
          "%s: header fields", id);
    // The payload list extracted from the capture: type:offset:length:critical,...
    char list[2048];
    snprintf(list, sizeof list, "%s", get(r, "payloads"));
    size_t i = 0;
    char* save = NULL;
    for (char* p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save), ++i) {
        unsigned type = 0, crit = 0;
        unsigned long off = 0, plen = 0;
        CHECK(sscanf(p, "%u:%lu:%lu:%u", &type, &off, &plen, &crit) == 4, "%s: payload list", id);
        CHECK(i < count && slots[i].type == type && slots[i].offset == off && slots[i].length == plen &&
                  slots[i].critical == crit,
              "%s: payload %zu (%s)", id, i, p);
    }
    CHECK(i == count, "%s: %zu payloads decoded, %zu listed", id, count, i);

    // Errors: too few slots; a truncated datagram; a payload length below the generic header
    // (RFC 7296 §3.2: 4 octets); an unknown critical payload (RFC 7296 §2.5).
    size_t kept = 12345;
    CHECK_RC(pqike_decode_message(b1, len, &h, slots, count - 1, &kept, &err), PQIKE_TOO_MANY_PAYLOADS, id);
    CHECK(kept == 12345 && err.code == PQIKE_TOO_MANY_PAYLOADS, "%s: count untouched on error", id);
    CHECK_RC(pqike_decode_message(b1, len - 1, &h, slots, 64, &count, &err), err.code, id);
    CHECK(err.code != PQIKE_OK && err.field[0] != '\0', "%s: truncation reported", id);
    memcpy(b2, b1, len);
    b2[30] = 0;
    b2[31] = 3;
    CHECK_RC(pqike_decode_message(b2, len, &h, slots, 64, &count, &err), PQIKE_LENGTH_TOO_SMALL, id);
    CHECK(err.offset == 30, "%s: error at the first payload's length field (offset %zu, field %s)", id, err.offset,
          err.field);
    memcpy(b2, b1, len);
    b2[16] = 200;  // first payload: an unassigned type
    b2[29] = 0x80; // with the critical bit
    CHECK_RC(pqike_decode_message(b2, len, &h, slots, 64, &count, &err), PQIKE_UNSUPPORTED_CRITICAL_PAYLOAD, id);
    CHECK(pqike_notify_for(err.code) == 1, "%s: UNSUPPORTED_CRITICAL_PAYLOAD notify", id);
    ++n_ikemsg;
}

static void decoder_rules(void) {
    size_t count = 0;
    pqike_error err;
    pqike_payload_info slots[4];
    CHECK_RC(pqike_decode_message(NULL, 0, NULL, slots, 4, &count, &err), PQIKE_TRUNCATED, "empty");
    CHECK(err.code == PQIKE_TRUNCATED && err.offset == 0, "empty input: %s at %zu", err.field, err.offset);
    CHECK_RC(pqike_decode_message(NULL, 5, NULL, slots, 4, &count, &err), PQIKE_NULL_POINTER, "null with length");
}

static void misc_rules(void) {
    CHECK(strcmp(pqike_strerror(PQIKE_OK), "ok") == 0, "ok");
    CHECK(strcmp(pqike_strerror(PQIKE_INVALID_KEY), "invalid_key") == 0, "invalid_key");
    CHECK(strcmp(pqike_strerror(PQIKE_BAD_HANDLE), "bad_handle") == 0, "bad_handle");
    CHECK(strcmp(pqike_strerror(-1), "unknown") == 0 && strcmp(pqike_strerror(9999), "unknown") == 0, "unknown");
    CHECK(pqike_notify_for(PQIKE_INVALID_SYNTAX) == 7 && pqike_notify_for(PQIKE_INTEGRITY_CHECK_FAILED) == 0 &&
              pqike_notify_for(PQIKE_INVALID_KE_PAYLOAD) == 17 && pqike_notify_for(PQIKE_BAD_HANDLE) == 0,
          "RFC 7296 §3.10.1 notify numbers");
    CHECK(pqike_prf_output_size(PQIKE_PRF_HMAC_SHA2_384) == 48 && pqike_prf_output_size(4) == 0, "PRF sizes");
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s <vectors.txt>\n", argv[0]);
        return 2;
    }
    FILE* f = fopen(argv[1], "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 2;
    }
    static char line[1 << 16];
    record r;
    while (fgets(line, sizeof line, f)) {
        if (strlen(line) == sizeof line - 1) {
            fprintf(stderr, "vector line too long\n");
            return 2;
        }
        if (!parse(line, &r)) continue;
        if (strcmp(r.kind, "kdf") == 0) kdf_vector(&r);
        else if (strcmp(r.kind, "escape") == 0) escape_vector(&r);
        else if (strcmp(r.kind, "ikemsg") == 0) ikemsg_vector(&r);
        else mlkem_vector(&r);
    }
    fclose(f);
    mlkem_rules();
    keys_rules();
    escape_tests();
    escape_machine_tests();
    decoder_rules();
    misc_rules();

    // Every source must have contributed (a vector file that lost a section is a failure).
    CHECK(n_keygen == 75 && n_encap == 75 && n_decap == 30 && n_ekcheck == 93, "ML-KEM vectors: %u/%u/%u/%u",
          n_keygen, n_encap, n_decap, n_ekcheck);
    CHECK(n_kdf == 90, "KDF vectors: %u", n_kdf);
    CHECK(n_ikemsg == 4, "IKE messages: %u", n_ikemsg);
    printf("c_api: ML-KEM keygen %u, encap %u, decap %u, ek checks %u; KDF %u; escape %d messages; decoder %u "
           "messages\n",
           n_keygen, n_encap, n_decap, n_ekcheck, n_kdf, 5, n_ikemsg);
    printf("c_api: not applicable to the C ABI (no dk import: the key never leaves its handle): %u expanded-dk "
           "decaps, %u dk checks\n",
           skip_decap_dk, skip_dkcheck);
    printf("c_api: %u checks, %u failed\n", checks, failures);
    return failures ? 1 : 0;
}
