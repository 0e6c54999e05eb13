// deadlock_e2e_bench - deadlock detection across processes, end to end, and
// what wait registration costs an ordinary service-to-service call. Every
// benchmark repeats 5 times; the closing tables print medians of the
// repetitions' medians, with the load average before and after.
//
//   build/release/bench/deadlock_e2e_bench
//   build/release/bench/deadlock_e2e_bench --benchmark_filter=detect/lazy
//
// Method. In-process Hosts run missive-echod services over unix sockets,
// each serving one request at a time (fair queue, one worker), as in
// tests/service/deadlock_host_test.cpp.
//
//   detect/<mode>/k<k>  One iteration: this process calls s0.relay with the
//                       path s1 ... s(k-1) s0, a ring of k waits. The call the
//                       host refuses measures, in its own process, the time
//                       from its start to the `deadlock` answer and puts it in
//                       the error's detail ("detected N us after the call
//                       started"); `detect_us` is the median of that over the
//                       iterations. `ring_us`: this process's whole call (the
//                       k hops out, detection, the k error replies back).
//                       Between iterations the host's graph drains (untimed).
//                       <mode>: lazy (grace 200 us, the default) or eager.
//   call_overhead       One iteration: s0.relay(s1) on the lazy host's
//                       processes with s0's call to s1 registering off / lazy /
//                       eager / lazy with a 1 s grace (a control: the lazy code
//                       path, its first wait as long as off's), chosen per
//                       request (echod relay tags 3 and 4) and interleaved call
//                       by call, plus s1.echo (one unix call round trip). Medians per repetition, in ns. The
//                       nested call s0 -> s1 is the ordinary service-to-service
//                       call whose registration is being paid for.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "missive/service/host.hpp"
#include "missive/service/service_client.hpp"
#include "missive/wire/message.hpp"

namespace {

using namespace missive;
using namespace std::chrono_literals;

constexpr int repetitions = 5;
constexpr int max_ring = 8;
constexpr auto tau = 100ms;  // the deadline of each call, in the "timeouts alone" column

std::string numbered(const char* prefix, int n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string line;
  std::getline(in, line);
  return line;
}

double median_of(std::vector<double> values) {
  if (values.empty()) return 0.0;
  const auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  return *mid;
}

// A host of `services` echod processes whose calls register as `mode` says
// (the services inherit MISSIVE_DEADLOCK_REGISTRATION at spawn).
struct BenchHost {
  std::string address;
  std::unique_ptr<service::Host> host;
};

BenchHost start_host(const char* mode, int services) {
  static int counter = 0;
  BenchHost out;
  out.address = "unix:@missive-deadlock-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  std::string text = "[host]\naddress = \"" + out.address + "\"\n";
  for (int i = 0; i < services; ++i) {
    text += "[[service]]\nname = \"" + numbered("s", i) + "\"\ncommand = \"" + ECHOD_PATH +
            "\"\nfairness = \"equal_messages\"\nworkers = 1\ntransport = \"unix\"\n";
  }
  service::CallResult<service::Manifest> manifest = service::parse_manifest(text);
  if (!manifest) {
    std::fprintf(stderr, "manifest: %s\n", manifest.error().message().c_str());
    return out;
  }
  ::setenv("MISSIVE_DEADLOCK_REGISTRATION", mode, 1);
  service::HostOptions options;
  options.manifest = std::move(*manifest);
  auto host = service::Host::start(std::move(options));
  if (!host) {
    std::fprintf(stderr, "host: %s\n", host.error().message().c_str());
    return out;
  }
  bool all_up = true;
  for (int i = 0; i < services; ++i) all_up = all_up && (*host)->wait_running(numbered("s", i), Deadline::after(10s));
  ::unsetenv("MISSIVE_DEADLOCK_REGISTRATION");  // spawned: the services have their copies
  if (all_up) out.host = std::move(*host);
  return out;
}

std::map<std::string, BenchHost>& hosts() {
  static std::map<std::string, BenchHost> all;
  return all;
}

service::Bytes relay_body(const std::vector<std::string>& rest) {
  RecordWriter body;
  for (const std::string& name : rest) body.add_string(1, name);
  body.add_u64(2, 0);
  return std::move(body).take();
}

// "...; detected 412 us after the call started" -> 412; -1 when absent.
double detected_us(const std::string& detail) {
  const std::string marker = "detected ";
  const auto at = detail.rfind(marker);
  if (at == std::string::npos) return -1.0;
  return std::strtod(detail.c_str() + at + marker.size(), nullptr);
}

void detect(benchmark::State& state, const std::string& mode, int k) {
  BenchHost& bench_host = hosts().at(mode);
  if (!bench_host.host) {
    state.SkipWithError("the host did not start");
    return;
  }
  std::vector<std::string> rest;
  for (int i = 1; i < k; ++i) rest.push_back(numbered("s", i));
  rest.emplace_back("s0");  // back to the start: a ring of k waits
  const service::Bytes body = relay_body(rest);
  service::ServiceClient client("s0", {.host_address = bench_host.address});
  std::vector<double> detect_samples;
  std::vector<double> ring_samples;
  for (auto _ : state) {
    const auto start = Clock::now();
    service::CallResult<service::Bytes> reply = client.call("relay", body, Deadline::after(10s));
    const auto took = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    if (reply || reply.error() != Errc::deadlock) {
      state.SkipWithError(reply ? "the ring was not refused" : reply.error().message().c_str());
      return;
    }
    const double us = detected_us(reply.error().detail);
    if (us < 0) {
      state.SkipWithError("the deadlock error carries no detection time");
      return;
    }
    detect_samples.push_back(us);
    ring_samples.push_back(took);
    state.PauseTiming();
    for (int i = 0; i < 1000 && bench_host.host->wait_stats().edges != 0; ++i) std::this_thread::sleep_for(100us);
    std::this_thread::sleep_for(1ms);  // the abandoned request at s0 is served and its late reply dropped
    state.ResumeTiming();
  }
  state.counters["detect_us"] = median_of(detect_samples);
  state.counters["ring_us"] = median_of(ring_samples);
}

// s0.relay(s1) with s0's call to s1 registering as `mode` says, grace `grace_us`.
service::Bytes overhead_body(const char* mode, std::uint64_t grace_us) {
  RecordWriter body;
  body.add_string(1, "s1").add_u64(2, 0).add_string(3, mode).add_u64(4, grace_us);
  return std::move(body).take();
}

void call_overhead(benchmark::State& state) {
  BenchHost& bench_host = hosts().at("lazy");
  if (!bench_host.host) {
    state.SkipWithError("the host did not start");
    return;
  }
  // The same processes and client for every mode: only s0's nested call differs.
  const service::Bytes bodies[] = {overhead_body("off", 200), overhead_body("lazy", 200), overhead_body("eager", 200),
                                   overhead_body("lazy", 1'000'000), overhead_body("lazy", 2'000)};
  service::ServiceClient relay("s0", {.host_address = bench_host.address});
  service::ServiceClient echo("s1", {.host_address = bench_host.address});
  const service::Bytes ping(64, std::byte{7});
  constexpr std::size_t kinds = 6;  // the five relays, then the echo
  std::vector<std::vector<double>> samples(kinds);
  std::size_t turn = 0;
  auto timed = [](auto&& fn) {
    const auto start = Clock::now();
    const bool ok = fn();
    return ok ? std::chrono::duration<double, std::nano>(Clock::now() - start).count() : -1.0;
  };
  // Warm-up: s0 connects to s1 once per mode.
  for (const service::Bytes& body : bodies) (void)relay.call("relay", body, Deadline::after(1s));
  const std::uint64_t registered_before = bench_host.host->wait_stats().registrations;
  for (auto _ : state) {
    for (std::size_t j = 0; j < kinds; ++j) {
      const std::size_t which = (turn + j) % kinds;  // rotate who goes first
      const double ns = which < kinds - 1
                            ? timed([&] { return static_cast<bool>(relay.call("relay", bodies[which], Deadline::after(1s))); })
                            : timed([&] { return static_cast<bool>(echo.call("echo", ping, Deadline::after(1s))); });
      if (ns < 0) {
        state.SkipWithError("a call failed");
        return;
      }
      samples[which].push_back(ns);
    }
    ++turn;
  }
  const auto calls = static_cast<double>(std::max<std::size_t>(1, samples[0].size()));
  state.counters["off_ns"] = median_of(samples[0]);
  state.counters["lazy_ns"] = median_of(samples[1]);
  state.counters["eager_ns"] = median_of(samples[2]);
  state.counters["lazy_1s_ns"] = median_of(samples[3]);
  state.counters["lazy_2ms_ns"] = median_of(samples[4]);
  state.counters["echo_ns"] = median_of(samples[5]);
  // Host registrations beyond eager's one per call: the lazy calls that outlasted their grace.
  state.counters["lazy_registrations_per_call"] =
      (static_cast<double>(bench_host.host->wait_stats().registrations - registered_before) - calls) / calls;
}

// Keeps the median aggregate of every counter, by "benchmark/counter".
class CounterMedians : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.run_type != Run::RT_Aggregate || run.aggregate_name != "median") continue;
      for (const auto& [name, counter] : run.counters) medians_[run.run_name.function_name + "/" + name] = counter.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  [[nodiscard]] double get(const std::string& key) const {
    const auto it = medians_.find(key);
    return it == medians_.end() ? 0.0 : it->second;
  }

 private:
  std::map<std::string, double> medians_;
};

void print_tables(const CounterMedians& m) {
  std::printf("\nEnd-to-end detection: the refused call's start to its `deadlock` error (median of medians, us),\n"
              "against timeouts alone (each of the k waits ends at its deadline tau = %lld ms)\n",
              static_cast<long long>(tau.count()));
  std::printf("%-3s %14s %14s %14s %16s %12s\n", "k", "lazy detect", "eager detect", "lazy ring", "k x tau", "tau/lazy");
  for (int k = 2; k <= max_ring; ++k) {
    const std::string suffix = "/k" + std::to_string(k);
    const double lazy = m.get("detect/lazy" + suffix + "/detect_us");
    const double eager = m.get("detect/eager" + suffix + "/detect_us");
    const double ring = m.get("detect/lazy" + suffix + "/ring_us");
    const double timeouts_us = static_cast<double>(k) * std::chrono::duration<double, std::micro>(tau).count();
    std::printf("%-3d %11.0f us %11.0f us %11.0f us %13.0f ms %11.0fx\n", k, lazy, eager, ring, timeouts_us / 1000.0,
                lazy > 0 ? timeouts_us / lazy : 0.0);
  }
  const double off = m.get("call_overhead/off_ns");
  const double lazy = m.get("call_overhead/lazy_ns");
  const double eager = m.get("call_overhead/eager_ns");
  const double echo = m.get("call_overhead/echo_ns");
  std::printf("\nRegistration on an ordinary call: client -> s0.relay -> s1 over unix, interleaved (median, us)\n");
  std::printf("  detection off   %8.1f us\n", off / 1000.0);
  std::printf("  lazy (200 us)   %8.1f us  %+6.1f%% of the relay, %+6.1f%% of one unix call (%.1f us); %.4f host.wait per call\n",
              lazy / 1000.0, off > 0 ? (lazy - off) / off * 100.0 : 0.0, echo > 0 ? (lazy - off) / echo * 100.0 : 0.0,
              echo / 1000.0, m.get("call_overhead/lazy_registrations_per_call"));
  std::printf("  eager           %8.1f us  %+6.1f%% of the relay, %+6.1f%% of one unix call\n", eager / 1000.0,
              off > 0 ? (eager - off) / off * 100.0 : 0.0, echo > 0 ? (eager - off) / echo * 100.0 : 0.0);
  const double lazy_1s = m.get("call_overhead/lazy_1s_ns");
  std::printf("  lazy (1 s)      %8.1f us  %+6.1f%% of the relay (control: the same code with a grace no call reaches)\n",
              lazy_1s / 1000.0, off > 0 ? (lazy_1s - off) / off * 100.0 : 0.0);
  const double lazy_2ms = m.get("call_overhead/lazy_2ms_ns");
  std::printf("  lazy (2 ms)     %8.1f us  %+6.1f%% of the relay\n", lazy_2ms / 1000.0,
              off > 0 ? (lazy_2ms - off) / off * 100.0 : 0.0);
}

void register_all() {
  for (const char* mode : {"lazy", "eager"}) {
    for (int k = 2; k <= max_ring; ++k) {
      const std::string name = std::string("detect/") + mode + "/k" + std::to_string(k);
      benchmark::RegisterBenchmark(name.c_str(), [mode, k](benchmark::State& s) { detect(s, mode, k); })
          ->Iterations(40)
          ->Repetitions(repetitions)
          ->ReportAggregatesOnly(true)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::RegisterBenchmark("call_overhead", call_overhead)
      ->Iterations(2000)
      ->Repetitions(repetitions)
      ->ReportAggregatesOnly(true)
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  hosts()["lazy"] = start_host("lazy", max_ring);
  hosts()["eager"] = start_host("eager", max_ring);
  std::printf("load average before: %s\n", load_average().c_str());
  register_all();
  CounterMedians reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_tables(reporter);
  std::printf("load average after:  %s\n", load_average().c_str());
  for (auto& [mode, h] : hosts()) {
    if (h.host) h.host->stop();
  }
  benchmark::Shutdown();
  return 0;
}
