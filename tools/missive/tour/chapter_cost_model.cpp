// Tour chapter: the cost model of this machine. Runs `missive bench --quick`
// in-process (nothing stored, no report written) and prints sigma, B_k, B_cc
// and the crossover x* fitted on that run, the model against the measurement
// per size, a few ratios against the raw baselines of the same run, and the
// profile shm:// uses. `missive tour --quick` (the CI and sanitizer run)
// measures four sizes once with few round trips.
#include <string>

#include <fmt/core.h>

#include "benchkit/comparison.hpp"
#include "missive/costmodel/path_choice.hpp"
#include "missive/costmodel/profile.hpp"
#include "progress.hpp"
#include "report/bench_report.hpp"
#include "tour/tour.hpp"

namespace missive::cli {
namespace {

namespace cm = costmodel;

void print_active_profile() {
  const cm::ActiveProfile& active = cm::active_profile();
  const std::size_t x = active.profile.crossover_bytes;
  fmt::print("  profile in use: {} (shm:// loans from {}){}\n", active.source,
             x == cm::never_share ? std::string("no size") : bytes_label(static_cast<double>(x)),
             active.problem.empty() ? "" : "; ignored: " + active.problem);
}

void print_ratio(const benchkit::Comparison& c, const char* a, const char* b, std::size_t size) {
  const benchkit::ResultRow* ra = c.find(a, size);
  const benchkit::ResultRow* rb = c.find(b, size);
  if (ra == nullptr || rb == nullptr || rb->p50_ns <= 0) return;
  fmt::print("  {:<9} at {:>7}: {:>9} vs {:>9} {:<15} = {:.3g}x\n", a, bytes_label(static_cast<double>(size)),
             time_label(ra->p50_ns), time_label(rb->p50_ns), b, ra->p50_ns / rb->p50_ns);
}

}  // namespace

int tour_cost_model(const TourOptions& options) {
  benchkit::ComparisonOptions run = comparison_options(/*quick=*/true);
  if (options.quick) {
    run.sizes = {64, 4096, 65536, 1 << 20};
    run.repetitions = 1;
    run.round_divisor = 40;
  }
  Progress progress("cost model", benchkit::comparison_steps(run));
  run.progress = [&](std::string_view what, int, int) { progress.step(what); };
  auto comparison = benchkit::run_comparison(run);
  progress.done();
  if (!comparison) {
    fmt::print("  the comparison failed: {}\n", comparison.error().message());
    return 1;
  }
  fmt::print(
      "`missive bench --quick`{}, in-process: every transport and baseline between two processes, {:.1f} s.\n"
      "Copying through the kernel costs sigma + 2x/B_k; sharing a buffer f_s + x/B_cc; copying inline\n"
      "through a ring f_i + x/B_inline, each fitted on this run:\n\n",
      options.quick ? " (smoke-sized: 4 sizes, 1 repetition)" : "", comparison->seconds);
  fmt::print("{}", model_summary(*comparison));
  fmt::print("\nAgainst the raw baselines of the same run (p50, one way):\n");
  const std::size_t small = comparison->sizes.front() <= 64 ? 64 : comparison->sizes.front();
  print_ratio(*comparison, "shm-spin", "raw-spin", small);
  print_ratio(*comparison, "shm-spin", "raw-socketpair", small);
  print_ratio(*comparison, "unix", "raw-socketpair", small);
  print_ratio(*comparison, "shm-spin", "zmq-ipc", small);
  print_ratio(*comparison, "shm-view", "shm-spin", comparison->sizes.back());
  print_active_profile();
  fmt::print("  the full report with plots: missive bench [--quick] --out DIR\n");
  return comparison->model ? 0 : 1;
}

}  // namespace missive::cli
