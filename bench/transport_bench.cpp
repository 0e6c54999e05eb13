// transport_bench - missive's shared-memory rings between two PROCESSES against
// raw baselines written for the measurement (spin ping-pong over one shared
// mapping, socketpair, pipe) and ZeroMQ ipc, all in one run.
//
// Latency: ping-pong between the benchmark process and a fork()ed echo child,
// pinned to different cores (when there are two); one-way = round trip / 2, in
// ns. Each repetition forks a fresh child, warms up, then times blocks of at
// most 16 round trips and keeps the median block (robust to preemption on a
// shared machine: see rawbase::time_blocks). Throughput: one-way streaming of 64-byte messages, msgs/s.
// Every benchmark repeats 5 times; the closing tables print medians and ratios
// against the baselines of the same run.
//
//   build/release/bench/transport_bench
//   build/release/bench/transport_bench --benchmark_filter=latency/shm
#include <benchmark/benchmark.h>
#include <zmq.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "median_reporter.hpp"
#include "missive/platform/fd_passing.hpp"
#include "missive/platform/process.hpp"
#include "missive/platform/unix_socket.hpp"
#include "missive/shm/ring_receiver.hpp"
#include "missive/shm/ring_sender.hpp"
#include "missive/transport/connection.hpp"
#include "missive/transport/listener.hpp"
#include "benchkit/raw_baselines.hpp"

namespace {

namespace platform = missive::platform;
namespace shm = missive::shm;
namespace transport = missive::transport;
using missive::Deadline;
using missive::Errc;
using missive::Result;
using missive::Status;
using rawbase::Forked;
using rawbase::Timing;

constexpr int repetitions = 5;
constexpr std::size_t KiB = 1024;
constexpr std::size_t MiB = 1024 * KiB;
constexpr std::array<std::size_t, 6> sizes = {8, 64, 4 * KiB, 64 * KiB, 1 * MiB, 4 * MiB};

// Round trips per repetition: many for the shared-memory transports (tens of
// ns each), fewer for those that enter the kernel (tens of us each).
std::uint64_t rounds_for(std::size_t size, bool fast) {
  if (size <= 64) return fast ? 20000 : 1000;
  if (size <= 4 * KiB) return fast ? 10000 : 1000;
  if (size <= 64 * KiB) return fast ? 2000 : 500;
  if (size <= 1 * MiB) return fast ? 200 : 60;
  return fast ? 40 : 20;
}

std::vector<std::byte> pattern(std::size_t size) {
  std::vector<std::byte> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>(i * 31 + 7);
  return out;
}

// ---------------------------------------------------------------------------
// missive shm rings: one ring each way, descriptors handed over with SCM_RIGHTS
// ---------------------------------------------------------------------------

// A ring whose max message holds `size` (a record is at most capacity / 2).
shm::RingConfig ring_for(std::size_t size) {
  std::size_t capacity = 64 * KiB;
  while (capacity / 2 < size + 64) capacity *= 2;
  return shm::RingConfig{capacity, 0};
}

// A ring with a loan pool of 4 buffers of `size` bytes (for views).
shm::RingConfig pooled_ring_for(std::size_t size) {
  shm::RingConfig config{64 * KiB, 0};
  config.loan_buffers = 4;
  config.loan_buffer_bytes = std::max<std::size_t>(size, 64);
  return config;
}

// Hands over the ring's descriptors: data, control and (when it has one) pool.
Status hand_over(const platform::Fd& socket, const shm::RingSender& sender) {
  const int fds[] = {sender.data_fd().get(), sender.control_fd().get(), sender.pool_fd().get()};
  const std::byte tag[] = {std::byte{'R'}};
  const std::size_t count = sender.pool_fd().valid() ? 3 : 2;
  return platform::send_fds(socket, tag, std::span<const int>(fds, count), Deadline::after(std::chrono::seconds(10)));
}

Result<shm::RingReceiver> take_over(const platform::Fd& socket, const shm::WaitPolicy& policy) {
  std::array<std::byte, 4> payload{};
  auto received = platform::recv_fds(socket, payload, Deadline::after(std::chrono::seconds(10)));
  if (!received) return received.error();
  if (received->fds.size() == 3) {
    return shm::RingReceiver::attach(std::move(received->fds[0]), std::move(received->fds[1]),
                                     std::move(received->fds[2]), policy);
  }
  if (received->fds.size() != 2) return Errc::invalid_argument;
  return shm::RingReceiver::attach(std::move(received->fds[0]), std::move(received->fds[1]), policy);
}

// Both ends of one process's side of a duplex pair of rings.
struct ShmSide {
  shm::RingSender out;
  shm::RingReceiver in;
};

// Parent: creates the down ring, hands it over, takes the up ring. Child: the
// mirror image. Each side watches the other's pidfd, so a dead peer ends a
// blocked call with peer_died instead of hanging the benchmark.
Result<ShmSide> connect_side(const platform::Fd& socket, const shm::RingConfig& config, const shm::WaitPolicy& policy,
                             bool creates_first, platform::Fd peer_pidfd) {
  auto make_out = [&]() -> Result<shm::RingSender> {
    auto sender = shm::RingSender::create(config, policy);
    if (!sender) return sender.error();
    if (Status s = hand_over(socket, *sender); !s) return s.error();
    sender->drop_fds();
    return sender;
  };
  Result<shm::RingSender> out = Errc::invalid_argument;
  Result<shm::RingReceiver> in = Errc::invalid_argument;
  if (creates_first) {
    out = make_out();
    if (!out) return out.error();
    in = take_over(socket, policy);
  } else {
    in = take_over(socket, policy);
    if (!in) return in.error();
    out = make_out();
  }
  if (!out) return out.error();
  if (!in) return in.error();
  if (auto dup = peer_pidfd.duplicate(); dup) out->watch_peer(std::move(*dup));
  in->watch_peer(std::move(peer_pidfd));
  return ShmSide{std::move(*out), std::move(*in)};
}

Timing shm_copy_pingpong(std::size_t size, std::uint64_t rounds, const shm::WaitPolicy& policy) {
  auto sockets = platform::socket_pair(platform::SocketType::seqpacket);
  if (!sockets) return {};
  const std::uint64_t warm = rawbase::warmup_rounds(rounds);
  Forked child = Forked::start([&]() -> int {
    sockets->first.reset();
    auto parent = platform::pidfd_open(::getppid());
    if (!parent) return 2;
    auto side = connect_side(sockets->second, ring_for(size), policy, false, std::move(*parent));
    if (!side) return 3;
    std::vector<std::byte> buffer(size);
    for (std::uint64_t i = 0; i < warm + rounds; ++i) {
      auto n = side->in.recv_into(buffer);
      if (!n || *n != size) return 4;
      if (!side->out.send(buffer)) return 5;
    }
    return 0;
  });
  sockets->second.reset();
  auto child_pidfd = platform::pidfd_open(child.pid());
  if (!child_pidfd) return {};
  auto side = connect_side(sockets->first, ring_for(size), policy, true, std::move(*child_pidfd));
  if (!side) return {};
  std::vector<std::byte> buffer = pattern(size);
  auto round_trip = [&] {
    if (!side->out.send(buffer)) return false;
    auto n = side->in.recv_into(buffer);
    return n && *n == size;
  };
  for (std::uint64_t i = 0; i < warm; ++i) {
    if (!round_trip()) return {};
  }
  Timing t = rawbase::time_blocks(rounds, round_trip);
  if (!child.wait()) t.ok = false;
  return t;
}

// Zero-copy: each side loans a pool buffer of `size` bytes, writes an 8-byte
// sequence number at its start (the application would write its message in
// place; nothing is copied by the transport), sends the loan; the peer reads
// the number through a View and drops it (returning the buffer). What is
// measured is the transport's cost for a message of `size` bytes, which
// should not depend on the size.
bool send_sequence(shm::RingSender& out, std::size_t size, std::uint64_t seq) {
  for (;;) {
    auto loan = out.loan(size);
    if (loan) {
      std::memcpy(loan->bytes().data(), &seq, sizeof seq);
      return out.send_loan(std::move(*loan)).has_value();
    }
    if (loan.code() != Errc::would_block) return false;
    rawbase::cpu_relax();  // every buffer still in flight: the peer returns one soon
  }
}
bool recv_sequence(shm::RingReceiver& in, std::size_t size, std::uint64_t seq) {
  auto view = in.recv_view();
  if (!view || view->size() != size || !view->zero_copy()) return false;
  std::uint64_t got = 0;
  std::memcpy(&got, view->bytes().data(), sizeof got);
  return got == seq;
}

Timing shm_view_pingpong(std::size_t size, std::uint64_t rounds, const shm::WaitPolicy& policy) {
  size = std::max<std::size_t>(size, 8);
  auto sockets = platform::socket_pair(platform::SocketType::seqpacket);
  if (!sockets) return {};
  const std::uint64_t warm = rawbase::warmup_rounds(rounds);
  Forked child = Forked::start([&]() -> int {
    sockets->first.reset();
    auto parent = platform::pidfd_open(::getppid());
    if (!parent) return 2;
    auto side = connect_side(sockets->second, pooled_ring_for(size), policy, false, std::move(*parent));
    if (!side) return 3;
    for (std::uint64_t i = 0; i < warm + rounds; ++i) {
      if (!recv_sequence(side->in, size, 2 * i + 1)) return 4;
      if (!send_sequence(side->out, size, 2 * i + 2)) return 5;
    }
    return 0;
  });
  sockets->second.reset();
  auto child_pidfd = platform::pidfd_open(child.pid());
  if (!child_pidfd) return {};
  auto side = connect_side(sockets->first, pooled_ring_for(size), policy, true, std::move(*child_pidfd));
  if (!side) return {};
  std::uint64_t i = 0;
  auto round_trip = [&] {
    const bool good = send_sequence(side->out, size, 2 * i + 1) && recv_sequence(side->in, size, 2 * i + 2);
    ++i;
    return good;
  };
  for (std::uint64_t w = 0; w < warm; ++w) {
    if (!round_trip()) return {};
  }
  Timing t = rawbase::time_blocks(rounds, round_trip);
  if (!child.wait()) t.ok = false;
  return t;
}

// ---------------------------------------------------------------------------
// Raw baselines
// ---------------------------------------------------------------------------

Timing raw_spin_pingpong(std::size_t size, std::uint64_t rounds) {
  auto page = rawbase::SpinPage::create(size);
  if (!page) return {};
  const std::uint64_t warm = rawbase::warmup_rounds(rounds);
  Forked child = Forked::start([&]() -> int {
    std::vector<std::byte> buffer(size);
    for (std::uint64_t i = 0; i < warm + rounds; ++i) {
      if (!page->recv(2 * i + 1, buffer)) return 4;
      page->send(2 * i + 2, buffer);
    }
    return 0;
  });
  std::vector<std::byte> buffer = pattern(size);
  std::uint64_t i = 0;
  auto round_trip = [&] {
    page->send(2 * i + 1, buffer);
    const bool got = page->recv(2 * i + 2, buffer);
    ++i;
    return got;
  };
  for (std::uint64_t w = 0; w < warm; ++w) {
    if (!round_trip()) return {};
  }
  Timing t = rawbase::time_blocks(rounds, round_trip);
  if (!child.wait()) t.ok = false;
  return t;
}

using rawbase::stream_pingpong;  // socketpair and pipes (benchkit/raw_baselines.hpp)

// missive's unix:@ transport (transport::Connection: framed, CRC32C-checked
// messages over SOCK_STREAM), the same ping-pong as the raw socketpair.
Timing unix_transport_pingpong(std::size_t size, std::uint64_t rounds) {
  static int counter = 0;
  const std::string address = "unix:@missive-bench-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  transport::ListenOptions lo;
  lo.limits.max_frame_bytes = 8 * MiB;
  auto listener = transport::Listener::listen(address, lo);
  if (!listener) return {};
  const std::uint64_t warm = rawbase::warmup_rounds(rounds);
  Forked child = Forked::start([&]() -> int {
    transport::ConnectOptions co;
    co.limits.max_frame_bytes = 8 * MiB;
    auto conn = transport::connect(address, Deadline::after(std::chrono::seconds(10)), co);
    if (!conn) return 2;
    std::vector<std::byte> buffer;
    for (std::uint64_t i = 0; i < warm + rounds; ++i) {
      if (!conn->recv(buffer) || buffer.size() != size) return 4;
      if (!conn->send(buffer)) return 5;
    }
    return 0;
  });
  auto conn = listener->accept(Deadline::after(std::chrono::seconds(10)));
  if (!conn) return {};
  std::vector<std::byte> buffer = pattern(size);
  std::vector<std::byte> reply;
  auto round_trip = [&] {
    if (!conn->send(buffer)) return false;
    return conn->recv(reply).has_value() && reply.size() == size;
  };
  for (std::uint64_t w = 0; w < warm; ++w) {
    if (!round_trip()) return {};
  }
  Timing t = rawbase::time_blocks(rounds, round_trip);
  if (!child.wait()) t.ok = false;
  return t;
}

// ---------------------------------------------------------------------------
// ZeroMQ ipc (cppzmq). Contexts are created after fork() on each side: a
// context's I/O threads do not survive fork.
// ---------------------------------------------------------------------------

std::string zmq_address() {
  static int counter = 0;
  return "ipc:///tmp/missive-bench-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".ipc";
}
void zmq_cleanup(const std::string& address) { ::unlink(address.substr(6).c_str()); }

Timing zmq_pingpong(std::size_t size, std::uint64_t rounds) {
  const std::string address = zmq_address();
  const std::uint64_t warm = rawbase::warmup_rounds(rounds);
  Forked child = Forked::start([&]() -> int {
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
  }, /*pin=*/false);
  Timing t;
  {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::pair);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::rcvtimeo, 10000);
    socket.bind(address);
    std::vector<std::byte> buffer = pattern(size);
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

// ---------------------------------------------------------------------------
// Throughput: the parent streams `n` 64-byte messages; the child receives them
// all and acknowledges over a pipe. Timed from the first send to the ack (the
// child confirmed it is ready, after one warm-up message, before the clock starts).
// ---------------------------------------------------------------------------

constexpr std::size_t stream_size = 64;

struct AckPipe {
  int read = -1, write = -1;
  AckPipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) {
      read = fds[0];
      write = fds[1];
    }
  }
  ~AckPipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
  AckPipe(const AckPipe&) = delete;
  AckPipe& operator=(const AckPipe&) = delete;
  [[nodiscard]] bool signal() const noexcept {
    const std::byte b{1};
    return rawbase::write_all(write, &b, 1);
  }
  [[nodiscard]] bool wait() const noexcept {
    std::byte b{};
    return rawbase::read_all(read, &b, 1);
  }
};

double seconds_since(rawbase::Clock::time_point start) {
  return std::chrono::duration<double>(rawbase::Clock::now() - start).count();
}

// msgs/s, or 0 on failure. `burst` > 1: the sender hands the ring bursts of
// that many messages (RingSender::send_batch: one index publication each).
double shm_stream(std::uint64_t n, const shm::WaitPolicy& policy, std::size_t burst = 1) {
  auto sockets = platform::socket_pair(platform::SocketType::seqpacket);
  if (!sockets) return 0;
  AckPipe ack;
  Forked child = Forked::start([&]() -> int {
    sockets->first.reset();
    auto in = take_over(sockets->second, policy);
    if (!in) return 3;
    if (auto parent = platform::pidfd_open(::getppid()); parent) in->watch_peer(std::move(*parent));
    std::array<std::byte, stream_size> buffer{};
    for (std::uint64_t i = 0; i < n + 1; ++i) {
      auto got = in->recv_into(buffer);
      if (!got || *got != stream_size) return 4;
      if (i == 0 && !ack.signal()) return 5;  // ready
    }
    return ack.signal() ? 0 : 6;
  });
  sockets->second.reset();
  auto out = shm::RingSender::create(shm::RingConfig{64 * KiB, 0}, policy);
  if (!out || !hand_over(sockets->first, *out)) return 0;
  out->drop_fds();
  if (auto pidfd = platform::pidfd_open(child.pid()); pidfd) out->watch_peer(std::move(*pidfd));
  const std::vector<std::byte> message = pattern(stream_size);
  if (!out->send(message) || !ack.wait()) return 0;
  const std::vector<std::span<const std::byte>> bursts(burst, std::span<const std::byte>(message));
  const auto start = rawbase::Clock::now();
  if (burst <= 1) {
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!out->send(message)) return 0;
    }
  } else {
    for (std::uint64_t sent = 0; sent < n;) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(burst, n - sent));
      auto got = out->send_batch(std::span(bursts).first(want));
      if (!got) return 0;
      sent += *got;
    }
  }
  if (!ack.wait()) return 0;
  const double seconds = seconds_since(start);
  return child.wait() ? static_cast<double>(n) / seconds : 0;
}

double zmq_stream(std::uint64_t n) {
  const std::string address = zmq_address();
  AckPipe ack;
  Forked child = Forked::start([&]() -> int {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::pull);
    socket.set(zmq::sockopt::linger, 0);
    socket.connect(address);
    std::array<std::byte, stream_size> buffer{};
    for (std::uint64_t i = 0; i < n + 1; ++i) {
      auto got = socket.recv(zmq::buffer(buffer));
      if (!got || got->size != stream_size) return 4;
      if (i == 0 && !ack.signal()) return 5;
    }
    return ack.signal() ? 0 : 6;
  }, /*pin=*/false);
  double rate = 0;
  {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::push);
    socket.set(zmq::sockopt::linger, 0);
    socket.bind(address);
    const std::vector<std::byte> message = pattern(stream_size);
    bool good = socket.send(zmq::buffer(message), zmq::send_flags::none).has_value() && ack.wait();
    const auto start = rawbase::Clock::now();
    for (std::uint64_t i = 0; i < n && good; ++i) {
      good = socket.send(zmq::buffer(message), zmq::send_flags::none).has_value();
    }
    good = good && ack.wait();
    const double seconds = seconds_since(start);
    if (child.wait() && good) rate = static_cast<double>(n) / seconds;
  }
  zmq_cleanup(address);
  return rate;
}

// ---------------------------------------------------------------------------
// Registration and the ratio tables
// ---------------------------------------------------------------------------

using LatencyFn = std::function<Timing(std::size_t size, std::uint64_t rounds)>;

struct Transport {
  const char* name;
  bool fast;  // shared memory: many more rounds
  LatencyFn run;
};

void latency(benchmark::State& state, const Transport& transport, std::size_t size) {
  const std::uint64_t rounds = rounds_for(size, transport.fast);
  double one_way_ns = 0;
  for (auto _ : state) {
    const Timing t = transport.run(size, rounds);
    if (!t.ok) {
      state.SkipWithError("the measurement failed (see the child's exit)");
      return;
    }
    state.SetIterationTime(t.seconds);
    one_way_ns = t.ns_per_round / 2;
  }
  state.counters["value"] = one_way_ns;
}

void throughput(benchmark::State& state, const std::function<double()>& run) {
  double rate = 0;
  for (auto _ : state) {
    rate = run();
    if (rate <= 0) {
      state.SkipWithError("the measurement failed");
      return;
    }
    state.SetIterationTime(1.0);  // the figure is the counter, not the time
  }
  state.counters["value"] = rate;
}

std::string size_label(std::size_t size) {
  if (size >= MiB) return std::to_string(size / MiB) + " MiB";
  if (size >= KiB) return std::to_string(size / KiB) + " KiB";
  return std::to_string(size) + " B";
}

template <class Fn>
void add(const std::string& name, Fn fn) {
  benchkit::add_repeated(name, fn, 1, repetitions);
}

const shm::WaitPolicy spin_policy{shm::WaitStrategy::spin, 0, std::chrono::milliseconds(20)};
const shm::WaitPolicy default_policy{};

std::vector<Transport> transports() {
  return {
      {"raw_spin", true, [](std::size_t s, std::uint64_t r) { return raw_spin_pingpong(s, r); }},
      {"shm_spin", true, [](std::size_t s, std::uint64_t r) { return shm_copy_pingpong(s, r, spin_policy); }},
      {"shm_block", true, [](std::size_t s, std::uint64_t r) { return shm_copy_pingpong(s, r, default_policy); }},
      {"view_spin", true, [](std::size_t s, std::uint64_t r) { return shm_view_pingpong(s, r, spin_policy); }},
      {"view_block", true, [](std::size_t s, std::uint64_t r) { return shm_view_pingpong(s, r, default_policy); }},
      {"socketpair", false, [](std::size_t s, std::uint64_t r) { return stream_pingpong(s, r, true); }},
      {"pipe", false, [](std::size_t s, std::uint64_t r) { return stream_pingpong(s, r, false); }},
      {"unix_conn", false, [](std::size_t s, std::uint64_t r) { return unix_transport_pingpong(s, r); }},
      {"zmq_ipc", false, [](std::size_t s, std::uint64_t r) { return zmq_pingpong(s, r); }},
  };
}

std::string latency_name(const std::string& transport, std::size_t size) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08zu", size);  // sorts by size
  return "latency/" + transport + "/" + buf;
}

void register_all() {
  for (const Transport& t : transports()) {
    for (std::size_t size : sizes) {
      add(latency_name(t.name, size), [t, size](benchmark::State& s) { latency(s, t, size); });
    }
  }
  add("throughput_64B/shm_spin", [](benchmark::State& s) { throughput(s, [] { return shm_stream(5'000'000, spin_policy); }); });
  add("throughput_64B/shm_block",
      [](benchmark::State& s) { throughput(s, [] { return shm_stream(5'000'000, default_policy); }); });
  add("throughput_64B/shm_spin_batch32",
      [](benchmark::State& s) { throughput(s, [] { return shm_stream(5'000'000, spin_policy, 32); }); });
  add("throughput_64B/zmq_ipc", [](benchmark::State& s) { throughput(s, [] { return zmq_stream(500'000); }); });
}

class RatioReporter : public benchkit::MedianReporter {
 public:

  void print_tables() const {
    std::printf("\nmedians of %d repetitions (each: the median of blocks of <= 16 round trips); %d usable CPUs\n", repetitions,
                rawbase::usable_cpus());
    std::printf("\none-way latency, ns (round trip / 2, two processes on different cores)\n");
    std::vector<std::string> names;
    for (const Transport& t : transports()) names.emplace_back(t.name);
    std::printf("  %-8s", "size");
    for (const auto& n : names) std::printf(" %12s", n.c_str());
    std::printf("\n");
    for (std::size_t size : sizes) {
      std::printf("  %-8s", size_label(size).c_str());
      for (const auto& n : names) {
        const double v = get(latency_name(n, size));
        if (v > 0) {
          std::printf(" %12.0f", v);
        } else {
          std::printf(" %12s", "-");
        }
      }
      std::printf("\n");
    }
    std::printf("\nratios (a / b of the medians above; < 1 means a is faster)\n");
    const std::array<std::pair<const char*, const char*>, 9> pairs = {{{"shm_spin", "raw_spin"},
                                                                       {"unix_conn", "socketpair"},
                                                                       {"shm_block", "raw_spin"},
                                                                       {"view_spin", "raw_spin"},
                                                                       {"shm_spin", "socketpair"},
                                                                       {"shm_spin", "zmq_ipc"},
                                                                       {"shm_block", "zmq_ipc"},
                                                                       {"view_spin", "zmq_ipc"},
                                                                       {"socketpair", "zmq_ipc"}}};
    std::printf("  %-8s", "size");
    for (const auto& [a, b] : pairs) std::printf(" %20s", (std::string(a) + "/" + b).c_str());
    std::printf("\n");
    for (std::size_t size : sizes) {
      std::printf("  %-8s", size_label(size).c_str());
      for (const auto& [a, b] : pairs) {
        const double va = get(latency_name(a, size));
        const double vb = get(latency_name(b, size));
        if (va > 0 && vb > 0) {
          std::printf(" %20.3f", va / vb);
        } else {
          std::printf(" %20s", "-");
        }
      }
      std::printf("\n");
    }
    print_extra();
    std::printf("\nthroughput of 64-byte messages, one way, msgs/s (ratio against zmq_ipc)\n");
    const double zmq = get("throughput_64B/zmq_ipc");
    for (const char* n : {"shm_spin", "shm_block", "shm_spin_batch32", "zmq_ipc"}) {
      const double v = get(std::string("throughput_64B/") + n);
      if (v <= 0) continue;
      std::printf("  %-12s %14.0f   %8.2fx\n", n, v, zmq > 0 ? v / zmq : 0.0);
    }
  }

 private:
  void print_extra() const;
  [[nodiscard]] double get(const std::string& name) const { return median(name); }
};

// View latency against itself at 64 B: the zero-copy goal is a flat line.
void RatioReporter::print_extra() const {
  std::printf("\nzero-copy views: latency relative to the same transport at 64 B (goal: within 2x)\n");
  for (const char* n : {"view_spin", "view_block"}) {
    const double base = get(latency_name(n, 64));
    if (base <= 0) continue;
    std::printf("  %-12s", n);
    for (std::size_t size : sizes) {
      const double v = get(latency_name(n, size));
      if (v > 0) std::printf("  %s %.2fx", size_label(size).c_str(), v / base);
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a dead echo child must fail a write, not kill the benchmark
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_tables();
  benchmark::Shutdown();
  return 0;
}
