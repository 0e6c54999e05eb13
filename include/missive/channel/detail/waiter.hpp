// missive/channel/detail/waiter.hpp - one parked channel operation.
//
// A Waiter is the node a thread queues in a Channel when it must wait (the
// "sudog" of Go's runtime). It lives on the waiting thread's stack, carries the
// outcome, and is its own futex word, so a hand-off wakes exactly the thread it
// completes and that thread never has to re-take the channel mutex.
//
// Contract
//   * The owning thread links the node into a channel list under the channel
//     mutex, unlocks, then calls await(). It does not touch the node's payload
//     again until await() returned true, or until it re-took the mutex and saw
//     signaled_locked().
//   * Any thread holding the channel mutex may complete the wait: fill the
//     payload, unlink the node, call signal(), and after unlocking pass the
//     returned address (if any) to futex_wake_one(). The node may be destroyed
//     the moment signal() runs: after it, only the address may be used (see
//     futex.hpp: waking is address-only).
//   * On timeout, the owner re-takes the mutex; if !signaled_locked() it
//     unlinks the node itself and nobody will touch it again.
//
// States of `state_`: waiting (spinning) -> sleeping (in, or about to enter,
// futex_wait) -> signaled; or waiting -> signaled. Only signal() writes
// signaled; only the owner writes sleeping.
#pragma once

#include <atomic>
#include <cstdint>

#include "missive/core/cpu_relax.hpp"
#include "missive/channel/detail/futex.hpp"
#include "missive/channel/detail/intrusive_list.hpp"
#include "missive/core/deadline.hpp"
#include "missive/core/error.hpp"

namespace missive::detail {

class Waiter : public ListHook<Waiter> {
 public:
  // Iterations of cpu_relax() before sleeping: a hand-off partner on another
  // core usually arrives within this window, and then no syscall is made on
  // either side.
  static constexpr unsigned spin_budget = 128;

  Waiter() = default;
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  // Completer, under the channel mutex. Records the outcome and releases the
  // waiter. Returns the futex address to wake after unlocking, or nullptr when
  // the waiter is still spinning and will see the flag by itself.
  [[nodiscard]] const std::atomic<std::uint32_t>* signal(Errc result) noexcept {
    outcome_ = result;
    // Release: publishes outcome_ and the derived node's payload (the value
    // placed in a receiver's slot, or the fact that a sender's value was moved
    // from) to await()'s acquire loads. The returned old value only decides
    // whether a syscall is needed; it carries no data.
    const std::uint32_t before = state_.exchange(signaled, std::memory_order_release);
    return before == sleeping ? &state_ : nullptr;
  }

  // Owner, without the mutex. True once signaled; false if the deadline passed
  // first (the owner must then re-take the mutex and check signaled_locked()).
  [[nodiscard]] bool await(Deadline d) noexcept {
    for (unsigned i = 0; i < spin_budget; ++i) {
      if (is_signaled()) return true;
      cpu_relax();
    }
    std::uint32_t expected = waiting;
    // Announce the sleep. Acquire on failure: the word was signaled, pair with
    // signal()'s release. The CAS and signal()'s exchange are RMWs on one word,
    // so exactly one of them comes first: either signal() sees `sleeping` and
    // wakes us, or we see `signaled` and do not sleep.
    if (!state_.compare_exchange_strong(expected, sleeping, std::memory_order_acquire, std::memory_order_acquire)) {
      return true;
    }
    while (!is_signaled()) {
      // The kernel compares the word with `sleeping` atomically with queueing
      // us, so a signal() between our check and the syscall makes it return.
      if (!futex_wait_until(state_, sleeping, d)) return is_signaled();
    }
    return true;
  }

  // Acquire: pairs with signal()'s release (outcome and payload visible).
  [[nodiscard]] bool is_signaled() const noexcept { return state_.load(std::memory_order_acquire) == signaled; }
  // Under the channel mutex. Relaxed: signal() also ran under that mutex, so
  // the mutex already orders it before this load.
  [[nodiscard]] bool signaled_locked() const noexcept { return state_.load(std::memory_order_relaxed) == signaled; }

  // Valid once signaled (see is_signaled / signaled_locked).
  [[nodiscard]] Errc outcome() const noexcept { return outcome_; }

 private:
  static constexpr std::uint32_t waiting = 0;
  static constexpr std::uint32_t signaled = 1;
  static constexpr std::uint32_t sleeping = 2;

  std::atomic<std::uint32_t> state_{waiting};
  Errc outcome_ = Errc::ok;
};

// Wakes the address signal() returned, if any. Call after unlocking.
inline void wake(const std::atomic<std::uint32_t>* word) noexcept {
  if (word != nullptr) futex_wake_one(word);
}

}  // namespace missive::detail
