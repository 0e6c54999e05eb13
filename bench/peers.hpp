// peers.hpp - the queues missive is compared with, behind the TransferQueue
// interface of benchkit/queue_workloads.hpp. Benchmarks only: none of these
// is part of the library.
#pragma once

#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <concurrentqueue.h>
#include <readerwriterqueue.h>

#include <cstdint>

#include "benchkit/queue_workloads.hpp"

namespace peers {

using benchkit::cpu_relax;

// moodycamel::ReaderWriterQueue: the SPSC queue to beat.
class MoodycamelRwq {
 public:
  explicit MoodycamelRwq(std::size_t capacity) : queue_(capacity) {}
  void push(std::uint64_t v) {
    while (!queue_.try_enqueue(v)) cpu_relax();
  }
  std::uint64_t pop() {
    std::uint64_t v = 0;
    while (!queue_.try_dequeue(v)) cpu_relax();
    return v;
  }

 private:
  moodycamel::ReaderWriterQueue<std::uint64_t> queue_;
};

// moodycamel::ConcurrentQueue: lock-free MPMC.
class MoodycamelConcurrent {
 public:
  explicit MoodycamelConcurrent(std::size_t capacity) : queue_(capacity) {}
  void push(std::uint64_t v) {
    while (!queue_.enqueue(v)) cpu_relax();
  }
  std::uint64_t pop() {
    std::uint64_t v = 0;
    while (!queue_.try_dequeue(v)) cpu_relax();
    return v;
  }

 private:
  moodycamel::ConcurrentQueue<std::uint64_t> queue_;
};

// boost::lockfree::spsc_queue with a run-time capacity.
class BoostSpsc {
 public:
  explicit BoostSpsc(std::size_t capacity) : queue_(capacity) {}
  void push(std::uint64_t v) {
    while (!queue_.push(v)) cpu_relax();
  }
  std::uint64_t pop() {
    std::uint64_t v = 0;
    while (!queue_.pop(v)) cpu_relax();
    return v;
  }

 private:
  boost::lockfree::spsc_queue<std::uint64_t> queue_;
};

// boost::lockfree::queue: lock-free MPMC, bounded by its node pool.
class BoostMpmc {
 public:
  explicit BoostMpmc(std::size_t capacity) : queue_(capacity) {}
  void push(std::uint64_t v) {
    while (!queue_.bounded_push(v)) cpu_relax();
  }
  std::uint64_t pop() {
    std::uint64_t v = 0;
    while (!queue_.pop(v)) cpu_relax();
    return v;
  }

 private:
  boost::lockfree::queue<std::uint64_t> queue_;
};

}  // namespace peers
