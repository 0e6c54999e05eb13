// missive/shm/detail/pool_layout.hpp - the shared-memory layout of a ring's loan pool.
//
// A ring created with RingConfig::loan_buffers > 0 has a THIRD memfd segment,
// the pool: `buffer_count` buffers of `buffer_size` bytes that the sender
// writes in place (a Loan) and the receiver reads in place (a View) or copies
// out. Like the data segment it is written by the sender only and mapped
// read-only by the receiver; the receiver hands buffers back through a
// `returns` array that lives in the (receiver-written) control segment.
//
//   sender process                                        receiver process
//   --------------                                        ----------------
//   DATA segment     read-write  ========================> READ-ONLY   (ring of records)
//   POOL segment     read-write  ========================> READ-ONLY   (sealed future_write|seal)
//   CONTROL segment  READ-ONLY   <======================== read-write  (head, flags, returns[])
//
// POOL segment (memfd "missive-loan-pool", sealed shrink|grow|future_write|seal)
//
//   offset 0     +-----------------------------------------------------------+
//                | PoolHeader: magic "MSVLPOL1" | version | buffer_count     |  written once, before
//                | buffer_size | buffers_offset | session                    |  the fd is shared
//   offset 4096  +-----------------------------------------------------------+
//                | buffer 0: buffer_size bytes (a multiple of 64)            |
//                | buffer 1                                                  |
//                | ...  buffer i starts at buffers_offset + i * buffer_size  |
//                +-----------------------------------------------------------+
//
// CONTROL segment, grown past its ControlSegment (192 bytes) when a pool exists:
//
//   offset 256   +-----------------------------------------------------------+
//                | returns[0..buffer_count): u32 each, the generation of the |  receiver writes,
//                | last send of that buffer that the receiver is done with   |  sender reads
//                +-----------------------------------------------------------+
//
// A loan travels as an ordinary ring record of kind `loan_record_kind` whose
// payload is a LoanDescriptor {index, generation, length}: offsets, never
// pointers. The buffer bytes are published by the same tail store that
// commits the record (ring_layout.hpp's commit rule), so a receiver that sees
// the record sees the bytes.
//
// Buffer ownership, per buffer i (sender_gen[i] is private to the sender):
//   free      returns[i] == sender_gen[i]   (all zero at creation)
//   loaned    the sender's application writes it (a Loan)
//   in flight sent with generation g = ++sender_gen[i]; the receiver reads it
//   returned  the receiver stores returns[i] = g (release) after its last read;
//             the sender's acquire load of returns[i] == g makes those reads
//             happen-before its next writes, and the buffer is free again.
// A receiver that lies about returns[] (returns early) only lets the sender
// overwrite bytes that receiver is still reading: it harms itself, never the
// sender, which keeps every index and generation in its own memory.
//
// Trust: the receiver copies PoolHeader once at attach and validates the copy
// (magic, version, session of the paired ring, geometry inside the segment,
// room for returns[] in the control segment). Every descriptor is checked
// against that copy: index < buffer_count and length <= buffer_size, else
// Errc::corrupted (sticky).
//
// Dead peers: the pool belongs to one connection and holds no cross-process
// allocator state except returns[], so there is nothing to repair. A dead
// receiver's unreturned buffers are simply never reused (the sender's sends
// fail with peer_died / closed); a dead sender's buffers stay mapped and
// readable in the receiver (views stay valid: the memfd lives while mapped).
// The kernel frees the pool when the last mapping and descriptor are gone.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "missive/shm/detail/ring_layout.hpp"

namespace missive::shm::detail {

inline constexpr std::uint64_t pool_magic = ascii_tag("MSVLPOL1");
inline constexpr std::uint32_t pool_layout_version = 1;

// The ring record kind of a loan ("LOAN" read as little-endian text).
inline constexpr std::uint32_t loan_record_kind = 0x4E414F4CU;

inline constexpr std::size_t pool_buffers_offset = 4096;  // page aligned: buffers start on a page
inline constexpr std::size_t pool_buffer_alignment = 64;  // buffers never share a cache line
inline constexpr std::size_t max_pool_buffers = 65536;
inline constexpr std::size_t max_pool_buffer_size = std::size_t{1} << 30;  // 1 GiB
inline constexpr std::size_t max_pool_bytes = std::size_t{16} << 30;       // 16 GiB of buffers
// Where returns[] starts in the control segment: the line after ControlSegment's last.
inline constexpr std::size_t control_returns_offset = 256;

// Immutable description of a pool. Written once by the sender before the
// descriptor leaves its process; the receiver copies and validates it.
struct PoolHeader {
  std::uint64_t magic;           // pool_magic
  std::uint32_t version;         // pool_layout_version
  std::uint32_t buffer_count;    // 1 .. max_pool_buffers
  std::uint64_t buffer_size;     // a multiple of pool_buffer_alignment, <= max_pool_buffer_size
  std::uint64_t buffers_offset;  // pool_buffers_offset
  std::uint64_t session;         // equals DataHeader::session of the paired ring
};

// The payload of a loan record in the ring.
struct LoanDescriptor {
  std::uint32_t index;       // buffer index: < buffer_count
  std::uint32_t generation;  // what the receiver stores into returns[index] when done
  std::uint64_t length;      // message bytes at the start of the buffer: <= buffer_size
};

static_assert(std::is_standard_layout_v<PoolHeader> && std::is_trivially_copyable_v<PoolHeader>);
static_assert(std::is_standard_layout_v<LoanDescriptor> && std::is_trivially_copyable_v<LoanDescriptor>);
static_assert(sizeof(PoolHeader) == 40 && offsetof(PoolHeader, buffer_count) == 12 &&
              offsetof(PoolHeader, buffer_size) == 16 && offsetof(PoolHeader, session) == 32);
static_assert(sizeof(LoanDescriptor) == 16 && offsetof(LoanDescriptor, generation) == 4 &&
              offsetof(LoanDescriptor, length) == 8);
static_assert(sizeof(PoolHeader) <= pool_buffers_offset);
static_assert(sizeof(ControlSegment) <= control_returns_offset && control_returns_offset % cache_line_size == 0,
              "returns[] starts on a line of its own, after every ControlSegment field");
static_assert(std::atomic_ref<std::uint32_t>::is_always_lock_free,
              "returns[] entries are plain 32-bit words read with atomic loads (never a write on a read-only page)");
static_assert(record_size(sizeof(LoanDescriptor)) <= min_capacity / 2, "a loan record fits any ring");

// Bytes of control segment a pool of `buffers` needs (returns[] included).
constexpr std::size_t control_bytes_for(std::size_t buffers) noexcept {
  return control_returns_offset + buffers * sizeof(std::uint32_t);
}

}  // namespace missive::shm::detail
