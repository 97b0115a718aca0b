// SPDX-License-Identifier: MIT
// The wire codec benchmarks compiled the way an IKE daemon compiles the library: one unit that
// includes all of pqike (pqike.hpp), the exchange helpers and the OpenSSL adapters, and also
// runs them (the exchange bodies: ML-KEM, HMAC, the key schedule, SK protection), so the
// compiler weighs the codec among everything else. The codec figures here must match those of
// bench/wire.cpp (the same bodies, bench/wire_bodies.hpp) within noise; the floors are there.
//   cmake --preset clang && cmake --build build/clang --target bench_daemon_tu
//   build/clang/bench/bench_daemon_tu --benchmark_filter='ike_sa_init|intermediate_mlkem1024'
#include <pqike/pqike.hpp>
#include <pqike/adapters/openssl.hpp>

#include "exchange_bodies.hpp"
#include "wire_bodies.hpp"
