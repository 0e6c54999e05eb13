// WFQ / WF2Q with an exact emulation of the fluid reference (see the header).
#include "missive/sched/detail/wfq_engine.hpp"

#include <algorithm>
#include <cassert>

namespace missive::sched::detail {

void WfqEngine::reserve_slots(std::size_t n) {
  if (flows_.size() < n) flows_.resize(n);
  ready_.reserve_slots(n);
  if (eligible_only_) pending_.reserve_slots(n);
  fluid_.reserve_slots(n);
}

WfqEngine::Flow& WfqEngine::current(std::uint32_t slot) noexcept {
  Flow& f = flows_[slot];
  if (f.epoch != epoch_) {
    // Untouched since before the last reset: V and every tag restarted at 0,
    // and the flow is in no heap.
    f = Flow{};
    f.epoch = epoch_;
  }
  return f;
}

// Walks V from fluid_clock_ to clock_, retiring the fluid flows whose last
// finish tag V passes on the way.
void WfqEngine::advance_fluid() noexcept {
  double dt = clock_ - fluid_clock_;
  fluid_clock_ = clock_;
  while (dt > 0 && !fluid_.empty()) {
    if (!(fluid_weight_ > 0)) recompute_fluid_weight();
    const std::uint32_t slot = fluid_.top().slot();
    const double key = fluid_.top_key();
    // Work needed for V to reach the smallest (lower bound of a) last finish tag.
    const double need = (key - v_) * fluid_weight_;
    if (need > dt) {
      v_ += dt / fluid_weight_;
      return;
    }
    Flow& f = flows_[slot];
    if (f.last_finish > key) {
      // Stale key: the flow received messages since it was filed.
      fluid_.update(slot, f.last_finish, slot);
      continue;
    }
    dt -= std::max(need, 0.0);
    v_ = std::max(v_, key);
    fluid_weight_ -= f.gps_weight;
    f.in_gps = false;
    fluid_.pop();
  }
  // An empty fluid system: V stands still (and W_B is exactly 0 again rather
  // than the rounding left over from the additions and subtractions).
  if (fluid_.empty()) fluid_weight_ = 0;
}

void WfqEngine::recompute_fluid_weight() noexcept {
  double sum = 0;
  for (const IndexedHeap::Entry& e : fluid_.entries()) sum += flows_[e.slot()].gps_weight;
  fluid_weight_ = sum;
}

void WfqEngine::arrive(std::uint32_t slot, double weight, bool was_empty, PacketMeta& meta) noexcept {
  assert(weight > 0);
  advance_fluid();
  Flow& f = current(slot);
  const double start = f.in_gps ? std::max(v_, f.last_finish) : v_;
  const double finish = start + meta.cost() / weight;
  f.last_finish = finish;
  if (!f.in_gps) {
    f.in_gps = true;
    f.gps_weight = weight;
    fluid_weight_ += weight;
    fluid_.push(slot, finish, slot);
  } else if (weight != f.gps_weight) {
    fluid_weight_ += weight - f.gps_weight;
    f.gps_weight = weight;
  }
  meta.start = start;
  meta.finish = finish;
  meta.seq = seq_++;
  if (was_empty) file_head(slot, meta);
}

// V as far as eligibility is concerned. V is a running sum of dt / W_B and
// tags are sums of c / w, so a start tag that equals V in exact arithmetic
// (a message the fluid reference starts exactly now, which is common) can come
// out a few units in the last place above it. A relative slack of 1e-9 treats
// those as started; it is far below the cost of any message.
double WfqEngine::eligibility_horizon() const noexcept { return v_ + 1e-9 * (v_ > 1 ? v_ : 1); }

void WfqEngine::file_head(std::uint32_t slot, const PacketMeta& head) noexcept {
  if (!eligible_only_ || head.start <= eligibility_horizon()) {
    ready_.push(slot, head.finish, head.seq);
    return;
  }
  Flow& f = flows_[slot];
  f.head_finish = head.finish;
  f.head_seq = head.seq;
  pending_.push(slot, head.start, head.seq);
}

void WfqEngine::promote_pending_top() noexcept {
  const std::uint32_t slot = pending_.top().slot();
  pending_.pop();
  const Flow& f = flows_[slot];
  ready_.push(slot, f.head_finish, f.head_seq);
}

std::uint32_t WfqEngine::pick() noexcept {
  assert(!ready_.empty() || !pending_.empty());
  if (eligible_only_) {
    advance_fluid();
    const double horizon = eligibility_horizon();
    while (!pending_.empty() && pending_.top_key() <= horizon) promote_pending_top();
    if (ready_.empty()) {
      // Nothing eligible. In exact arithmetic this cannot happen (the fluid
      // reference is always serving some message the real queue still holds);
      // rounding beyond the slack could. Serve the head that becomes eligible
      // first.
      ++fallbacks_;
      promote_pending_top();
    }
  }
  return ready_.top().slot();
}

void WfqEngine::depart(std::uint32_t slot, double cost, const PacketMeta* next) noexcept {
  assert(ready_.contains(slot));
  clock_ += cost;
  if (next == nullptr) {
    ready_.erase(slot);
    reset_if_idle();
    return;
  }
  if (!eligible_only_ || next->start <= eligibility_horizon()) {
    ready_.update(slot, next->finish, next->seq);
  } else {
    ready_.erase(slot);
    file_head(slot, *next);
  }
}

void WfqEngine::set_weight(std::uint32_t slot, double weight) noexcept {
  assert(weight > 0);
  advance_fluid();
  Flow& f = current(slot);
  if (f.in_gps) {
    fluid_weight_ += weight - f.gps_weight;
    f.gps_weight = weight;
  }
}

void WfqEngine::remove(std::uint32_t slot) noexcept {
  advance_fluid();
  Flow& f = current(slot);
  if (ready_.contains(slot)) ready_.erase(slot);
  if (pending_.contains(slot)) pending_.erase(slot);
  if (f.in_gps) {
    fluid_.erase(slot);
    fluid_weight_ -= f.gps_weight;
  }
  f = Flow{};
  reset_if_idle();
}

void WfqEngine::reset_if_idle() noexcept {
  if (!ready_.empty() || !pending_.empty()) return;
  // The real queue is empty, hence (work conservation) so is the fluid one:
  // restart the clocks. Flows notice the new epoch when they next arrive.
  fluid_.clear();
  fluid_weight_ = 0;
  clock_ = 0;
  fluid_clock_ = 0;
  v_ = 0;
  ++epoch_;
}

double WfqEngine::virtual_time() noexcept {
  advance_fluid();
  return v_;
}

}  // namespace missive::sched::detail
