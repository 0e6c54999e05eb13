// missive/channel/select.hpp - receive from whichever channel is ready first.
//
//   auto r = select(Deadline::after(10ms),
//                   on(numbers, [&](int n) { sum += n; }),
//                   on(words, [&](std::string w) { text += w; }));
//   if (r) { /* *r is the index of the case that fired */ }
//   else if (r.code() == Errc::timed_out) { ... } else { /* closed: all closed and drained */ }
//
// Contract
//   * select() may be called from any thread, concurrently with any other
//     channel operation and with other select() calls on the same channels.
//   * It receives at most one value. The case's fn is called with it (on the
//     calling thread, no lock held) and select returns that case's index.
//   * timed_out: the deadline passed with nothing to receive (an expired
//     deadline still polls once). closed: every channel is closed and drained.
//   * Fairness: the case polled first rotates from call to call (per thread),
//     so a channel that is always ready cannot starve the others.
//   * The case objects returned by on() refer to the channel and must not
//     outlive it; pass them straight to select().
//
// How it waits: it polls every case with try_recv (a fast path that touches
// no registration); if none fired it attaches an observer link per case to a
// notifier on its own stack, then loops: read the notifier's sequence, poll,
// sleep until the sequence moves or the deadline passes. Channels bump the
// sequence under their mutex whenever a receive may have become possible
// (detail/select_notifier.hpp explains why no wake-up is lost). Links are
// detached before select returns, also when fn throws. With deadlock_debug on,
// each sleep is recorded as "receiving on any of" every case's channel (an
// OR-wait); off, that costs one relaxed load per sleep.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "missive/channel/channel.hpp"
#include "missive/channel/detail/blocked_mark.hpp"
#include "missive/channel/detail/select_notifier.hpp"
#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"

namespace missive {

namespace detail {

enum class PollOutcome { fired, empty, closed };

// One receive case of select(). Made by on(); not copyable or movable because
// its observer link may be attached to the channel.
template <class T, class Fn>
class RecvCase {
  static_assert(std::is_invocable_v<Fn&, T&&>, "the case function must accept the channel's value type");

 public:
  template <class F>
  RecvCase(Channel<T>& ch, F&& fn) : channel_(&ch), fn_(std::forward<F>(fn)) {}
  RecvCase(const RecvCase&) = delete;
  RecvCase& operator=(const RecvCase&) = delete;

  // select() thread. Takes a value if one is ready and hands it to fn.
  PollOutcome poll() {
    Result<T> r = channel_->try_recv();
    if (r) {
      std::invoke(fn_, std::move(*r));
      return PollOutcome::fired;
    }
    return r.code() == Errc::closed ? PollOutcome::closed : PollOutcome::empty;
  }
  // select() thread. Start / stop receiving change notifications.
  void attach(SelectNotifier& n) {
    link_.notifier = &n;
    channel_->attach(link_);
  }
  void detach() { channel_->detach(link_); }
  // Any thread. The channel's address (its name in deadlock_debug).
  [[nodiscard]] const void* channel() const noexcept { return channel_; }

 private:
  Channel<T>* channel_;
  Fn fn_;
  ObserverLink link_;
};

// Per-thread rotation of the first case polled.
inline std::size_t next_select_start() noexcept {
  thread_local std::size_t counter = 0;
  return counter++;
}

template <class Tuple, std::size_t... I>
PollOutcome poll_case(Tuple& cases, std::size_t which, std::index_sequence<I...>) {
  PollOutcome out = PollOutcome::empty;
  ((I == which ? (void)(out = std::get<I>(cases).poll()) : void()), ...);
  return out;
}

}  // namespace detail

// A receive case for select(): when `ch` yields a value, fn(T&&) is called with it.
template <class T, class Fn>
auto on(Channel<T>& ch, Fn&& fn) {
  return detail::RecvCase<T, std::decay_t<Fn>>(ch, std::forward<Fn>(fn));
}

// Any thread. The index of the case that fired, timed_out, or closed (every
// channel closed and drained). See the contract above.
template <class... Cases>
Result<std::size_t> select(Deadline d, Cases&&... cases) {
  constexpr std::size_t n = sizeof...(Cases);
  static_assert(n > 0, "select needs at least one case");
  auto all = std::tie(cases...);
  const std::size_t start = detail::next_select_start() % n;

  auto poll_all = [&]() -> std::optional<Result<std::size_t>> {
    std::size_t closed = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (start + k) % n;
      switch (detail::poll_case(all, i, std::make_index_sequence<n>{})) {
        case detail::PollOutcome::fired:
          return Result<std::size_t>(i);
        case detail::PollOutcome::closed:
          ++closed;
          break;
        case detail::PollOutcome::empty:
          break;
      }
    }
    if (closed == n) return Result<std::size_t>(Error{Errc::closed, "every channel is closed and drained"});
    return std::nullopt;
  };

  // Fast path: something is ready, no registration needed.
  if (auto r = poll_all()) return *r;
  if (d.expired()) return Error{Errc::timed_out, "deadline passed with nothing to receive"};

  detail::SelectNotifier notifier;
  std::apply([&](auto&... c) { (c.attach(notifier), ...); }, all);
  struct DetachOnExit {
    decltype(all)& cases;
    ~DetachOnExit() {
      std::apply([](auto&... c) { (c.detach(), ...); }, cases);
    }
  } detach_on_exit{all};

  for (;;) {
    const std::uint32_t seen = notifier.current();  // before polling: see select_notifier.hpp
    if (auto r = poll_all()) return *r;
    // deadlock_debug: parked receiving on any case until the sequence moves
    // (off: one relaxed load; the array is built only when recording).
    const deadlock_debug::detail::BlockedMark parked(
        [&] { return std::apply([](const auto&... c) { return std::array<const void*, n>{c.channel()...}; }, all); },
        notifier.sequence_word(), seen, d);
    if (!notifier.sleep_if_unchanged(seen, d)) {
      if (auto r = poll_all()) return *r;
      return Error{Errc::timed_out, "deadline passed with nothing to receive"};
    }
  }
}

}  // namespace missive
