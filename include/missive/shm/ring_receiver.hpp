// missive/shm/ring_receiver.hpp - RingReceiver: the reading end of a one-way shared-memory ring.
//
// Contract
// - A RingReceiver attaches, in the receiving process, to the two descriptors a
//   RingSender exported. It maps the sender's data segment READ-ONLY (a store
//   to it faults) and the control segment, where it publishes its progress,
//   read-write. One receiver per ring: a second attach is refused.
// - One thread at a time uses a RingReceiver; all methods are "receiver thread only".
// - The sender is untrusted. Every value read from its segment is validated
//   against the receiver's private copy of the ring geometry before use; a
//   contradiction is Errc::corrupted (sticky), never a crash or an out-of-range
//   access. Messages are COPIED out before they are returned, so what the
//   caller holds cannot change afterwards even if the sender keeps writing to
//   the ring: validate the copy, then act on it.
// - Messages arrive whole and in FIFO order. After the sender closes, the
//   receiver still gets every message sent before, then `closed`. A watched
//   sender process that dies is reported as peer_died after the same draining.
// - Lifetime: close() (or the destructor) tells the sender that nothing more
//   will be read; its sends fail with `closed`.
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
#include "missive/platform/membarrier.hpp"
#include "missive/shm/detail/peer_watch.hpp"
#include "missive/shm/detail/ring_layout.hpp"
#include "missive/shm/loan.hpp"
#include "missive/shm/wait.hpp"

namespace missive::shm {

namespace detail {
struct RingTestAccess;
struct LoanTestAccess;
}

class RingReceiver {
 public:
  // Validates and maps the segments of a ring (setup path). The descriptors
  // are closed once mapped. Errors: invalid_argument (not sealed memfds, a
  // pair from different rings, a ring that already has a receiver), truncated
  // (segment smaller than its header says), bad_magic, unsupported_version,
  // corrupted (a header that contradicts itself), system errors.
  [[nodiscard]] static Result<RingReceiver> attach(platform::Fd data, platform::Fd control,
                                                   const WaitPolicy& policy = {});

  RingReceiver(RingReceiver&& other) noexcept;
  RingReceiver& operator=(RingReceiver&& other) noexcept;
  RingReceiver(const RingReceiver&) = delete;
  RingReceiver& operator=(const RingReceiver&) = delete;
  ~RingReceiver() { close(); }

  [[nodiscard]] std::size_t capacity() const noexcept { return static_cast<std::size_t>(capacity_); }
  // A buffer of this size always suffices for try_recv_into.
  [[nodiscard]] std::size_t max_message_size() const noexcept { return static_cast<std::size_t>(max_message_); }

  // Copies the next message into `out` (resized to fit; its capacity is reused).
  // would_block when the ring is empty, closed once the sender closed and the
  // ring is drained, corrupted when the sender broke the protocol. May throw
  // std::bad_alloc from `out`; the message then stays in the ring.
  [[nodiscard]] Status try_recv(std::vector<std::byte>& out);
  // As try_recv, waiting per the wait policy until the deadline: timed_out,
  // peer_died (watched sender exited and the ring is drained).
  [[nodiscard]] Status recv(std::vector<std::byte>& out, Deadline deadline = Deadline::never());

  // Copies the next message into `buffer` without allocating; its size on ok.
  // too_large when `buffer` is smaller than the message (which then stays in
  // the ring: retry with a buffer of max_message_size()).
  [[nodiscard]] Result<std::size_t> try_recv_into(std::span<std::byte> buffer) noexcept;
  [[nodiscard]] Result<std::size_t> recv_into(std::span<std::byte> buffer,
                                              Deadline deadline = Deadline::never()) noexcept;

  // Nothing more will be read; the sender's sends fail with closed. Idempotent.
  void close() noexcept;

  // Watches the sending process (a pidfd): blocked receives on a drained ring
  // fail with peer_died when it exits, instead of waiting for a close that
  // will never come.
  void watch_peer(platform::Fd pidfd) noexcept { peer_.watch(std::move(pidfd)); }
  [[nodiscard]] Status check_peer() noexcept { return peer_.check(); }

  void set_wait_policy(const WaitPolicy& policy) noexcept { policy_ = policy; }
  [[nodiscard]] const WaitStats& stats() const noexcept { return stats_; }

  // Event waits (poll/epoll on a descriptor the transport owns; see
  // transport Connection::readable_fd). arm_event() announces that this side
  // is about to wait: from then on the sender signals after every publish
  // until disarm_event(). Protocol: after a try_recv that returned
  // would_block, arm, then try_recv once more (the recheck that closes the
  // race with a publish that did not see the flag). Receiver thread only.
  void arm_event() noexcept {
    control().arm_event();
    platform::heavy_fence_all();  // the sender may publish with release only (platform/membarrier.hpp)
  }
  void disarm_event() noexcept { control().disarm_event(); }

  // --- Loans (shm/loan.hpp). Receiver thread only. -------------------------
  // As attach, plus the ring's loan pool (RingSender::pool_fd()): mapped
  // READ-ONLY; its header is validated like the data segment's (bad_magic,
  // unsupported_version, corrupted geometry, invalid_argument for a pool of
  // another ring or a control segment without room for its returns[]).
  // Without a pool, a loan record from the sender is `corrupted`.
  [[nodiscard]] static Result<RingReceiver> attach(platform::Fd data, platform::Fd control, platform::Fd pool,
                                                   const WaitPolicy& policy = {});
  // try_recv / recv / try_recv_into / recv_into accept loaned messages too:
  // they COPY the buffer out and return it to the pool at once (safe default).
  //
  // The next message as a View, in place. TRUSTED PEERS ONLY: a loaned
  // message's bytes stay writable by the sender while you read them (see
  // View). Inline messages are copied into the View. Errors as try_recv.
  // Views must not outlive this receiver or survive a move of it.
  [[nodiscard]] Result<View> try_recv_view();
  [[nodiscard]] Result<View> recv_view(Deadline deadline = Deadline::never());
  // Loaned buffers held by live Views.
  [[nodiscard]] std::size_t views_outstanding() const noexcept { return views_out_; }

 private:
  friend struct detail::RingTestAccess;
  friend struct detail::LoanTestAccess;
  friend class View;
  RingReceiver() noexcept = default;

  // A validated loan: the buffer bytes (read-only, shared) and what to return.
  struct LoanedBytes {
    const std::byte* data;
    std::size_t length;
    std::uint32_t index;
    std::uint32_t generation;
  };
  // Validates a loan record's descriptor against the pool geometry copied at attach.
  [[nodiscard]] Result<LoanedBytes> resolve_loan(const std::byte* payload, std::uint32_t length) noexcept;
  // Hands buffer `index` back to the sender (release store of `generation` into returns[]).
  void return_loan(std::uint32_t index, std::uint32_t generation) noexcept;
  // The bytes of `record` (inline or loaned) for a copy-out; `loan` set for a loaned one.
  struct Payload {
    const std::byte* data;
    std::size_t length;
    bool loaned;
    std::uint32_t index;
    std::uint32_t generation;
  };

  // The next message, validated, still in the ring (padding skipped).
  struct Record {
    const std::byte* payload;
    std::uint32_t length;
    std::uint64_t next_head;  // the consumer index once this record is consumed
    std::uint32_t kind;       // record_kind::message or detail::loan_record_kind
  };
  [[nodiscard]] Result<Payload> payload_of(const Record& record) noexcept;
  [[nodiscard]] Result<Record> next_record() noexcept;
  void consume(const Record& record) noexcept;
  [[nodiscard]] Error fail(Error error) noexcept;  // records a sticky failure
  // Waits until next_record() may have something new to say.
  [[nodiscard]] Status wait_for_records(Deadline deadline) noexcept;

  const detail::DataSegment& data() const noexcept;
  detail::ControlSegment& control() const noexcept;

  platform::Mapping data_map_;     // read-only
  platform::Mapping control_map_;  // read-write
  detail::PeerWatch peer_;
  WaitPolicy policy_;
  WaitStats stats_;
  std::uint64_t capacity_ = 0;  // private copies of the validated header
  std::uint64_t max_message_ = 0;
  std::uint32_t ring_offset_ = 0;
  Error failure_{};  // sticky: set once the sender broke the protocol
  bool closed_ = true;

  // Loan pool: read-only mapping and the validated copy of its geometry.
  platform::Mapping pool_map_;
  std::uint64_t buffer_size_ = 0;
  std::uint32_t buffer_count_ = 0;  // 0: no pool
  std::size_t views_out_ = 0;

  // Hot state, private to the receiver thread, on a line of its own: our
  // index (the authoritative copy; ControlSegment::head is its published
  // image) and our cached copy of the sender's index.
  alignas(cache_line_size) std::uint64_t head_ = 0;
  std::uint64_t cached_tail_ = 0;
  bool asymmetric_ = false;  // publish_head with release + the asymmetric fence (platform/membarrier.hpp)
};

}  // namespace missive::shm
