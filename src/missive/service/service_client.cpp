#include "missive/service/service_client.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>

namespace missive::service {
namespace {

using namespace std::chrono_literals;

std::uint64_t monotonic_ns(Clock::time_point t) noexcept {
  // steady_clock is CLOCK_MONOTONIC on Linux: one clock for every process of
  // the machine, so the host can order calls of different services by it.
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

std::string host_address_or_default(std::string configured) {
  if (!configured.empty()) return configured;
  const char* from_env = std::getenv("MISSIVE_HOST");
  return from_env != nullptr && *from_env != '\0' ? std::string(from_env) : std::string(default_host_address);
}

}  // namespace

std::string_view name(WaitRegistration registration) noexcept {
  switch (registration) {
    case WaitRegistration::lazy: return "lazy";
    case WaitRegistration::eager: return "eager";
    case WaitRegistration::off: return "off";
  }
  return "unknown";
}

CallResult<WaitRegistration> parse_wait_registration(std::string_view text) {
  for (WaitRegistration r : {WaitRegistration::lazy, WaitRegistration::eager, WaitRegistration::off}) {
    if (text == name(r)) return r;
  }
  return CallError{Errc::invalid_argument, "wait registration must be lazy, eager or off, not '" + std::string(text) + "'"};
}

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

CallResult<Done> ServiceClient::register_wait(TrackedWait& wait, Deadline deadline) {
  if (!host_ || host_->broken()) {
    host_.reset();
    Result<Client> host = Client::connect(options_.host_address, deadline);
    if (!host) return CallError{Errc::service_unavailable, "no missive host at " + options_.host_address};
    host_.emplace(std::move(*host));
  }
  const WaitRequest edge{options_.client.caller, service_, wait.id, monotonic_ns(wait.started)};
  ++stats_.wait_registrations;
  CallResult<WaitReply> admitted = host_->call<WaitReply>("host.wait", edge, deadline);
  if (!admitted) {
    if (admitted.error() != Errc::deadlock) return admitted.error();
    ++stats_.deadlocks;
    // How long the cycle took to find, from this call's start: what a user
    // (and deadlock_e2e_bench) compares with the deadline it would have waited.
    const auto waited = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - wait.started);
    return CallError{Errc::deadlock,
                     admitted.error().detail + "; detected " + std::to_string(waited.count()) + " us after the call started"};
  }
  wait.registered = true;
  return Done{};
}

void ServiceClient::unregister_wait(const TrackedWait& wait) {
  if (!host_ || host_->broken()) return;  // a host that went away forgot the edge
  const std::vector<std::byte> body = encode_message(UnwaitRequest{options_.client.caller, wait.id});
  (void)host_->notify("host.unwait", body, Deadline::after(100ms));
}

CallResult<std::vector<std::byte>> ServiceClient::call(std::string_view method, std::span<const std::byte> body,
                                                       Deadline deadline, Idempotent idempotent) {
  const WaitRegistration registration =
      options_.client.caller.empty() ? WaitRegistration::off : options_.deadlock.registration;
  if (registration == WaitRegistration::off) return call_untracked(method, body, deadline, idempotent);
  // A service calling a service: the host learns of the wait (first, or once
  // it has lasted the grace) and refuses the call that closes a cycle of waits.
  TrackedWait wait{next_wait_id(), Clock::now(), false};
  if (registration == WaitRegistration::eager) {
    if (CallResult<Done> admitted = register_wait(wait, deadline); !admitted) {
      if (admitted.error() == Errc::deadlock || admitted.error() == Errc::timed_out) return admitted.error();
      // No host: nothing to register with; the deadline stays the last resort.
    }
  }
  CallResult<std::vector<std::byte>> reply = call_untracked(
      method, body, deadline, idempotent, registration == WaitRegistration::lazy ? &wait : nullptr);
  if (wait.registered) unregister_wait(wait);
  return reply;
}

CallResult<std::vector<std::byte>> ServiceClient::await_reply(std::uint64_t id, Deadline deadline, TrackedWait* lazy) {
  if (lazy == nullptr || lazy->registered) return conn_->wait_reply(id, deadline);
  const Deadline grace = Deadline::at(std::min(deadline.when(), lazy->started + options_.deadlock.grace));
  CallResult<std::vector<std::byte>> reply = conn_->wait_reply(id, grace);
  if (reply || reply.error() != Errc::timed_out || deadline.expired()) return reply;
  // Still no reply after the grace: a wait long enough to be part of a
  // deadlock. Every edge of a real cycle gets here, so the last one to
  // register closes it at the host.
  if (CallResult<Done> admitted = register_wait(*lazy, deadline); !admitted) {
    if (admitted.error() == Errc::deadlock || admitted.error() == Errc::timed_out) {
      conn_->abandon(id);  // already sent: its late reply, if one comes, is dropped
      return admitted.error();
    }
    // No host: wait on without an edge; the deadline stays the last resort.
  }
  return conn_->wait_reply(id, deadline);
}

CallResult<std::vector<std::byte>> ServiceClient::call_untracked(std::string_view method, std::span<const std::byte> body,
                                                                 Deadline deadline, Idempotent idempotent,
                                                                 TrackedWait* lazy) {
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
        id ? await_reply(*id, deadline, lazy) : CallResult<std::vector<std::byte>>(id.error());
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
