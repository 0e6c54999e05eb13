// deadlock_bench - the cost of the wait-for graph: registering an ordinary
// call's edge, and detecting the cycle a closing edge makes. Every benchmark
// repeats 5 times and reports the median; a table against the cost of timeouts
// alone (k x tau) closes the output.
//
//   build/release/bench/deadlock_bench
//   build/release/bench/deadlock_bench --benchmark_filter=detect
//
// Method. Each graph holds a ring s0 -> s1 -> ... -> s(k-1) missing its last
// edge, plus background edges until it holds `edges` edges in all: a random
// DAG over background services b0, b1, ..., where every ring service also
// calls into the background, so that a search from any ring service reaches
// (nearly) the whole graph - the worst case for the depth-first search.
//
//   register/<edges>      add_edge + remove_edge of an ordinary call: a new
//                         client calls s0 (no cycle; the search from s0 walks
//                         what s0 reaches) and the call ends. This is the
//                         graph's share of every call's overhead.
//   detect/k<k>/<edges>   add_edge of the edge s(k-1) -> s0 that closes the
//                         ring: search, report and refusal (the graph keeps
//                         nothing, so the same add repeats).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "missive/service/wait_for_graph.hpp"

namespace {

using missive::service::WaitForGraph;

std::string numbered(const char* prefix, std::size_t n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

// The ring of k services without its closing edge, plus background edges up
// to `edges` edges in all (see Method).
void build_graph(WaitForGraph& graph, std::size_t k, std::size_t edges) {
  std::mt19937_64 rng(42);
  std::uint64_t id = 1;
  std::size_t count = 0;
  for (std::size_t i = 0; i + 1 < k; ++i, ++count) {
    (void)graph.add_edge(numbered("s", i), numbered("s", i + 1), id++);
  }
  const std::size_t background = std::max<std::size_t>(2, edges / 2);
  for (std::size_t i = 0; i < k && count < edges; ++i, ++count) {
    (void)graph.add_edge(numbered("s", i), numbered("b", rng() % background), id++);
  }
  while (count < edges) {
    const std::size_t from = rng() % (background - 1);
    const std::size_t to = from + 1 + rng() % (background - 1 - from);
    if (graph.add_edge(numbered("b", from), numbered("b", to), id++)) ++count;
  }
}

void register_call(benchmark::State& state) {
  const auto edges = static_cast<std::size_t>(state.range(0));
  WaitForGraph graph;
  build_graph(graph, 8, edges);
  const std::string client = "client";
  std::uint64_t id = 1'000'000;
  for (auto _ : state) {
    const auto added = graph.add_edge(client, "s0", id);
    benchmark::DoNotOptimize(added);
    (void)graph.remove_edge(client, id);
    ++id;
  }
}

void detect(benchmark::State& state) {
  const auto k = static_cast<std::size_t>(state.range(0));
  const auto edges = static_cast<std::size_t>(state.range(1));
  WaitForGraph graph;
  build_graph(graph, k, edges);
  const std::string closer = numbered("s", k - 1);
  bool found = true;
  for (auto _ : state) {
    const auto added = graph.add_edge(closer, "s0", 999'999'999);
    found = found && added && added->deadlock && added->deadlock->edges.size() == k;
    benchmark::DoNotOptimize(added);
  }
  if (!found) state.SkipWithError("the closing edge was not reported as a cycle of k");
}

// "a/b", by appending (g++ 12 raises a false -Wrestrict on `a + "/" + b`).
std::string joined(const std::string& a, const std::string& b) {
  std::string out = a;
  out += '/';
  out += b;
  return out;
}

// Keeps the median time per iteration of each benchmark for the closing table.
class MedianTable : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median") {
        median_ns_[joined(run.run_name.function_name, run.run_name.args)] =
            run.GetAdjustedCPUTime();  // CPU time (the machine is shared), in ns
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void print_tables() const {
    std::printf("\nDetection latency (graph side: search + report), median CPU time, against timeouts alone\n");
    std::printf("%-4s %12s %12s %12s %22s\n", "k", "10 edges", "100 edges", "1000 edges", "k x tau (tau = 100 ms)");
    for (int k = 2; k <= 8; ++k) {
      std::printf("%-4d", k);
      for (int edges : {10, 100, 1000}) {
        std::printf(" %9.2f us", median("detect", joined(std::to_string(k), std::to_string(edges))) / 1000.0);
      }
      std::printf(" %19d ms\n", k * 100);
    }
    std::printf("\nRegistration of an ordinary call (add_edge + remove_edge), median CPU time\n");
    for (int edges : {10, 100, 1000}) {
      const double ns = median("register", std::to_string(edges));
      std::printf("  %5d edges: %8.0f ns = %5.2f%% of a 44 us unix round trip (DESIGN.md: 2 x 21.8 us)\n", edges, ns,
                  ns / 44'000.0 * 100.0);
    }
  }

 private:
  [[nodiscard]] double median(const std::string& name, const std::string& args) const {
    const auto it = median_ns_.find(joined(name, args));
    return it == median_ns_.end() ? 0.0 : it->second;
  }
  std::map<std::string, double> median_ns_;
};

void register_all() {
  auto* reg = benchmark::RegisterBenchmark("register", register_call);
  for (int edges : {10, 100, 1000}) reg->Arg(edges);
  reg->Repetitions(5)->ReportAggregatesOnly(true)->Unit(benchmark::kNanosecond);
  auto* det = benchmark::RegisterBenchmark("detect", detect);
  for (int k = 2; k <= 8; ++k) {
    for (int edges : {10, 100, 1000}) det->Args({k, edges});
  }
  det->Repetitions(5)->ReportAggregatesOnly(true)->Unit(benchmark::kNanosecond);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  MedianTable reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_tables();
  benchmark::Shutdown();
  return 0;
}
