// missive/platform/futex.hpp - a futex that works across processes.
//
// The word may live in shared memory mapped by several processes, so these
// are NOT FUTEX_PRIVATE_FLAG operations: the kernel keys the wait queue by the
// page behind the address, not by the address in one process. Waiting and
// waking only read the word, so it may sit in a read-only mapping: a receiver
// can sleep on a word that only its sender may write.
//
// The futex only puts threads to sleep and wakes them; it carries no data.
// A lost wake-up is prevented by the caller's protocol (change the word, then
// wake; the waiter passes the value it last saw as `expected`, and the kernel
// compares and enqueues atomically).
#pragma once

#include <atomic>
#include <cstdint>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"

namespace missive::platform {

static_assert(std::atomic<std::uint32_t>::is_always_lock_free && sizeof(std::atomic<std::uint32_t>) == 4,
              "the futex word must be a plain 32-bit word in memory");

// Sleeps while `word` holds `expected`, until woken or the deadline passes.
// Returns:
//   ok          - woken (possibly spuriously, or by a signal): re-check your condition;
//   would_block - `word` did not hold `expected` on entry (it changed: re-check);
//   timed_out   - the deadline passed (an absolute CLOCK_MONOTONIC time, via
//                 FUTEX_WAIT_BITSET, so retries never stretch it).
// Deadline::never() sleeps without a timeout. noexcept, one system call.
[[nodiscard]] Status futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                                Deadline deadline) noexcept;

// Wakes up to `count` threads sleeping on `word` (in any process). Returns how
// many were woken. The word itself is not modified. noexcept, one system call.
int futex_wake(const std::atomic<std::uint32_t>& word, int count) noexcept;

}  // namespace missive::platform
