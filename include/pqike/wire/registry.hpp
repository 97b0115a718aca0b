// What the IANA registry headers share: the name printed for a number a registry does not list.
#pragma once

namespace pqike::wire {

// Returned by every name() for an unknown value; compare by pointer with is_unknown_name().
inline constexpr char unknown_name[] = "unknown";

constexpr bool is_unknown_name(const char* n) noexcept { return n == unknown_name; }

}  // namespace pqike::wire
