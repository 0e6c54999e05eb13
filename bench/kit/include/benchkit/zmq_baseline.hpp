// benchkit/zmq_baseline.hpp - ZeroMQ ipc, the library missive is compared with.
//
// In its own static library (missive_benchkit_zmq, linking libzmq) so that
// only the binaries that measure ZeroMQ (bench/transport_bench, the missive
// CLI for `missive bench`) depend on it; the missive libraries never do.
// This header does not include zmq.hpp.
//
// Contexts are created after fork() on each side (a context's I/O threads do
// not survive fork), and neither side is pinned: ZeroMQ's I/O threads would
// be squeezed onto the core of the thread they serve.
#pragma once

#include <cstddef>
#include <cstdint>

#include "benchkit/raw_baselines.hpp"

namespace benchkit {

// `size`-byte ping-pong over a PAIR socket on ipc:// between this process and
// a forked echo child (raw_baselines.hpp conventions).
[[nodiscard]] rawbase::Timing zmq_pingpong(std::size_t size, std::uint64_t rounds);

// One-way PUSH/PULL streaming of `n` messages of `size` bytes; msgs/s, 0 on failure.
[[nodiscard]] double zmq_stream(std::uint64_t n, std::size_t size);

}  // namespace benchkit
