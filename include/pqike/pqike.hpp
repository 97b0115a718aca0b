// Umbrella header: everything pqike offers without optional dependencies.
#pragma once

#include "version.hpp"
#include "result.hpp"
#include "bytes.hpp"
#include "secret.hpp"
#include "hex.hpp"
// IKEv2 wire codec: IANA registries
#include "wire/registry.hpp"
#include "wire/exchange_type.hpp"
#include "wire/payload_type.hpp"
#include "wire/transform.hpp"
#include "wire/ke_method.hpp"
#include "wire/protocol_id.hpp"
#include "wire/notify_type.hpp"
#include "crypto/keccak.hpp"
#include "crypto/sha3.hpp"
#include "crypto/sha2.hpp"
#include "crypto/hmac.hpp"
#include "wire/header.hpp"
#include "wire/payload_chain.hpp"
