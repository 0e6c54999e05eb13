// missive/transport/loan.hpp - Loan and View at the transport level: zero-copy on shm://, a copy elsewhere.
//
//   auto loan = conn.loan(n, Deadline::after(10ms));  // writable buffer of n bytes (waits for a free one)
//   fill(loan->bytes());                              // write the message in place
//   conn.send_loan(std::move(*loan), deadline);       // publish it (shm: a 24-byte ring record, no copy)
//
//   conn.recv(out)                                    // SAFE DEFAULT: a private copy
//   auto view = conn.recv_view(deadline);             // shm: ZERO-COPY view, TRUSTED PEERS ONLY
//
// Which scheme does what:
// - shm:// with a loan pool (the default unless send_path is inline_copy):
//   the Loan is a buffer of the connection's shared pool (zero_copy() true)
//   and a View of a loaned message reads that buffer in place; dropping the
//   View returns the buffer to the sender's pool. A message larger than a
//   pool buffer, or a connection without a pool, gets the copy fallback.
// - inproc://, unix:// (and shm:// without a pool): COPY FALLBACK. The Loan
//   is a private heap buffer (zero_copy() false) that send_loan sends like
//   send(bytes); a View holds a private copy (zero_copy() false). Same code,
//   same results, no zero-copy.
//
// Contract
// - A Loan belongs to the connection's send side (its thread), a View to the
//   receive side. Neither may outlive the Connection (or Sender / Receiver)
//   it came from, nor survive a move of it.
// - A Loan destroyed unsent returns its buffer; a Loan whose send_loan
//   failed stays with the caller (retry or drop it).
// - TOCTOU: a zero-copy View's bytes are mapped read-only here but the
//   SENDER may still change them. Validate-then-act is only sound on recv()
//   copies (or views from trusted peers). See shm/loan.hpp.
#pragma once

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "missive/shm/loan.hpp"

namespace missive::transport {

namespace detail {
struct LoanAccess;  // transports build Loans and Views (src/missive/transport)
}

class Loan {
 public:
  Loan() noexcept = default;
  Loan(Loan&& other) noexcept
      : shared_(std::move(other.shared_)),
        heap_(std::move(other.heap_)),
        heap_valid_(std::exchange(other.heap_valid_, false)) {}
  Loan& operator=(Loan&& other) noexcept {
    if (this != &other) {
      shared_ = std::move(other.shared_);
      heap_ = std::move(other.heap_);
      heap_valid_ = std::exchange(other.heap_valid_, false);
    }
    return *this;
  }
  Loan(const Loan&) = delete;
  Loan& operator=(const Loan&) = delete;
  ~Loan() = default;

  [[nodiscard]] bool valid() const noexcept { return shared_.valid() || heap_valid_; }
  explicit operator bool() const noexcept { return valid(); }
  // The bytes to write: exactly the size asked of loan().
  [[nodiscard]] std::span<std::byte> bytes() noexcept {
    return shared_.valid() ? shared_.bytes() : std::span<std::byte>(heap_);
  }
  [[nodiscard]] std::size_t size() const noexcept { return shared_.valid() ? shared_.size() : heap_.size(); }
  // True when the buffer is in memory shared with the peer (no copy on send).
  [[nodiscard]] bool zero_copy() const noexcept { return shared_.valid(); }
  // Sends only the first `size` bytes (<= size()).
  void shrink(std::size_t size) noexcept {
    if (shared_.valid()) {
      shared_.shrink(size);
    } else if (size < heap_.size()) {
      heap_.resize(size);
    }
  }
  // Returns the buffer unsent (the destructor does this too).
  void reset() noexcept {
    shared_.reset();
    heap_.clear();
    heap_valid_ = false;
  }

 private:
  friend struct detail::LoanAccess;
  shm::Loan shared_;
  std::vector<std::byte> heap_;
  bool heap_valid_ = false;
};

class View {
 public:
  View() noexcept = default;
  View(View&& other) noexcept
      : shared_(std::move(other.shared_)),
        own_(std::move(other.own_)),
        shared_valid_(std::exchange(other.shared_valid_, false)) {}
  View& operator=(View&& other) noexcept {
    if (this != &other) {
      shared_ = std::move(other.shared_);
      own_ = std::move(other.own_);
      shared_valid_ = std::exchange(other.shared_valid_, false);
    }
    return *this;
  }
  View(const View&) = delete;
  View& operator=(const View&) = delete;
  ~View() = default;

  // The message bytes (read-only; see the TOCTOU note for zero-copy ones).
  [[nodiscard]] std::span<const std::byte> bytes() const noexcept {
    return shared_valid_ ? shared_.bytes() : std::span<const std::byte>(own_);
  }
  [[nodiscard]] std::size_t size() const noexcept { return bytes().size(); }
  // True when the bytes are the sender's shared buffer (not a private copy).
  [[nodiscard]] bool zero_copy() const noexcept { return shared_valid_ && shared_.zero_copy(); }
  // Returns a shared buffer to the sender's pool (idempotent; the destructor does it).
  void reset() noexcept {
    shared_.reset();
    own_.clear();
    shared_valid_ = false;
  }

 private:
  friend struct detail::LoanAccess;
  shm::View shared_;
  std::vector<std::byte> own_;
  bool shared_valid_ = false;
};

}  // namespace missive::transport
