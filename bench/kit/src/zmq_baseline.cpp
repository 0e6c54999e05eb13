#include "benchkit/zmq_baseline.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include <zmq.hpp>

namespace benchkit {
namespace {

using rawbase::Forked;
using rawbase::Timing;

std::string zmq_address() {
  static std::atomic<int> counter{0};
  return "ipc:///tmp/missive-bench-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) +
         ".ipc";
}
void zmq_cleanup(const std::string& address) { ::unlink(address.substr(6).c_str()); }

}  // namespace

Timing zmq_pingpong(std::size_t size, std::uint64_t rounds) {
  const std::string address = zmq_address();
  const std::uint64_t warm = rawbase::warmup_rounds(rounds);
  Forked child = Forked::start(
      [&]() -> int {
        zmq::context_t context(1);
        zmq::socket_t socket(context, zmq::socket_type::pair);
        // Linger: the last reply (up to 4 MiB) may still be in the I/O thread when
        // the loop ends; with linger 0 closing would drop it and the parent would wait in vain.
        socket.set(zmq::sockopt::linger, 10000);
        socket.set(zmq::sockopt::rcvtimeo, 10000);  // a dead peer fails the run instead of hanging it
        socket.connect(address);
        std::vector<std::byte> buffer(size);
        for (std::uint64_t i = 0; i < warm + rounds; ++i) {
          auto got = socket.recv(zmq::buffer(buffer.data(), size));
          if (!got || got->size != size) return 4;
          if (!socket.send(zmq::buffer(buffer.data(), size), zmq::send_flags::none)) return 5;
        }
        return 0;
      },
      /*pin=*/false);
  Timing t;
  {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::pair);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::rcvtimeo, 10000);
    socket.bind(address);
    std::vector<std::byte> buffer = rawbase::pattern(size);
    auto round_trip = [&] {
      if (!socket.send(zmq::buffer(buffer.data(), size), zmq::send_flags::none)) return false;
      auto got = socket.recv(zmq::buffer(buffer.data(), size));
      return got && got->size == size;
    };
    bool warmed = true;
    for (std::uint64_t w = 0; w < warm && warmed; ++w) warmed = round_trip();
    if (warmed) t = rawbase::time_blocks(rounds, round_trip);
    if (!t.ok) std::fprintf(stderr, "zmq round trip failed: %s\n", zmq_strerror(zmq_errno()));
    if (!child.wait()) t.ok = false;
  }
  zmq_cleanup(address);
  return t;
}

double zmq_stream(std::uint64_t n, std::size_t size) {
  const std::string address = zmq_address();
  rawbase::AckPipe ack;
  Forked child = Forked::start(
      [&]() -> int {
        zmq::context_t context(1);
        zmq::socket_t socket(context, zmq::socket_type::pull);
        socket.set(zmq::sockopt::linger, 0);
        socket.connect(address);
        std::vector<std::byte> buffer(size);
        for (std::uint64_t i = 0; i < n + 1; ++i) {
          auto got = socket.recv(zmq::buffer(buffer));
          if (!got || got->size != size) return 4;
          if (i == 0 && !ack.signal()) return 5;
        }
        return ack.signal() ? 0 : 6;
      },
      /*pin=*/false);
  double rate = 0;
  {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::push);
    socket.set(zmq::sockopt::linger, 0);
    socket.bind(address);
    const std::vector<std::byte> message = rawbase::pattern(size);
    bool good = socket.send(zmq::buffer(message), zmq::send_flags::none).has_value() && ack.wait();
    const auto start = rawbase::Clock::now();
    for (std::uint64_t i = 0; i < n && good; ++i) {
      good = socket.send(zmq::buffer(message), zmq::send_flags::none).has_value();
    }
    good = good && ack.wait();
    const double seconds = std::chrono::duration<double>(rawbase::Clock::now() - start).count();
    if (child.wait() && good) rate = static_cast<double>(n) / seconds;
  }
  zmq_cleanup(address);
  return rate;
}

}  // namespace benchkit
