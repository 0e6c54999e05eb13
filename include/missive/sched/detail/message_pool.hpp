// missive/sched/detail/message_pool.hpp - the queued messages of every flow
// of a FairQueue, in one pool of nodes linked into per-flow FIFOs.
//
// Contract: single-threaded; owned by one FairQueue<T>, which keeps each
// flow's FIFO as (head, tail) node indices and links nodes through next().
// The pool destroys the items still alive when it is destroyed or assigned.
//
// Why a pool: a std::deque per flow costs an 80-byte object plus 512-byte
// blocks per flow, and with hundreds of flows every decision touches cold
// memory in several places. Here a message is one node (its item, its
// PacketMeta and a link); nodes are reused last-freed-first, so the node a
// dequeue frees is the one the next enqueue fills, still in cache. Nodes live
// in fixed chunks that never move, so T is never relocated.
//
// Memory: the pool keeps its high-water mark of nodes (chunks of 256).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "missive/sched/detail/packet_meta.hpp"

namespace missive::sched::detail {

template <class T>
class MessagePool {
 public:
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

  MessagePool() = default;
  MessagePool(const MessagePool&) = delete;
  MessagePool& operator=(const MessagePool&) = delete;
  MessagePool(MessagePool&& other) noexcept
      : chunks_(std::move(other.chunks_)), free_(std::exchange(other.free_, none)) {}
  MessagePool& operator=(MessagePool&& other) noexcept {
    if (this != &other) {
      destroy_all();
      chunks_ = std::move(other.chunks_);
      other.chunks_.clear();
      free_ = std::exchange(other.free_, none);
    }
    return *this;
  }
  ~MessagePool() { destroy_all(); }

  // A node holding T(args...), its meta value-initialized and next() == none.
  // Throws what allocation or T's constructor throws; the pool is unchanged.
  template <class... Args>
  std::uint32_t create(Args&&... args) {
    if (free_ == none) grow();
    const std::uint32_t i = free_;
    Node& n = node(i);
    ::new (static_cast<void*>(n.storage)) T(std::forward<Args>(args)...);
    free_ = n.next;
    n.next = none;
    n.meta = PacketMeta{};
    n.live = true;
    return i;
  }

  // Destroys the item of a live node and recycles the node.
  void destroy(std::uint32_t i) noexcept {
    Node& n = node(i);
    item(i).~T();
    n.live = false;
    n.next = free_;
    free_ = i;
  }

  [[nodiscard]] T& item(std::uint32_t i) noexcept { return *std::launder(reinterpret_cast<T*>(node(i).storage)); }
  [[nodiscard]] PacketMeta& meta(std::uint32_t i) noexcept { return node(i).meta; }
  [[nodiscard]] std::uint32_t& next(std::uint32_t i) noexcept { return node(i).next; }

 private:
  static constexpr std::uint32_t chunk_bits = 8;
  static constexpr std::uint32_t chunk_size = std::uint32_t{1} << chunk_bits;

  // storage is raw on purpose: a T lives there only while `live`.
  struct Node {  // NOLINT(cppcoreguidelines-pro-type-member-init)
    PacketMeta meta;
    std::uint32_t next = none;
    bool live = false;
    alignas(T) std::byte storage[sizeof(T)];
  };

  Node& node(std::uint32_t i) noexcept { return chunks_[i >> chunk_bits][i & (chunk_size - 1)]; }

  void grow() {
    if (chunks_.size() >= (std::size_t{none} >> chunk_bits)) throw std::bad_alloc();
    const auto base = static_cast<std::uint32_t>(chunks_.size() << chunk_bits);
    chunks_.reserve(chunks_.size() + 1);  // so that push_back below cannot throw
    auto chunk = std::make_unique<Node[]>(chunk_size);
    // Thread the new nodes onto the free list, lowest index first out.
    for (std::uint32_t k = 0; k < chunk_size; ++k) {
      chunk[k].next = k + 1 < chunk_size ? base + k + 1 : free_;
    }
    chunks_.push_back(std::move(chunk));
    free_ = base;
  }

  void destroy_all() noexcept {
    for (auto& chunk : chunks_) {
      for (std::uint32_t k = 0; k < chunk_size; ++k) {
        if (chunk[k].live) {
          std::launder(reinterpret_cast<T*>(chunk[k].storage))->~T();
          chunk[k].live = false;
        }
      }
    }
  }

  std::vector<std::unique_ptr<Node[]>> chunks_;
  std::uint32_t free_ = none;
};

}  // namespace missive::sched::detail
