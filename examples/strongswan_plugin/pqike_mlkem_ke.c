/* SPDX-License-Identifier: MIT */
/* ML-KEM as a strongSwan key_exchange_t, on pqike's C ABI.
 *
 * strongSwan 5.9.8 calls a key_exchange_t the same way for ECDH and for a KEM (ike_init.c,
 * child_create.c):
 *   initiator: get_public_key (KE payload of the request) ... set_public_key (the response's
 *              KE data) ... get_shared_secret (keymat_v2 derives the keys)
 *   responder: set_public_key (the request's KE data) ... get_public_key (KE payload of the
 *              response) ... get_shared_secret
 * so the first call tells the role. The initiator makes its key pair on the first
 * get_public_key and keeps ek, so a second get_public_key (the request rebuilt after a COOKIE)
 * returns the same ek; a retry after INVALID_KE_PAYLOAD gets a fresh object from charon.
 * The responder checks and encapsulates in set_public_key: it needs ct for get_public_key,
 * which charon calls before get_shared_secret (encapsulation is cheap, as the note on
 * set_public_key asks).
 *
 * Peer values are checked before use: exact sizes (ek 800/1184/1568, ct 768/1088/1568) and
 * the FIPS 203 §7.2 modulus check on ek (pqike_mlkem_respond does both, pqike_mlkem_check_ek
 * names the reason for the log). A failed set_public_key returns FALSE: charon 5.9.8 then
 * answers NO_PROPOSAL_CHOSEN as responder (hard-coded in ike_init.c/child_create.c; the draft
 * recommends INVALID_SYNTAX) and fails the exchange as initiator. A ct of the right size always
 * decapsulates (implicit rejection): a forged one shows as an ICV/AUTH failure.
 */
#include "pqike_mlkem_ke.h"

#include <pqike/c/pqike.h>

#include <library.h>
#include <utils/debug.h>

typedef struct private_pqike_mlkem_ke_t private_pqike_mlkem_ke_t;

typedef enum {
	ROLE_UNKNOWN = 0,
	ROLE_INITIATOR,
	ROLE_RESPONDER,
} ke_role_t;

struct private_pqike_mlkem_ke_t {

	/** public interface */
	key_exchange_t public;

	/** initiator: decapsulation key (pqike handle, wiped on destroy) */
	pqike_mlkem_initiator initiator;

	/** transform ID 35/36/37 */
	key_exchange_method_t method;

	/** sizes of ek, ct and the shared secret for the method */
	pqike_kem_sizes sizes;

	/** told by the first call */
	ke_role_t role;

	/** our KE data: ek (initiator) or ct (responder) */
	uint8_t pub[PQIKE_MLKEM_MAX_EK_SIZE];
	size_t pub_len;

	/** shared secret, valid if computed */
	uint8_t ss[PQIKE_MLKEM_SS_SIZE];
	bool computed;

	/** a set_public_key failed or was repeated: no secret from this object */
	bool failed;
};

METHOD(key_exchange_t, get_public_key, bool,
	private_pqike_mlkem_ke_t *this, chunk_t *value)
{
	int rc;

	if (this->failed)
	{
		return FALSE;
	}
	if (this->role == ROLE_UNKNOWN)
	{	/* initiator: fresh key pair, ek out */
		rc = pqike_mlkem_initiator_start(&this->initiator, (uint16_t)this->method,
										 this->pub, sizeof(this->pub), &this->pub_len);
		if (rc != PQIKE_OK)
		{
			DBG1(DBG_LIB, "pqike-mlkem: %N key generation failed: %s",
				 key_exchange_method_names, this->method, pqike_strerror(rc));
			this->failed = TRUE;
			return FALSE;
		}
		this->role = ROLE_INITIATOR;
	}
	else if (this->role == ROLE_RESPONDER && !this->computed)
	{	/* no ct without an accepted ek */
		return FALSE;
	}
	*value = chunk_clone(chunk_create(this->pub, this->pub_len));
	return TRUE;
}

/**
 * Responder: check the initiator's ek and encapsulate.
 */
static bool respond(private_pqike_mlkem_ke_t *this, chunk_t ek)
{
	size_t ss_len = 0;
	int rc;

	this->role = ROLE_RESPONDER;
	if (ek.len != this->sizes.ek_size)
	{
		DBG1(DBG_LIB, "pqike-mlkem: %N ek has %zu octets, expected %zu: refused",
			 key_exchange_method_names, this->method, ek.len, this->sizes.ek_size);
		return FALSE;
	}
	rc = pqike_mlkem_check_ek((uint16_t)this->method, ek.ptr, ek.len);
	if (rc != PQIKE_OK)
	{
		DBG1(DBG_LIB, "pqike-mlkem: %N ek fails the FIPS 203 7.2 check (%s): refused",
			 key_exchange_method_names, this->method, pqike_strerror(rc));
		return FALSE;
	}
	rc = pqike_mlkem_respond((uint16_t)this->method, ek.ptr, ek.len, this->pub,
							 sizeof(this->pub), &this->pub_len, this->ss, sizeof(this->ss),
							 &ss_len);
	if (rc != PQIKE_OK || ss_len != sizeof(this->ss))
	{
		DBG1(DBG_LIB, "pqike-mlkem: %N encapsulation failed: %s",
			 key_exchange_method_names, this->method, pqike_strerror(rc));
		memwipe(this->ss, sizeof(this->ss));
		return FALSE;
	}
	this->computed = TRUE;
	return TRUE;
}

/**
 * Initiator: decapsulate the responder's ct.
 */
static bool finish(private_pqike_mlkem_ke_t *this, chunk_t ct)
{
	size_t ss_len = 0;
	int rc;

	if (ct.len != this->sizes.ct_size)
	{
		DBG1(DBG_LIB, "pqike-mlkem: %N ct has %zu octets, expected %zu: refused",
			 key_exchange_method_names, this->method, ct.len, this->sizes.ct_size);
		return FALSE;
	}
	rc = pqike_mlkem_initiator_finish(&this->initiator, ct.ptr, ct.len, this->ss,
									  sizeof(this->ss), &ss_len);
	if (rc != PQIKE_OK || ss_len != sizeof(this->ss))
	{
		DBG1(DBG_LIB, "pqike-mlkem: %N decapsulation failed: %s",
			 key_exchange_method_names, this->method, pqike_strerror(rc));
		memwipe(this->ss, sizeof(this->ss));
		return FALSE;
	}
	/* pqike wiped the private key after success; the handle is wiped again on destroy */
	this->computed = TRUE;
	return TRUE;
}

METHOD(key_exchange_t, set_public_key, bool,
	private_pqike_mlkem_ke_t *this, chunk_t value)
{
	bool ok;

	if (this->failed || this->computed)
	{	/* a second peer value for one exchange is refused */
		this->failed = TRUE;
		return FALSE;
	}
	switch (this->role)
	{
		case ROLE_UNKNOWN:
			ok = respond(this, value);
			break;
		case ROLE_INITIATOR:
			ok = finish(this, value);
			break;
		default:
			ok = FALSE;
			break;
	}
	if (!ok)
	{
		this->failed = TRUE;
	}
	return ok;
}

METHOD(key_exchange_t, get_shared_secret, bool,
	private_pqike_mlkem_ke_t *this, chunk_t *secret)
{
	if (!this->computed || this->failed)
	{
		return FALSE;
	}
	*secret = chunk_clone(chunk_create(this->ss, sizeof(this->ss)));
	return TRUE;
}

METHOD(key_exchange_t, set_private_key, bool,
	private_pqike_mlkem_ke_t *this, chunk_t value)
{
	/* a 64-octet seed d || z for the initiator's key pair (known-answer tests only) */
	int rc;

	if (this->role != ROLE_UNKNOWN || value.len != PQIKE_MLKEM_KEYGEN_SEED_SIZE)
	{
		return FALSE;
	}
	rc = pqike_mlkem_initiator_start_seeded(&this->initiator, (uint16_t)this->method,
						value.ptr, value.len, this->pub, sizeof(this->pub), &this->pub_len);
	if (rc != PQIKE_OK)
	{
		return FALSE;
	}
	this->role = ROLE_INITIATOR;
	return TRUE;
}

METHOD(key_exchange_t, get_method, key_exchange_method_t,
	private_pqike_mlkem_ke_t *this)
{
	return this->method;
}

METHOD(key_exchange_t, destroy, void,
	private_pqike_mlkem_ke_t *this)
{
	/* the decapsulation key (pqike zeroizes the handle) and the shared secret */
	pqike_mlkem_initiator_wipe(&this->initiator);
	memwipe(this->ss, sizeof(this->ss));
	free(this);
}

/*
 * Described in header
 */
key_exchange_t *pqike_mlkem_ke_create(key_exchange_method_t method, ...)
{
	private_pqike_mlkem_ke_t *this;
	pqike_kem_sizes sizes;

	if (method < PQIKE_MLKEM_512 || method > PQIKE_MLKEM_1024 ||
		pqike_mlkem_sizes((uint16_t)method, &sizes) != PQIKE_OK)
	{
		return NULL;
	}
	/* INIT zeroes the object (the pqike handle starts empty); malloc's 16-octet alignment
	 * on glibc/x86-64 covers the handle's _Alignas(16) */
	INIT(this,
		.public = {
			.get_shared_secret = _get_shared_secret,
			.set_public_key = _set_public_key,
			.get_public_key = _get_public_key,
			.set_private_key = _set_private_key,
			.get_method = _get_method,
			.destroy = _destroy,
		},
		.method = method,
		.sizes = sizes,
	);
	return &this->public;
}
