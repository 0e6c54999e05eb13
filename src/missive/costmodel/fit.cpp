#include "missive/costmodel/fit.hpp"

#include <cmath>
#include <limits>
#include <set>
#include <vector>

namespace missive::costmodel {
namespace {

Status check_samples(std::span<const Sample> samples) {
  std::set<double> sizes;
  for (const Sample& s : samples) {
    if (!std::isfinite(s.bytes) || s.bytes < 0)
      return Error{Errc::invalid_argument, "fit: a size is negative or not finite"};
    if (!std::isfinite(s.ns) || s.ns <= 0)
      return Error{Errc::invalid_argument, "fit: a latency is not a positive number"};
    sizes.insert(s.bytes);
  }
  if (sizes.size() < 2) return Error{Errc::invalid_argument, "fit: needs at least two distinct sizes"};
  return ok();
}

// Weighted sums of the normal equations; weight 1 / ns^2 (relative error).
struct Sums {
  double w = 0, wx = 0, wy = 0, wxx = 0, wxy = 0;
};

Sums sums_of(std::span<const Sample> samples) noexcept {
  Sums s;
  for (const Sample& p : samples) {
    const double weight = 1.0 / (p.ns * p.ns);
    s.w += weight;
    s.wx += weight * p.bytes;
    s.wy += weight * p.ns;
    s.wxx += weight * p.bytes * p.bytes;
    s.wxy += weight * p.bytes * p.ns;
  }
  return s;
}

}  // namespace

Result<Line> fit_line(std::span<const Sample> samples) {
  if (Status s = check_samples(samples); !s) return s.error();
  const Sums s = sums_of(samples);
  const double det = s.w * s.wxx - s.wx * s.wx;  // > 0 with two distinct sizes (Cauchy-Schwarz)
  Line line{(s.wxx * s.wy - s.wx * s.wxy) / det, (s.w * s.wxy - s.wx * s.wy) / det};
  if (line.fixed_ns < 0) line = Line{0, s.wxy / s.wxx};  // through the origin: minimises the same sum with a = 0
  if (!(line.ns_per_byte > 0) || !std::isfinite(line.ns_per_byte)) {
    return Error{Errc::invalid_argument, "fit: latency does not grow with size (no bandwidth to fit)"};
  }
  return line;
}

double relative_error_sum(const Line& line, std::span<const Sample> samples) noexcept {
  double sum = 0;
  for (const Sample& s : samples) {
    const double e = (line.at(s.bytes) - s.ns) / s.ns;
    sum += e * e;
  }
  return sum;
}

namespace {

// The line of `below` fitted to the samples up to `knee`, continued above it
// with the relative least-squares slope through (knee, below.at(knee)).
Result<Line> bent_at(std::span<const Sample> samples, double knee) {
  std::vector<Sample> lower;
  for (const Sample& s : samples) {
    if (s.bytes <= knee) lower.push_back(s);
  }
  auto below = fit_line(lower);
  if (!below) return below.error();
  const double at_knee = below->at(knee);
  double num = 0, den = 0;
  for (const Sample& s : samples) {
    if (s.bytes <= knee) continue;
    const double w = 1.0 / (s.ns * s.ns);
    const double dx = s.bytes - knee;
    num += w * dx * (s.ns - at_knee);
    den += w * dx * dx;
  }
  if (!(den > 0) || !(num > 0)) return Error{Errc::invalid_argument, "fit: no positive slope above the knee"};
  return Line{below->fixed_ns, below->ns_per_byte, knee, num / den};
}

}  // namespace

Result<Line> fit_bent_line(std::span<const Sample> samples) {
  auto straight = fit_line(samples);
  if (!straight) return straight;
  Line best = *straight;
  const double straight_error = relative_error_sum(best, samples);
  double best_error = straight_error;
  std::set<double> sizes;
  for (const Sample& s : samples) sizes.insert(s.bytes);
  for (double knee : sizes) {
    auto bent = bent_at(samples, knee);
    if (!bent) continue;  // fewer than two sizes below, none above, or no slope
    const double error = relative_error_sum(*bent, samples);
    if (error < best_error) {
      best = *bent;
      best_error = error;
    }
  }
  // Keep the knee only when the straight line is off by more than 2% RMS and
  // the knee removes at least a third of its squared error.
  const double straight_rms_squared = straight_error / static_cast<double>(samples.size());
  if (best.bent() && (straight_rms_squared < 0.02 * 0.02 || best_error > straight_error * (2.0 / 3.0)))
    return *straight;
  return best;
}

Result<Parameters> fit_parameters(const Measurements& m) {
  auto kernel = fit_bent_line(m.kernel_copy);
  if (!kernel) return Error{Errc::invalid_argument, "fit: the kernel-copy measurements do not fit a line"};
  auto inline_copy = fit_bent_line(m.inline_copy);
  if (!inline_copy) return Error{Errc::invalid_argument, "fit: the inline-copy measurements do not fit a line"};
  auto share = fit_bent_line(m.share);
  if (!share) return Error{Errc::invalid_argument, "fit: the share measurements do not fit a line"};
  Parameters p;
  p.sigma_ns = kernel->fixed_ns;
  p.bk_gbps = 2.0 / kernel->ns_per_byte;
  p.inline_fixed_ns = inline_copy->fixed_ns;
  p.inline_gbps = 1.0 / inline_copy->ns_per_byte;
  p.share_fixed_ns = share->fixed_ns;
  p.bcc_gbps = 1.0 / share->ns_per_byte;
  p.syscall_ns = m.syscall_ns;
  p.wakeup_ns = m.wakeup_ns;
  if (kernel->bent()) {
    p.kernel_knee_bytes = kernel->knee_bytes;
    p.bk_above_gbps = 2.0 / kernel->ns_per_byte_above;
  }
  if (inline_copy->bent()) {
    p.inline_knee_bytes = inline_copy->knee_bytes;
    p.inline_above_gbps = 1.0 / inline_copy->ns_per_byte_above;
  }
  if (share->bent()) {
    p.share_knee_bytes = share->knee_bytes;
    p.bcc_above_gbps = 1.0 / share->ns_per_byte_above;
  }
  return p;
}

Result<Crossover> measured_crossover(std::span<const Sample> copy, std::span<const Sample> share) {
  if (copy.empty() || copy.size() != share.size()) {
    return Error{Errc::invalid_argument, "crossover: needs the two paths at the same sizes"};
  }
  for (std::size_t i = 0; i < copy.size(); ++i) {
    if (copy[i].bytes != share[i].bytes || !(copy[i].bytes > 0) || (i > 0 && !(copy[i].bytes > copy[i - 1].bytes))) {
      return Error{Errc::invalid_argument, "crossover: sizes must match, be positive and ascend"};
    }
  }
  auto share_wins = [&](std::size_t i) { return share[i].ns < copy[i].ns; };
  const std::size_t last = copy.size() - 1;
  if (!share_wins(last)) return Crossover{Crossover::Kind::copy_always, std::numeric_limits<double>::infinity()};
  std::size_t first = last;  // the first size of the final run where share wins
  while (first > 0 && share_wins(first - 1)) --first;
  if (first == 0) return Crossover{Crossover::Kind::share_always, 0};
  // The gap copy - share changes sign between first - 1 (<= 0) and first (> 0).
  const double g0 = copy[first - 1].ns - share[first - 1].ns;
  const double g1 = copy[first].ns - share[first].ns;
  const double l0 = std::log2(copy[first - 1].bytes);
  const double l1 = std::log2(copy[first].bytes);
  const double t = g1 == g0 ? 1.0 : -g0 / (g1 - g0);  // in [0, 1]
  return Crossover{Crossover::Kind::at_size, std::exp2(l0 + t * (l1 - l0))};
}

}  // namespace missive::costmodel
