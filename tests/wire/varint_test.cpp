// Varints and zigzag: round trips at every size boundary, and every rejection.
#include "missive/wire/varint.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "wire_test_support.hpp"

namespace missive {
namespace {

using testing::bytes_of;

std::vector<std::byte> encoded(std::uint64_t value) {
  std::array<std::byte, max_varint_bytes> buf{};
  const std::size_t size = encode_varint(value, buf.data());
  return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(size)};
}

TEST(Varint, KnownEncodings) {
  EXPECT_EQ(encoded(0), bytes_of({0x00}));
  EXPECT_EQ(encoded(1), bytes_of({0x01}));
  EXPECT_EQ(encoded(127), bytes_of({0x7F}));
  EXPECT_EQ(encoded(128), bytes_of({0x80, 0x01}));
  EXPECT_EQ(encoded(300), bytes_of({0xAC, 0x02}));
  EXPECT_EQ(encoded(std::numeric_limits<std::uint64_t>::max()),
            bytes_of({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
}

TEST(Varint, RoundTripsAtEverySizeBoundary) {
  for (unsigned bits = 0; bits <= 64; ++bits) {
    const std::uint64_t top = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
    for (std::uint64_t value : {top, top + 1, top / 2}) {
      const std::vector<std::byte> bytes = encoded(value);
      EXPECT_EQ(bytes.size(), varint_size(value));
      const Result<DecodedVarint> back = decode_varint(bytes);
      ASSERT_TRUE(back) << value << " " << back.error().message();
      EXPECT_EQ(back->value, value);
      EXPECT_EQ(back->size, bytes.size());
    }
  }
}

TEST(Varint, DecodesOnlyTheFirstVarint) {
  const Result<DecodedVarint> v = decode_varint(bytes_of({0xAC, 0x02, 0xFF}));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->value, 300u);
  EXPECT_EQ(v->size, 2u);
}

TEST(Varint, RejectsInputEndingMidVarint) {
  EXPECT_EQ(decode_varint({}).code(), Errc::truncated);
  EXPECT_EQ(decode_varint(bytes_of({0x80})).code(), Errc::truncated);
  EXPECT_EQ(decode_varint(bytes_of({0xFF, 0xFF, 0xFF})).code(), Errc::truncated);
}

TEST(Varint, RejectsOverlongAndOverflowingEncodings) {
  // 11 bytes.
  EXPECT_EQ(decode_varint(bytes_of({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})).code(),
            Errc::malformed_record);
  // 10 bytes whose last one carries bits above 2^64.
  EXPECT_EQ(decode_varint(bytes_of({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02})).code(),
            Errc::malformed_record);
  // Longer than needed: 0 in two bytes, 1 in three, a 10-byte zero.
  EXPECT_EQ(decode_varint(bytes_of({0x80, 0x00})).code(), Errc::malformed_record);
  EXPECT_EQ(decode_varint(bytes_of({0x81, 0x80, 0x00})).code(), Errc::malformed_record);
  EXPECT_EQ(decode_varint(bytes_of({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00})).code(),
            Errc::malformed_record);
}

TEST(Zigzag, MapsSmallMagnitudesToSmallCodes) {
  EXPECT_EQ(zigzag_encode(0), 0u);
  EXPECT_EQ(zigzag_encode(-1), 1u);
  EXPECT_EQ(zigzag_encode(1), 2u);
  EXPECT_EQ(zigzag_encode(-2), 3u);
  EXPECT_EQ(zigzag_encode(std::numeric_limits<std::int64_t>::max()), ~std::uint64_t{0} - 1);
  EXPECT_EQ(zigzag_encode(std::numeric_limits<std::int64_t>::min()), ~std::uint64_t{0});
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1}, std::int64_t{-300},
                         std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
    EXPECT_EQ(zigzag_decode(zigzag_encode(v)), v);
  }
}

}  // namespace
}  // namespace missive
