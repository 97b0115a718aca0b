// SPDX-License-Identifier: MIT
// Counts calls to operator new, for the "allocates nothing" suites: it replaces the global
// operator new and delete, so include it in exactly one translation unit of a test executable
// (every suite in tests/unit is an executable of its own). Set g_counting around the code under
// test and check g_news afterwards.
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

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
