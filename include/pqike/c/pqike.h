/* SPDX-License-Identifier: MIT */
/* pqike C ABI (docs/c-api.md): ML-KEM as an IKEv2 key exchange, the IKEv2 key schedule, the PQC
 * escape message with its provider/consumer state machines and a validating IKE message decoder,
 * for stacks written in C.
 *
 * Conventions (the same for every function):
 * - C11, and compiles as C++11 or later. Every symbol starts with pqike_ / PQIKE_.
 * - Nothing allocates; no exception, C++ type or errno crosses this boundary.
 * - Functions return int: PQIKE_OK (0) or a pqike_status code; pqike_strerror() names it.
 * - Output buffers are (out, out_cap, out_len): on PQIKE_BUFFER_TOO_SMALL *out_len is the size
 *   needed and out is untouched; secret outputs (shared secrets, keys) are zeroized on any other
 *   error. A NULL pointer with a non-zero length is PQIKE_NULL_POINTER.
 * - Handles are plain structs of documented size and alignment: put them on the stack or in
 *   your own structs, no malloc. An init/start function makes them valid; pqike_*_wipe()
 *   destroys them (zeroizing every secret) and must be called when you are done. A handle that
 *   was never initialized, or was wiped, is refused with PQIKE_BAD_HANDLE. Handles may be
 *   copied with memcpy only where stated; the library never keeps a pointer to caller memory.
 * - Thread safety: functions touching different handles may run concurrently.
 */
#ifndef PQIKE_C_PQIKE_H
#define PQIKE_C_PQIKE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define PQIKE_ALIGNAS(n) alignas(n)
extern "C" {
#else
#define PQIKE_ALIGNAS(n) _Alignas(n)
#endif

/* ---- status codes ------------------------------------------------------------------------- */
/* 0..41 are the library's error codes (pqike::errc, include/pqike/result.hpp) with the same
 * numbers; 100 and up exist only at this boundary. */
typedef enum pqike_status {
    PQIKE_OK = 0,
    PQIKE_TRUNCATED = 1,
    PQIKE_TRAILING_DATA = 2,
    PQIKE_BUFFER_TOO_SMALL = 3,
    PQIKE_LENGTH_TOO_SMALL = 4,
    PQIKE_LENGTH_TOO_LARGE = 5,
    PQIKE_LENGTH_MISMATCH = 6,
    PQIKE_INVALID_HEX = 7,
    PQIKE_UNSUPPORTED_VERSION = 8,
    PQIKE_UNSUPPORTED_CRITICAL_PAYLOAD = 9,
    PQIKE_TOO_MANY_PAYLOADS = 10,
    PQIKE_INVALID_SYNTAX = 11,
    PQIKE_INVALID_NONCE_LENGTH = 12,
    PQIKE_INVALID_KE_LENGTH = 13,
    PQIKE_INVALID_KE_METHOD = 14,
    PQIKE_INVALID_FRAGMENT = 15,
    PQIKE_INTEGRITY_CHECK_FAILED = 16,
    PQIKE_REASSEMBLY_LIMIT = 17,
    PQIKE_MISSING_PAYLOAD = 18,
    PQIKE_DUPLICATE_PAYLOAD = 19,
    PQIKE_INVALID_KEY = 20,
    PQIKE_INVALID_LENGTH = 21,
    PQIKE_RNG_FAILURE = 22,
    PQIKE_TOO_MUCH_OUTPUT = 23,
    PQIKE_NO_PROPOSAL_CHOSEN = 24,
    PQIKE_INVALID_KE_PAYLOAD = 25,
    PQIKE_UNEXPECTED_MESSAGE = 26,
    PQIKE_STATE_NOT_FOUND = 27,
    PQIKE_AUTHENTICATION_FAILED = 28,
    PQIKE_ESCAPE_BAD_TAG = 29,
    PQIKE_ESCAPE_TAG_NOT_LAST = 30,
    PQIKE_ESCAPE_DUPLICATE_TLV = 31,
    PQIKE_ESCAPE_UNKNOWN_CRITICAL_TLV = 32,
    PQIKE_ESCAPE_WRONG_BINDING = 33,
    PQIKE_ESCAPE_WRONG_KEY_ID = 34,
    PQIKE_ESCAPE_REPLAYED = 35,
    PQIKE_ESCAPE_STALE = 36,
    PQIKE_ESCAPE_WRONG_STATE = 37,
    PQIKE_ESCAPE_NO_MATCHING_ESCAPE = 38,
    PQIKE_ESCAPE_METHOD_NOT_OFFERED = 39,
    PQIKE_ESCAPE_MISSING_TLV = 40,
    PQIKE_ESCAPE_STALE_TIMESTAMP = 41,
    PQIKE_PPK_REQUIRED = 42,     /* our policy requires a PPK and none was agreed */
    PQIKE_PPK_NOT_LAST = 43,     /* a key update after the PPK was mixed (RFC 9867) */
    PQIKE_ADDITIONAL_KEY_EXCHANGE_SKIPPED = 44, /* the peer chose ADDKEs but skipped them (RFC 9370) */
    /* C ABI only */
    PQIKE_NULL_POINTER = 100,    /* a required pointer was NULL */
    PQIKE_BAD_HANDLE = 101,      /* handle not initialized, wiped, or in the wrong state */
    PQIKE_UNSUPPORTED_PRF = 102  /* PRF transform ID not offered by this ABI */
} pqike_status;

/* Name of a status code ("ok", "invalid_key", ...); "unknown" for other values. Never NULL. */
const char* pqike_strerror(int status);

/* The IKEv2 Notify error type a responder should send when it rejects a request for this
 * reason (RFC 7296 §3.10.1), or 0 when the message must be dropped silently. */
uint16_t pqike_notify_for(int status);

/* Where a decoder stopped: the status, a static string naming the field ("payload.length"),
 * the byte offset of that field in the input (0 when the error is not about input bytes) and a
 * number that explains it but is no offset (a transform ID, the size needed; 0 = none). */
typedef struct pqike_error {
    int code;
    const char* field;
    size_t offset;
    uint64_t value;
} pqike_error;

/* A byte string given to the library (only read during the call). */
typedef struct pqike_bytes {
    const uint8_t* data;
    size_t len;
} pqike_bytes;

/* ==== 1. ML-KEM as an IKEv2 key exchange (draft-ietf-ipsecme-ikev2-mlkem, FIPS 203) ======== */
/* IKEv2 Transform Type 4 / ADDKE IDs. */
#define PQIKE_KE_MLKEM512 35
#define PQIKE_KE_MLKEM768 36
#define PQIKE_KE_MLKEM1024 37

#define PQIKE_MLKEM_MAX_EK_SIZE 1568
#define PQIKE_MLKEM_MAX_CT_SIZE 1568
#define PQIKE_MLKEM_SS_SIZE 32
#define PQIKE_MLKEM_KEYGEN_SEED_SIZE 64 /* d || z (FIPS 203 Alg. 16) */
#define PQIKE_MLKEM_ENCAPS_SEED_SIZE 32 /* m (FIPS 203 Alg. 17) */

typedef struct pqike_kem_sizes {
    size_t ek_size; /* initiator's KE data */
    size_t ct_size; /* responder's KE data */
    size_t ss_size; /* shared secret */
} pqike_kem_sizes;

/* Sizes for a method; PQIKE_INVALID_KE_METHOD if method is not 35, 36 or 37. */
int pqike_mlkem_sizes(uint16_t method, pqike_kem_sizes* out);

/* Initiator: holds the decapsulation key between IKE_SA_INIT request and response.
 * Size 4800 octets, alignment 16. Not copyable (holds a secret; do not memcpy it). */
#define PQIKE_MLKEM_INITIATOR_SIZE 4800
typedef struct pqike_mlkem_initiator {
    PQIKE_ALIGNAS(16) unsigned char opaque[PQIKE_MLKEM_INITIATOR_SIZE];
} pqike_mlkem_initiator;

/* Make a fresh key pair for `method` (randomness from getrandom) and write ek, the KE payload
 * data. A key *h still held is wiped first; on error *h holds no key. */
int pqike_mlkem_initiator_start(pqike_mlkem_initiator* h, uint16_t method, uint8_t* ek,
                                size_t ek_cap, size_t* ek_len);
/* Same from a 64-octet seed d || z (known-answer tests; never reuse a seed). */
int pqike_mlkem_initiator_start_seeded(pqike_mlkem_initiator* h, uint16_t method,
                                       const uint8_t* seed, size_t seed_len, uint8_t* ek,
                                       size_t ek_cap, size_t* ek_len);
/* Decapsulate the responder's ct. PQIKE_INVALID_KE_LENGTH for a ct of the wrong size (the
 * handle keeps waiting); a ct of the right size always gives a secret (implicit rejection: a
 * bad one shows at ICV/AUTH). The handle is the caller's memory, so the decapsulation key in
 * it is treated as imported and checked first (FIPS 203 §7.3): PQIKE_INVALID_KEY if it was
 * altered (the handle keeps waiting). After success the private key is wiped; call _wipe
 * anyway. */
int pqike_mlkem_initiator_finish(pqike_mlkem_initiator* h, const uint8_t* ct, size_t ct_len,
                                 uint8_t* ss, size_t ss_cap, size_t* ss_len);
/* The method the handle was started with, or 0. */
uint16_t pqike_mlkem_initiator_method(const pqike_mlkem_initiator* h);
void pqike_mlkem_initiator_wipe(pqike_mlkem_initiator* h);

/* FIPS 203 §7.2 encapsulation key check (length and modulus): PQIKE_OK,
 * PQIKE_INVALID_KE_LENGTH or PQIKE_INVALID_KEY. */
int pqike_mlkem_check_ek(uint16_t method, const uint8_t* ek, size_t ek_len);

/* Responder (stateless): §7.2 check of the initiator's ek, then Encaps; writes ct (the KE
 * payload data) and the shared secret. PQIKE_INVALID_KEY for an ek failing the check (send
 * INVALID_SYNTAX, or what your stack sends), PQIKE_INVALID_KE_LENGTH for a wrong size. */
int pqike_mlkem_respond(uint16_t method, const uint8_t* ek, size_t ek_len, uint8_t* ct,
                        size_t ct_cap, size_t* ct_len, uint8_t* ss, size_t ss_cap,
                        size_t* ss_len);
/* Same with the 32-octet m given (known-answer tests; never reuse m). */
int pqike_mlkem_respond_seeded(uint16_t method, const uint8_t* m, size_t m_len,
                               const uint8_t* ek, size_t ek_len, uint8_t* ct, size_t ct_cap,
                               size_t* ct_len, uint8_t* ss, size_t ss_cap, size_t* ss_len);

/* ==== 2. Key schedule (RFC 7296 §2.13-2.18, RFC 9370, RFC 9242, RFC 8784, RFC 9867) ======== */
/* PRF Transform IDs accepted wherever a prf_id is taken. */
#define PQIKE_PRF_HMAC_SHA1 2 /* legacy SAs only */
#define PQIKE_PRF_HMAC_SHA2_256 5
#define PQIKE_PRF_HMAC_SHA2_384 6
#define PQIKE_PRF_HMAC_SHA2_512 7
#define PQIKE_PRF_MAX_OUTPUT_SIZE 64
#define PQIKE_IKE_SPI_SIZE 8

/* PRF output size (= preferred key size for HMAC) or 0 for an unsupported PRF. */
size_t pqike_prf_output_size(uint16_t prf_id);

/* Lengths of the seven IKE SA keys: SK_d/SK_pi/SK_pr, SK_ai/SK_ar (0 with AEAD), SK_ei/SK_er
 * (including any salt). */
typedef struct pqike_key_lengths {
    size_t prf_key;
    size_t integ_key;
    size_t encr_key;
} pqike_key_lengths;

/* Key lengths from negotiated transform IDs (ENCR + Key Length attribute in bits, INTEG, PRF). */
int pqike_ike_key_lengths(uint16_t encr_id, uint16_t encr_key_bits, uint16_t integ_id,
                          uint16_t prf_id, pqike_key_lengths* out);

/* The public context keys are derived for: Nonce payload data and the two IKE SPIs. */
typedef struct pqike_sa_context {
    const uint8_t* ni;
    size_t ni_len;
    const uint8_t* nr;
    size_t nr_len;
    const uint8_t* spi_i; /* PQIKE_IKE_SPI_SIZE octets */
    const uint8_t* spi_r; /* PQIKE_IKE_SPI_SIZE octets */
} pqike_sa_context;

/* One stage of the IKE SA keys. Size 1280 octets, alignment 16. May be copied with
 * pqike_ike_sa_keys_copy only. */
#define PQIKE_IKE_SA_KEYS_SIZE 1280
typedef struct pqike_ike_sa_keys {
    PQIKE_ALIGNAS(16) unsigned char opaque[PQIKE_IKE_SA_KEYS_SIZE];
} pqike_ike_sa_keys;

typedef enum pqike_sk {
    PQIKE_SK_D = 0,
    PQIKE_SK_AI = 1,
    PQIKE_SK_AR = 2,
    PQIKE_SK_EI = 3,
    PQIKE_SK_ER = 4,
    PQIKE_SK_PI = 5,
    PQIKE_SK_PR = 6
} pqike_sk;

/* SKEYSEED = prf(Ni | Nr, g^ir) alone (known-answer tests, stacks with their own split). */
int pqike_skeyseed(uint16_t prf_id, const uint8_t* ni, size_t ni_len, const uint8_t* nr,
                   size_t nr_len, const uint8_t* g_ir, size_t g_ir_len, uint8_t* out,
                   size_t out_cap, size_t* out_len);

/* Stage 0 after IKE_SA_INIT: SKEYSEED = prf(Ni | Nr, g^ir), then the seven keys =
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). *out is overwritten. */
int pqike_ike_sa_keys_init(pqike_ike_sa_keys* out, uint16_t prf_id, const pqike_sa_context* ctx,
                           const uint8_t* g_ir, size_t g_ir_len, const pqike_key_lengths* len);
/* Stage n+1 after the next additional key exchange with shared secret sk_next:
 * SKEYSEED(n+1) = prf(SK_d(n), SK(n+1) | Ni | Nr) (RFC 9370 §2.2.2). `next` may be `keys`.
 * PQIKE_UNEXPECTED_MESSAGE after 7 additional exchanges. */
int pqike_ike_sa_keys_next(const pqike_ike_sa_keys* keys, const uint8_t* sk_next,
                           size_t sk_next_len, pqike_ike_sa_keys* next);
/* Copy one key out. */
int pqike_ike_sa_keys_get(const pqike_ike_sa_keys* keys, pqike_sk which, uint8_t* out,
                          size_t out_cap, size_t* out_len);
/* Number of additional key exchanges folded in (0 after IKE_SA_INIT or a rekey). */
int pqike_ike_sa_keys_stage(const pqike_ike_sa_keys* keys, unsigned* stage);
int pqike_ike_sa_keys_copy(const pqike_ike_sa_keys* from, pqike_ike_sa_keys* to);
void pqike_ike_sa_keys_wipe(pqike_ike_sa_keys* keys);

/* Child SA KEYMAT (RFC 7296 §2.17, RFC 9370 §2.2.3) into out (out_len octets, all of them):
 *   no KE (n_ke = 0):  prf+(SK_d, Ni | Nr)
 *   with KEs:          prf+(SK_d, SK(0) | Ni | Nr | SK(1) | ... | SK(n))
 * ni/nr are the nonces of the exchange creating the Child SA. At most 8 key exchanges. */
int pqike_child_keymat(const pqike_ike_sa_keys* keys, const uint8_t* ni, size_t ni_len,
                       const uint8_t* nr, size_t nr_len, const pqike_bytes* ke_secrets,
                       size_t n_ke, uint8_t* out, size_t out_len);

/* IKE SA rekey (RFC 7296 §2.18, RFC 9370 §2.2.4): with the old SA's PRF
 *   SKEYSEED = prf(SK_d(old), SK(0) | Ni | Nr | SK(1) | ... | SK(n)),
 * then stage 0 of the new SA with new_prf_id, the new nonces/SPIs and new lengths. At least one
 * key exchange. `out` may be `old`. */
int pqike_ike_sa_rekey(const pqike_ike_sa_keys* old, uint16_t new_prf_id,
                       const pqike_sa_context* new_ctx, const pqike_bytes* ke_secrets,
                       size_t n_ke, const pqike_key_lengths* new_len, pqike_ike_sa_keys* out);
/* The rekey SKEYSEED alone (known-answer tests). */
int pqike_skeyseed_rekey(const pqike_ike_sa_keys* old, const uint8_t* ni, size_t ni_len,
                         const uint8_t* nr, size_t nr_len, const pqike_bytes* ke_secrets,
                         size_t n_ke, uint8_t* out, size_t out_cap, size_t* out_len);

/* RFC 8784 §3 PPK mixing in IKE_AUTH: *mixed gets SK_d' = prf+(PPK, SK_d), SK_pi', SK_pr' (the
 * other keys unchanged); *keys is left as it was (the NO_PPK_AUTH fallback). */
int pqike_ike_sa_keys_mix_ppk(const pqike_ike_sa_keys* keys, const uint8_t* ppk, size_t ppk_len,
                              pqike_ike_sa_keys* mixed);
/* RFC 9867 PPK mixing in IKE_INTERMEDIATE: every key re-derived from prf+(PPK, SK_d). */
int pqike_ike_sa_keys_mix_ppk_intermediate(const pqike_ike_sa_keys* keys, const uint8_t* ppk,
                                           size_t ppk_len, pqike_ike_sa_keys* out);
/* RFC 9867 PPK in CREATE_CHILD_SA (and the escape migration's rekey): *out is *keys with
 * SK_d' = prf+(PPK, SK_d) in place of SK_d; derive that exchange's Child SA KEYMAT
 * (pqike_child_keymat) or new IKE SA (pqike_ike_sa_rekey) from it. *keys is unchanged. */
int pqike_ike_sa_keys_with_ppk_sk_d(const pqike_ike_sa_keys* keys, const uint8_t* ppk, size_t ppk_len,
                                    pqike_ike_sa_keys* out);
/* RFC 9867 PPK Confirmation: first 8 octets of prf(PPK, Ni | Nr | SPIi | SPIr). */
#define PQIKE_PPK_CONFIRMATION_SIZE 8
int pqike_ppk_confirmation(const pqike_ike_sa_keys* keys, const uint8_t* ppk, size_t ppk_len,
                           uint8_t out[PQIKE_PPK_CONFIRMATION_SIZE]);

/* IntAuth over IKE_INTERMEDIATE exchanges (RFC 9242 §3.3.2). Size 192, alignment 16;
 * contains no secret, may be copied with memcpy. */
#define PQIKE_INT_AUTH_SIZE 192
typedef struct pqike_int_auth {
    PQIKE_ALIGNAS(16) unsigned char opaque[PQIKE_INT_AUTH_SIZE];
} pqike_int_auth;
typedef enum pqike_sender { PQIKE_SENDER_INITIATOR = 0, PQIKE_SENDER_RESPONDER = 1 } pqike_sender;
#define PQIKE_INT_AUTH_MAX_SIZE (2 * PQIKE_PRF_MAX_OUTPUT_SIZE + 4)

int pqike_int_auth_init(pqike_int_auth* h, uint16_t prf_id);
/* Fold in one IKE_INTERMEDIATE message from `sender`, protected by stage `protecting` (its
 * SK_pi or SK_pr is used); a/p are the A and P parts computed by the wire codec. */
int pqike_int_auth_add(pqike_int_auth* h, pqike_sender sender,
                       const pqike_ike_sa_keys* protecting, const uint8_t* a, size_t a_len,
                       const uint8_t* p, size_t p_len);
/* IntAuth_iN | IntAuth_rN | MID (empty, *out_len = 0, when no IKE_INTERMEDIATE ran). */
int pqike_int_auth_finish(const pqike_int_auth* h, uint32_t ike_auth_mid, uint8_t* out,
                          size_t out_cap, size_t* out_len);
void pqike_int_auth_wipe(pqike_int_auth* h);

/* ==== 3. The PQC escape message (docs/escape-message.md) ================================== */
typedef enum pqike_escape_key_mode {
    PQIKE_ESCAPE_KEY_ESCAPE_PSK = 1,
    PQIKE_ESCAPE_KEY_CONNECTION_PSK = 2,
    PQIKE_ESCAPE_KEY_SESSION = 3,
    PQIKE_ESCAPE_KEY_CONFIRM = 4
} pqike_escape_key_mode;
typedef enum pqike_escape_direction {
    PQIKE_ESCAPE_PROVIDER_TO_CONSUMER = 1,
    PQIKE_ESCAPE_CONSUMER_TO_PROVIDER = 2
} pqike_escape_direction;
typedef enum pqike_escape_type {
    PQIKE_ESCAPE_MSG_ESCAPE = 1,
    PQIKE_ESCAPE_MSG_ACK = 2,
    PQIKE_ESCAPE_MSG_NACK = 3,
    PQIKE_ESCAPE_MSG_CONFIRM = 4
} pqike_escape_type;

#define PQIKE_ESCAPE_MAX_MESSAGE 1024
#define PQIKE_ESCAPE_MAX_METHODS 16

/* Tag key of one mode, direction, key ID and SA binding (§5.1); PRF 5, 6 or 7. Size 768,
 * alignment 16. Holds a secret; not copyable with memcpy. */
#define PQIKE_ESCAPE_KEY_SIZE 768
typedef struct pqike_escape_key {
    PQIKE_ALIGNAS(16) unsigned char opaque[PQIKE_ESCAPE_KEY_SIZE];
} pqike_escape_key;

int pqike_escape_key_derive(pqike_escape_key* out, uint16_t prf_id, pqike_escape_key_mode mode,
                            pqike_escape_direction dir, const uint8_t* base, size_t base_len,
                            const uint8_t* key_id, size_t key_id_len, const uint8_t* sa_binding,
                            size_t sa_binding_len);
void pqike_escape_key_wipe(pqike_escape_key* key);

/* Which optional fields are present (pqike_escape_fields.present). */
#define PQIKE_ESCAPE_HAS_TIMESTAMP 0x01u
#define PQIKE_ESCAPE_HAS_PROCEDURE 0x02u
#define PQIKE_ESCAPE_HAS_DEADLINE 0x04u
#define PQIKE_ESCAPE_HAS_REASON 0x08u
#define PQIKE_ESCAPE_HAS_STATUS 0x10u
#define PQIKE_ESCAPE_HAS_SELECTED_METHOD 0x20u

/* A message's fields: what pqike_escape_seal sends and what pqike_escape_verify returns.
 * Byte strings with len 0 are absent. After verify, pointers point into the verified buffer
 * (and key_id / sa_binding are filled in; seal takes them from the key). */
typedef struct pqike_escape_fields {
    uint8_t type;     /* pqike_escape_type */
    uint8_t flags;    /* 0x01 = broadcast */
    uint32_t present; /* PQIKE_ESCAPE_HAS_* */
    uint64_t sequence;
    uint64_t timestamp;
    pqike_bytes nonce;
    uint16_t ke_methods[PQIKE_ESCAPE_MAX_METHODS];
    size_t ke_method_count;
    uint8_t procedure;
    uint32_t deadline;
    uint8_t reason;
    pqike_bytes reason_text;
    pqike_bytes ppk_id;
    uint8_t status;
    uint16_t selected_method;
    pqike_bytes echoed_nonce;
    pqike_bytes key_id;     /* verify only */
    pqike_bytes sa_binding; /* verify only */
} pqike_escape_fields;

/* Encode and tag into out (at most PQIKE_ESCAPE_MAX_MESSAGE octets needed). */
int pqike_escape_seal(const pqike_escape_key* key, const pqike_escape_fields* f, uint8_t* out,
                      size_t out_cap, size_t* out_len);
/* Decode, check key ID, SA binding and tag (constant time) before any field is read; then fill
 * *out. err (may be NULL) says where decoding stopped. No replay check: that is the state
 * machine's job (include/pqike/escape/replay.hpp). */
int pqike_escape_verify(const pqike_escape_key* key, const uint8_t* msg, size_t msg_len,
                        pqike_escape_fields* out, pqike_error* err);

/* Replay and freshness (docs/escape-message.md §6), for a daemon that runs its own escape
 * logic on top of verify: per key and sender, sequence numbers strictly increase, or within a
 * window of up to 64 (RFC 4303 §3.4.3 style bitmap) for reordered broadcasts. Check first, act
 * on the message, then commit: a message that fails any later check leaves the window as it
 * was. Size 64, alignment 16; no secret, may be copied with memcpy. */
#define PQIKE_ESCAPE_REPLAY_SIZE 64
typedef struct pqike_escape_replay {
    PQIKE_ALIGNAS(16) unsigned char opaque[PQIKE_ESCAPE_REPLAY_SIZE];
} pqike_escape_replay;

/* window: 0 = strictly increasing, 1..64 = reordering accepted (more is PQIKE_INVALID_LENGTH). */
int pqike_escape_replay_init(pqike_escape_replay* w, uint8_t window);
/* PQIKE_ESCAPE_REPLAYED (seen), PQIKE_ESCAPE_STALE (below the window), PQIKE_INVALID_SYNTAX
 * (sequence 0); the window is not changed. */
int pqike_escape_replay_check(const pqike_escape_replay* w, uint64_t sequence);
/* Record a sequence number that passed check and every other check. */
int pqike_escape_replay_commit(pqike_escape_replay* w, uint64_t sequence);
void pqike_escape_replay_wipe(pqike_escape_replay* w);
/* Timestamp of a verified message against now (seconds): PQIKE_ESCAPE_MISSING_TLV when
 * required and absent, PQIKE_ESCAPE_STALE_TIMESTAMP when more than max_skew away. */
int pqike_escape_check_timestamp(const pqike_escape_fields* verified, uint64_t now, int require_timestamp,
                                 uint64_t max_skew);

/* ---- 3b. The escape state machines (docs/escape-message.md §8) ---------------------------
 * pqike::escape::provider and ::consumer with HMAC-SHA2-256 (PRF 5): sans I/O, they take
 * message bytes and the current time (seconds, any monotonic clock) and say what to do in a
 * pqike_escape_actions. Tag keys come from pqike_escape_key_derive with PQIKE_PRF_HMAC_SHA2_256
 * (another PRF is PQIKE_UNSUPPORTED_PRF); the engines copy what they keep. */
#define PQIKE_ESCAPE_MAX_PPK_ID 64
#define PQIKE_ESCAPE_MAX_PPK_IDS 8     /* PPK IDs a consumer config may list */
#define PQIKE_ESCAPE_MAX_PQ_METHODS 16 /* entries of a custom PQ allowlist */

/* The two tag keys of one SA and key mode (both handles only read during a call). */
typedef struct pqike_escape_key_pair {
    const pqike_escape_key* p2c; /* PQIKE_ESCAPE_PROVIDER_TO_CONSUMER */
    const pqike_escape_key* c2p; /* PQIKE_ESCAPE_CONSUMER_TO_PROVIDER */
} pqike_escape_key_pair;

/* What this side's own rekey produced (include/pqike/escape/actions.hpp rekey_result): the
 * confirm keys (PQIKE_ESCAPE_KEY_CONFIRM from the new SA's PPK-mixed SK_d and SPIs), every KE
 * method the rekey negotiated in slot order (KE, ADDKE1..7; 1..16 of them) and the PPK ID
 * mixed in (len 0: none). The provider keeps none of it: pass the same result to
 * rekey_done, on_timer and on_confirm. */
typedef struct pqike_escape_rekey_result {
    pqike_escape_key_pair confirm;
    const uint16_t* ke_methods;
    size_t ke_method_count;
    pqike_bytes ppk_id;
} pqike_escape_rekey_result;

typedef enum pqike_escape_action_kind {
    PQIKE_ESCAPE_ACTION_SEND = 0,        /* send `message` to the peer */
    PQIKE_ESCAPE_ACTION_START_REKEY = 1, /* run the rekey (procedure, method, ppk_id), then rekey_done */
    PQIKE_ESCAPE_ACTION_GIVE_UP = 2,     /* deadline passed or peer refused: keep the classical SA */
    PQIKE_ESCAPE_ACTION_CONFIRMED = 3    /* the peer proved the new keys: retire the classical SA */
} pqike_escape_action_kind;

typedef struct pqike_escape_action {
    int kind;           /* pqike_escape_action_kind */
    uint8_t procedure;  /* the plan, for START_REKEY / GIVE_UP / CONFIRMED (1 = IKE SA rekey) */
    uint16_t method;    /* KE method selected by the consumer (0 before the ACK) */
    pqike_bytes ppk_id; /* PPK to mix in; points into the engine: valid until its next call */
    pqike_bytes message; /* SEND: points into the caller's msg buffer */
} pqike_escape_action;

/* At most two actions per call, in order (e.g. SEND the ACK, then START_REKEY). */
typedef struct pqike_escape_actions {
    size_t count;
    pqike_escape_action items[2];
} pqike_escape_actions;

/* Every engine call that may send takes (msg, msg_cap, msg_len) for the message; msg_cap must
 * be at least PQIKE_ESCAPE_MAX_MESSAGE (checked before anything changes: otherwise
 * PQIKE_BUFFER_TOO_SMALL with *msg_len = PQIKE_ESCAPE_MAX_MESSAGE). *msg_len is 0 when nothing
 * is to be sent. On any error *out has count 0 and the engine state is unchanged. */

/* Provider configuration (pqike::escape::provider_config); fill the defaults with
 * pqike_escape_provider_config_default first. The engine copies everything. */
typedef struct pqike_escape_provider_config {
    const uint16_t* methods;     /* target KE methods, preference order (1..16, post-quantum) */
    size_t method_count;
    uint8_t procedure;           /* 1 = IKE SA rekey (the only one) */
    pqike_bytes ppk_id;          /* PPK the consumers must mix in (1..64 octets) */
    int allow_no_ppk;            /* an empty ppk_id is refused unless non-zero (§7) */
    const uint16_t* pq_methods;  /* the PQ allowlist; NULL/0 = ML-KEM 35, 36, 37 */
    size_t pq_method_count;      /* at most PQIKE_ESCAPE_MAX_PQ_METHODS */
    int has_reason;              /* send REASON = reason */
    uint8_t reason;
    uint32_t deadline;           /* seconds from the first transmission to confirmation */
    uint32_t initial_rto;        /* seconds before the first retransmission */
    uint32_t max_rto;            /* backoff cap */
    int send_timestamp;
    uint8_t flags;               /* 0x01 = broadcast */
    uint8_t window;              /* replay window for the consumer's messages (0..64) */
    int require_timestamp;       /* must be 0: answers carry no TIMESTAMP (§6) */
    uint64_t max_skew;
    uint64_t first_seq;          /* first ESCAPE sequence number (0 is taken as 1) */
} pqike_escape_provider_config;

/* Consumer configuration (pqike::escape::consumer_config). */
typedef struct pqike_escape_consumer_config {
    const uint16_t* methods;     /* KE methods this consumer can run (1..16, post-quantum) */
    size_t method_count;
    const pqike_bytes* ppk_ids;  /* PPKs this consumer holds (each 1..64 octets) */
    size_t ppk_id_count;         /* at most PQIKE_ESCAPE_MAX_PPK_IDS */
    int require_ppk;             /* NACK an ESCAPE naming no PPK (§7) */
    const uint16_t* pq_methods;  /* NULL/0 = ML-KEM 35, 36, 37 */
    size_t pq_method_count;
    uint32_t default_deadline;   /* for an ESCAPE without DEADLINE */
    uint32_t max_deadline;       /* longer DEADLINEs are cut to this */
    uint32_t initial_rto;        /* seconds before our CONFIRM is first sent again */
    uint32_t max_rto;
    uint8_t window;              /* replay window for the provider's messages (0..64) */
    int require_timestamp;       /* ESCAPE must carry TIMESTAMP */
    uint64_t max_skew;           /* seconds either side of our clock */
} pqike_escape_consumer_config;

void pqike_escape_provider_config_default(pqike_escape_provider_config* cfg);
void pqike_escape_consumer_config_default(pqike_escape_consumer_config* cfg);

typedef enum pqike_escape_provider_state {
    PQIKE_ESCAPE_PROVIDER_IDLE = 0,
    PQIKE_ESCAPE_PROVIDER_ESCAPE_SENT = 1,
    PQIKE_ESCAPE_PROVIDER_MIGRATING = 2,
    PQIKE_ESCAPE_PROVIDER_CONFIRMED = 3,
    PQIKE_ESCAPE_PROVIDER_FAILED = 4
} pqike_escape_provider_state;

typedef enum pqike_escape_consumer_state {
    PQIKE_ESCAPE_CONSUMER_IDLE = 0,
    PQIKE_ESCAPE_CONSUMER_MIGRATING = 1,
    PQIKE_ESCAPE_CONSUMER_CONFIRMED = 2,
    PQIKE_ESCAPE_CONSUMER_FAILED = 3
} pqike_escape_consumer_state;

/* Provider engine: configuration, sequence counter, output buffer; drives any number of
 * per-consumer sessions. Size 1536, alignment 16. Not copyable (points into itself). */
#define PQIKE_ESCAPE_PROVIDER_SIZE 1536
typedef struct pqike_escape_provider {
    PQIKE_ALIGNAS(16) unsigned char opaque[PQIKE_ESCAPE_PROVIDER_SIZE];
} pqike_escape_provider;

/* The provider's state for one consumer (pqike::escape::provider_session). Size 160,
 * alignment 16. No secret; may be copied with memcpy (e.g. to persist it). */
#define PQIKE_ESCAPE_SESSION_SIZE 160
typedef struct pqike_escape_session {
    PQIKE_ALIGNAS(16) unsigned char opaque[PQIKE_ESCAPE_SESSION_SIZE];
} pqike_escape_session;

/* Consumer engine for one SA: configuration, the classical SA's tag keys and, after
 * rekey_done, the confirm keys and its sealed CONFIRM in both forms (plain and ANSWER). Size
 * 7168, alignment 16. Holds secrets; not copyable. */
#define PQIKE_ESCAPE_CONSUMER_SIZE 7168
typedef struct pqike_escape_consumer {
    PQIKE_ALIGNAS(16) unsigned char opaque[PQIKE_ESCAPE_CONSUMER_SIZE];
} pqike_escape_consumer;

/* provider::make: a config make() refuses gives its status (e.g. PQIKE_INVALID_KEY for no PPK
 * without allow_no_ppk, PQIKE_INVALID_SYNTAX for require_timestamp) and *h holds nothing. */
int pqike_escape_provider_init(pqike_escape_provider* h, const pqike_escape_provider_config* cfg);
void pqike_escape_provider_wipe(pqike_escape_provider* h);
/* A fresh session (idle). */
int pqike_escape_session_init(pqike_escape_session* s);
int pqike_escape_session_get_state(const pqike_escape_session* s, pqike_escape_provider_state* state);
void pqike_escape_session_wipe(pqike_escape_session* s);
/* provider::start: escape one consumer (again after a failure); nonce: 16 fresh random octets.
 * keys: the classical SA's escape keys. */
int pqike_escape_provider_start(pqike_escape_provider* h, pqike_escape_session* s, const pqike_escape_key_pair* keys,
                                const uint8_t* nonce, size_t nonce_len, uint64_t now, pqike_escape_actions* out,
                                uint8_t* msg, size_t msg_cap, size_t* msg_len);
/* provider::on_timer: rekey NULL before rekey_done, else the rekey's result. */
int pqike_escape_provider_on_timer(pqike_escape_provider* h, pqike_escape_session* s, const pqike_escape_key_pair* keys,
                                   const pqike_escape_rekey_result* rekey, uint64_t now, pqike_escape_actions* out,
                                   uint8_t* msg, size_t msg_cap, size_t* msg_len);
/* provider::on_message: an ESCAPE_ACK / ESCAPE_NACK under the classical keys. */
int pqike_escape_provider_on_message(pqike_escape_provider* h, pqike_escape_session* s,
                                     const pqike_escape_key_pair* keys, const uint8_t* in, size_t in_len, uint64_t now,
                                     pqike_escape_actions* out);
/* provider::rekey_done: sends our ESCAPE_CONFIRM (and CONFIRMED if the consumer's came first). */
int pqike_escape_provider_rekey_done(pqike_escape_provider* h, pqike_escape_session* s,
                                     const pqike_escape_rekey_result* rekey, uint64_t now, pqike_escape_actions* out,
                                     uint8_t* msg, size_t msg_cap, size_t* msg_len);
/* provider::on_confirm: the consumer's ESCAPE_CONFIRM under rekey->confirm. */
int pqike_escape_provider_on_confirm(pqike_escape_provider* h, pqike_escape_session* s,
                                     const pqike_escape_rekey_result* rekey, const uint8_t* in, size_t in_len,
                                     uint64_t now, pqike_escape_actions* out, uint8_t* msg, size_t msg_cap,
                                     size_t* msg_len);

/* consumer::make, with the classical SA's escape keys (copied). Refused configs as above. */
int pqike_escape_consumer_init(pqike_escape_consumer* h, const pqike_escape_consumer_config* cfg,
                               const pqike_escape_key_pair* keys);
void pqike_escape_consumer_wipe(pqike_escape_consumer* h);
int pqike_escape_consumer_get_state(const pqike_escape_consumer* h, pqike_escape_consumer_state* state);
/* consumer::on_message: an ESCAPE (classical SA) or a provider ESCAPE_CONFIRM (new SA). */
int pqike_escape_consumer_on_message(pqike_escape_consumer* h, const uint8_t* in, size_t in_len, uint64_t now,
                                     pqike_escape_actions* out, uint8_t* msg, size_t msg_cap, size_t* msg_len);
/* consumer::rekey_done: sends our ESCAPE_CONFIRM; the rekey result is copied. */
int pqike_escape_consumer_rekey_done(pqike_escape_consumer* h, const pqike_escape_rekey_result* rekey, uint64_t now,
                                     pqike_escape_actions* out, uint8_t* msg, size_t msg_cap, size_t* msg_len);
/* consumer::on_timer: resend our CONFIRM when due, give up at the deadline. */
int pqike_escape_consumer_on_timer(pqike_escape_consumer* h, uint64_t now, pqike_escape_actions* out, uint8_t* msg,
                                   size_t msg_cap, size_t* msg_len);

/* ==== 4. Validating IKE message decoder (RFC 7296 §3) ===================================== */
typedef struct pqike_ike_header {
    uint8_t spi_i[PQIKE_IKE_SPI_SIZE];
    uint8_t spi_r[PQIKE_IKE_SPI_SIZE];
    uint8_t next_payload;
    uint8_t minor_version;
    uint8_t exchange_type;
    uint8_t flags;
    uint32_t message_id;
    uint32_t length;
} pqike_ike_header;

typedef struct pqike_payload_info {
    uint8_t type;     /* this payload's type (from the previous Next Payload field) */
    uint8_t critical; /* 1 if the critical bit is set */
    size_t offset;    /* of the generic payload header in the message */
    size_t length;    /* Payload Length, generic header included */
} pqike_payload_info;

/* Decode a whole IKE message (after any non-ESP marker), validate the header, the top-level
 * chain and each known payload's body, and list the payloads in order into slots[0..cap).
 * SK/SKF end the chain (their content is encrypted). An unknown payload with the critical bit
 * is rejected (PQIKE_UNSUPPORTED_CRITICAL_PAYLOAD). On error err (may be NULL) has the code,
 * field and byte offset of the first problem and slots, *count and *header are unchanged;
 * PQIKE_TOO_MANY_PAYLOADS when more than cap (and at most 64) payloads. header may be NULL. */
int pqike_decode_message(const uint8_t* msg, size_t msg_len, pqike_ike_header* header,
                         pqike_payload_info* slots, size_t cap, size_t* count, pqike_error* err);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PQIKE_C_PQIKE_H */
