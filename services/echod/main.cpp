// missive-echod: the smallest service, for the host's tests, benchmarks and tour. Methods:
//   echo      replies with the request body
//   pid       replies with its pid (8 bytes, little-endian)
//   sleep     sleeps the number of milliseconds in the body (u64 LE), then replies
//   crash     abort()s without replying
//   exit      exits with the code in the body's first byte, without replying
//   count     replies with the number of `note` notifications seen (u64 LE)
//   note      (notification) counts
//   getcpu    calls getcpu(2) directly (no vDSO) and replies with its errno
//             (u64 LE, 0 when allowed): the seccomp tests' probe, a syscall
//             no service needs
//   ids       replies with its uid, gid and supplementary group count (3 x u64 LE)
//   relay     body: a record of service names (tag 1, repeated); calls the
//             first with `relay` and the rest, and replies with the names of
//             every service the chain passed through (or the error that ended
//             it). A chain that returns to a busy service is a wait cycle.
//             Tag 2 (u64): milliseconds to sleep before calling on (a slow call).
//             Tag 3 (string) and 4 (u64): the wait registration (lazy, eager,
//             off) and grace in us of this hop's call, instead of the
//             service's (so a benchmark compares them on the same processes).
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "missive/service/service_runtime.hpp"
#include "missive/wire/message.hpp"

using missive::service::Bytes;
using missive::service::CallContext;
using missive::service::CallResult;

namespace {

Bytes u64_bytes(std::uint64_t value) {
  Bytes out(8);
  std::memcpy(out.data(), &value, 8);
  return out;
}

std::uint64_t u64_of(std::span<const std::byte> body) {
  std::uint64_t value = 0;
  std::memcpy(&value, body.data(), std::min<std::size_t>(8, body.size()));
  return value;
}

}  // namespace

int main() {
  auto runtime = missive::service::ServiceRuntime::create(missive::service::ServiceRuntimeOptions{});
  if (!runtime) {
    std::cerr << "missive-echod: " << runtime.error().message() << "\n";
    return 2;
  }
  auto& server = (*runtime)->server();
  static std::atomic<std::uint64_t> notes{0};
  server.handle("echo", [](const CallContext&, std::span<const std::byte> body) -> CallResult<Bytes> {
    return Bytes(body.begin(), body.end());
  });
  server.handle("pid", [](const CallContext&, std::span<const std::byte>) -> CallResult<Bytes> {
    return u64_bytes(static_cast<std::uint64_t>(::getpid()));
  });
  server.handle("sleep", [](const CallContext&, std::span<const std::byte> body) -> CallResult<Bytes> {
    std::this_thread::sleep_for(std::chrono::milliseconds(u64_of(body)));
    return Bytes{};
  });
  server.handle("crash", [](const CallContext&, std::span<const std::byte>) -> CallResult<Bytes> { std::abort(); });
  server.handle("exit", [](const CallContext&, std::span<const std::byte> body) -> CallResult<Bytes> {
    std::_Exit(body.empty() ? 0 : static_cast<int>(body[0]));
  });
  server.handle("getcpu", [](const CallContext&, std::span<const std::byte>) -> CallResult<Bytes> {
    unsigned cpu = 0;
    const long rc = ::syscall(SYS_getcpu, &cpu, nullptr, nullptr);
    return u64_bytes(rc == 0 ? 0 : static_cast<std::uint64_t>(errno));
  });
  server.handle("ids", [](const CallContext&, std::span<const std::byte>) -> CallResult<Bytes> {
    Bytes out = u64_bytes(::getuid());
    const Bytes gid = u64_bytes(::getgid());
    const Bytes groups = u64_bytes(static_cast<std::uint64_t>(std::max(0, ::getgroups(0, nullptr))));
    out.insert(out.end(), gid.begin(), gid.end());
    out.insert(out.end(), groups.begin(), groups.end());
    return out;
  });
  server.handle("note", [](const CallContext&, std::span<const std::byte>) -> CallResult<Bytes> {
    notes.fetch_add(1, std::memory_order_relaxed);  // a counter: no ordering needed
    return Bytes{};
  });
  server.handle("count", [](const CallContext&, std::span<const std::byte>) -> CallResult<Bytes> {
    return u64_bytes(notes.load(std::memory_order_relaxed));
  });
  const missive::service::ServiceRuntime& self = **runtime;
  server.handle("relay", [&self](const CallContext& ctx, std::span<const std::byte> body) -> CallResult<Bytes> {
    missive::Result<missive::RecordView> view = missive::RecordView::parse(body);
    if (!view) return view.error();
    std::vector<std::string> path;
    view->for_each_string(1, [&](std::string_view name) { path.emplace_back(name); });
    missive::RecordWriter reply;
    reply.add_string(1, self.name());
    if (!path.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(view->get_u64(2)));
      missive::RecordWriter rest;
      for (std::size_t i = 1; i < path.size(); ++i) rest.add_string(1, path[i]);
      rest.add_u64(2, view->get_u64(2));
      // One client per thread, callee and setting (ServiceClient is single-threaded).
      std::string key = path[0];
      std::optional<missive::service::DeadlockDetection> detection;
      if (view->has(3)) {
        auto registration = missive::service::parse_wait_registration(view->get_string(3));
        if (!registration) return registration.error();
        detection = missive::service::DeadlockDetection{*registration, std::chrono::microseconds(view->get_u64(4, 200))};
        key += '/';
        key += view->get_string(3);
        key += '/';
        key += std::to_string(detection->grace.count());
      }
      thread_local std::map<std::string, missive::service::ServiceClient> clients;
      auto it = clients.find(key);
      if (it == clients.end()) {
        it = clients.emplace(key, detection ? self.client(path[0], *detection) : self.client(path[0])).first;
      }
      CallResult<Bytes> next = it->second.call("relay", rest.bytes(), ctx.deadline);
      if (!next) return next.error();
      missive::Result<missive::RecordView> tail = missive::RecordView::parse(*next);
      if (!tail) return tail.error();
      tail->for_each_string(1, [&](std::string_view name) { reply.add_string(1, name); });
    }
    return std::move(reply).take();
  });
  return (*runtime)->run();
}
