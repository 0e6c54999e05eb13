// CRC32C: known vectors, the extend law, and hardware == portable everywhere.
#include "missive/wire/crc32c.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "wire_test_support.hpp"

namespace missive {
namespace {

using testing::text_bytes;

std::vector<std::byte> filled(std::size_t size, std::byte value) { return std::vector<std::byte>(size, value); }

std::vector<std::byte> ascending(std::size_t size) {
  std::vector<std::byte> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>(i);
  return out;
}

// Vectors from RFC 3720 (iSCSI) B.4 and the usual check value.
TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c(text_bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c(filled(32, std::byte{0x00})), 0x8A9136AAu);
  EXPECT_EQ(crc32c(filled(32, std::byte{0xFF})), 0x62A8AB43u);
  EXPECT_EQ(crc32c(ascending(32)), 0x46DD794Eu);
  EXPECT_EQ(crc32c({}), 0u);
  EXPECT_EQ(crc32c(text_bytes("a")), 0xC1D04330u);
}

TEST(Crc32c, PortableMatchesKnownVectors) {
  EXPECT_EQ(crc32c_portable(text_bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c_portable(filled(32, std::byte{0x00})), 0x8A9136AAu);
  EXPECT_EQ(crc32c_portable(ascending(32)), 0x46DD794Eu);
}

TEST(Crc32c, ExtendEqualsWholeAtEverySplit) {
  const std::vector<std::byte> data = ascending(100);
  const std::uint32_t whole = crc32c(data);
  for (std::size_t split = 0; split <= data.size(); ++split) {
    const std::span<const std::byte> all(data);
    EXPECT_EQ(crc32c_extend(crc32c(all.first(split)), all.subspan(split)), whole) << split;
    EXPECT_EQ(crc32c_portable_extend(crc32c_portable(all.first(split)), all.subspan(split)), whole) << split;
  }
}

TEST(Crc32c, HardwareIsUsedOnX86WithSse42) {
#if defined(__x86_64__)
  EXPECT_EQ(crc32c_hardware_available(), __builtin_cpu_supports("sse4.2") != 0);
#else
  EXPECT_FALSE(crc32c_hardware_available());
#endif
}

// The dispatched implementation (hardware on this machine, if available) must
// agree with the portable one for every length and alignment, including the
// lengths that switch between the one-stream and three-stream loops.
TEST(Crc32c, DispatchedMatchesPortableOnRandomInput) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2: both calls run the portable code";
  std::mt19937_64 rng(20240611);
  std::vector<std::byte> buffer(16384 + 16);
  for (auto& b : buffer) b = static_cast<std::byte>(rng());
  const std::vector<std::size_t> edges{0, 1, 7, 8, 9, 383, 384, 385, 767, 768, 3071, 3072, 3073, 6144, 16384};
  for (std::size_t offset = 0; offset < 16; ++offset) {
    for (std::size_t length : edges) {
      const std::span<const std::byte> piece(buffer.data() + offset, length);
      ASSERT_EQ(crc32c(piece), crc32c_portable(piece)) << "offset " << offset << " length " << length;
    }
  }
  for (int round = 0; round < 2000; ++round) {
    const std::size_t offset = rng() % 16;
    const std::size_t length = rng() % 16385;
    const std::uint32_t seed = static_cast<std::uint32_t>(rng());
    const std::span<const std::byte> piece(buffer.data() + offset, length);
    ASSERT_EQ(crc32c_extend(seed, piece), crc32c_portable_extend(seed, piece))
        << "offset " << offset << " length " << length;
  }
}

TEST(Crc32c, DetectsEverySingleBitFlip) {
  std::vector<std::byte> data = ascending(64);
  const std::uint32_t original = crc32c(data);
  for (std::size_t bit = 0; bit < data.size() * 8; ++bit) {
    data[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
    EXPECT_NE(crc32c(data), original) << bit;
    data[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
  }
}

}  // namespace
}  // namespace missive
