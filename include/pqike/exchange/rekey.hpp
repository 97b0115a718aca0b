// SPDX-License-Identifier: MIT
// Rekeying with multiple key exchanges on an established IKE SA, sans-I/O, both roles
// (RFC 7296 §1.3, RFC 9370 §2.2.3-2.2.4):
//
//   CREATE_CHILD_SA  HDR, SK {[N(REKEY_SA)], SA, Ni, KE, [TSi, TSr]}  -->
//                    <--  HDR, SK {SA, Nr, KE, [TSi, TSr], [N(ADDITIONAL_KEY_EXCHANGE)(link)]}
//   IKE_FOLLOWUP_KE  HDR, SK {KE, N(ADDITIONAL_KEY_EXCHANGE)(link)}  -->   one per non-NONE ADDKE
//                    <--  HDR, SK {KE, [N(ADDITIONAL_KEY_EXCHANGE)(link')]}  (the last one: no link)
//
// The link is opaque, chosen by the responder, of any length (rekey_config::link_size); an
// IKE_FOLLOWUP_KE whose link the responder does not hold is answered with N(STATE_NOT_FOUND).
// Result: the Child SA's KEYMAT = prf+(SK_d, SK(0) | Ni | Nr | SK(1) | ... | SK(n)), or the new
// IKE SA's keys from SKEYSEED = prf(SK_d, SK(0) | Ni | Nr | SK(1) | ... | SK(n)) with the new
// SPIs; the side that started the rekey is the new IKE SA's original initiator (RFC 7296 §2.18).
// Which kind runs follows from the proposals' protocol (IKE or ESP/AH).
//
// RFC 9867 PPKs (rekey_config::ppk, on an SA that negotiated USE_PPK_INT): the CREATE_CHILD_SA
// request carries N(PPK_IDENTITY_KEY) per offered PPK, the response N(PPK_IDENTITY) of the one
// chosen, and the exchange derives from SK_d' = prf+(PPK, SK_d) (exchange/ppk.hpp, keys/ppk.hpp).
//
// Rejections follow initial.hpp: messages that are unauthentic or not the expected ones are
// dropped with no state change. The responder answers a refused CREATE_CHILD_SA with an error
// notify (NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD with the method it wants, INVALID_SYNTAX) and
// stays ready for another request; the initiator retries INVALID_KE_PAYLOAD (kex::ke_retry).
#pragma once

// rekey_context.hpp: configuration, states, what both roles share; rekey_initiator.hpp /
// rekey_responder.hpp: one type per role, one per state.
#include "rekey_context.hpp"
#include "rekey_initiator.hpp"
#include "rekey_responder.hpp"
