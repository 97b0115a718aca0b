// SPDX-License-Identifier: MIT
// Policy: an incremental hash. H h; h.update(part)...; h.finish(out). Sizes are compile-time
// constants so outputs are fixed-extent spans.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>

#include "../bytes.hpp"

namespace pqike::policy {

template <class H>
concept HashSizes = requires {
    { H::digest_size } -> std::convertible_to<std::size_t>;
    { H::block_size } -> std::convertible_to<std::size_t>;
};

template <class H>
concept HashIncremental = requires(H& h, bytes_view in, std::span<std::byte, H::digest_size> out) {
    h.update(in);
    h.finish(out);
};

template <class H>
concept Hash = std::default_initializable<H> && HashSizes<H> && HashIncremental<H>;

}  // namespace pqike::policy
