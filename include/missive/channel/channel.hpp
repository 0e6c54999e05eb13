// missive/channel/channel.hpp - Channel<T>: a bounded MPMC channel, Go style.
//
// Contract
//   * Every member may be called from any number of threads at once.
//   * capacity > 0: a FIFO buffer of that many values. capacity == 0: a
//     rendezvous; send returns ok only once a receiver has taken the value.
//   * A value is moved from ONLY when a send returns ok; on would_block,
//     timed_out or closed the caller still owns it. Nothing is dropped.
//   * close(): later sends return closed; senders blocked in send are woken
//     with closed and keep their values; receivers get the buffered values,
//     then closed; receivers blocked on an empty channel are woken with closed.
//   * Destruction: no thread may be inside a call (join them first); buffered
//     values are destroyed with the channel. Channels are neither copyable nor
//     movable (waiting threads hold pointers into them).
//
// Invariants (all under mu_)
//   * receivers_ non-empty  =>  buffer_ empty and senders_ empty.
//   * senders_ non-empty    =>  buffer_ full (always so for capacity 0) and
//                               receivers_ empty.
//   * A queued node is unlinked exactly once: by whoever completes it (under
//     mu_, before signal()) or by its owner after a timeout (under mu_, when it
//     was not signaled).
//   * Values in the buffer and in queued senders' variables are in FIFO order:
//     a receiver that frees a buffer slot refills it from the oldest sender.
//
// Hand-off: a sender that finds a queued receiver moves its value straight
// into that receiver's slot; a receiver that finds a queued sender moves the
// value straight out of the sender's variable. Either way the completed side
// is signalled through its own node (detail::Waiter) and returns without
// re-taking the mutex. The wake syscall runs after mu_ is released.
//
// The mutex is a plain std::mutex: clang's -Wthread-safety would need an
// annotated wrapper, which missive/core does not have yet; "guarded by mu_"
// comments stand in for GUARDED_BY.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "missive/channel/detail/blocked_mark.hpp"
#include "missive/channel/detail/bounded_queue.hpp"
#include "missive/channel/detail/intrusive_list.hpp"
#include "missive/channel/detail/select_notifier.hpp"
#include "missive/channel/detail/waiter.hpp"
#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"

namespace missive {

namespace detail {
template <class T, class Fn>
class RecvCase;
}  // namespace detail

template <class T>
class Channel {
  static_assert(std::is_nothrow_move_constructible_v<T>, "values are moved under the channel mutex");
  static_assert(std::is_nothrow_destructible_v<T>);
  static_assert(!std::is_reference_v<T> && !std::is_const_v<T>);

 public:
  using value_type = T;

  // Any thread, before sharing. capacity 0 = rendezvous. Allocates the buffer
  // once (std::bad_alloc on failure); nothing is allocated per message.
  explicit Channel(std::size_t capacity) : capacity_(capacity), buffer_(capacity) {}
  ~Channel() = default;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Any thread.
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  // Any thread. Buffered values at this instant (a snapshot).
  [[nodiscard]] std::size_t size() const {
    std::lock_guard lock(mu_);
    return buffer_.size();
  }
  // Any thread.
  [[nodiscard]] bool is_closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }

  // Any thread. Blocks until the value is buffered or taken: ok or closed.
  Status send(T&& value) { return send_impl(value, Deadline::never(), Mode::wait); }
  // Any thread. Sends a copy (made before the channel is locked).
  Status send(const T& value) {
    T copy(value);
    return send_impl(copy, Deadline::never(), Mode::wait);
  }
  // Any thread. Never waits: ok, would_block (no room, no waiting receiver) or closed.
  Status try_send(T&& value) { return send_impl(value, Deadline::never(), Mode::try_once); }
  // Any thread. ok, timed_out or closed. An expired deadline still succeeds
  // when the send can complete without waiting.
  Status send_until(T&& value, Deadline d) { return send_impl(value, d, Mode::wait); }

  // Any thread. Blocks until a value arrives; closed once closed and drained.
  Result<T> recv() { return recv_impl(Deadline::never(), Mode::wait); }
  // Any thread. Never waits: a value, would_block, or closed (closed and drained).
  Result<T> try_recv() { return recv_impl(Deadline::never(), Mode::try_once); }
  // Any thread. A value, timed_out, or closed once drained.
  Result<T> recv_until(Deadline d) { return recv_impl(d, Mode::wait); }

  // Any thread; idempotent. Wakes every waiting sender and receiver and every
  // select() watching this channel.
  void close() {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    // Wakes happen under the lock here (close is rare); waking is
    // address-only, so it is safe even though a woken waiter may already be
    // returning and destroying its node.
    while (detail::Waiter* w = receivers_.pop_front()) detail::wake(w->signal(Errc::closed));
    while (detail::Waiter* w = senders_.pop_front()) detail::wake(w->signal(Errc::closed));
    notify_observers();
  }

 private:
  template <class U, class Fn>
  friend class detail::RecvCase;

  enum class Mode { try_once, wait };

  // A sender parked until a receiver moves *value out of the sender's variable.
  struct SendWaiter : detail::Waiter {
    explicit SendWaiter(T& v) noexcept : value(&v) {}
    T* value;
  };
  // A receiver parked until a sender moves a value into slot.
  struct RecvWaiter : detail::Waiter {
    std::optional<T> slot;
  };

  static Error closed_error() noexcept { return Error{Errc::closed, "channel closed"}; }

  Status send_impl(T& value, Deadline d, Mode mode) {
    std::unique_lock lock(mu_);
    if (closed_) return closed_error();
    if (detail::Waiter* w = receivers_.pop_front()) {
      // Direct hand-off (the buffer is empty by the invariant).
      auto& receiver = static_cast<RecvWaiter&>(*w);
      receiver.slot.emplace(std::move(value));
      const auto* to_wake = receiver.signal(Errc::ok);
      lock.unlock();
      detail::wake(to_wake);
      return ok();
    }
    if (!buffer_.full()) {
      buffer_.push(std::move(value));
      notify_observers();
      return ok();
    }
    if (mode == Mode::try_once) return Error{Errc::would_block, "channel full and no receiver waiting"};
    if (d.expired()) return Error{Errc::timed_out, "deadline passed before the value was taken"};

    SendWaiter self(value);
    senders_.push_back(self);
    if (capacity_ == 0) notify_observers();  // a rendezvous recv just became possible
    lock.unlock();
    const deadlock_debug::detail::BlockedMark parked(this, deadlock_debug::Direction::send, self, d);
    if (!self.await(d)) {
      lock.lock();
      if (!self.signaled_locked()) {
        senders_.remove(self);  // value untouched: nobody moved from it
        return Error{Errc::timed_out, "deadline passed before the value was taken"};
      }
    }
    if (self.outcome() == Errc::ok) return ok();
    return closed_error();
  }

  Result<T> recv_impl(Deadline d, Mode mode) {
    std::unique_lock lock(mu_);
    if (!buffer_.empty()) {
      Result<T> out(buffer_.pop());
      const std::atomic<std::uint32_t>* to_wake = nullptr;
      if (detail::Waiter* w = senders_.pop_front()) {
        // Refill the freed slot from the oldest blocked sender (keeps FIFO).
        auto& sender = static_cast<SendWaiter&>(*w);
        buffer_.push(std::move(*sender.value));
        to_wake = sender.signal(Errc::ok);
      }
      lock.unlock();
      detail::wake(to_wake);
      return out;
    }
    if (detail::Waiter* w = senders_.pop_front()) {
      // Rendezvous: take straight from the sender's variable.
      auto& sender = static_cast<SendWaiter&>(*w);
      Result<T> out(std::move(*sender.value));
      const auto* to_wake = sender.signal(Errc::ok);
      lock.unlock();
      detail::wake(to_wake);
      return out;
    }
    if (closed_) return closed_error();
    if (mode == Mode::try_once) return Error{Errc::would_block, "channel empty and no sender waiting"};
    if (d.expired()) return Error{Errc::timed_out, "deadline passed before a value arrived"};

    RecvWaiter self;
    receivers_.push_back(self);
    lock.unlock();
    const deadlock_debug::detail::BlockedMark parked(this, deadlock_debug::Direction::receive, self, d);
    if (!self.await(d)) {
      lock.lock();
      if (!self.signaled_locked()) {
        receivers_.remove(self);
        return Error{Errc::timed_out, "deadline passed before a value arrived"};
      }
      lock.unlock();
    }
    if (self.outcome() == Errc::ok) return Result<T>(std::move(*self.slot));
    return closed_error();
  }

  // select() support (detail::RecvCase). Under mu_.
  void notify_observers() noexcept {
    observers_.for_each([](detail::ObserverLink& link) { link.notifier->notify(); });
  }
  void attach(detail::ObserverLink& link) {
    std::lock_guard lock(mu_);
    observers_.push_back(link);
  }
  void detach(detail::ObserverLink& link) {
    std::lock_guard lock(mu_);
    observers_.remove(link);
  }

  const std::size_t capacity_;
  mutable std::mutex mu_;
  detail::BoundedQueue<T> buffer_;                         // guarded by mu_
  detail::IntrusiveList<detail::Waiter> senders_;          // guarded by mu_; SendWaiter nodes
  detail::IntrusiveList<detail::Waiter> receivers_;        // guarded by mu_; RecvWaiter nodes
  detail::IntrusiveList<detail::ObserverLink> observers_;  // guarded by mu_
  bool closed_ = false;                                    // guarded by mu_
};

}  // namespace missive
