// missive/channel/detail/bounded_queue.hpp - the buffer of a Channel.
//
// A fixed-capacity FIFO over storage allocated once in the constructor, so a
// buffered channel never allocates per message. Elements are constructed in
// place on push and destroyed on pop; the destructor destroys what is left.
//
// Contract: not thread-safe; Channel guards it with its mutex. Capacity 0 is
// allowed (a rendezvous channel has no buffer) and allocates nothing.
#pragma once

#include <cassert>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace missive::detail {

template <class T>
class BoundedQueue {
  static_assert(std::is_nothrow_move_constructible_v<T>, "elements are moved in and out under a lock");
  static_assert(std::is_nothrow_destructible_v<T>);

 public:
  explicit BoundedQueue(std::size_t capacity)
      : slots_(capacity == 0 ? nullptr : std::allocator<Slot>().allocate(capacity)), capacity_(capacity) {}
  ~BoundedQueue() {
    while (size_ != 0) pop_discard();
    if (slots_ != nullptr) std::allocator<Slot>().deallocate(slots_, capacity_);
  }
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] bool full() const noexcept { return size_ == capacity_; }

  // Precondition: !full().
  void push(T&& value) noexcept {
    assert(!full());
    std::size_t i = head_ + size_;
    if (i >= capacity_) i -= capacity_;
    ::new (static_cast<void*>(slots_[i].bytes)) T(std::move(value));
    ++size_;
  }

  // Moves the oldest element out. Precondition: !empty().
  [[nodiscard]] T pop() noexcept {
    assert(!empty());
    T* p = at(head_);
    T out(std::move(*p));
    p->~T();
    advance();
    return out;
  }

 private:
  struct Slot {
    alignas(T) std::byte bytes[sizeof(T)];
  };

  T* at(std::size_t i) noexcept { return std::launder(reinterpret_cast<T*>(slots_[i].bytes)); }
  void pop_discard() noexcept {
    at(head_)->~T();
    advance();
  }
  void advance() noexcept {
    if (++head_ == capacity_) head_ = 0;
    --size_;
  }

  Slot* slots_;
  std::size_t capacity_;
  std::size_t head_ = 0;  // index of the oldest element
  std::size_t size_ = 0;
};

}  // namespace missive::detail
