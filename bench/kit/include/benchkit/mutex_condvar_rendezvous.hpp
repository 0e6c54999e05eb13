// benchkit/mutex_condvar_rendezvous.hpp - the raw baseline for a rendezvous
// hand-off: one slot, one mutex, two condition variables, and a sender that
// returns only once a receiver took its value. Nothing else (no close, no
// deadlines, no queues of waiters): the cheapest correct blocking hand-off,
// against which missive's Channel(0) is measured.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace benchkit {

class MutexCondvarRendezvous {
 public:
  void push(std::uint64_t value) {
    std::unique_lock lock(mutex_);
    slot_free_.wait(lock, [&] { return !full_; });
    value_ = value;
    full_ = true;
    const std::uint64_t ticket = ++sent_;
    slot_full_.notify_one();
    taken_.wait(lock, [&] { return received_ >= ticket; });
  }

  std::uint64_t pop() {
    std::unique_lock lock(mutex_);
    slot_full_.wait(lock, [&] { return full_; });
    const std::uint64_t value = value_;
    full_ = false;
    ++received_;
    taken_.notify_one();
    slot_free_.notify_one();
    return value;
  }

 private:
  std::mutex mutex_;
  std::condition_variable slot_full_;
  std::condition_variable slot_free_;
  std::condition_variable taken_;
  std::uint64_t value_ = 0;
  bool full_ = false;
  std::uint64_t sent_ = 0;
  std::uint64_t received_ = 0;
};

}  // namespace benchkit
