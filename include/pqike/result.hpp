// SPDX-License-Identifier: MIT
// Errors as values: a small error code enum, the IKEv2 notify each maps to, and result<T>.
// Nothing here allocates or throws; an error names the field that failed and its byte offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace pqike {

// Append new codes at the end of their group; names are part of the API (see errc_name).
enum class [[nodiscard]] errc : std::uint8_t {
    ok = 0,
    // byte core
    truncated,            // fewer bytes than a field needs
    trailing_data,        // bytes left over where a region must be fully consumed
    buffer_too_small,     // an output buffer cannot hold the encoding
    length_too_small,     // a length field below its minimum
    length_too_large,     // a length field above its maximum or beyond its parent
    length_mismatch,      // two lengths that must agree do not
    invalid_hex,
    // wire codec
    unsupported_version,          // IKE major version other than 2
    unsupported_critical_payload, // unknown payload with the critical bit set
    too_many_payloads,            // more payloads than the caller's cap
    invalid_syntax,               // a field value the spec forbids
    invalid_nonce_length,         // Nonce outside 16..256 octets
    invalid_ke_length,            // KE data of the wrong size for its method and direction
    invalid_ke_method,            // KE method other than the negotiated one
    invalid_fragment,             // SKF number/total out of range or inconsistent
    integrity_check_failed,       // ICV or tag mismatch
    reassembly_limit,             // fragment count or size above the caller's cap
    missing_payload,              // a required payload is absent
    duplicate_payload,            // a payload that may appear once appears twice
    // crypto
    invalid_key,                  // ML-KEM ek/dk check failed, bad DH public value
    invalid_length,               // wrong input size for a primitive
    rng_failure,                  // the OS random source failed
    too_much_output,              // prf+ asked for more than 255 blocks
    // negotiation and exchanges
    no_proposal_chosen,
    invalid_ke_payload,           // peer's KE method differs; retry with the method we prefer
    unexpected_message,           // wrong exchange type, message ID or direction flag
    state_not_found,              // unknown ADDITIONAL_KEY_EXCHANGE link
    authentication_failed,
    // escape message
    escape_bad_tag,
    escape_tag_not_last,
    escape_duplicate_tlv,
    escape_unknown_critical_tlv,
    escape_wrong_binding,
    escape_wrong_key_id,
    escape_replayed,
    escape_stale,
    escape_wrong_state,
    escape_no_matching_escape,
    escape_method_not_offered,
    escape_missing_tlv,
    escape_stale_timestamp,       // timestamp outside the allowed clock skew
    // post-quantum preshared keys (RFC 8784, RFC 9867)
    ppk_required,                 // our policy requires a PPK and none was agreed
    ppk_not_last,                 // a key update after the PPK was mixed (RFC 9867 §3.2: PPK is last)
    // a Child SA / IKE SA rekey whose negotiated ADDKE exchanges the peer skipped: it chose them
    // but sent no ADDITIONAL_KEY_EXCHANGE, or ignored ours (RFC 9370 §2.2.2; a post-quantum
    // downgrade, seen with libreswan 5.4 Child SA rekeys, docs/interop.md)
    additional_key_exchange_skipped,
    // append new codes here, add them to errc_name, and move errc_last
};
inline constexpr errc errc_last = errc::additional_key_exchange_skipped;

// IKEv2 Notify Message Error Types (RFC 7296 §3.10.1, RFC 9370).
namespace notify_error {
inline constexpr std::uint16_t none = 0;
inline constexpr std::uint16_t unsupported_critical_payload = 1;
inline constexpr std::uint16_t invalid_major_version = 5;
inline constexpr std::uint16_t invalid_syntax = 7;
inline constexpr std::uint16_t no_proposal_chosen = 14;
inline constexpr std::uint16_t invalid_ke_payload = 17;
inline constexpr std::uint16_t authentication_failed = 24;
inline constexpr std::uint16_t state_not_found = 47;
}  // namespace notify_error

// The notify a stack should send when it rejects a request for this reason; none (0) means the
// message is dropped silently. Exhaustive on purpose (no default): a new code must be placed.
//   - local failures (buffers, RNG, prf+ limits, hex) are no answer to anyone;
//   - an ICV failure is dropped silently (RFC 7296 §2.21, §3.14), and so are a message outside
//     the expected exchange, message ID or direction (§2.3: answering could be abused) and any
//     escape-message failure (forged or replayed ESCAPE/ACK/CONFIRM, docs/escape-message.md);
//   - a major version above 2 gets INVALID_MAJOR_VERSION (§2.5);
//   - malformed content gets INVALID_SYNTAX, which §3.10.1 allows only inside a protected
//     message whose Message ID and ICV were valid: use notify_for(e, false) for an
//     unprotected one (IKE_SA_INIT), which drops instead.
constexpr std::uint16_t notify_for(errc e) noexcept {
    switch (e) {
        case errc::ok:
        case errc::buffer_too_small:
        case errc::invalid_hex:
        case errc::integrity_check_failed:
        case errc::reassembly_limit:
        case errc::rng_failure:
        case errc::too_much_output:
        case errc::invalid_length:
        case errc::unexpected_message:
        case errc::escape_bad_tag:
        case errc::escape_tag_not_last:
        case errc::escape_duplicate_tlv:
        case errc::escape_unknown_critical_tlv:
        case errc::escape_wrong_binding:
        case errc::escape_wrong_key_id:
        case errc::escape_replayed:
        case errc::escape_stale:
        case errc::escape_wrong_state:
        case errc::escape_no_matching_escape:
        case errc::escape_method_not_offered:
        case errc::escape_missing_tlv:
        case errc::escape_stale_timestamp:
            return notify_error::none;
        case errc::unsupported_version: return notify_error::invalid_major_version;
        case errc::unsupported_critical_payload: return notify_error::unsupported_critical_payload;
        case errc::no_proposal_chosen: return notify_error::no_proposal_chosen;
        case errc::invalid_ke_method:
        case errc::invalid_ke_payload: return notify_error::invalid_ke_payload;
        case errc::ppk_required:
        case errc::authentication_failed: return notify_error::authentication_failed;
        case errc::state_not_found: return notify_error::state_not_found;
        case errc::truncated:
        case errc::trailing_data:
        case errc::length_too_small:
        case errc::length_too_large:
        case errc::length_mismatch:
        case errc::too_many_payloads:
        case errc::invalid_syntax:
        case errc::invalid_nonce_length:
        case errc::invalid_ke_length:
        case errc::invalid_fragment:
        case errc::missing_payload:
        case errc::duplicate_payload:
        case errc::invalid_key:
        case errc::ppk_not_last:
        case errc::additional_key_exchange_skipped:
            return notify_error::invalid_syntax;
    }
    return notify_error::invalid_syntax;  // unreachable for a valid errc; keeps -Wreturn-type quiet
}

// The same for a message that is (in_protected_message) or is not inside a valid SK payload:
// outside one, INVALID_SYNTAX is not sent (RFC 7296 §3.10.1) and the message is dropped.
constexpr std::uint16_t notify_for(errc e, bool in_protected_message) noexcept {
    const std::uint16_t n = notify_for(e);
    return (n == notify_error::invalid_syntax && !in_protected_message) ? notify_error::none : n;
}

constexpr const char* errc_name(errc e) noexcept {
    switch (e) {
        case errc::ok: return "ok";
        case errc::truncated: return "truncated";
        case errc::trailing_data: return "trailing_data";
        case errc::buffer_too_small: return "buffer_too_small";
        case errc::length_too_small: return "length_too_small";
        case errc::length_too_large: return "length_too_large";
        case errc::length_mismatch: return "length_mismatch";
        case errc::invalid_hex: return "invalid_hex";
        case errc::unsupported_version: return "unsupported_version";
        case errc::unsupported_critical_payload: return "unsupported_critical_payload";
        case errc::too_many_payloads: return "too_many_payloads";
        case errc::invalid_syntax: return "invalid_syntax";
        case errc::invalid_nonce_length: return "invalid_nonce_length";
        case errc::invalid_ke_length: return "invalid_ke_length";
        case errc::invalid_ke_method: return "invalid_ke_method";
        case errc::invalid_fragment: return "invalid_fragment";
        case errc::integrity_check_failed: return "integrity_check_failed";
        case errc::reassembly_limit: return "reassembly_limit";
        case errc::missing_payload: return "missing_payload";
        case errc::duplicate_payload: return "duplicate_payload";
        case errc::invalid_key: return "invalid_key";
        case errc::invalid_length: return "invalid_length";
        case errc::rng_failure: return "rng_failure";
        case errc::too_much_output: return "too_much_output";
        case errc::no_proposal_chosen: return "no_proposal_chosen";
        case errc::invalid_ke_payload: return "invalid_ke_payload";
        case errc::unexpected_message: return "unexpected_message";
        case errc::state_not_found: return "state_not_found";
        case errc::authentication_failed: return "authentication_failed";
        case errc::escape_bad_tag: return "escape_bad_tag";
        case errc::escape_tag_not_last: return "escape_tag_not_last";
        case errc::escape_duplicate_tlv: return "escape_duplicate_tlv";
        case errc::escape_unknown_critical_tlv: return "escape_unknown_critical_tlv";
        case errc::escape_wrong_binding: return "escape_wrong_binding";
        case errc::escape_wrong_key_id: return "escape_wrong_key_id";
        case errc::escape_replayed: return "escape_replayed";
        case errc::escape_stale: return "escape_stale";
        case errc::escape_wrong_state: return "escape_wrong_state";
        case errc::escape_no_matching_escape: return "escape_no_matching_escape";
        case errc::escape_method_not_offered: return "escape_method_not_offered";
        case errc::escape_missing_tlv: return "escape_missing_tlv";
        case errc::escape_stale_timestamp: return "escape_stale_timestamp";
        case errc::ppk_required: return "ppk_required";
        case errc::ppk_not_last: return "ppk_not_last";
        case errc::additional_key_exchange_skipped: return "additional_key_exchange_skipped";
    }
    return "unknown";
}

// The explaining number of an error: status{errc::invalid_length, "sk_d", error_value{n}} sets
// error::value and leaves the offset 0.
struct error_value {
    std::uint64_t v = 0;
};

// What went wrong, where. `field` is a static string in one dotted vocabulary ("payload.length",
// "ke.data", "sk_d"); `offset` is always the byte offset of that field in the input the decoder
// was given (0 when the error is not about input bytes); `value` is a number that explains the
// error but is no offset: a transform ID, a size, a key length, a stage number.
struct [[nodiscard]] error {
    errc code = errc::ok;
    const char* field = "";
    std::size_t offset = 0;
    std::uint64_t value = 0;

    constexpr error() noexcept = default;
    constexpr error(errc c, const char* f = "", std::size_t at = 0) noexcept
        : code(c), field(f), offset(at) {}
    constexpr error(errc c, const char* f, error_value v) noexcept : code(c), field(f), value(v.v) {}

    constexpr std::uint16_t notify() const noexcept { return notify_for(code); }
    constexpr const char* name() const noexcept { return errc_name(code); }
    friend constexpr bool operator==(const error& a, errc b) noexcept { return a.code == b; }
};

// result<T>: a T or an error, shaped like std::expected<T, error> (no exceptions; value() on an
// error is a programming bug and is checked with a trap, never UB).
template <class T>
class [[nodiscard]] result {
    static_assert(!std::is_reference_v<T>, "result<T&> is not supported; use a pointer or view");

public:
    using value_type = T;
    using error_type = pqike::error;

    constexpr result(const T& v) noexcept(std::is_nothrow_copy_constructible_v<T>) : ok_(true) {
        std::construct_at(&value_, v);
    }
    constexpr result(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>) : ok_(true) {
        std::construct_at(&value_, std::move(v));
    }
    // Build the value in place (no copy of a large T through the return path).
    template <class... Args>
    constexpr explicit result(std::in_place_t, Args&&... args) noexcept(
        std::is_nothrow_constructible_v<T, Args...>)
        : ok_(true) {
        std::construct_at(&value_, std::forward<Args>(args)...);
    }
    constexpr result(pqike::error e) noexcept : err_(checked_error(e)), ok_(false) {}
    constexpr result(errc c, const char* field = "", std::size_t offset = 0) noexcept
        : err_(checked_error({c, field, offset})), ok_(false) {}
    constexpr result(errc c, const char* field, error_value v) noexcept
        : err_(checked_error({c, field, v})), ok_(false) {}

    constexpr result(const result& o) : err_(o.err_), ok_(o.ok_) {
        if (ok_) std::construct_at(&value_, o.value_);
    }
    constexpr result(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>)
        : err_(o.err_), ok_(o.ok_) {
        if (ok_) std::construct_at(&value_, std::move(o.value_));
    }
    constexpr result& operator=(const result& o) {
        if (this != &o) assign(o);
        return *this;
    }
    constexpr result& operator=(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (this != &o) assign(std::move(o));
        return *this;
    }
    constexpr ~result() {
        if (ok_) std::destroy_at(&value_);
    }

    constexpr bool has_value() const noexcept { return ok_; }
    constexpr explicit operator bool() const noexcept { return ok_; }
    // The error; meaningful only when !has_value() (errc::ok otherwise).
    constexpr pqike::error error() const noexcept { return err_; }
    constexpr errc code() const noexcept { return ok_ ? errc::ok : err_.code; }

    constexpr T& value() & noexcept { check(); return value_; }
    constexpr const T& value() const& noexcept { check(); return value_; }
    constexpr T&& value() && noexcept { check(); return std::move(value_); }
    constexpr T* operator->() noexcept { check(); return &value_; }
    constexpr const T* operator->() const noexcept { check(); return &value_; }
    constexpr T& operator*() & noexcept { check(); return value_; }
    constexpr const T& operator*() const& noexcept { check(); return value_; }
    constexpr T&& operator*() && noexcept { check(); return std::move(value_); }

    template <class U>
    constexpr T value_or(U&& fallback) const& {
        return ok_ ? value_ : static_cast<T>(std::forward<U>(fallback));
    }

    // Monadic helpers, as std::expected's. and_then: f(T) -> result<U>, called only on a value.
    template <class F>
    constexpr auto and_then(F&& f) const& {
        using R = std::remove_cvref_t<std::invoke_result_t<F, const T&>>;
        return ok_ ? std::forward<F>(f)(value_) : R(err_);
    }
    template <class F>
    constexpr auto and_then(F&& f) && {
        using R = std::remove_cvref_t<std::invoke_result_t<F, T&&>>;
        return ok_ ? std::forward<F>(f)(std::move(value_)) : R(err_);
    }
    // transform: f(T) -> U, wrapped in result<U>; the error passes through.
    template <class F>
    constexpr auto transform(F&& f) const& {
        using U = std::remove_cvref_t<std::invoke_result_t<F, const T&>>;
        return ok_ ? result<U>(std::forward<F>(f)(value_)) : result<U>(err_);
    }
    // or_else: f(error) -> result<T>, called only on an error (to recover or to re-label).
    template <class F>
    constexpr result or_else(F&& f) const& {
        return ok_ ? *this : result(std::forward<F>(f)(err_));
    }

private:
    constexpr void check() const noexcept {
        if (!ok_) __builtin_trap();
    }
    // An error must say what failed: errc::ok as an error is a programming bug (trap; in a
    // constant expression, a compile error).
    static constexpr pqike::error checked_error(pqike::error e) noexcept {
        if (e.code == errc::ok) __builtin_trap();
        return e;
    }
    template <class R>
    constexpr void assign(R&& o) {
        if (ok_) std::destroy_at(&value_);
        ok_ = false;
        err_ = o.err_;
        if (o.ok_) {
            std::construct_at(&value_, std::forward<R>(o).value_);
            ok_ = true;
        }
    }
    union {
        T value_;
    };
    pqike::error err_{};
    bool ok_;
};

// status: success or an error, for operations without a value (std::expected<void, error>).
class [[nodiscard]] status {
public:
    constexpr status() noexcept = default;
    constexpr status(pqike::error e) noexcept : err_(e) {}
    constexpr status(errc c, const char* field = "", std::size_t offset = 0) noexcept
        : err_{c, field, offset} {}
    constexpr status(errc c, const char* field, error_value v) noexcept : err_{c, field, v} {}
    constexpr bool ok() const noexcept { return err_.code == errc::ok; }
    constexpr bool has_value() const noexcept { return ok(); }
    constexpr explicit operator bool() const noexcept { return ok(); }
    constexpr pqike::error error() const noexcept { return err_; }
    constexpr errc code() const noexcept { return err_.code; }

    // and_then: f() -> status or result<U>, called only on success.
    template <class F>
    constexpr auto and_then(F&& f) const {
        using R = std::remove_cvref_t<std::invoke_result_t<F>>;
        return ok() ? std::forward<F>(f)() : R(err_);
    }

private:
    pqike::error err_{};
};

}  // namespace pqike
