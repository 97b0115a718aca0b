// SPDX-License-Identifier: MIT
// Wire codec benchmarks with only the codec in this unit (bench/wire_bodies.hpp has the bodies
// and the floors; bench/daemon_tu.cpp times the same bodies inside the whole library).
#include "wire_bodies.hpp"
