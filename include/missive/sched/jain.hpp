// missive/sched/jain.hpp - Jain's fairness index.
//
//   J(x_1..x_n) = (sum x_i)^2 / (n * sum x_i^2)
//
// 1 when every x_i is equal, 1/n when one flow gets everything. The benchmarks,
// the tests and `missive tour` judge schedules by it: x_i are per-flow message
// rates (equal_messages mode) or byte rates (equal_bytes mode), each divided
// by the flow's weight when the weights differ.
#pragma once

#include <span>

namespace missive::sched {

// Jain's index of `values` (non-negative). Empty input or all zeros gives 1
// (nobody is treated worse than anybody else).
[[nodiscard]] double jain_index(std::span<const double> values) noexcept;

}  // namespace missive::sched
