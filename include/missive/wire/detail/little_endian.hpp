// missive/wire/detail/little_endian.hpp - explicit little-endian loads and stores.
//
// The wire format is little-endian whatever the host is. These helpers move
// integers to and from byte arrays without punning a struct over the buffer
// and without alignment requirements: a memcpy on little-endian hosts (one mov
// on x86-64), a byte-by-byte shift loop on big-endian ones.
//
// Preconditions: `p` points to at least sizeof(T) readable (or writable) bytes.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace missive::detail {

template <class T>
[[nodiscard]] inline T load_le(const std::byte* p) noexcept {
  static_assert(std::is_unsigned_v<T>, "load_le reads unsigned integers");
  T value = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&value, p, sizeof(T));
  } else {
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      value = static_cast<T>(value | static_cast<T>(static_cast<T>(p[i]) << (8 * i)));
    }
  }
  return value;
}

template <class T>
inline void store_le(std::byte* p, T value) noexcept {
  static_assert(std::is_unsigned_v<T>, "store_le writes unsigned integers");
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &value, sizeof(T));
  } else {
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      p[i] = static_cast<std::byte>(value >> (8 * i));
    }
  }
}

}  // namespace missive::detail
