// missive/costmodel/parameters.hpp - the measured constants of the cost model.
//
// Units: nanoseconds for fixed costs, GB/s for bandwidths. 1 GB/s is one byte
// per nanosecond, so a bandwidth b moves x bytes in x / b ns.
//
//   kernel copy (socketpair, pipe)   T_k(x) = sigma        + 2x / B_k
//   inline copy (shm ring)           T_i(x) = inline_fixed +  x / B_inline
//   share       (shm loan)           T_s(x) = share_fixed  +  x / B_cc
//
// sigma is the fixed cost of a message through the kernel: the system calls and
// the wake-up of the blocked receiver. B_k is the kernel's copy bandwidth (each
// message is copied twice: into the socket buffer and out of it). B_cc is the
// cross-core bandwidth through shared memory: a shared buffer's bytes written on
// one core and read on the other. B_inline is the same for the ring's copy in
// and copy out together (one figure: both copies happen per message, and the
// ring's fresh lines make it differ from B_cc). docs/cost-model.md explains how
// each is measured.
//
// Where the seed's straight lines depart from a real machine, each path may
// bend once: above `*_knee_bytes` (0 = no knee) the cost per byte is that of
// `*_above_gbps` (caches overflow, a socket buffer fills and the writer waits
// for the reader: more wake-ups per message). The line stays continuous.
#pragma once

namespace missive::costmodel {

struct Parameters {
  double sigma_ns = 0;         // kernel message fixed cost: syscalls + wake-up (fitted intercept)
  double syscall_ns = 0;       // a minimal system call (measured directly; informational)
  double wakeup_ns = 0;        // a 1-byte pipe hand-off to a blocked process, one way (measured directly)
  double bk_gbps = 0;          // kernel copy bandwidth B_k
  double bcc_gbps = 0;         // cross-core bandwidth through a shared buffer B_cc
  double share_fixed_ns = 0;   // fixed cost of a shared hand-off (loan, record, return)
  double inline_fixed_ns = 0;  // fixed cost of an inline ring message
  double inline_gbps = 0;      // effective bandwidth of the ring's copy in + copy out
  // The bend of each path (0 = none): its size and the bandwidth above it.
  double kernel_knee_bytes = 0;
  double bk_above_gbps = 0;  // kernel: 2x / this above the knee
  double inline_knee_bytes = 0;
  double inline_above_gbps = 0;
  double share_knee_bytes = 0;
  double bcc_above_gbps = 0;

  friend bool operator==(const Parameters&, const Parameters&) = default;
};

// Figures of the reference machine (2 vCPU AMD EPYC under KVM, docs/cost-model.md),
// used when no profile was calibrated on this machine.
[[nodiscard]] Parameters reference_parameters() noexcept;

}  // namespace missive::costmodel
