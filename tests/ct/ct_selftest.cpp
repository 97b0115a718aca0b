// SPDX-License-Identifier: MIT
// Self-test of the constant-time harness: each mode poisons a secret with ct::secret and then
// does one thing. "branch" and "index" leak (a branch on the secret, a table lookup indexed by
// it) and memcheck MUST report them; "clean" computes the same values with masks and must not
// be reported. scripts/checks.d/ct.sh runs all three and fails if any expectation is not met.
#include <cstdio>
#include <cstring>

#include <pqike/secret.hpp>

namespace {

unsigned char secret_byte[1] = {0x5b};
volatile unsigned char table[256];
volatile unsigned sink;

__attribute__((noinline)) unsigned leak_branch(const unsigned char* s) {
    // Branch on a secret bit; the asm statement on one side only keeps the compiler from
    // turning it into a branch-free select.
    if (s[0] & 1) {
        __asm__ __volatile__("" ::: "memory");
        sink = 3;
    } else {
        sink = 7;
    }
    return sink;
}

__attribute__((noinline)) unsigned leak_index(const unsigned char* s) {
    return table[s[0]];  // memory address depends on the secret
}

__attribute__((noinline)) unsigned clean_select(const unsigned char* s) {
    const unsigned mask = 0u - (s[0] & 1u);  // all-ones if the bit is set
    return (3u & mask) | (7u & ~mask);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    for (unsigned i = 0; i < 256; ++i) table[i] = static_cast<unsigned char>(i * 3);
    pqike::ct::secret(secret_byte, sizeof secret_byte);
    unsigned r = 0;
    if (std::strcmp(argv[1], "branch") == 0)
        r = leak_branch(secret_byte);
    else if (std::strcmp(argv[1], "index") == 0)
        r = leak_index(secret_byte);
    else if (std::strcmp(argv[1], "clean") == 0)
        r = clean_select(secret_byte);
    else
        return 2;
    pqike::ct::declassify(&r, sizeof r);  // printing the result is not the leak under test
    std::printf("%s -> %u\n", argv[1], r);
    return 0;
}
