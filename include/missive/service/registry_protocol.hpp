// missive/service/registry_protocol.hpp - the host's methods: register, lookup, status.
//
// The host is itself a Server (at its own address, unix:@missive-host by
// default). Services call host.register (and repeat it as a heartbeat, so a
// restarted host learns them again); clients call host.lookup and then
// connect to the service directly: no data flows through the host.
//
//   method          request                       reply
//   host.register   RegisterRequest{name, address, pid}   RegisterReply{generation}
//   host.lookup     LookupRequest{name}           LookupReply{address, pid, generation}
//                                                 (service_unavailable when not running)
//   host.status     StatusRequest{}               StatusReply{services...}
//   host.wait       WaitRequest{caller, callee, id, started_ns}  WaitReply{} or deadlock (the cycle in the detail)
//   host.unwait     (notification) UnwaitRequest{caller, id}
//
// host.wait registers a wait-for edge of a service's nested call (before it is
// sent, or once it has waited its grace: service_client.hpp) and answers
// `deadlock`, naming the cycle, when that edge would close one
// (docs/deadlock.md); host.unwait removes it when the call has ended. Both are
// accepted only from the process registered under `caller`. started_ns is the
// call's start on CLOCK_MONOTONIC (the edge's age; 0: the host numbers it).
//
// host.register is accepted only from the process it names (the pid must
// match the caller's SO_PEERCRED) and only for names in the manifest.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/wire/record_view.hpp"
#include "missive/wire/record_writer.hpp"

namespace missive::service {

inline constexpr const char* default_host_address = "unix:@missive-host";

struct RegisterRequest {
  std::string name;
  std::string address;
  std::uint64_t pid = 0;
  void encode(RecordWriter& w) const;
  [[nodiscard]] static Result<RegisterRequest> decode(const RecordView& v);
};

struct RegisterReply {
  std::uint64_t generation = 0;  // increases each time the service starts anew
  void encode(RecordWriter& w) const;
  [[nodiscard]] static Result<RegisterReply> decode(const RecordView& v);
};

struct LookupRequest {
  std::string name;
  void encode(RecordWriter& w) const;
  [[nodiscard]] static Result<LookupRequest> decode(const RecordView& v);
};

struct LookupReply {
  std::string address;
  std::uint64_t pid = 0;
  std::uint64_t generation = 0;
  void encode(RecordWriter& w) const;
  [[nodiscard]] static Result<LookupReply> decode(const RecordView& v);
};

struct StatusRequest {
  void encode(RecordWriter& /*w*/) const {}
  [[nodiscard]] static Result<StatusRequest> decode(const RecordView& /*v*/) { return StatusRequest{}; }
};

// One service as the host sees it.
struct ServiceStatus {
  std::string name;
  std::string state;  // starting, running, backoff, failed, stopped
  std::uint64_t pid = 0;
  std::uint64_t generation = 0;
  std::uint64_t restarts = 0;
  std::uint64_t uptime_ms = 0;
  std::string address;
  std::string last_exit;  // "exit 1", "signal 9", or empty
  void encode(RecordWriter& w) const;
  [[nodiscard]] static Result<ServiceStatus> decode(const RecordView& v);
};

struct StatusReply {
  std::vector<ServiceStatus> services;
  std::uint64_t host_pid = 0;
  void encode(RecordWriter& w) const;
  [[nodiscard]] static Result<StatusReply> decode(const RecordView& v);
};

struct WaitRequest {
  std::string caller;
  std::string callee;
  std::uint64_t request_id = 0;
  std::uint64_t started_ns = 0;  // optional on the wire (tag 4): older callers omit it
  void encode(RecordWriter& w) const;
  [[nodiscard]] static Result<WaitRequest> decode(const RecordView& v);
};

struct WaitReply {
  void encode(RecordWriter& /*w*/) const {}
  [[nodiscard]] static Result<WaitReply> decode(const RecordView& /*v*/) { return WaitReply{}; }
};

struct UnwaitRequest {
  std::string caller;
  std::uint64_t request_id = 0;
  void encode(RecordWriter& w) const;
  [[nodiscard]] static Result<UnwaitRequest> decode(const RecordView& v);
};

}  // namespace missive::service
