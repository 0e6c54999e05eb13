// missive/channel/detail/futex.hpp - the futex seam of the channel layer.
//
// The only place where channel code talks to the kernel about sleeping. The
// definitions live in src/missive/channel/futex.cpp so that <linux/futex.h>
// and <sys/syscall.h> stay out of every header. (When the platform/ layer
// lands, this seam moves there unchanged.)
//
// Contract: any thread may call any function. A futex word is a
// std::atomic<std::uint32_t> that lives as long as the thread sleeping on it.
// futex_wake_*() only passes the word's ADDRESS to the kernel and never reads
// or writes the word, so it may be called after the waiter has returned and
// destroyed the word: the kernel hashes the address and at worst wakes an
// unrelated sleeper on the same address, which every futex user must tolerate
// (all callers here re-check their condition after waking).
#pragma once

#include <atomic>
#include <cstdint>

#include "missive/core/deadline.hpp"

namespace missive::detail {

static_assert(std::atomic<std::uint32_t>::is_always_lock_free, "futex words must be plain 32-bit words");
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t), "futex words must be plain 32-bit words");

// Sleeps while `word` holds `expected`, until woken or until `deadline` passes.
// Returns false only when the deadline passed; true when woken, when the word
// no longer held `expected`, or spuriously (EINTR). Callers loop on their own
// condition. A deadline already in the past returns false without a syscall.
// The deadline is absolute on CLOCK_MONOTONIC, which is what
// std::chrono::steady_clock reads on Linux (FUTEX_WAIT_BITSET, so a retried
// wait never extends the caller's budget).
[[nodiscard]] bool futex_wait_until(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                                    Deadline deadline) noexcept;

// Wakes at most one / every thread sleeping on `word`. Address only: see above.
void futex_wake_one(const std::atomic<std::uint32_t>* word) noexcept;
void futex_wake_all(const std::atomic<std::uint32_t>* word) noexcept;

}  // namespace missive::detail
