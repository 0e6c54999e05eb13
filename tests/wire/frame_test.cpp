// Frame v1: exact bytes, round trips, and one crafted input per rejection.
#include "missive/wire/frame.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "missive/wire/crc32c.hpp"
#include "wire_test_support.hpp"

namespace missive {
namespace {

using testing::bytes_of;
using testing::text_bytes;

const FrameHeaderFields fields_under_test{0x0102, 0x0A0B0C0D, 0x1122334455667788};

std::vector<std::byte> frame_with(std::string_view payload, const FrameHeaderFields& fields = fields_under_test) {
  std::vector<std::byte> out;
  EXPECT_TRUE(append_frame(fields, text_bytes(payload), out));
  return out;
}

// Rewrites the checksum after a test edited the header on purpose, so that the
// edit, not the checksum, is what the decoder sees.
void refresh_checksum(std::vector<std::byte>& frame) {
  for (std::size_t i = 0; i < 4; ++i) frame[frame_offset::checksum + i] = std::byte{0};
  const std::uint32_t crc = crc32c(frame);
  for (std::size_t i = 0; i < 4; ++i) frame[frame_offset::checksum + i] = static_cast<std::byte>(crc >> (8 * i));
}

TEST(Frame, HeaderBytesAreLittleEndianAtDocumentedOffsets) {
  const std::vector<std::byte> frame = frame_with("hi");
  ASSERT_EQ(frame.size(), 34u);
  const std::vector<std::byte> header(frame.begin(), frame.begin() + 24);
  EXPECT_EQ(header, bytes_of({0x89, 'M',  'S',  'V',                              // magic
                              0x01, 0x20, 0x02, 0x01,                             // version, header length, flags
                              0x0D, 0x0C, 0x0B, 0x0A,                             // message type
                              0x02, 0x00, 0x00, 0x00,                             // payload length
                              0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11}));  // request id
  EXPECT_EQ(std::vector<std::byte>(frame.begin() + 28, frame.end()), bytes_of({0, 0, 0, 0, 'h', 'i'}));
  std::vector<std::byte> zeroed = frame;
  for (std::size_t i = 24; i < 28; ++i) zeroed[i] = std::byte{0};
  const std::uint32_t crc = crc32c(zeroed);
  EXPECT_EQ(frame[24], static_cast<std::byte>(crc));
  EXPECT_EQ(frame[27], static_cast<std::byte>(crc >> 24));
}

TEST(Frame, RoundTripsFieldsAndPayload) {
  for (std::string_view payload : {"", "x", "a somewhat longer payload of several words"}) {
    const std::vector<std::byte> frame = frame_with(payload);
    const Result<FrameView> view = decode_frame(frame);
    ASSERT_TRUE(view) << view.error().message();
    EXPECT_EQ(view->header.fields(), fields_under_test);
    EXPECT_EQ(view->header.version, 1);
    EXPECT_EQ(view->header.header_length, 32);
    EXPECT_EQ(view->header.payload_length, payload.size());
    EXPECT_EQ(view->frame_size(), frame.size());
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(view->payload.data()), view->payload.size()), payload);
    EXPECT_EQ(view->payload.data(), frame.data() + 32) << "the payload is a view, not a copy";
  }
}

TEST(Frame, EncodeIntoBufferMatchesAppendAndSeal) {
  const std::vector<std::byte> appended = frame_with("payload");
  std::vector<std::byte> buffer(64, std::byte{0xEE});
  const Result<std::size_t> size = encode_frame(fields_under_test, text_bytes("payload"), buffer);
  ASSERT_TRUE(size);
  EXPECT_EQ(std::vector<std::byte>(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*size)), appended);

  const auto payload = text_bytes("payload");
  std::vector<std::byte> in_place(32 + payload.size());
  std::copy(payload.begin(), payload.end(), in_place.begin() + 32);
  ASSERT_TRUE(seal_frame(fields_under_test, in_place));
  EXPECT_EQ(in_place, appended);
}

TEST(Frame, EncodeRejectsSmallBuffersAndOversizedFrames) {
  std::vector<std::byte> small(33);
  EXPECT_EQ(encode_frame(fields_under_test, text_bytes("ab"), small).code(), Errc::invalid_argument);
  std::vector<std::byte> header_only(31);
  EXPECT_EQ(seal_frame(fields_under_test, header_only).code(), Errc::invalid_argument);
  std::vector<std::byte> out;
  EXPECT_EQ(append_frame(fields_under_test, text_bytes("abc"), out, FrameLimits{34}).code(), Errc::too_large);
  EXPECT_TRUE(out.empty()) << "nothing appended on error";
  EXPECT_TRUE(append_frame(fields_under_test, text_bytes("ab"), out, FrameLimits{34}));
}

TEST(Frame, EveryProperPrefixIsTruncated) {
  const std::vector<std::byte> frame = frame_with("twelve bytes");
  for (std::size_t size = 0; size < frame.size(); ++size) {
    const std::span<const std::byte> prefix(frame.data(), size);
    EXPECT_EQ(decode_frame(prefix).code(), Errc::truncated) << size;
    EXPECT_EQ(decode_frame_prefix(prefix).code(), Errc::truncated) << size;
    EXPECT_EQ(decode_header(prefix).code(), size < 32 ? Errc::truncated : Errc::ok) << size;
  }
}

TEST(Frame, HeaderAloneTellsAStreamReaderTheFrameSize) {
  const std::vector<std::byte> frame = frame_with("twelve bytes");
  const Result<FrameHeader> header = decode_header(std::span<const std::byte>(frame).first(32));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->frame_size(), frame.size());
}

TEST(Frame, BadMagicIsRejectedFromTheFirstByte) {
  std::vector<std::byte> frame = frame_with("x");
  frame[1] = std::byte{'N'};
  EXPECT_EQ(decode_frame(frame).code(), Errc::bad_magic);
  EXPECT_EQ(decode_header(std::span<const std::byte>(frame).first(2)).code(), Errc::bad_magic);
  EXPECT_EQ(decode_header(text_bytes("GET / HTTP/1.1\r\n")).code(), Errc::bad_magic);
}

TEST(Frame, OtherVersionsAreUnsupported) {
  for (unsigned version : {0u, 2u, 255u}) {
    std::vector<std::byte> frame = frame_with("x");
    frame[frame_offset::version] = static_cast<std::byte>(version);
    refresh_checksum(frame);
    EXPECT_EQ(decode_frame(frame).code(), Errc::unsupported_version) << version;
    EXPECT_EQ(decode_header(std::span<const std::byte>(frame).first(5)).code(), Errc::unsupported_version);
  }
}

TEST(Frame, HeaderLengthBelow32IsMalformed) {
  for (unsigned length : {0u, 1u, 31u}) {
    std::vector<std::byte> frame = frame_with("x");
    frame[frame_offset::header_length] = static_cast<std::byte>(length);
    refresh_checksum(frame);
    EXPECT_EQ(decode_frame(frame).code(), Errc::malformed_frame) << length;
    EXPECT_EQ(decode_header(std::span<const std::byte>(frame).first(6)).code(), Errc::malformed_frame);
  }
}

TEST(Frame, TooLargeIsDecidedFromTheHeaderAlone) {
  std::vector<std::byte> header = frame_with("");
  // Announce a 4 GiB - 1 payload; only the 32 header bytes exist.
  for (std::size_t i = 0; i < 4; ++i) header[frame_offset::payload_length + i] = std::byte{0xFF};
  EXPECT_EQ(decode_header(header).code(), Errc::too_large);
  EXPECT_EQ(decode_frame(header).code(), Errc::too_large);
  // At the limit exactly: accepted by decode_header, then truncated.
  std::vector<std::byte> frame = frame_with("abcd");
  EXPECT_TRUE(decode_frame(frame, FrameLimits{36}));
  EXPECT_EQ(decode_frame(frame, FrameLimits{35}).code(), Errc::too_large);
  EXPECT_EQ(decode_frame_prefix(std::span<const std::byte>(frame).first(33), FrameLimits{36}).code(), Errc::truncated);
}

// Every bit of the frame matters: a flip is caught, by the checksum unless a
// field check fires first.
TEST(Frame, EveryBitFlipIsRejected) {
  const std::vector<std::byte> original = frame_with("checksummed payload");
  for (std::size_t bit = 0; bit < original.size() * 8; ++bit) {
    std::vector<std::byte> frame = original;
    const std::size_t at = bit / 8;
    frame[at] ^= static_cast<std::byte>(1u << (bit % 8));
    const Errc code = decode_frame(frame).code();
    if (at < 4) {
      EXPECT_EQ(code, Errc::bad_magic) << bit;
    } else if (at == frame_offset::version) {
      EXPECT_EQ(code, Errc::unsupported_version) << bit;
    } else if (at == frame_offset::header_length || (at >= 12 && at < 16)) {
      EXPECT_NE(code, Errc::ok) << bit;  // a length moved: truncated, malformed, too_large or trailing
    } else {
      EXPECT_EQ(code, Errc::bad_checksum) << bit;
    }
  }
}

TEST(Frame, ReservedBytesAreCoveredButIgnored) {
  std::vector<std::byte> frame = frame_with("x");
  frame[frame_offset::reserved] = std::byte{0x5A};
  EXPECT_EQ(decode_frame(frame).code(), Errc::bad_checksum);
  refresh_checksum(frame);
  EXPECT_TRUE(decode_frame(frame));
}

// A newer writer sends a 40-byte header; a v1 reader skips the 8 extra bytes
// (which the checksum still covers) and finds the payload after them.
TEST(Frame, LongerHeaderFromANewerWriterIsAccepted) {
  std::vector<std::byte> frame = frame_with("");
  frame[frame_offset::header_length] = std::byte{40};
  const std::vector<std::byte> extension = bytes_of({1, 2, 3, 4, 5, 6, 7, 8});
  frame.insert(frame.end(), extension.begin(), extension.end());
  const auto payload = text_bytes("body");
  frame.insert(frame.end(), payload.begin(), payload.end());
  frame[frame_offset::payload_length] = std::byte{4};
  refresh_checksum(frame);

  const Result<FrameView> view = decode_frame(frame);
  ASSERT_TRUE(view) << view.error().message();
  EXPECT_EQ(view->header.header_length, 40);
  EXPECT_EQ(view->frame_size(), 44u);
  EXPECT_EQ(view->payload.data(), frame.data() + 40);
  EXPECT_EQ(view->payload.size(), 4u);
  EXPECT_EQ(view->header.fields(), fields_under_test);

  frame[35] ^= std::byte{1};  // inside the extension
  EXPECT_EQ(decode_frame(frame).code(), Errc::bad_checksum);
}

TEST(Frame, TrailingBytesAreRejectedByDecodeFrameOnly) {
  std::vector<std::byte> two = frame_with("first");
  const std::vector<std::byte> second = frame_with("second", FrameHeaderFields{0, 2, 3});
  const std::size_t first_size = two.size();
  two.insert(two.end(), second.begin(), second.end());

  EXPECT_EQ(decode_frame(two).code(), Errc::trailing_bytes);
  const Result<FrameView> first = decode_frame_prefix(two);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->frame_size(), first_size);
  const Result<FrameView> next = decode_frame_prefix(std::span<const std::byte>(two).subspan(first->frame_size()));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->header.message_type, 2u);
  EXPECT_EQ(next->frame_size(), second.size());
}

}  // namespace
}  // namespace missive
