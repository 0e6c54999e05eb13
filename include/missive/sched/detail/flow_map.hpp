// missive/sched/detail/flow_map.hpp - FlowId -> slot, open addressing.
//
// Contract: single-threaded; owned by a SchedulerCore. find() never
// allocates; insert() may grow the table (std::bad_alloc leaves it unchanged).
//
// Why not std::unordered_map: every enqueue looks its flow up, and a node-based
// map costs a dependent cache miss per lookup (bucket, then node). Here a
// lookup is one multiplication and, at a load factor of at most 1/2, usually
// one 16-byte bucket. Linear probing; erase shifts the following entries back
// (no tombstones), so probe sequences never degrade.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "missive/sched/options.hpp"

namespace missive::sched::detail {

class FlowMap {
 public:
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  [[nodiscard]] std::optional<std::uint32_t> find(FlowId key) const noexcept {
    if (buckets_.empty()) return std::nullopt;
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      const Bucket& b = buckets_[i];
      if (b.slot == empty) return std::nullopt;
      if (b.key == key) return b.slot;
    }
  }

  // Makes room for n keys; afterwards insert() does not allocate up to n.
  void reserve(std::size_t n) {
    std::size_t want = 16;
    while (want < 2 * n) want *= 2;
    if (want > buckets_.size()) rehash(want);
  }

  // Requires: key absent.
  void insert(FlowId key, std::uint32_t slot) {
    reserve(size_ + 1);
    place(key, slot);
    ++size_;
  }

  // Removes a present key.
  void erase(FlowId key) noexcept {
    std::size_t i = home(key);
    while (buckets_[i].key != key || buckets_[i].slot == empty) i = (i + 1) & mask_;
    // Backward-shift deletion: move later entries of the probe run into the
    // hole when their home position allows it.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask_; buckets_[j].slot != empty; j = (j + 1) & mask_) {
      const std::size_t h = home(buckets_[j].key);
      // j may move to `hole` iff h is not in the cyclic interval (hole, j].
      const bool stays = hole < j ? (h > hole && h <= j) : (h > hole || h <= j);
      if (!stays) {
        buckets_[hole] = buckets_[j];
        hole = j;
      }
    }
    buckets_[hole] = Bucket{};
    --size_;
  }

 private:
  static constexpr std::uint32_t empty = std::numeric_limits<std::uint32_t>::max();
  struct Bucket {
    FlowId key = 0;
    std::uint32_t slot = empty;
  };

  [[nodiscard]] std::size_t home(FlowId key) const noexcept {
    // Fibonacci hashing: the top bits of key * 2^64 / phi.
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  void place(FlowId key, std::uint32_t slot) noexcept {
    std::size_t i = home(key);
    while (buckets_[i].slot != empty) i = (i + 1) & mask_;
    buckets_[i] = Bucket{key, slot};
  }

  void rehash(std::size_t capacity) {
    std::vector<Bucket> old(capacity);
    old.swap(buckets_);
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    for (const Bucket& b : old) {
      if (b.slot != empty) place(b.key, b.slot);
    }
  }

  std::vector<Bucket> buckets_;
  std::size_t mask_ = 0;
  int shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace missive::sched::detail
