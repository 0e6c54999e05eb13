// missive/sched/detail/indexed_heap.hpp - a min-heap of flow slots that knows
// where each slot sits.
//
// Contract: single-threaded (it belongs to one FairQueue). Each slot (a small
// integer naming a flow, below 2^24) is in the heap at most once. Entries are
// ordered by (key, seq): the smaller key first, and on equal keys the smaller
// sequence number, which the schedulers use to break ties in arrival order.
// Only the low 40 bits of seq take part (10^12 arrivals before two can compare
// the wrong way round, and then only the order of exact ties changes).
//
// Invariants
//   * heap_ is a 4-ary min-heap: heap_[i] is not greater than its children
//     heap_[4i+1 .. 4i+4].
//   * pos_[s] == i  iff  heap_[i].slot() == s; pos_[s] == npos when s is absent.
//
// An entry is 16 bytes: the key, and the sequence number and slot packed in
// one word (seq in the high 40 bits, so comparing the word compares seq).
// Keys are non-negative doubles (virtual times), stored as their bit
// patterns: for non-negative IEEE doubles the bit patterns order like the
// values, and integer compares let the compiler select without branches.
// Four children per node halve the depth of a binary heap and sit in 64
// consecutive bytes; with 1000 flows a re-key walks at most 5 levels.
#pragma once

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace missive::sched::detail {

// A GCC/Clang extension on x86-64 and AArch64; __extension__ keeps -Wpedantic quiet.
__extension__ typedef unsigned __int128 u128;

class IndexedHeap {
 public:
  static constexpr int slot_bits = 24;
  static constexpr std::uint32_t max_slots = std::uint32_t{1} << slot_bits;

  struct Entry {
    std::uint64_t key;  // bits of a non-negative double
    std::uint64_t tie;  // seq << slot_bits | slot
    [[nodiscard]] std::uint32_t slot() const noexcept {
      return static_cast<std::uint32_t>(tie & (max_slots - 1));
    }
  };
  static_assert(sizeof(Entry) == 16);
  static constexpr std::uint32_t npos = std::numeric_limits<std::uint32_t>::max();

  // Makes room for slots [0, n); afterwards push() never allocates.
  void reserve_slots(std::size_t n) {
    if (pos_.size() < n) pos_.resize(n, npos);
    heap_.reserve(n);
  }

  [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
  [[nodiscard]] bool contains(std::uint32_t slot) const noexcept {
    return slot < pos_.size() && pos_[slot] != npos;
  }
  // The smallest entry. Requires !empty().
  [[nodiscard]] const Entry& top() const noexcept {
    assert(!heap_.empty());
    return heap_.front();
  }
  // Every entry, in heap order.
  [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return heap_; }
  // The key a present slot is filed under.
  [[nodiscard]] double key_of(std::uint32_t slot) const noexcept {
    assert(contains(slot));
    return std::bit_cast<double>(heap_[pos_[slot]].key);
  }
  // The key of the smallest entry. Requires !empty().
  [[nodiscard]] double top_key() const noexcept { return std::bit_cast<double>(top().key); }

  // Requires !contains(slot) and slot < reserved slots.
  void push(std::uint32_t slot, double key, std::uint64_t seq) {
    assert(slot < pos_.size() && slot < max_slots && !contains(slot));
    const Entry e = make(slot, key, seq);
    heap_.push_back(e);
    sift_up(heap_.size() - 1, e);
  }

  // Removes the smallest entry. Requires !empty().
  void pop() noexcept { erase_at(0); }

  // Files a present slot under a new key (larger or smaller).
  void update(std::uint32_t slot, double key, std::uint64_t seq) noexcept {
    assert(contains(slot));
    reposition(pos_[slot], make(slot, key, seq));
  }

  // Removes a present slot.
  void erase(std::uint32_t slot) noexcept {
    assert(contains(slot));
    erase_at(pos_[slot]);
  }

  void clear() noexcept {
    for (const Entry& e : heap_) pos_[e.slot()] = npos;
    heap_.clear();
  }

 private:
  static constexpr std::size_t arity = 4;

  static Entry make(std::uint32_t slot, double key, std::uint64_t seq) noexcept {
    assert(key >= 0);
    return Entry{std::bit_cast<std::uint64_t>(key), (seq << slot_bits) | slot};
  }

  static bool less(const Entry& a, const Entry& b) noexcept {
    // One 128-bit compare of (key, tie): no branch on the (unpredictable) order.
    return ((u128{a.key} << 64) | a.tie) < ((u128{b.key} << 64) | b.tie);
  }

  void place(std::size_t i, const Entry& e) noexcept {
    heap_[i] = e;
    pos_[e.slot()] = static_cast<std::uint32_t>(i);
  }

  void erase_at(std::size_t i) noexcept {
    pos_[heap_[i].slot()] = npos;
    const Entry last = heap_.back();
    heap_.pop_back();
    if (i < heap_.size()) reposition(i, last);
  }

  // Puts `e` at hole i and restores the heap order around it.
  void reposition(std::size_t i, const Entry& e) noexcept {
    if (i > 0 && less(e, heap_[(i - 1) / arity])) {
      sift_up(i, e);
    } else {
      sift_down(i, e);
    }
  }

  void sift_up(std::size_t i, const Entry& e) noexcept {
    while (i > 0) {
      const std::size_t parent = (i - 1) / arity;
      if (!less(e, heap_[parent])) break;
      place(i, heap_[parent]);
      i = parent;
    }
    place(i, e);
  }

  // Index of the smaller of heap_[a] and heap_[b] (a on ties). Written so
  // that the compiler can select without a branch: which child wins is
  // unpredictable, and a mispredicted branch per level cost more than the
  // rest of the level.
  [[nodiscard]] std::size_t smaller(std::size_t a, std::size_t b) const noexcept {
    return less(heap_[b], heap_[a]) ? b : a;
  }

  // Bottom-up: move the hole down to a leaf along the smaller children, then
  // let `e` rise from there. The entries that come here (a flow re-keyed after
  // being served, the last entry after a pop) belong near the bottom, so this
  // saves comparing `e` at every level on the way down and rarely rises far.
  void sift_down(std::size_t i, const Entry& e) noexcept {
    const std::size_t n = heap_.size();
    for (;;) {
      const std::size_t first = i * arity + 1;
      std::size_t best;
      if (first + arity <= n) {
        // All four children present (the common case): a small tournament.
        best = smaller(smaller(first, first + 1), smaller(first + 2, first + 3));
      } else {
        if (first >= n) break;
        best = first;
        for (std::size_t c = first + 1; c < n; ++c) best = smaller(best, c);
      }
      place(i, heap_[best]);
      i = best;
    }
    sift_up(i, e);
  }

  std::vector<Entry> heap_;
  std::vector<std::uint32_t> pos_;
};

}  // namespace missive::sched::detail
