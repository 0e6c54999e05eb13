// Tour chapter: in-process channels and pipelines, measured on this machine.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "benchkit/missive_adapters.hpp"
#include "benchkit/mutex_condvar_rendezvous.hpp"
#include "benchkit/pipeline_workload.hpp"
#include "benchkit/queue_workloads.hpp"
#include "benchkit/stats.hpp"
#include "progress.hpp"
#include "tour/tour.hpp"

namespace missive::cli {
namespace {

// Median over `runs` of a measurement that returns one figure per run.
double median_of(int runs, const std::function<double()>& measure) {
  std::vector<double> samples;
  for (int i = 0; i < runs; ++i) samples.push_back(measure());
  return benchkit::summarize(samples).median;
}

template <class MakeQueue>
double spsc_mmsgs(int runs, std::uint64_t n, MakeQueue make) {
  return median_of(runs, [&] {
    auto queue = make();
    return static_cast<double>(n) / benchkit::spsc_seconds(*queue, n) / 1e6;
  });
}

template <class MakeQueue>
double one_way_ns(int runs, std::uint64_t n, MakeQueue make) {
  return median_of(runs, [&] {
    auto there = make();
    auto back = make();
    return benchkit::round_trip_ns(*there, *back, n) / 2;
  });
}

}  // namespace

int tour_channels(const TourOptions& options) {
  const int runs = options.quick ? 3 : 5;
  // --quick is the CI smoke run (also under sanitizers): small counts.
  const std::uint64_t n = options.quick ? 400'000 : 10'000'000;
  const std::uint64_t pings = options.quick ? 4'000 : 100'000;
  const std::uint64_t handoffs = options.quick ? 4'000 : 100'000;
  const std::size_t pipeline_items = options.quick ? 60 : 400;
  using benchkit::ChannelQueue;
  using benchkit::SpscChannelQueue;
  using benchkit::SpscRingQueue;

  Progress progress("channels", 9);
  progress.step("SPSC ring, indices on their own cache lines");
  const double ring_padded = spsc_mmsgs(runs, n, [] { return std::make_unique<SpscRingQueue<RingLayout::padded>>(1024); });
  progress.step("SPSC ring, indices sharing one cache line");
  const double ring_packed = spsc_mmsgs(runs, n, [] { return std::make_unique<SpscRingQueue<RingLayout::packed>>(1024); });
  progress.step("blocking SPSC channel (spin, then park)");
  const double spsc_channel = spsc_mmsgs(runs, n / 4, [] {
    return std::make_unique<SpscChannelQueue>(1024, WaitStrategy::spin_then_park);
  });
  progress.step("MPMC Channel, capacity 1024");
  const double channel = spsc_mmsgs(runs, n / 10, [] { return std::make_unique<ChannelQueue>(1024); });
  progress.step("ping-pong over SPSC rings");
  const double ring_latency = one_way_ns(runs, pings * 10, [] { return std::make_unique<SpscRingQueue<>>(64); });
  progress.step("rendezvous Channel(0) hand-offs");
  const double rendezvous = median_of(runs, [&] {
    ChannelQueue queue(0);
    return benchkit::spsc_seconds(queue, handoffs) * 1e9 / static_cast<double>(handoffs);
  });
  progress.step("raw mutex+condvar hand-offs (baseline)");
  const double raw_handoff = median_of(runs, [&] {
    benchkit::MutexCondvarRendezvous queue;
    return benchkit::spsc_seconds(queue, handoffs) * 1e9 / static_cast<double>(handoffs);
  });

  struct PipelineRow {
    const char* name;
    double low, high;
    std::array<double, 3> fraction{};
    double bound = 0;
  };
  std::array<PipelineRow, 2> cases{{{"(a) jitter, work fits T", 0.7, 1.0}, {"(b) work often past T", 0.2, 1.8}}};
  const std::array<std::size_t, 3> capacities{0, 1, 8};
  for (std::size_t c = 0; c < cases.size(); ++c) {
    progress.step(fmt::format("pipeline of {} stages, case {}", benchkit::pipeline_stages, c == 0 ? "a" : "b"));
    for (std::size_t k = 0; k < capacities.size(); ++k) {
      benchkit::PipelineCase pc;
      pc.capacity = capacities[k];
      pc.low = cases[c].low;
      pc.high = cases[c].high;
      pc.items = pipeline_items;
      const auto result = benchkit::run_pipeline(pc);
      cases[c].fraction[k] = result.fraction();
      cases[c].bound = result.bound_per_s;
    }
  }
  progress.done();

  fmt::print("8-byte messages, one producer thread and one consumer thread (median of {} runs):\n", runs);
  fmt::print("  {:<46} {:>10.1f} M msgs/s\n", "SpscRing, padded indices", ring_padded);
  fmt::print("  {:<46} {:>10.1f} M msgs/s   (padded / packed = {:.2f}x)\n",
             "SpscRing, indices on one line (false sharing)", ring_packed, ring_padded / ring_packed);
  fmt::print("  {:<46} {:>10.1f} M msgs/s\n", "SpscChannel (blocking, spin then park)", spsc_channel);
  fmt::print("  {:<46} {:>10.1f} M msgs/s\n", "Channel(1024) (MPMC, mutex)", channel);
  fmt::print("  {:<46} {:>10.0f} ns one way (ping-pong / 2)\n", "SpscRing ping-pong", ring_latency);
  fmt::print("  {:<46} {:>10.0f} ns per hand-off\n", "Channel(0) rendezvous", rendezvous);
  fmt::print("  {:<46} {:>10.0f} ns per hand-off   (Channel(0) takes {:.2f}x this time)\n",
             "raw mutex+condvar rendezvous", raw_handoff, rendezvous / raw_handoff);
  fmt::print("pipeline of {} stages (T = 1 ms), throughput as a fraction of 1/max(t_i):\n", benchkit::pipeline_stages);
  fmt::print("  {:<28} {:>10} {:>10} {:>10}   1/max(t_i)\n", "case", "cap 0", "cap 1", "cap 8");
  for (const auto& row : cases) {
    fmt::print("  {:<28} {:>9.1f}% {:>9.1f}% {:>9.1f}%   {:.0f}/s\n", row.name, 100 * row.fraction[0],
               100 * row.fraction[1], 100 * row.fraction[2], row.bound);
  }
  return 0;
}

}  // namespace missive::cli
