// SPDX-License-Identifier: MIT
// Shared helpers for the keys_* suites: PRF selection by name/ID, fixed-extent views.
#pragma once

#include "common.hpp"

#include <array>
#include <span>
#include <string>
#include <vector>

#include <pqike/crypto/hmac.hpp>
#include <pqike/keys/ike_sa_keys.hpp>

namespace pqike::test {

// Calls f.template operator()<P>() with the HMAC PRF policy for a CAVS hash name.
template <class F>
void with_prf_named(const std::string& hash, F&& f) {
    if (hash == "SHA-1") f.template operator()<crypto::hmac_sha1>();
    else if (hash == "SHA-256") f.template operator()<crypto::hmac_sha256>();
    else if (hash == "SHA-384") f.template operator()<crypto::hmac_sha384>();
    else if (hash == "SHA-512") f.template operator()<crypto::hmac_sha512>();
    else FAIL("unknown hash " << hash);
}

// Same, by IKEv2 PRF transform ID.
template <class F>
void with_prf_id(unsigned id, F&& f) {
    if (id == 2) f.template operator()<crypto::hmac_sha1>();
    else if (id == 5) f.template operator()<crypto::hmac_sha256>();
    else if (id == 6) f.template operator()<crypto::hmac_sha384>();
    else if (id == 7) f.template operator()<crypto::hmac_sha512>();
    else FAIL("unknown PRF " << id);
}

// The seven keys of a stage concatenated in prf+ order.
template <class P>
byte_vec concat_keys(const keys::ike_sa_keys<P>& k) {
    byte_vec v;
    for (const bytes_view b : {k.sk_d(), k.sk_ai(), k.sk_ar(), k.sk_ei(), k.sk_er(), k.sk_pi(), k.sk_pr()})
        v.insert(v.end(), b.begin(), b.end());
    return v;
}

}  // namespace pqike::test
