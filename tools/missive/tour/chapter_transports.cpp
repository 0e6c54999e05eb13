// Tour chapter: two processes exchanging messages over each transport, with a
// raw socketpair ping-pong measured in the same run as the baseline.
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "benchkit/stats.hpp"
#include "missive/transport/connection.hpp"
#include "missive/transport/listener.hpp"
#include "progress.hpp"
#include "tour/tour.hpp"

namespace missive::cli {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr std::array<std::size_t, 3> sizes{64, 4096, 16384};
constexpr int runs = 5;

// One-way latency in ns (round trip / 2), median of `runs` blocks of
// `round_trips` each; `round_trip` performs one and returns false on error.
double one_way_ns(std::uint64_t round_trips, const std::function<bool()>& round_trip) {
  std::vector<double> samples;
  for (int r = 0; r < runs; ++r) {
    const auto start = SteadyClock::now();
    for (std::uint64_t i = 0; i < round_trips; ++i) {
      if (!round_trip()) return -1;
    }
    const double ns = std::chrono::duration<double, std::nano>(SteadyClock::now() - start).count();
    samples.push_back(ns / static_cast<double>(round_trips) / 2);
  }
  return benchkit::summarize(samples).median;
}

// The echo side, in the child: send back every message until the peer closes.
[[noreturn]] void echo_child(const std::string& address) {
  auto connection = transport::connect(address, Deadline::after(5s));
  if (!connection) ::_exit(3);
  std::vector<std::byte> message;
  while (connection->recv(message, Deadline::after(10s))) {
    if (!connection->send(message, Deadline::after(10s))) ::_exit(4);
  }
  ::_exit(0);
}

struct Row {
  std::string name;
  std::array<double, sizes.size()> ns{};
  std::string error;
};

Row measure_transport(const std::string& label, const std::string& address, std::uint64_t round_trips) {
  Row row{label, {}, {}};
  auto listener = transport::Listener::listen(address);
  if (!listener) return Row{label, {}, listener.error().message()};
  const pid_t child = ::fork();
  if (child == 0) echo_child(address);
  if (child < 0) return Row{label, {}, "fork failed"};
  auto connection = listener->accept(Deadline::after(5s));
  if (!connection) {
    row.error = connection.error().message();
  } else {
    std::vector<std::byte> reply;
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      const std::vector<std::byte> message(sizes[k], std::byte{0x5a});
      row.ns[k] = one_way_ns(round_trips, [&] {
        return connection->send(message, Deadline::after(5s)) && connection->recv(reply, Deadline::after(5s)) &&
               reply.size() == message.size();
      });
      if (row.ns[k] < 0) row.error = "exchange failed";
    }
    connection->close();
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  if (row.error.empty() && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) row.error = "echo process failed";
  return row;
}

// Raw baseline: a blocking socketpair between two processes, write/read.
Row measure_socketpair(std::uint64_t round_trips) {
  Row row{"raw socketpair (baseline)", {}, {}};
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return Row{row.name, {}, "socketpair failed"};
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    std::vector<char> buffer(sizes.back());
    for (;;) {
      const ssize_t n = ::read(fds[1], buffer.data(), buffer.size());
      if (n <= 0) ::_exit(0);
      for (ssize_t sent = 0; sent < n;) {
        const ssize_t w = ::write(fds[1], buffer.data() + sent, static_cast<std::size_t>(n - sent));
        if (w <= 0) ::_exit(4);
        sent += w;
      }
    }
  }
  ::close(fds[1]);
  std::vector<char> buffer(sizes.back());
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const std::size_t size = sizes[k];
    row.ns[k] = one_way_ns(round_trips, [&] {
      if (::write(fds[0], buffer.data(), size) != static_cast<ssize_t>(size)) return false;
      for (std::size_t got = 0; got < size;) {
        const ssize_t n = ::read(fds[0], buffer.data() + got, size - got);
        if (n <= 0) return false;
        got += static_cast<std::size_t>(n);
      }
      return true;
    });
  }
  ::close(fds[0]);
  ::waitpid(child, nullptr, 0);
  return row;
}

}  // namespace

int tour_transports(const TourOptions& options) {
  const std::uint64_t round_trips = options.quick ? 200 : 4000;
  const std::string tag = std::to_string(::getpid());
  Progress progress("transports", 3);
  std::vector<Row> rows;
  progress.step("shm:// between two processes");
  rows.push_back(measure_transport("shm:// (rings in shared memory)", "shm://tour-" + tag, round_trips));
  progress.step("unix:@ between two processes");
  rows.push_back(measure_transport("unix:@ (framed stream socket)", "unix:@missive-tour-" + tag, round_trips));
  progress.step("raw socketpair between two processes");
  rows.push_back(measure_socketpair(round_trips));
  progress.done();

  fmt::print("One-way latency between two processes (round trip / 2, median of {} runs of {}):\n", runs, round_trips);
  fmt::print("  {:<34}", "transport");
  for (auto size : sizes) fmt::print(" {:>10}", fmt::format("{} B", size));
  fmt::print("\n");
  int failures = 0;
  for (const auto& row : rows) {
    fmt::print("  {:<34}", row.name);
    if (!row.error.empty()) {
      fmt::print(" failed: {}\n", row.error);
      ++failures;
      continue;
    }
    for (double ns : row.ns) fmt::print(" {:>7.1f} us", ns / 1000);
    fmt::print("\n");
  }
  if (failures == 0) {
    fmt::print("  shm:// is {:.0f}x faster than the raw socketpair at 64 B; unix:@ costs {:.2f}x the raw socketpair.\n",
               rows[2].ns[0] / rows[0].ns[0], rows[1].ns[0] / rows[2].ns[0]);
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace missive::cli
