// transport_support.hpp - tests: unique addresses and connected pairs per scheme.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "missive/transport/connection.hpp"
#include "missive/transport/listener.hpp"

namespace missive::transport::testing {

enum class Kind { inproc, shm, unix_abstract, unix_path, tcp };

inline const char* kind_name(Kind k) {
  switch (k) {
    case Kind::inproc: return "inproc";
    case Kind::shm: return "shm";
    case Kind::unix_abstract: return "unix_abstract";
    case Kind::unix_path: return "unix_path";
    case Kind::tcp: return "tcp";
  }
  return "?";
}

// A fresh address per call (abstract names are shared by the whole host).
inline std::string unique_address(Kind k) {
  static std::atomic<int> counter{0};
  const std::string tag =
      "mt-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
  switch (k) {
    case Kind::inproc: return "inproc://" + tag;
    case Kind::shm: return "shm://" + tag;
    case Kind::unix_abstract: return "unix:@" + tag;
    case Kind::unix_path: {
      const std::string path = "/tmp/" + tag + ".sock";
      ::unlink(path.c_str());
      return "unix://" + path;
    }
    case Kind::tcp: return "tcp://127.0.0.1:0";  // a free port; Listener::address() names it
  }
  return {};
}

// What a leak check counts: open descriptors and mappings of this process.
inline std::size_t count_fds() {
  std::size_t n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n - 1;  // the DIR's own descriptor
}

inline std::size_t count_maps() {
  std::ifstream maps("/proc/self/maps");
  std::size_t n = 0;
  for (std::string line; std::getline(maps, line);) ++n;
  return n;
}

inline std::vector<std::byte> pattern(std::size_t size, std::uint32_t seed) {
  std::vector<std::byte> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>((seed * 131u + i * 7u) & 0xFFu);
  return out;
}

struct Pair {
  Listener listener;
  Connection client;
  Connection server;
  std::string address;
};

// Listens, connects and accepts (accept runs on a thread: the shm handshake
// needs both sides). Aborts on failure: callers assert on what they test.
inline Pair connected_pair(Kind k, const ListenOptions& lo = {}, const ConnectOptions& co = {}) {
  auto listener = Listener::listen(unique_address(k), lo);
  if (!listener) std::abort();
  const std::string address = listener->address();
  std::optional<Result<Connection>> accepted;
  std::thread acceptor([&] { accepted.emplace(listener->accept(Deadline::after(std::chrono::seconds(10)))); });
  auto client = connect(address, Deadline::after(std::chrono::seconds(10)), co);
  acceptor.join();
  if (!client || !accepted || !*accepted) std::abort();
  return Pair{std::move(*listener), std::move(*client), std::move(**accepted), address};
}

}  // namespace missive::transport::testing
