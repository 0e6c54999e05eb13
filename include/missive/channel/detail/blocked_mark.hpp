// missive/channel/detail/blocked_mark.hpp - the channels' hook into deadlock_debug.hpp.
//
// Kept apart from deadlock_debug.hpp so that channel.hpp, spsc_channel.hpp and
// select.hpp pull in only this: a flag, a few out-of-line functions and a small
// RAII mark. See deadlock_debug.hpp for the registry and its contract.
//
// A mark says "this thread is parked on these channels in this direction" and
// how to tell that it has been woken (then it no longer counts as stuck):
//   * Channel<T>: its Waiter is signaled;
//   * SpscChannel, select(): a futex word no longer holds the value the thread
//     parked on (the SPSC parked flag cleared by a waker; the select
//     notifier's sequence moved past the value read before polling).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "missive/channel/detail/waiter.hpp"
#include "missive/core/deadline.hpp"

namespace missive::deadlock_debug {

enum class Direction : std::uint8_t { send, receive };

namespace detail {

// The runtime switch. Relaxed everywhere: it only decides whether a record is
// made; the registry mutex orders the records themselves.
inline std::atomic<bool> enabled_flag{false};

// How a parked thread is known to have been woken (see the file comment).
// `word` must outlive the record (the mark erases it first).
struct WakeProbe {
  const missive::detail::Waiter* waiter = nullptr;  // set: woken once signaled
  const std::atomic<std::uint32_t>* word = nullptr;  // else: woken once *word != parked_value
  std::uint32_t parked_value = 0;
};

// Out of line (deadlock_debug.cpp), called only when enabled. record_block
// returns false when it could not record (then nothing is to be erased).
// `channels`: every channel the thread may be woken through (one, or a
// select()'s cases).
bool record_block(const void* const* channels, std::size_t count, Direction direction, WakeProbe probe,
                  bool with_deadline) noexcept;
void erase_block() noexcept;

// Lives on the parking thread's stack across the park; declared after what
// the probe reads, so destroyed before it (the registry never sees a dead
// Waiter or word). Off: one relaxed load, nothing else.
class BlockedMark {
 public:
  // Channel<T>: parked on `waiter`.
  BlockedMark(const void* channel, Direction direction, const missive::detail::Waiter& waiter,
              Deadline deadline) noexcept
      : recorded_(enabled_flag.load(std::memory_order_relaxed) &&
                  record_block(&channel, 1, direction, WakeProbe{&waiter, nullptr, 0}, !deadline.is_never())) {}
  // SpscChannel: parked while `word` holds `parked_value`.
  BlockedMark(const void* channel, Direction direction, const std::atomic<std::uint32_t>& word,
              std::uint32_t parked_value, Deadline deadline) noexcept
      : recorded_(enabled_flag.load(std::memory_order_relaxed) &&
                  record_block(&channel, 1, direction, WakeProbe{nullptr, &word, parked_value}, !deadline.is_never())) {
  }
  // select(): receiving on any of the channels `channels_of()` returns (an
  // array of addresses), called only when recording is on.
  template <class ChannelsOf>
  BlockedMark(ChannelsOf&& channels_of, const std::atomic<std::uint32_t>& word, std::uint32_t parked_value,
              Deadline deadline) noexcept
      : recorded_(enabled_flag.load(std::memory_order_relaxed) &&
                  record_any(channels_of(), WakeProbe{nullptr, &word, parked_value}, !deadline.is_never())) {}
  ~BlockedMark() {
    if (recorded_) erase_block();
  }
  BlockedMark(const BlockedMark&) = delete;
  BlockedMark& operator=(const BlockedMark&) = delete;

 private:
  template <std::size_t N>
  static bool record_any(const std::array<const void*, N>& channels, WakeProbe probe, bool with_deadline) noexcept {
    return record_block(channels.data(), N, Direction::receive, probe, with_deadline);
  }

  bool recorded_;
};

}  // namespace detail
}  // namespace missive::deadlock_debug
