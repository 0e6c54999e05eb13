// benchkit/stats.hpp - medians and percentiles of repeated measurements.
//
// This machine is shared and noisy: every figure missive prints is the median
// of several runs, with the spread shown next to it.
#pragma once

#include <vector>

namespace benchkit {

struct Summary {
  double median = 0;
  double min = 0;
  double max = 0;
};

// Summary of `samples` (taken by value: it sorts). Empty input gives zeros.
[[nodiscard]] Summary summarize(std::vector<double> samples);

// The p-th percentile (0..100) by nearest rank; empty input gives 0.
[[nodiscard]] double percentile(std::vector<double> samples, double p);

}  // namespace benchkit
