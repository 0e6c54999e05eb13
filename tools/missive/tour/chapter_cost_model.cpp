// Tour chapter: the cost model of this machine. A quick calibration (nothing
// stored) prints sigma, B_k, B_cc and the crossover x* where shm:// starts to
// loan buffers instead of copying inline, next to the profile in use.
#include <cmath>
#include <string>

#include <fmt/core.h>

#include "benchkit/calibration.hpp"
#include "missive/costmodel/path_choice.hpp"
#include "missive/costmodel/profile.hpp"
#include "progress.hpp"
#include "tour/tour.hpp"

namespace missive::cli {
namespace {

namespace cm = costmodel;

std::string bytes_label(double bytes) {
  if (bytes < 0) return "none";
  if (bytes >= 1024) return fmt::format("{:.1f} KiB", bytes / 1024);
  return fmt::format("{:.0f} B", bytes);
}

void print_active_profile() {
  const cm::ActiveProfile& active = cm::active_profile();
  const std::size_t x = active.profile.crossover_bytes;
  fmt::print("  profile in use: {} (shm:// loans from {}){}\n", active.source,
             x == cm::never_share ? std::string("no size") : bytes_label(static_cast<double>(x)),
             active.problem.empty() ? "" : "; ignored: " + active.problem);
}

}  // namespace

int tour_cost_model(const TourOptions& /*options*/) {
  benchkit::CalibrationOptions run;
  run.quick = true;  // the full calibration is `missive calibrate`
  Progress progress("cost model", benchkit::calibration_steps(true));
  run.progress = [&](std::string_view what, int, int) { progress.step(what); };
  auto calibration = benchkit::run_calibration(run);
  progress.done();
  if (!calibration) {
    fmt::print("  calibration failed: {}\n", calibration.error().message());
    return 1;
  }
  auto analysis = benchkit::analyze(*calibration);
  if (!analysis) {
    fmt::print("  the measurements do not fit the model: {}\n", analysis.error().message());
    return 1;
  }
  const cm::Parameters& p = analysis->parameters;
  fmt::print(
      "Copying through the kernel costs sigma + 2x/B_k; sharing a buffer costs f_s + x/B_cc;\n"
      "copying inline through a ring costs f_i + x/B_inline. Measured now ({:.1f} s, quick, not stored):\n",
      calibration->seconds);
  fmt::print("  sigma  {:>8.1f} us   system calls + wake-up of a message through the kernel\n", p.sigma_ns / 1000);
  fmt::print("  B_k    {:>8.2f} GB/s kernel copy bandwidth\n", p.bk_gbps);
  fmt::print("  B_cc   {:>8.2f} GB/s cross-core bandwidth through shared memory (f_s = {:.0f} ns)\n", p.bcc_gbps,
             p.share_fixed_ns);
  fmt::print("  x*     {:>8}      inline copy vs loan, model ({} measured)\n",
             bytes_label(benchkit::crossover_bytes_or_none(analysis->model_crossover)),
             bytes_label(benchkit::crossover_bytes_or_none(analysis->measured_crossover)));
  const double kernel_x = benchkit::crossover_bytes_or_none(analysis->model_kernel_share);
  fmt::print("  kernel copy vs share: {}\n",
             kernel_x == 0 ? fmt::format("sharing wins at every size (sigma {:.1f} us >> f_s {:.0f} ns)",
                                         p.sigma_ns / 1000, p.share_fixed_ns)
                           : "crossover at " + bytes_label(kernel_x));
  print_active_profile();
  return 0;
}

}  // namespace missive::cli
