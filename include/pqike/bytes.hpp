// SPDX-License-Identifier: MIT
// Byte core: a bounded reader, length-prefixed child readers with a strict close, a writer into
// the caller's buffer, and big-endian helpers. All of it is allocation-free and bounds-checked:
// a reader fails instead of reading past its end and stays failed, so a run of reads is checked
// once at the end. Lengths are compared as size_t counts, never as end pointers.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "result.hpp"

// Forces inlining of the few byte-core and wire helpers on the codec's hot path. Used only where
// measured to matter (bench/daemon_tu.cpp): in a translation unit holding the whole library g++
// otherwise stops inlining them and the codec runs at half speed.
#if defined(__GNUC__) || defined(__clang__)
#define PQIKE_HOT [[gnu::always_inline]]
#else
#define PQIKE_HOT
#endif

namespace pqike {

using bytes_view = std::span<const std::byte>;
using mut_bytes = std::span<std::byte>;

// Views over other byte-like storage (string literals in tests, uint8_t buffers of a stack).
inline bytes_view as_bytes_view(const void* p, std::size_t n) noexcept {
    return {static_cast<const std::byte*>(p), n};
}
inline mut_bytes as_mut_bytes(void* p, std::size_t n) noexcept {
    return {static_cast<std::byte*>(p), n};
}

// ---- bounded_bytes ----------------------------------------------------------------------------

// Public bytes of bounded length in inline storage (a nonce, a saved message). A copy moves only
// the used bytes and nothing zero-fills the rest, so a 256-octet slot holding a 32-octet nonce
// costs 32 octets to copy; storage past size() is never read. Secrets use secret_bytes instead.
template <std::size_t Capacity>
class bounded_bytes {
public:
    static constexpr std::size_t capacity = Capacity;

    bounded_bytes() noexcept = default;
    bounded_bytes(const bounded_bytes& o) noexcept { copy_from(o.view()); }
    bounded_bytes& operator=(const bounded_bytes& o) noexcept {
        if (this != &o) copy_from(o.view());
        return *this;
    }

    // Replace the contents; errc::buffer_too_small (value: b's size; contents unchanged) if b is
    // longer than Capacity.
    status assign(bytes_view b) noexcept {
        if (b.size() > Capacity) return {errc::buffer_too_small, "bounded_bytes", error_value{b.size()}};
        copy_from(b);
        return {};
    }

    // Make the contents n octets for the caller to write (an RNG draw) and return them; an empty
    // span, contents unchanged, if n is larger than Capacity.
    [[nodiscard]] mut_bytes resize_for_overwrite(std::size_t n) noexcept {
        if (n > Capacity) return {};
        size_ = n;
        return {data_.data(), n};
    }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    bytes_view view() const noexcept { return {data_.data(), size_}; }

private:
    void copy_from(bytes_view b) noexcept {
        if (!b.empty()) std::memcpy(data_.data(), b.data(), b.size());
        size_ = b.size();
    }
    std::array<std::byte, Capacity> data_;  // only [0, size_) is ever written before it is read
    std::size_t size_ = 0;
};

// ---- big-endian loads and stores on spans the caller has already bounded -------------------
// At run time one unaligned move plus a byte swap (memcpy + __builtin_bswap): built from single
// bytes, g++ merged neighbouring stores through the stack into one vector store, and the wide
// reload of the narrow stores stalled store forwarding on every IKE header written. Constant
// evaluation assembles the value byte by byte.

namespace detail_be {
template <class U>
PQIKE_HOT constexpr U swap_to_be(U v) noexcept {
    if constexpr (std::endian::native == std::endian::big) {
        return v;
    } else {
#if defined(__GNUC__) || defined(__clang__)
        if constexpr (sizeof(U) == 2) return static_cast<U>(__builtin_bswap16(v));
        else if constexpr (sizeof(U) == 4) return static_cast<U>(__builtin_bswap32(v));
        else return static_cast<U>(__builtin_bswap64(v));
#else
        U r = 0;
        for (std::size_t k = 0; k < sizeof(U); ++k) r = static_cast<U>((r << 8) | ((v >> (8 * k)) & 0xffu));
        return r;
#endif
    }
}
template <class U>
PQIKE_HOT constexpr U load_be(const std::byte* p) noexcept {
    if (std::is_constant_evaluated()) {
        U v = 0;
        for (std::size_t k = 0; k < sizeof(U); ++k)
            v = static_cast<U>((v << 8) | std::to_integer<std::uint8_t>(p[k]));
        return v;
    }
    U v;
    std::memcpy(&v, p, sizeof v);
    return swap_to_be(v);
}
template <class U>
PQIKE_HOT constexpr void store_be(std::byte* p, U v) noexcept {
    if (std::is_constant_evaluated()) {
        for (std::size_t k = 0; k < sizeof(U); ++k)
            p[k] = static_cast<std::byte>(v >> (8 * (sizeof(U) - 1 - k)));
        return;
    }
    v = swap_to_be(v);
    std::memcpy(p, &v, sizeof v);
}
}  // namespace detail_be

PQIKE_HOT constexpr std::uint16_t load_be16(const std::byte* p) noexcept {
    return detail_be::load_be<std::uint16_t>(p);
}
PQIKE_HOT constexpr std::uint32_t load_be32(const std::byte* p) noexcept {
    return detail_be::load_be<std::uint32_t>(p);
}
PQIKE_HOT constexpr std::uint64_t load_be64(const std::byte* p) noexcept {
    return detail_be::load_be<std::uint64_t>(p);
}
PQIKE_HOT constexpr void store_be16(std::byte* p, std::uint16_t v) noexcept { detail_be::store_be(p, v); }
PQIKE_HOT constexpr void store_be32(std::byte* p, std::uint32_t v) noexcept { detail_be::store_be(p, v); }
PQIKE_HOT constexpr void store_be64(std::byte* p, std::uint64_t v) noexcept { detail_be::store_be(p, v); }

// ---- little-endian 64-bit words (Keccak lanes, FIPS 202 §B.1) ------------------------------
// The one place byte order meets a host integer for little-endian data. A run-time call is one
// unaligned 8-byte move (memcpy), plus a byte swap on big-endian hosts (s390x: one
// load-reversed instruction); the hot sponge loops rely on that being a plain load on x86-64
// and ARM. The byte order is chosen by std::endian::native at compile time; constant
// evaluation assembles the word from its bytes.

// (No namespace detail here: code that uses both pqike and pqike::crypto would find two.)
constexpr std::uint64_t byteswap64(std::uint64_t v) noexcept {  // std::byteswap is C++23
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_bswap64(v);
#else
    std::uint64_t r = 0;
    for (std::size_t k = 0; k < 8; ++k) r = (r << 8) | ((v >> (8 * k)) & 0xffu);
    return r;
#endif
}

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big,
              "mixed-endian hosts are not supported");

constexpr std::uint64_t load_le64(const std::byte* p) noexcept {
    if (std::is_constant_evaluated()) {
        std::uint64_t v = 0;
        for (std::size_t k = 0; k < 8; ++k) v |= std::uint64_t{std::to_integer<std::uint8_t>(p[k])} << (8 * k);
        return v;
    }
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::big) v = byteswap64(v);
    return v;
}
constexpr void store_le64(std::byte* p, std::uint64_t v) noexcept {
    if (std::is_constant_evaluated()) {
        for (std::size_t k = 0; k < 8; ++k) p[k] = static_cast<std::byte>(v >> (8 * k));
        return;
    }
    if constexpr (std::endian::native == std::endian::big) v = byteswap64(v);
    std::memcpy(p, &v, sizeof v);
}

// ---- reader ---------------------------------------------------------------------------------

// A non-owning cursor over a byte region. Every read either succeeds completely or puts the
// reader in a failed state in which all further reads fail and return zero/empty values.
// `base_offset` lets a child reader report offsets relative to the outermost input.
class reader {
public:
    constexpr reader() noexcept = default;
    constexpr explicit reader(bytes_view data, std::size_t base_offset = 0) noexcept
        : data_(data), base_(base_offset) {}

    constexpr std::size_t remaining() const noexcept { return failed_ ? 0 : data_.size() - pos_; }
    constexpr bool empty() const noexcept { return remaining() == 0; }
    constexpr bool failed() const noexcept { return failed_; }
    constexpr bool ok() const noexcept { return !failed_; }
    // Offset of the next unread byte, relative to the outermost input.
    constexpr std::size_t offset() const noexcept { return base_ + pos_; }
    // The bytes not yet read (empty once failed).
    constexpr bytes_view rest() const noexcept {
        return failed_ ? bytes_view{} : data_.subspan(pos_);
    }
    // Everything this reader covers, read or not.
    constexpr bytes_view whole() const noexcept { return data_; }

    // One success convention for the byte core: reads are sticky (a failed read poisons the
    // reader; ok() or close() tells), writes likewise (writer::ok() or finish()), and only
    // close()/finish() turn that into a status. skip and copy_to follow it.
    constexpr void skip(std::size_t n) noexcept { (void)take(n); }

    [[nodiscard]] constexpr std::uint8_t u8() noexcept {
        auto s = take(1);
        return s.empty() ? 0 : std::to_integer<std::uint8_t>(s[0]);
    }
    [[nodiscard]] constexpr std::uint16_t u16() noexcept {
        auto s = take(2);
        return s.empty() ? 0 : load_be16(s.data());
    }
    [[nodiscard]] constexpr std::uint32_t u32() noexcept {
        auto s = take(4);
        return s.empty() ? 0 : load_be32(s.data());
    }
    [[nodiscard]] constexpr std::uint64_t u64() noexcept {
        auto s = take(8);
        return s.empty() ? 0 : load_be64(s.data());
    }
    // n bytes as a view into the input, or an empty view and the failed state.
    [[nodiscard]] PQIKE_HOT constexpr bytes_view bytes(std::size_t n) noexcept { return take(n); }
    // All remaining bytes.
    [[nodiscard]] PQIKE_HOT constexpr bytes_view bytes_rest() noexcept { return take(remaining()); }
    // The next n bytes as a pointer, for a fixed-size header read field by field with load_be*:
    // one bounds check for the whole header instead of one per field. nullptr (and the failed
    // state) if fewer remain.
    [[nodiscard]] PQIKE_HOT constexpr const std::byte* fixed(std::size_t n) noexcept {
        return take(n).data();
    }
    // Copy exactly out.size() bytes (nothing, and the failed state, if fewer remain).
    constexpr void copy_to(mut_bytes out) noexcept {
        auto s = take(out.size());
        if (!ok()) return;
        for (std::size_t i = 0; i < s.size(); ++i) out[i] = s[i];
    }

    // A child reader over the next n bytes; the parent advances past them.
    [[nodiscard]] constexpr reader child(std::size_t n) noexcept {
        const std::size_t at = offset();
        auto s = take(n);
        reader c{s, at};
        c.failed_ = failed_;
        return c;
    }
    // Child readers for regions prefixed by a big-endian length of 1, 2 or 4 octets.
    [[nodiscard]] constexpr reader child_u8() noexcept { return child(u8()); }
    [[nodiscard]] constexpr reader child_u16() noexcept { return child(u16()); }
    [[nodiscard]] constexpr reader child_u32() noexcept { return child(u32()); }

    // Strict close: the region must have been read completely and without failure.
    constexpr status close(const char* field = "") const noexcept {
        if (failed_) return status{errc::truncated, field, offset()};
        if (pos_ != data_.size()) return status{errc::trailing_data, field, offset()};
        return {};
    }

    // Force the failed state (for semantic checks that should poison a run of reads).
    constexpr void fail() noexcept { failed_ = true; }

private:
    PQIKE_HOT constexpr bytes_view take(std::size_t n) noexcept {
        if (failed_ || n > data_.size() - pos_) {
            failed_ = true;
            return {};
        }
        auto s = data_.subspan(pos_, n);
        pos_ += n;
        return s;
    }

    bytes_view data_{};
    std::size_t pos_ = 0;
    std::size_t base_ = 0;
    bool failed_ = false;
};

// ---- writer ---------------------------------------------------------------------------------

// Writes into a caller-provided buffer and never allocates. On overflow it stops writing but
// keeps counting, so `needed()` tells the caller how large a buffer the encoding requires.
class writer {
public:
    constexpr explicit writer(mut_bytes out) noexcept : out_(out) {}

    constexpr bool ok() const noexcept { return need_ <= out_.size(); }
    constexpr bool overflowed() const noexcept { return !ok(); }
    // Bytes written so far (valid only while ok()).
    constexpr std::size_t size() const noexcept { return need_; }
    // Size the complete encoding needs, even after overflow.
    constexpr std::size_t needed() const noexcept { return need_; }
    constexpr std::size_t capacity() const noexcept { return out_.size(); }
    // The bytes written, or empty on overflow.
    constexpr bytes_view written() const noexcept {
        return ok() ? bytes_view{out_.data(), need_} : bytes_view{};
    }
    constexpr mut_bytes buffer() const noexcept { return out_; }

    constexpr void u8(std::uint8_t v) noexcept {
        if (auto* p = grab(1)) p[0] = static_cast<std::byte>(v);
    }
    constexpr void u16(std::uint16_t v) noexcept {
        if (auto* p = grab(2)) store_be16(p, v);
    }
    constexpr void u32(std::uint32_t v) noexcept {
        if (auto* p = grab(4)) store_be32(p, v);
    }
    constexpr void u64(std::uint64_t v) noexcept {
        if (auto* p = grab(8)) store_be64(p, v);
    }
    PQIKE_HOT constexpr void bytes(bytes_view b) noexcept {
        if (auto* p = grab(b.size())) {
            if (std::is_constant_evaluated()) {
                for (std::size_t i = 0; i < b.size(); ++i) p[i] = b[i];
            } else if (!b.empty()) {
                std::memcpy(p, b.data(), b.size());
            }
        }
    }
    // Room for n bytes the caller fills at once (a fixed-size header, stored with store_be*):
    // one bounds check instead of one per field. A pointer into the buffer, or nullptr when they
    // do not fit; the count grows either way, as for every write.
    [[nodiscard]] PQIKE_HOT constexpr std::byte* room(std::size_t n) noexcept { return grab(n); }
    constexpr void zeros(std::size_t n) noexcept {
        if (auto* p = grab(n))
            for (std::size_t i = 0; i < n; ++i) p[i] = std::byte{0};
    }
    // Reserve n bytes to be filled later (e.g. a length); returns their offset. The bytes are
    // set to 0xff so an abandoned encoding cannot look like a valid one.
    constexpr std::size_t reserve(std::size_t n) noexcept {
        const std::size_t at = need_;
        if (auto* p = grab(n))
            for (std::size_t i = 0; i < n; ++i) p[i] = std::byte{0xff};
        return at;
    }
    // Patch a previously reserved field (ignored if that part overflowed).
    constexpr void patch_u8(std::size_t at, std::uint8_t v) noexcept {
        if (patchable(at, 1)) out_[at] = static_cast<std::byte>(v);
    }
    constexpr void patch_u16(std::size_t at, std::uint16_t v) noexcept {
        if (patchable(at, 2)) store_be16(out_.data() + at, v);
    }
    constexpr void patch_u32(std::size_t at, std::uint32_t v) noexcept {
        if (patchable(at, 4)) store_be32(out_.data() + at, v);
    }
    // Poison: the writer can never be ok() again (an encoding was abandoned half-way).
    constexpr void fail() noexcept { need_ = SIZE_MAX; }
    // Success, or buffer_too_small with the needed size as the offset.
    constexpr status finish() const noexcept {
        return ok() ? status{} : status{errc::buffer_too_small, "output", error_value{need_}};
    }

private:
    // [at, at + n) lies inside both the buffer and what was written; no wrap for any `at`.
    constexpr bool patchable(std::size_t at, std::size_t n) const noexcept {
        const std::size_t limit = need_ < out_.size() ? need_ : out_.size();
        return at <= limit && n <= limit - at;
    }
    PQIKE_HOT constexpr std::byte* grab(std::size_t n) noexcept {
        const bool fits = ok() && n <= out_.size() - need_;
        std::byte* p = fits ? out_.data() + need_ : nullptr;
        // Saturating count so a hostile size cannot wrap it.
        need_ = (n > SIZE_MAX - need_) ? SIZE_MAX : need_ + n;
        return p;
    }

    mut_bytes out_;
    std::size_t need_ = 0;
};

// A length prefix that is patched when the scope closes: the length covers everything written
// after the prefix (plus `extra`, e.g. a header that counts itself). 16-bit prefixes only,
// which is what IKEv2 uses; an overlong region makes the writer fail.
class length_prefix16 {
public:
    constexpr explicit length_prefix16(writer& w, std::size_t counted_before = 0) noexcept
        : w_(w), at_(w.reserve(2)), start_(w.needed() - 2 - counted_before) {}
    length_prefix16(const length_prefix16&) = delete;
    length_prefix16& operator=(const length_prefix16&) = delete;
    constexpr ~length_prefix16() { close(); }
    constexpr void close() noexcept {
        if (closed_) return;
        closed_ = true;
        const std::size_t len = w_.needed() - start_;
        if (len > 0xffff) {
            w_.fail();
            return;
        }
        w_.patch_u16(at_, static_cast<std::uint16_t>(len));
    }

private:
    writer& w_;
    std::size_t at_;
    std::size_t start_;
    bool closed_ = false;
};

}  // namespace pqike
