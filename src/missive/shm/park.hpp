// park.hpp - internal: the two halves of the parking protocol (see shm/wait.hpp).
//
// Thread safety: each function runs on the thread that owns one ring
// endpoint; the atomics they touch are shared with the peer process.
#pragma once

#include <atomic>
#include <cstdint>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/core/cpu_relax.hpp"
#include "missive/platform/futex.hpp"
#include "missive/platform/membarrier.hpp"
#include "missive/shm/detail/peer_watch.hpp"
#include "missive/shm/wait.hpp"

namespace missive::shm::detail {

// Waker half. Call right after the store that changes what the peer waits
// for (publish_tail / publish_head: seq_cst or release + asymmetric fence;
// publish_closed: seq_cst): rings the peer's doorbell only if the peer
// announced that it sleeps. `peer_parked` is in the
// peer's segment; `peer_doorbell` in ours.
inline void wake_if_parked(const std::atomic<std::uint32_t>& peer_parked, std::atomic<std::uint32_t>& peer_doorbell,
                           WaitStats& stats) noexcept {
  // seq_cst: the load half of the handshake [L]; with our preceding seq_cst
  // store [W] it cannot miss a peer that announced itself [P] (wait.hpp).
  if (peer_parked.load(std::memory_order_seq_cst) != 0) {
    // release: a waiter whose acquire load of the doorbell already sees this
    // increment also sees the index we published (so it will not sleep).
    peer_doorbell.fetch_add(1, std::memory_order_release);
    (void)platform::futex_wake(peer_doorbell, 1);
    ++stats.wake_syscalls;
  }
}

// Waiter half. Waits until `ready()` returns true (ok), the deadline passes
// (timed_out), the watched peer dies (peer_died) or the futex fails. `ready`
// is the caller's condition, re-evaluated after each spin round and wake-up;
// it must read the peer's index and closed flag with seq_cst loads [R] (the
// peek_* accessors do);
// `my_parked` is our flag (in our segment) and `doorbell` the word the peer
// rings (in its segment, possibly mapped read-only).
template <class Ready>
[[nodiscard]] Status wait_until(const Ready& ready, std::atomic<std::uint32_t>& my_parked,
                                const std::atomic<std::uint32_t>& doorbell, const WaitPolicy& policy, PeerWatch& peer,
                                WaitStats& stats, Deadline deadline) noexcept {
  if (Status known = peer.known(); !known) return known;

  if (policy.strategy != WaitStrategy::park) {
    const bool forever = policy.strategy == WaitStrategy::spin;
    for (std::uint64_t round = 1; forever || round <= policy.spin_iterations; ++round) {
      if (ready()) return ok();
      missive::cpu_relax();
      if (round % 1024 == 0) {
        if (deadline.expired()) return Errc::timed_out;
        // A pure spinner never sleeps, so it looks at its peer now and then (one poll(2)).
        if (forever && round % (1024 * 64) == 0) {
          if (Status alive = peer.check(); !alive) return alive;
        }
      }
    }
  }

  for (;;) {
    // Read the doorbell BEFORE announcing ourselves (acquire; pairs with the
    // release increment in wake_if_parked). Any later ring changes it, and the
    // kernel's compare in futex_wait then refuses to sleep.
    const std::uint32_t bell = doorbell.load(std::memory_order_acquire);
    // seq_cst: the store half of the handshake [P]; ready()'s seq_cst loads [R]
    // come after it in the total order (wait.hpp). Its release half also keeps
    // the doorbell load above from moving below it. The heavy fence then
    // stands in for the full fence that a waker in a registered process
    // skips after its release publish (platform/membarrier.hpp).
    my_parked.store(1, std::memory_order_seq_cst);
    platform::heavy_fence_all();
    if (ready()) {
      my_parked.store(0, std::memory_order_relaxed);  // relaxed: a stale 1 only costs the peer a spurious wake
      return ok();
    }
    if (deadline.expired()) {
      my_parked.store(0, std::memory_order_relaxed);  // relaxed: as above
      return Errc::timed_out;
    }
    Deadline slice = deadline;
    if (peer.watching()) {
      const Deadline check_at = Deadline::after(policy.liveness_interval);
      if (check_at.when() < deadline.when()) slice = check_at;
    }
    ++stats.parks;
    const Status slept = platform::futex_wait(doorbell, bell, slice);
    my_parked.store(0, std::memory_order_relaxed);  // relaxed: as above
    if (!slept && slept.code() != Errc::timed_out && slept.code() != Errc::would_block) return slept;
    if (ready()) return ok();
    if (deadline.expired()) return Errc::timed_out;
    if (Status alive = peer.check(); !alive) return alive;
  }
}

}  // namespace missive::shm::detail
