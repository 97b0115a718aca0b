// SPDX-License-Identifier: MIT
// include/pqike/c/pqike.h as C11 and as C++ (tests/c/check_header.sh compiles this file with
// gcc, clang, g++ and clang++): it parses, its include guard works, and the handle sizes and
// alignments are the documented ones, so a C stack can embed the handles.
#include <pqike/c/pqike.h>
#include <pqike/c/pqike.h>

#ifdef __cplusplus
#define HANDLE_IS(T, N) static_assert(sizeof(T) == (N) && alignof(T) == 16, #T)
#else
#define HANDLE_IS(T, N) _Static_assert(sizeof(T) == (N) && _Alignof(T) == 16, #T)
#endif
HANDLE_IS(pqike_mlkem_initiator, PQIKE_MLKEM_INITIATOR_SIZE);
HANDLE_IS(pqike_ike_sa_keys, PQIKE_IKE_SA_KEYS_SIZE);
HANDLE_IS(pqike_int_auth, PQIKE_INT_AUTH_SIZE);
HANDLE_IS(pqike_escape_key, PQIKE_ESCAPE_KEY_SIZE);
HANDLE_IS(pqike_escape_replay, PQIKE_ESCAPE_REPLAY_SIZE);
HANDLE_IS(pqike_escape_provider, PQIKE_ESCAPE_PROVIDER_SIZE);
HANDLE_IS(pqike_escape_session, PQIKE_ESCAPE_SESSION_SIZE);
HANDLE_IS(pqike_escape_consumer, PQIKE_ESCAPE_CONSUMER_SIZE);

// A stack embeds handles in its own structs, without malloc.
struct my_ike_sa {
    uint32_t id;
    pqike_mlkem_initiator ke;
    pqike_ike_sa_keys keys;
};

int main(void) {
    struct my_ike_sa sa;
    sa.id = 1;
    pqike_mlkem_initiator_wipe(&sa.ke);
    pqike_ike_sa_keys_wipe(&sa.keys);
    return pqike_strerror(PQIKE_OK)[0] == 'o' ? 0 : 1;
}
