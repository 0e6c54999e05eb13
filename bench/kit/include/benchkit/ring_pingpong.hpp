// benchkit/ring_pingpong.hpp - missive's shm rings between two processes,
// below the transport layer: one RingSender/RingReceiver pair each way, the
// descriptors handed over with SCM_RIGHTS over a seqpacket socketpair, a
// fork()ed echo child pinned to another CPU (raw_baselines.hpp conventions).
// Shared by bench/transport_bench and `missive bench`.
//
// Not thread-safe: forks, and pins the calling process while it measures.
#pragma once

#include <cstddef>
#include <cstdint>

#include "benchkit/raw_baselines.hpp"
#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"
#include "missive/shm/ring_receiver.hpp"
#include "missive/shm/ring_sender.hpp"
#include "missive/shm/wait.hpp"

namespace benchkit {

// Ring sizes for a message of `size` bytes: copy rings (a record is at most
// capacity / 2) and a default ring with a pool of 4 loan buffers of `size`.
[[nodiscard]] missive::shm::RingConfig ring_for(std::size_t size);
[[nodiscard]] missive::shm::RingConfig pooled_ring_for(std::size_t size);

// Sends the sender's descriptors (data, control, pool when it has one) over
// `socket`; take_over() attaches the receiving end.
[[nodiscard]] missive::Status hand_over(const missive::platform::Fd& socket, const missive::shm::RingSender& sender);
[[nodiscard]] missive::Result<missive::shm::RingReceiver> take_over(const missive::platform::Fd& socket,
                                                                    const missive::shm::WaitPolicy& policy);

// `size`-byte messages copied into the ring and out of it (recv_into), both ways.
[[nodiscard]] rawbase::Timing ring_copy_pingpong(std::size_t size, std::uint64_t rounds,
                                                 const missive::shm::WaitPolicy& policy);

// Zero-copy: each side loans a pool buffer of `size` bytes, writes an 8-byte
// sequence number at its start (an application would write its message in
// place; the transport copies nothing), sends the loan; the peer reads the
// number through a View and drops it, returning the buffer. The transport's
// cost for a `size`-byte message, which should not depend on the size.
[[nodiscard]] rawbase::Timing ring_view_pingpong(std::size_t size, std::uint64_t rounds,
                                                 const missive::shm::WaitPolicy& policy);

}  // namespace benchkit
