// missive/channel/deadlock_debug.hpp - an opt-in registry of threads blocked on channels.
//
//   deadlock_debug::enable();                          // once, at start (tests, debug builds)
//   deadlock_debug::ThreadRegistration me("stage-2");  // in each thread that uses channels
//   deadlock_debug::declare_receiver(inbox);           // "I am the one who drains inbox"
//   deadlock_debug::label_channel(inbox, "stage-2.inbox");
//   ...
//   if (auto found = deadlock_debug::check()) std::cerr << found->text() << '\n';
//
// When enabled, a thread about to park in Channel<T>::send/recv, in
// SpscChannel's send/recv, or in select() records "thread T waits on channel C
// to send / to receive" (select(): "to receive on any of C1..Cn"; it is then
// a receiver of each), is remembered as a sender / receiver of C, and erases
// the record when it wakes. check() then looks for threads that can never be
// woken:
//   * a thread blocked sending on C can be woken only by a receiver of C, one
//     blocked receiving only by a sender (declared, or seen blocking in that role);
//     one blocked in select() by a sender of any of its channels (an OR-wait);
//   * the set of blocked threads whose every possible waker is itself in the set is
//     a deadlock (a "knot": with several possible wakers, one free waker suffices to
//     make progress, so a mere cycle is not enough). check() reports a cycle inside
//     it, naming threads and channels;
//   * otherwise, if every registered thread is blocked, it reports "all N
//     registered threads blocked" (Go's "all goroutines are asleep").
// A blocked record counts only while the thread has not been woken (its channel
// waiter unsignaled; SpscChannel's parked flag still set; the select notifier's
// sequence unchanged), so a thread already woken but not yet running is never
// counted.
//
// Cost when off: one relaxed load of a flag on the path that is about to park a
// thread (a futex sleep, microseconds); nothing on the non-blocking paths. When on:
// one mutex and a map update per park and per wake-up.
//
// Limits (see docs/deadlock.md): threads that touch a channel without registering
// or declaring their role are unknown to check(), which may then report a
// deadlock that such a thread would have broken (declare both ends of an
// SpscChannel whose peer has not parked yet); a thread that only close()s a
// channel is not a waker; a thread parked with a deadline is reported (it will
// time out). SpscChannel in WaitStrategy::spin never parks and is not seen.
//
// Thread-safety: every function may be called from any thread. A record points at
// the parked thread's Waiter; it is erased (under the registry mutex) before that
// Waiter is destroyed, and check() reads the Waiter only under that mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "missive/channel/detail/blocked_mark.hpp"

namespace missive::deadlock_debug {

// Direction (send / receive) and the Channel<T> hook are in detail/blocked_mark.hpp.

// Any thread. Turns recording on / off (relaxed: see detail::enabled_flag). Threads already parked when it is turned
// on are not recorded until they park again.
inline void enable() noexcept { detail::enabled_flag.store(true, std::memory_order_relaxed); }
inline void disable() noexcept { detail::enabled_flag.store(false, std::memory_order_relaxed); }
[[nodiscard]] inline bool enabled() noexcept { return detail::enabled_flag.load(std::memory_order_relaxed); }

// The calling thread, under a name, for as long as the object lives (one per
// thread, on that thread's stack). Registered threads are the "N" of "all N
// registered threads blocked": register every thread of a group before any of
// them parks, or a lone early thread parked waiting for the others is reported.
class ThreadRegistration {
 public:
  explicit ThreadRegistration(std::string name);
  ~ThreadRegistration();
  ThreadRegistration(const ThreadRegistration&) = delete;
  ThreadRegistration& operator=(const ThreadRegistration&) = delete;
};

// Any thread, about itself: it receives from / sends to `channel` (a Channel<T>
// or any object whose address names it). Until the thread's registration ends.
void declare_receiver(const void* channel);
void declare_sender(const void* channel);
template <class C>
void declare_receiver(const C& channel) {
  declare_receiver(static_cast<const void*>(&channel));
}
template <class C>
void declare_sender(const C& channel) {
  declare_sender(static_cast<const void*>(&channel));
}

// Any thread. A name for reports; forget_channel() drops the name and every
// role declared on it (call it before the channel is destroyed if its address
// may be reused).
void label_channel(const void* channel, std::string name);
void forget_channel(const void* channel);
template <class C>
void label_channel(const C& channel, std::string name) {
  label_channel(static_cast<const void*>(&channel), std::move(name));
}
template <class C>
void forget_channel(const C& channel) {
  forget_channel(static_cast<const void*>(&channel));
}

// One blocked thread in a finding.
struct BlockedThread {
  std::string thread;   // its registered name, or "thread <id>"
  std::string channel;  // the channel's label, or its address ("x | y" for a select())
  Direction direction = Direction::send;
  bool with_deadline = false;         // it will time out by itself
  std::vector<std::string> channels;  // each channel it may be woken through (a select(): every case)
};

struct DeadlockFinding {
  enum class Kind { cycle, all_blocked };
  Kind kind = Kind::cycle;
  // cycle: threads[i] waits for threads[i + 1], the last for threads[0].
  // all_blocked: every registered thread.
  std::vector<BlockedThread> threads;

  // cycle:       "deadlock: a (sending on b.inbox) -> b (sending on a.inbox) -> a"
  // all_blocked: "deadlock: all 3 registered threads blocked: a (receiving on x), ..."
  [[nodiscard]] std::string text() const;
};

// Any thread, on demand. The finding, or nullopt when no thread is provably stuck.
[[nodiscard]] std::optional<DeadlockFinding> check();

// A thread that runs check() every `period` and passes each finding to
// `on_finding` (on the watchdog's thread). Stops and joins in the destructor.
class Watchdog {
 public:
  Watchdog(std::chrono::milliseconds period, std::function<void(const DeadlockFinding&)> on_finding);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void run(std::chrono::milliseconds period, const std::function<void(const DeadlockFinding&)>& on_finding);

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace missive::deadlock_debug
