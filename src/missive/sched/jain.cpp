#include "missive/sched/jain.hpp"

namespace missive::sched {

double jain_index(std::span<const double> values) noexcept {
  double sum = 0;
  double sum_of_squares = 0;
  for (const double x : values) {
    sum += x;
    sum_of_squares += x * x;
  }
  if (values.empty() || !(sum_of_squares > 0)) return 1.0;
  return sum * sum / (static_cast<double>(values.size()) * sum_of_squares);
}

}  // namespace missive::sched
