// missive-echod: the smallest service, for the host's tests, benchmarks and tour. Methods:
//   echo      replies with the request body
//   pid       replies with its pid (8 bytes, little-endian)
//   sleep     sleeps the number of milliseconds in the body (u64 LE), then replies
//   crash     abort()s without replying
//   exit      exits with the code in the body's first byte, without replying
//   count     replies with the number of `note` notifications seen (u64 LE)
//   note      (notification) counts
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include "missive/service/service_runtime.hpp"

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
  server.handle("note", [](const CallContext&, std::span<const std::byte>) -> CallResult<Bytes> {
    notes.fetch_add(1, std::memory_order_relaxed);  // a counter: no ordering needed
    return Bytes{};
  });
  server.handle("count", [](const CallContext&, std::span<const std::byte>) -> CallResult<Bytes> {
    return u64_bytes(notes.load(std::memory_order_relaxed));
  });
  return (*runtime)->run();
}
