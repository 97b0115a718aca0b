// SPDX-License-Identifier: MIT
// Fuzz the payload-chain cursor. Input: first octet = type of the first payload, the rest = the
// chain region. Accepted chains are rebuilt with chain_builder and must equal the input.
#include <pqike/wire/payload_chain.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace pqike;
using namespace pqike::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto first = static_cast<payload_type>(data[0]);
    const bytes_view region = as_bytes_view(data + 1, size - 1);
    std::array<raw_payload, 16> got{};
    std::size_t n = 0;
    chain_cursor c{first, region, 1, chain_limits{got.size()}};
    while (!c.done()) {
        auto p = c.next();
        if (!p) {
            if (!c.done()) std::abort();  // an error ends the walk
            return 0;
        }
        if (p->offset < 1 || p->offset + p->length() > size) std::abort();
        got[n++] = *p;
    }
    if (n > got.size()) std::abort();
    // Rebuild: [first type octet][chain], the builder patches the first type into octet 0.
    std::vector<std::byte> out(size);
    writer w{out};
    w.u8(0xff);
    chain_builder b{w, 0};
    for (std::size_t i = 0; i < n; ++i) b.add(got[i]);
    if (!b.finish().ok()) std::abort();
    if (n == 0) w.patch_u8(0, data[0]);  // an empty chain keeps its announced type (NONE)
    if (w.size() != size || std::memcmp(out.data(), data, size) != 0) std::abort();
    chain_cursor again{first, bytes_view{out}.subspan(1), 1, chain_limits{got.size()}};
    std::size_t m = 0;
    while (!again.done()) {
        if (!again.next()) std::abort();
        ++m;
    }
    if (m != n) std::abort();
    // The critical check never fails for a known type.
    for (std::size_t i = 0; i < n; ++i)
        if (is_known(got[i].type) && !check_critical(got[i]).ok()) std::abort();
    return 0;
}
