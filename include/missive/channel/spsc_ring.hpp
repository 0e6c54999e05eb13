// missive/channel/spsc_ring.hpp - a lock-free single-producer single-consumer ring.
//
// Contract
//   * Exactly one producer thread calls the producer functions (try_push,
//     try_emplace, try_push_n) and exactly one consumer thread calls the
//     consumer functions (front, pop, try_pop, try_pop_n). The two may be the
//     same thread. Handing a side to another thread needs a happens-before edge
//     (a join, a mutex, a release/acquire pair) between the old and new owner.
//   * capacity(), size_approx() and empty_approx() may be called from any thread.
//   * Nothing blocks and nothing allocates after construction; waiting is the
//     job of SpscChannel, which wraps this ring.
//   * Construction and destruction happen while no other thread uses the ring.
//     The destructor destroys the elements still inside.
//
// Invariants
//   * head and tail are free-running counts of pushes and pops (never wrapped;
//     2^64 operations do not happen); slot i lives at index i & mask.
//   * 0 <= head - tail <= capacity. Slots [tail, head) hold constructed
//     elements, every other slot is raw storage.
//   * Only the producer writes head and tail_cache; only the consumer writes
//     tail and head_cache. tail_cache <= tail and head_cache <= head, so a stale
//     cache only ever makes the ring look fuller (producer) or emptier
//     (consumer) than it is: never unsafe, only a reason to refresh.
//
// Layout (RingLayout::padded; one box = one 64-byte cache line)
//
//   +--------------------------------------------------------------+
//   | slots*, mask              read-only after construction        |  shared, never invalidated
//   +--------------------------------------------------------------+
//   | head                      producer writes, consumer reads     |  the publication line
//   +--------------------------------------------------------------+
//   | tail_cache                producer only                       |  never leaves the producer's core
//   +--------------------------------------------------------------+
//   | tail                      consumer writes, producer reads     |  the reclamation line
//   +--------------------------------------------------------------+
//   | head_cache                consumer only                       |  never leaves the consumer's core
//   +--------------------------------------------------------------+
//   slots: a separate allocation, cache-line aligned and a whole number of
//   lines long, so no unrelated heap object shares a line with an element.
//
// In the steady state the producer touches head, tail_cache and a slot; the
// consumer touches tail, head_cache and a slot. The remote index is read only
// when the cached copy says "full" (producer) or "empty" (consumer), so a
// line crosses between cores about once per lap instead of once per element.
//
// RingLayout::packed puts head, tail_cache, tail and head_cache on one line.
// The code is identical; it exists only so a benchmark can show what false
// sharing costs. Do not use it for anything else.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <cstddef>
#include <iterator>
#include <limits>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "missive/core/cache_line.hpp"

namespace missive {

enum class RingLayout {
  padded,  // indices owned by different sides on separate cache lines (use this)
  packed,  // everything on one line: a false-sharing demonstration for benchmarks only
};

template <class T>
class SpscChannel;

namespace detail {

template <RingLayout Layout>
struct SpscIndices;

template <>
struct SpscIndices<RingLayout::padded> {
  alignas(cache_line_size) std::atomic<std::size_t> head{0};  // pushes so far: producer writes
  alignas(cache_line_size) std::size_t tail_cache = 0;        // producer's last view of tail
  alignas(cache_line_size) std::atomic<std::size_t> tail{0};  // pops so far: consumer writes
  alignas(cache_line_size) std::size_t head_cache = 0;        // consumer's last view of head
};

template <>
struct SpscIndices<RingLayout::packed> {
  alignas(cache_line_size) std::atomic<std::size_t> head{0};
  std::size_t tail_cache = 0;
  std::atomic<std::size_t> tail{0};
  std::size_t head_cache = 0;
};

using PaddedIndices = SpscIndices<RingLayout::padded>;
using PackedIndices = SpscIndices<RingLayout::packed>;
static_assert(std::is_standard_layout_v<PaddedIndices> && std::is_standard_layout_v<PackedIndices>);
static_assert(std::atomic<std::size_t>::is_always_lock_free);
// Padded: each field owns a whole line.
static_assert(offsetof(PaddedIndices, tail_cache) - offsetof(PaddedIndices, head) >= cache_line_size);
static_assert(offsetof(PaddedIndices, tail) - offsetof(PaddedIndices, tail_cache) >= cache_line_size);
static_assert(offsetof(PaddedIndices, head_cache) - offsetof(PaddedIndices, tail) >= cache_line_size);
static_assert(sizeof(PaddedIndices) == 4 * cache_line_size);
static_assert(alignof(PaddedIndices) == cache_line_size);
// Packed: all four share one line (on purpose).
static_assert(sizeof(PackedIndices) == cache_line_size);
static_assert(offsetof(PackedIndices, head_cache) + sizeof(std::size_t) <= cache_line_size);

}  // namespace detail

template <class T, RingLayout Layout = RingLayout::padded>
class SpscRing {
  static_assert(std::is_nothrow_move_constructible_v<T>, "SpscRing moves elements on noexcept paths");
  static_assert(std::is_nothrow_destructible_v<T>);
  static_assert(!std::is_reference_v<T> && !std::is_const_v<T>);

 public:
  using value_type = T;

  // Capacity is rounded up to a power of two (at least 1). Throws
  // std::length_error for capacities that cannot be allocated, std::bad_alloc
  // when memory runs out. Any thread, before the ring is shared.
  explicit SpscRing(std::size_t capacity) : config_(make_config(capacity)) {}

  // Destroys the elements still inside. No other thread may use the ring.
  ~SpscRing() {
    // Relaxed: the owner's happens-before edge (join, ...) already made both
    // sides' last writes visible to the destroying thread.
    const std::size_t head = idx_.head.load(std::memory_order_relaxed);
    for (std::size_t i = idx_.tail.load(std::memory_order_relaxed); i != head; ++i) slot(i)->~T();
    ::operator delete (config_.slots, std::align_val_t{slot_alignment});
  }

  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Any thread.
  [[nodiscard]] std::size_t capacity() const noexcept { return config_.mask + 1; }

  // ---- producer side ---------------------------------------------------

  // Producer only. Constructs an element in place; false when full (args untouched).
  template <class... Args>
  [[nodiscard]] bool try_emplace(Args&&... args) noexcept(std::is_nothrow_constructible_v<T, Args&&...>) {
    return emplace_with<std::memory_order_release>(std::forward<Args>(args)...);
  }
  // Producer only. False when full; `v` is then untouched.
  [[nodiscard]] bool try_push(T&& v) noexcept { return try_emplace(std::move(v)); }
  // Producer only. False when full. If copying throws, the ring is unchanged.
  [[nodiscard]] bool try_push(const T& v) noexcept(std::is_nothrow_copy_constructible_v<T>) { return try_emplace(v); }

  // Producer only. Constructs up to `n` elements from *first, *(first+1), ...
  // (pass std::make_move_iterator to move) and publishes them with one store.
  // Returns how many were pushed (0 when full). If a construction throws, the
  // elements constructed before it are pushed and the exception propagates.
  template <class InputIt>
  std::size_t try_push_n(InputIt first, std::size_t n) noexcept(
      std::is_nothrow_constructible_v<T, typename std::iterator_traits<InputIt>::reference>) {
    const std::size_t head = own_head();
    std::size_t room = capacity() - (head - idx_.tail_cache);
    if (room < n) {
      idx_.tail_cache = observe_tail();
      room = capacity() - (head - idx_.tail_cache);
    }
    const std::size_t count = std::min(room, n);
    std::size_t done = 0;
    struct PublishOnExit {  // publishes what was built even if a constructor throws
      SpscRing& ring;
      std::size_t head;
      const std::size_t& done;
      ~PublishOnExit() {
        if (done != 0) ring.publish_head<std::memory_order_release>(head + done);
      }
    } publish{*this, head, done};
    for (; done < count; ++done, ++first) ::new (slot_storage(head + done)) T(*first);
    return count;
  }

  // ---- consumer side ---------------------------------------------------

  // Consumer only. The oldest element, or nullptr when empty. The element
  // stays in the ring (and may be read or modified in place) until pop().
  [[nodiscard]] T* front() noexcept {
    const std::size_t tail = own_tail();
    if (tail == idx_.head_cache) {
      idx_.head_cache = observe_head();
      if (tail == idx_.head_cache) return nullptr;
    }
    return slot(tail);
  }

  // Consumer only. Destroys the oldest element and frees its slot.
  // Precondition: front() returned non-null since the last pop().
  void pop() noexcept { pop_with<std::memory_order_release>(); }

  // Consumer only. Moves the oldest element into `out`; false when empty.
  [[nodiscard]] bool try_pop(T& out) noexcept(std::is_nothrow_move_assignable_v<T>) {
    T* p = front();
    if (p == nullptr) return false;
    out = std::move(*p);
    pop();
    return true;
  }

  // Consumer only. Move-assigns up to `n` elements to *out++ and frees their
  // slots with one store. Returns how many were popped (0 when empty).
  template <class OutputIt>
  std::size_t try_pop_n(OutputIt out, std::size_t n) noexcept(std::is_nothrow_move_assignable_v<T>) {
    const std::size_t tail = own_tail();
    std::size_t avail = idx_.head_cache - tail;
    if (avail < n) {
      idx_.head_cache = observe_head();
      avail = idx_.head_cache - tail;
    }
    const std::size_t count = std::min(avail, n);
    for (std::size_t i = 0; i < count; ++i) {
      T* p = slot(tail + i);
      *out = std::move(*p);
      ++out;
      p->~T();
    }
    if (count != 0) publish_tail<std::memory_order_release>(tail + count);
    return count;
  }

  // ---- any thread --------------------------------------------------------

  // A snapshot that may be stale by the time it returns. Exact when called by
  // the producer or the consumer while the other side is idle.
  [[nodiscard]] std::size_t size_approx() const noexcept {
    // Read tail first: head read afterwards is at least that tail, so the
    // difference never underflows. Acquire pairs with the publishing stores
    // (it only orders the two reads here; no element is touched).
    const std::size_t tail = idx_.tail.load(std::memory_order_acquire);
    const std::size_t head = idx_.head.load(std::memory_order_acquire);
    return std::min(head - tail, capacity());
  }
  [[nodiscard]] bool empty_approx() const noexcept { return size_approx() == 0; }

 private:
  friend class SpscChannel<T>;

  struct Slot {
    alignas(T) std::byte bytes[sizeof(T)];
  };
  static constexpr std::size_t slot_alignment = std::max(alignof(Slot), cache_line_size);

  struct alignas(cache_line_size) Config {
    Slot* slots;
    std::size_t mask;
  };

  static Config make_config(std::size_t requested) {
    constexpr std::size_t max_slots = (std::numeric_limits<std::size_t>::max() / 2) / sizeof(Slot);
    if (requested > max_slots) throw std::length_error("missive::SpscRing: capacity too large");
    const std::size_t slots = std::bit_ceil(std::max<std::size_t>(requested, 1));
    // Round the allocation up to whole lines so no other heap object shares
    // the first or last line with an element.
    const std::size_t bytes = (slots * sizeof(Slot) + slot_alignment - 1) / slot_alignment * slot_alignment;
    void* raw = ::operator new (bytes, std::align_val_t{slot_alignment});
    return Config{static_cast<Slot*>(raw), slots - 1};
  }

  void* slot_storage(std::size_t i) noexcept { return config_.slots[i & config_.mask].bytes; }
  T* slot(std::size_t i) noexcept { return std::launder(reinterpret_cast<T*>(slot_storage(i))); }

  // ---- named accessors: every ordering of the ring lives here -----------

  // Producer: its own index. Relaxed: only this thread writes head.
  [[nodiscard]] std::size_t own_head() const noexcept { return idx_.head.load(std::memory_order_relaxed); }
  // Consumer: its own index. Relaxed: only this thread writes tail.
  [[nodiscard]] std::size_t own_tail() const noexcept { return idx_.tail.load(std::memory_order_relaxed); }

  // Producer: refresh the view of tail. Acquire pairs with publish_tail()'s
  // release: the slots below the loaded tail have been moved from and
  // destroyed, so the producer may construct into them.
  [[nodiscard]] std::size_t observe_tail() const noexcept { return idx_.tail.load(std::memory_order_acquire); }
  // Consumer: refresh the view of head. Acquire pairs with publish_head()'s
  // release: the elements below the loaded head are fully constructed.
  [[nodiscard]] std::size_t observe_head() const noexcept { return idx_.head.load(std::memory_order_acquire); }

  // Producer: make the slots below `head` visible to the consumer. Release
  // publishes their construction. SpscChannel's symmetric park protocol passes
  // seq_cst so the store joins the single total order with the consumer's
  // "parked" flag (Dekker pattern, see spsc_channel.hpp); seq_cst is also a
  // release.
  template <std::memory_order Order>
  void publish_head(std::size_t head) noexcept {
    static_assert(Order == std::memory_order_release || Order == std::memory_order_seq_cst);
    idx_.head.store(head, Order);
  }
  // Consumer: hand the slots below `tail` back to the producer. Release
  // publishes that the elements were moved from and destroyed (so the
  // producer's constructions cannot race with our reads). seq_cst as above.
  template <std::memory_order Order>
  void publish_tail(std::size_t tail) noexcept {
    static_assert(Order == std::memory_order_release || Order == std::memory_order_seq_cst);
    idx_.tail.store(tail, Order);
  }

  // ---- the two operations, parameterised by the publishing order ---------

  template <std::memory_order Publish, class... Args>
  bool emplace_with(Args&&... args) noexcept(std::is_nothrow_constructible_v<T, Args&&...>) {
    const std::size_t head = own_head();
    if (head - idx_.tail_cache == capacity()) {
      idx_.tail_cache = observe_tail();
      if (head - idx_.tail_cache == capacity()) return false;
    }
    ::new (slot_storage(head)) T(std::forward<Args>(args)...);
    publish_head<Publish>(head + 1);
    return true;
  }

  template <std::memory_order Publish>
  void pop_with() noexcept {
    const std::size_t tail = own_tail();
    assert(tail != idx_.head_cache && "pop() on an empty ring");
    slot(tail)->~T();
    publish_tail<Publish>(tail + 1);
  }

  // SpscChannel's re-checks after announcing "parked". seq_cst loads: they are
  // the second half of the Dekker pairs described in spsc_channel.hpp, and
  // like any acquire they pair with the publishing stores above.
  [[nodiscard]] bool empty_seq_cst() noexcept {  // consumer only
    idx_.head_cache = idx_.head.load(std::memory_order_seq_cst);
    return own_tail() == idx_.head_cache;
  }
  [[nodiscard]] bool full_seq_cst() noexcept {  // producer only
    idx_.tail_cache = idx_.tail.load(std::memory_order_seq_cst);
    return own_head() - idx_.tail_cache == capacity();
  }

  Config config_;
  detail::SpscIndices<Layout> idx_;
};

}  // namespace missive
