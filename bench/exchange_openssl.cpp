// SPDX-License-Identifier: MIT
// CPU per side of a complete initial exchange and of an IKE SA rekey, next to the bare key
// exchange operations (the bodies and what they measure: bench/exchange_bodies.hpp).
// Run with --benchmark_repetitions=5 --benchmark_report_aggregates_only=true for medians.
#include "exchange_bodies.hpp"
