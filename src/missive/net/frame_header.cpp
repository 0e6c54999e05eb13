#include "frame_header.hpp"

#include <algorithm>

#include "missive/platform/system_error.hpp"
#include "missive/wire/crc32c.hpp"
#include "missive/wire/detail/little_endian.hpp"

namespace missive::net::detail {

void encode_frame_header(const FrameHeaderFields& fields, std::span<const std::byte> payload,
                         FrameHeaderBytes& out) noexcept {
  using missive::detail::store_le;
  std::byte* h = out.data();
  std::copy(frame_magic.begin(), frame_magic.end(), h + frame_offset::magic);
  h[frame_offset::version] = std::byte{frame_version};
  h[frame_offset::header_length] = std::byte{frame_header_size};
  store_le<std::uint16_t>(h + frame_offset::flags, fields.flags);
  store_le<std::uint32_t>(h + frame_offset::message_type, fields.message_type);
  store_le<std::uint32_t>(h + frame_offset::payload_length, static_cast<std::uint32_t>(payload.size()));
  store_le<std::uint64_t>(h + frame_offset::request_id, fields.request_id);
  store_le<std::uint32_t>(h + frame_offset::checksum, 0);
  store_le<std::uint32_t>(h + frame_offset::reserved, 0);
  // With the checksum field zero, the CRC of header + payload is the rule's CRC.
  const std::uint32_t crc = crc32c_extend(crc32c(out), payload);
  store_le<std::uint32_t>(h + frame_offset::checksum, crc);
}

}  // namespace missive::net::detail
