// missive/channel/detail/blocked_mark.hpp - the Channel<T> hook of deadlock_debug.hpp.
//
// Kept apart from deadlock_debug.hpp so that channel.hpp pulls in only this: a
// flag, two out-of-line functions and a small RAII mark. See deadlock_debug.hpp
// for the registry and its contract.
#pragma once

#include <atomic>
#include <cstdint>

#include "missive/channel/detail/waiter.hpp"
#include "missive/core/deadline.hpp"

namespace missive::deadlock_debug {

enum class Direction : std::uint8_t { send, receive };

namespace detail {

// The runtime switch. Relaxed everywhere: it only decides whether a record is
// made; the registry mutex orders the records themselves.
inline std::atomic<bool> enabled_flag{false};

// Out of line (deadlock_debug.cpp), called only when enabled. record_block
// returns false when it could not record (then nothing is to be erased).
bool record_block(const void* channel, Direction direction, const missive::detail::Waiter& waiter,
                  bool with_deadline) noexcept;
void erase_block() noexcept;

// Lives on the parking thread's stack from the unlock of the channel mutex to
// the return of send/recv; declared after the Waiter, so destroyed before it
// (the registry never sees a dead Waiter). Off: one relaxed load, nothing else.
class BlockedMark {
 public:
  BlockedMark(const void* channel, Direction direction, const missive::detail::Waiter& waiter,
              Deadline deadline) noexcept
      : recorded_(enabled_flag.load(std::memory_order_relaxed) &&
                  record_block(channel, direction, waiter, !deadline.is_never())) {}
  ~BlockedMark() {
    if (recorded_) erase_block();
  }
  BlockedMark(const BlockedMark&) = delete;
  BlockedMark& operator=(const BlockedMark&) = delete;

 private:
  bool recorded_;
};

}  // namespace detail
}  // namespace missive::deadlock_debug
