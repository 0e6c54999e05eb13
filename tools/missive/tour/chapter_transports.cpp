// Tour chapter: two processes exchanging messages over each transport, with a
// raw socketpair ping-pong measured in the same run as the baseline.
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
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
  // Warm-up: page faults, the peer leaving its first sleep, caches.
  for (std::uint64_t i = 0; i < round_trips / 4; ++i) {
    if (!round_trip()) return -1;
  }
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

// The zero-copy echo, in the child: read each message through a view (no
// copy), answer with a loaned buffer of the same size carrying the first 8
// bytes back (the rest is "built in place": not touched, not copied).
[[noreturn]] void loan_echo_child(const std::string& address) {
  auto connection = transport::connect(address, Deadline::after(5s));
  if (!connection) ::_exit(3);
  for (;;) {
    auto view = connection->recv_view(Deadline::after(10s));
    if (!view) ::_exit(view.code() == Errc::closed ? 0 : 5);
    auto loan = connection->loan(view->size(), Deadline::after(10s));
    if (!loan || !loan->zero_copy()) ::_exit(6);
    std::memcpy(loan->bytes().data(), view->bytes().data(), std::min<std::size_t>(8, view->size()));
    view->reset();  // the buffer goes back to the peer's pool before we answer
    if (!connection->send_loan(std::move(*loan), Deadline::after(10s))) ::_exit(4);
  }
}

struct Row {
  std::string name;
  std::array<double, sizes.size()> ns{};
  std::string error;
};

Row measure_transport(const std::string& label, const std::string& address, std::uint64_t round_trips,
                      bool zero_copy = false) {
  Row row{label, {}, {}};
  auto listener = transport::Listener::listen(address);
  if (!listener) return Row{label, {}, listener.error().message()};
  const pid_t child = ::fork();
  if (child == 0) {
    if (zero_copy) loan_echo_child(address);
    echo_child(address);
  }
  if (child < 0) return Row{label, {}, "fork failed"};
  auto connection = listener->accept(Deadline::after(5s));
  if (!connection) {
    row.error = connection.error().message();
  } else {
    std::vector<std::byte> reply;
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      const std::vector<std::byte> message(sizes[k], std::byte{0x5a});
      const auto copy_trip = [&] {
        return connection->send(message, Deadline::after(5s)) && connection->recv(reply, Deadline::after(5s)) &&
               reply.size() == message.size();
      };
      std::uint64_t seq = 0;
      const auto loan_trip = [&] {
        auto loan = connection->loan(sizes[k], Deadline::after(5s));
        if (!loan || !loan->zero_copy()) return false;
        ++seq;
        std::memcpy(loan->bytes().data(), &seq, sizeof seq);
        if (!connection->send_loan(std::move(*loan), Deadline::after(5s))) return false;
        auto view = connection->recv_view(Deadline::after(5s));
        std::uint64_t echoed = 0;
        if (!view || !view->zero_copy() || view->size() != sizes[k]) return false;
        std::memcpy(&echoed, view->bytes().data(), sizeof echoed);
        return echoed == seq;
      };
      row.ns[k] = zero_copy ? one_way_ns(round_trips, loan_trip) : one_way_ns(round_trips, copy_trip);
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

// inproc:// has no second process: an echo thread in this one.
Row measure_inproc(const std::string& address, std::uint64_t round_trips) {
  Row row{"inproc:// (two threads)", {}, {}};
  auto listener = transport::Listener::listen(address);
  if (!listener) return Row{row.name, {}, listener.error().message()};
  std::thread echo([&] {
    auto connection = listener->accept(Deadline::after(5s));
    if (!connection) return;
    std::vector<std::byte> message;
    while (connection->recv(message, Deadline::after(10s))) {
      if (!connection->send(message, Deadline::after(10s))) return;
    }
  });
  auto connection = transport::connect(address, Deadline::after(5s));
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
  echo.join();
  return row;
}

}  // namespace

int tour_transports(const TourOptions& options) {
  const std::uint64_t round_trips = options.quick ? 200 : 4000;
  const std::string tag = std::to_string(::getpid());
  Progress progress("transports", 5);
  std::vector<Row> rows;
  progress.step("shm:// between two processes");
  rows.push_back(measure_transport("shm:// (rings in shared memory)", "shm://tour-" + tag, round_trips));
  progress.step("unix:@ between two processes");
  rows.push_back(measure_transport("unix:@ (framed stream socket)", "unix:@missive-tour-" + tag, round_trips));
  progress.step("raw socketpair between two processes");
  rows.push_back(measure_socketpair(round_trips));
  progress.step("shm:// loans and zero-copy views");
  rows.push_back(measure_transport("shm:// loan + view (zero-copy)", "shm://tour-loan-" + tag, round_trips, true));
  progress.step("inproc:// between two threads");
  rows.push_back(measure_inproc("inproc://tour-" + tag, round_trips));
  progress.done();

  fmt::print("One-way latency between two processes, inproc between two threads (round trip / 2, median of {} runs of {}):\n", runs, round_trips);
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
    for (double ns : row.ns) fmt::print(" {:>7.2f} us", ns / 1000);
    fmt::print("\n");
  }
  if (failures == 0) {
    fmt::print("  At 64 B shm:// costs {:.3f}x the raw socketpair's latency; unix:@ costs {:.2f}x it.\n",
               rows[0].ns[0] / rows[2].ns[0], rows[1].ns[0] / rows[2].ns[0]);
    fmt::print("  The zero-copy row writes 8 bytes in place and reads 8 through a view: at {1} B it costs {0:.2f}x\n"
               "  its {2} B figure (the copying shm:// row: {3:.2f}x).\n",
               rows[3].ns.back() / rows[3].ns[0], sizes.back(), sizes[0], rows[0].ns.back() / rows[0].ns[0]);
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace missive::cli
