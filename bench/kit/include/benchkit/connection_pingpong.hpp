// benchkit/connection_pingpong.hpp - ping-pong through missive's public
// transport API (transport::Listener / Connection) between this process and a
// fork()ed echo child pinned to another CPU (shm://, unix:@), or an echo
// thread of this process (inproc://). raw_baselines.hpp conventions: the
// parent sends `size` bytes, the peer receives them into its own buffer and
// sends them back; one way = round trip / 2; warm-up, then timed blocks.
// Shared by `missive calibrate` (benchkit/calibration.hpp) and `missive bench`.
//
// Not thread-safe: forks, and pins the calling process while it measures.
#pragma once

#include <cstddef>
#include <cstdint>

#include "benchkit/raw_baselines.hpp"
#include "missive/transport/address.hpp"
#include "missive/transport/options.hpp"

namespace benchkit {

// The options of both ends: the ring (shm) sized for `size`, a pool of 4
// buffers of `size` unless the path is inline_copy, the given wait policy,
// send path and crossover (used by automatic only).
struct PingPongOptions {
  missive::shm::WaitPolicy wait{missive::shm::WaitStrategy::spin, 0, std::chrono::milliseconds(20)};
  missive::transport::SendPath path = missive::transport::SendPath::inline_copy;
  std::size_t crossover_bytes = 0;
};

// `rounds` timed round trips of `size`-byte messages over a fresh listener and
// connection of `scheme`. Timing::ok is false when any step failed.
[[nodiscard]] rawbase::Timing connection_pingpong(missive::transport::Scheme scheme, std::size_t size,
                                                  std::uint64_t rounds, const PingPongOptions& options = {});

}  // namespace benchkit
