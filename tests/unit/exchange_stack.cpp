// SPDX-License-Identifier: MIT
// What a production stack needs of the exchange helpers beyond the protocol itself (issue #23),
// one translation unit so the helpers are instantiated once for all of it:
//   exchange_stack/memory.hpp        state kept between datagrams, the fragment pool
//   exchange_stack/extensions.hpp    extra payloads in, unconsumed payloads out
//   exchange_stack/retransmit.hpp    repeated requests, reassembly in progress, Delete
//   exchange_stack/suite_select.hpp  one responder for several IKE suites
#include "exchange_stack/memory.hpp"
#include "exchange_stack/extensions.hpp"
#include "exchange_stack/retransmit.hpp"
#include "exchange_stack/suite_select.hpp"
