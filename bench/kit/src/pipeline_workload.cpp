#include "benchkit/pipeline_workload.hpp"

#include <sys/prctl.h>

#include <algorithm>
#include <array>
#include <random>
#include <thread>
#include <vector>

#include "missive/channel/pipeline.hpp"

namespace benchkit {
namespace {

using Clock = std::chrono::steady_clock;

// Default timer slack (50 us) would dominate sub-millisecond sleeps.
void tighten_timer_slack() {
  thread_local bool done = false;
  if (!done) {
    ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    done = true;
  }
}

// One stage's simulated work and its bookkeeping; touched only by the stage's
// own thread until the pipeline is joined.
struct StageWork {
  std::mt19937_64 rng;
  std::uniform_real_distribution<double> micros;
  double total_us = 0;
  std::size_t count = 0;

  std::uint64_t operator()(std::uint64_t item) {
    tighten_timer_slack();
    const auto start = Clock::now();
    std::this_thread::sleep_until(start + std::chrono::duration<double, std::micro>(micros(rng)));
    total_us += std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    ++count;
    return item;
  }
};

}  // namespace

PipelineResult run_pipeline(const PipelineCase& c) {
  tighten_timer_slack();
  const double period_us = static_cast<double>(c.period.count());
  std::array<StageWork, pipeline_stages> work;
  for (std::size_t i = 0; i < work.size(); ++i) {
    work[i].rng.seed(c.seed * 1000 + i);
    work[i].micros = std::uniform_real_distribution<double>(c.low * period_us, c.high * period_us);
  }
  auto stage = [](StageWork& w) { return [&w](std::uint64_t item) { return w(item); }; };
  auto pipeline = missive::Pipeline<std::uint64_t>::with_capacity(c.capacity)
                      .stage(stage(work[0]))
                      .stage(stage(work[1]))
                      .stage(stage(work[2]))
                      .stage(stage(work[3]))
                      .start();

  std::thread feeder([&] {
    for (std::uint64_t i = 0; i < c.items; ++i) {
      if (!pipeline.input().send(std::uint64_t{i})) break;
    }
    pipeline.input().close();
  });
  std::vector<Clock::time_point> arrivals;
  arrivals.reserve(c.items);
  while (auto item = pipeline.output().recv()) arrivals.push_back(Clock::now());
  feeder.join();
  pipeline.join();

  PipelineResult result;
  const std::size_t warmup = arrivals.size() / 10;
  if (arrivals.size() > warmup + 1) {
    const double seconds = std::chrono::duration<double>(arrivals.back() - arrivals[warmup]).count();
    result.items_per_s = static_cast<double>(arrivals.size() - 1 - warmup) / seconds;
  }
  for (const auto& w : work) {
    if (w.count > 0) result.slowest_stage_mean_us = std::max(result.slowest_stage_mean_us, w.total_us / static_cast<double>(w.count));
  }
  if (result.slowest_stage_mean_us > 0) result.bound_per_s = 1e6 / result.slowest_stage_mean_us;
  return result;
}

}  // namespace benchkit
