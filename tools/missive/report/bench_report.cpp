#include "report/bench_report.hpp"

#include <sys/stat.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/core.h>

#ifdef MISSIVE_HAVE_ZMQ
#include "benchkit/zmq_baseline.hpp"
#endif

namespace missive::cli {
namespace {

namespace cm = costmodel;
using benchkit::Comparison;
using benchkit::ResultRow;

// Baselines are drawn dashed.
bool is_baseline(const std::string& path) { return path.rfind("raw-", 0) == 0 || path == "zmq-ipc"; }

std::vector<std::string> measured_paths(const Comparison& c) {
  std::vector<std::string> out;
  for (const std::string& p : benchkit::comparison_paths()) {
    if (c.find(p, c.sizes.front()) != nullptr) out.push_back(p);
  }
  return out;
}

std::string describe(const cm::Crossover& x) {
  switch (x.kind) {
    case cm::Crossover::Kind::at_size:
      return bytes_label(x.bytes);
    case cm::Crossover::Kind::share_always:
      return "none: sharing wins at every size";
    case cm::Crossover::Kind::copy_always:
      return "none: copying wins at every size";
    case cm::Crossover::Kind::share_below:
      return "inverted: sharing wins only below " + bytes_label(x.bytes);
  }
  return "?";
}

double marker_x(const cm::Crossover& x) {
  return x.kind == cm::Crossover::Kind::at_size ? x.bytes : std::numeric_limits<double>::quiet_NaN();
}

std::vector<PlotMarker> crossover_markers(const Comparison& c) {
  if (!c.model) return {{std::numeric_limits<double>::quiet_NaN(), "x*: no model (" + c.model_problem + ")"}};
  const benchkit::ModelFit& m = *c.model;
  return {{marker_x(m.inline_share), "x* model (inline vs loan): " + describe(m.inline_share)},
          {marker_x(m.measured_inline_share), "x* measured (inline vs loan): " + describe(m.measured_inline_share)},
          {marker_x(m.kernel_share), "x* model (kernel copy vs share): " + describe(m.kernel_share)}};
}

std::string rate_label(double bytes_per_s) {
  if (bytes_per_s >= 1e9) return fmt::format("{:g} GB/s", bytes_per_s / 1e9);
  if (bytes_per_s >= 1e6) return fmt::format("{:g} MB/s", bytes_per_s / 1e6);
  if (bytes_per_s >= 1e3) return fmt::format("{:g} kB/s", bytes_per_s / 1e3);
  return fmt::format("{:g} B/s", bytes_per_s);
}

std::string tick_time(double ns) {
  if (ns >= 1e9) return fmt::format("{:g} s", ns / 1e9);
  if (ns >= 1e6) return fmt::format("{:g} ms", ns / 1e6);
  if (ns >= 1e3) return fmt::format("{:g} us", ns / 1e3);
  return fmt::format("{:g} ns", ns);
}

std::string tick_size(double bytes) {
  if (bytes >= 1024.0 * 1024) return fmt::format("{:g} MiB", bytes / (1024.0 * 1024));
  if (bytes >= 1024) return fmt::format("{:g} KiB", bytes / 1024);
  return fmt::format("{:g} B", bytes);
}

// A markdown table of one figure per (size, path).
template <class Cell>
void value_table(std::string& md, const Comparison& c, const std::vector<std::string>& paths, Cell cell) {
  md += "| size |";
  for (const auto& p : paths) md += fmt::format(" {} |", p);
  md += "\n|---|";
  for (std::size_t i = 0; i < paths.size(); ++i) md += "---:|";
  md += "\n";
  for (std::size_t size : c.sizes) {
    md += fmt::format("| {} |", bytes_label(static_cast<double>(size)));
    for (const auto& p : paths) {
      const ResultRow* r = c.find(p, size);
      md += fmt::format(" {} |", r != nullptr ? cell(*r) : std::string("-"));
    }
    md += "\n";
  }
}

std::string ratio(const Comparison& c, const std::string& a, const std::string& b, std::size_t size) {
  const ResultRow* ra = c.find(a, size);
  const ResultRow* rb = c.find(b, size);
  if (ra == nullptr || rb == nullptr || rb->p50_ns <= 0) return "-";
  return fmt::format("{:.3g}", ra->p50_ns / rb->p50_ns);
}

const char* path_label(cm::Path p) {
  switch (p) {
    case cm::Path::kernel_copy:
      return "kernel";
    case cm::Path::inline_copy:
      return "inline";
    case cm::Path::share:
      return "share";
  }
  return "?";
}

}  // namespace

benchkit::ComparisonOptions comparison_options(bool quick) {
  benchkit::ComparisonOptions o;
  o.quick = quick;
#ifdef MISSIVE_HAVE_ZMQ
  o.zmq = [](std::size_t size, std::uint64_t rounds) { return benchkit::zmq_pingpong(size, rounds); };
#endif
  return o;
}

std::string bytes_label(double bytes) {
  if (!std::isfinite(bytes) || bytes < 0) return "none";
  if (bytes >= 1024.0 * 1024) return fmt::format("{:.4g} MiB", bytes / (1024.0 * 1024));
  if (bytes >= 1024) return fmt::format("{:.4g} KiB", bytes / 1024);
  return fmt::format("{:.0f} B", bytes);
}

std::string time_label(double ns) {
  if (ns >= 1e6) return fmt::format("{:.2f} ms", ns / 1e6);
  if (ns >= 1e4) return fmt::format("{:.1f} us", ns / 1e3);
  return fmt::format("{:.0f} ns", ns);
}

std::string read_loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string line;
  std::getline(in, line);
  return line.empty() ? "unknown" : line;
}

RunContext current_context(const std::string& command) {
  RunContext c;
  c.command = command;
  utsname name{};
  if (::uname(&name) == 0) c.machine = fmt::format("{} ({} {}, {})", name.nodename, name.sysname, name.release, name.machine);
  c.load_before = read_loadavg();
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  char buf[32] = {};
  if (::gmtime_r(&now, &tm) != nullptr) (void)std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  c.date_utc = buf;
  return c;
}

nlohmann::json results_json(const Comparison& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ResultRow& r : c.results) {
    rows.push_back({{"path", r.path}, {"size", r.size}, {"p50_ns", r.p50_ns}, {"p99_ns", r.p99_ns},
                    {"msgs_per_s", r.msgs_per_s}});
  }
  return nlohmann::json{{"results", std::move(rows)}};
}

Plot latency_plot(const Comparison& c) {
  Plot plot;
  plot.title = "One-way latency (p50) against message size, two processes";
  plot.x_label = "message size (bytes, log scale)";
  plot.y_label = "one-way latency (log scale)";
  plot.x_tick = tick_size;
  plot.y_tick = tick_time;
  for (const std::string& p : measured_paths(c)) {
    PlotSeries s{p, {}, is_baseline(p)};
    for (std::size_t size : c.sizes) {
      if (const ResultRow* r = c.find(p, size)) s.points.push_back({static_cast<double>(size), r->p50_ns});
    }
    plot.series.push_back(std::move(s));
  }
  plot.markers = crossover_markers(c);
  return plot;
}

Plot throughput_plot(const Comparison& c) {
  Plot plot;
  plot.title = "Ping-pong throughput against message size (one message in flight)";
  plot.x_label = "message size (bytes, log scale)";
  plot.y_label = "bytes per second = size x 1e9 / p50 ns (log scale)";
  plot.x_tick = tick_size;
  plot.y_tick = rate_label;
  for (const std::string& p : measured_paths(c)) {
    // A view hands the bytes over without reading them: its "bandwidth" is not a copy's.
    PlotSeries s{p == "shm-view" ? "shm-view (not read)" : p, {}, is_baseline(p)};
    for (std::size_t size : c.sizes) {
      if (const ResultRow* r = c.find(p, size)) {
        s.points.push_back({static_cast<double>(size), r->msgs_per_s * static_cast<double>(size)});
      }
    }
    plot.series.push_back(std::move(s));
  }
  plot.markers = crossover_markers(c);
  return plot;
}

std::string model_summary(const Comparison& c) {
  if (!c.model) return "The measurements do not fit the model: " + c.model_problem + "\n";
  const benchkit::ModelFit& m = *c.model;
  const cm::Parameters& p = m.parameters;
  std::string out = fmt::format(
      "Cost model fitted on this run's p50 (64 B .. 1 MiB): T_kernel = sigma + 2x/B_k (raw-socketpair),\n"
      "T_inline = f_i + x/B_inline (shm-spin), T_share = f_s + x/B_cc (shm-loan); each bent at most once.\n"
      "  sigma  {:>10}   kernel message fixed cost (system calls + wake-up)\n"
      "  B_k    {:>7.2f} GB/s kernel copy bandwidth{}\n"
      "  B_cc   {:>7.2f} GB/s cross-core bandwidth through shared memory{}\n"
      "  f_s    {:>10}   shared hand-off fixed cost;  f_i {} (B_inline {:.2f} GB/s)\n"
      "  x*     inline copy vs loan: model {}, measured {}\n"
      "         kernel copy vs share (the seed's): model {}, measured {}\n",
      time_label(p.sigma_ns), p.bk_gbps,
      p.kernel_knee_bytes > 0 ? fmt::format(" ({:.2f} above {})", p.bk_above_gbps, bytes_label(p.kernel_knee_bytes))
                              : std::string(),
      p.bcc_gbps,
      p.share_knee_bytes > 0 ? fmt::format(" ({:.2f} above {})", p.bcc_above_gbps, bytes_label(p.share_knee_bytes))
                             : std::string(),
      time_label(p.share_fixed_ns), time_label(p.inline_fixed_ns), p.inline_gbps, describe(m.inline_share),
      describe(m.measured_inline_share), describe(m.kernel_share), describe(m.measured_kernel_share));
  out += fmt::format("  {:>9} | {:>10} {:>10} {:>5} | {:>10} {:>10} {:>5} | {:>10} {:>10} {:>5}\n", "size",
                     "kernel", "model", "err", "inline", "model", "err", "share", "model", "err");
  for (std::size_t size : c.sizes) {
    std::string line = fmt::format("  {:>9} |", bytes_label(static_cast<double>(size)));
    bool any = false;
    for (cm::Path path : {cm::Path::kernel_copy, cm::Path::inline_copy, cm::Path::share}) {
      for (const auto& r : m.accuracy) {
        if (r.path != path || r.size != size) continue;
        line += fmt::format(" {:>10} {:>10} {:>4.0f}% |", time_label(r.measured_ns), time_label(r.predicted_ns),
                            r.error_percent());
        any = true;
      }
    }
    if (any) out += fmt::format("{}\n", line);
  }
  out += fmt::format("  worst error: kernel {:.0f}%, inline {:.0f}%, share {:.0f}% (goal: within 25%)\n",
                     m.worst_error_percent(cm::Path::kernel_copy), m.worst_error_percent(cm::Path::inline_copy),
                     m.worst_error_percent(cm::Path::share));
  return out;
}

std::string report_markdown(const Comparison& c, const RunContext& context) {
  const std::vector<std::string> paths = measured_paths(c);
  std::string md = "# missive bench report\n\n";
  md += fmt::format("`{}` on {}, {}. {} usable CPUs{}; {} repetitions; {:.1f} s.\n\n", context.command,
                    context.machine, context.date_utc, c.usable_cpus,
                    c.pinned ? ", the two processes pinned to different CPUs" : " (one CPU: not pinned)",
                    c.repetitions, c.seconds);
  md += fmt::format("Load average (/proc/loadavg) before: `{}`, after: `{}`.\n\n", context.load_before,
                    context.load_after);
  md +=
      "Every figure is one way (round trip / 2) between this process and an echo peer: a fork()ed process on "
      "another CPU (zmq-ipc: unpinned, for its I/O threads), or a thread for inproc. Repetitions are interleaved "
      "(repetition, then path, then size: one path's sweep over the sizes is short); each times blocks of at most 16 round trips; p50 and p99 are "
      "percentiles of the pooled block times; msgs/s is 1e9 / p50 ns, the rate of a ping-pong with one message in "
      "flight (not a stream). shm-spin and shm-block copy every message inline; shm-view hands over a "
      "loaned buffer and reads 8 bytes of it through a zero-copy view.\n\n";
  md += "![latency](latency.svg)\n\n![throughput](throughput.svg)\n\n";
  md += "## p50 one-way latency\n\n";
  value_table(md, c, paths, [](const ResultRow& r) { return time_label(r.p50_ns); });
  md += "\n## p99 one-way latency\n\n";
  value_table(md, c, paths, [](const ResultRow& r) { return time_label(r.p99_ns); });
  md += "\n## Messages per second (ping-pong)\n\n";
  value_table(md, c, paths, [](const ResultRow& r) { return fmt::format("{:.0f}", r.msgs_per_s); });
  md += "\n## Ratios of p50 against the baselines of this run (< 1: faster)\n\n";
  const std::pair<const char*, const char*> pairs[] = {{"shm-spin", "raw-spin"},     {"shm-view", "raw-spin"},
                                                       {"shm-spin", "raw-socketpair"}, {"shm-block", "raw-socketpair"},
                                                       {"unix", "raw-socketpair"},   {"shm-spin", "zmq-ipc"},
                                                       {"shm-block", "zmq-ipc"},     {"shm-view", "zmq-ipc"}};
  md += "| size |";
  for (const auto& [a, b] : pairs) md += fmt::format(" {} / {} |", a, b);
  md += "\n|---|";
  for (std::size_t i = 0; i < std::size(pairs); ++i) md += "---:|";
  md += "\n";
  for (std::size_t size : c.sizes) {
    md += fmt::format("| {} |", bytes_label(static_cast<double>(size)));
    for (const auto& [a, b] : pairs) md += fmt::format(" {} |", ratio(c, a, b, size));
    md += "\n";
  }
  md += "\n## The cost model, fitted on this run\n\n";
  if (!c.model) {
    md += "The measurements do not fit the model: " + c.model_problem + "\n";
    return md;
  }
  const benchkit::ModelFit& m = *c.model;
  const cm::Parameters& p = m.parameters;
  md +=
      "T_kernel = sigma + 2x/B_k fitted on raw-socketpair, T_inline = f_i + x/B_inline on shm-spin, T_share = f_s "
      "+ x/B_cc on shm-loan (shm:// with every send through a loaned buffer, copied in and out, spin; measured for "
      "the model only), each on the p50s from 64 B to 1 MiB of this run, each line bent at most once "
      "(docs/cost-model.md).\n\n";
  md += "| parameter | value |\n|---|---:|\n";
  md += fmt::format("| sigma | {} |\n| B_k | {:.2f} GB/s |\n| B_cc | {:.2f} GB/s |\n| f_s | {} |\n| f_i | {} |\n"
                    "| B_inline | {:.2f} GB/s |\n",
                    time_label(p.sigma_ns), p.bk_gbps, p.bcc_gbps, time_label(p.share_fixed_ns),
                    time_label(p.inline_fixed_ns), p.inline_gbps);
  for (const auto& [name, knee, gbps] : {std::tuple{"kernel", p.kernel_knee_bytes, p.bk_above_gbps},
                                         std::tuple{"inline", p.inline_knee_bytes, p.inline_above_gbps},
                                         std::tuple{"share", p.share_knee_bytes, p.bcc_above_gbps}}) {
    if (knee > 0) md += fmt::format("| {} knee | {} ({:.2f} GB/s above) |\n", name, bytes_label(knee), gbps);
  }
  md += fmt::format("| x* inline vs loan, model | {} |\n| x* inline vs loan, measured | {} |\n",
                    describe(m.inline_share), describe(m.measured_inline_share));
  md += fmt::format("| x* kernel copy vs share, model | {} |\n| x* kernel copy vs share, measured | {} |\n\n",
                    describe(m.kernel_share), describe(m.measured_kernel_share));
  md += "Predicted against measured (p50, one way); err = (model - measured) / measured:\n\n";
  md += "| size | kernel | model | err | inline | model | err | share | model | err |\n";
  md += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (std::size_t size : c.sizes) {
    std::string line = fmt::format("| {} |", bytes_label(static_cast<double>(size)));
    bool any = false;
    for (cm::Path path : {cm::Path::kernel_copy, cm::Path::inline_copy, cm::Path::share}) {
      for (const auto& r : m.accuracy) {
        if (r.path != path || r.size != size) continue;
        line += fmt::format(" {} | {} | {:.0f}% |", time_label(r.measured_ns), time_label(r.predicted_ns),
                            r.error_percent());
        any = true;
      }
    }
    if (any) md += fmt::format("{}\n", line);
  }
  md += "\nWorst error per path:";
  for (cm::Path path : {cm::Path::kernel_copy, cm::Path::inline_copy, cm::Path::share}) {
    const double worst = m.worst_error_percent(path);
    md += fmt::format(" {} {:.0f}%{};", path_label(path), worst, worst <= 25 ? "" : " (over 25%)");
  }
  md.back() = '.';
  md += "\n";
  return md;
}

Status write_report(const Comparison& c, const RunContext& context, const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "missive bench: cannot create %s\n", dir.c_str());
    return Error{Errc::system_error, "bench: cannot create the report directory"};
  }
  const std::pair<std::string, std::string> files[] = {{"report.md", report_markdown(c, context)},
                                                       {"latency.svg", render_svg(latency_plot(c))},
                                                       {"throughput.svg", render_svg(throughput_plot(c))}};
  for (const auto& [name, text] : files) {
    const std::string path = dir + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::fprintf(stderr, "missive bench: cannot write %s\n", path.c_str());
      return Error{Errc::system_error, "bench: cannot write the report"};
    }
  }
  return {};
}

}  // namespace missive::cli
