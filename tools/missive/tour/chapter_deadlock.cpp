// Tour chapter: deadlock. Three services that each serve one request at a
// time call each other in a ring (s1 -> s2 -> s3 -> s1). Without help the ring
// would wait for its deadline; the host sees the wait-for edge that closes the
// cycle, refuses that call with `deadlock` naming the cycle, and the error
// unwinds the ring. The same chain without the last hop succeeds.
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "missive/service/host.hpp"
#include "missive/service/service_client.hpp"
#include "missive/wire/message.hpp"
#include "tour/programs.hpp"
#include "tour/tour.hpp"

namespace missive::cli {
namespace {

using namespace std::chrono_literals;

// Calls path[0].relay with the rest; returns the reply or the error, and the time.
std::pair<service::CallResult<service::Bytes>, double> relay(const std::string& host, const std::vector<std::string>& path,
                                                             Deadline deadline) {
  RecordWriter body;
  for (std::size_t i = 1; i < path.size(); ++i) body.add_string(1, path[i]);
  service::ServiceClient client(path[0], {.host_address = host});
  const auto start = Clock::now();
  service::CallResult<service::Bytes> reply = client.call("relay", body.bytes(), deadline);
  return {std::move(reply), std::chrono::duration<double, std::milli>(Clock::now() - start).count()};
}

std::string joined(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& p : path) out += (out.empty() ? "" : " -> ") + p;
  return out;
}

}  // namespace

int tour_deadlock(const TourOptions& /*options*/) {
  const std::string echod = find_service_program("missive-echod");
  if (echod.empty()) {
    fmt::print("  missive-echod not found next to this program; build the `echod` target\n");
    return 1;
  }
  const std::string address = "unix:@missive-tour-deadlock-" + std::to_string(::getpid());
  std::string text = fmt::format("[host]\naddress = \"{}\"\n", address);
  for (const char* name : {"s1", "s2", "s3"}) {
    text += fmt::format("[[service]]\nname = \"{}\"\ncommand = \"{}\"\nfairness = \"equal_messages\"\nworkers = 1\n", name,
                        echod);
  }
  service::CallResult<service::Manifest> manifest = service::parse_manifest(text);
  if (!manifest) {
    fmt::print("  !! {}\n", manifest.error().message());
    return 1;
  }
  std::mutex print_mutex;
  service::HostOptions options;
  options.manifest = *manifest;
  options.on_event = [&](const service::HostEvent& e) {
    if (e.kind != service::HostEvent::Kind::deadlock) return;
    std::lock_guard lock(print_mutex);
    fmt::print("    [host] {}: {}\n", e.service, e.detail);
  };
  auto host = service::Host::start(std::move(options));
  if (!host) {
    fmt::print("  !! host: {}\n", host.error().message());
    return 1;
  }
  for (const char* name : {"s1", "s2", "s3"}) {
    if (!(*host)->wait_running(name, Deadline::after(5s))) {
      fmt::print("  !! {} did not start\n", name);
      return 1;
    }
  }
  fmt::print("  three services, each serving one request at a time (fairness = equal_messages, workers = 1)\n");
  const std::vector<std::string> chain{"s1", "s2", "s3"};
  auto [ok_reply, ok_ms] = relay(address, chain, Deadline::after(5s));
  fmt::print("  chain {}: {} in {:.2f} ms\n", joined(chain), ok_reply ? "ok" : ok_reply.error().message(), ok_ms);
  const std::vector<std::string> ring{"s1", "s2", "s3", "s1"};
  constexpr auto deadline = 5s;
  fmt::print("  ring  {} with a {} s deadline:\n", joined(ring), deadline.count());
  auto [ring_reply, ring_ms] = relay(address, ring, Deadline::after(deadline));
  {
    std::lock_guard lock(print_mutex);
    if (ring_reply) {
      fmt::print("  !! the ring completed: no deadlock was detected\n");
      return 1;
    }
    fmt::print("  client: {}\n", ring_reply.error().message());
    fmt::print("  broken after {:.2f} ms; with timeouts alone each of the 3 waits would end only at its deadline "
               "(up to 3 x {} s)\n",
               ring_ms, deadline.count());
  }
  auto [after, after_ms] = relay(address, chain, Deadline::after(5s));
  fmt::print("  chain {} again: {} in {:.2f} ms (the ring left nothing behind)\n", joined(chain),
             after ? "ok" : after.error().message(), after_ms);
  (*host)->stop();
  return ring_reply.error() == Errc::deadlock && after ? 0 : 1;
}

}  // namespace missive::cli
