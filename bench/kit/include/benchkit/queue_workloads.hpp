// benchkit/queue_workloads.hpp - the queue measurements shared by the
// Google Benchmark binaries in bench/ and by `missive tour`.
//
// Every queue under test (missive's and the peers') is wrapped in an adapter
// with a blocking `push(uint64_t)` and `pop() -> uint64_t`; adapters of
// non-blocking queues spin with a pause instruction. The workloads move the
// integers 1..n and check the sum on the consumer side, so a queue that loses
// or duplicates a message fails loudly instead of looking fast.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "missive/core/cpu_relax.hpp"

namespace benchkit {

template <class Q>
concept TransferQueue = requires(Q q, std::uint64_t v) {
  q.push(v);
  { q.pop() } -> std::convertible_to<std::uint64_t>;
};

using missive::cpu_relax;

[[noreturn]] inline void fail_checksum(const char* what, std::uint64_t got, std::uint64_t want) {
  std::fprintf(stderr, "benchkit: %s lost or duplicated messages (sum %llu, expected %llu)\n", what,
               static_cast<unsigned long long>(got), static_cast<unsigned long long>(want));
  std::abort();
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One producer thread sends 1..n, the calling thread receives them all.
// Returns the elapsed seconds (from the start of sending to the last receive).
template <TransferQueue Q>
double spsc_seconds(Q& queue, std::uint64_t n) {
  const auto start = std::chrono::steady_clock::now();
  std::thread producer([&] {
    for (std::uint64_t i = 1; i <= n; ++i) queue.push(i);
  });
  std::uint64_t sum = 0;
  for (std::uint64_t i = 0; i < n; ++i) sum += queue.pop();
  const double elapsed = seconds_since(start);
  producer.join();
  if (sum != n * (n + 1) / 2) fail_checksum("spsc", sum, n * (n + 1) / 2);
  return elapsed;
}

// `producers` threads send n messages in all, `consumers` threads receive them.
template <TransferQueue Q>
double mpmc_seconds(Q& queue, unsigned producers, unsigned consumers, std::uint64_t n) {
  const std::uint64_t per_producer = n / producers;
  const std::uint64_t total = per_producer * producers;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (unsigned p = 0; p < producers; ++p) {
    threads.emplace_back([&queue, per_producer] {
      for (std::uint64_t i = 1; i <= per_producer; ++i) queue.push(i);
    });
  }
  std::vector<std::uint64_t> sums(consumers, 0);
  for (unsigned c = 0; c < consumers; ++c) {
    const std::uint64_t share = total / consumers + (c < total % consumers ? 1 : 0);
    threads.emplace_back([&queue, &sums, c, share] {
      std::uint64_t sum = 0;
      for (std::uint64_t i = 0; i < share; ++i) sum += queue.pop();
      sums[c] = sum;
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = seconds_since(start);
  std::uint64_t sum = 0;
  for (auto s : sums) sum += s;
  const std::uint64_t want = producers * (per_producer * (per_producer + 1) / 2);
  if (sum != want) fail_checksum("mpmc", sum, want);
  return elapsed;
}

// Ping-pong: the calling thread sends on `there`, an echo thread sends each
// value back on `back`. Returns the mean round-trip time in nanoseconds.
template <TransferQueue Q>
double round_trip_ns(Q& there, Q& back, std::uint64_t iterations) {
  std::thread echo([&] {
    for (std::uint64_t i = 0; i < iterations; ++i) back.push(there.pop());
  });
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 1; i <= iterations; ++i) {
    there.push(i);
    if (back.pop() != i) fail_checksum("ping-pong", 0, i);
  }
  const double elapsed = seconds_since(start);
  echo.join();
  return elapsed * 1e9 / static_cast<double>(iterations);
}

}  // namespace benchkit
