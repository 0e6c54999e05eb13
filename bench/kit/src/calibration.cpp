#include "benchkit/calibration.hpp"

#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <string>

#include "benchkit/connection_pingpong.hpp"
#include "benchkit/raw_baselines.hpp"
#include "benchkit/stats.hpp"
#include "missive/transport/connection.hpp"
#include "missive/transport/listener.hpp"
#include "missive/transport/options.hpp"

namespace benchkit {
namespace {

namespace transport = missive::transport;
namespace shm = missive::shm;
using missive::Deadline;
using missive::Errc;
using missive::Error;
using missive::Result;
using rawbase::Forked;
using rawbase::Timing;
using namespace std::chrono_literals;

constexpr std::size_t KiB = 1024;
constexpr std::size_t MiB = 1024 * KiB;

struct Plan {
  std::vector<std::size_t> sizes;
  int repetitions;
  std::uint64_t scale;  // divides the round counts
};

Plan plan_for(bool quick) {
  if (quick) return {{64, 512, 2 * KiB, 4 * KiB, 8 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB}, 3, 4};
  return {{64, 256, 1 * KiB, 2 * KiB, 4 * KiB, 8 * KiB, 16 * KiB, 32 * KiB, 64 * KiB, 256 * KiB, 1 * MiB}, 7, 1};
}

// Round trips per repetition: many for shared memory (100s of ns each), fewer
// through the kernel (10s of us each).
std::uint64_t rounds_for(std::size_t size, bool shared_memory, std::uint64_t scale) {
  std::uint64_t rounds = 0;
  if (size <= 4 * KiB) {
    rounds = shared_memory ? 20000 : 1000;
  } else if (size <= 64 * KiB) {
    rounds = shared_memory ? 4000 : 400;
  } else {
    rounds = shared_memory ? 400 : 60;
  }
  return std::max<std::uint64_t>(rounds / scale, 20);
}

// The best of `repetitions` runs of `experiment` (each a Timing: the median
// block of one run), one way. Within a run the block median drops time slices
// lost to other processes; across runs the minimum drops whole runs during
// which the peer's CPU was busy with someone else (on a shared 2-CPU machine
// a blocking echo child then waits for its turn: that measures the scheduler,
// not the transport).
template <class Experiment>
Result<double> best_one_way(int repetitions, Experiment&& experiment) {
  std::vector<double> samples;
  for (int r = 0; r < repetitions; ++r) {
    const Timing t = experiment();
    if (!t.ok) return Error{Errc::system_error, "calibration: an experiment failed (its echo process did not finish)"};
    samples.push_back(t.ns_per_round / 2);
  }
  return summarize(samples).min;
}

// A minimal system call, in-process: the floor of sigma.
double syscall_ns() {
  std::vector<double> blocks;
  for (int b = 0; b < 200; ++b) {
    const auto start = rawbase::Clock::now();
    for (int i = 0; i < 1000; ++i) (void)::syscall(SYS_getppid);
    blocks.push_back(std::chrono::duration<double, std::nano>(rawbase::Clock::now() - start).count() / 1000);
  }
  return summarize(blocks).median;
}

// shm:// between two processes with every send forced one way (or automatic
// by `crossover`), spinning.
Timing shm_pingpong(std::size_t size, std::uint64_t rounds, transport::SendPath path, std::size_t crossover = 0) {
  PingPongOptions options;
  options.path = path;
  options.crossover_bytes = crossover;
  return connection_pingpong(transport::Scheme::shm, size, rounds, options);
}

Result<SizePoint> measure_size(std::size_t size, const Plan& plan) {
  SizePoint p{size, 0, 0, 0};
  auto kernel = best_one_way(plan.repetitions, [&] {
    return rawbase::stream_pingpong(size, rounds_for(size, false, plan.scale), /*use_socketpair=*/true);
  });
  if (!kernel) return kernel.error();
  auto inline_copy = best_one_way(plan.repetitions, [&] {
    return shm_pingpong(size, rounds_for(size, true, plan.scale), transport::SendPath::inline_copy);
  });
  if (!inline_copy) return inline_copy.error();
  auto share = best_one_way(plan.repetitions, [&] {
    return shm_pingpong(size, rounds_for(size, true, plan.scale), transport::SendPath::loan);
  });
  if (!share) return share.error();
  p.kernel_ns = *kernel;
  p.inline_ns = *inline_copy;
  p.share_ns = *share;
  return p;
}

std::string size_label(std::size_t size) {
  if (size >= MiB) return std::to_string(size / MiB) + " MiB";
  if (size >= KiB) return std::to_string(size / KiB) + " KiB";
  return std::to_string(size) + " B";
}

// Leaves the calling process free to run on every CPU again, however we return.
struct Unpin {
  ~Unpin() { rawbase::pin_to(-1); }
};

}  // namespace

int calibration_steps(bool quick) { return static_cast<int>(plan_for(quick).sizes.size()) + 2; }

missive::costmodel::Measurements Calibration::measurements() const {
  missive::costmodel::Measurements m;
  for (const SizePoint& p : points) {
    const auto x = static_cast<double>(p.bytes);
    m.kernel_copy.push_back({x, p.kernel_ns});
    m.inline_copy.push_back({x, p.inline_ns});
    m.share.push_back({x, p.share_ns});
  }
  m.syscall_ns = syscall_ns;
  m.wakeup_ns = wakeup_ns;
  return m;
}

Result<Calibration> run_calibration(const CalibrationOptions& options) {
  const Unpin unpin;
  const auto start = rawbase::Clock::now();
  const Plan plan = plan_for(options.quick);
  const int steps = calibration_steps(options.quick);
  auto report = [&](const std::string& what, int step) {
    if (options.progress) options.progress(what, step, steps);
  };
  Calibration c;
  c.usable_cpus = rawbase::usable_cpus();
  c.pinned = c.usable_cpus >= 2;
  report("system call", 1);
  c.syscall_ns = syscall_ns();
  report("pipe wake-up between two processes", 2);
  auto wakeup = best_one_way(plan.repetitions, [&] {
    return rawbase::stream_pingpong(1, rounds_for(1, false, plan.scale), /*use_socketpair=*/false);
  });
  if (!wakeup) return wakeup.error();
  c.wakeup_ns = *wakeup;
  int step = 2;
  for (std::size_t size : plan.sizes) {
    report("socketpair, shm inline and shm loan at " + size_label(size), ++step);
    auto point = measure_size(size, plan);
    if (!point) return point.error();
    c.points.push_back(*point);
  }
  c.seconds = std::chrono::duration<double>(rawbase::Clock::now() - start).count();
  return c;
}

double PathComparison::auto_over_best() const noexcept {
  const double best = std::min(inline_ns, loan_ns);
  return best > 0 ? auto_ns / best : 0;
}

Result<std::vector<PathComparison>> compare_paths(const CalibrationOptions& options, std::size_t crossover_bytes) {
  const Unpin unpin;
  const Plan plan = plan_for(options.quick);
  std::vector<PathComparison> out;
  int step = 0;
  for (std::size_t size : plan.sizes) {
    if (options.progress) {
      options.progress("inline, loan and automatic at " + size_label(size), ++step,
                       static_cast<int>(plan.sizes.size()));
    }
    const std::uint64_t rounds = rounds_for(size, true, plan.scale);
    PathComparison row{size, 0, 0, 0};
    // Interleaved repetitions: a slow spell of the machine hits all three alike.
    std::vector<double> inline_ns, loan_ns, auto_ns;
    for (int r = 0; r < plan.repetitions; ++r) {
      const Timing a = shm_pingpong(size, rounds, transport::SendPath::inline_copy);
      const Timing b = shm_pingpong(size, rounds, transport::SendPath::loan);
      const Timing c = shm_pingpong(size, rounds, transport::SendPath::automatic, crossover_bytes);
      if (!a.ok || !b.ok || !c.ok) return Error{Errc::system_error, "path comparison: an experiment failed"};
      inline_ns.push_back(a.ns_per_round / 2);
      loan_ns.push_back(b.ns_per_round / 2);
      auto_ns.push_back(c.ns_per_round / 2);
    }
    row.inline_ns = summarize(inline_ns).median;
    row.loan_ns = summarize(loan_ns).median;
    row.auto_ns = summarize(auto_ns).median;
    out.push_back(row);
  }
  return out;
}

double crossover_bytes_or_none(const missive::costmodel::Crossover& x) noexcept {
  const double from = x.share_from();
  return std::isfinite(from) ? from : -1;
}

Result<Analysis> analyze(const Calibration& calibration) {
  namespace cm = missive::costmodel;
  const cm::Measurements m = calibration.measurements();
  auto parameters = cm::fit_parameters(m);
  if (!parameters) return parameters.error();
  auto measured = cm::measured_crossover(m.inline_copy, m.share);
  if (!measured) return measured.error();
  auto measured_kernel = cm::measured_crossover(m.kernel_copy, m.share);
  if (!measured_kernel) return measured_kernel.error();
  Analysis a;
  a.parameters = *parameters;
  a.model_crossover = cm::inline_share_crossover(a.parameters);
  a.measured_crossover = *measured;
  a.model_kernel_share = cm::kernel_share_crossover(a.parameters);
  a.measured_kernel_share = *measured_kernel;

  cm::Profile& p = a.profile;
  p.parameters = a.parameters;
  p.model_crossover_bytes = crossover_bytes_or_none(a.model_crossover);
  p.measured_crossover_bytes = crossover_bytes_or_none(a.measured_crossover);
  const double used = p.measured_crossover_bytes >= 0 ? p.measured_crossover_bytes : p.model_crossover_bytes;
  p.crossover_bytes = used >= 0 ? static_cast<std::size_t>(std::ceil(used)) : cm::never_share;
  utsname name{};
  if (::uname(&name) == 0) p.host = name.nodename;
  p.created_unix = static_cast<std::int64_t>(std::time(nullptr));
  p.cpus = calibration.usable_cpus;
  p.calibrated = true;
  return a;
}

}  // namespace benchkit
