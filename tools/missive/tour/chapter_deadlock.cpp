// Tour chapter: deadlock. Three services that each serve one request at a
// time call each other in a ring (s1 -> s2 -> s3 -> s1). Without help the ring
// would wait for its deadline. Under lazy registration (the default) a call
// tells the host about its wait only once it has lasted the grace (200 us):
// the fast chain registers nothing, the ring's waits all outlast it, the host
// sees the wait-for edge that closes the cycle, refuses that call with
// `deadlock` naming the cycle and the time it took, and the error unwinds the
// ring. The same chain without the last hop succeeds.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
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
  bool host_event_printed = false;  // guarded by print_mutex: the first ring's event is enough
  service::HostOptions options;
  options.manifest = *manifest;
  options.on_event = [&](const service::HostEvent& e) {
    if (e.kind != service::HostEvent::Kind::deadlock) return;
    std::lock_guard lock(print_mutex);
    if (host_event_printed) return;
    host_event_printed = true;
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
  fmt::print("  three services, each serving one request at a time (fairness = equal_messages, workers = 1);\n"
             "  their calls register a wait with the host lazily: only after 200 us without a reply\n");
  // Warm-up: every hop the chapter uses connects once (a first call's lookup
  // and connect can outlast the grace by themselves).
  const std::vector<std::string> chain{"s1", "s2", "s3"};
  (void)relay(address, chain, Deadline::after(5s));
  (void)relay(address, {"s3", "s1"}, Deadline::after(5s));
  const std::uint64_t registered_before = (*host)->wait_stats().registrations;
  auto [ok_reply, ok_ms] = relay(address, chain, Deadline::after(5s));
  fmt::print("  chain {}: {} in {:.2f} ms, {} wait registrations at the host (a call answered within the grace registers nothing)\n",
             joined(chain), ok_reply ? "ok" : ok_reply.error().message(), ok_ms,
             (*host)->wait_stats().registrations - registered_before);
  const std::vector<std::string> ring{"s1", "s2", "s3", "s1"};
  constexpr auto deadline = 5s;
  constexpr int rings = 5;
  fmt::print("  ring  {} with a {} s deadline, {} times:\n", joined(ring), deadline.count(), rings);
  std::vector<double> detected_us;
  std::vector<double> broken_ms;
  bool all_refused = true;
  for (int i = 0; i < rings; ++i) {
    const std::uint64_t ring_registered_before = (*host)->wait_stats().registrations;
    auto [ring_reply, ring_ms] = relay(address, ring, Deadline::after(deadline));
    std::lock_guard lock(print_mutex);
    if (ring_reply || ring_reply.error() != Errc::deadlock) {
      fmt::print("  !! the ring was not refused with deadlock: {}\n", ring_reply ? "it completed" : ring_reply.error().message());
      all_refused = false;
      break;
    }
    const std::string& detail = ring_reply.error().detail;
    if (const auto at = detail.rfind("detected "); at != std::string::npos) {
      detected_us.push_back(std::strtod(detail.c_str() + at + 9, nullptr));
    }
    broken_ms.push_back(ring_ms);
    if (i == 0) {
      fmt::print("  client: {}\n", ring_reply.error().message());
      fmt::print("  ({} wait registrations: the ring's waits, each once it had outlasted the grace)\n",
                 (*host)->wait_stats().registrations - ring_registered_before);
    }
    std::this_thread::sleep_for(5ms);  // the host.unwait notifications land before the next ring
  }
  if (all_refused && !detected_us.empty()) {
    std::sort(detected_us.begin(), detected_us.end());
    std::sort(broken_ms.begin(), broken_ms.end());
    fmt::print("  detection, the refused call's start to its error: median {:.0f} us (min {:.0f}, max {:.0f}) over {} rings\n",
               detected_us[detected_us.size() / 2], detected_us.front(), detected_us.back(), detected_us.size());
    fmt::print("  whole ring call (3 hops out, detection, 3 error replies back): median {:.2f} ms; with timeouts alone\n"
               "  each of the 3 waits would end only at its deadline (up to 3 x {} s)\n",
               broken_ms[broken_ms.size() / 2], deadline.count());
  }
  auto [after, after_ms] = relay(address, chain, Deadline::after(5s));
  fmt::print("  chain {} again: {} in {:.2f} ms (the rings left nothing behind)\n", joined(chain),
             after ? "ok" : after.error().message(), after_ms);
  (*host)->stop();
  return all_refused && after ? 0 : 1;
}

}  // namespace missive::cli
