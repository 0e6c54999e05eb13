// sched_bench - fair queues on one saturated server, and the cost of a
// scheduling decision. Every benchmark repeats 5 times and reports the
// median; tables of per-flow rates, Jain's fairness index and ratios close
// the output.
//
//   build/release/bench/sched_bench
//   build/release/bench/sched_bench --benchmark_filter=decisions
//
// Method. The server is one thread that loops: dequeue() the next message,
// then "serve" it by copying its `bytes` from a source buffer into a sink
// buffer (memcpy, so service time grows with size as it would for a server
// that reads or checksums the payload), then top the served flow up with new
// messages. Flows are saturated: each keeps at least two of the largest
// messages' worth of bytes queued, so none ever runs dry, not even in the fluid
// reference (a flow with a shallower queue is not entitled to its share while
// a large message is served; see docs/fairness.md). Rates are messages and
// bytes per second of wall time over the whole run; Jain's index is taken over
// the per-flow message rates and over the per-flow byte rates.
//
//   two_flows/<mode>/<algorithm>   a 64 B flow and a 64 KiB flow
//   mix_100/<mode>/<algorithm>     100 flows, mean sizes log-uniform in
//                                  [64 B, 64 KiB], each message +-50% around
//                                  its flow's mean
//   decisions/<algorithm>          1000 backlogged flows, equal_messages, each
//                                  flow with its own message size (log-uniform
//                                  in [64 B, 64 KiB]), 4 messages queued; no
//                                  service work: each decision is a dequeue
//                                  plus the enqueue of a new message to the
//                                  same flow; clock read once per 1024
//                                  decisions (passed as `now`)
//   decisions_clock/<algorithm>    the same with the overloads that read the
//                                  clock on every call
//   decisions_churn/<algorithm>    the same, but every message draws a new
//                                  random size, so a flow's 4 queued messages
//                                  rarely outlast the others' in the fluid
//                                  reference: flows leave and re-enter it on
//                                  most decisions (the worst case for wfq's
//                                  exact virtual time)
//   drain/<algorithm>              decisions alone: 1000 flows with 64 messages
//                                  each (own size per flow), then dequeue all
//                                  64,000 (all 1000 flows stay backlogged for
//                                  all but the last few rounds)
//   decisions/fifo                 baseline: one std::deque, push + pop
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "missive/sched/fair_queue.hpp"
#include "missive/sched/jain.hpp"

namespace {

using missive::Clock;
using missive::sched::Algorithm;
using missive::sched::FairnessMode;
using missive::sched::FairQueue;
using missive::sched::FairQueueOptions;
using missive::sched::FlowId;

constexpr int repetitions = 5;
constexpr std::size_t max_message = std::size_t{96} * 1024;  // largest message of any workload

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A saturated server run: the per-flow counts and the wall time.
struct ServerRun {
  std::vector<double> messages;
  std::vector<double> bytes;
  double seconds = 0;
};

// Serves until `total_bytes` have been served. size_of(flow_index) draws the
// size of a flow's next message.
template <class SizeOf>
ServerRun serve_saturated(const FairQueueOptions& options, std::size_t flows, double total_bytes, SizeOf size_of) {
  auto q = FairQueue<std::uint32_t>::create(options).value();
  std::vector<char> source(max_message, 'x');
  std::vector<char> sink(max_message);
  std::vector<double> queued(flows, 0.0);
  const double reserve = 2.0 * static_cast<double>(max_message);
  auto top_up = [&](std::uint32_t i) {
    while (queued[i] < reserve) {
      const std::size_t size = size_of(i);
      if (!q.enqueue(FlowId{i}, std::uint32_t{i}, size)) std::abort();
      queued[i] += static_cast<double>(size);
    }
  };
  for (std::uint32_t i = 0; i < flows; ++i) top_up(i);

  ServerRun run{std::vector<double>(flows, 0.0), std::vector<double>(flows, 0.0), 0};
  double served = 0;
  const auto start = Clock::now();
  while (served < total_bytes) {
    auto m = q.dequeue();
    if (!m) std::abort();
    std::memcpy(sink.data(), source.data(), m->bytes);  // the service
    benchmark::ClobberMemory();
    const std::uint32_t i = m->item;
    const auto b = static_cast<double>(m->bytes);
    run.messages[i] += 1;
    run.bytes[i] += b;
    queued[i] -= b;
    served += b;
    top_up(i);
  }
  run.seconds = seconds_since(start);
  return run;
}

std::vector<double> per_second(const std::vector<double>& counts, double seconds) {
  std::vector<double> rates;
  rates.reserve(counts.size());
  for (const double c : counts) rates.push_back(c / seconds);
  return rates;
}

FairQueueOptions make_options(Algorithm algorithm, FairnessMode mode) {
  FairQueueOptions o;
  o.algorithm = algorithm;
  o.mode = mode;
  return o;
}

// (1) A 64 B flow against a 64 KiB flow.
void two_flows(benchmark::State& state, Algorithm algorithm, FairnessMode mode) {
  std::vector<double> counter_sums(6, 0.0);
  int runs = 0;
  for (auto _ : state) {
    const auto run = serve_saturated(make_options(algorithm, mode), 2, 512.0 * 1024 * 1024,
                                     [](std::uint32_t i) { return i == 0 ? std::size_t{64} : std::size_t{65536}; });
    state.SetIterationTime(run.seconds);
    const auto msg_rates = per_second(run.messages, run.seconds);
    const auto byte_rates = per_second(run.bytes, run.seconds);
    counter_sums[0] += msg_rates[0];
    counter_sums[1] += msg_rates[1];
    counter_sums[2] += byte_rates[0];
    counter_sums[3] += byte_rates[1];
    counter_sums[4] += missive::sched::jain_index(msg_rates);
    counter_sums[5] += missive::sched::jain_index(byte_rates);
    ++runs;
  }
  const auto n = static_cast<double>(runs);
  state.counters["small_msgs_per_s"] = counter_sums[0] / n;
  state.counters["large_msgs_per_s"] = counter_sums[1] / n;
  state.counters["small_bytes_per_s"] = counter_sums[2] / n;
  state.counters["large_bytes_per_s"] = counter_sums[3] / n;
  state.counters["jain_msgs"] = counter_sums[4] / n;
  state.counters["jain_bytes"] = counter_sums[5] / n;
}

// (2) 100 flows with random sizes.
void mix_100(benchmark::State& state, Algorithm algorithm, FairnessMode mode) {
  std::mt19937_64 setup(42);
  std::uniform_real_distribution<double> exponent(6, 16);
  std::vector<double> mean(100);
  for (double& m : mean) m = std::exp2(exponent(setup));
  double jain_msgs = 0;
  double jain_bytes = 0;
  double msgs_per_s = 0;
  int runs = 0;
  for (auto _ : state) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(runs) + 1);
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    const auto run = serve_saturated(make_options(algorithm, mode), mean.size(), 1024.0 * 1024 * 1024,
                                     [&](std::uint32_t i) { return static_cast<std::size_t>(mean[i] * jitter(rng)); });
    state.SetIterationTime(run.seconds);
    jain_msgs += missive::sched::jain_index(per_second(run.messages, run.seconds));
    jain_bytes += missive::sched::jain_index(per_second(run.bytes, run.seconds));
    double total = 0;
    for (const double m : run.messages) total += m;
    msgs_per_s += total / run.seconds;
    ++runs;
  }
  const auto n = static_cast<double>(runs);
  state.counters["jain_msgs"] = jain_msgs / n;
  state.counters["jain_bytes"] = jain_bytes / n;
  state.counters["msgs_per_s"] = msgs_per_s / n;
}

// (3) Scheduling decisions per second with 1000 backlogged flows.
constexpr std::uint32_t decision_flows = 1000;
constexpr std::uint64_t decisions_per_run = 4'000'000;

std::vector<std::size_t> size_table() {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> exponent(6, 16);
  std::vector<std::size_t> sizes(4096);
  for (auto& s : sizes) s = static_cast<std::size_t>(std::exp2(exponent(rng)));
  return sizes;
}

enum class Sizes { per_flow, per_message };

void decisions(benchmark::State& state, Algorithm algorithm, bool clock_per_call, Sizes sizing) {
  const auto sizes = size_table();
  // per_flow: flow f always sends sizes[f]; per_message: a fresh size each time.
  std::size_t k = 0;
  auto next_size = [&](std::uint32_t flow) { return sizing == Sizes::per_flow ? sizes[flow] : sizes[k++ & 4095]; };
  double rate = 0;
  int runs = 0;
  for (auto _ : state) {
    auto q = FairQueue<std::uint32_t>::create(make_options(algorithm, FairnessMode::equal_messages)).value();
    for (int depth = 0; depth < 4; ++depth) {
      for (std::uint32_t f = 0; f < decision_flows; ++f) {
        if (!q.enqueue(FlowId{f}, std::uint32_t{f}, next_size(f))) std::abort();
      }
    }
    const auto start = Clock::now();
    if (clock_per_call) {
      for (std::uint64_t d = 0; d < decisions_per_run; ++d) {
        auto m = q.dequeue();
        if (!m || !q.enqueue(m->flow, m->item, next_size(m->item))) std::abort();
      }
    } else {
      Clock::time_point now = Clock::now();
      for (std::uint64_t d = 0; d < decisions_per_run; ++d) {
        if ((d & 1023) == 0) now = Clock::now();
        auto m = q.dequeue(now);
        if (!m || !q.enqueue(m->flow, m->item, next_size(m->item), now)) std::abort();
      }
    }
    const double s = seconds_since(start);
    benchmark::DoNotOptimize(q.totals().decisions);
    state.SetIterationTime(s);
    rate += static_cast<double>(decisions_per_run) / s;
    ++runs;
  }
  state.counters["value"] = rate / runs;
}

void drain(benchmark::State& state, Algorithm algorithm) {
  const auto sizes = size_table();
  constexpr std::uint32_t per_flow = 64;
  double rate = 0;
  int runs = 0;
  for (auto _ : state) {
    double seconds = 0;
    std::uint64_t taken = 0;
    // Several drains per repetition, so that one run lasts long enough to time.
    for (int round = 0; round < 20; ++round) {
      auto q = FairQueue<std::uint32_t>::create(make_options(algorithm, FairnessMode::equal_messages)).value();
      const auto now = Clock::now();
      for (std::uint32_t d = 0; d < per_flow; ++d) {
        for (std::uint32_t f = 0; f < decision_flows; ++f) {
          if (!q.enqueue(FlowId{f}, std::uint32_t{f}, sizes[f], now)) std::abort();
        }
      }
      const auto start = Clock::now();
      while (auto m = q.dequeue(now)) benchmark::DoNotOptimize(m->item);
      seconds += seconds_since(start);
      taken += q.totals().decisions;
    }
    state.SetIterationTime(seconds);
    rate += static_cast<double>(taken) / seconds;
    ++runs;
  }
  state.counters["value"] = rate / runs;
}

void fifo_decisions(benchmark::State& state) {
  const auto sizes = size_table();
  double rate = 0;
  int runs = 0;
  struct Message {
    std::uint32_t flow;
    std::size_t bytes;
  };
  for (auto _ : state) {
    std::deque<Message> fifo;
    std::size_t k = 0;
    for (std::uint32_t f = 0; f < 4 * decision_flows; ++f) fifo.push_back({f % decision_flows, sizes[k++ & 4095]});
    const auto start = Clock::now();
    for (std::uint64_t d = 0; d < decisions_per_run; ++d) {
      const Message m = fifo.front();
      fifo.pop_front();
      fifo.push_back({m.flow, sizes[k++ & 4095]});
    }
    const double s = seconds_since(start);
    benchmark::DoNotOptimize(fifo.front());
    state.SetIterationTime(s);
    rate += static_cast<double>(decisions_per_run) / s;
    ++runs;
  }
  state.counters["value"] = rate / runs;
}

template <class Fn>
void add(const std::string& name, Fn fn) {
  benchmark::RegisterBenchmark(name.c_str(), fn)
      ->UseManualTime()
      ->Iterations(1)
      ->Repetitions(repetitions)
      ->ReportAggregatesOnly(true)
      ->Unit(benchmark::kMillisecond);
}

constexpr Algorithm algorithms[] = {Algorithm::wfq, Algorithm::wf2q, Algorithm::drr};
constexpr FairnessMode modes[] = {FairnessMode::equal_messages, FairnessMode::equal_bytes};

std::string str(std::string_view s) { return std::string(s); }

void register_all() {
  for (const FairnessMode mode : modes) {
    for (const Algorithm algorithm : algorithms) {
      add("two_flows/" + str(name(mode)) + "/" + str(name(algorithm)),
          [=](benchmark::State& s) { two_flows(s, algorithm, mode); });
    }
  }
  for (const FairnessMode mode : modes) {
    for (const Algorithm algorithm : algorithms) {
      add("mix_100/" + str(name(mode)) + "/" + str(name(algorithm)),
          [=](benchmark::State& s) { mix_100(s, algorithm, mode); });
    }
  }
  for (const Algorithm algorithm : algorithms) {
    add("decisions/" + str(name(algorithm)),
        [=](benchmark::State& s) { decisions(s, algorithm, false, Sizes::per_flow); });
  }
  for (const Algorithm algorithm : algorithms) {
    add("decisions_clock/" + str(name(algorithm)),
        [=](benchmark::State& s) { decisions(s, algorithm, true, Sizes::per_flow); });
  }
  for (const Algorithm algorithm : algorithms) {
    add("decisions_churn/" + str(name(algorithm)),
        [=](benchmark::State& s) { decisions(s, algorithm, false, Sizes::per_message); });
  }
  for (const Algorithm algorithm : algorithms) {
    add("drain/" + str(name(algorithm)), [=](benchmark::State& s) { drain(s, algorithm); });
  }
  add("decisions/fifo", fifo_decisions);
}

// Console output, then the medians as tables.
class FairnessReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median") {
        auto& row = medians_[run.run_name.function_name];
        for (const auto& [key, counter] : run.counters) row[key] = counter.value;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void print_tables() const {
    std::printf("\nmedians of %d repetitions\n", repetitions);
    std::printf("\n(1) 64 B flow vs 64 KiB flow, saturated server (memcpy service)\n");
    std::printf("  %-34s %12s %12s %10s %10s %9s %9s %12s\n", "mode/algorithm", "64B msg/s", "64KiB msg/s",
                "64B MB/s", "64KiB MB/s", "Jain msg", "Jain B", "msg ratio");
    for (const FairnessMode mode : modes) {
      for (const Algorithm algorithm : algorithms) {
        const auto* row = find("two_flows/" + str(name(mode)) + "/" + str(name(algorithm)));
        if (row == nullptr) continue;
        std::printf("  %-34s %12.0f %12.0f %10.1f %10.1f %9.4f %9.4f %11.1fx\n",
                    (str(name(mode)) + "/" + str(name(algorithm))).c_str(), at(*row, "small_msgs_per_s"),
                    at(*row, "large_msgs_per_s"), at(*row, "small_bytes_per_s") / 1e6,
                    at(*row, "large_bytes_per_s") / 1e6, at(*row, "jain_msgs"), at(*row, "jain_bytes"),
                    at(*row, "small_msgs_per_s") / at(*row, "large_msgs_per_s"));
      }
    }
    std::printf("  (msg ratio: 64 B messages served per 64 KiB message; goals: Jain msg >= 0.99 in\n"
                "   equal_messages, Jain B >= 0.99 in equal_bytes)\n");

    std::printf("\n(2) 100 flows, random sizes 64 B .. 64 KiB, saturated server\n");
    std::printf("  %-34s %10s %10s %14s\n", "mode/algorithm", "Jain msg", "Jain B", "total msg/s");
    for (const FairnessMode mode : modes) {
      for (const Algorithm algorithm : algorithms) {
        const auto* row = find("mix_100/" + str(name(mode)) + "/" + str(name(algorithm)));
        if (row == nullptr) continue;
        std::printf("  %-34s %10.4f %10.4f %14.0f\n", (str(name(mode)) + "/" + str(name(algorithm))).c_str(),
                    at(*row, "jain_msgs"), at(*row, "jain_bytes"), at(*row, "msgs_per_s"));
      }
    }

    std::printf("\n(3) scheduling decisions per second, 1000 backlogged flows\n"
                "    (decisions*: dequeue + enqueue; drain: dequeue only)\n");
    const auto* fifo = find("decisions/fifo");
    const double base = fifo != nullptr ? at(*fifo, "value") : 0;
    for (const char* group : {"decisions/", "decisions_clock/", "decisions_churn/", "drain/"}) {
      for (const Algorithm algorithm : algorithms) {
        const auto* row = find(group + str(name(algorithm)));
        if (row == nullptr) continue;
        const double v = at(*row, "value");
        std::printf("  %-34s %8.1f M/s  %5.0f ns  %s\n", (group + str(name(algorithm))).c_str(), v / 1e6, 1e9 / v,
                    v >= 20e6 ? "(goal 20 M/s met)" : "(below the 20 M/s goal)");
      }
    }
    if (fifo != nullptr) {
      std::printf("  %-34s %8.1f M/s  %5.0f ns  (baseline: std::deque, no fairness)\n", "decisions/fifo", base / 1e6,
                  1e9 / base);
    }
  }

 private:
  using Row = std::map<std::string, double>;
  [[nodiscard]] const Row* find(const std::string& name) const {
    const auto it = medians_.find(name);
    return it == medians_.end() ? nullptr : &it->second;
  }
  [[nodiscard]] static double at(const Row& row, const std::string& key) {
    const auto it = row.find(key);
    return it == row.end() ? 0.0 : it->second;
  }

  std::map<std::string, Row> medians_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  FairnessReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_tables();
  benchmark::Shutdown();
  return 0;
}
