// missive/channel/spsc_channel.hpp - SpscRing plus waiting and close.
//
// Contract
//   * One producer thread calls send / try_send / send_until; one consumer
//     thread calls recv / try_recv / recv_until. close(), is_closed(),
//     capacity(), wait_strategy() and park_protocol() may be called from any
//     thread.
//   * A value is moved from only when the send returns ok; otherwise the
//     caller keeps it.
//   * After close(): every send returns closed; recv returns the values still
//     buffered, then closed. Parked threads on both sides are woken.
//   * close() called by the producer (after its last send) is exact: every
//     value sent is received before closed. close() called by another thread
//     WHILE a send is in progress may let that send return ok after the
//     consumer already saw closed; the value then stays in the ring, a later
//     recv still returns it (recv always drains first), and the destructor
//     destroys it if nobody does. Making that race exact costs the producer a
//     store-load barrier on every send; see docs/channels.md (open questions).
//   * Destruction: no thread may be inside a call. Buffered values are destroyed.
//
// Waiting
//   WaitStrategy::spin            never sleeps in the kernel: pauses, and yields
//                                 the CPU every yield_interval iterations.
//   WaitStrategy::spin_then_park  pauses spin_budget iterations, then parks.
//   WaitStrategy::park            parks at once.
//
// Parking, consumer side (a producer waiting for room mirrors it with
// producer_parked_ / tail / "full"):
//   C1  consumer_parked_.store(1, seq_cst)           announce
//   C2  (asymmetric protocol only) heavy_fence()     membarrier
//   C3  head.load(seq_cst), closed_.load(seq_cst)    re-check: data or close?
//   C4  futex_wait(consumer_parked_, 1)              sleep only while still 1
// Waking, producer side, after every push (never in spin mode, where nobody
// parks):
//   P1  head.store(h + 1, release | seq_cst)         publish the element
//   P2  (asymmetric protocol only) light_fence()     compiler barrier
//   P3  consumer_parked_.load(seq_cst)               anyone asleep?
//   P4  if 1: exchange(0), futex_wake                clear, then wake
//
// Why no wake-up is lost. Both protocols make (C1, C3) and (P1, P3) a Dekker
// pair: at least one side sees the other's store. If the producer sees 1 it
// wakes; if the consumer sees the element it does not sleep. A wake that
// lands between C3 and C4 changes the word to 0, and the kernel's compare in
// C4 (atomic with queueing the sleeper) then returns at once; a wake after C4
// finds the sleeper queued.
//   * ParkProtocol::symmetric: P1 is a seq_cst store, so C1, C3, P1, P3 are
//     all seq_cst and sit in one total order consistent with program order:
//     either C1 precedes P3 (the producer sees 1) or P3 precedes C1, and then
//     P1 precedes C3 (the consumer sees the element). Pure C++ memory model.
//     Cost: every push and pop is an xchg on x86 (a full barrier that waits
//     for the index line), 2-5x the fast path's time.
//   * ParkProtocol::asymmetric (the default where membarrier(2) exists): P1
//     is a plain release store and P2 a compiler barrier, so the fast path
//     costs what spin mode costs; the thread that is about to park pays for
//     both sides with heavy_fence() in C2 (detail/asymmetric_fence.hpp has the
//     proof). A park costs about 1-3 us more, next to a futex sleep and wake of
//     5-20 us.
//   close() is a producer-like waker on both words: closed_.store(seq_cst)
//   then P3/P4. With C1 and C3 seq_cst this is a symmetric Dekker pair in
//   either protocol.
//
// deadlock_debug: around C4 (and its producer mirror) a BlockedMark records
// the park when recording is on, woken once a waker has cleared the flag; off,
// it costs one relaxed load per park.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <utility>

#include "missive/channel/detail/asymmetric_fence.hpp"
#include "missive/channel/detail/blocked_mark.hpp"
#include "missive/core/cpu_relax.hpp"
#include "missive/channel/detail/futex.hpp"
#include "missive/channel/spsc_ring.hpp"
#include "missive/core/cache_line.hpp"
#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"

namespace missive {

enum class WaitStrategy {
  spin,            // lowest latency; burns a core while waiting
  spin_then_park,  // spin briefly, then sleep on a futex (the default)
  park,            // sleep at once; cheapest for the CPU, costs a wake-up
};

// How the park modes order "publish, then check for a sleeper" (see above).
// Only benchmarks and tests need to choose; `automatic` picks asymmetric
// where membarrier(2) is available and symmetric elsewhere.
enum class ParkProtocol { automatic, symmetric, asymmetric };

template <class T>
class SpscChannel {
 public:
  // Pause iterations before parking in spin_then_park: about 20 us of `pause`
  // on current x86 cores (~40 ns each), roughly one futex wake-up round trip.
  static constexpr unsigned spin_budget = 512;
  // In pure spin mode, give the CPU away once in this many iterations so an
  // oversubscribed machine still makes progress.
  static constexpr unsigned yield_interval = 256;

  // Capacity is rounded up to a power of two (see SpscRing). Any thread.
  // ParkProtocol::asymmetric falls back to symmetric where membarrier(2) is
  // missing; park_protocol() tells which one runs.
  explicit SpscChannel(std::size_t capacity, WaitStrategy w = WaitStrategy::spin_then_park,
                       ParkProtocol p = ParkProtocol::automatic)
      : ring_(capacity), strategy_(w), fence_(choose_fence(w, p)) {}
  SpscChannel(const SpscChannel&) = delete;
  SpscChannel& operator=(const SpscChannel&) = delete;

  // Any thread.
  [[nodiscard]] std::size_t capacity() const noexcept { return ring_.capacity(); }
  [[nodiscard]] WaitStrategy wait_strategy() const noexcept { return strategy_; }
  // The protocol in use: symmetric or asymmetric for the park modes; spin mode
  // never parks and reports symmetric (it needs neither).
  [[nodiscard]] ParkProtocol park_protocol() const noexcept {
    return fence_ == Fence::asymmetric ? ParkProtocol::asymmetric : ParkProtocol::symmetric;
  }
  [[nodiscard]] bool is_closed() const noexcept { return closed(); }

  // Producer only. Blocks while full. ok or closed.
  Status send(T&& v) { return send_until(std::move(v), Deadline::never()); }
  Status send(const T& v) {
    T copy(v);
    return send(std::move(copy));
  }
  // Producer only. ok, would_block (full) or closed. Never waits.
  Status try_send(T&& v) noexcept {
    if (closed()) return closed_error();
    if (push(v)) return ok();
    return closed() ? closed_error() : Status(Error{Errc::would_block, "spsc channel full"});
  }
  // Producer only. ok, timed_out (v untouched) or closed.
  Status send_until(T&& v, Deadline d) noexcept {
    for (unsigned spins = 0;; ++spins) {
      if (closed()) return closed_error();
      if (push(v)) return ok();
      if (!keep_waiting(spins, d)) return Error{Errc::timed_out, "deadline passed while the channel was full"};
      if (should_park(spins)) {
        park_producer(d);
      } else {
        relax(spins);
      }
    }
  }

  // Consumer only. Blocks while empty. A value, or closed once drained.
  Result<T> recv() { return recv_until(Deadline::never()); }
  // Consumer only. A value, would_block (empty) or closed (closed and drained).
  Result<T> try_recv() noexcept {
    if (T* p = ring_.front()) return take(p);
    if (closed()) return drain_or_closed();
    return Error{Errc::would_block, "spsc channel empty"};
  }
  // Consumer only. A value, timed_out, or closed once drained.
  Result<T> recv_until(Deadline d) noexcept {
    for (unsigned spins = 0;; ++spins) {
      if (T* p = ring_.front()) return take(p);
      if (closed()) return drain_or_closed();
      if (!keep_waiting(spins, d)) return Error{Errc::timed_out, "deadline passed while the channel was empty"};
      if (should_park(spins)) {
        park_consumer(d);
      } else {
        relax(spins);
      }
    }
  }

  // Any thread; idempotent. Wakes parked threads on both sides.
  void close() noexcept {
    // seq_cst: the Dekker partner of the parkers' seq_cst announce (C1) and
    // re-check (C3); as a release it also publishes everything the closing
    // thread did before (a producer's last pushes) to whoever sees closed.
    closed_.store(1, std::memory_order_seq_cst);
    wake_if_parked(consumer_parked_);
    wake_if_parked(producer_parked_);
  }

 private:
  enum class Fence : std::uint8_t { none, symmetric, asymmetric };
  static constexpr std::uint32_t running = 0;
  static constexpr std::uint32_t parked = 1;

  static Fence choose_fence(WaitStrategy w, ParkProtocol p) noexcept {
    if (w == WaitStrategy::spin) return Fence::none;
    if (p == ParkProtocol::symmetric || !detail::asymmetric_fence_available()) return Fence::symmetric;
    return Fence::asymmetric;
  }

  static Error closed_error() noexcept { return Error{Errc::closed, "spsc channel closed"}; }

  // Acquire: pairs with close()'s store, so a consumer that sees closed also
  // sees every element the closing thread pushed before closing.
  [[nodiscard]] bool closed() const noexcept { return closed_.load(std::memory_order_acquire) != 0; }

  // Producer only: P1-P4.
  bool push(T& v) noexcept {
    switch (fence_) {
      case Fence::none:
        return ring_.template emplace_with<std::memory_order_release>(std::move(v));
      case Fence::asymmetric:
        if (!ring_.template emplace_with<std::memory_order_release>(std::move(v))) return false;
        detail::light_fence();
        wake_if_parked(consumer_parked_);
        return true;
      case Fence::symmetric:
        if (!ring_.template emplace_with<std::memory_order_seq_cst>(std::move(v))) return false;
        wake_if_parked(consumer_parked_);
        return true;
    }
    return false;
  }

  // Consumer only. Moves the front element out and frees its slot; the
  // mirror image of push() for a producer parked on "full".
  Result<T> take(T* p) noexcept {
    Result<T> out(std::move(*p));
    switch (fence_) {
      case Fence::none:
        ring_.template pop_with<std::memory_order_release>();
        break;
      case Fence::asymmetric:
        ring_.template pop_with<std::memory_order_release>();
        detail::light_fence();
        wake_if_parked(producer_parked_);
        break;
      case Fence::symmetric:
        ring_.template pop_with<std::memory_order_seq_cst>();
        wake_if_parked(producer_parked_);
        break;
    }
    return out;
  }

  // Consumer only, after seeing closed: elements pushed before the close are
  // visible now (closed() is an acquire), so one more look drains them.
  Result<T> drain_or_closed() noexcept {
    if (T* p = ring_.front()) return take(p);
    return closed_error();
  }

  // False once the deadline has passed. The clock is read only every 64
  // iterations while spinning (and on every park round, which is slow anyway).
  [[nodiscard]] bool keep_waiting(unsigned spins, Deadline d) const noexcept {
    if (d.is_never()) return true;
    if (spins % 64 != 0 && !should_park(spins)) return true;
    return !d.expired();
  }

  // True when this waiting iteration should sleep instead of relaxing.
  [[nodiscard]] bool should_park(unsigned spins) const noexcept {
    switch (strategy_) {
      case WaitStrategy::park:
        return true;
      case WaitStrategy::spin_then_park:
        return spins >= spin_budget;
      case WaitStrategy::spin:
        break;
    }
    return false;
  }

  void relax(unsigned spins) const noexcept {
    if (strategy_ == WaitStrategy::spin && spins % yield_interval == yield_interval - 1) {
      std::this_thread::yield();
    } else {
      missive::cpu_relax();
    }
  }

  // Consumer only: C1-C4.
  void park_consumer(Deadline d) noexcept {
    consumer_parked_.store(parked, std::memory_order_seq_cst);                    // C1
    if (fence_ == Fence::asymmetric) detail::heavy_fence();                       // C2
    if (ring_.empty_seq_cst() && closed_.load(std::memory_order_seq_cst) == 0) {  // C3
      // deadlock_debug: parked receiving while the flag stays set (off: one relaxed load).
      const deadlock_debug::detail::BlockedMark mark(this, deadlock_debug::Direction::receive, consumer_parked_, parked, d);
      (void)detail::futex_wait_until(consumer_parked_, parked, d);  // C4
    }
    // Relaxed: back to running. A waker's concurrent exchange(0) writes the
    // same value; the next park announces afresh with C1.
    consumer_parked_.store(running, std::memory_order_relaxed);
  }

  // Producer only: the mirror image, waiting for room.
  void park_producer(Deadline d) noexcept {
    producer_parked_.store(parked, std::memory_order_seq_cst);
    if (fence_ == Fence::asymmetric) detail::heavy_fence();
    if (ring_.full_seq_cst() && closed_.load(std::memory_order_seq_cst) == 0) {
      const deadlock_debug::detail::BlockedMark mark(this, deadlock_debug::Direction::send, producer_parked_, parked, d);
      (void)detail::futex_wait_until(producer_parked_, parked, d);
    }
    producer_parked_.store(running, std::memory_order_relaxed);
  }

  // P3/P4. seq_cst load: the Dekker partner of the parker's C1 (a plain mov
  // on x86, and the line stays shared while nobody parks). The exchange lets
  // only the waker that flips 1 -> 0 pay for the syscall (close() and the
  // other side may race here); relaxed, because it publishes nothing: the
  // sleeper re-checks the ring and closed_ itself.
  static void wake_if_parked(std::atomic<std::uint32_t>& word) noexcept {
    if (word.load(std::memory_order_seq_cst) == parked && word.exchange(running, std::memory_order_relaxed) == parked) {
      detail::futex_wake_one(&word);
    }
  }

  SpscRing<T, RingLayout::padded> ring_;
  // Read by both sides on every call, written once: on their own line so no
  // index or flag write ever invalidates them.
  alignas(cache_line_size) std::atomic<std::uint32_t> closed_{0};
  const WaitStrategy strategy_;
  const Fence fence_;
  // The consumer's futex word: the consumer writes parked; the producer and
  // close() clear it.
  alignas(cache_line_size) std::atomic<std::uint32_t> consumer_parked_{running};
  // The producer's futex word, symmetric.
  alignas(cache_line_size) std::atomic<std::uint32_t> producer_parked_{running};
};

}  // namespace missive
