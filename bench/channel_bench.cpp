// channel_bench - in-process channels against their peers and raw baselines,
// all in one run. Every benchmark repeats 5 times and reports the median; a
// ratio table against the peers and baselines of the same run closes the
// output.
//
//   build/release/bench/channel_bench            (or ./build.sh bench)
//   build/release/bench/channel_bench --benchmark_filter=spsc
#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "benchkit/missive_adapters.hpp"
#include "benchkit/mutex_condvar_rendezvous.hpp"
#include "benchkit/pipeline_workload.hpp"
#include "benchkit/queue_workloads.hpp"
#include "median_reporter.hpp"
#include "peers.hpp"

namespace {

using benchkit::ChannelQueue;
using benchkit::SpscChannelQueue;
using benchkit::SpscRingQueue;
using missive::RingLayout;
using missive::WaitStrategy;

constexpr std::size_t queue_capacity = 1024;
constexpr int repetitions = 5;

// Each benchmark reports one figure in the counter "value": msgs/s for
// throughput, nanoseconds for latency, a fraction for pipelines.
template <class Q>
void spsc_throughput(benchmark::State& state, std::function<std::unique_ptr<Q>()> make, std::uint64_t n) {
  double seconds = 0;
  std::uint64_t items = 0;
  for (auto _ : state) {
    auto queue = make();
    const double s = benchkit::spsc_seconds(*queue, n);
    state.SetIterationTime(s);
    seconds += s;
    items += n;
  }
  state.counters["value"] = static_cast<double>(items) / seconds;
}

template <class Q>
void mpmc_throughput(benchmark::State& state, std::function<std::unique_ptr<Q>()> make, std::uint64_t n) {
  double seconds = 0;
  std::uint64_t items = 0;
  for (auto _ : state) {
    auto queue = make();
    const double s = benchkit::mpmc_seconds(*queue, 2, 2, n);
    state.SetIterationTime(s);
    seconds += s;
    items += n;
  }
  state.counters["value"] = static_cast<double>(items) / seconds;
}

template <class Q>
void one_way_latency(benchmark::State& state, std::function<std::unique_ptr<Q>()> make, std::uint64_t n) {
  double total_ns = 0;
  int runs = 0;
  for (auto _ : state) {
    auto there = make();
    auto back = make();
    const double rtt = benchkit::round_trip_ns(*there, *back, n);
    state.SetIterationTime(rtt * 1e-9 * static_cast<double>(n));
    total_ns += rtt / 2;
    ++runs;
  }
  state.counters["value"] = total_ns / runs;
}

template <class Q>
void handoff_cost(benchmark::State& state, std::function<std::unique_ptr<Q>()> make, std::uint64_t n) {
  double total_ns = 0;
  int runs = 0;
  for (auto _ : state) {
    auto queue = make();
    const double s = benchkit::spsc_seconds(*queue, n);
    state.SetIterationTime(s);
    total_ns += s * 1e9 / static_cast<double>(n);
    ++runs;
  }
  state.counters["value"] = total_ns / runs;
}

void pipeline_fraction(benchmark::State& state, double low, double high, std::size_t capacity) {
  double fraction = 0;
  int runs = 0;
  for (auto _ : state) {
    benchkit::PipelineCase c;
    c.capacity = capacity;
    c.low = low;
    c.high = high;
    c.seed = static_cast<std::uint64_t>(runs + 1);
    const auto r = benchkit::run_pipeline(c);
    state.SetIterationTime(static_cast<double>(c.items) / r.items_per_s);
    fraction += r.fraction();
    ++runs;
  }
  state.counters["value"] = fraction / runs;
}

template <class Q, class... Args>
std::function<std::unique_ptr<Q>()> factory(Args... args) {
  return [=] { return std::make_unique<Q>(args...); };
}

template <class Fn>
void add(const std::string& name, Fn fn, int iterations) {
  benchkit::add_repeated(name, fn, iterations, repetitions);
}

void register_all() {
  constexpr std::uint64_t n = 5'000'000;
  using peers::BoostMpmc;
  using peers::BoostSpsc;
  using peers::MoodycamelConcurrent;
  using peers::MoodycamelRwq;
  auto spsc = [&](const char* name, auto make, std::uint64_t items) {
    add(std::string("spsc/") + name, [make, items](benchmark::State& s) { spsc_throughput(s, make, items); }, 3);
  };
  spsc("missive_ring", factory<SpscRingQueue<RingLayout::padded>>(queue_capacity), n);
  spsc("missive_ring_packed", factory<SpscRingQueue<RingLayout::packed>>(queue_capacity), n);
  spsc("missive_spsc_channel", factory<SpscChannelQueue>(queue_capacity, WaitStrategy::spin_then_park), n);
  spsc("missive_channel", factory<ChannelQueue>(queue_capacity), n / 10);
  spsc("moodycamel_rwq", factory<MoodycamelRwq>(queue_capacity), n);
  spsc("boost_spsc", factory<BoostSpsc>(queue_capacity), n);

  auto mpmc = [&](const char* name, auto make, std::uint64_t items) {
    add(std::string("mpmc_2x2/") + name, [make, items](benchmark::State& s) { mpmc_throughput(s, make, items); }, 3);
  };
  mpmc("missive_channel", factory<ChannelQueue>(queue_capacity), n / 10);
  mpmc("moodycamel_concurrent", factory<MoodycamelConcurrent>(queue_capacity), n);
  mpmc("boost_queue", factory<BoostMpmc>(queue_capacity), n);

  constexpr std::uint64_t pings = 200'000;
  auto ping = [&](const char* name, auto make, std::uint64_t items) {
    add(std::string("pingpong/") + name, [make, items](benchmark::State& s) { one_way_latency(s, make, items); }, 3);
  };
  ping("missive_ring", factory<SpscRingQueue<RingLayout::padded>>(64), pings);
  ping("missive_spsc_channel", factory<SpscChannelQueue>(64, WaitStrategy::spin_then_park), pings);
  ping("missive_channel", factory<ChannelQueue>(64), pings / 10);
  ping("moodycamel_rwq", factory<MoodycamelRwq>(64), pings);
  ping("boost_spsc", factory<BoostSpsc>(64), pings);

  constexpr std::uint64_t handoffs = 100'000;
  auto handoff = [&](const char* name, auto make) {
    add(std::string("handoff/") + name, [make](benchmark::State& s) { handoff_cost(s, make, handoffs); }, 3);
  };
  handoff("missive_rendezvous", factory<ChannelQueue>(std::size_t{0}));
  handoff("raw_mutex_condvar", factory<benchkit::MutexCondvarRendezvous>());

  for (std::size_t capacity : {std::size_t{0}, std::size_t{1}, std::size_t{8}}) {
    for (const auto& [label, low, high] : {std::tuple{"a_fits_T", 0.7, 1.0}, std::tuple{"b_past_T", 0.2, 1.8}}) {
      add(std::string("pipeline_") + label + "/cap" + std::to_string(capacity),
          [low = low, high = high, capacity](benchmark::State& s) { pipeline_fraction(s, low, high, capacity); }, 1);
    }
  }
}

// Console output plus a table of medians and ratios against the baselines.
class RatioReporter : public benchkit::MedianReporter {
 public:

  void print_ratios() const {
    std::printf("\nmedians of %d repetitions, and ratios against the baseline of the same run\n", repetitions);
    ratio("spsc/", "moodycamel_rwq", "msgs/s", true);
    ratio("mpmc_2x2/", "moodycamel_concurrent", "msgs/s", true);
    ratio("pingpong/", "moodycamel_rwq", "ns one way", false);
    ratio("handoff/", "raw_mutex_condvar", "ns per hand-off", false);
    for (const char* group : {"pipeline_a_fits_T/", "pipeline_b_past_T/"}) {
      std::printf("%s (fraction of 1/max(t_i))\n", group);
      for (const auto& [name, value] : medians()) {
        if (name.rfind(group, 0) == 0) std::printf("  %-40s %8.1f%%\n", name.c_str(), value * 100);
      }
    }
  }

 private:
  void ratio(const std::string& group, const std::string& baseline, const char* unit, bool higher_is_better) const {
    auto base = medians().find(group + baseline);
    if (base == medians().end()) return;
    std::printf("%s (%s; ratio > 1 means faster than %s)\n", group.c_str(), unit, baseline.c_str());
    for (const auto& [name, value] : medians()) {
      if (name.rfind(group, 0) != 0) continue;
      const double r = higher_is_better ? value / base->second : base->second / value;
      std::printf("  %-40s %14.1f   %6.2fx\n", name.c_str(), value, r);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
