// benchkit/calibration.hpp - the experiments behind `missive calibrate`.
//
// Every latency is one-way (round trip / 2) between this process and a
// fork()ed echo child, pinned to different CPUs when there are two or more,
// as the minimum over repetitions of the median block of <= 16 round trips
// (rawbase::time_blocks: a time slice lost to another process does not count;
// the minimum drops repetitions that shared a CPU with another process).
//
//   syscall     getppid() in a loop, this process only
//   wake-up     1-byte ping-pong over two pipes (both sides block in read)
//   kernel      `size`-byte ping-pong over a socketpair (write, read)
//   inline      shm:// connection forced to copy inline through the ring
//   share       shm:// connection forced to loan (copy into a pool buffer,
//               the receiver copies out and returns it)
//
// The shm experiments spin (WaitStrategy::spin): the model describes the
// transfer, not the sleep (docs/cost-model.md shows what parking adds).
// Not thread-safe: forks, and pins the calling process while it measures
// (restored before returning).
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/costmodel/fit.hpp"
#include "missive/costmodel/model.hpp"
#include "missive/costmodel/profile.hpp"

namespace benchkit {

struct CalibrationOptions {
  bool quick = false;  // fewer sizes, rounds and repetitions: well under 15 s
  // Called before each experiment with a short description (progress line).
  std::function<void(std::string_view what, int step, int steps)> progress;
};

// One size: the best repetition of each path, ns one way.
struct SizePoint {
  std::size_t bytes = 0;
  double kernel_ns = 0;
  double inline_ns = 0;
  double share_ns = 0;
};

struct Calibration {
  std::vector<SizePoint> points;  // ascending size
  double syscall_ns = 0;
  double wakeup_ns = 0;
  int usable_cpus = 0;
  bool pinned = false;  // two processes on different CPUs
  double seconds = 0;   // how long it took

  // The samples per path, for costmodel::fit_parameters.
  [[nodiscard]] missive::costmodel::Measurements measurements() const;
};

// How many progress steps run_calibration() reports.
[[nodiscard]] int calibration_steps(bool quick);

// Runs every experiment. system_error (detail: which) when one fails.
[[nodiscard]] missive::Result<Calibration> run_calibration(const CalibrationOptions& options);

// What the measurements say: the fitted parameters, the crossovers of the
// model and of the measurements, and the profile to store. The profile's
// crossover_bytes (what shm:// uses) is the measured inline/loan crossover,
// or the model's when the measurements did not cross.
struct Analysis {
  missive::costmodel::Parameters parameters;
  missive::costmodel::Crossover model_crossover;  // inline copy vs share (loan)
  missive::costmodel::Crossover measured_crossover;
  missive::costmodel::Crossover model_kernel_share;  // kernel copy vs share (the seed's x*)
  missive::costmodel::Crossover measured_kernel_share;
  missive::costmodel::Profile profile;
};
[[nodiscard]] missive::Result<Analysis> analyze(const Calibration& calibration);

// The path-choice benchmark: per size, one-way latency of shm:// with every
// send inline, every send loaned, and automatic by `crossover_bytes` (same
// method as the calibration). `auto_over_best` is automatic / the better
// fixed choice: the goal is <= 1.10 at every size.
struct PathComparison {
  std::size_t bytes = 0;
  double inline_ns = 0;
  double loan_ns = 0;
  double auto_ns = 0;
  [[nodiscard]] double auto_over_best() const noexcept;
};
[[nodiscard]] missive::Result<std::vector<PathComparison>> compare_paths(const CalibrationOptions& options,
                                                                         std::size_t crossover_bytes);

// A crossover as a number of bytes for reports: the size, 0 for share_always,
// -1 for none (copy always wins, or the inverted case).
[[nodiscard]] double crossover_bytes_or_none(const missive::costmodel::Crossover& x) noexcept;

}  // namespace benchkit
