// SPDX-License-Identifier: MIT
// What the IANA registry headers share: the name printed for a number a registry does not list.
#pragma once

namespace pqike::wire {

namespace detail {
inline constexpr char unknown_name_text[] = "unknown";
}

// Returned by every name() for an unknown value; compare by pointer with is_unknown_name().
// A pointer to one inline object (the same address in every TU), so name() returns it without
// an array-to-pointer decay at each call site.
inline constexpr const char* unknown_name = &detail::unknown_name_text[0];

constexpr bool is_unknown_name(const char* n) noexcept { return n == unknown_name; }

}  // namespace pqike::wire
