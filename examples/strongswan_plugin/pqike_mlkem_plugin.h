/* SPDX-License-Identifier: MIT */
/**
 * @defgroup pqike_mlkem pqike_mlkem
 * @ingroup plugins
 *
 * pqike-mlkem: ML-KEM-512/768/1024 (IKEv2 transform IDs 35/36/37,
 * draft-ietf-ipsecme-ikev2-mlkem) as key exchange methods for charon, on pqike's C ABI
 * (include/pqike/c/pqike.h). See docs/integrating.md.
 *
 * @defgroup pqike_mlkem_plugin pqike_mlkem_plugin
 * @{ @ingroup pqike_mlkem
 */

#ifndef PQIKE_MLKEM_PLUGIN_H_
#define PQIKE_MLKEM_PLUGIN_H_

#include <plugins/plugin.h>

typedef struct pqike_mlkem_plugin_t pqike_mlkem_plugin_t;

/**
 * Plugin providing the KE methods ML-KEM-512/768/1024 and their proposal keywords
 * mlkem512/mlkem768/mlkem1024.
 */
struct pqike_mlkem_plugin_t {

	/**
	 * implements plugin interface
	 */
	plugin_t plugin;
};

#endif /** PQIKE_MLKEM_PLUGIN_H_ @}*/
