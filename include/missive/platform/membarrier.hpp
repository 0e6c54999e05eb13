// missive/platform/membarrier.hpp - a process-spanning asymmetric fence (membarrier(2), GLOBAL_EXPEDITED).
//
// The Dekker handshake of the shm parking protocol (shm/wait.hpp) needs a
// full fence between each side's store and its following load. With this
// seam the cost moves to the rare side: a waker in a registered process
// publishes with a plain release store and a compiler fence; a waiter, right
// after announcing that it sleeps, calls heavy_fence_all(), which runs a
// full barrier on every CPU currently running a thread of a registered
// process (an IPI each). Either the waker's store is then visible to the
// waiter's next load, or the waker's later load sees the announcement.
//
// Thread safety: any thread, any time; registration happens once per process.
#pragma once

namespace missive::platform {

// True once this process is registered for GLOBAL_EXPEDITED (the first call
// registers). False when the kernel lacks it or MISSIVE_NO_MEMBARRIER=1: the
// process then publishes with seq_cst stores (the symmetric protocol).
[[nodiscard]] bool registered_for_heavy_fence() noexcept;

// True when the kernel offers GLOBAL_EXPEDITED, whether or not this process
// registered: a waiter must fence then, since its peer may have registered.
[[nodiscard]] bool heavy_fence_supported() noexcept;

// A full barrier on every CPU running a registered process. No-op without
// kernel support.
void heavy_fence_all() noexcept;

}  // namespace missive::platform
