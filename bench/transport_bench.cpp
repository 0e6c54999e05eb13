// transport_bench - missive's shared-memory rings between two PROCESSES against
// raw baselines written for the measurement (spin ping-pong over one shared
// mapping, socketpair, pipe) and ZeroMQ ipc, all in one run.
//
// Latency: ping-pong between the benchmark process and a fork()ed echo child,
// pinned to different cores (when there are two); one-way = round trip / 2, in
// ns. Each repetition forks a fresh child, warms up, then times blocks of at
// most 16 round trips and keeps the median block (robust to preemption on a
// shared machine: see rawbase::time_blocks). Throughput: one-way streaming of 64-byte messages, msgs/s.
// Every benchmark repeats 5 times; the closing tables print medians and ratios
// against the baselines of the same run.
//
//   build/release/bench/transport_bench
//   build/release/bench/transport_bench --benchmark_filter=latency/shm
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "median_reporter.hpp"
#include "missive/platform/fd_passing.hpp"
#include "missive/platform/process.hpp"
#include "missive/platform/unix_socket.hpp"
#include "missive/shm/ring_receiver.hpp"
#include "missive/shm/ring_sender.hpp"
#include "benchkit/connection_pingpong.hpp"
#include "benchkit/raw_baselines.hpp"
#include "benchkit/ring_pingpong.hpp"
#include "benchkit/zmq_baseline.hpp"

namespace {

namespace platform = missive::platform;
namespace shm = missive::shm;
using missive::Deadline;
using missive::Errc;
using missive::Result;
using missive::Status;
using rawbase::Forked;
using rawbase::Timing;

constexpr int repetitions = 5;
constexpr std::size_t KiB = 1024;
constexpr std::size_t MiB = 1024 * KiB;
constexpr std::array<std::size_t, 6> sizes = {8, 64, 4 * KiB, 64 * KiB, 1 * MiB, 4 * MiB};

// Round trips per repetition: many for the shared-memory transports (tens of
// ns each), fewer for those that enter the kernel (tens of us each).
std::uint64_t rounds_for(std::size_t size, bool fast) {
  if (size <= 64) return fast ? 20000 : 1000;
  if (size <= 4 * KiB) return fast ? 10000 : 1000;
  if (size <= 64 * KiB) return fast ? 2000 : 500;
  if (size <= 1 * MiB) return fast ? 200 : 60;
  return fast ? 40 : 20;
}

using benchkit::hand_over;
using benchkit::ring_copy_pingpong;
using benchkit::ring_view_pingpong;
using benchkit::take_over;
using benchkit::zmq_pingpong;
using rawbase::pattern;
using rawbase::spin_pingpong;
using rawbase::stream_pingpong;

// ---------------------------------------------------------------------------
// Throughput: the parent streams `n` 64-byte messages; the child receives them
// all and acknowledges over a pipe. Timed from the first send to the ack (the
// child confirmed it is ready, after one warm-up message, before the clock starts).
// ---------------------------------------------------------------------------

constexpr std::size_t stream_size = 64;

using rawbase::AckPipe;

double seconds_since(rawbase::Clock::time_point start) {
  return std::chrono::duration<double>(rawbase::Clock::now() - start).count();
}

// msgs/s, or 0 on failure. `burst` > 1: the sender hands the ring bursts of
// that many messages (RingSender::send_batch: one index publication each).
double shm_stream(std::uint64_t n, const shm::WaitPolicy& policy, std::size_t burst = 1) {
  auto sockets = platform::socket_pair(platform::SocketType::seqpacket);
  if (!sockets) return 0;
  AckPipe ack;
  Forked child = Forked::start([&]() -> int {
    sockets->first.reset();
    auto in = take_over(sockets->second, policy);
    if (!in) return 3;
    if (auto parent = platform::pidfd_open(::getppid()); parent) in->watch_peer(std::move(*parent));
    std::array<std::byte, stream_size> buffer{};
    for (std::uint64_t i = 0; i < n + 1; ++i) {
      auto got = in->recv_into(buffer);
      if (!got || *got != stream_size) return 4;
      if (i == 0 && !ack.signal()) return 5;  // ready
    }
    return ack.signal() ? 0 : 6;
  });
  sockets->second.reset();
  auto out = shm::RingSender::create(shm::RingConfig{64 * KiB, 0}, policy);
  if (!out || !hand_over(sockets->first, *out)) return 0;
  out->drop_fds();
  if (auto pidfd = platform::pidfd_open(child.pid()); pidfd) out->watch_peer(std::move(*pidfd));
  const std::vector<std::byte> message = pattern(stream_size);
  if (!out->send(message) || !ack.wait()) return 0;
  const std::vector<std::span<const std::byte>> bursts(burst, std::span<const std::byte>(message));
  const auto start = rawbase::Clock::now();
  if (burst <= 1) {
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!out->send(message)) return 0;
    }
  } else {
    for (std::uint64_t sent = 0; sent < n;) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(burst, n - sent));
      auto got = out->send_batch(std::span(bursts).first(want));
      if (!got) return 0;
      sent += *got;
    }
  }
  if (!ack.wait()) return 0;
  const double seconds = seconds_since(start);
  return child.wait() ? static_cast<double>(n) / seconds : 0;
}

// ---------------------------------------------------------------------------
// Registration and the ratio tables
// ---------------------------------------------------------------------------

using LatencyFn = std::function<Timing(std::size_t size, std::uint64_t rounds)>;

struct Transport {
  const char* name;
  bool fast;  // shared memory: many more rounds
  LatencyFn run;
};

void latency(benchmark::State& state, const Transport& transport, std::size_t size) {
  const std::uint64_t rounds = rounds_for(size, transport.fast);
  double one_way_ns = 0;
  for (auto _ : state) {
    const Timing t = transport.run(size, rounds);
    if (!t.ok) {
      state.SkipWithError("the measurement failed (see the child's exit)");
      return;
    }
    state.SetIterationTime(t.seconds);
    one_way_ns = t.ns_per_round / 2;
  }
  state.counters["value"] = one_way_ns;
}

void throughput(benchmark::State& state, const std::function<double()>& run) {
  double rate = 0;
  for (auto _ : state) {
    rate = run();
    if (rate <= 0) {
      state.SkipWithError("the measurement failed");
      return;
    }
    state.SetIterationTime(1.0);  // the figure is the counter, not the time
  }
  state.counters["value"] = rate;
}

std::string size_label(std::size_t size) {
  if (size >= MiB) return std::to_string(size / MiB) + " MiB";
  if (size >= KiB) return std::to_string(size / KiB) + " KiB";
  return std::to_string(size) + " B";
}

template <class Fn>
void add(const std::string& name, Fn fn) {
  benchkit::add_repeated(name, fn, 1, repetitions);
}

const shm::WaitPolicy spin_policy{shm::WaitStrategy::spin, 0, std::chrono::milliseconds(20)};
const shm::WaitPolicy default_policy{};

std::vector<Transport> transports() {
  return {
      {"raw_spin", true, [](std::size_t s, std::uint64_t r) { return spin_pingpong(s, r); }},
      {"shm_spin", true, [](std::size_t s, std::uint64_t r) { return ring_copy_pingpong(s, r, spin_policy); }},
      {"shm_block", true, [](std::size_t s, std::uint64_t r) { return ring_copy_pingpong(s, r, default_policy); }},
      {"view_spin", true, [](std::size_t s, std::uint64_t r) { return ring_view_pingpong(s, r, spin_policy); }},
      {"view_block", true, [](std::size_t s, std::uint64_t r) { return ring_view_pingpong(s, r, default_policy); }},
      {"socketpair", false, [](std::size_t s, std::uint64_t r) { return stream_pingpong(s, r, true); }},
      {"pipe", false, [](std::size_t s, std::uint64_t r) { return stream_pingpong(s, r, false); }},
      // missive's unix:@ transport (framed, CRC32C-checked) against the raw socketpair.
      {"unix_conn", false,
       [](std::size_t s, std::uint64_t r) {
         return benchkit::connection_pingpong(missive::transport::Scheme::unix_socket, s, r);
       }},
      {"tcp_conn", false,
       [](std::size_t s, std::uint64_t r) { return benchkit::connection_pingpong(missive::transport::Scheme::tcp, s, r); }},
      {"zmq_ipc", false, [](std::size_t s, std::uint64_t r) { return zmq_pingpong(s, r); }},
  };
}

std::string latency_name(const std::string& transport, std::size_t size) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08zu", size);  // sorts by size
  return "latency/" + transport + "/" + buf;
}

void register_all() {
  for (const Transport& t : transports()) {
    for (std::size_t size : sizes) {
      add(latency_name(t.name, size), [t, size](benchmark::State& s) { latency(s, t, size); });
    }
  }
  add("throughput_64B/shm_spin", [](benchmark::State& s) { throughput(s, [] { return shm_stream(5'000'000, spin_policy); }); });
  add("throughput_64B/shm_block",
      [](benchmark::State& s) { throughput(s, [] { return shm_stream(5'000'000, default_policy); }); });
  add("throughput_64B/shm_spin_batch32",
      [](benchmark::State& s) { throughput(s, [] { return shm_stream(5'000'000, spin_policy, 32); }); });
  add("throughput_64B/zmq_ipc", [](benchmark::State& s) { throughput(s, [] { return benchkit::zmq_stream(500'000, stream_size); }); });
}

class RatioReporter : public benchkit::MedianReporter {
 public:

  void print_tables() const {
    std::printf("\nmedians of %d repetitions (each: the median of blocks of <= 16 round trips); %d usable CPUs\n", repetitions,
                rawbase::usable_cpus());
    std::printf("\none-way latency, ns (round trip / 2, two processes on different cores)\n");
    std::vector<std::string> names;
    for (const Transport& t : transports()) names.emplace_back(t.name);
    std::printf("  %-8s", "size");
    for (const auto& n : names) std::printf(" %12s", n.c_str());
    std::printf("\n");
    for (std::size_t size : sizes) {
      std::printf("  %-8s", size_label(size).c_str());
      for (const auto& n : names) {
        const double v = get(latency_name(n, size));
        if (v > 0) {
          std::printf(" %12.0f", v);
        } else {
          std::printf(" %12s", "-");
        }
      }
      std::printf("\n");
    }
    std::printf("\nratios (a / b of the medians above; < 1 means a is faster)\n");
    const std::array<std::pair<const char*, const char*>, 9> pairs = {{{"shm_spin", "raw_spin"},
                                                                       {"unix_conn", "socketpair"},
                                                                       {"shm_block", "raw_spin"},
                                                                       {"view_spin", "raw_spin"},
                                                                       {"shm_spin", "socketpair"},
                                                                       {"shm_spin", "zmq_ipc"},
                                                                       {"shm_block", "zmq_ipc"},
                                                                       {"view_spin", "zmq_ipc"},
                                                                       {"socketpair", "zmq_ipc"}}};
    std::printf("  %-8s", "size");
    for (const auto& [a, b] : pairs) std::printf(" %20s", (std::string(a) + "/" + b).c_str());
    std::printf("\n");
    for (std::size_t size : sizes) {
      std::printf("  %-8s", size_label(size).c_str());
      for (const auto& [a, b] : pairs) {
        const double va = get(latency_name(a, size));
        const double vb = get(latency_name(b, size));
        if (va > 0 && vb > 0) {
          std::printf(" %20.3f", va / vb);
        } else {
          std::printf(" %20s", "-");
        }
      }
      std::printf("\n");
    }
    print_extra();
    std::printf("\nthroughput of 64-byte messages, one way, msgs/s (ratio against zmq_ipc)\n");
    const double zmq = get("throughput_64B/zmq_ipc");
    for (const char* n : {"shm_spin", "shm_block", "shm_spin_batch32", "zmq_ipc"}) {
      const double v = get(std::string("throughput_64B/") + n);
      if (v <= 0) continue;
      std::printf("  %-12s %14.0f   %8.2fx\n", n, v, zmq > 0 ? v / zmq : 0.0);
    }
  }

 private:
  void print_extra() const;
  [[nodiscard]] double get(const std::string& name) const { return median(name); }
};

// View latency against itself at 64 B: the zero-copy goal is a flat line.
void RatioReporter::print_extra() const {
  std::printf("\nzero-copy views: latency relative to the same transport at 64 B (goal: within 2x)\n");
  for (const char* n : {"view_spin", "view_block"}) {
    const double base = get(latency_name(n, 64));
    if (base <= 0) continue;
    std::printf("  %-12s", n);
    for (std::size_t size : sizes) {
      const double v = get(latency_name(n, size));
      if (v > 0) std::printf("  %s %.2fx", size_label(size).c_str(), v / base);
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a dead echo child must fail a write, not kill the benchmark
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_tables();
  benchmark::Shutdown();
  return 0;
}
