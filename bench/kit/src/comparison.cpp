#include "benchkit/comparison.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

#include "benchkit/connection_pingpong.hpp"
#include "benchkit/ring_pingpong.hpp"
#include "benchkit/stats.hpp"

namespace benchkit {
namespace {

namespace cm = missive::costmodel;
namespace shm = missive::shm;
namespace transport = missive::transport;
using missive::Errc;
using missive::Error;
using missive::Result;
using rawbase::Timing;

constexpr std::size_t KiB = 1024;
constexpr std::size_t MiB = 1024 * KiB;
constexpr std::size_t model_from = 64;
constexpr std::size_t model_to = 1 * MiB;

const shm::WaitPolicy spin_policy{shm::WaitStrategy::spin, 0, std::chrono::milliseconds(20)};
const shm::WaitPolicy block_policy{};  // the default: spin briefly, then park

using Run = std::function<Timing(std::size_t size, std::uint64_t rounds)>;

struct Series {
  std::string name;
  bool fast;  // spins in shared memory: many more round trips
  Run run;
};

std::vector<Series> series_for(const ComparisonOptions& options) {
  auto over = [](transport::Scheme scheme, shm::WaitPolicy wait, transport::SendPath path) -> Run {
    return [=](std::size_t size, std::uint64_t rounds) {
      PingPongOptions o;
      o.wait = wait;
      o.path = path;
      return connection_pingpong(scheme, size, rounds, o);
    };
  };
  using transport::Scheme;
  using transport::SendPath;
  std::vector<Series> out = {
      {"shm-spin", true, over(Scheme::shm, spin_policy, SendPath::inline_copy)},
      {"shm-block", false, over(Scheme::shm, block_policy, SendPath::inline_copy)},
      {"shm-view", true, [](std::size_t s, std::uint64_t r) { return ring_view_pingpong(s, r, spin_policy); }},
      {"unix", false, over(Scheme::unix_socket, spin_policy, SendPath::inline_copy)},
      {"inproc", false, over(Scheme::inproc, spin_policy, SendPath::inline_copy)},
      {"raw-spin", true, [](std::size_t s, std::uint64_t r) { return rawbase::spin_pingpong(s, r); }},
      {"raw-socketpair", false, [](std::size_t s, std::uint64_t r) { return rawbase::stream_pingpong(s, r, true); }},
      {"raw-pipe", false, [](std::size_t s, std::uint64_t r) { return rawbase::stream_pingpong(s, r, false); }},
  };
  if (options.zmq) out.push_back({"zmq-ipc", false, options.zmq});
  out.push_back({std::string(shm_loan_series), true, over(Scheme::shm, spin_policy, SendPath::loan)});
  return out;
}

std::vector<std::size_t> sizes_for(const ComparisonOptions& o) {
  if (!o.sizes.empty()) return o.sizes;
  if (o.quick) return {8, 64, 512, 4 * KiB, 32 * KiB, 256 * KiB, 1 * MiB, 4 * MiB};
  return {8, 64, 256, 1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB};
}
int repetitions_for(const ComparisonOptions& o) { return o.repetitions > 0 ? o.repetitions : (o.quick ? 3 : 5); }
std::uint64_t divisor_for(const ComparisonOptions& o) {
  return o.round_divisor > 0 ? o.round_divisor : (o.quick ? 8 : 1);
}

// Round trips per measurement: tens of ns each in shared memory, tens of us
// through the kernel.
std::uint64_t rounds_for(std::size_t size, bool fast, std::uint64_t divisor) {
  std::uint64_t rounds = 0;
  if (size <= 64) {
    rounds = fast ? 20000 : 1000;
  } else if (size <= 4 * KiB) {
    rounds = fast ? 10000 : 1000;
  } else if (size <= 64 * KiB) {
    rounds = fast ? 2000 : 500;
  } else if (size <= 1 * MiB) {
    rounds = fast ? 200 : 60;
  } else {
    rounds = fast ? 40 : 20;
  }
  return std::max<std::uint64_t>(rounds / divisor, 16);
}

std::string size_label(std::size_t size) {
  if (size >= MiB && size % MiB == 0) return std::to_string(size / MiB) + " MiB";
  if (size >= KiB && size % KiB == 0) return std::to_string(size / KiB) + " KiB";
  return std::to_string(size) + " B";
}

// Every repetition of one (series, size), pooled.
struct Pool {
  std::vector<double> one_way_ns;  // per-round-trip block times / 2
  std::uint64_t rounds = 0;
  double seconds = 0;
  void add(const Timing& t) {
    for (double ns : t.block_ns) one_way_ns.push_back(ns / 2);
    rounds += t.rounds;
    seconds += t.seconds;
  }
  [[nodiscard]] ResultRow row(const std::string& path, std::size_t size) const {
    const double p50 = percentile(one_way_ns, 50);
    return ResultRow{path, size, p50, percentile(one_way_ns, 99), p50 > 0 ? 1e9 / p50 : 0};
  }
};

// Leaves the calling process free to run on every CPU again, however we return.
struct Unpin {
  ~Unpin() { rawbase::pin_to(-1); }
};

std::vector<cm::Sample> samples_of(const Comparison& c, std::string_view path, bool model_series) {
  std::vector<cm::Sample> out;
  for (const ResultRow& r : model_series ? c.model_series : c.results) {
    if (r.path == path && r.size >= model_from && r.size <= model_to) {
      out.push_back({static_cast<double>(r.size), r.p50_ns});
    }
  }
  std::sort(out.begin(), out.end(), [](const cm::Sample& a, const cm::Sample& b) { return a.bytes < b.bytes; });
  return out;
}

}  // namespace

const std::vector<std::string>& comparison_paths() {
  static const std::vector<std::string> paths = {"shm-spin", "shm-block",      "shm-view", "unix",   "inproc",
                                                 "raw-spin", "raw-socketpair", "raw-pipe", "zmq-ipc"};
  return paths;
}

const ResultRow* Comparison::find(std::string_view path, std::size_t size) const noexcept {
  for (const auto* rows : {&results, &model_series}) {
    for (const ResultRow& r : *rows) {
      if (r.path == path && r.size == size) return &r;
    }
  }
  return nullptr;
}

double ModelFit::worst_error_percent(cm::Path path) const noexcept {
  double worst = 0;
  for (const AccuracyRow& r : accuracy) {
    if (r.path == path) worst = std::max(worst, std::abs(r.error_percent()));
  }
  return worst;
}

int comparison_steps(const ComparisonOptions& options) {
  return repetitions_for(options) * static_cast<int>(series_for(options).size());
}

Result<Comparison> run_comparison(const ComparisonOptions& options) {
  const Unpin unpin;
  const auto start = rawbase::Clock::now();
  const std::vector<Series> series = series_for(options);
  Comparison c;
  c.sizes = sizes_for(options);
  c.repetitions = repetitions_for(options);
  c.usable_cpus = rawbase::usable_cpus();
  c.pinned = c.usable_cpus >= 2;
  const std::uint64_t divisor = divisor_for(options);
  std::map<std::pair<std::string, std::size_t>, Pool> pools;
  const int steps = comparison_steps(options);
  int step = 0;
  // Repetition, then path, then size: one path's sweep over the sizes takes a
  // second or two, so the host's placement of the two vCPUs (which changes the
  // cross-core cost 2-3x on a VM) is the same across one sweep, and a slow
  // spell hits one sweep of every path rather than every sweep of one.
  for (int rep = 0; rep < c.repetitions; ++rep) {
    for (const Series& s : series) {
      if (options.progress) {
        options.progress("repetition " + std::to_string(rep + 1) + "/" + std::to_string(c.repetitions) + ", " + s.name,
                         ++step, steps);
      }
      for (std::size_t size : c.sizes) {
        const Timing t = s.run(size, rounds_for(size, s.fast, divisor));
        if (!t.ok) {
          std::fprintf(stderr, "bench: the %s measurement at %s failed\n", s.name.c_str(), size_label(size).c_str());
          return Error{Errc::system_error, "bench: a measurement failed (stderr names it)"};
        }
        pools[{s.name, size}].add(t);
      }
    }
  }
  for (const Series& s : series) {
    for (std::size_t size : c.sizes) {
      ResultRow row = pools[{s.name, size}].row(s.name, size);
      (s.name == shm_loan_series ? c.model_series : c.results).push_back(std::move(row));
    }
  }
  c.seconds = std::chrono::duration<double>(rawbase::Clock::now() - start).count();
  if (auto fit = fit_model(c); fit) {
    c.model = std::move(*fit);
  } else {
    c.model_problem = fit.error().message();
  }
  return c;
}

Result<ModelFit> fit_model(const Comparison& c) {
  cm::Measurements m;
  m.kernel_copy = samples_of(c, "raw-socketpair", false);
  m.inline_copy = samples_of(c, "shm-spin", false);
  m.share = samples_of(c, shm_loan_series, true);
  auto parameters = cm::fit_parameters(m);
  if (!parameters) return parameters.error();
  ModelFit fit;
  fit.parameters = *parameters;
  fit.inline_share = cm::inline_share_crossover(fit.parameters);
  fit.kernel_share = cm::kernel_share_crossover(fit.parameters);
  auto measured_inline = cm::measured_crossover(m.inline_copy, m.share);
  if (!measured_inline) return measured_inline.error();
  auto measured_kernel = cm::measured_crossover(m.kernel_copy, m.share);
  if (!measured_kernel) return measured_kernel.error();
  fit.measured_inline_share = *measured_inline;
  fit.measured_kernel_share = *measured_kernel;
  const std::pair<cm::Path, std::pair<const char*, const std::vector<cm::Sample>*>> paths[] = {
      {cm::Path::kernel_copy, {"raw-socketpair", &m.kernel_copy}},
      {cm::Path::inline_copy, {"shm-spin", &m.inline_copy}},
      {cm::Path::share, {"shm-loan", &m.share}}};
  for (const auto& [path, measured] : paths) {
    for (const cm::Sample& s : *measured.second) {
      fit.accuracy.push_back(AccuracyRow{path, measured.first, static_cast<std::size_t>(s.bytes), s.ns,
                                         cm::predict_ns(fit.parameters, path, s.bytes)});
    }
  }
  return fit;
}

}  // namespace benchkit
