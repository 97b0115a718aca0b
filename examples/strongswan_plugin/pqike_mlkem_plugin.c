/* SPDX-License-Identifier: MIT */
/* charon plugin "pqike-mlkem": ML-KEM-512/768/1024 key exchange methods (IKEv2 transform IDs
 * 35/36/37) through pqike's C ABI, for strongSwan releases that predate ML-KEM (5.9.x).
 *
 * On load it
 * - provides the three KE methods (plugin features KE 35/36/37, constructor
 *   pqike_mlkem_ke_create),
 * - registers the proposal keywords mlkem512/mlkem768/mlkem1024
 *   (lib->proposal->register_token), so swanctl.conf can say aes256gcm16-prfsha384-mlkem768,
 * - puts names for 35..37 in front of key_exchange_method_names(_short) so charon's log and
 *   swanctl --list-sas say ML_KEM_768 instead of a number; the previous list heads are put
 *   back on unload.
 */
#include "pqike_mlkem_plugin.h"
#include "pqike_mlkem_ke.h"

#include <library.h>
#include <crypto/proposal/proposal_keywords.h>
#include <utils/debug.h>

typedef struct private_pqike_mlkem_plugin_t private_pqike_mlkem_plugin_t;

struct private_pqike_mlkem_plugin_t {

	/** public interface */
	pqike_mlkem_plugin_t public;

	/** list heads before ours */
	enum_name_t *names_before;
	enum_name_t *names_short_before;
};

/* Names for 35..37, chained in front of strongSwan's lists (enum_to_name walks the chain) */
static enum_name_t mlkem_names = {
	35, 37, NULL, { "ML_KEM_512", "ML_KEM_768", "ML_KEM_1024" }
};
static enum_name_t mlkem_names_short = {
	35, 37, NULL, { "mlkem512", "mlkem768", "mlkem1024" }
};

METHOD(plugin_t, get_name, char*,
	private_pqike_mlkem_plugin_t *this)
{
	return "pqike-mlkem";
}

METHOD(plugin_t, get_features, int,
	private_pqike_mlkem_plugin_t *this, plugin_feature_t *features[])
{
	/* no RNG dependency: pqike draws its randomness from getrandom(2) */
	static plugin_feature_t f[] = {
		PLUGIN_REGISTER(KE, pqike_mlkem_ke_create),
			PLUGIN_PROVIDE(KE, PQIKE_MLKEM_512),
			PLUGIN_PROVIDE(KE, PQIKE_MLKEM_768),
			PLUGIN_PROVIDE(KE, PQIKE_MLKEM_1024),
	};
	*features = f;
	return countof(f);
}

METHOD(plugin_t, destroy, void,
	private_pqike_mlkem_plugin_t *this)
{
	if (key_exchange_method_names == &mlkem_names)
	{
		key_exchange_method_names = this->names_before;
	}
	if (key_exchange_method_names_short == &mlkem_names_short)
	{
		key_exchange_method_names_short = this->names_short_before;
	}
	free(this);
}

/*
 * Plugin constructor, found by the loader as <name with _>_plugin_create
 */
plugin_t *pqike_mlkem_plugin_create()
{
	private_pqike_mlkem_plugin_t *this;

	INIT(this,
		.public = {
			.plugin = {
				.get_name = _get_name,
				.get_features = _get_features,
				.destroy = _destroy,
			},
		},
		.names_before = key_exchange_method_names,
		.names_short_before = key_exchange_method_names_short,
	);

	mlkem_names.next = key_exchange_method_names;
	key_exchange_method_names = &mlkem_names;
	mlkem_names_short.next = key_exchange_method_names_short;
	key_exchange_method_names_short = &mlkem_names_short;

	/* keywords for proposals: transform type 4, no key size */
	lib->proposal->register_token(lib->proposal, "mlkem512", KEY_EXCHANGE_METHOD,
								  PQIKE_MLKEM_512, 0);
	lib->proposal->register_token(lib->proposal, "mlkem768", KEY_EXCHANGE_METHOD,
								  PQIKE_MLKEM_768, 0);
	lib->proposal->register_token(lib->proposal, "mlkem1024", KEY_EXCHANGE_METHOD,
								  PQIKE_MLKEM_1024, 0);
	return &this->public.plugin;
}
