// SPDX-License-Identifier: MIT
// Counts calls to operator new, for the "allocates nothing" tests and the benchmarks'
// allocs/iter counter: it replaces the global operator new and delete, so include it in exactly
// one translation unit of an executable (every tests/unit suite and every bench is one).
// Calls are counted while g_counting is true: set it around the code under test and check
// g_news afterwards (or compare g_news before and after while counting stays on).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

namespace {
std::size_t g_news = 0;
bool g_counting = false;
void* counted_alloc(std::size_t n) {
    if (g_counting) ++g_news;
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    std::abort();
}
}  // namespace

// g++ 12 at -O2+ pairs the inlined replacement delete with malloc and warns; the pair is ours.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
