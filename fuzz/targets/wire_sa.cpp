// SPDX-License-Identifier: MIT
// Fuzz the SA decoder: never crashes; an accepted SA re-encodes (through sa_builder) to the same
// bytes and its cursors walk without errors.
#include <pqike/wire/sa.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace pqike;
using namespace pqike::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bytes_view in = as_bytes_view(data, size);
    auto sa = sa_view::decode(in, 4);
    if (!sa) {
        if (sa.error().offset < 4 || sa.error().offset > size + 4) std::abort();
        return 0;
    }
    std::vector<std::byte> out(size);
    writer w{out};
    sa->encode(w);
    if (!w.finish().ok() || w.size() != size || std::memcmp(out.data(), data, size) != 0)
        std::abort();
    std::size_t transforms = 0;
    auto pc = sa->proposal_list();
    while (!pc.done()) {
        auto p = pc.next();
        if (!p) std::abort();
        auto tc = p->transform_list();
        std::size_t k = 0;
        while (!tc.done()) {
            auto t = tc.next();
            if (!t) std::abort();
            (void)t->key_length();
            ++k;
        }
        if (k != p->num_transforms) std::abort();
        transforms += k;
    }
    if (transforms == 0) std::abort();
    if (!sa_view::decode(out)) std::abort();
    return 0;
}
