// missive/shm/ring_sender.hpp - RingSender: the writing end of a one-way shared-memory ring.
//
// Contract
// - A RingSender is created in the sending process; it owns both memfd
//   segments of the ring (layout: shm/detail/ring_layout.hpp). Hand data_fd()
//   and control_fd() to exactly one receiving process (send_fds over a Unix
//   socket), which attaches a RingReceiver to them. A ring with a loan pool
//   (RingConfig::loan_buffers) has a third segment: hand pool_fd() over too
//   (layout: shm/detail/pool_layout.hpp; API: shm/loan.hpp).
// - One thread at a time uses a RingSender (it may move between threads with
//   the usual hand-off synchronization). All methods are "sender thread only".
// - Messages are copied into the ring (one copy) and arrive in FIFO order, whole
//   or not at all. A message is sent only when the call returns ok; on any
//   error the caller still has it and nothing of it is visible to the receiver.
// - Messages may be sent before the receiver attaches; they wait in the ring.
// - The sender trusts nothing the receiver writes: a consumer index that
//   contradicts the sender's own makes every later call fail with `corrupted`.
// - Lifetime: close() (or the destructor) tells the receiver that nothing more
//   will come; it drains what was sent, then sees `closed`. The segments live
//   until both processes have dropped their mappings and descriptors.
//
// Cost: try_send on a ring with room is a memcpy, a header store, one
// release store of the index (a MOV on x86-64 when the process is registered
// for the asymmetric fence, platform/membarrier.hpp; else a seq_cst XCHG)
// and loads of a line the receiver rarely writes (its closed, parked and
// event flags); no system call unless the receiver announced that it sleeps
// (then one futex wake) or waits on its event descriptor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "missive/core/cache_line.hpp"
#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"
#include "missive/platform/mapping.hpp"
#include "missive/shm/detail/peer_watch.hpp"
#include "missive/shm/detail/ring_layout.hpp"
#include "missive/shm/loan.hpp"
#include "missive/shm/wait.hpp"

namespace missive::shm {

namespace detail {
struct RingTestAccess;  // tests only: reaches into the segments to play a hostile peer
struct LoanTestAccess;  // tests only: publishes raw loan records
}

struct RingConfig {
  // Ring bytes, rounded up to a power of two in [4 KiB, 1 GiB].
  std::size_t capacity_bytes = 64 * 1024;
  // Largest message; 0 means the largest the ring allows (capacity / 2 - 8),
  // which guarantees that a message always fits once the ring drains.
  std::size_t max_message_bytes = 0;
  // Loan pool (shm/loan.hpp): number of shared buffers, 0 for none (then
  // loan() fails with invalid_argument), at most 65536.
  std::size_t loan_buffers = 0;
  // Bytes per loan buffer, rounded up to a multiple of 64; at most 1 GiB.
  std::size_t loan_buffer_bytes = 0;
};

class RingSender {
 public:
  // Creates the two segments and maps them (setup path). invalid_argument for
  // an impossible config; system errors from memfd/mmap.
  [[nodiscard]] static Result<RingSender> create(const RingConfig& config = {}, const WaitPolicy& policy = {});
  [[nodiscard]] static Result<RingSender> create(std::size_t capacity_bytes) {
    return create(RingConfig{capacity_bytes, 0});
  }

  RingSender(RingSender&& other) noexcept;
  RingSender& operator=(RingSender&& other) noexcept;
  RingSender(const RingSender&) = delete;
  RingSender& operator=(const RingSender&) = delete;
  ~RingSender() { close(); }

  // The descriptors to hand to the receiver (both, once). The data segment is
  // sealed so that no process can map it writable again: the receiver's view is
  // read-only by construction.
  [[nodiscard]] const platform::Fd& data_fd() const noexcept { return data_fd_; }
  [[nodiscard]] const platform::Fd& control_fd() const noexcept { return control_fd_; }
  // Closes this side's copies of the descriptors once they were handed over
  // (the mappings stay; the descriptors are only needed to pass them on).
  void drop_fds() noexcept;

  [[nodiscard]] std::size_t capacity() const noexcept { return static_cast<std::size_t>(capacity_); }
  [[nodiscard]] std::size_t max_message_size() const noexcept { return static_cast<std::size_t>(max_message_); }

  // Copies `message` into the ring. would_block when the ring has no room,
  // too_large beyond max_message_size(), closed when the receiver closed (or
  // this side did), corrupted after the receiver broke the protocol.
  [[nodiscard]] Status try_send(std::span<const std::byte> message) noexcept;
  // As try_send, waiting for room per the wait policy until the deadline:
  // timed_out then, peer_died when a watched receiver process exits.
  [[nodiscard]] Status send(std::span<const std::byte> message, Deadline deadline = Deadline::never()) noexcept;

  // Batched publication: writes the longest prefix of `messages` that fits
  // now and publishes the index ONCE for all of them (one store and one
  // parked check per burst instead of per message). Returns how many were
  // sent when at least one was; otherwise the error try_send gives for the
  // first (would_block, too_large, closed, corrupted). A later message that
  // is too large or finds no room ends the burst; it and the rest stay with
  // the caller.
  [[nodiscard]] Result<std::size_t> try_send_batch(std::span<const std::span<const std::byte>> messages) noexcept;
  // As try_send_batch, waiting (as send) for room for the first message.
  [[nodiscard]] Result<std::size_t> send_batch(std::span<const std::span<const std::byte>> messages,
                                               Deadline deadline = Deadline::never()) noexcept;

  // Nothing more will be sent; the receiver drains the ring, then sees closed.
  // Idempotent; the destructor calls it.
  void close() noexcept;

  // Watches the receiving process (a pidfd, e.g. from platform::peer_pidfd):
  // blocked sends fail with peer_died when it exits.
  void watch_peer(platform::Fd pidfd) noexcept { peer_.watch(std::move(pidfd)); }
  // ok while the watched receiver lives (one poll(2)); peer_died after. try_send
  // never makes this system call, so a try_send loop should check now and then.
  [[nodiscard]] Status check_peer() noexcept { return peer_.check(); }

  void set_wait_policy(const WaitPolicy& policy) noexcept { policy_ = policy; }
  [[nodiscard]] const WaitStats& stats() const noexcept { return stats_; }

  // True while the receiver announced an event wait (RingReceiver::arm_event):
  // call it after each ok publish and signal the receiver's descriptor when
  // true. One seq_cst load of a line the receiver rarely writes.
  [[nodiscard]] bool receiver_event_armed() const noexcept { return control().peek_event_armed(); }

  // --- Loans (zero-copy; shm/loan.hpp). Sender thread only. ---------------
  // The pool descriptor to hand to the receiver with the other two (invalid
  // when the ring has no pool); sealed like the data segment.
  [[nodiscard]] const platform::Fd& pool_fd() const noexcept { return pool_fd_; }
  [[nodiscard]] std::size_t loan_buffer_size() const noexcept { return static_cast<std::size_t>(buffer_size_); }
  [[nodiscard]] std::size_t loan_buffer_count() const noexcept { return buffer_state_.size(); }
  // A writable pool buffer of `size` bytes. would_block when every buffer is
  // loaned or not yet returned by the receiver, too_large beyond
  // loan_buffer_size(), invalid_argument without a pool, closed / corrupted as
  // try_send. Never blocks, no system call. The Loan must not outlive this
  // sender or survive a move of it.
  [[nodiscard]] Result<Loan> loan(std::size_t size) noexcept;
  // As loan(size), waiting per the wait policy until a buffer comes back or
  // the deadline passes: timed_out then (Deadline::now_or_never(): fails at
  // once with would_block), peer_died when the watched receiver exits. The
  // receiver wakes a parked sender when it returns a buffer.
  [[nodiscard]] Result<Loan> loan(std::size_t size, Deadline deadline) noexcept;
  // Publishes a loan (a 24-byte ring record naming the buffer): the receiver
  // reads the bytes in place or copies them. On ok the loan is consumed; on
  // any error the caller keeps it. Errors as try_send / send;
  // invalid_argument for a loan of another sender.
  // (Not overloads of try_send/send: `send({})` must keep meaning an empty span.)
  [[nodiscard]] Status try_send_loan(Loan&& loan) noexcept;
  [[nodiscard]] Status send_loan(Loan&& loan, Deadline deadline = Deadline::never()) noexcept;

 private:
  friend struct detail::RingTestAccess;
  friend struct detail::LoanTestAccess;
  friend class Loan;
  RingSender() noexcept = default;

  // Writes one record of `kind` (message or loan) into the ring and commits
  // it; would_block without room. The shared body of try_send.
  [[nodiscard]] Status try_publish(std::uint32_t kind, std::span<const std::byte> payload) noexcept;
  // Writes one record after tail_ without publishing it (would_block without room).
  [[nodiscard]] Status write_record(std::uint32_t kind, std::span<const std::byte> payload) noexcept;
  // Publishes tail_ (every record written since the last commit) and wakes a parked receiver.
  void commit() noexcept;
  // As try_publish, waiting for room per the wait policy. The shared body of send.
  [[nodiscard]] Status publish(std::uint32_t kind, std::span<const std::byte> payload, Deadline deadline) noexcept;
  // Creates and maps the pool segment; sizes the control segment for it.
  [[nodiscard]] Status create_pool(const RingConfig& config, std::uint64_t session);
  // Moves buffers the receiver returned from in flight to free.
  void reclaim_returned() noexcept;
  // True when some in-flight buffer was returned (seq_cst loads: the [R] of
  // the parking handshake with the receiver's return_loan).
  [[nodiscard]] bool any_returned() const noexcept;
  // A Loan dropped unsent.
  void return_unsent(std::uint32_t index) noexcept;
  [[nodiscard]] Status publish_loan(Loan& loan, Deadline deadline, bool wait) noexcept;

  detail::DataSegment& data() const noexcept;
  const detail::ControlSegment& control() const noexcept;
  // Ring bytes a message of `size` needs now (its record, plus padding when it
  // does not fit before the end of the ring).
  [[nodiscard]] std::uint64_t bytes_needed(std::size_t size) const noexcept;
  // Re-reads the consumer index; corrupted when it contradicts ours.
  [[nodiscard]] Status refresh_head() noexcept;

  platform::Mapping data_map_;     // read-write
  platform::Mapping control_map_;  // read-only
  platform::Fd data_fd_;
  platform::Fd control_fd_;
  detail::PeerWatch peer_;
  WaitPolicy policy_;
  WaitStats stats_;
  std::uint64_t capacity_ = 0;
  std::uint64_t max_message_ = 0;
  Error failure_{};  // sticky: set once the receiver broke the protocol
  bool closed_ = true;

  // Loan pool, private to the sender thread (layout: shm/detail/pool_layout.hpp).
  enum class BufferState : std::uint8_t { free, loaned, in_flight };
  platform::Mapping pool_map_;  // read-write
  platform::Fd pool_fd_;
  std::uint64_t buffer_size_ = 0;
  std::vector<BufferState> buffer_state_;     // per buffer
  std::vector<std::uint32_t> generation_;     // per buffer: generation of its last send
  std::vector<std::uint32_t> free_;           // indices of free buffers (a stack)
  std::vector<std::uint32_t> in_flight_;      // indices sent and not yet seen returned
  std::size_t loans_out_ = 0;                 // Loans alive (debug check at destruction and move)

  // Hot state, private to the sender thread, on a line of its own: our index
  // (the authoritative copy; DataSegment::tail is its published image) and our
  // cached copy of the receiver's index.
  alignas(cache_line_size) std::uint64_t tail_ = 0;
  std::uint64_t cached_head_ = 0;
  bool asymmetric_ = false;  // publish_tail with release + the asymmetric fence (platform/membarrier.hpp)
};

}  // namespace missive::shm
