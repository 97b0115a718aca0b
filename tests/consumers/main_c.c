// SPDX-License-Identifier: MIT
// Consumer smoke test of the C ABI: a C11 program links pqike::c from the installed package
// and runs one ML-KEM-768 exchange through it.
#include <pqike/c/pqike.h>

#include <stdio.h>
#include <string.h>

int main(void) {
    pqike_mlkem_initiator h;
    uint8_t ek[PQIKE_MLKEM_MAX_EK_SIZE], ct[PQIKE_MLKEM_MAX_CT_SIZE];
    uint8_t ss_i[PQIKE_MLKEM_SS_SIZE], ss_r[PQIKE_MLKEM_SS_SIZE];
    size_t ek_len = 0, ct_len = 0, n_i = 0, n_r = 0;
    if (pqike_mlkem_initiator_start(&h, PQIKE_KE_MLKEM768, ek, sizeof ek, &ek_len) != PQIKE_OK) return 1;
    if (pqike_mlkem_respond(PQIKE_KE_MLKEM768, ek, ek_len, ct, sizeof ct, &ct_len, ss_r, sizeof ss_r, &n_r)) return 1;
    if (pqike_mlkem_initiator_finish(&h, ct, ct_len, ss_i, sizeof ss_i, &n_i) != PQIKE_OK) return 1;
    pqike_mlkem_initiator_wipe(&h);
    if (n_i != n_r || memcmp(ss_i, ss_r, n_i) != 0) return 1;
    printf("pqike C ABI consumer ok\n");
    return 0;
}
