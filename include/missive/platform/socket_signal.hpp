// missive/platform/socket_signal.hpp - a connected socket used as a doorbell for poll/epoll.
//
// One side signals by sending a one-byte packet; the other side's descriptor
// becomes readable, so a thread can wait on it together with any other
// descriptors. When the peer's process exits, the kernel closes its end and
// ours reads end-of-file: the same descriptor also reports a dead peer.
//
// Thread safety: signal_socket and drain_socket may run concurrently on one
// descriptor (one thread signalling the peer, another draining our own
// signals); neither ever blocks.
#pragma once

#include <cstddef>

#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"

namespace missive::platform {

// Sends a one-byte packet without waiting (MSG_DONTWAIT | MSG_NOSIGNAL). ok
// also when the socket buffer is full (the peer then has unread signals) or
// the peer is gone (it will wait for nothing more).
Status signal_socket(const Fd& socket) noexcept;

struct Drained {
  std::size_t packets = 0;   // signals read (and discarded)
  bool peer_closed = false;  // end-of-file: the peer's end is closed (or it sent an empty packet)
  bool more = false;         // stopped at max_packets: signals may remain (the descriptor stays readable)
};
// Reads pending packets without waiting, at most `max_packets` (a peer that
// floods signals cannot keep us here). System errors other than EAGAIN.
[[nodiscard]] Result<Drained> drain_socket(const Fd& socket, std::size_t max_packets = 64) noexcept;

}  // namespace missive::platform
