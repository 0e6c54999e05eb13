// missive/sched/detail/wfq_engine.hpp - WFQ and WF2Q over flow slots.
//
// Contract: single-threaded; owned by a SchedulerCore, which calls it with
// slots it has reserved. The engine never sees the messages themselves, only
// their PacketMeta, and never allocates after reserve_slots().
//
// Model. The server is a link of rate 1 byte per unit of "work time": serving
// a message of c bytes takes c units, and the work clock advances by c at each
// depart(). Arrivals are stamped with the work clock at the moment they are
// enqueued, which is the next decision instant. Idle real time does not exist
// in this clock: when the queue is empty, the fluid reference is empty too (both
// are work-conserving over the same arrivals), so nothing happens until the next
// arrival.
//
// Virtual time. The fluid reference (GPS) serves every flow that is backlogged
// *in the fluid system* at rate w_i / W_B, where W_B is the sum of their weights.
// The system virtual time V advances at dV/dt = 1 / W_B, so a fluid flow of
// weight w receives w * dV bytes. A message of cost c arriving at flow i gets
//   S = max(V(arrival), F_i_last),   F = S + c / w_i,   F_i_last = F,
// i.e. S and F are the virtual times at which the fluid reference starts and
// finishes it. Flow i leaves the fluid backlog when V reaches F_i_last, which
// may be before or after the real queue serves its last message.
//
// The emulation keeps a heap of the fluid-backlogged flows keyed by F_i_last.
// Advancing the clock by dt walks V forward, and whenever V would pass the
// smallest F_i_last it stops there, removes that flow from W_B and continues
// with the rest of dt. Keys are refreshed lazily: an arrival raises F_i_last
// without touching the heap, so a heap key is a lower bound; when V reaches a
// stale key, the flow is refiled under its real F_i_last. Each flow leaves the
// fluid backlog at most once per arrival, so the walk is O(log n) amortized.
//
// Selection. wfq (PGPS): the head with the smallest F (ties: earlier arrival).
// wf2q: among heads with S <= V (eligible: the fluid reference has started
// them), the smallest F; heads not yet eligible wait in a second heap keyed by
// S and move over as V passes their S.
//
// Bounds (Parekh-Gallager for PGPS, Bennett-Zhang for WF2Q), with W_i(t) the
// bytes of flow i served by time t and L_max the largest message:
//   wfq:  W_i^GPS(t) - W_i(t) <= L_max
//   wf2q: W_i^GPS(t) - W_i(t) <= L_max   and   W_i(t) - W_i^GPS(t) <= L_i,max
// tests/sched/gps_lag_test.cpp checks both against an independent fluid model.
//
// Weight changes apply to messages that arrive after the change; the fluid
// reference switches the flow's rate at once, so until the flow's older
// messages are through, V is an approximation (the order among backlogged
// flows is unaffected). When the real queue empties, V, the clock and every
// flow's F_i_last restart from 0 (an epoch counter makes that O(1)), which also
// keeps the doubles small.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "missive/sched/detail/indexed_heap.hpp"
#include "missive/sched/detail/packet_meta.hpp"

namespace missive::sched::detail {

class WfqEngine {
 public:
  // eligible_only: false for wfq, true for wf2q.
  explicit WfqEngine(bool eligible_only) noexcept : eligible_only_(eligible_only) {}

  // Makes room for slots [0, n); the only call that allocates.
  void reserve_slots(std::size_t n);

  // A message of meta.cost() bytes arrives at `slot`, whose weight is now
  // `weight` (> 0). Fills meta.start, meta.finish and meta.seq. `was_empty`:
  // the flow had no queued message, so this one is its head.
  void arrive(std::uint32_t slot, double weight, bool was_empty, PacketMeta& meta) noexcept;
  // The flow whose head goes next. Requires at least one queued message.
  [[nodiscard]] std::uint32_t pick() noexcept;
  // The head of `slot` (just picked) was served; `next` is the flow's new head
  // or null when the flow is now empty.
  void depart(std::uint32_t slot, double cost, const PacketMeta* next) noexcept;
  // The flow's weight for messages arriving from now on.
  void set_weight(std::uint32_t slot, double weight) noexcept;
  // Forgets a flow, queued messages included (the caller drops or returns them).
  void remove(std::uint32_t slot) noexcept;

  // Diagnostics for tests.
  [[nodiscard]] double virtual_time() noexcept;
  // wf2q decisions that found no eligible head and served the smallest start
  // tag instead (exact arithmetic never needs it; rounding can).
  [[nodiscard]] std::uint64_t fallbacks() const noexcept { return fallbacks_; }

 private:
  struct Flow {
    double last_finish = 0;  // F_i_last, in the current epoch
    double gps_weight = 0;   // the weight this flow adds to W_B while fluid-backlogged
    double head_finish = 0;  // wf2q: tags of the real head while it waits in pending_
    std::uint64_t head_seq = 0;
    std::uint64_t epoch = 0;  // fields above are valid only when epoch == epoch_
    bool in_gps = false;
  };

  void advance_fluid() noexcept;
  [[nodiscard]] double eligibility_horizon() const noexcept;
  void file_head(std::uint32_t slot, const PacketMeta& head) noexcept;
  void promote_pending_top() noexcept;
  void reset_if_idle() noexcept;
  void recompute_fluid_weight() noexcept;
  Flow& current(std::uint32_t slot) noexcept;

  bool eligible_only_;
  std::vector<Flow> flows_;
  IndexedHeap ready_;    // real heads by (F, seq); wf2q: eligible heads only
  IndexedHeap pending_;  // wf2q: real heads not yet eligible, by (S, seq)
  IndexedHeap fluid_;    // fluid-backlogged flows by a lower bound of F_i_last
  double clock_ = 0;       // work time: bytes served since the last reset
  double fluid_clock_ = 0; // work time V has been advanced to
  double v_ = 0;           // system virtual time V(fluid_clock_)
  double fluid_weight_ = 0;  // W_B
  std::uint64_t seq_ = 0;
  std::uint64_t epoch_ = 1;
  std::uint64_t fallbacks_ = 0;
};

}  // namespace missive::sched::detail
