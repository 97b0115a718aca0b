// SPDX-License-Identifier: MIT
// pqike — library version, kept in one place (CMake and Meson read it from here).
#pragma once

#define PQIKE_VERSION_MAJOR 0
#define PQIKE_VERSION_MINOR 1
#define PQIKE_VERSION_PATCH 0

namespace pqike {

inline constexpr int version_major = PQIKE_VERSION_MAJOR;
inline constexpr int version_minor = PQIKE_VERSION_MINOR;
inline constexpr int version_patch = PQIKE_VERSION_PATCH;
inline constexpr const char* version_string = "0.1.0";

}  // namespace pqike
