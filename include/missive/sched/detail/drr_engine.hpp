// missive/sched/detail/drr_engine.hpp - deficit round robin over flow slots.
//
// Contract: single-threaded; owned by a SchedulerCore. Never allocates after
// reserve_slots().
//
// Algorithm (Shreedhar and Varghese, 1995). Backlogged flows wait in a FIFO
// ring. The flow at the front receives its quantum Q_i once per turn (added to
// its deficit counter) and sends head messages while the head fits in the
// deficit; when the head does not fit, the turn ends and the flow goes to the
// back keeping its deficit (always less than its largest message). A flow whose
// queue empties leaves the ring and its deficit is reset to 0, so an idle flow
// never hoards credit. A newly backlogged flow joins at the back.
//
// Cost: O(1) per decision when Q_i >= the flow's largest message; a message
// larger than Q_i needs ceil(size / Q_i) turns, each an O(1) step.
//
// Bound: over any period in which flow i stays backlogged, it is served
// between k*Q_i - L_i,max and k*Q_i + L_i,max bytes in k turns; against the
// fluid reference a flow is ahead or behind by at most about one quantum plus
// a largest message (tests/sched/gps_lag_test.cpp states and checks the bound).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace missive::sched::detail {

class DrrEngine {
 public:
  void reserve_slots(std::size_t n);

  // A message of `cost` bytes arrives at `slot`, whose quantum is now
  // `quantum` (> 0). `was_empty`: it is the flow's new head.
  void arrive(std::uint32_t slot, double cost, double quantum, bool was_empty) noexcept;
  // The flow whose head goes next. Requires at least one queued message.
  [[nodiscard]] std::uint32_t pick() noexcept;
  // The head of `slot` (just picked) was served. next_cost: the cost of the
  // flow's new head, or a negative value when the flow is now empty.
  void depart(std::uint32_t slot, double cost, double next_cost) noexcept;
  // The quantum from the flow's next turn on.
  void set_quantum(std::uint32_t slot, double quantum) noexcept;
  // Forgets a flow, queued messages included.
  void remove(std::uint32_t slot) noexcept;

 private:
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

  struct Flow {
    double deficit = 0;
    double quantum = 0;
    double head_cost = 0;
    std::uint32_t prev = none;
    std::uint32_t next = none;
    bool active = false;
  };

  void push_back(std::uint32_t slot) noexcept;
  void unlink(std::uint32_t slot) noexcept;
  void end_turn() noexcept;

  std::vector<Flow> flows_;
  std::uint32_t front_ = none;
  std::uint32_t back_ = none;
  bool front_charged_ = false;  // the front flow has received this turn's quantum
};

}  // namespace missive::sched::detail
