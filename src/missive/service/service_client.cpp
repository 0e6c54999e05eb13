#include "missive/service/service_client.hpp"

#include <atomic>
#include <cstdlib>
#include <thread>

namespace missive::service {
namespace {

using namespace std::chrono_literals;

std::string host_address_or_default(std::string configured) {
  if (!configured.empty()) return configured;
  const char* from_env = std::getenv("MISSIVE_HOST");
  return from_env != nullptr && *from_env != '\0' ? std::string(from_env) : std::string(default_host_address);
}

}  // namespace

ServiceClient::ServiceClient(std::string service, ServiceClientOptions options)
    : service_(std::move(service)), options_(std::move(options)) {
  options_.host_address = host_address_or_default(std::move(options_.host_address));
}

CallResult<LookupReply> ServiceClient::lookup(Deadline deadline) {
  if (!host_ || host_->broken()) {
    host_.reset();
    Result<Client> host = Client::connect(options_.host_address, deadline);
    if (!host) {
      if (host.error() == Errc::timed_out) return host.error();
      return CallError{Errc::service_unavailable, "no missive host at " + options_.host_address + " (" +
                                                      host.error().message() + ")"};
    }
    host_.emplace(std::move(*host));
  }
  CallResult<LookupReply> reply = host_->call<LookupReply>("host.lookup", LookupRequest{service_}, deadline);
  if (!reply && reply.error() == Errc::peer_died) host_.reset();
  return reply;
}

CallResult<Done> ServiceClient::ensure_connected(Deadline deadline) {
  if (conn_ && !conn_->broken()) return Done{};
  conn_.reset();
  CallResult<LookupReply> where = lookup(deadline);
  if (!where) return where.error();
  Result<Client> conn = Client::connect(where->address, deadline, options_.client);
  if (!conn) {
    // It died between the lookup and our connect: as unavailable as it gets.
    if (conn.error() == Errc::refused) return CallError{Errc::service_unavailable, "'" + service_ + "' went away"};
    return conn.error();
  }
  conn_.emplace(std::move(*conn));
  generation_ = where->generation;
  ++stats_.connects;
  return Done{};
}

CallResult<Done> ServiceClient::wait_for_new_instance(Deadline deadline) {
  for (;;) {
    CallResult<LookupReply> where = lookup(deadline);
    if (where && where->generation > generation_) return Done{};
    if (!where && where.error() != Errc::service_unavailable) return where.error();
    if (deadline.expired()) return CallError{Errc::timed_out, "the service did not come back before the deadline"};
    std::this_thread::sleep_for(2ms);
  }
}

// Wait-for ids are unique within a process: every ServiceClient of a service
// draws from one counter. Relaxed: uniqueness is all it provides.
std::uint64_t next_wait_id() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

CallResult<Done> ServiceClient::register_wait(std::uint64_t wait_id, Deadline deadline) {
  if (!host_ || host_->broken()) {
    host_.reset();
    Result<Client> host = Client::connect(options_.host_address, deadline);
    if (!host) return CallError{Errc::service_unavailable, "no missive host at " + options_.host_address};
    host_.emplace(std::move(*host));
  }
  const WaitRequest edge{options_.client.caller, service_, wait_id};
  CallResult<WaitReply> admitted = host_->call<WaitReply>("host.wait", edge, deadline);
  if (!admitted) return admitted.error();
  return Done{};
}

void ServiceClient::unregister_wait(std::uint64_t wait_id) {
  if (!host_ || host_->broken()) return;  // a host that went away forgot the edge
  const std::vector<std::byte> body = encode_message(UnwaitRequest{options_.client.caller, wait_id});
  (void)host_->notify("host.unwait", body, Deadline::after(100ms));
}

CallResult<std::vector<std::byte>> ServiceClient::call(std::string_view method, std::span<const std::byte> body,
                                                       Deadline deadline, Idempotent idempotent) {
  if (options_.client.caller.empty()) return call_untracked(method, body, deadline, idempotent);
  // A service calling a service: the host learns of the wait first, and
  // refuses the call that would close a cycle of waits.
  const std::uint64_t wait_id = next_wait_id();
  if (CallResult<Done> admitted = register_wait(wait_id, deadline); !admitted) {
    if (admitted.error() == Errc::deadlock || admitted.error() == Errc::timed_out) return admitted.error();
    return call_untracked(method, body, deadline, idempotent);  // no host: nothing to register with
  }
  CallResult<std::vector<std::byte>> reply = call_untracked(method, body, deadline, idempotent);
  unregister_wait(wait_id);
  return reply;
}

CallResult<std::vector<std::byte>> ServiceClient::call_untracked(std::string_view method, std::span<const std::byte> body,
                                                                 Deadline deadline, Idempotent idempotent) {
  const bool may_retry = idempotent == Idempotent::yes && options_.retry_idempotent;
  bool retry = false;
  std::uint64_t first_id = 0;  // a retry carries the id of the first attempt
  for (;;) {
    if (CallResult<Done> c = ensure_connected(deadline); !c) {
      // A retried call waits out a restart within its deadline; others fail now.
      if (!(may_retry && c.error() == Errc::service_unavailable) || deadline.expired()) return c.error();
      std::this_thread::sleep_for(2ms);
      continue;
    }
    Result<std::uint64_t> id = conn_->send_call(method, body, deadline, retry, first_id);
    if (id && !retry) first_id = *id;
    CallResult<std::vector<std::byte>> reply =
        id ? conn_->wait_reply(*id, deadline) : CallResult<std::vector<std::byte>>(id.error());
    const bool died = !reply && reply.error() == Errc::peer_died;
    if (!died) return reply;
    conn_.reset();
    if (!may_retry) return reply;
    if (CallResult<Done> back = wait_for_new_instance(deadline); !back) return back.error();
    ++stats_.retries;
    retry = true;
  }
}

Status ServiceClient::notify(std::string_view method, std::span<const std::byte> body, Deadline deadline) {
  if (CallResult<Done> c = ensure_connected(deadline); !c) {
    return Error{c.error().code, "cannot reach the service"};
  }
  return conn_->notify(method, body, deadline);
}

}  // namespace missive::service
