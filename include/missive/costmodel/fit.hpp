// missive/costmodel/fit.hpp - fitting the model's lines to measured latencies.
//
// fit_line() is a weighted least-squares fit of T(x) = a + b x that minimises
// the sum of squared RELATIVE errors ((measured - predicted) / measured)^2, so a
// 64-byte message (100 ns) counts as much as a 1 MiB one (100 us): the model is
// meant to be right within a percentage at every size, not in absolute ns at the
// largest. A negative intercept is clamped to 0 (the slope refitted through the
// origin). Pure functions.
#pragma once

#include <span>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/costmodel/model.hpp"
#include "missive/costmodel/parameters.hpp"

namespace missive::costmodel {

struct Sample {
  double bytes = 0;  // message size
  double ns = 0;     // measured one-way latency
};

// invalid_argument when fewer than two distinct sizes, a non-finite or
// non-positive latency, a negative size, or a latency that does not grow
// with size (no positive slope to turn into a bandwidth).
[[nodiscard]] Result<Line> fit_line(std::span<const Sample> samples);

// As fit_line, then tries a knee at each measured size with at least two
// sizes at or below it and one above: the segment below is fit_line of those
// points, the slope above a relative least-squares fit through the knee. The
// knee is kept when the straight line is off by more than 2% RMS and the knee
// cuts the sum of squared relative errors by at least a third (a straight
// line is preferred when it explains the data).
[[nodiscard]] Result<Line> fit_bent_line(std::span<const Sample> samples);

// The sum of squared relative errors of `line` over `samples`.
[[nodiscard]] double relative_error_sum(const Line& line, std::span<const Sample> samples) noexcept;

// Measurements of the three paths at the same or different sizes.
struct Measurements {
  std::vector<Sample> kernel_copy;
  std::vector<Sample> inline_copy;
  std::vector<Sample> share;
  double syscall_ns = 0;  // copied into Parameters as measured
  double wakeup_ns = 0;
};

// Fits all three lines with fit_bent_line: sigma = kernel intercept, B_k =
// 2 / kernel slope, B_cc = 1 / share slope, knees and the bandwidths above
// them (parameters.hpp). Errors as fit_line, with a detail naming the path.
[[nodiscard]] Result<Parameters> fit_parameters(const Measurements& m);

// The measured crossover of two paths sampled at the SAME sizes (ascending):
// the size from which `share` stays cheaper than `copy` up to the largest size,
// interpolated between the two sizes around the last sign change (linearly in
// log2(size)). Kind as Crossover: share_always when share wins at every size,
// copy_always when it does not win at the largest. invalid_argument for
// mismatched, unsorted or empty inputs.
[[nodiscard]] Result<Crossover> measured_crossover(std::span<const Sample> copy, std::span<const Sample> share);

}  // namespace missive::costmodel
