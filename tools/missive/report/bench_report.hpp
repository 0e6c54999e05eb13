// report/bench_report.hpp - what `missive bench` makes of a comparison run
// (benchkit/comparison.hpp): the JSON for scripts, the markdown report with
// its two SVG plots, and the model summary the command and the tour print.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "benchkit/comparison.hpp"
#include "missive/core/result.hpp"
#include "report/svg_plot.hpp"

namespace missive::cli {

// The options of `missive bench [--quick]`: zmq-ipc included when the tool
// was built with ZeroMQ (MISSIVE_HAVE_ZMQ).
[[nodiscard]] benchkit::ComparisonOptions comparison_options(bool quick);

// Where and when a run happened, for the report's header.
struct RunContext {
  std::string command;      // "missive bench --quick"
  std::string machine;      // uname: host, kernel, architecture
  std::string load_before;  // /proc/loadavg
  std::string load_after;
  std::string date_utc;
};
[[nodiscard]] RunContext current_context(const std::string& command);
[[nodiscard]] std::string read_loadavg();

// {"results": [{"path", "size", "p50_ns", "p99_ns", "msgs_per_s"}, ...]}
[[nodiscard]] nlohmann::json results_json(const benchkit::Comparison& c);

// One-way p50 latency against size, log-log, the crossover x* marked.
[[nodiscard]] Plot latency_plot(const benchkit::Comparison& c);
// Ping-pong throughput (bytes/s = msgs_per_s x size) against size.
[[nodiscard]] Plot throughput_plot(const benchkit::Comparison& c);

[[nodiscard]] std::string report_markdown(const benchkit::Comparison& c, const RunContext& context);

// Writes report.md, latency.svg and throughput.svg into `dir` (created when
// missing). system_error with the failing file on stderr.
[[nodiscard]] Status write_report(const benchkit::Comparison& c, const RunContext& context, const std::string& dir);

// sigma, B_k, B_cc, f_s, x* and the model-vs-measured table, as text.
[[nodiscard]] std::string model_summary(const benchkit::Comparison& c);

// "64 B", "4 KiB", "1.5 MiB"; "none" for negative or non-finite.
[[nodiscard]] std::string bytes_label(double bytes);
// "850 ns", "12.3 us", "1.20 ms".
[[nodiscard]] std::string time_label(double ns);

}  // namespace missive::cli
