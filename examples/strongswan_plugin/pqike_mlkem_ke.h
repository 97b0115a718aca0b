/* SPDX-License-Identifier: MIT */
/**
 * @defgroup pqike_mlkem_ke pqike_mlkem_ke
 * @{ @ingroup pqike_mlkem
 */

#ifndef PQIKE_MLKEM_KE_H_
#define PQIKE_MLKEM_KE_H_

#include <crypto/key_exchange.h>

/** IKEv2 Transform Type 4 IDs of the ML-KEM draft (not in 5.9.8's key_exchange_method_t) */
#define PQIKE_MLKEM_512  ((key_exchange_method_t)35)
#define PQIKE_MLKEM_768  ((key_exchange_method_t)36)
#define PQIKE_MLKEM_1024 ((key_exchange_method_t)37)

/**
 * Create an ML-KEM key exchange object (ke_constructor_t).
 *
 * The role is told by the first call: get_public_key first = initiator (key pair, ek out,
 * later ct in), set_public_key first = responder (ek in, encapsulate, ct out).
 *
 * @param method	PQIKE_MLKEM_512, _768 or _1024
 * @return			object, NULL for any other method
 */
key_exchange_t *pqike_mlkem_ke_create(key_exchange_method_t method, ...);

#endif /** PQIKE_MLKEM_KE_H_ @}*/
