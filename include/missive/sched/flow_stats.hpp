// missive/sched/flow_stats.hpp - what a fair queue counts per flow.
//
// Plain values, copied out of the queue (FairQueue::stats / all_stats) so that
// a monitor such as `missive top` can show them without touching the queue's
// internals. Counters start when the flow is created and never reset; rates
// are differences of two snapshots divided by the time between them.
#pragma once

#include <cstdint>

#include "missive/core/deadline.hpp"
#include "missive/sched/options.hpp"

namespace missive::sched {

struct FlowStats {
  FlowId id = 0;
  // Weight the scheduler uses now: the mean message size (equal_messages),
  // 1 (equal_bytes) or the weight set by the caller (explicit_weights).
  double weight = 0;
  // Moving mean of the sizes this flow enqueued (kept in every mode); 0 before
  // the first message.
  double mean_message_bytes = 0;

  std::uint64_t enqueued_messages = 0;
  std::uint64_t enqueued_bytes = 0;
  std::uint64_t messages = 0;  // dequeued (served)
  std::uint64_t bytes = 0;     // dequeued (served)
  std::uint64_t backlog_messages = 0;
  std::uint64_t backlog_bytes = 0;

  // Enqueue-to-dequeue time of the served messages (needs measure_wait or the
  // overloads that take `now`).
  Clock::duration total_wait{0};
  Clock::duration max_wait{0};

  [[nodiscard]] Clock::duration mean_wait() const noexcept {
    return messages == 0 ? Clock::duration{0} : total_wait / static_cast<Clock::rep>(messages);
  }
};

// Whole-queue counters.
struct QueueTotals {
  std::uint64_t flows = 0;
  std::uint64_t backlogged_flows = 0;
  std::uint64_t backlog_messages = 0;
  std::uint64_t backlog_bytes = 0;
  std::uint64_t decisions = 0;  // successful dequeues
};

}  // namespace missive::sched
