// missive/service/service_runtime.hpp - the service side of the host: serve, register, stop.
//
//   int main() {
//     auto runtime = service::ServiceRuntime::create({}).value();  // name and host from the environment
//     runtime->server().handle_message<Ping, Pong>("ping", ...);
//     return runtime->run();  // serves until SIGTERM/SIGINT
//   }
//
// The host starts a service with MISSIVE_HOST (the host's address),
// MISSIVE_SERVICE_NAME, MISSIVE_SERVICE_FAIRNESS, MISSIVE_SERVICE_WORKERS,
// MISSIVE_SERVICE_SCHEDULER and MISSIVE_SERVICE_TRANSPORT (shm or unix) in
// its environment. The
// runtime listens at a private address (shm://missive.<name>.<pid> by
// default), registers it with host.register and repeats that every
// `heartbeat` so that a restarted host finds it again. A service run by hand
// (no MISSIVE_HOST) serves at its address without registering.
//
// Contract: create() and run() on the main thread; run() blocks the
// termination signals before any thread starts and returns when one comes.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "missive/service/call_error.hpp"
#include "missive/service/manifest.hpp"
#include "missive/service/server.hpp"
#include "missive/service/service_client.hpp"

namespace missive::service {

struct ServiceRuntimeOptions {
  std::string name;          // default: $MISSIVE_SERVICE_NAME
  std::string host_address;  // default: $MISSIVE_HOST; empty: do not register
  std::string scheme = "shm";  // where to serve: "shm" or "unix" (abstract name); $MISSIVE_SERVICE_TRANSPORT wins
  std::string address;         // overrides the generated address
  ServerOptions server{};      // dispatch/scheduling come from $MISSIVE_SERVICE_FAIRNESS unless set here
  bool fairness_from_environment = true;
  std::chrono::milliseconds heartbeat{500};
  // A service that cannot reach its host for this long stops (SIGTERM to
  // itself): a host that crashed and came back finds it well within it, an
  // orphan does not run forever. 0: never. $MISSIVE_SERVICE_ORPHAN_TIMEOUT_MS.
  std::chrono::milliseconds orphan_timeout{10000};
  // How client() calls register their waits with the host (service_client.hpp).
  // $MISSIVE_DEADLOCK_REGISTRATION (lazy, eager, off) and
  // $MISSIVE_DEADLOCK_GRACE_US win; a bad value makes create() fail.
  DeadlockDetection deadlock{};
};

class ServiceRuntime {
 public:
  [[nodiscard]] static CallResult<std::unique_ptr<ServiceRuntime>> create(ServiceRuntimeOptions options);
  ~ServiceRuntime();

  [[nodiscard]] Server& server() noexcept;
  [[nodiscard]] const std::string& name() const noexcept;

  // Starts serving and registering; waits for a termination signal; stops.
  // Returns 0, or 1 when the server could not start.
  int run();
  // The same without the signal wait (tests, embedded use).
  [[nodiscard]] Status start();
  void stop() noexcept;
  // A client for calls from this service to `service`: it names this service
  // as the caller, so the host tracks the wait (deadlock detection, as
  // options.deadlock says). One per thread (ServiceClient's contract).
  [[nodiscard]] ServiceClient client(std::string service) const;
  // The same with its own deadlock detection setting (benchmarks, tests).
  [[nodiscard]] ServiceClient client(std::string service, DeadlockDetection detection) const;
  // Whether the host has acknowledged a registration (since start).
  [[nodiscard]] bool registered() const noexcept;

  class Impl;

 private:
  explicit ServiceRuntime(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

// Server options for a manifest fairness setting: none is inline dispatch,
// equal_messages/equal_bytes a fair queue in that mode.
[[nodiscard]] ServerOptions server_options_for(QueueFairness fairness, ServerOptions base = {});

}  // namespace missive::service
