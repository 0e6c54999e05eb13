// median_reporter.hpp - what every benchmark binary in bench/ shares: the
// registration of a manual-time benchmark repeated for a median, and a console
// reporter that keeps the median of each benchmark's "value" counter so the
// binary can close with a table of ratios against the baselines of the run.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace benchkit {

// Registers `fn` under `name`: manual time, `iterations` per repetition,
// `repetitions` repetitions, aggregates (mean, median, stddev, cv) only.
template <class Fn>
void add_repeated(const std::string& name, Fn fn, int iterations, int repetitions) {
  benchmark::RegisterBenchmark(name.c_str(), fn)
      ->UseManualTime()
      ->Iterations(iterations)
      ->Repetitions(repetitions)
      ->ReportAggregatesOnly(true)
      ->Unit(benchmark::kMillisecond);
}

// Console output, plus the median of counter "value" per benchmark name.
class MedianReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median") {
        medians_[run.run_name.function_name] = run.counters.at("value").value;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  // The median of `name`'s "value" counter; 0 when it did not run.
  [[nodiscard]] double median(const std::string& name) const {
    auto it = medians_.find(name);
    return it == medians_.end() ? 0.0 : it->second;
  }
  [[nodiscard]] const std::map<std::string, double>& medians() const { return medians_; }

 private:
  std::map<std::string, double> medians_;
};

}  // namespace benchkit
