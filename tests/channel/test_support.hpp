// Shared helpers for the channel tests.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>

#include "missive/core/cpu_relax.hpp"

namespace missive::test {

#if defined(__SANITIZE_THREAD__)
inline constexpr bool under_tsan = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool under_tsan = true;
#else
inline constexpr bool under_tsan = false;
#endif
#else
inline constexpr bool under_tsan = false;
#endif

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool under_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool under_asan = true;
#else
inline constexpr bool under_asan = false;
#endif
#else
inline constexpr bool under_asan = false;
#endif

#if defined(__OPTIMIZE__)
inline constexpr bool optimized = true;
#else
inline constexpr bool optimized = false;
#endif

// Sanitizers and unoptimized builds slow every access by 5-50x.
inline constexpr bool slow_build = under_tsan || under_asan || !optimized;

// Iteration counts for stress tests: big in optimized builds, smaller under
// sanitizers or without optimization.
constexpr std::size_t scaled(std::size_t normal, std::size_t slow) noexcept { return slow_build ? slow : normal; }

// An element type that counts its constructions and destructions, so a test
// can check that a container destroyed exactly what it constructed.
class Counted {
 public:
  explicit Counted(int v) noexcept : value_(v) { constructed_.fetch_add(1, std::memory_order_relaxed); }
  Counted(const Counted& other) noexcept : value_(other.value_) {
    constructed_.fetch_add(1, std::memory_order_relaxed);
  }
  Counted(Counted&& other) noexcept : value_(other.value_) {
    other.value_ = -1;
    constructed_.fetch_add(1, std::memory_order_relaxed);
  }
  Counted& operator=(const Counted&) noexcept = default;
  Counted& operator=(Counted&& other) noexcept {
    value_ = other.value_;
    other.value_ = -1;
    return *this;
  }
  ~Counted() { destroyed_.fetch_add(1, std::memory_order_relaxed); }

  [[nodiscard]] int value() const noexcept { return value_; }

  static void reset() noexcept {
    constructed_.store(0);
    destroyed_.store(0);
  }
  [[nodiscard]] static long constructed() noexcept { return constructed_.load(); }
  [[nodiscard]] static long destroyed() noexcept { return destroyed_.load(); }
  [[nodiscard]] static long live() noexcept { return constructed() - destroyed(); }

 private:
  int value_;
  static inline std::atomic<long> constructed_{0};
  static inline std::atomic<long> destroyed_{0};
};

// Busy-wait step for test loops around non-blocking calls: pause, and give
// the CPU away every 64 misses so an oversubscribed machine (CI, sanitizers)
// does not burn whole time slices while the other side is descheduled.
class Backoff {
 public:
  void operator()() noexcept {
    if (++misses_ % 64 == 0) {
      std::this_thread::yield();
    } else {
      missive::cpu_relax();
    }
  }

 private:
  unsigned misses_ = 0;
};

// Polls `pred` until it holds or `limit` passes; true if it held.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

}  // namespace missive::test
