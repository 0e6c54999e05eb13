// missive/shm/loan.hpp - Loan and View: zero-copy messages through a ring's loan pool.
//
// A ring created with RingConfig::loan_buffers > 0 owns a pool of fixed-size
// shared buffers (layout: shm/detail/pool_layout.hpp).
//
//   sender:   auto loan = sender.loan(n);            // a writable buffer of n bytes, in shared memory
//             fill(loan->bytes());                   // write the message in place (no copy)
//             sender.send_loan(std::move(*loan), deadline);
//   receiver: receiver.recv(out)                     // SAFE DEFAULT: copies the buffer out, returns it at once
//             auto view = receiver.recv_view(deadline);  // ZERO-COPY, TRUSTED PEERS ONLY (see View)
//
// Contract
// - A Loan belongs to the thread that uses its RingSender; a View to the
//   thread that uses its RingReceiver. Neither may outlive, nor survive a move
//   of, the endpoint it came from (they point back to it).
// - A Loan that is destroyed unsent returns its buffer to the pool. A Loan
//   passed to send_loan() that fails stays with the caller (retry or drop it).
// - Dropping a View returns its buffer to the sender's pool (one release store).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace missive::shm {

class RingSender;
class RingReceiver;

// A writable buffer of the pool, lent to the sender's application until sent.
class Loan {
 public:
  Loan() noexcept = default;
  Loan(Loan&& other) noexcept
      : owner_(std::exchange(other.owner_, nullptr)),
        data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        index_(other.index_) {}
  Loan& operator=(Loan&& other) noexcept {
    if (this != &other) {
      reset();
      owner_ = std::exchange(other.owner_, nullptr);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      index_ = other.index_;
    }
    return *this;
  }
  Loan(const Loan&) = delete;
  Loan& operator=(const Loan&) = delete;
  ~Loan() { reset(); }

  [[nodiscard]] bool valid() const noexcept { return owner_ != nullptr; }
  explicit operator bool() const noexcept { return valid(); }
  // The bytes to write: exactly the size asked of loan(), in the shared pool.
  [[nodiscard]] std::span<std::byte> bytes() const noexcept { return {data_, size_}; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  // Sends only the first `size` bytes (<= size()); for messages whose length
  // is known only after writing them.
  void shrink(std::size_t size) noexcept {
    if (size < size_) size_ = size;
  }
  // Returns the buffer to the pool unsent (the destructor does this too).
  void reset() noexcept;

 private:
  friend class RingSender;
  Loan(RingSender* owner, std::byte* data, std::size_t size, std::uint32_t index) noexcept
      : owner_(owner), data_(data), size_(size), index_(index) {}

  RingSender* owner_ = nullptr;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::uint32_t index_ = 0;
};

// A received message, read in place.
//
// TRUSTED PEERS ONLY. For a loaned message the bytes are the sender's shared
// buffer, mapped read-only here: this process cannot change them, but the
// SENDER CAN, at any time, even after sending (a buggy or hostile sender, or
// one that reuses a buffer the receiver returned early). Validate-then-use on
// a View is a TOCTOU race unless you trust the sender; use recv() (a copy) for
// untrusted peers. A message that travelled inline in the ring (sent with
// send(span)) is copied into the View's own storage, so it is stable.
//
// Dropping the View (or reset()) returns the buffer to the pool.
class View {
 public:
  View() noexcept = default;
  View(View&& other) noexcept
      : owner_(std::exchange(other.owner_, nullptr)),
        data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        index_(other.index_),
        generation_(other.generation_),
        copy_(std::move(other.copy_)) {}  // a moved vector keeps its storage: data_ stays valid
  View& operator=(View&& other) noexcept {
    if (this != &other) {
      reset();
      owner_ = std::exchange(other.owner_, nullptr);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      index_ = other.index_;
      generation_ = other.generation_;
      copy_ = std::move(other.copy_);
    }
    return *this;
  }
  View(const View&) = delete;
  View& operator=(const View&) = delete;
  ~View() { reset(); }

  // The message bytes (read-only; see the warning above for loaned ones).
  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  // True when the bytes are the sender's shared buffer (not a private copy).
  [[nodiscard]] bool zero_copy() const noexcept { return owner_ != nullptr; }
  // Returns the buffer to the sender's pool (idempotent; the destructor calls it).
  void reset() noexcept;

 private:
  friend class RingReceiver;
  View(RingReceiver* owner, const std::byte* data, std::size_t size, std::uint32_t index,
       std::uint32_t generation) noexcept
      : owner_(owner), data_(data), size_(size), index_(index), generation_(generation) {}
  explicit View(std::vector<std::byte> copy) noexcept
      : data_(copy.data()), size_(copy.size()), copy_(std::move(copy)) {}

  RingReceiver* owner_ = nullptr;  // set while a pool buffer is held
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::uint32_t index_ = 0;
  std::uint32_t generation_ = 0;
  std::vector<std::byte> copy_;  // inline messages only
};

}  // namespace missive::shm
