// SPDX-License-Identifier: MIT
// The initial exchanges of an IKE SA with multiple key exchanges, sans-I/O, both roles:
//
//   IKE_SA_INIT       HDR, SA, KE, Ni, N(FRAG_SUP), N(INT_SUP)  -->   (RFC 7296 §1.2, RFC 9242 §3.1)
//                     <--  HDR, SA, KE, Nr, N(FRAG_SUP), N(INT_SUP)      [or N(INVALID_KE_PAYLOAD): retry]
//   IKE_INTERMEDIATE  HDR, SK {KE(ADDKEn)}  -->                   one per non-NONE ADDKE, in order
//                     <--  HDR, SK {KE}                            (RFC 9370 §2.2.2)
//                     keys: stage n = SKEYSEED(n) from stage n-1 and SK(n); IntAuth accumulated
//   IKE_AUTH          HDR, SK {IDi, AUTH, [SA, TSi, TSr]}  -->     (PSK; signed octets | IntAuth)
//                     <--  HDR, SK {IDr, AUTH, [SA, TSi, TSr]}
//
// Protected messages are fragmented (RFC 7383) when both peers announced it and a message is
// larger than the configured size; fragments are reassembled on receipt, in a slot borrowed
// from a fragment pool only while a message is incomplete (workspace.hpp). What a helper keeps
// between datagrams is its state alone (keys, nonces, the AUTH computations begun at
// IKE_SA_INIT, a few KB); buffers needed while one datagram is handled are the thread's
// workspace. No heap.
//
// Rejections. A message that is malformed, unauthentic, or not the expected one (exchange type,
// Message ID, Response/Initiator flags, SPIs) is dropped: the call returns the error and the
// helper's state is unchanged. An authenticated message that breaks the protocol ends the
// attempt (state failed): the initiator aborts without a notify (e.g. a ciphertext of the wrong
// length, draft-ietf-ipsecme-ikev2-mlkem §2); the responder answers with an error notify
// (outgoing::refused), e.g. INVALID_SYNTAX for an ek failing the FIPS 203 §7.2 check
// (configurable to NO_PROPOSAL_CHOSEN, what strongSwan sends). Unauthenticated IKE_SA_INIT
// errors keep the helper waiting (RFC 7296 §2.21.1: they may be forged); INVALID_KE_PAYLOAD is
// retried at most once per offered method (kex::ke_retry).
#pragma once

// initial_config.hpp: configuration, states, snapshot; initial_context.hpp: what both roles
// share; initial_initiator.hpp / initial_responder.hpp: one type per role, one per state.
#include "initial_config.hpp"
#include "initial_context.hpp"
#include "initial_initiator.hpp"
#include "initial_responder.hpp"
