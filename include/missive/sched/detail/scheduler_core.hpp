// missive/sched/detail/scheduler_core.hpp - everything a FairQueue does
// except storing the messages: the flow table, the weights of each fairness
// mode, the per-flow statistics and the scheduling engine.
//
// Contract: single-threaded; owned by one FairQueue<T>, which keeps one FIFO per
// slot and tells the core about every arrival and departure. Not a template,
// so the algorithms are compiled once, in src/missive/sched/.
//
// Invariants
//   * A slot is live iff slot_of_ maps its id to it; dead slots are on free_.
//   * backlog_messages_ == sum over live slots of backlog_messages, and a live
//     slot has backlog_messages > 0 iff the engine holds its head.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/sched/detail/drr_engine.hpp"
#include "missive/sched/detail/flow_map.hpp"
#include "missive/sched/detail/indexed_heap.hpp"
#include "missive/sched/detail/packet_meta.hpp"
#include "missive/sched/detail/wfq_engine.hpp"
#include "missive/sched/flow_stats.hpp"
#include "missive/sched/options.hpp"

namespace missive::sched::detail {

class SchedulerCore {
 public:
  // `options` must pass validate().
  explicit SchedulerCore(const FairQueueOptions& options);

  [[nodiscard]] const FairQueueOptions& options() const noexcept { return options_; }

  // Most flows a queue can hold (slots must fit the heaps' 24 bits).
  static constexpr std::size_t max_flows = IndexedHeap::max_slots - 1;

  // Flow table. Slots are small integers, reused after removal.
  [[nodiscard]] std::optional<std::uint32_t> find(FlowId id) const noexcept;
  // The slot the next add() will use (the owner sizes its storage first).
  [[nodiscard]] std::uint32_t next_slot() const noexcept;
  // Adds a flow that is not present (and flow_count() < max_flows). weight:
  // explicit_weights only, validated. May throw std::bad_alloc, changing nothing.
  std::uint32_t add(FlowId id, double weight);
  // Forgets a live flow; the owner has taken its messages out already.
  void remove(std::uint32_t slot) noexcept;
  [[nodiscard]] Status set_weight(std::uint32_t slot, double weight) noexcept;
  [[nodiscard]] FlowId id(std::uint32_t slot) const noexcept { return flows_[slot].stats.id; }

  // Messages. on_enqueue fills the scheduling fields of `meta` (bytes and
  // enqueued are the owner's); `was_empty`: it is the flow's new head.
  void on_enqueue(std::uint32_t slot, PacketMeta& meta, bool was_empty) noexcept;
  // The slot whose head goes next. Requires backlog_messages() > 0.
  [[nodiscard]] std::uint32_t pick() noexcept;
  // The head of `slot` (just picked) was taken out; `next` is the new head.
  void on_dequeue(std::uint32_t slot, const PacketMeta& served, Clock::duration waited,
                  const PacketMeta* next) noexcept;

  [[nodiscard]] std::uint64_t backlog_messages() const noexcept { return backlog_messages_; }
  [[nodiscard]] std::uint64_t flow_backlog(std::uint32_t slot) const noexcept {
    return flows_[slot].stats.backlog_messages;
  }
  [[nodiscard]] std::size_t flow_count() const noexcept { return slot_of_.size(); }
  [[nodiscard]] const FlowStats& stats(std::uint32_t slot) const noexcept { return flows_[slot].stats; }
  [[nodiscard]] std::vector<FlowStats> all_stats() const;
  [[nodiscard]] QueueTotals totals() const noexcept;

  // Diagnostics for tests (wfq and wf2q only; 0 for drr).
  [[nodiscard]] double virtual_time() noexcept;
  [[nodiscard]] std::uint64_t fallbacks() const noexcept;

 private:
  struct Flow {
    FlowStats stats;  // stats.id and stats.weight double as the flow's identity and weight
    double explicit_weight = 1;
    bool live = false;
  };

  [[nodiscard]] double weight_of(const Flow& f) const noexcept;
  [[nodiscard]] double quantum_of(const Flow& f) const noexcept;
  [[nodiscard]] bool uses_drr() const noexcept { return options_.algorithm == Algorithm::drr; }

  FairQueueOptions options_;
  std::vector<Flow> flows_;
  std::vector<std::uint32_t> free_;
  std::size_t slot_capacity_ = 0;  // slots every engine and vector has room for
  FlowMap slot_of_;
  WfqEngine wfq_;
  DrrEngine drr_;
  std::uint64_t backlog_messages_ = 0;
  std::uint64_t backlog_bytes_ = 0;
  std::uint64_t backlogged_flows_ = 0;
  std::uint64_t decisions_ = 0;
};

}  // namespace missive::sched::detail
