#include "frame_header.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>

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

Status wait_fd(int fd, short events, Deadline deadline) noexcept {
  for (;;) {
    timespec relative{};
    timespec* timeout = nullptr;
    if (!deadline.is_never()) {
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.remaining()).count();
      relative.tv_sec = static_cast<time_t>(left / 1'000'000'000);
      relative.tv_nsec = static_cast<long>(left % 1'000'000'000);
      timeout = &relative;
    }
    pollfd entry{fd, events, 0};
    const int rc = ::ppoll(&entry, 1, timeout, nullptr);
    if (rc > 0) return ok();
    if (rc == 0) {
      if (deadline.expired()) return Error{Errc::timed_out, "deadline passed while waiting on the socket"};
      continue;  // timer slack woke us a hair early
    }
    if (errno == EINTR) continue;
    return platform::error_from_errno(errno, "ppoll on the socket failed");
  }
}

}  // namespace missive::net::detail
