// missive/wire/frame.hpp - the frame: a fixed little-endian header, then the payload.
//
// Wire format v1. Every message on a stream or in a ring is one frame:
//
//   offset
//        0 +-------+-------+-------+-------+
//          | 0x89  |  'M'  |  'S'  |  'V'  |  magic
//        4 +-------+-------+-------+-------+
//          |version|hdr len|     flags     |  version = 1, header length >= 32, u16
//        8 +-------+-------+-------+-------+
//          |         message type          |  u32, chosen by the layers above
//       12 +-------+-------+-------+-------+
//          |        payload length         |  u32, bytes after the header
//       16 +-------+-------+-------+-------+
//          |                               |
//          +          request id           +  u64, pairs a reply with its request
//          |                               |
//       24 +-------+-------+-------+-------+
//          |            CRC32C             |  over header (this field as 0) + payload
//       28 +-------+-------+-------+-------+
//          |           reserved            |  written as 0, ignored by v1 readers
//       32 +-------+-------+-------+-------+
//          |  header extension             |  header length - 32 bytes, none from v1
//          |  (a newer writer's fields)    |  writers; v1 readers skip it
//          +-------+-------+-------+-------+
//          |  payload                      |  payload length bytes
//          +-------------------------------+
//
// All integers are little-endian and read byte-wise (no struct is laid over
// the buffer). The frame's size is header length + payload length; nothing
// else in the frame says where it ends. The CRC32C covers every byte of the
// frame, header extension and reserved bytes included, with bytes 24..27
// taken as zero.
//
// Reading rules:
//   - magic mismatch -> bad_magic; version != 1 -> unsupported_version;
//     header length < 32 -> malformed_frame. These are checked as soon as
//     their bytes are present, so a stream reader rejects garbage early.
//   - header length + payload length > FrameLimits::max_frame_bytes ->
//     too_large, decided from the first 32 bytes, before the reader buffers
//     (or allocates for) the rest.
//   - input shorter than the frame it announces -> truncated (read more).
//   - CRC mismatch -> bad_checksum.
//   - decode_frame() wants exactly one frame: extra bytes -> trailing_bytes.
//     decode_frame_prefix() decodes the frame at the front of a stream
//     buffer and leaves the rest alone; FrameView::frame_size() says how many
//     bytes it consumed.
//   - flags and reserved bytes are passed through / ignored, not judged.
//
// Thread safety: all functions are pure and may run concurrently on
// distinct (or read-only shared) buffers. Decoding never allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "missive/core/result.hpp"

namespace missive {

inline constexpr std::array<std::byte, 4> frame_magic{std::byte{0x89}, std::byte{'M'}, std::byte{'S'}, std::byte{'V'}};
inline constexpr std::uint8_t frame_version = 1;
inline constexpr std::size_t frame_header_size = 32;  // v1 writes exactly this, reads at least this
inline constexpr std::size_t max_frame_payload = 0xFFFF'FFFFu;

// Byte offsets of the v1 header fields.
namespace frame_offset {
inline constexpr std::size_t magic = 0;
inline constexpr std::size_t version = 4;
inline constexpr std::size_t header_length = 5;
inline constexpr std::size_t flags = 6;
inline constexpr std::size_t message_type = 8;
inline constexpr std::size_t payload_length = 12;
inline constexpr std::size_t request_id = 16;
inline constexpr std::size_t checksum = 24;
inline constexpr std::size_t reserved = 28;
}  // namespace frame_offset
static_assert(frame_offset::reserved + 4 == frame_header_size, "the v1 header is 32 bytes");

struct FrameLimits {
  std::size_t max_frame_bytes = std::size_t{16} << 20;  // header + payload
};

// What a writer chooses; the rest of the header is derived.
struct FrameHeaderFields {
  std::uint16_t flags = 0;
  std::uint32_t message_type = 0;
  std::uint64_t request_id = 0;

  friend bool operator==(const FrameHeaderFields&, const FrameHeaderFields&) = default;
};

// A decoded header.
struct FrameHeader {
  std::uint8_t version = frame_version;
  std::uint8_t header_length = frame_header_size;
  std::uint16_t flags = 0;
  std::uint32_t message_type = 0;
  std::uint32_t payload_length = 0;
  std::uint64_t request_id = 0;
  std::uint32_t checksum = 0;

  [[nodiscard]] constexpr std::size_t frame_size() const noexcept {
    return std::size_t{header_length} + std::size_t{payload_length};
  }
  [[nodiscard]] constexpr FrameHeaderFields fields() const noexcept { return {flags, message_type, request_id}; }
};

// A validated frame inside the caller's buffer (which must outlive it).
struct FrameView {
  FrameHeader header;
  std::span<const std::byte> payload;

  [[nodiscard]] constexpr std::size_t frame_size() const noexcept { return header.frame_size(); }
};

// Size of the v1 frame carrying `payload_size` bytes.
[[nodiscard]] constexpr std::size_t frame_size_for(std::size_t payload_size) noexcept {
  return frame_header_size + payload_size;
}

// Writes a v1 frame into out[0 .. frame_size_for(payload.size())) and returns
// its size. Errors: too_large (payload above 4 GiB - 1 or frame above
// limits.max_frame_bytes), invalid_argument (out too small).
[[nodiscard]] Result<std::size_t> encode_frame(const FrameHeaderFields& fields, std::span<const std::byte> payload,
                                               std::span<std::byte> out, const FrameLimits& limits = {}) noexcept;

// Appends a v1 frame to `out`. Same errors as encode_frame(); may throw std::bad_alloc.
[[nodiscard]] Status append_frame(const FrameHeaderFields& fields, std::span<const std::byte> payload,
                                  std::vector<std::byte>& out, const FrameLimits& limits = {});

// Zero-copy writers: the payload is already in frame[32..]; fills in the
// 32-byte header in front of it. Same errors as encode_frame().
[[nodiscard]] Status seal_frame(const FrameHeaderFields& fields, std::span<std::byte> frame,
                                const FrameLimits& limits = {}) noexcept;

// Checks the fixed 32 bytes at the front of `bytes` (see the reading rules)
// so that a stream reader learns the frame's size. Does not look at the
// checksum, the header extension or the payload.
[[nodiscard]] Result<FrameHeader> decode_header(std::span<const std::byte> bytes,
                                                const FrameLimits& limits = {}) noexcept;

// Validates the frame at the front of `bytes`, checksum included; bytes after
// it are not looked at. Errors: those of decode_header(), truncated, bad_checksum.
[[nodiscard]] Result<FrameView> decode_frame_prefix(std::span<const std::byte> bytes,
                                                    const FrameLimits& limits = {}) noexcept;

// Validates `bytes` as exactly one frame: as decode_frame_prefix(), and
// trailing_bytes when bytes are left over.
[[nodiscard]] Result<FrameView> decode_frame(std::span<const std::byte> bytes, const FrameLimits& limits = {}) noexcept;

}  // namespace missive
