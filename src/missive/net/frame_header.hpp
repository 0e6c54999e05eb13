// frame_header.hpp - internal: a v1 frame header for a payload that lives elsewhere.
//
// wire/frame.hpp encodes whole frames into one buffer; a vectored writer wants
// the 32 header bytes alone so that the payload goes to the kernel straight
// from the caller's memory. The layout and checksum rule are those of
// wire/frame.hpp (CRC32C over header with bytes 24..27 as zero, then the
// payload); net_test checks every header written here with decode_frame().
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/wire/frame.hpp"

namespace missive::net::detail {

using FrameHeaderBytes = std::array<std::byte, frame_header_size>;

// Fills `out` with the header of a frame carrying `payload`. The caller has
// checked the payload against the limits (at most max_frame_payload bytes).
void encode_frame_header(const FrameHeaderFields& fields, std::span<const std::byte> payload,
                         FrameHeaderBytes& out) noexcept;


}  // namespace missive::net::detail
