// missive/wire/varint.hpp - LEB128 varints and zigzag, as records use them.
//
// A varint stores an unsigned 64-bit value in 1 to 10 bytes, seven bits per
// byte, least significant group first; the top bit of a byte says "more
// bytes follow".
//
//   300 = 0b1'0010'1100   ->   [1010'1100] [0000'0010]
//                               ^ more      ^ last
//
// missive accepts exactly one encoding per value (the shortest), so decoding
// and re-encoding gives back the same bytes. decode_varint() rejects:
//   - input that ends while the top bit still says "more"  -> truncated
//   - more than 10 bytes, or a 10th byte above 1 (the value
//     would not fit in 64 bits)                            -> malformed_record
//   - a longer-than-needed encoding (a last byte of 0x00
//     after at least one other byte)                       -> malformed_record
//
// Zigzag maps signed to unsigned so that small magnitudes stay short:
// 0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3, ... INT64_MIN -> UINT64_MAX.
//
// All functions are pure, noexcept and thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "missive/core/result.hpp"

namespace missive {

inline constexpr std::size_t max_varint_bytes = 10;

// Bytes the encoding of `value` takes (1..10).
[[nodiscard]] constexpr std::size_t varint_size(std::uint64_t value) noexcept {
  std::size_t size = 1;
  for (; value >= 0x80u; value >>= 7) ++size;
  return size;
}

// Writes the encoding of `value` to out[0..varint_size(value)) and returns
// its size. `out` must have room for max_varint_bytes.
constexpr std::size_t encode_varint(std::uint64_t value, std::byte* out) noexcept {
  std::size_t i = 0;
  for (; value >= 0x80u; value >>= 7) out[i++] = static_cast<std::byte>((value & 0x7Fu) | 0x80u);
  out[i++] = static_cast<std::byte>(value);
  return i;
}

struct DecodedVarint {
  std::uint64_t value = 0;
  std::size_t size = 0;  // bytes consumed, 1..10
};

// Decodes the varint at the front of `bytes` (see the rejection list above).
[[nodiscard]] inline Result<DecodedVarint> decode_varint(std::span<const std::byte> bytes) noexcept {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < max_varint_bytes; ++i) {
    if (i == bytes.size()) return Error{Errc::truncated, "varint runs past the end of its record"};
    const auto byte = static_cast<std::uint8_t>(bytes[i]);
    if (i == max_varint_bytes - 1 && byte > 1) return Error{Errc::malformed_record, "varint overflows 64 bits"};
    value |= static_cast<std::uint64_t>(byte & 0x7Fu) << (7 * i);
    if ((byte & 0x80u) == 0) {
      if (byte == 0 && i > 0) return Error{Errc::malformed_record, "varint is not in its shortest form"};
      return DecodedVarint{value, i + 1};
    }
  }
  return Error{Errc::malformed_record, "varint longer than 10 bytes"};  // unreachable: byte 10 > 1 above
}

[[nodiscard]] constexpr std::uint64_t zigzag_encode(std::int64_t value) noexcept {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}

[[nodiscard]] constexpr std::int64_t zigzag_decode(std::uint64_t value) noexcept {
  return static_cast<std::int64_t>((value >> 1) ^ (~(value & 1u) + 1u));
}

}  // namespace missive
