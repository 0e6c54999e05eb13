// missive/core/cache_line.hpp - cache-line constants for layout decisions.
//
// std::hardware_destructive_interference_size varies with compiler flags (g++
// warns when it is used in headers), so missive fixes the value: 64 bytes on
// x86-64 and most ARMv8 cores. Data written by one core and read by another
// is aligned to this so it never shares a line with unrelated hot data.
#pragma once

#include <cstddef>

namespace missive {

inline constexpr std::size_t cache_line_size = 64;

// Pads T to a whole cache line and aligns it to one.
template <class T>
struct alignas(cache_line_size) CacheLinePadded {
  T value;
};

}  // namespace missive
