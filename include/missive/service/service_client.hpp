// missive/service/service_client.hpp - ServiceClient: calls to a service by name.
//
//   service::ServiceClient kv("kvd");     // host address from $MISSIVE_HOST or the default
//   auto got = kv.call<GetReply>("kv.get", GetRequest{"k"}, Deadline::after(100ms));
//   auto put = kv.call<PutReply>("kv.put", PutRequest{"k", "v"}, Deadline::after(100ms),
//                                service::Idempotent::yes);  // may be retried after a restart
//
// The first call asks the host where the service is (host.lookup) and
// connects there directly; later calls reuse the connection. When the
// service dies with a call in flight, that call fails at once with peer_died
// (or, for an idempotent call with retry_idempotent set, waits for the
// restarted instance within the same deadline and sends it again, marked as
// a retry). The next call connects to whatever instance runs then.
// Errors: service_unavailable (not running, or no host), not_found (no such
// service), timed_out, peer_died, and the server's own.
//
// Inside a service (options.client.caller set to its name), calls take part
// in the host's deadlock detection (docs/deadlock.md), as options.deadlock says:
// - lazy (default): the call first waits `grace` (200 us) for its reply; only
//   a call still unanswered then registers its wait-for edge with the host
//   (host.wait, with the call's start time as the edge's sequence) and removes
//   it when it ends (host.unwait). Ordinary fast calls register nothing. When
//   the edge closes a cycle the call abandons its wait (a late reply is
//   dropped) and fails with `deadlock`, its detail naming the cycle and the
//   time from the call's start ("...; detected 412 us after the call started").
// - eager: every call registers before it is sent (one host round trip per
//   call); the call that would close a cycle fails without being sent.
// - off: nothing is registered; a cycle ends at the calls' deadlines.
//
// Contract: one thread at a time (like Client).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "missive/service/call_error.hpp"
#include "missive/service/client.hpp"
#include "missive/service/registry_protocol.hpp"

namespace missive::service {

enum class Idempotent : bool { no = false, yes = true };

// When a service's call registers its wait-for edge with the host.
enum class WaitRegistration : std::uint8_t {
  lazy,   // only once no reply came within DeadlockDetection::grace
  eager,  // before every call is sent
  off,    // never
};
[[nodiscard]] std::string_view name(WaitRegistration registration) noexcept;
// "lazy", "eager" or "off"; invalid_argument otherwise.
[[nodiscard]] CallResult<WaitRegistration> parse_wait_registration(std::string_view text);

struct DeadlockDetection {
  WaitRegistration registration = WaitRegistration::lazy;
  // Lazy: how long a call waits for its reply before it registers. Every edge
  // of a real deadlock outlives any grace, so the cycle is still found, this
  // much later; calls answered within it cost the host nothing.
  std::chrono::microseconds grace{200};
};

struct ServiceClientOptions {
  std::string host_address;  // empty: $MISSIVE_HOST, else default_host_address
  ClientOptions client{};
  bool retry_idempotent = false;
  DeadlockDetection deadlock{};  // used only when client.caller names a service
};

struct ServiceClientStats {
  std::uint64_t connects = 0;
  std::uint64_t retries = 0;
  std::uint64_t wait_registrations = 0;  // host.wait round trips made
  std::uint64_t deadlocks = 0;           // calls failed with `deadlock`
};

class ServiceClient {
 public:
  explicit ServiceClient(std::string service, ServiceClientOptions options = {});

  [[nodiscard]] CallResult<std::vector<std::byte>> call(std::string_view method, std::span<const std::byte> body,
                                                        Deadline deadline, Idempotent idempotent = Idempotent::no);
  template <Message Rep, Message Req>
  [[nodiscard]] CallResult<Rep> call(std::string_view method, const Req& request, Deadline deadline,
                                     Idempotent idempotent = Idempotent::no) {
    const std::vector<std::byte> body = encode_message(request);
    CallResult<std::vector<std::byte>> reply = call(method, body, deadline, idempotent);
    if (!reply) return reply.error();
    Result<Rep> decoded = decode_message<Rep>(*reply, options_.client.limits);
    if (!decoded) return decoded.error();
    return std::move(*decoded);
  }
  [[nodiscard]] Status notify(std::string_view method, std::span<const std::byte> body, Deadline deadline);

  // Asks the host now (no connection is made).
  [[nodiscard]] CallResult<LookupReply> lookup(Deadline deadline);

  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }
  [[nodiscard]] const ServiceClientStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const std::string& service() const noexcept { return service_; }

 private:
  // One service-to-service call's wait-for edge, as far as the host knows it.
  struct TrackedWait {
    std::uint64_t id = 0;         // the edge's request id at the host (unique in this process)
    Clock::time_point started{};  // the call's start: the edge's sequence (CLOCK_MONOTONIC ns)
    bool registered = false;      // host.wait answered ok: a host.unwait is owed
  };

  [[nodiscard]] CallResult<Done> ensure_connected(Deadline deadline);
  // `lazy`: the call's edge, registered once no reply came within the grace;
  // nullptr: wait without registering.
  [[nodiscard]] CallResult<std::vector<std::byte>> call_untracked(std::string_view method, std::span<const std::byte> body,
                                                                  Deadline deadline, Idempotent idempotent,
                                                                  TrackedWait* lazy = nullptr);
  [[nodiscard]] CallResult<std::vector<std::byte>> await_reply(std::uint64_t id, Deadline deadline, TrackedWait* lazy);
  [[nodiscard]] CallResult<Done> register_wait(TrackedWait& wait, Deadline deadline);
  void unregister_wait(const TrackedWait& wait);
  [[nodiscard]] CallResult<Done> wait_for_new_instance(Deadline deadline);

  std::string service_;
  ServiceClientOptions options_;
  std::optional<Client> host_;
  std::optional<Client> conn_;
  std::uint64_t generation_ = 0;
  ServiceClientStats stats_;
};

}  // namespace missive::service
