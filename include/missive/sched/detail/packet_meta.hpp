// missive/sched/detail/packet_meta.hpp - what the scheduler keeps with each
// queued message.
#pragma once

#include <algorithm>
#include <cstdint>

#include "missive/core/deadline.hpp"

namespace missive::sched::detail {

struct PacketMeta {
  std::uint64_t bytes = 0;     // size as enqueued
  double start = 0;            // virtual start tag (wfq, wf2q)
  double finish = 0;           // virtual finish tag (wfq, wf2q)
  std::uint64_t seq = 0;       // arrival number; breaks ties between equal tags
  Clock::time_point enqueued;  // for the waiting-time statistics

  // Bytes of service the message costs the scheduler: a message always costs
  // something, so an empty message counts as one byte.
  [[nodiscard]] double cost() const noexcept { return static_cast<double>(std::max<std::uint64_t>(bytes, 1)); }
};

}  // namespace missive::sched::detail
