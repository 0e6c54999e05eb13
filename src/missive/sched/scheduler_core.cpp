// The mode-dependent weights, the flow table and the statistics around the
// WFQ and DRR engines (see detail/scheduler_core.hpp).
#include "missive/sched/detail/scheduler_core.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace missive::sched::detail {

SchedulerCore::SchedulerCore(const FairQueueOptions& options)
    : options_(options), wfq_(options.algorithm == Algorithm::wf2q) {}

std::optional<std::uint32_t> SchedulerCore::find(FlowId id) const noexcept { return slot_of_.find(id); }

std::uint32_t SchedulerCore::next_slot() const noexcept {
  return free_.empty() ? static_cast<std::uint32_t>(flows_.size()) : free_.back();
}

std::uint32_t SchedulerCore::add(FlowId id, double weight) {
  assert(!slot_of_.find(id) && slot_of_.size() < max_flows);
  const std::uint32_t slot = next_slot();
  const std::size_t needed = static_cast<std::size_t>(slot) + 1;
  if (needed > slot_capacity_) {
    // Grow geometrically, and every engine with it, before anything changes.
    const std::size_t capacity = std::max<std::size_t>({needed, slot_capacity_ * 2, 16});
    if (uses_drr()) {
      drr_.reserve_slots(capacity);
    } else {
      wfq_.reserve_slots(capacity);
    }
    flows_.reserve(capacity);
    free_.reserve(capacity);
    slot_capacity_ = capacity;
  }
  slot_of_.reserve(slot_of_.size() + 1);
  slot_of_.insert(id, slot);  // cannot throw after the reserve
  if (slot == flows_.size()) {
    flows_.emplace_back();
  } else {
    free_.pop_back();
  }
  Flow& f = flows_[slot];
  f = Flow{};
  f.live = true;
  f.explicit_weight = weight;
  f.stats.id = id;
  f.stats.weight = weight_of(f);
  return slot;
}

void SchedulerCore::remove(std::uint32_t slot) noexcept {
  Flow& f = flows_[slot];
  assert(f.live);
  if (uses_drr()) {
    drr_.remove(slot);
  } else {
    wfq_.remove(slot);
  }
  backlog_messages_ -= f.stats.backlog_messages;
  backlog_bytes_ -= f.stats.backlog_bytes;
  if (f.stats.backlog_messages > 0) --backlogged_flows_;
  slot_of_.erase(f.stats.id);
  f = Flow{};
  free_.push_back(slot);  // capacity reserved in add()
}

double SchedulerCore::weight_of(const Flow& f) const noexcept {
  switch (options_.mode) {
    case FairnessMode::equal_messages:
      // Before the first message the size is unknown; any positive value will
      // do, the first arrival replaces it.
      return f.stats.mean_message_bytes > 0 ? f.stats.mean_message_bytes : 1.0;
    case FairnessMode::equal_bytes:
      return 1.0;
    case FairnessMode::explicit_weights:
      return f.explicit_weight;
  }
  return 1.0;
}

double SchedulerCore::quantum_of(const Flow& f) const noexcept {
  const double per_weight =
      options_.mode == FairnessMode::equal_messages ? options_.drr_messages_per_turn : options_.drr_quantum_bytes;
  // At least a byte per turn: a vanishing quantum (a weight of 1e-300) would
  // make a decision take practically forever.
  return std::max(1.0, f.stats.weight * per_weight);
}

Status SchedulerCore::set_weight(std::uint32_t slot, double weight) noexcept {
  if (options_.mode != FairnessMode::explicit_weights) {
    return Error{Errc::invalid_argument, "set_weight: this fairness mode derives the weights (use explicit_weights)"};
  }
  if (!valid_weight(weight)) {
    return Error{Errc::invalid_argument, "set_weight: a weight must be a positive finite number"};
  }
  Flow& f = flows_[slot];
  f.explicit_weight = weight;
  f.stats.weight = weight;
  if (uses_drr()) {
    drr_.set_quantum(slot, quantum_of(f));
  } else {
    wfq_.set_weight(slot, weight);
  }
  return ok();
}

void SchedulerCore::on_enqueue(std::uint32_t slot, PacketMeta& meta, bool was_empty) noexcept {
  Flow& f = flows_[slot];
  FlowStats& s = f.stats;
  const double cost = meta.cost();
  s.mean_message_bytes =
      s.enqueued_messages == 0 ? cost : s.mean_message_bytes + options_.size_ewma_alpha * (cost - s.mean_message_bytes);
  s.weight = weight_of(f);
  ++s.enqueued_messages;
  s.enqueued_bytes += meta.bytes;
  ++s.backlog_messages;
  s.backlog_bytes += meta.bytes;
  ++backlog_messages_;
  backlog_bytes_ += meta.bytes;
  if (was_empty) ++backlogged_flows_;
  if (uses_drr()) {
    drr_.arrive(slot, cost, quantum_of(f), was_empty);
  } else {
    wfq_.arrive(slot, s.weight, was_empty, meta);
  }
}

std::uint32_t SchedulerCore::pick() noexcept {
  assert(backlog_messages_ > 0);
  return uses_drr() ? drr_.pick() : wfq_.pick();
}

void SchedulerCore::on_dequeue(std::uint32_t slot, const PacketMeta& served, Clock::duration waited,
                               const PacketMeta* next) noexcept {
  FlowStats& s = flows_[slot].stats;
  ++s.messages;
  s.bytes += served.bytes;
  --s.backlog_messages;
  s.backlog_bytes -= served.bytes;
  s.total_wait += waited;
  s.max_wait = std::max(s.max_wait, waited);
  --backlog_messages_;
  backlog_bytes_ -= served.bytes;
  if (next == nullptr) --backlogged_flows_;
  ++decisions_;
  if (uses_drr()) {
    drr_.depart(slot, served.cost(), next == nullptr ? -1.0 : next->cost());
  } else {
    wfq_.depart(slot, served.cost(), next);
  }
}

std::vector<FlowStats> SchedulerCore::all_stats() const {
  std::vector<FlowStats> out;
  out.reserve(slot_of_.size());
  for (const Flow& f : flows_) {
    if (f.live) out.push_back(f.stats);
  }
  std::sort(out.begin(), out.end(), [](const FlowStats& a, const FlowStats& b) { return a.id < b.id; });
  return out;
}

QueueTotals SchedulerCore::totals() const noexcept {
  QueueTotals t;
  t.flows = slot_of_.size();
  t.backlogged_flows = backlogged_flows_;
  t.backlog_messages = backlog_messages_;
  t.backlog_bytes = backlog_bytes_;
  t.decisions = decisions_;
  return t;
}

double SchedulerCore::virtual_time() noexcept { return uses_drr() ? 0.0 : wfq_.virtual_time(); }

std::uint64_t SchedulerCore::fallbacks() const noexcept { return uses_drr() ? 0 : wfq_.fallbacks(); }

}  // namespace missive::sched::detail
