// `missive calibrate`: measures this machine's cost model (sigma, B_k, B_cc,
// the shared hand-off's fixed cost), fits it, prints the per-size table with
// the model's prediction and error, the model's and the measured crossover,
// and stores the profile that shm:// connections read at start-up.
//
//   missive calibrate [--quick] [--json] [--no-save] [--profile PATH]
//
// The experiments are in bench/kit (benchkit/calibration.hpp); the model in
// missive::costmodel. docs/cost-model.md explains both.
#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "benchkit/calibration.hpp"
#include "commands/commands.hpp"
#include "missive/costmodel/path_choice.hpp"
#include "progress.hpp"

namespace missive::cli {
namespace {

namespace cm = costmodel;
using Json = nlohmann::json;

struct CalibrateOptions {
  bool quick = false;
  bool json = false;
  bool no_save = false;
  bool compare_paths = false;
  std::string profile;  // empty: costmodel::profile_path()
};

std::string size_label(double bytes) {
  if (bytes < 0) return "none";
  if (bytes >= 1024.0 * 1024) return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024));
  if (bytes >= 1024) return fmt::format("{:.1f} KiB", bytes / 1024);
  return fmt::format("{:.0f} B", bytes);
}

std::string time_label(double ns) {
  if (ns >= 1e6) return fmt::format("{:.2f} ms", ns / 1e6);
  if (ns >= 1e4) return fmt::format("{:.1f} us", ns / 1e3);
  return fmt::format("{:.0f} ns", ns);
}

double error_percent(double model, double measured) { return 100.0 * (model - measured) / measured; }

std::string describe(const cm::Crossover& x) {
  switch (x.kind) {
    case cm::Crossover::Kind::at_size:
      return size_label(x.bytes);
    case cm::Crossover::Kind::share_always:
      return "none: sharing wins at every size";
    case cm::Crossover::Kind::copy_always:
      return "none: copying wins at every size";
    case cm::Crossover::Kind::share_below:
      return fmt::format("inverted: sharing wins only below {}", size_label(x.bytes));
  }
  return "?";
}

Json crossover_json(const cm::Crossover& x) {
  const double bytes = benchkit::crossover_bytes_or_none(x);
  return bytes < 0 ? Json(nullptr) : Json(bytes);
}

Json comparison_json(const std::vector<benchkit::PathComparison>& rows) {
  Json out = Json::array();
  for (const auto& r : rows) {
    out.push_back({{"size", r.bytes},
                   {"inline_ns", r.inline_ns},
                   {"loan_ns", r.loan_ns},
                   {"auto_ns", r.auto_ns},
                   {"auto_over_best", r.auto_over_best()}});
  }
  return out;
}

void print_comparison(const std::vector<benchkit::PathComparison>& rows, std::size_t crossover) {
  fmt::print("\nPath choice on shm:// (one way, spin; automatic loans from {} on):\n",
             crossover == cm::never_share ? std::string("no size") : size_label(static_cast<double>(crossover)));
  fmt::print("  {:>9} | {:>10} {:>10} {:>10} | {:>9}\n", "size", "inline", "loan", "automatic", "auto/best");
  double worst = 0;
  for (const auto& r : rows) {
    worst = std::max(worst, r.auto_over_best());
    fmt::print("  {:>9} | {:>10} {:>10} {:>10} | {:>8.2f}x{}\n", size_label(static_cast<double>(r.bytes)),
               time_label(r.inline_ns), time_label(r.loan_ns), time_label(r.auto_ns), r.auto_over_best(),
               r.auto_over_best() > 1.10 ? "  (over 10%)" : "");
  }
  fmt::print("  worst: automatic is {:.2f}x the better fixed choice (goal: within 1.10x)\n", worst);
}

Json to_json(const benchkit::Calibration& c, const benchkit::Analysis& a, const CalibrateOptions& options,
             const std::string& stored) {
  const cm::Parameters& p = a.parameters;
  Json rows = Json::array();
  for (const auto& point : c.points) {
    const auto x = static_cast<double>(point.bytes);
    rows.push_back({{"size", point.bytes},
                    {"kernel_ns", point.kernel_ns},
                    {"kernel_model_ns", cm::predict_ns(p, cm::Path::kernel_copy, x)},
                    {"inline_ns", point.inline_ns},
                    {"inline_model_ns", cm::predict_ns(p, cm::Path::inline_copy, x)},
                    {"share_ns", point.share_ns},
                    {"share_model_ns", cm::predict_ns(p, cm::Path::share, x)}});
  }
  Json j = {{"sigma_ns", p.sigma_ns},
            {"syscall_ns", p.syscall_ns},
            {"wakeup_ns", p.wakeup_ns},
            {"bk_gbps", p.bk_gbps},
            {"bcc_gbps", p.bcc_gbps},
            {"share_fixed_ns", p.share_fixed_ns},
            {"inline_fixed_ns", p.inline_fixed_ns},
            {"inline_gbps", p.inline_gbps},
            {"kernel_knee_bytes", p.kernel_knee_bytes},
            {"bk_above_gbps", p.bk_above_gbps},
            {"inline_knee_bytes", p.inline_knee_bytes},
            {"inline_above_gbps", p.inline_above_gbps},
            {"share_knee_bytes", p.share_knee_bytes},
            {"bcc_above_gbps", p.bcc_above_gbps},
            {"model_crossover_bytes", crossover_json(a.model_crossover)},
            {"measured_crossover_bytes", crossover_json(a.measured_crossover)},
            {"kernel_share",
             {{"model_crossover_bytes", crossover_json(a.model_kernel_share)},
              {"measured_crossover_bytes", crossover_json(a.measured_kernel_share)}}},
            {"crossover_bytes", a.profile.crossover_bytes == cm::never_share
                                    ? Json(nullptr)
                                    : Json(static_cast<std::uint64_t>(a.profile.crossover_bytes))},
            {"usable_cpus", c.usable_cpus},
            {"pinned", c.pinned},
            {"quick", options.quick},
            {"seconds", c.seconds},
            {"profile", stored.empty() ? Json(nullptr) : Json(stored)},
            {"measurements", std::move(rows)}};
  return j;
}

void print_table(const benchkit::Calibration& c, const cm::Parameters& p) {
  fmt::print(
      "One-way latency between two processes{} (best of the repetitions; model = the fitted line; err = model vs "
      "measured):\n",
      c.pinned ? " pinned to different CPUs" : " (one CPU: not pinned)");
  fmt::print("  {:>9} | {:>10} {:>10} {:>6} | {:>10} {:>10} {:>6} | {:>10} {:>10} {:>6}\n", "size", "kernel", "model",
             "err", "inline", "model", "err", "share", "model", "err");
  double worst = 0;
  for (const auto& point : c.points) {
    const auto x = static_cast<double>(point.bytes);
    fmt::print("  {:>9} |", size_label(x));
    for (auto [path, measured] :
         {std::pair{cm::Path::kernel_copy, point.kernel_ns}, std::pair{cm::Path::inline_copy, point.inline_ns},
          std::pair{cm::Path::share, point.share_ns}}) {
      const double model = cm::predict_ns(p, path, x);
      const double err = error_percent(model, measured);
      worst = std::max(worst, std::abs(err));
      fmt::print(" {:>10} {:>10} {:>5.0f}% |", time_label(measured), time_label(model), err);
    }
    fmt::print("\n");
  }
  fmt::print("  worst model error: {:.0f}%\n", worst);
}

void print_parameters(const benchkit::Calibration& c, const benchkit::Analysis& a) {
  const cm::Parameters& p = a.parameters;
  fmt::print(
      "\nParameters (T_kernel = sigma + 2x/B_k, T_inline = f_i + x/B_inline, T_share = f_s + x/B_cc,\n"
      "each bent at most once at a knee):\n");
  fmt::print("  sigma    kernel message fixed cost    {:>10}   (system call {}, pipe wake-up one way {})\n",
             time_label(p.sigma_ns), time_label(p.syscall_ns), time_label(p.wakeup_ns));
  fmt::print("  B_k      kernel copy bandwidth        {:>7.2f} GB/s\n", p.bk_gbps);
  fmt::print("  B_cc     cross-core via shared memory {:>7.2f} GB/s\n", p.bcc_gbps);
  fmt::print("  f_s      shared hand-off fixed cost   {:>10}\n", time_label(p.share_fixed_ns));
  fmt::print("  f_i      inline ring fixed cost       {:>10}   (B_inline {:.2f} GB/s)\n", time_label(p.inline_fixed_ns),
             p.inline_gbps);
  fmt::print("Where the lines bend (the straight model departs from this machine):\n");
  const std::tuple<const char*, double, double, double> bends[] = {
      {"kernel", p.kernel_knee_bytes, p.bk_above_gbps, 2},  // the kernel copies twice: 2x / B_k
      {"inline", p.inline_knee_bytes, p.inline_above_gbps, 1},
      {"share", p.share_knee_bytes, p.bcc_above_gbps, 1}};
  for (const auto& [name, knee, gbps, copies] : bends) {
    if (knee > 0) {
      fmt::print("  {:<7} above {:>9}: {:.2f} GB/s{}\n", name, size_label(knee), gbps,
                 copies == 2 ? " (per copy)" : "");
    } else {
      fmt::print("  {:<7} straight from the smallest to the largest size\n", name);
    }
  }
  fmt::print("\nCrossover x*, inline copy vs loan (what shm:// uses):\n");
  fmt::print("  model     {}\n  measured  {}\n", describe(a.model_crossover), describe(a.measured_crossover));
  fmt::print("Crossover, kernel copy vs share (the seed's comparison):\n");
  fmt::print("  model     {}\n  measured  {}\n", describe(a.model_kernel_share), describe(a.measured_kernel_share));
  fmt::print("shm:// connections will loan from {} on ({} s of measurement, {} usable CPUs).\n",
             a.profile.crossover_bytes == cm::never_share ? std::string("no size")
                                                          : size_label(static_cast<double>(a.profile.crossover_bytes)),
             fmt::format("{:.1f}", c.seconds), c.usable_cpus);
}

// Stores the profile unless --no-save; the path stored to, or empty.
Result<std::string> store(const benchkit::Analysis& a, const CalibrateOptions& options) {
  if (options.no_save) return std::string();
  std::string path = options.profile;
  if (path.empty()) {
    auto found = cm::profile_path();
    if (!found) return found.error();
    path = *found;
  }
  if (Status s = cm::store_profile(a.profile, path); !s) return s.error();
  return path;
}

int run_calibrate(const CalibrateOptions& options) {
  benchkit::CalibrationOptions run;
  run.quick = options.quick;
  Progress progress("calibrate", benchkit::calibration_steps(options.quick));
  run.progress = [&](std::string_view what, int, int) { progress.step(what); };
  auto calibration = benchkit::run_calibration(run);
  progress.done();
  if (!calibration) {
    fmt::print(stderr, "missive calibrate: {}\n", calibration.error().message());
    return 1;
  }
  auto analysis = benchkit::analyze(*calibration);
  if (!analysis) {
    fmt::print(stderr, "missive calibrate: the measurements do not fit the model: {}\n", analysis.error().message());
    return 1;
  }
  auto stored = store(*analysis, options);
  std::vector<benchkit::PathComparison> comparison;
  if (options.compare_paths) {
    Progress compare("path choice", benchkit::calibration_steps(options.quick) - 2);
    run.progress = [&](std::string_view what, int, int) { compare.step(what); };
    auto rows = benchkit::compare_paths(run, analysis->profile.crossover_bytes);
    compare.done();
    if (!rows) {
      fmt::print(stderr, "missive calibrate: {}\n", rows.error().message());
      return 1;
    }
    comparison = std::move(*rows);
  }
  if (options.json) {
    Json j = to_json(*calibration, *analysis, options, stored ? *stored : std::string());
    if (options.compare_paths) j["path_comparison"] = comparison_json(comparison);
    fmt::print("{}\n", j.dump(2));
  } else {
    print_table(*calibration, analysis->parameters);
    print_parameters(*calibration, *analysis);
    if (stored && !stored->empty()) fmt::print("Profile stored in {}\n", *stored);
    if (stored && stored->empty()) fmt::print("Profile not stored (--no-save).\n");
    if (options.compare_paths) print_comparison(comparison, analysis->profile.crossover_bytes);
  }
  if (!stored) {
    fmt::print(stderr, "missive calibrate: could not store the profile: {}\n", stored.error().message());
    return 1;
  }
  return 0;
}

}  // namespace

void add_calibrate_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CalibrateOptions>();
  auto* cmd = app.add_subcommand("calibrate", "Measure this machine's cost model and store the profile shm:// uses");
  cmd->add_flag("--quick", options->quick, "Fewer sizes and repetitions (about 10 s)");
  cmd->add_flag("--json", options->json, "Print the results as JSON");
  cmd->add_flag("--no-save", options->no_save, "Do not store the profile");
  cmd->add_flag("--compare-paths", options->compare_paths,
                "Then benchmark shm:// with automatic path choice against always-inline and always-loan");
  cmd->add_option("--profile", options->profile,
                  "Where to store it (default: $MISSIVE_PROFILE, $XDG_CONFIG_HOME/missive/profile.json, "
                  "~/.config/missive/profile.json)");
  cmd->callback([options, &exit_code] { exit_code = run_calibrate(*options); });
}

}  // namespace missive::cli
