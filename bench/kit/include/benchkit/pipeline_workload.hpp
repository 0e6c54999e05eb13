// benchkit/pipeline_workload.hpp - throughput of a k-stage missive Pipeline
// against its bound 1/max(t_i).
//
// Each of the 4 stages "works" on an item for a time drawn uniformly from
// [low*T, high*T] (T = the period). Work is a precise sleep, not a spin: this
// machine has 2 cores, and 4 spinning stages would measure the scheduler, not
// the pipeline. What is measured is how well the channels between stages
// decouple them: with perfect decoupling, throughput is 1/max_i(mean t_i).
//
//   case (a) low=0.7, high=1.0: start times jitter, work always fits in T
//   case (b) low=0.2, high=1.8: mean T, but an item often takes longer than T
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace benchkit {

inline constexpr std::size_t pipeline_stages = 4;

struct PipelineCase {
  std::size_t capacity = 1;                      // of every channel between stages
  std::chrono::microseconds period{1000};        // T
  double low = 0.7;                              // stage time from [low*T, high*T]
  double high = 1.0;
  std::size_t items = 400;
  std::uint64_t seed = 1;
};

struct PipelineResult {
  double items_per_s = 0;          // steady state (first 10% of items skipped)
  double slowest_stage_mean_us = 0;  // max_i mean(t_i), as measured
  double bound_per_s = 0;          // 1 / max_i mean(t_i)
  [[nodiscard]] double fraction() const { return bound_per_s > 0 ? items_per_s / bound_per_s : 0; }
};

[[nodiscard]] PipelineResult run_pipeline(const PipelineCase& c);

}  // namespace benchkit
