// missive/shm/wait.hpp - how a ring endpoint waits, and what its waiting cost.
//
// A blocking send (ring full) or receive (ring empty) waits in one of three ways:
//   spin            - poll the peer's index with cpu_relax until ready: lowest
//                     latency (tens of ns), burns a core; for dedicated cores.
//   spin_then_park  - spin `spin_iterations` rounds, then sleep on a futex
//                     (the default): fast hand-offs stay fast, idle costs nothing.
//   park            - sleep on a futex at once: a wake-up costs a system call on
//                     both sides (about 20 us on the reference machine).
//
// The parking protocol. A waker issues a futex wake system call only when the
// peer has announced that it sleeps, so a busy pair never enters the kernel.
// Each side owns a `parked` flag in the segment it writes and sleeps on a
// `doorbell` word in the segment its peer writes:
//
//   waiter (found the ring empty / full)          waker (publishes / consumes)
//   ------------------------------------          ----------------------------
//   bell = doorbell.load(acquire)                 index.store(new, seq_cst)       [W]
//   parked.store(1, seq_cst)              [P]     if (peer_parked.load(seq_cst))  [L]
//   if (!ready())     // index.load(seq_cst) [R]      doorbell.fetch_add(1, release)
//       futex_wait(doorbell, bell)                    futex_wake(doorbell)
//   parked.store(0, relaxed)
//
// Why no wake-up is lost (Dekker's handshake, the store-buffering litmus test):
// W, L, P and R are seq_cst, so they lie in one total order consistent with
// program order (W before L, P before R). If P precedes L, L reads 1 and the
// waker rings. Otherwise L precedes P, so W precedes R, and R reads the new
// index: the waiter does not sleep. (Release/acquire alone would allow both
// loads to read the old values: each store may still sit in its core's store
// buffer.) When the waker rings, it changes the doorbell before futex_wake; the
// kernel compares the doorbell with `bell` and queues the waiter atomically
// with respect to futex_wake, so the waiter either sees the changed value (and
// returns at once) or is queued before the wake and is woken. `bell` is read
// before the announcement: if it already includes the waker's increment, the
// acquire load synchronizes with the release increment, so ready() sees the
// new index and the waiter does not sleep. A stale `parked == 1` (a waiter
// that woke but has not cleared it yet) costs one spurious wake system call,
// never a lost one. The cost on the hot path: the index store is an XCHG on
// x86-64 instead of a MOV (about the price of one MFENCE); loads stay plain.
//
// Peer liveness: a side given its peer's pidfd (watch_peer) sleeps in slices
// of `liveness_interval` and checks the pidfd between them, so a peer that dies
// (even by SIGKILL) is reported as Errc::peer_died within one slice.
#pragma once

#include <chrono>
#include <cstdint>

namespace missive::shm {

enum class WaitStrategy : std::uint8_t { spin, spin_then_park, park };

struct WaitPolicy {
  WaitStrategy strategy = WaitStrategy::spin_then_park;
  // cpu_relax rounds before parking (spin_then_park): about 10-40 us.
  std::uint32_t spin_iterations = 1024;
  // With a watched peer, the longest sleep before its liveness is checked again.
  std::chrono::milliseconds liveness_interval{20};
};

// Counters of one endpoint, maintained by its owner thread (read them from
// that thread, or after joining it). For tests and benchmarks: they show
// whether the fast path stayed out of the kernel.
struct WaitStats {
  std::uint64_t wake_syscalls = 0;  // futex_wake calls issued because the peer had parked
  std::uint64_t parks = 0;          // futex_wait calls (sleeps) of this endpoint
};

}  // namespace missive::shm
