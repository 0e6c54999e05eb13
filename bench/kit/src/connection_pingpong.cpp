#include "benchkit/connection_pingpong.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "missive/transport/connection.hpp"
#include "missive/transport/listener.hpp"

namespace benchkit {
namespace {

namespace transport = missive::transport;
namespace shm = missive::shm;
using missive::Deadline;
using rawbase::Timing;
using namespace std::chrono_literals;

constexpr std::size_t KiB = 1024;

std::string unique_address(transport::Scheme scheme) {
  static std::atomic<int> counter{0};
  const std::string name = "missive-pingpong-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
  switch (scheme) {
    case transport::Scheme::shm:
      return "shm://" + name;
    case transport::Scheme::unix_socket:
      return "unix:@" + name;
    case transport::Scheme::tcp:
      return "tcp://127.0.0.1:0";  // a free port: the listener names it
    case transport::Scheme::inproc:
      break;
  }
  return "inproc://" + name;
}

template <class Options>
Options endpoint_options(std::size_t size, const PingPongOptions& p) {
  Options o;
  std::size_t capacity = 64 * KiB;  // a record is at most capacity / 2
  while (capacity / 2 < size + 64) capacity *= 2;
  o.ring = shm::RingConfig{capacity, 0, 0, 0};
  if (p.path != transport::SendPath::inline_copy) {
    o.ring.loan_buffers = 4;
    o.ring.loan_buffer_bytes = std::max<std::size_t>(size, 64);
  }
  o.wait = p.wait;
  o.send_path = p.path;
  o.crossover_bytes = p.crossover_bytes;
  o.inproc_max_message = std::max(o.inproc_max_message, size);
  o.inproc_capacity = 4;
  return o;
}

// The echo side: `total` messages received and sent back.
bool echo(transport::Connection& conn, std::size_t size, std::uint64_t total) {
  std::vector<std::byte> buffer;
  for (std::uint64_t i = 0; i < total; ++i) {
    if (!conn.recv(buffer, Deadline::after(10s)) || buffer.size() != size) return false;
    if (!conn.send(buffer, Deadline::after(10s))) return false;
  }
  return true;
}

Timing drive(transport::Connection& conn, std::size_t size, std::uint64_t warm, std::uint64_t rounds) {
  const std::vector<std::byte> message = rawbase::pattern(size);
  std::vector<std::byte> reply;
  auto round_trip = [&] {
    return conn.send(message, Deadline::after(10s)) && conn.recv(reply, Deadline::after(10s)) && reply.size() == size;
  };
  for (std::uint64_t w = 0; w < warm; ++w) {
    if (!round_trip()) return {};
  }
  return rawbase::time_blocks(rounds, round_trip);
}

}  // namespace

Timing connection_pingpong(transport::Scheme scheme, std::size_t size, std::uint64_t rounds,
                           const PingPongOptions& options) {
  auto listener =
      transport::Listener::listen(unique_address(scheme), endpoint_options<transport::ListenOptions>(size, options));
  if (!listener) return {};
  const std::string address = listener->address();
  const std::uint64_t warm = rawbase::warmup_rounds(rounds);
  const auto connect_options = endpoint_options<transport::ConnectOptions>(size, options);
  if (scheme == transport::Scheme::inproc) {
    bool echoed = false;  // written by the peer thread, read after join()
    std::thread peer([&] {
      auto conn = transport::connect(address, Deadline::after(5s), connect_options);
      echoed = conn && echo(*conn, size, warm + rounds);
    });
    Timing t;
    if (auto conn = listener->accept(Deadline::after(5s)); conn) t = drive(*conn, size, warm, rounds);
    peer.join();
    if (!echoed) t.ok = false;
    return t;
  }
  rawbase::Forked child = rawbase::Forked::start([&]() -> int {
    auto conn = transport::connect(address, Deadline::after(5s), connect_options);
    if (!conn) return 2;
    return echo(*conn, size, warm + rounds) ? 0 : 4;
  });
  auto conn = listener->accept(Deadline::after(5s));
  if (!conn) return {};
  Timing t = drive(*conn, size, warm, rounds);
  if (!child.wait()) t.ok = false;
  return t;
}

}  // namespace benchkit
