// missive/service/host.hpp - Host: the name registry and the supervisor of a set of services.
//
//   auto host = service::Host::start({.manifest = manifest}).value();
//   ...                                   // clients: ServiceClient by name
//   host->stop();                         // SIGTERM to every service, SIGKILL after stop_grace
//
// The host is small on purpose. It starts each service of the manifest as its
// own process (platform::spawn, with the manifest's hardening), watches it
// through its pidfd, and answers host.register / host.lookup / host.status
// (registry_protocol.hpp) at the manifest's address. Data never flows
// through it: a client asks where a service is and connects there itself.
//
// Supervision (OTP-style)
// - When a service exits, it leaves the registry at once (lookups answer
//   service_unavailable) and its clients, connected directly, see peer_died
//   from their transport. The policy decides whether it restarts; each restart
//   waits backoff * 2^(restarts in the window - 1), capped at backoff_max; more
//   than max_restarts in restart_window marks the service failed.
// - A service is "running" once it has registered; a restart gets a new
//   generation number, which clients can compare to notice a restart.
//
// When the host itself dies
// - Services are in their own process groups and keep running; clients keep
//   their direct connections. Every service repeats host.register as a
//   heartbeat (ServiceRuntime), so a restarted host first waits adopt_grace
//   for running services to re-register, adopts them (pidfd_open: it notices
//   their exit and restarts them per policy, though it cannot reap them; the
//   init process does), and spawns only the ones that did not come back.
//   Nothing durable lives in the host; its restart counters start again.
//
// Deadlock
// - Services register a wait-for edge (host.wait) for their calls to other
//   services (lazily: only a call unanswered after a short grace; or eagerly,
//   before each call; see service_client.hpp) and remove it (host.unwait)
//   when it ends. The edge that would close a cycle is refused with
//   `deadlock`, naming the cycle; failing that call unwinds the ring and lets
//   the others proceed (docs/deadlock.md). A service's edges go when it exits.
//
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "missive/core/deadline.hpp"
#include "missive/service/call_error.hpp"
#include "missive/service/manifest.hpp"
#include "missive/service/registry_protocol.hpp"

namespace missive::service {

// Something the host did or saw, for people watching (CLI, tour, logs).
struct HostEvent {
  enum class Kind { spawned, registered, adopted, exited, restarting, gave_up, stopped, deadlock };
  Kind kind;
  std::string service;
  pid_t pid = 0;
  std::string detail;
};
[[nodiscard]] std::string_view name(HostEvent::Kind kind) noexcept;

// The host's deadlock detection so far (since start).
struct HostWaitStats {
  std::uint64_t registrations = 0;  // host.wait requests admitted for checking
  std::uint64_t deadlocks = 0;      // of them, refused because they closed a cycle
  std::size_t edges = 0;            // wait-for edges held now
};

struct HostOptions {
  Manifest manifest;
  // On start, how long to wait for already-running services to re-register
  // before spawning them (0: spawn at once; use > 1 s after a host crash).
  std::chrono::milliseconds adopt_grace{0};
  // stop(): SIGTERM, then SIGKILL after this long.
  std::chrono::milliseconds stop_grace{2000};
  // Called from host threads, one event at a time; keep it short.
  std::function<void(const HostEvent&)> on_event;
};

class Host {
 public:
  // Listens at manifest.host_address and starts the services. Errors:
  // address_in_use (another host), and the listener's errors.
  [[nodiscard]] static CallResult<std::unique_ptr<Host>> start(HostOptions options);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  [[nodiscard]] StatusReply status() const;
  [[nodiscard]] HostWaitStats wait_stats() const;
  [[nodiscard]] std::string_view address() const noexcept;
  // Waits until `service` is running with a generation above `after`.
  [[nodiscard]] CallResult<LookupReply> wait_running(std::string_view service, Deadline deadline,
                                                     std::uint64_t after = 0) const;
  // Stops every service and the registry. Idempotent.
  void stop() noexcept;

  class Impl;

 private:
  explicit Host(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace missive::service
