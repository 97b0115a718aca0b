// SPDX-License-Identifier: MIT
// Consumer smoke test: the umbrella header compiles and the library works from a user's build.
#include <pqike/pqike.hpp>

#include <cstdio>

int main() {
    const std::byte data[] = {std::byte{0x01}, std::byte{0x02}};
    pqike::reader r{data};
    const auto v = r.u16();
    if (!r.close().ok() || v != 0x0102) return 1;
    std::printf("pqike %s consumer ok\n", pqike::version_string);
    return 0;
}
