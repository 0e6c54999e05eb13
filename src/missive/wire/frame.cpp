// Frame v1 encoding and validation (layout in missive/wire/frame.hpp).
#include "missive/wire/frame.hpp"

#include <algorithm>
#include <cstring>

#include "missive/wire/crc32c.hpp"
#include "missive/wire/detail/little_endian.hpp"

namespace missive {
namespace {

using detail::load_le;
using detail::store_le;

constexpr std::array<std::byte, 4> zero_checksum{};

// CRC32C of a whole frame (header_length + payload bytes) with the checksum
// field taken as zero.
std::uint32_t frame_checksum(std::span<const std::byte> frame) noexcept {
  std::uint32_t crc = crc32c(frame.first(frame_offset::checksum));
  crc = crc32c_extend(crc, zero_checksum);
  return crc32c_extend(crc, frame.subspan(frame_offset::reserved));
}

Status check_encodable(std::size_t payload_size, const FrameLimits& limits) noexcept {
  if (payload_size > max_frame_payload) return Error{Errc::too_large, "payload above the u32 length field"};
  if (frame_size_for(payload_size) > limits.max_frame_bytes) {
    return Error{Errc::too_large, "frame above FrameLimits::max_frame_bytes"};
  }
  return ok();
}

void write_header(const FrameHeaderFields& fields, std::span<std::byte> frame) noexcept {
  std::byte* h = frame.data();
  std::copy(frame_magic.begin(), frame_magic.end(), h + frame_offset::magic);
  h[frame_offset::version] = std::byte{frame_version};
  h[frame_offset::header_length] = std::byte{frame_header_size};
  store_le<std::uint16_t>(h + frame_offset::flags, fields.flags);
  store_le<std::uint32_t>(h + frame_offset::message_type, fields.message_type);
  store_le<std::uint32_t>(h + frame_offset::payload_length,
                          static_cast<std::uint32_t>(frame.size() - frame_header_size));
  store_le<std::uint64_t>(h + frame_offset::request_id, fields.request_id);
  store_le<std::uint32_t>(h + frame_offset::reserved, 0);
  store_le<std::uint32_t>(h + frame_offset::checksum, frame_checksum(frame));
}

// The magic bytes present so far must match (a stream reader may hold fewer than 4).
bool magic_prefix_matches(std::span<const std::byte> bytes) noexcept {
  const std::size_t present = std::min(bytes.size(), frame_magic.size());
  return std::equal(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(present), frame_magic.begin());
}

FrameHeader read_header(const std::byte* h) noexcept {
  FrameHeader header;
  header.version = load_le<std::uint8_t>(h + frame_offset::version);
  header.header_length = load_le<std::uint8_t>(h + frame_offset::header_length);
  header.flags = load_le<std::uint16_t>(h + frame_offset::flags);
  header.message_type = load_le<std::uint32_t>(h + frame_offset::message_type);
  header.payload_length = load_le<std::uint32_t>(h + frame_offset::payload_length);
  header.request_id = load_le<std::uint64_t>(h + frame_offset::request_id);
  header.checksum = load_le<std::uint32_t>(h + frame_offset::checksum);
  return header;
}

}  // namespace

Status seal_frame(const FrameHeaderFields& fields, std::span<std::byte> frame, const FrameLimits& limits) noexcept {
  if (frame.size() < frame_header_size)
    return Error{Errc::invalid_argument, "a frame needs room for its 32-byte header"};
  if (Status s = check_encodable(frame.size() - frame_header_size, limits); !s) return s;
  write_header(fields, frame);
  return ok();
}

Result<std::size_t> encode_frame(const FrameHeaderFields& fields, std::span<const std::byte> payload,
                                 std::span<std::byte> out, const FrameLimits& limits) noexcept {
  if (Status s = check_encodable(payload.size(), limits); !s) return s.error();
  const std::size_t size = frame_size_for(payload.size());
  if (out.size() < size) return Error{Errc::invalid_argument, "output buffer smaller than frame_size_for(payload)"};
  if (!payload.empty()) std::memmove(out.data() + frame_header_size, payload.data(), payload.size());
  write_header(fields, out.first(size));
  return size;
}

Status append_frame(const FrameHeaderFields& fields, std::span<const std::byte> payload, std::vector<std::byte>& out,
                    const FrameLimits& limits) {
  if (Status s = check_encodable(payload.size(), limits); !s) return s;
  const std::size_t start = out.size();
  out.resize(start + frame_header_size);
  out.insert(out.end(), payload.begin(), payload.end());
  write_header(fields, std::span<std::byte>(out).subspan(start));
  return ok();
}

Result<FrameHeader> decode_header(std::span<const std::byte> bytes, const FrameLimits& limits) noexcept {
  if (!magic_prefix_matches(bytes)) return Error{Errc::bad_magic, "not a missive frame"};
  if (bytes.size() > frame_offset::version && bytes[frame_offset::version] != std::byte{frame_version}) {
    return Error{Errc::unsupported_version, "this build reads wire format version 1 only"};
  }
  if (bytes.size() > frame_offset::header_length &&
      static_cast<std::size_t>(bytes[frame_offset::header_length]) < frame_header_size) {
    return Error{Errc::malformed_frame, "header length below 32 bytes"};
  }
  if (bytes.size() < frame_header_size) return Error{Errc::truncated, "a frame header needs 32 bytes"};
  const FrameHeader header = read_header(bytes.data());
  if (header.frame_size() > limits.max_frame_bytes) {
    return Error{Errc::too_large, "frame above FrameLimits::max_frame_bytes"};
  }
  return header;
}

Result<FrameView> decode_frame_prefix(std::span<const std::byte> bytes, const FrameLimits& limits) noexcept {
  const Result<FrameHeader> header = decode_header(bytes, limits);
  if (!header) return header.error();
  if (bytes.size() < header->frame_size()) return Error{Errc::truncated, "input ends inside the frame"};
  const std::span<const std::byte> frame = bytes.first(header->frame_size());
  if (frame_checksum(frame) != header->checksum) return Error{Errc::bad_checksum, "CRC32C mismatch"};
  return FrameView{*header, frame.subspan(header->header_length)};
}

Result<FrameView> decode_frame(std::span<const std::byte> bytes, const FrameLimits& limits) noexcept {
  Result<FrameView> view = decode_frame_prefix(bytes, limits);
  if (view && view->frame_size() != bytes.size()) {
    return Error{Errc::trailing_bytes, "bytes follow the frame; use decode_frame_prefix for streams"};
  }
  return view;
}

}  // namespace missive
