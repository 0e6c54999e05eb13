// missive/sched/fair_queue.hpp - per-flow FIFOs and a fair scheduler over them.
//
//   auto q = sched::FairQueue<Request>::create({.algorithm = sched::Algorithm::wfq,
//                                               .mode = sched::FairnessMode::equal_messages}).value();
//   if (auto s = q.enqueue(client_id, std::move(request), request_bytes); !s) {
//     // would_block: this client's queue is full (flow_capacity); `request` is still ours
//   }
//   while (auto next = q.dequeue()) serve(next->flow, std::move(next->item));
//
// A server keeps one FairQueue; every client (or connection) is a flow with its
// own FIFO, and dequeue() takes the head of the flow the scheduler picks, so
// that a client with a deep queue or big messages cannot crowd out the others.
// options.hpp describes the algorithms (wfq, wf2q, drr) and the fairness modes
// (equal_messages, equal_bytes, explicit_weights); docs/fairness.md the theory
// and the measurements.
//
// Contract
//   * Single-threaded by design: the server thread that owns the queue makes
//     every call. There is no internal locking; handing the queue to another
//     thread needs a happens-before edge (a join, a mutex, a channel).
//   * Within a flow, messages leave in the order they arrived.
//   * A message is moved from only when enqueue() returns ok; on would_block
//     or invalid_argument the caller still owns it. Nothing is dropped: a
//     removed flow hands its queued messages back.
//   * Flows are created by enqueue() on first use (unless
//     create_flows_on_enqueue is off) or by add_flow(), and live until
//     remove_flow(). An idle flow costs its statistics and an empty FIFO, no
//     scheduling work, and earns no credit while idle.
//   * Costs: enqueue and dequeue are O(log n) for wfq/wf2q and O(1) for drr,
//     n the number of backlogged flows, plus one hash lookup per enqueue.
//     Memory grows to the high-water mark of queued messages (a pool of
//     nodes, detail/message_pool.hpp) and of flows, and is reused, not
//     returned. std::bad_alloc propagates and leaves every queued message in
//     place (an enqueue that creates a flow may leave the empty flow behind).
//   * At most 2^24 - 1 flows: beyond that, creating a flow fails with
//     too_large.
//   * `bytes` is what the message costs the server (include headers if they
//     matter); a 0-byte message costs 1.
//   * Waiting times: with measure_wait, enqueue() and dequeue() read Clock
//     once each. A server that already knows the time passes it (the `now`
//     overloads) and saves the reads; do not mix the two kinds of calls on
//     one queue, or the waiting times mean nothing.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/sched/detail/message_pool.hpp"
#include "missive/sched/detail/packet_meta.hpp"
#include "missive/sched/detail/scheduler_core.hpp"
#include "missive/sched/flow_stats.hpp"
#include "missive/sched/options.hpp"

namespace missive::sched {

// One message taken out of a FairQueue.
template <class T>
struct Dequeued {
  FlowId flow;
  T item;
  std::size_t bytes;        // as given to enqueue()
  Clock::duration waited;   // enqueue to dequeue (0 without measure_wait)
};

template <class T>
class FairQueue {
  static_assert(std::is_nothrow_move_constructible_v<T>, "FairQueue<T> needs a T that moves without throwing");

 public:
  // A queue with the given options, or invalid_argument naming a bad option.
  [[nodiscard]] static Result<FairQueue> create(const FairQueueOptions& options) {
    if (Status s = validate(options); !s) return s.error();
    return FairQueue(options, Validated{});
  }
  // A queue with the default options (wfq, equal_messages).
  FairQueue() : FairQueue(FairQueueOptions{}, Validated{}) {}

  FairQueue(FairQueue&&) noexcept = default;
  FairQueue& operator=(FairQueue&&) noexcept = default;
  FairQueue(const FairQueue&) = delete;
  FairQueue& operator=(const FairQueue&) = delete;
  ~FairQueue() = default;

  [[nodiscard]] const FairQueueOptions& options() const noexcept { return core_.options(); }

  // --- flows -------------------------------------------------------------

  // Adds a flow with options.default_weight. invalid_argument if it exists.
  [[nodiscard]] Status add_flow(FlowId id) { return add_flow_impl(id, options().default_weight); }
  // Adds a flow with a weight (explicit_weights mode only).
  [[nodiscard]] Status add_flow(FlowId id, double weight) {
    if (options().mode != FairnessMode::explicit_weights) {
      return Error{Errc::invalid_argument, "add_flow: weights are derived in this fairness mode"};
    }
    if (!valid_weight(weight)) return Error{Errc::invalid_argument, "add_flow: a weight must be positive and finite"};
    return add_flow_impl(id, weight);
  }

  // Removes a flow and hands back its queued messages, oldest first.
  // invalid_argument if there is no such flow.
  [[nodiscard]] Result<std::vector<T>> remove_flow(FlowId id) {
    const auto slot = core_.find(id);
    if (!slot) return Error{Errc::invalid_argument, "remove_flow: no such flow"};
    std::vector<T> items;
    items.reserve(static_cast<std::size_t>(core_.flow_backlog(*slot)));
    Fifo& fifo = fifos_[*slot];
    while (fifo.head != none) {
      const std::uint32_t node = fifo.head;
      fifo.head = pool_.next(node);
      items.push_back(std::move(pool_.item(node)));
      pool_.destroy(node);
    }
    fifo = Fifo{};
    core_.remove(*slot);
    return items;
  }

  // Sets a flow's weight (explicit_weights mode only). Messages already queued
  // keep the share they were given on arrival; later ones get the new weight.
  [[nodiscard]] Status set_weight(FlowId id, double weight) {
    const auto slot = core_.find(id);
    if (!slot) return Error{Errc::invalid_argument, "set_weight: no such flow"};
    return core_.set_weight(*slot, weight);
  }

  [[nodiscard]] bool contains(FlowId id) const noexcept { return core_.find(id).has_value(); }
  [[nodiscard]] std::size_t flow_count() const noexcept { return core_.flow_count(); }

  // --- messages ----------------------------------------------------------

  // Appends `item` (costing `bytes`) to the flow's FIFO. would_block when the
  // flow holds flow_capacity messages; invalid_argument for an unknown flow
  // when create_flows_on_enqueue is off. `item` is moved from only on ok.
  template <class U>
    requires std::is_constructible_v<T, U&&>
  [[nodiscard]] Status enqueue(FlowId flow, U&& item, std::size_t bytes) {
    return enqueue_impl(flow, std::forward<U>(item), bytes, options().measure_wait ? Clock::now() : Clock::time_point{});
  }
  template <class U>
    requires std::is_constructible_v<T, U&&>
  [[nodiscard]] Status enqueue(FlowId flow, U&& item, std::size_t bytes, Clock::time_point now) {
    return enqueue_impl(flow, std::forward<U>(item), bytes, now);
  }

  // Takes the next message the scheduler picks; would_block when every flow
  // is empty.
  [[nodiscard]] Result<Dequeued<T>> dequeue() {
    return options().measure_wait ? dequeue_impl(true, Clock::now()) : dequeue_impl(false, Clock::time_point{});
  }
  [[nodiscard]] Result<Dequeued<T>> dequeue(Clock::time_point now) { return dequeue_impl(true, now); }

  [[nodiscard]] bool empty() const noexcept { return core_.backlog_messages() == 0; }
  // Messages queued over all flows.
  [[nodiscard]] std::size_t size() const noexcept { return static_cast<std::size_t>(core_.backlog_messages()); }

  // --- statistics --------------------------------------------------------

  // One flow's counters, or invalid_argument if there is no such flow.
  [[nodiscard]] Result<FlowStats> stats(FlowId id) const {
    const auto slot = core_.find(id);
    if (!slot) return Error{Errc::invalid_argument, "stats: no such flow"};
    return core_.stats(*slot);
  }
  // Every flow's counters, by flow id.
  [[nodiscard]] std::vector<FlowStats> all_stats() const { return core_.all_stats(); }
  [[nodiscard]] QueueTotals totals() const noexcept { return core_.totals(); }

  // Test hooks: the system virtual time (wfq, wf2q) and the number of wf2q
  // decisions that found no eligible head.
  [[nodiscard]] double virtual_time_for_testing() noexcept { return core_.virtual_time(); }
  [[nodiscard]] std::uint64_t fallbacks_for_testing() const noexcept { return core_.fallbacks(); }

 private:
  struct Validated {};
  static constexpr std::uint32_t none = detail::MessagePool<T>::none;
  // One flow's messages: a list of pool nodes, oldest at head.
  struct Fifo {
    std::uint32_t head = none;
    std::uint32_t tail = none;
  };

  FairQueue(const FairQueueOptions& options, Validated) : core_(options) {}

  Status add_flow_impl(FlowId id, double weight) {
    if (core_.find(id)) return Error{Errc::invalid_argument, "add_flow: the flow exists"};
    auto created = create_flow(id, weight);
    if (!created) return created.error();
    return ok();
  }

  Result<std::uint32_t> create_flow(FlowId id, double weight) {
    if (core_.flow_count() >= detail::SchedulerCore::max_flows) {
      return Error{Errc::too_large, "the queue holds the most flows it can (2^24 - 1)"};
    }
    const std::uint32_t slot = core_.next_slot();
    if (fifos_.size() <= slot) fifos_.resize(static_cast<std::size_t>(slot) + 1);
    return core_.add(id, weight);
  }

  template <class U>
  Status enqueue_impl(FlowId flow, U&& item, std::size_t bytes, Clock::time_point now) {
    auto slot = core_.find(flow);
    if (!slot) {
      if (!options().create_flows_on_enqueue) {
        return Error{Errc::invalid_argument, "enqueue: no such flow (create_flows_on_enqueue is off)"};
      }
      auto created = create_flow(flow, options().default_weight);
      if (!created) return created.error();
      slot = *created;
    }
    if (options().flow_capacity != 0 && core_.flow_backlog(*slot) >= options().flow_capacity) {
      return Error{Errc::would_block, "enqueue: the flow holds flow_capacity messages"};
    }
    const std::uint32_t node = pool_.create(std::forward<U>(item));
    detail::PacketMeta& meta = pool_.meta(node);
    meta.bytes = bytes;
    meta.enqueued = now;
    Fifo& fifo = fifos_[*slot];
    const bool was_empty = fifo.head == none;
    if (was_empty) {
      fifo.head = node;
    } else {
      pool_.next(fifo.tail) = node;
    }
    fifo.tail = node;
    core_.on_enqueue(*slot, meta, was_empty);
    return ok();
  }

  Result<Dequeued<T>> dequeue_impl(bool timed, Clock::time_point now) {
    if (core_.backlog_messages() == 0) return Error{Errc::would_block, "dequeue: every flow is empty"};
    const std::uint32_t slot = core_.pick();
    Fifo& fifo = fifos_[slot];
    const std::uint32_t node = fifo.head;
    fifo.head = pool_.next(node);
    if (fifo.head == none) fifo.tail = none;
    const detail::PacketMeta meta = pool_.meta(node);
    Result<Dequeued<T>> out =
        Dequeued<T>{core_.id(slot), std::move(pool_.item(node)), static_cast<std::size_t>(meta.bytes),
                    timed && now > meta.enqueued ? now - meta.enqueued : Clock::duration::zero()};
    pool_.destroy(node);
    core_.on_dequeue(slot, meta, out->waited, fifo.head == none ? nullptr : &pool_.meta(fifo.head));
    return out;
  }

  detail::SchedulerCore core_;
  detail::MessagePool<T> pool_;
  std::vector<Fifo> fifos_;  // one per slot of core_
};

}  // namespace missive::sched
