// missive/shm/detail/ring_layout.hpp - the shared-memory layout of a one-way message ring.
//
// This header is the protocol between two processes: both sides compile it,
// and nothing else crosses the process boundary. It is internal (detail) but
// installed, because RingSender and RingReceiver are built on it.
//
// A ring is one direction between two processes and uses TWO memfd segments,
// each written by exactly one side:
//
//   sender process                                        receiver process
//   --------------                                        ----------------
//   DATA segment     mapped read-write  =================> mapped READ-ONLY
//   (sealed future_write after the sender mapped it, so no one else can ever map it writable)
//   CONTROL segment  mapped READ-ONLY   <================= mapped read-write
//
// DATA segment (memfd "missive-ring-data", sealed shrink|grow|future_write|seal)
//
//   offset 0    +------------------------------------------------------------+
//               | DataHeader: magic "MSVRDAT1" | version | ring_offset       |  line 0: written once,
//               | capacity | max_message | session                         |  before the fd is shared
//   offset 64   +------------------------------------------------------------+
//               | tail: producer index (u64, bytes ever written)             |  line 1: sender, hot
//   offset 128  +------------------------------------------------------------+
//               | sender_closed (u32) | sender_parked (u32)                  |  line 2: sender, rare
//               | receiver_doorbell (u32 futex word the receiver sleeps on)  |
//   offset 192  +------------------------------------------------------------+
//               | ring: `capacity` bytes (a power of two) of records         |
//               | ...                                                        |
//               +------------------------------------------------------------+
//
// CONTROL segment (memfd "missive-ring-control", one page, sealed shrink|grow|seal)
//
//   offset 0    +------------------------------------------------------------+
//               | ControlHeader: magic "MSVRCTL1" | version | session        |  line 0: written once
//   offset 64   +------------------------------------------------------------+  by the sender
//               | head: consumer index (u64, bytes ever consumed)            |  line 1: receiver, hot
//   offset 128  +------------------------------------------------------------+
//               | receiver_closed (u32) | receiver_parked (u32)              |  line 2: receiver, rare
//               | sender_doorbell (u32 futex word) | attached (u32)          |
//               | receiver_event_armed (u32): receiver waits in poll/epoll   |
//               +------------------------------------------------------------+
//
// Records in the ring: 8-byte aligned, never split across the end of the ring.
//
//   +-------------------+-------------------+---------------------------+-----------+
//   | length (u32)      | kind (u32)        | payload: `length` bytes   | 0-7 bytes |
//   +-------------------+-------------------+---------------------------+-----------+
//   \___ one 64-bit word, record_header ___/                          pad to 8 bytes
//
//   kind == record_kind::message: `length` is the payload size (<= max_message).
//   kind == record_kind::padding: fills the ring from here to its end, so that
//     the next record starts at offset 0; length == bytes to the end - 8.
//   Zeroed memory (kind 0) never parses as a record.
//
// The commit rule (Aeron's "the length is written last and commits the
// record", adapted to separate indices): the sender writes the header word and
// the payload of every record first, then stores the new `tail` (release). A
// receiver that loads `tail` (acquire) sees every byte below it complete. The
// receiver copies records out, then stores the new `head` (release); a sender
// that loads `head` may overwrite every byte below it. The index stores double as the
// store halves of the parking handshake (wait.hpp): seq_cst, or release with
// the asymmetric fence (platform/membarrier.hpp) when the writer's process is
// registered for it. Loads are seq_cst (plain MOVs on x86-64).
//
// Indices are 64-bit byte counters that only grow (they would take centuries to
// wrap); the ring offset of an index is `index & (capacity - 1)`. Invariant kept
// by an honest pair: head <= tail <= head + capacity, both multiples of 8.
//
// Each side's cached copy of the other side's index lives in its own process
// (RingSender / RingReceiver), never in shared memory: a side's private state
// cannot share a cache line with anything the peer writes.
//
// Trust: the receiver treats every byte of the DATA segment as hostile. It
// copies DataHeader out once at attach and validates the copy (the sender may
// change the original later); it re-validates `tail` and every record header
// against its own copies of capacity and max_message before using them. The
// sender treats `head` the same way. A contradiction is Errc::corrupted.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "missive/core/cache_line.hpp"

namespace missive::shm::detail {

// Eight ASCII characters as a little-endian 64-bit tag ("MSVRDAT1" reads as text in a hex dump).
constexpr std::uint64_t ascii_tag(const char (&text)[9]) noexcept {
  std::uint64_t tag = 0;
  for (int i = 7; i >= 0; --i) tag = (tag << 8) | static_cast<std::uint8_t>(text[i]);
  return tag;
}

inline constexpr std::uint64_t data_magic = ascii_tag("MSVRDAT1");
inline constexpr std::uint64_t control_magic = ascii_tag("MSVRCTL1");
inline constexpr std::uint32_t layout_version = 1;

inline constexpr std::size_t min_capacity = 4096;
inline constexpr std::size_t max_capacity = std::size_t{1} << 30;  // 1 GiB
inline constexpr std::size_t record_alignment = 8;
inline constexpr std::size_t record_header_size = 8;

namespace record_kind {
inline constexpr std::uint32_t message = 0x4D47534DU;  // "MSGM"
inline constexpr std::uint32_t padding = 0x4450414DU;  // "MAPD"
}  // namespace record_kind

// Packs a record header word: length in the low half, kind in the high half.
constexpr std::uint64_t record_header(std::uint32_t length, std::uint32_t kind) noexcept {
  return (std::uint64_t{kind} << 32) | length;
}
constexpr std::uint32_t record_length(std::uint64_t header) noexcept { return static_cast<std::uint32_t>(header); }
constexpr std::uint32_t record_kind_of(std::uint64_t header) noexcept {
  return static_cast<std::uint32_t>(header >> 32);
}
// Bytes a record with `payload` bytes occupies in the ring.
constexpr std::uint64_t record_size(std::uint64_t payload) noexcept {
  return (record_header_size + payload + record_alignment - 1) & ~std::uint64_t{record_alignment - 1};
}

// Immutable description of a data segment. Written once by the sender before
// the descriptor leaves its process; the receiver copies it out and validates
// the copy, never the original.
struct DataHeader {
  std::uint64_t magic;        // data_magic
  std::uint32_t version;      // layout_version
  std::uint32_t ring_offset;  // offset of ring byte 0 in the segment (sizeof(DataSegment))
  std::uint64_t capacity;     // ring bytes: a power of two in [min_capacity, max_capacity]
  std::uint64_t max_message;  // largest payload; record_size(max_message) <= capacity / 2
  std::uint64_t session;      // random; equals ControlHeader::session of the paired segment
};

// Written by the sender only. Contract per member; orders in the accessors.
struct DataSegment {
  DataHeader header;

  // Producer index. Sender: publish_tail; receiver: peek_tail.
  alignas(cache_line_size) std::atomic<std::uint64_t> tail;

  // 1 once the sender closed; stored after the last publish_tail.
  alignas(cache_line_size) std::atomic<std::uint32_t> sender_closed;
  // 1 while the sender waits for room (see the parking protocol in shm/wait.hpp).
  std::atomic<std::uint32_t> sender_parked;
  // The futex word the receiver sleeps on; the sender increments it to wake the receiver.
  std::atomic<std::uint32_t> receiver_doorbell;

  // Sender: commits records. Release: every record byte written before it is
  // visible to a receiver whose peek_tail returns `value` or more (pairs with
  // the acquire half of peek_tail). It is also the store half [W] of the
  // parking handshake (shm/wait.hpp), which needs a full fence before the
  // sender's next load of ControlSegment::receiver_parked: with `asymmetric`
  // (this process is registered for platform::heavy_fence_all, which every
  // waiter calls after announcing itself) a compiler fence suffices and the
  // store is a plain MOV on x86-64; otherwise the store is seq_cst (XCHG).
  void publish_tail(std::uint64_t value, bool asymmetric) noexcept {
    if (asymmetric) {
      tail.store(value, std::memory_order_release);
      std::atomic_signal_fence(std::memory_order_seq_cst);  // keeps the [L] load after the store (compiler only)
    } else {
      tail.store(value, std::memory_order_seq_cst);
    }
  }
  // Receiver: the producer index; record bytes below it are complete (acquire
  // half pairs with publish_tail). seq_cst so a receiver that announced it
  // parks cannot miss a publish (shm/wait.hpp); a plain load on x86-64.
  [[nodiscard]] std::uint64_t peek_tail() const noexcept { return tail.load(std::memory_order_seq_cst); }

  // Sender: no records after this. Release half: ordered after the last
  // publish_tail, so a receiver that sees it and then peeks the tail sees the
  // final tail. seq_cst: it wakes a parked receiver like publish_tail does.
  void publish_closed() noexcept { sender_closed.store(1, std::memory_order_seq_cst); }
  // Receiver: true once the sender closed (pairs with publish_closed; seq_cst as peek_tail).
  [[nodiscard]] bool peek_closed() const noexcept { return sender_closed.load(std::memory_order_seq_cst) != 0; }
};

// Immutable description of a control segment (written by the sender at creation).
struct ControlHeader {
  std::uint64_t magic;    // control_magic
  std::uint32_t version;  // layout_version
  std::uint32_t reserved;
  std::uint64_t session;  // equals DataHeader::session
};

// Written by the receiver only (the sender maps it read-only).
struct ControlSegment {
  ControlHeader header;

  // Consumer index. Receiver: publish_head; sender: peek_head.
  alignas(cache_line_size) std::atomic<std::uint64_t> head;

  // 1 once the receiver closed: the sender's sends fail with `closed`.
  alignas(cache_line_size) std::atomic<std::uint32_t> receiver_closed;
  // 1 while the receiver waits for records (see the parking protocol in shm/wait.hpp).
  std::atomic<std::uint32_t> receiver_parked;
  // The futex word the sender sleeps on; the receiver increments it to wake the sender.
  std::atomic<std::uint32_t> sender_doorbell;
  // 0 until a receiver claims the ring (compare-exchange 0 -> 1): one receiver per ring.
  std::atomic<std::uint32_t> attached;
  // 1 while the receiver may be waiting in poll/epoll on its connection's
  // event descriptor (transport readable_fd()): the sender then signals that
  // descriptor after each publish. The same Dekker handshake as the parked
  // flags (shm/wait.hpp): arm_event [P] and peek_tail [R] on the receiver,
  // publish_tail [W] and peek_event_armed [L] on the sender, all seq_cst.
  std::atomic<std::uint32_t> receiver_event_armed;

  // Receiver: announces (1) or withdraws (0) an event wait. seq_cst for 1: the
  // store half of the handshake. relaxed for 0: a stale 1 costs the sender one
  // spurious signal, never a lost one.
  void arm_event() noexcept { receiver_event_armed.store(1, std::memory_order_seq_cst); }
  void disarm_event() noexcept { receiver_event_armed.store(0, std::memory_order_relaxed); }
  // Sender: true while the receiver waits on its event descriptor (the load
  // half [L], after the seq_cst publish_tail [W]).
  [[nodiscard]] bool peek_event_armed() const noexcept {
    return receiver_event_armed.load(std::memory_order_seq_cst) != 0;
  }

  // Receiver: every record below `value` has been copied out and may be
  // overwritten. Release: our reads of those bytes happen-before the
  // sender's next writes to them (pairs with the acquire half of peek_head).
  // The store half [W] of the handshake for a sender waiting for room:
  // seq_cst, or release plus a compiler fence when `asymmetric` (as
  // DataSegment::publish_tail).
  void publish_head(std::uint64_t value, bool asymmetric) noexcept {
    if (asymmetric) {
      head.store(value, std::memory_order_release);
      std::atomic_signal_fence(std::memory_order_seq_cst);  // keeps the [L] load after the store (compiler only)
    } else {
      head.store(value, std::memory_order_seq_cst);
    }
  }
  // Sender: the consumer index (pairs with publish_head; seq_cst for the handshake).
  [[nodiscard]] std::uint64_t peek_head() const noexcept { return head.load(std::memory_order_seq_cst); }

  // Receiver: will read nothing more (release half: a sender that sees it also
  // sees the final head; seq_cst: it wakes a parked sender like publish_head).
  void publish_closed() noexcept { receiver_closed.store(1, std::memory_order_seq_cst); }
  // Sender: true once the receiver closed (pairs with publish_closed; seq_cst as peek_head).
  [[nodiscard]] bool peek_closed() const noexcept { return receiver_closed.load(std::memory_order_seq_cst) != 0; }
};

// The layout is a compile-time fact: both processes must agree on every offset.
static_assert(sizeof(void*) == 8, "shared segments assume a 64-bit process on both sides");
static_assert(std::atomic<std::uint64_t>::is_always_lock_free && sizeof(std::atomic<std::uint64_t>) == 8);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free && sizeof(std::atomic<std::uint32_t>) == 4);
static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free,
              "record headers are read with plain 64-bit atomic loads, which never write the read-only page");
// Headers are plain integers, copied out and validated as values.
static_assert(std::is_standard_layout_v<DataHeader> && std::is_trivially_copyable_v<DataHeader>);
static_assert(std::is_standard_layout_v<ControlHeader> && std::is_trivially_copyable_v<ControlHeader>);
// Segments contain std::atomic, which is not trivially copyable by definition;
// they are standard layout (offsets are meaningful) and need no destructor,
// so unmapping them is enough.
static_assert(std::is_standard_layout_v<DataSegment> && std::is_trivially_destructible_v<DataSegment>);
static_assert(std::is_standard_layout_v<ControlSegment> && std::is_trivially_destructible_v<ControlSegment>);
static_assert(sizeof(DataHeader) == 40 && sizeof(ControlHeader) == 24);
static_assert(offsetof(DataSegment, header) == 0);
static_assert(offsetof(DataSegment, tail) == 64);
static_assert(offsetof(DataSegment, sender_closed) == 128);
static_assert(offsetof(DataSegment, sender_parked) == 132);
static_assert(offsetof(DataSegment, receiver_doorbell) == 136);
static_assert(sizeof(DataSegment) == 192, "the ring starts on its own cache line at offset 192");
static_assert(offsetof(ControlSegment, header) == 0);
static_assert(offsetof(ControlSegment, head) == 64);
static_assert(offsetof(ControlSegment, receiver_closed) == 128);
static_assert(offsetof(ControlSegment, receiver_parked) == 132);
static_assert(offsetof(ControlSegment, sender_doorbell) == 136);
static_assert(offsetof(ControlSegment, attached) == 140);
static_assert(offsetof(ControlSegment, receiver_event_armed) == 144);
static_assert(sizeof(ControlSegment) == 192);
// Lines owned by different sides or with different write rates never overlap.
static_assert(offsetof(DataSegment, sender_closed) - offsetof(DataSegment, tail) >= cache_line_size);
static_assert(offsetof(ControlSegment, receiver_closed) - offsetof(ControlSegment, head) >= cache_line_size);

// Reads a value the peer may change at any moment exactly once: one relaxed
// atomic load, which the compiler may neither tear nor repeat (so a value
// validated is the value used). Relaxed: ordering comes from the index
// accessors above. Lock-free (asserted), so on x86-64 and AArch64 it is a
// plain load and never writes: safe on a read-only page.
template <class T>
[[nodiscard]] T read_once(const T& shared) noexcept {
  static_assert(std::atomic_ref<T>::is_always_lock_free);
  return std::atomic_ref<T>(const_cast<T&>(shared)).load(std::memory_order_relaxed);
}
// The sender's counterpart for words a receiver reads with read_once (relaxed:
// published by the release in publish_tail).
template <class T>
void write_once(T& shared, T value) noexcept {
  static_assert(std::atomic_ref<T>::is_always_lock_free);
  std::atomic_ref<T>(shared).store(value, std::memory_order_relaxed);
}

inline constexpr std::uint32_t data_ring_offset = sizeof(DataSegment);
static_assert(data_ring_offset % cache_line_size == 0);

}  // namespace missive::shm::detail
