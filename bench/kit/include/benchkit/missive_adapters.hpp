// benchkit/missive_adapters.hpp - missive's channels behind the TransferQueue
// interface of queue_workloads.hpp.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "benchkit/queue_workloads.hpp"
#include "missive/channel/channel.hpp"
#include "missive/channel/spsc_channel.hpp"
#include "missive/channel/spsc_ring.hpp"

namespace benchkit {

[[noreturn]] inline void fail_status(const char* what, const missive::Error& error) {
  std::fprintf(stderr, "benchkit: %s failed: %s\n", what, error.message().c_str());
  std::abort();
}

// Lock-free ring, both sides spinning: the raw speed of the SPSC fast path.
template <missive::RingLayout Layout = missive::RingLayout::padded>
class SpscRingQueue {
 public:
  explicit SpscRingQueue(std::size_t capacity) : ring_(capacity) {}
  void push(std::uint64_t v) noexcept {
    while (!ring_.try_push(v)) cpu_relax();
  }
  std::uint64_t pop() noexcept {
    std::uint64_t v = 0;
    while (!ring_.try_pop(v)) cpu_relax();
    return v;
  }

 private:
  missive::SpscRing<std::uint64_t, Layout> ring_;
};

// The blocking SPSC channel with a chosen wait strategy.
class SpscChannelQueue {
 public:
  SpscChannelQueue(std::size_t capacity, missive::WaitStrategy wait) : channel_(capacity, wait) {}
  void push(std::uint64_t v) {
    if (auto s = channel_.send(std::uint64_t{v}); !s) fail_status("SpscChannel::send", s.error());
  }
  std::uint64_t pop() {
    auto r = channel_.recv();
    if (!r) fail_status("SpscChannel::recv", r.error());
    return *r;
  }

 private:
  missive::SpscChannel<std::uint64_t> channel_;
};

// The general MPMC channel (capacity 0 is a rendezvous).
class ChannelQueue {
 public:
  explicit ChannelQueue(std::size_t capacity) : channel_(capacity) {}
  void push(std::uint64_t v) {
    if (auto s = channel_.send(std::uint64_t{v}); !s) fail_status("Channel::send", s.error());
  }
  std::uint64_t pop() {
    auto r = channel_.recv();
    if (!r) fail_status("Channel::recv", r.error());
    return *r;
  }

 private:
  missive::Channel<std::uint64_t> channel_;
};

}  // namespace benchkit
