// benchkit/comparison.hpp - the whole transport comparison of `missive bench`
// in one run: missive's transports, the raw baselines and ZeroMQ, over sizes
// from 8 B to 4 MiB, and the cost model fitted on the same measurements.
//
// Paths (their names are part of `missive bench --json`):
//   shm-spin        shm:// Connection, every send copied inline, spin waiting
//   shm-block       the same with the default wait (spin briefly, then park on a futex)
//   shm-view        shm rings with loans and zero-copy views (ring_pingpong.hpp), spin
//   unix            unix:@ Connection (framed stream socket)
//   inproc          inproc:// Connection, echo thread in this process
//   raw-spin        one shared page, spin (raw_baselines.hpp): the floor
//   raw-socketpair  write/read over a socketpair
//   raw-pipe        write/read over two pipes
//   zmq-ipc         ZeroMQ PAIR over ipc:// (zmq_baseline.hpp, injected: optional)
// Every inter-process path runs between this process and a fork()ed echo
// child pinned to another CPU (zmq-ipc unpinned: its I/O threads).
//
// Method. Repetitions are the outer loop, then paths, then sizes: a slow
// spell of the shared machine hits one sweep of every path rather than every
// repetition of one, and each sweep over the sizes is short enough to see one
// placement of the two vCPUs by the host. Each measurement times blocks of
// <= 16 round trips (rawbase::time_blocks); the blocks of all repetitions
// are pooled: p50_ns and p99_ns are percentiles of the pooled
// per-round-trip block times / 2 (one way). msgs_per_s = 1e9 / p50_ns: the
// rate of a ping-pong, one message in flight (not a stream).
//
// The model. One more series, shm-loan (shm:// with every send through a
// loaned buffer, copied in and out, spin), is measured for the model only
// (not in `results`). The fit (costmodel::fit_parameters) uses the p50 of
// raw-socketpair (kernel copy: sigma, B_k), shm-spin (inline: f_i, B_inline)
// and shm-loan (share: f_s, B_cc) at the sizes from 64 B to 1 MiB of the SAME
// run, and accuracy() compares the fitted lines with those p50s.
//
// Not thread-safe: forks, and pins the calling process while it measures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "benchkit/raw_baselines.hpp"
#include "missive/core/result.hpp"
#include "missive/costmodel/fit.hpp"
#include "missive/costmodel/model.hpp"

namespace benchkit {

// The paths of `results`, in report order.
[[nodiscard]] const std::vector<std::string>& comparison_paths();
// The model-only series.
inline constexpr std::string_view shm_loan_series = "shm-loan";

struct ComparisonOptions {
  bool quick = false;               // fewer sizes, repetitions and round trips (< 1 min)
  std::vector<std::size_t> sizes;   // empty: by `quick` (8 B .. 4 MiB)
  int repetitions = 0;              // 0: by `quick`
  std::uint64_t round_divisor = 0;  // divides the round-trip counts; 0: by `quick`
  // How to measure zmq-ipc; empty: not measured (absent from results).
  std::function<rawbase::Timing(std::size_t size, std::uint64_t rounds)> zmq;
  // Called before each measurement (progress line).
  std::function<void(std::string_view what, int step, int steps)> progress;
};

struct ResultRow {
  std::string path;
  std::size_t size = 0;
  double p50_ns = 0;  // one way
  double p99_ns = 0;
  double msgs_per_s = 0;
};

// The model against the measurement, one size of one model path.
struct AccuracyRow {
  missive::costmodel::Path path{};
  std::string series;  // the measured path it is compared with
  std::size_t size = 0;
  double measured_ns = 0;
  double predicted_ns = 0;
  [[nodiscard]] double error_percent() const noexcept {
    return measured_ns > 0 ? 100.0 * (predicted_ns - measured_ns) / measured_ns : 0;
  }
};

struct ModelFit {
  missive::costmodel::Parameters parameters;
  missive::costmodel::Crossover inline_share;           // model x*: inline copy vs loan (what shm:// uses)
  missive::costmodel::Crossover kernel_share;           // model x*: kernel copy vs share (the seed's)
  missive::costmodel::Crossover measured_inline_share;  // from the p50s
  missive::costmodel::Crossover measured_kernel_share;
  std::vector<AccuracyRow> accuracy;  // every model path at every size from 64 B to 1 MiB
  [[nodiscard]] double worst_error_percent(missive::costmodel::Path path) const noexcept;
};

struct Comparison {
  std::vector<ResultRow> results;  // comparison_paths() x sizes (zmq-ipc only when measured)
  std::vector<ResultRow> model_series;  // shm-loan
  std::vector<std::size_t> sizes;
  int repetitions = 0;
  int usable_cpus = 0;
  bool pinned = false;
  double seconds = 0;
  std::optional<ModelFit> model;  // empty when the measurements do not fit (model_problem says why)
  std::string model_problem;
  [[nodiscard]] const ResultRow* find(std::string_view path, std::size_t size) const noexcept;
};

// How many progress steps run_comparison() reports for `options`.
[[nodiscard]] int comparison_steps(const ComparisonOptions& options);

// Runs everything. system_error when a measurement fails (which one: on stderr).
[[nodiscard]] missive::Result<Comparison> run_comparison(const ComparisonOptions& options);

// Fits the model on `c`'s results (64 B .. 1 MiB); invalid_argument as fit_parameters.
[[nodiscard]] missive::Result<ModelFit> fit_model(const Comparison& c);

}  // namespace benchkit
