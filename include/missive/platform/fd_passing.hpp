// missive/platform/fd_passing.hpp - handing descriptors to a peer with SCM_RIGHTS.
//
// A descriptor sent over a Unix socket arrives in the receiving process as a
// new descriptor for the SAME open file: a memfd sent this way is the same
// memory on both sides. Each message carries a small payload (at least one
// byte: SOCK_STREAM cannot carry ancillary data alone) and up to
// max_passed_fds descriptors.
//
// Thread safety: as for the socket itself; concurrent senders on one
// SOCK_STREAM socket may interleave their payloads.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"

namespace missive::platform {

inline constexpr std::size_t max_passed_fds = 16;

// Sends `payload` (1+ bytes) with `fds` attached. The sender keeps its own
// descriptors. closed when the peer has gone, timed_out at the deadline.
[[nodiscard]] Status send_fds(const Fd& socket, std::span<const std::byte> payload, std::span<const int> fds,
                              Deadline deadline = Deadline::never());

struct ReceivedFds {
  std::size_t payload_bytes = 0;  // bytes written to the caller's payload buffer
  std::vector<Fd> fds;            // the descriptors that came with it (close-on-exec)
};

// Receives one message: its payload into `payload`, its descriptors into the
// result. closed when the peer has gone without sending, too_large when the
// payload or the descriptors did not fit (whatever arrived is closed, never
// leaked), timed_out at the deadline.
[[nodiscard]] Result<ReceivedFds> recv_fds(const Fd& socket, std::span<std::byte> payload,
                                           Deadline deadline = Deadline::never());

}  // namespace missive::platform
