// missive/core/deadline.hpp - absolute deadlines on the monotonic clock.
//
// Every blocking call in missive takes a Deadline (or has a variant that
// does). Deadlines are absolute so that a call that retries internally never
// extends the caller's budget.
#pragma once

#include <chrono>

namespace missive {

using Clock = std::chrono::steady_clock;

class Deadline {
 public:
  // A deadline `timeout` from now.
  template <class Rep, class Period>
  [[nodiscard]] static Deadline after(std::chrono::duration<Rep, Period> timeout) noexcept {
    return Deadline(Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout));
  }
  [[nodiscard]] static Deadline at(Clock::time_point when) noexcept { return Deadline(when); }
  // A deadline that never passes (plain blocking calls use it).
  [[nodiscard]] static constexpr Deadline never() noexcept { return Deadline(Clock::time_point::max()); }
  // A deadline that has already passed (non-blocking calls use it).
  [[nodiscard]] static constexpr Deadline now_or_never() noexcept { return Deadline(Clock::time_point::min()); }

  [[nodiscard]] constexpr Clock::time_point when() const noexcept { return when_; }
  [[nodiscard]] constexpr bool is_never() const noexcept { return when_ == Clock::time_point::max(); }
  [[nodiscard]] bool expired() const noexcept { return !is_never() && Clock::now() >= when_; }
  // Time left, zero once expired.
  [[nodiscard]] Clock::duration remaining() const noexcept {
    if (is_never()) return Clock::duration::max();
    // Compare before subtracting: when_ may be time_point::min(), and
    // min() - now would overflow.
    const auto now = Clock::now();
    return when_ > now ? when_ - now : Clock::duration::zero();
  }

 private:
  constexpr explicit Deadline(Clock::time_point when) noexcept : when_(when) {}
  Clock::time_point when_;
};

}  // namespace missive
