// SPDX-License-Identifier: MIT
// Fuzz the hex decoder: never crashes, never writes past the buffer, and round-trips.
#include <pqike/tools/hex.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    std::array<std::byte, 64> out{};
    auto r = pqike::hex::decode_to(text, out);
    if (r) {
        const auto again = pqike::hex::encode({out.data(), *r});
        auto back = pqike::hex::decode(again);
        if (!back || back->size() != *r) std::abort();
    }
    return 0;
}
