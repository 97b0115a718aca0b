// SPDX-License-Identifier: MIT
// Every concept a user implements or supplies, in one place (include/pqike/policy/): the
// random source, hashes, PRFs, KEMs, DH groups, SK ciphers, key exchange methods and the suite an
// exchange helper runs with. The reference implementations live in crypto/, the OpenSSL ones in
// adapters/; neither is needed to use these.
#pragma once

#include "policy/dh_group.hpp"
#include "policy/hash.hpp"
#include "policy/ke_method.hpp"
#include "policy/ke_sizes.hpp"
#include "policy/kem.hpp"
#include "policy/prf.hpp"
#include "policy/rng.hpp"
#include "policy/sk_cipher.hpp"
#include "policy/suite.hpp"
