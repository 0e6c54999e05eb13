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
// Inside a service (options.client.caller set to its name), every call is
// first registered with the host as a wait-for edge (host.wait) and removed
// after (host.unwait); a call that would close a cycle of waiting services
// fails at once with `deadlock`, its detail naming the cycle.
//
// Contract: one thread at a time (like Client).
#pragma once

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

struct ServiceClientOptions {
  std::string host_address;  // empty: $MISSIVE_HOST, else default_host_address
  ClientOptions client{};
  bool retry_idempotent = false;
};

struct ServiceClientStats {
  std::uint64_t connects = 0;
  std::uint64_t retries = 0;
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
  [[nodiscard]] CallResult<Done> ensure_connected(Deadline deadline);
  [[nodiscard]] CallResult<std::vector<std::byte>> call_untracked(std::string_view method, std::span<const std::byte> body,
                                                                  Deadline deadline, Idempotent idempotent);
  [[nodiscard]] CallResult<Done> register_wait(std::uint64_t wait_id, Deadline deadline);
  void unregister_wait(std::uint64_t wait_id);
  [[nodiscard]] CallResult<Done> wait_for_new_instance(Deadline deadline);

  std::string service_;
  ServiceClientOptions options_;
  std::optional<Client> host_;
  std::optional<Client> conn_;
  std::uint64_t generation_ = 0;
  ServiceClientStats stats_;
};

}  // namespace missive::service
