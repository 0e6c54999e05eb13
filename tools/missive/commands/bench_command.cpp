// `missive bench`: the whole transport comparison in one run - shm:// (spin,
// blocking, zero-copy view), unix:@, inproc://, the raw baselines (spin over a
// shared page, socketpair, pipe) and ZeroMQ ipc - over sizes from 8 B to
// 4 MiB, with the cost model fitted on the same measurements. Writes a report
// (report.md, latency.svg, throughput.svg) into --out.
//
//   missive bench [--quick] [--json] [--out DIR] [--sizes 64,4096,...] [--repetitions N]
//
// The measurements are in bench/kit (benchkit/comparison.hpp); ZeroMQ comes
// from missive_benchkit_zmq, linked by this tool only (the missive libraries
// never depend on it). docs/cost-model.md explains the method and the model.
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "benchkit/comparison.hpp"
#include "commands/commands.hpp"
#include "progress.hpp"
#include "report/bench_report.hpp"

namespace missive::cli {
namespace {

struct BenchOptions {
  bool quick = false;
  bool json = false;
  std::string out = "missive-bench-report";
  std::vector<std::size_t> sizes;
  int repetitions = 0;
};

std::string command_line(const BenchOptions& o) {
  std::string s = "missive bench";
  if (o.quick) s += " --quick";
  if (o.json) s += " --json";
  if (!o.sizes.empty()) {
    s += " --sizes ";
    for (std::size_t i = 0; i < o.sizes.size(); ++i) s += (i ? "," : "") + std::to_string(o.sizes[i]);
  }
  if (o.repetitions > 0) s += " --repetitions " + std::to_string(o.repetitions);
  return s;
}

void print_latency_table(const benchkit::Comparison& c) {
  fmt::print("One-way latency p50 (two processes{}):\n", c.pinned ? ", pinned to different CPUs" : "");
  fmt::print("  {:>9}", "size");
  std::vector<std::string> paths;
  for (const std::string& p : benchkit::comparison_paths()) {
    if (c.find(p, c.sizes.front()) != nullptr) paths.push_back(p);
  }
  for (const auto& p : paths) fmt::print(" {:>14}", p);
  fmt::print("\n");
  for (std::size_t size : c.sizes) {
    fmt::print("  {:>9}", bytes_label(static_cast<double>(size)));
    for (const auto& p : paths) fmt::print(" {:>14}", time_label(c.find(p, size)->p50_ns));
    fmt::print("\n");
  }
}

int run_bench(const BenchOptions& options) {
  benchkit::ComparisonOptions run = comparison_options(options.quick);
  run.sizes = options.sizes;
  run.repetitions = options.repetitions;
  RunContext context = current_context(command_line(options));
  Progress progress("bench", benchkit::comparison_steps(run));
  run.progress = [&](std::string_view what, int, int) { progress.step(what); };
  auto comparison = benchkit::run_comparison(run);
  progress.done();
  if (!comparison) {
    fmt::print(stderr, "missive bench: {}\n", comparison.error().message());
    return 1;
  }
  context.load_after = read_loadavg();
  const Status written = write_report(*comparison, context, options.out);
  if (options.json) {
    fmt::print("{}\n", results_json(*comparison).dump(2));
  } else {
    print_latency_table(*comparison);
    fmt::print("\n{}", model_summary(*comparison));
    fmt::print("\n{:.1f} s; load average before {}, after {}\n", comparison->seconds, context.load_before,
               context.load_after);
    if (written) fmt::print("Report: {}/report.md (latency.svg, throughput.svg)\n", options.out);
  }
  if (!written) {
    fmt::print(stderr, "missive bench: {}\n", written.error().message());
    return 1;
  }
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand(
      "bench", "Compare every transport, the raw baselines and ZeroMQ over sizes 8 B..4 MiB; write a report");
  cmd->add_flag("--quick", options->quick, "Fewer sizes, repetitions and round trips (under a minute)");
  cmd->add_flag("--json", options->json,
                "Print {\"results\": [{path, size, p50_ns, p99_ns, msgs_per_s}]} instead of the tables");
  cmd->add_option("--out", options->out, "Directory of the report (report.md, latency.svg, throughput.svg)")
      ->capture_default_str();
  cmd->add_option("--sizes", options->sizes, "Message sizes in bytes (default: 8 B .. 4 MiB)")
      ->delimiter(',')
      ->check(CLI::Range(std::size_t{1}, std::size_t{64} << 20));
  cmd->add_option("--repetitions", options->repetitions, "Repetitions (default: 5, --quick 3)")
      ->check(CLI::Range(1, 100));
  cmd->callback([options, &exit_code] { exit_code = run_bench(*options); });
}

}  // namespace missive::cli
