#include "missive/costmodel/model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace missive::costmodel {

Parameters reference_parameters() noexcept {
  // `missive calibrate` on the reference machine, 2026-11-25 (docs/cost-model.md,
  // run B), rounded.
  Parameters p;
  p.sigma_ns = 18500;
  p.syscall_ns = 1000;
  p.wakeup_ns = 20000;
  p.bk_gbps = 21;
  p.bcc_gbps = 16;
  p.share_fixed_ns = 870;
  p.inline_fixed_ns = 760;
  p.inline_gbps = 14.8;
  p.inline_knee_bytes = 262144;
  p.inline_above_gbps = 4.6;
  p.share_knee_bytes = 262144;
  p.bcc_above_gbps = 4.9;
  return p;
}

std::string_view path_name(Path path) noexcept {
  switch (path) {
    case Path::kernel_copy:
      return "kernel";
    case Path::inline_copy:
      return "inline";
    case Path::share:
      return "share";
  }
  return "?";
}

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

// ns per byte of a bandwidth in GB/s (= bytes per ns); a zero or negative
// bandwidth moves nothing: an infinite cost per byte.
double per_byte(double gbps) noexcept { return gbps > 0 ? 1.0 / gbps : infinity; }

// A line with an optional knee (knee 0 = none).
Line bent_line(double fixed, double per_byte_below, double knee, double per_byte_beyond) noexcept {
  if (!(knee > 0)) return Line{fixed, per_byte_below, infinity, 0};
  return Line{fixed, per_byte_below, knee, per_byte_beyond};
}

}  // namespace

Line line_of(const Parameters& p, Path path) noexcept {
  switch (path) {
    case Path::kernel_copy:
      return bent_line(p.sigma_ns, 2 * per_byte(p.bk_gbps), p.kernel_knee_bytes, 2 * per_byte(p.bk_above_gbps));
    case Path::inline_copy:
      return bent_line(p.inline_fixed_ns, per_byte(p.inline_gbps), p.inline_knee_bytes, per_byte(p.inline_above_gbps));
    case Path::share:
      return bent_line(p.share_fixed_ns, per_byte(p.bcc_gbps), p.share_knee_bytes, per_byte(p.bcc_above_gbps));
  }
  return Line{infinity, infinity};
}

double predict_ns(const Parameters& p, Path path, double bytes) noexcept { return line_of(p, path).at(bytes); }

double Crossover::share_from() const noexcept {
  switch (kind) {
    case Kind::at_size:
      return bytes;
    case Kind::share_always:
      return 0;
    case Kind::copy_always:
      return infinity;
    case Kind::share_below:
      return infinity;  // sharing wins only for small messages: not a size threshold
  }
  return infinity;
}

namespace {

// The straight-line case: the closed form of the header.
Crossover straight_crossover(const Line& copy, const Line& share) noexcept {
  const double fixed_gap = share.fixed_ns - copy.fixed_ns;        // what sharing costs more up front
  const double slope_gap = copy.ns_per_byte - share.ns_per_byte;  // what it saves per byte
  if (fixed_gap <= 0 && slope_gap >= 0) return {Crossover::Kind::share_always, 0};
  if (fixed_gap >= 0 && slope_gap <= 0) return {Crossover::Kind::copy_always, infinity};
  const double x = fixed_gap / slope_gap;  // both gaps have the same sign here: x > 0
  if (!std::isfinite(x)) {
    return {fixed_gap > 0 ? Crossover::Kind::copy_always : Crossover::Kind::share_always, fixed_gap > 0 ? infinity : 0};
  }
  return {fixed_gap > 0 ? Crossover::Kind::at_size : Crossover::Kind::share_below, x};
}

// Slope of `line` just above `x`.
double slope_after(const Line& line, double x) noexcept {
  return x < line.knee_bytes ? line.ns_per_byte : line.ns_per_byte_above;
}

// Bent lines: the gap copy - share is affine between breakpoints; the last
// root (scanning from the largest segment down) decides, with the sign of the
// gap beyond every knee.
Crossover bent_crossover(const Line& copy, const Line& share) noexcept {
  double points[3] = {0, copy.knee_bytes, share.knee_bytes};
  std::sort(points, points + 3);
  auto gap = [&](double x) { return copy.at(x) - share.at(x); };
  const double last = points[2] < infinity ? points[2] : points[1] < infinity ? points[1] : points[0];
  const double tail_slope = slope_after(copy, last) - slope_after(share, last);
  const bool share_wins_at_infinity = tail_slope > 0 || (tail_slope == 0 && gap(last) > 0);
  for (int i = 2; i >= 0; --i) {
    const double lo = points[i];
    if (!(lo < infinity)) continue;
    const double hi = i < 2 ? points[i + 1] : infinity;
    const double g0 = gap(lo);
    const double slope = slope_after(copy, lo) - slope_after(share, lo);
    if (slope == 0) continue;
    const double root = lo - g0 / slope;
    if (root < lo || root >= hi || !std::isfinite(root)) continue;
    if (root <= 0) break;  // the only change is at 0: one side everywhere
    return {share_wins_at_infinity ? Crossover::Kind::at_size : Crossover::Kind::share_below, root};
  }
  return share_wins_at_infinity ? Crossover{Crossover::Kind::share_always, 0}
                                : Crossover{Crossover::Kind::copy_always, infinity};
}

}  // namespace

Crossover crossover(const Line& copy, const Line& share) noexcept {
  if (!copy.bent() && !share.bent()) return straight_crossover(copy, share);
  return bent_crossover(copy, share);
}

Crossover inline_share_crossover(const Parameters& p) noexcept {
  return crossover(line_of(p, Path::inline_copy), line_of(p, Path::share));
}

Crossover kernel_share_crossover(const Parameters& p) noexcept {
  return crossover(line_of(p, Path::kernel_copy), line_of(p, Path::share));
}

}  // namespace missive::costmodel
