// SPDX-License-Identifier: MIT
// Hex helpers for tests, tools and diagnostics (not for secrets in production logs).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "../bytes.hpp"

namespace pqike::hex {

constexpr int digit_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decode into a caller buffer; returns the number of bytes written. Whitespace and ':' between
// byte pairs are ignored (so Wireshark and log dumps paste directly).
constexpr result<std::size_t> decode_to(std::string_view text, mut_bytes out) noexcept {
    std::size_t n = 0;
    int hi = -1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (hi < 0 && (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ':')) continue;
        const int v = digit_value(c);
        if (v < 0) return error{errc::invalid_hex, "hex", i};
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n >= out.size()) return error{errc::buffer_too_small, "hex", i};
        out[n++] = static_cast<std::byte>((hi << 4) | v);
        hi = -1;
    }
    if (hi >= 0) return error{errc::invalid_hex, "hex", text.size()};
    return n;
}

// Decode into a vector (tools and tests only); empty optional-like result on error.
inline result<std::vector<std::byte>> decode(std::string_view text) {
    std::vector<std::byte> v(text.size() / 2 + 1);
    auto r = decode_to(text, v);
    if (!r) return r.error();
    v.resize(*r);
    return v;
}

inline void encode_to(bytes_view b, std::string& out) {
    static constexpr char digits[] = "0123456789abcdef";
    out.reserve(out.size() + b.size() * 2);
    for (std::byte x : b) {
        const auto u = std::to_integer<unsigned>(x);
        out.push_back(digits[u >> 4]);
        out.push_back(digits[u & 15]);
    }
}
inline std::string encode(bytes_view b) {
    std::string s;
    encode_to(b, s);
    return s;
}

}  // namespace pqike::hex
