#include "missive/platform/futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>

#include "missive/platform/system_error.hpp"

namespace missive::platform {
namespace {

// The kernel sees the 32-bit word inside the atomic (asserted lock-free and
// 4 bytes in futex.hpp); the atomic's own operations remain the only way
// user space touches it.
const std::uint32_t* address_of(const std::atomic<std::uint32_t>& word) noexcept {
  return reinterpret_cast<const std::uint32_t*>(&word);
}

}  // namespace

Status futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected, Deadline deadline) noexcept {
  timespec absolute{};
  timespec* timeout = nullptr;
  if (!deadline.is_never()) {
    if (deadline.expired()) {
      // relaxed: a hint for the caller, who re-checks its own condition anyway.
      return word.load(std::memory_order_relaxed) != expected ? Errc::would_block : Errc::timed_out;
    }
    // Deadline uses std::chrono::steady_clock, which libstdc++ and libc++ on
    // Linux read from CLOCK_MONOTONIC: the same clock FUTEX_WAIT_BITSET uses
    // for its absolute timeout when FUTEX_CLOCK_REALTIME is not given.
    const auto since_boot = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.when().time_since_epoch());
    absolute.tv_sec = static_cast<time_t>(since_boot.count() / 1'000'000'000);
    absolute.tv_nsec = static_cast<long>(since_boot.count() % 1'000'000'000);
    timeout = &absolute;
  }
  // Shared (not FUTEX_PRIVATE_FLAG): the word may be in memory mapped by other processes.
  const long rc =
      ::syscall(SYS_futex, address_of(word), FUTEX_WAIT_BITSET, expected, timeout, nullptr, FUTEX_BITSET_MATCH_ANY);
  if (rc == 0) return ok();
  switch (errno) {
    case EAGAIN:
      return Errc::would_block;
    case ETIMEDOUT:
      return Errc::timed_out;
    case EINTR:
      return ok();  // a signal: behave like a spurious wake-up
    default:
      return error_from_errno(errno, "futex(FUTEX_WAIT_BITSET) failed");
  }
}

int futex_wake(const std::atomic<std::uint32_t>& word, int count) noexcept {
  const long rc = ::syscall(SYS_futex, address_of(word), FUTEX_WAKE, count, nullptr, nullptr, 0);
  return rc > 0 ? static_cast<int>(rc) : 0;
}

}  // namespace missive::platform
