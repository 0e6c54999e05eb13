// missive/transport/options.hpp - knobs of listeners and connections.
//
// One struct per role; fields that a transport does not use are ignored by it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <vector>

#include "missive/shm/ring_sender.hpp"
#include "missive/shm/wait.hpp"
#include "missive/wire/frame.hpp"

namespace missive::transport {

// Shared by both roles: how this side's half of a connection is built.
struct EndpointOptions {
  // shm: the ring this side sends on (the peer sizes the other one). Its
  // max_message_size() bounds a message: larger ones fail with too_large.
  shm::RingConfig ring{};
  // shm: how blocking calls wait (spin / spin_then_park / park) and how often
  // a sleeping side checks the peer's pidfd (liveness_interval).
  shm::WaitPolicy wait{};
  // unix: the frame limit (a received frame above it is too_large).
  FrameLimits limits{};
  // inproc: messages buffered per direction before send blocks.
  std::size_t inproc_capacity = 64;
  // inproc: largest message (unix: limits; shm: the ring).
  std::size_t inproc_max_message = std::size_t{16} << 20;
  // shm/unix listener: the longest one accept() spends on a single client's
  // handshake (a silent client must not stall accept for its whole deadline).
  std::chrono::milliseconds handshake_timeout{2000};
};

struct ListenOptions : EndpointOptions {
  // When non-empty, only peers whose uid (SO_PEERCRED; getuid() for inproc) is
  // listed may connect. shm and inproc connectors are told permission_denied;
  // unix connectors see their connection closed (no handshake to say why).
  std::vector<uid_t> allowed_uids;
  // Pending connections the kernel (or the inproc registry) queues.
  int backlog = 64;
};

struct ConnectOptions : EndpointOptions {};

}  // namespace missive::transport
