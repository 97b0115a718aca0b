// SPDX-License-Identifier: MIT
// Policy: a key exchange method is a KEM or a DH group, never both (the two are driven
// differently: RFC 9370 §2.2, draft-ietf-ipsecme-ikev2-mlkem §2).
#pragma once

#include "dh_group.hpp"
#include "kem.hpp"

namespace pqike::policy {

template <class M>
concept KeMethod = (Kem<M> || DhGroup<M>) && !(Kem<M> && DhGroup<M>);

}  // namespace pqike::policy
