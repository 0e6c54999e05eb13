// service_bench: what a call through the service layer costs, against a raw
// Unix socket round trip measured in the same run, and how long a crashed
// service takes to serve again.
//
//   call/raw_socketpair   64-byte write + read ping-pong with a forked echo child
//   call/unix             Client::call to a Server in a forked child over unix:@
//   call/shm_spin         the same over shm://, both sides spinning
//   call/shm_block        the same over shm://, default spin-then-park waits
//   restart/kill_to_served  SIGKILL of a hosted service to the first successful call
//
// Round trips are reported in ns (the median of short blocks of calls, see
// benchkit/raw_baselines.hpp); restart times in ms.
// The figures of issue 5: unix call within 1.2x the raw socketpair round trip,
// shm spin call under 2 us, restart under 50 ms.
#include <benchmark/benchmark.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "benchkit/raw_baselines.hpp"
#include "median_reporter.hpp"
#include "missive/service/client.hpp"
#include "missive/service/host.hpp"
#include "missive/service/server.hpp"
#include "missive/service/service_client.hpp"

namespace {

using namespace missive;
using namespace std::chrono_literals;

constexpr int repetitions = 5;
constexpr std::uint64_t rounds = 20'000;
constexpr std::size_t body_size = 64;

const shm::WaitPolicy spin_policy{shm::WaitStrategy::spin, 0, std::chrono::milliseconds(20)};

std::string unique_address(const std::string& scheme) {
  static int counter = 0;
  const std::string name = "missive-service-bench-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  return scheme == "unix" ? "unix:@" + name : "shm://" + name;
}

// A forked child serving `echo` at `address` until it is killed.
rawbase::Forked serve_echo(const std::string& address, bool spin) {
  return rawbase::Forked::start([address, spin]() -> int {
    service::ServerOptions options;
    if (spin) options.listen.wait = spin_policy;
    auto server = service::Server::create(address, options);
    if (!server) return 3;
    (*server)->handle("echo", [](const service::CallContext&, std::span<const std::byte> body) -> service::CallResult<service::Bytes> {
      return service::Bytes(body.begin(), body.end());
    });
    if (!(*server)->start()) return 4;
    for (;;) ::pause();
  });
}

void call_latency(benchmark::State& state, const std::string& scheme, bool spin) {
  const std::string address = unique_address(scheme);
  rawbase::Forked child = serve_echo(address, spin);
  service::ClientOptions options;
  if (spin) options.connect.wait = spin_policy;
  std::optional<service::Client> client;
  for (int attempt = 0; attempt < 500 && !client; ++attempt) {
    Result<service::Client> c = service::Client::connect(address, Deadline::after(1s), options);
    if (c) {
      client.emplace(std::move(*c));
    } else {
      std::this_thread::sleep_for(2ms);
    }
  }
  if (!client) {
    state.SkipWithError("cannot connect to the forked server");
    return;
  }
  const service::Bytes body(body_size, std::byte{0x5a});
  auto round_trip = [&] { return static_cast<bool>(client->call("echo", body, Deadline::after(5s))); };
  for (std::uint64_t w = 0; w < rawbase::warmup_rounds(rounds); ++w) (void)round_trip();
  double ns = 0;
  for (auto _ : state) {
    const rawbase::Timing t = rawbase::time_blocks(rounds, round_trip);
    if (!t.ok) {
      state.SkipWithError("a call failed");
      return;
    }
    ns = t.ns_per_round;
    state.SetIterationTime(t.seconds);
  }
  state.counters["value"] = ns;
}

void raw_socketpair(benchmark::State& state) {
  double ns = 0;
  for (auto _ : state) {
    const rawbase::Timing t = rawbase::stream_pingpong(body_size, rounds, true);
    if (!t.ok) {
      state.SkipWithError("raw socketpair ping-pong failed");
      return;
    }
    ns = t.ns_per_round;
    state.SetIterationTime(t.seconds);
  }
  state.counters["value"] = ns;
}

// Kill-to-served: SIGKILL the service, then call until a reply comes back.
void restart_time(benchmark::State& state) {
  const std::string host_address = unique_address("unix");
  const std::string text = "[host]\naddress = \"" + host_address + "\"\n[[service]]\nname = \"echo\"\ncommand = \"" +
                           ECHOD_PATH + "\"\nbackoff_ms = 0\nmax_restarts = 1000000\n";
  service::CallResult<service::Manifest> manifest = service::parse_manifest(text);
  service::HostOptions options;
  options.manifest = *manifest;
  auto host = service::Host::start(std::move(options));
  if (!host) {
    state.SkipWithError("host did not start");
    return;
  }
  service::ServiceClient client("echo", {.host_address = host_address});
  std::vector<double> ms;
  for (auto _ : state) {
    for (int i = 0; i < 20; ++i) {
      service::CallResult<service::LookupReply> up = (*host)->wait_running("echo", Deadline::after(5s));
      if (!up || !client.call("echo", {}, Deadline::after(1s))) {
        state.SkipWithError("service not serving");
        return;
      }
      const auto start = Clock::now();
      ::kill(static_cast<pid_t>(up->pid), SIGKILL);
      bool served = false;
      while (!served && Clock::now() - start < 5s) {
        served = static_cast<bool>(client.call("echo", {}, Deadline::after(1s)));
        if (!served) std::this_thread::sleep_for(200us);
      }
      if (!served) {
        state.SkipWithError("not served again within 5 s");
        return;
      }
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    state.SetIterationTime(1.0);
  }
  std::sort(ms.begin(), ms.end());
  state.counters["value"] = ms[ms.size() / 2];
  state.counters["p90_ms"] = ms[ms.size() * 9 / 10];
}

class Report : public benchkit::MedianReporter {
 public:
  void print() const {
    const double raw = get("call/raw_socketpair");
    const double unix_call = get("call/unix");
    const double spin = get("call/shm_spin");
    const double block = get("call/shm_block");
    const double restart = get("restart/kill_to_served");
    std::printf("\nmedians of %d repetitions; %d usable CPUs; %zu-byte request and reply\n", repetitions,
                rawbase::usable_cpus(), body_size);
    std::printf("  round trip, ns: raw socketpair %.0f | call unix %.0f | call shm spin %.0f | call shm block %.0f\n", raw,
                unix_call, spin, block);
    if (raw > 0 && unix_call > 0) std::printf("  call unix / raw socketpair = %.2fx (goal <= 1.2x)\n", unix_call / raw);
    if (spin > 0) std::printf("  call shm spin = %.2f us (goal < 2 us)\n", spin / 1000.0);
    if (restart > 0) std::printf("  kill -9 to served again: median %.1f ms (goal < 50 ms)\n", restart);
  }

 private:
  [[nodiscard]] double get(const std::string& name) const { return median(name); }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchkit::add_repeated("call/raw_socketpair", raw_socketpair, 1, repetitions);
  benchkit::add_repeated("call/unix", [](benchmark::State& s) { call_latency(s, "unix", false); }, 1, repetitions);
  benchkit::add_repeated("call/shm_spin", [](benchmark::State& s) { call_latency(s, "shm", true); }, 1, repetitions);
  benchkit::add_repeated("call/shm_block", [](benchmark::State& s) { call_latency(s, "shm", false); }, 1, repetitions);
  benchkit::add_repeated("restart/kill_to_served", restart_time, 1, 3);
  Report reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print();
  benchmark::Shutdown();
  return 0;
}
