// SPDX-License-Identifier: MIT
// Secrets: a wipe the optimizer cannot drop, constant-time comparison and selection, a
// fixed-capacity self-wiping container, and the annotations of the constant-time test build.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "bytes.hpp"
#include "config.hpp"

#if defined(PQIKE_CT_TESTING)
#include <valgrind/memcheck.h>
#endif

namespace pqike {

// Overwrite with zeros. The asm barrier tells the compiler the memory is read afterwards, so
// the memset cannot be removed as dead (BoringSSL's OPENSSL_cleanse, explicit_bzero's fallback).
// A plain memset keeps wiping cheap enough for the key schedule's hot path (a volatile byte loop
// cost ~20% of an SKEYSEED(n) stage).
inline void secure_zeroize(void* p, std::size_t n) noexcept {
    if (n == 0) return;
    std::memset(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
}
inline void secure_zeroize(mut_bytes b) noexcept { secure_zeroize(b.data(), b.size()); }

// Constant-time equality: time depends only on the lengths, which are public.
inline bool ct_equal(bytes_view a, bytes_view b) noexcept {
    if (a.size() != b.size()) return false;
    unsigned acc = 0;
    for (std::size_t i = 0; i < a.size(); ++i) acc |= std::to_integer<unsigned>(a[i] ^ b[i]);
    // Launder through an empty asm so the compiler cannot turn the loop into an early exit.
    __asm__("" : "+r"(acc));
    return acc == 0;
}

namespace ct {

// All-ones mask if x == 0, else 0; no branch.
constexpr std::uint32_t mask_is_zero(std::uint32_t x) noexcept {
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(x) - 1) >> 32);
}

// Constant-time testing (SCHEME: valgrind memcheck). In a PQIKE_CT_TESTING build, `secret`
// marks bytes as undefined so any branch or index on them is reported; `declassify` marks
// deliberately public results (ciphertexts, public keys, a final accept bit) as defined.
// In every other build both are no-ops.
inline void secret(const void* p, std::size_t n) noexcept {
#if defined(PQIKE_CT_TESTING)
    VALGRIND_MAKE_MEM_UNDEFINED(p, n);
#else
    (void)p;
    (void)n;
#endif
}
inline void declassify(const void* p, std::size_t n) noexcept {
#if defined(PQIKE_CT_TESTING)
    VALGRIND_MAKE_MEM_DEFINED(p, n);
#else
    (void)p;
    (void)n;
#endif
}
inline void secret(bytes_view b) noexcept { secret(b.data(), b.size()); }
inline void declassify(bytes_view b) noexcept { declassify(b.data(), b.size()); }

}  // namespace ct

// Fixed-capacity secret bytes: inline storage plus a used length, wiped on destruction and on
// every reassignment. Never heap-allocated by pqike.
template <std::size_t Capacity>
class secret_bytes {
public:
    static constexpr std::size_t capacity = Capacity;

    secret_bytes() noexcept = default;
    explicit secret_bytes(bytes_view b) noexcept { (void)assign(b); }
    // Copies take the whole fixed-size array: a few vector moves, no call, and the old contents
    // are overwritten entirely, so no separate wipe is needed.
    secret_bytes(const secret_bytes& o) noexcept : data_(o.data_), size_(o.size_) {}
    secret_bytes& operator=(const secret_bytes& o) noexcept {
        data_ = o.data_;
        size_ = o.size_;
        return *this;
    }
    ~secret_bytes() { wipe(); }

    // Replace the contents; fails (and leaves the container empty) if b is too long.
    [[nodiscard]] bool assign(bytes_view b) noexcept {
        wipe();
        if (b.size() > Capacity) return false;
        if (!b.empty()) std::memcpy(data_.data(), b.data(), b.size());  // a byte loop stays unvectorised
        size_ = b.size();
        return true;
    }
    // Set the used length without touching contents (for filling through span()); wipes first.
    [[nodiscard]] bool resize(std::size_t n) noexcept {
        wipe();
        if (n > Capacity) return false;
        size_ = n;
        return true;
    }
    void wipe() noexcept {
        secure_zeroize(data_.data(), data_.size());
        size_ = 0;
    }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    bytes_view view() const noexcept { return {data_.data(), size_}; }
    mut_bytes span() noexcept { return {data_.data(), size_}; }
    const std::byte* data() const noexcept { return data_.data(); }
    std::byte* data() noexcept { return data_.data(); }

    // Constant-time comparison (lengths are public).
    bool ct_equals(bytes_view other) const noexcept { return ct_equal(view(), other); }
    friend bool operator==(const secret_bytes& a, const secret_bytes& b) noexcept {
        return ct_equal(a.view(), b.view());
    }

private:
    std::array<std::byte, Capacity> data_{};
    std::size_t size_ = 0;
};

// Fixed-size secret array (exactly N bytes, e.g. an ML-KEM shared secret), wiped on destruction.
template <std::size_t N>
class secret_array {
public:
    static constexpr std::size_t size_bytes = N;
    secret_array() noexcept = default;
    secret_array(const secret_array& o) noexcept : data_(o.data_) {}
    secret_array& operator=(const secret_array& o) noexcept {
        if (this != &o) data_ = o.data_;
        return *this;
    }
    ~secret_array() { secure_zeroize(data_.data(), N); }

    std::span<const std::byte, N> view() const noexcept { return std::span<const std::byte, N>(data_); }
    std::span<std::byte, N> span() noexcept { return std::span<std::byte, N>(data_); }
    static constexpr std::size_t size() noexcept { return N; }
    const std::byte* data() const noexcept { return data_.data(); }
    std::byte* data() noexcept { return data_.data(); }
    friend bool operator==(const secret_array& a, const secret_array& b) noexcept {
        return ct_equal(a.view(), b.view());
    }

private:
    std::array<std::byte, N> data_{};
};

}  // namespace pqike
