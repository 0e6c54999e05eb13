// missive/channel/detail/asymmetric_fence.hpp - a store-load fence paid by one side.
//
// Dekker-style "announce, then check" handshakes need a store-load barrier on
// BOTH sides. When one side is hot (a producer publishing every element) and
// the other is rare (a consumer about to go to sleep), the rare side can pay
// for both: the hot side only stops the compiler from reordering
// (light_fence), and the rare side calls membarrier(2), which makes every
// running thread of the process execute a full memory barrier before it
// returns (heavy_fence). The proof, for a hot thread H doing `store A;
// light_fence; load B` and a rare thread R doing `store B; heavy_fence; load A`:
// heavy_fence first makes R's `store B` globally visible, then forces a full
// barrier into H's instruction stream at some point P (a thread that is not
// running counts as already past one), and returns only after that. If P
// precedes H's `load B`, the load sees B. Otherwise P follows H's `store A`
// (light_fence keeps the two in program order in the emitted code), so A is
// visible before heavy_fence returns and R's `load A` sees it. Either way at
// least one side sees the other's store.
// This is the pattern of folly's asymmetric_thread_fence_{light,heavy} and
// liburcu's membarrier flavour. It is outside the C++ memory model (which
// knows no membarrier), so every use keeps the symmetric seq_cst protocol as
// a fallback and says which one it is using.
//
// Contract: any thread. asymmetric_fence_available() registers the process for
// MEMBARRIER_CMD_PRIVATE_EXPEDITED on its first call (thread-safe, once) and
// reports whether heavy_fence() may be used.
#pragma once

#include <atomic>

namespace missive::detail {

// True when heavy_fence() is usable (Linux >= 4.14 and not filtered by seccomp).
[[nodiscard]] bool asymmetric_fence_available() noexcept;

// The hot side: a compiler-only barrier. It keeps program order between the
// surrounding accesses in the emitted code; the CPU may still delay the store,
// which is exactly what heavy_fence() repairs from the other side.
inline void light_fence() noexcept { std::atomic_signal_fence(std::memory_order_seq_cst); }

// The rare side: a full barrier on every running thread of the process
// (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED); about 1-3 us). Only call it
// after asymmetric_fence_available() returned true.
void heavy_fence() noexcept;

}  // namespace missive::detail
