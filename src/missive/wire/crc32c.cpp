// CRC32C: compile-time tables, a slicing-by-8 loop, an SSE4.2 loop with three
// interleaved streams, and the one-time choice between them.
//
// Both loops work on the raw CRC register ("state"): crc32c_extend() inverts
// on the way in and out, the register update itself does not. The register
// update is affine in the state, which is what lets three streams run
// independently and be combined afterwards:
//
//   update(s, A || B) == shift_|B|(update(s, A)) ^ update(0, B)
//
// where shift_n(x) is the register after feeding n zero bytes to x. For a
// fixed n, shift_n is linear over GF(2), so it is four 256-entry table
// lookups, one per byte of x.
#include "missive/wire/crc32c.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "missive/wire/detail/little_endian.hpp"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace missive {
namespace {

constexpr std::uint32_t reflected_polynomial = 0x82F63B78u;

using ByteTable = std::array<std::uint32_t, 256>;

// slicing_tables[0] is the classic byte-at-a-time table; slicing_tables[k][b] is the
// register contribution of byte b followed by k zero bytes.
constexpr std::array<ByteTable, 8> make_slicing_tables() noexcept {
  std::array<ByteTable, 8> tables{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t reg = b;
    for (int bit = 0; bit < 8; ++bit) reg = (reg >> 1) ^ ((reg & 1u) != 0 ? reflected_polynomial : 0u);
    tables[0][b] = reg;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t b = 0; b < 256; ++b) {
      const std::uint32_t prev = tables[k - 1][b];
      tables[k][b] = (prev >> 8) ^ tables[0][prev & 0xFFu];
    }
  }
  return tables;
}

constexpr std::array<ByteTable, 8> slicing_tables = make_slicing_tables();
static_assert(slicing_tables[0][1] == 0xF26B8303u, "CRC32C byte table");

constexpr std::uint32_t update_byte(std::uint32_t reg, std::uint8_t byte) noexcept {
  return slicing_tables[0][(reg ^ byte) & 0xFFu] ^ (reg >> 8);
}

// Eight bytes whose first four are already xored into `lo`.
constexpr std::uint32_t update_word(std::uint32_t lo, std::uint32_t hi) noexcept {
  return slicing_tables[7][lo & 0xFFu] ^ slicing_tables[6][(lo >> 8) & 0xFFu] ^ slicing_tables[5][(lo >> 16) & 0xFFu] ^
         slicing_tables[4][lo >> 24] ^ slicing_tables[3][hi & 0xFFu] ^ slicing_tables[2][(hi >> 8) & 0xFFu] ^
         slicing_tables[1][(hi >> 16) & 0xFFu] ^ slicing_tables[0][hi >> 24];
}

std::uint32_t portable_update(std::uint32_t reg, const std::byte* p, std::size_t n) noexcept {
  for (; n >= 8; p += 8, n -= 8) {
    reg = update_word(reg ^ detail::load_le<std::uint32_t>(p), detail::load_le<std::uint32_t>(p + 4));
  }
  for (; n > 0; ++p, --n) reg = update_byte(reg, static_cast<std::uint8_t>(*p));
  return reg;
}

// shift_n as four byte tables: shift_n(x) = xor of table[k][byte k of x].
struct ShiftTable {
  std::array<ByteTable, 4> bytes{};

  [[nodiscard]] constexpr std::uint32_t apply(std::uint32_t reg) const noexcept {
    return bytes[0][reg & 0xFFu] ^ bytes[1][(reg >> 8) & 0xFFu] ^ bytes[2][(reg >> 16) & 0xFFu] ^ bytes[3][reg >> 24];
  }
};

constexpr std::uint32_t shift_by_zero_bytes(std::uint32_t reg, std::size_t zero_bytes) noexcept {
  for (std::size_t i = 0; i < zero_bytes / 8; ++i) reg = update_word(reg, 0);
  for (std::size_t i = 0; i < zero_bytes % 8; ++i) reg = update_byte(reg, 0);
  return reg;
}

// Shift the 32 single-bit registers, then combine them by linearity.
constexpr ShiftTable make_shift_table(std::size_t zero_bytes) noexcept {
  std::array<std::uint32_t, 32> image_of_bit{};
  for (std::size_t bit = 0; bit < 32; ++bit) image_of_bit[bit] = shift_by_zero_bytes(1u << bit, zero_bytes);
  ShiftTable table;
  for (std::size_t k = 0; k < 4; ++k) {
    for (std::size_t b = 0; b < 256; ++b) {
      std::uint32_t image = 0;
      for (std::size_t bit = 0; bit < 8; ++bit) {
        if (((b >> bit) & 1u) != 0) image ^= image_of_bit[8 * k + bit];
      }
      table.bytes[k][b] = image;
    }
  }
  return table;
}

#if defined(__x86_64__)

// Stream lengths for the interleaved loop: long blocks for big buffers, short
// ones so that messages of a few hundred bytes still use three streams.
constexpr std::size_t long_stride = 1024;
constexpr std::size_t short_stride = 128;
constexpr ShiftTable shift_long = make_shift_table(long_stride);
constexpr ShiftTable shift_short = make_shift_table(short_stride);

__attribute__((target("sse4.2"))) inline std::uint64_t crc_u64(std::uint64_t reg, const std::byte* p) noexcept {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return _mm_crc32_u64(reg, word);
}

// Three streams of `stride` bytes each; returns the register after all 3*stride.
__attribute__((target("sse4.2"))) inline std::uint32_t update_three_streams(std::uint32_t reg, const std::byte* p,
                                                                            std::size_t stride,
                                                                            const ShiftTable& shift) noexcept {
  std::uint64_t a = reg;
  std::uint64_t b = 0;
  std::uint64_t c = 0;
  for (std::size_t i = 0; i < stride; i += 8) {
    a = crc_u64(a, p + i);
    b = crc_u64(b, p + stride + i);
    c = crc_u64(c, p + 2 * stride + i);
  }
  const std::uint32_t ab = shift.apply(static_cast<std::uint32_t>(a)) ^ static_cast<std::uint32_t>(b);
  return shift.apply(ab) ^ static_cast<std::uint32_t>(c);
}

__attribute__((target("sse4.2"))) std::uint32_t hardware_update(std::uint32_t reg, const std::byte* p,
                                                                std::size_t n) noexcept {
  for (; n > 0 && (reinterpret_cast<std::uintptr_t>(p) & 7u) != 0; ++p, --n) {
    reg = _mm_crc32_u8(reg, static_cast<std::uint8_t>(*p));
  }
  for (; n >= 3 * long_stride; p += 3 * long_stride, n -= 3 * long_stride) {
    reg = update_three_streams(reg, p, long_stride, shift_long);
  }
  for (; n >= 3 * short_stride; p += 3 * short_stride, n -= 3 * short_stride) {
    reg = update_three_streams(reg, p, short_stride, shift_short);
  }
  std::uint64_t wide = reg;
  for (; n >= 8; p += 8, n -= 8) wide = crc_u64(wide, p);
  reg = static_cast<std::uint32_t>(wide);
  for (; n > 0; ++p, --n) reg = _mm_crc32_u8(reg, static_cast<std::uint8_t>(*p));
  return reg;
}

bool cpu_has_sse42() noexcept {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2") != 0;
}

#else

bool cpu_has_sse42() noexcept { return false; }
std::uint32_t hardware_update(std::uint32_t reg, const std::byte* p, std::size_t n) noexcept {
  return portable_update(reg, p, n);
}

#endif

using UpdateFn = std::uint32_t (*)(std::uint32_t, const std::byte*, std::size_t) noexcept;

// Chosen once; every later call is one indirect call.
UpdateFn chosen_update() noexcept {
  static const UpdateFn update = cpu_has_sse42() ? &hardware_update : &portable_update;
  return update;
}

}  // namespace

std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::byte> bytes) noexcept {
  return ~chosen_update()(~crc, bytes.data(), bytes.size());
}

std::uint32_t crc32c(std::span<const std::byte> bytes) noexcept { return crc32c_extend(0, bytes); }

std::uint32_t crc32c_portable_extend(std::uint32_t crc, std::span<const std::byte> bytes) noexcept {
  return ~portable_update(~crc, bytes.data(), bytes.size());
}

bool crc32c_hardware_available() noexcept { return chosen_update() != &portable_update; }

}  // namespace missive
