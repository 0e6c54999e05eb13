// missive/channel/detail/select_notifier.hpp - how channels tell select() "look again".
//
// A select() call owns one SelectNotifier (on its stack) and links one
// ObserverLink per case into that case's channel. The channel calls notify()
// under its mutex whenever a receive may have become possible: a value was
// buffered, a sender queued itself on a rendezvous channel, or the channel
// closed.
//
// Contract
//   * notify(): any thread, with the mutex of a channel the link is attached
//     to held. The notifier outlives every call because select() detaches each
//     link under that same mutex before it returns.
//   * current() / sleep_if_unchanged(): the select() thread only.
//
// No lost wake-up: select reads `seq` (current()) BEFORE it polls the
// channels. A change the poll missed happened after the poll released that
// channel's mutex, so its notify() bumped `seq` past the value read, and
// sleep_if_unchanged() returns at once. The syscall is made only when select
// announced `sleeping`: select stores sleeping (seq_cst) then re-reads seq
// (seq_cst); notify() bumps seq (seq_cst) then reads sleeping (seq_cst). In
// the single total order of these four, either select sees the bump and does
// not sleep, or notify sees `sleeping` and wakes it (Dekker).
#pragma once

#include <atomic>
#include <cstdint>

#include "missive/channel/detail/futex.hpp"
#include "missive/channel/detail/intrusive_list.hpp"
#include "missive/core/deadline.hpp"

namespace missive::detail {

class SelectNotifier {
 public:
  SelectNotifier() = default;
  SelectNotifier(const SelectNotifier&) = delete;
  SelectNotifier& operator=(const SelectNotifier&) = delete;

  // Channel side, under the channel mutex.
  void notify() noexcept {
    // seq_cst RMW: first half of the Dekker pair with sleep_if_unchanged(); it
    // publishes only "something changed" (the channel state itself is read
    // under the channel mutex by try_recv).
    seq_.fetch_add(1, std::memory_order_seq_cst);
    // seq_cst: second half; pairs with the sleeper's announce.
    if (sleeping_.load(std::memory_order_seq_cst) != 0) futex_wake_one(&seq_);
  }

  // select() thread: the sequence to compare against after polling. The load
  // is sequenced before the polls, and each poll releases a channel mutex that
  // a later notify() acquires, so the load happens-before any notify() the
  // polls missed and cannot read its bump. Acquire pairs with notify()'s RMW
  // for good measure; no data rides on it.
  [[nodiscard]] std::uint32_t current() const noexcept { return seq_.load(std::memory_order_acquire); }

  // deadlock_debug only: the word whose change ends a sleep (read with acquire
  // by the registry, under its mutex, while the select() thread is parked).
  [[nodiscard]] const std::atomic<std::uint32_t>& sequence_word() const noexcept { return seq_; }

  // select() thread: sleeps until notify() ran after `seen` was read, or the
  // deadline passed. May return spuriously. False only on deadline.
  bool sleep_if_unchanged(std::uint32_t seen, Deadline d) noexcept {
    sleeping_.store(1, std::memory_order_seq_cst);  // announce (Dekker store)
    bool in_time = true;
    if (seq_.load(std::memory_order_seq_cst) == seen) in_time = futex_wait_until(seq_, seen, d);  // re-check
    // Relaxed: only this thread stores 1; a late notify() reading 0 simply
    // skips a syscall nobody needs.
    sleeping_.store(0, std::memory_order_relaxed);
    return in_time;
  }

 private:
  std::atomic<std::uint32_t> seq_{0};
  std::atomic<std::uint32_t> sleeping_{0};
};

// One case's registration with one channel. Lives in the select case object.
struct ObserverLink : ListHook<ObserverLink> {
  SelectNotifier* notifier = nullptr;
};

}  // namespace missive::detail
