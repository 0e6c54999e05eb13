// missive/wire/crc32c.hpp - CRC32C (Castagnoli), the checksum of every frame.
//
// CRC-32C: polynomial 0x1EDC6F41 (reflected 0x82F63B78), initial value and
// final xor 0xFFFFFFFF, bits processed least significant first. The same
// function as iSCSI, ext4, leveldb and the SSE4.2 `crc32` instruction.
//
//   crc32c("123456789")           == 0xE3069283
//   crc32c(32 zero bytes)         == 0x8A9136AA
//   crc32c_extend(crc32c(a), b)   == crc32c(a followed by b)
//
// Two implementations compute identical values:
//   - hardware: the SSE4.2 `crc32` instruction, three independent streams
//     interleaved to hide its latency (x86-64 only);
//   - portable: slicing-by-8 tables, built at compile time.
// crc32c() picks the hardware one once, at the first call, when the CPU has
// SSE4.2, and the portable one otherwise.
//
// Thread safety: all functions are pure and may be called from any thread.
#pragma once

#include <cstdint>
#include <span>

namespace missive {

// CRC32C of `bytes`.
[[nodiscard]] std::uint32_t crc32c(std::span<const std::byte> bytes) noexcept;

// CRC32C of (the bytes that produced `crc`) followed by `bytes`.
// crc32c_extend(0, x) == crc32c(x).
[[nodiscard]] std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::byte> bytes) noexcept;

// The table-driven implementation, whatever the CPU offers (for tests and
// for comparison in benchmarks).
[[nodiscard]] std::uint32_t crc32c_portable_extend(std::uint32_t crc, std::span<const std::byte> bytes) noexcept;
[[nodiscard]] inline std::uint32_t crc32c_portable(std::span<const std::byte> bytes) noexcept {
  return crc32c_portable_extend(0, bytes);
}

// True when this CPU has SSE4.2 and crc32c() therefore uses the instruction.
[[nodiscard]] bool crc32c_hardware_available() noexcept;

}  // namespace missive
