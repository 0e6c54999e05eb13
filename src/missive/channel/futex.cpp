// The futex syscalls behind missive/channel/detail/futex.hpp (Linux only).
#include "missive/channel/detail/futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <ctime>

namespace missive::detail {
namespace {

// The kernel wants the word's address as a plain uint32_t*. std::atomic<uint32_t>
// is a lock-free 32-bit object with the same size (static_asserts in the header).
std::uint32_t* as_futex(const std::atomic<std::uint32_t>* word) noexcept {
  return const_cast<std::uint32_t*>(reinterpret_cast<const std::uint32_t*>(word));
}

long futex(std::uint32_t* addr, int op, std::uint32_t val, const timespec* timeout, std::uint32_t val3) noexcept {
  return ::syscall(SYS_futex, addr, op, val, timeout, nullptr, val3);
}

}  // namespace

bool futex_wait_until(const std::atomic<std::uint32_t>& word, std::uint32_t expected, Deadline deadline) noexcept {
  timespec abs{};
  const timespec* timeout = nullptr;
  if (!deadline.is_never()) {
    if (deadline.expired()) return false;
    // steady_clock counts CLOCK_MONOTONIC time since boot, as FUTEX_WAIT_BITSET expects.
    const auto since_epoch = deadline.when().time_since_epoch();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - secs);
    abs.tv_sec = static_cast<time_t>(secs.count());
    abs.tv_nsec = static_cast<long>(nanos.count());
    timeout = &abs;
  }
  const long rc =
      futex(as_futex(&word), FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, timeout, FUTEX_BITSET_MATCH_ANY);
  if (rc == 0) return true;
  // EAGAIN: the word changed before we slept; EINTR: a signal. Both are
  // "look again". ETIMEDOUT is the only false.
  return errno != ETIMEDOUT;
}

void futex_wake_one(const std::atomic<std::uint32_t>* word) noexcept {
  (void)futex(as_futex(word), FUTEX_WAKE_PRIVATE, 1, nullptr, 0);
}

void futex_wake_all(const std::atomic<std::uint32_t>* word) noexcept {
  (void)futex(as_futex(word), FUTEX_WAKE_PRIVATE, static_cast<std::uint32_t>(INT_MAX), nullptr, 0);
}

}  // namespace missive::detail
