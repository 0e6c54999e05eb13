// Deficit round robin (see the header).
#include "missive/sched/detail/drr_engine.hpp"

#include <cassert>

namespace missive::sched::detail {

void DrrEngine::reserve_slots(std::size_t n) {
  if (flows_.size() < n) flows_.resize(n);
}

void DrrEngine::push_back(std::uint32_t slot) noexcept {
  Flow& f = flows_[slot];
  f.prev = back_;
  f.next = none;
  if (back_ == none) {
    front_ = slot;
  } else {
    flows_[back_].next = slot;
  }
  back_ = slot;
  f.active = true;
}

void DrrEngine::unlink(std::uint32_t slot) noexcept {
  Flow& f = flows_[slot];
  if (f.prev == none) {
    front_ = f.next;
    front_charged_ = false;  // the next front starts a fresh turn
  } else {
    flows_[f.prev].next = f.next;
  }
  if (f.next == none) {
    back_ = f.prev;
  } else {
    flows_[f.next].prev = f.prev;
  }
  f.prev = none;
  f.next = none;
  f.active = false;
}

// The front flow's turn is over: it goes to the back of the ring.
void DrrEngine::end_turn() noexcept {
  const std::uint32_t slot = front_;
  if (flows_[slot].next != none) {
    unlink(slot);
    push_back(slot);
  }
  front_charged_ = false;
}

void DrrEngine::arrive(std::uint32_t slot, double cost, double quantum, bool was_empty) noexcept {
  assert(quantum > 0);
  Flow& f = flows_[slot];
  f.quantum = quantum;
  if (!was_empty) return;
  f.deficit = 0;
  f.head_cost = cost;
  push_back(slot);
}

std::uint32_t DrrEngine::pick() noexcept {
  assert(front_ != none);
  for (;;) {
    Flow& f = flows_[front_];
    if (!front_charged_) {
      f.deficit += f.quantum;
      front_charged_ = true;
    }
    if (f.head_cost <= f.deficit) return front_;
    end_turn();  // the head is larger than what is left: keep the deficit, wait a turn
  }
}

void DrrEngine::depart(std::uint32_t slot, double cost, double next_cost) noexcept {
  assert(slot == front_ && front_charged_);
  Flow& f = flows_[slot];
  f.deficit -= cost;
  if (next_cost < 0) {
    f.deficit = 0;  // no hoarding: an emptied flow starts from nothing
    unlink(slot);
    return;
  }
  f.head_cost = next_cost;
  if (next_cost > f.deficit) end_turn();
}

void DrrEngine::set_quantum(std::uint32_t slot, double quantum) noexcept {
  assert(quantum > 0);
  flows_[slot].quantum = quantum;
}

void DrrEngine::remove(std::uint32_t slot) noexcept {
  Flow& f = flows_[slot];
  if (f.active) unlink(slot);
  f = Flow{};
}

}  // namespace missive::sched::detail
