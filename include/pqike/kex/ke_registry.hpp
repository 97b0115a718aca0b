// SPDX-License-Identifier: MIT
// A registry of key exchange methods over a type list: ke_registry<x25519, mlkem768, ...> maps
// the method number seen on the wire (Transform Types 4 and 6..12, the KE payload's "Key Exchange
// Method" field) to the policy type, with no virtual call and no heap. A stack that fixes its
// methods names them once; buffer sizes follow from the list at compile time.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "../policy.hpp"
#include "../result.hpp"
#include "../wire/ke_method.hpp"

namespace pqike::kex {

// What each side puts in its KE payload and what both obtain, per method (RFC 9370 §2.2,
// draft-ietf-ipsecme-ikev2-mlkem §2): a KEM sends ek one way and ct the other; DH sends a public
// value both ways.
template <policy::KeMethod M>
struct method_traits;

template <policy::KeMethod M>
    requires policy::Kem<M>
struct method_traits<M> {
    static constexpr bool is_kem = true;
    static constexpr std::size_t initiator_data_size = M::ek_size;
    static constexpr std::size_t responder_data_size = M::ct_size;
    static constexpr std::size_t shared_size = M::ss_size;
};

template <policy::KeMethod M>
    requires policy::DhGroup<M>
struct method_traits<M> {
    static constexpr bool is_kem = false;
    static constexpr std::size_t initiator_data_size = M::public_size;
    static constexpr std::size_t responder_data_size = M::public_size;
    static constexpr std::size_t shared_size = M::shared_size;
};

// The policy type as a value, so a generic lambda can receive it: [](auto tag) { using M =
// typename decltype(tag)::type; ... }.
template <class M>
struct method_tag {
    using type = M;
};

namespace detail {

template <class R>
struct visit_result {
    using type = result<R>;
};
template <>
struct visit_result<void> {
    using type = status;
};
template <>
struct visit_result<status> {
    using type = status;
};
template <class T>
struct visit_result<result<T>> {
    using type = result<T>;
};

template <std::size_t N>
constexpr bool all_distinct(const std::array<std::uint16_t, N>& ids) noexcept {
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = i + 1; j < N; ++j)
            if (ids[i] == ids[j]) return false;
    return true;
}

template <std::size_t N>
constexpr bool no_id_is_none(const std::array<std::uint16_t, N>& ids) noexcept {
    for (auto id : ids)
        if (id == wire::to_number(wire::ke_method::none)) return false;
    return true;
}

template <class M>
constexpr std::size_t ek_size_or_zero() noexcept {
    if constexpr (policy::Kem<M>) return M::ek_size;
    else return 0;
}
template <class M>
constexpr std::size_t ct_size_or_zero() noexcept {
    if constexpr (policy::Kem<M>) return M::ct_size;
    else return 0;
}
template <class M>
constexpr std::size_t public_size_or_zero() noexcept {
    if constexpr (policy::DhGroup<M>) return M::public_size;
    else return 0;
}

}  // namespace detail

template <policy::KeMethod... Ms>
class ke_registry {
public:
    static constexpr std::size_t size = sizeof...(Ms);
    // Method numbers in list order (the order a stack may also use as its preference).
    static constexpr std::array<std::uint16_t, size> ids{static_cast<std::uint16_t>(Ms::id)...};

    static_assert(size > 0, "a KE registry needs at least one method");
    static_assert(detail::all_distinct(ids), "two methods in a KE registry share a method number");
    static_assert(detail::no_id_is_none(ids), "method number 0 is NONE (RFC 9370 §2.1), not a method");

    // ---- compile-time sizes: enough to size KE payload buffers statically ---------------------
    // KE payload data an initiator sends (ek or public value) / a responder sends (ct or public).
    static constexpr std::size_t max_initiator_data_size =
        std::max({method_traits<Ms>::initiator_data_size...});
    static constexpr std::size_t max_responder_data_size =
        std::max({method_traits<Ms>::responder_data_size...});
    static constexpr std::size_t max_data_size =
        std::max(max_initiator_data_size, max_responder_data_size);
    static constexpr std::size_t max_shared_size = std::max({method_traits<Ms>::shared_size...});
    // Per kind; 0 when the list holds no method of that kind.
    static constexpr std::size_t max_ek_size = std::max({detail::ek_size_or_zero<Ms>()...});
    static constexpr std::size_t max_ct_size = std::max({detail::ct_size_or_zero<Ms>()...});
    static constexpr std::size_t max_public_size = std::max({detail::public_size_or_zero<Ms>()...});

    static constexpr bool contains(std::uint16_t id) noexcept {
        return ((id == static_cast<std::uint16_t>(Ms::id)) || ...);
    }
    static constexpr bool contains(wire::ke_method m) noexcept { return contains(wire::to_number(m)); }
    template <class M>
    static constexpr bool contains_type() noexcept {
        return (std::is_same_v<M, Ms> || ...);
    }

    // Call f(method_tag<M>{}) for the method whose number is id. Every f(...) must return the
    // same type R; visit returns status for R = void or status, result<T> for R = result<T>, and
    // result<R> otherwise. An id not in the list gives errc::invalid_ke_method ("ke.method") and
    // f is not called. The lookup is a chain of integer compares: no table of pointers, no heap.
    template <class F>
    static constexpr auto visit(std::uint16_t id, F&& f) {
        return visit_from<F, Ms...>(id, f);
    }
    template <class F>
    static constexpr auto visit(wire::ke_method m, F&& f) {
        return visit_from<F, Ms...>(wire::to_number(m), f);
    }

    // Call f(method_tag<M>{}) for every method, in list order (e.g. to list them in a proposal).
    template <class F>
    static constexpr void for_each(F&& f) {
        (f(method_tag<Ms>{}), ...);
    }

    // Sizes of one method chosen at run time (0 when id is unknown).
    static constexpr std::size_t initiator_data_size(std::uint16_t id) noexcept {
        std::size_t n = 0;
        ((id == static_cast<std::uint16_t>(Ms::id) ? (n = method_traits<Ms>::initiator_data_size) : 0), ...);
        return n;
    }
    static constexpr std::size_t responder_data_size(std::uint16_t id) noexcept {
        std::size_t n = 0;
        ((id == static_cast<std::uint16_t>(Ms::id) ? (n = method_traits<Ms>::responder_data_size) : 0), ...);
        return n;
    }
    static constexpr bool is_kem(std::uint16_t id) noexcept {
        return ((id == static_cast<std::uint16_t>(Ms::id) && method_traits<Ms>::is_kem) || ...);
    }
    // The policy's name, or nullptr when id is unknown.
    static constexpr const char* name(std::uint16_t id) noexcept {
        const char* n = nullptr;
        ((id == static_cast<std::uint16_t>(Ms::id) ? (n = Ms::name, 0) : 0), ...);
        return n;
    }

private:
    template <class F, class M0, class... Rest>
    static constexpr auto visit_from(std::uint16_t id, F& f) ->
        typename detail::visit_result<decltype(f(method_tag<M0>{}))>::type {
        using R = decltype(f(method_tag<M0>{}));
        using Out = typename detail::visit_result<R>::type;
        if (id == static_cast<std::uint16_t>(M0::id)) {
            if constexpr (std::is_void_v<R>) {
                f(method_tag<M0>{});
                return Out{};
            } else {
                return Out(f(method_tag<M0>{}));
            }
        }
        if constexpr (sizeof...(Rest) == 0) {
            return Out(errc::invalid_ke_method, "ke.method", 0);
        } else {
            return visit_from<F, Rest...>(id, f);
        }
    }
};

}  // namespace pqike::kex
