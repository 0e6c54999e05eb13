#include "benchkit/ring_pingpong.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <span>
#include <utility>
#include <vector>

#include "missive/platform/fd_passing.hpp"
#include "missive/platform/process.hpp"
#include "missive/platform/unix_socket.hpp"

namespace benchkit {
namespace {

namespace platform = missive::platform;
namespace shm = missive::shm;
using missive::Deadline;
using missive::Errc;
using missive::Result;
using missive::Status;
using rawbase::Forked;
using rawbase::Timing;

constexpr std::size_t KiB = 1024;

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

// The shape every ring ping-pong shares: socketpair, fork, rings both ways,
// warm-up, timed blocks. `echo(side, i)` is the child's i-th echo,
// `round_trip(side, i)` the parent's i-th round trip.
template <class Echo, class RoundTrip>
Timing ring_pingpong(const shm::RingConfig& config, const shm::WaitPolicy& policy, std::uint64_t rounds, Echo echo,
                     RoundTrip round_trip) {
  auto sockets = platform::socket_pair(platform::SocketType::seqpacket);
  if (!sockets) return {};
  const std::uint64_t warm = rawbase::warmup_rounds(rounds);
  Forked child = Forked::start([&]() -> int {
    sockets->first.reset();
    auto parent = platform::pidfd_open(::getppid());
    if (!parent) return 2;
    auto side = connect_side(sockets->second, config, policy, false, std::move(*parent));
    if (!side) return 3;
    for (std::uint64_t i = 0; i < warm + rounds; ++i) {
      if (!echo(*side, i)) return 4;
    }
    return 0;
  });
  sockets->second.reset();
  auto child_pidfd = platform::pidfd_open(child.pid());
  if (!child_pidfd) return {};
  auto side = connect_side(sockets->first, config, policy, true, std::move(*child_pidfd));
  if (!side) return {};
  std::uint64_t i = 0;
  auto timed = [&] { return round_trip(*side, i++); };
  for (std::uint64_t w = 0; w < warm; ++w) {
    if (!timed()) return {};
  }
  Timing t = rawbase::time_blocks(rounds, timed);
  if (!child.wait()) t.ok = false;
  return t;
}

}  // namespace

shm::RingConfig ring_for(std::size_t size) {
  std::size_t capacity = 64 * KiB;
  while (capacity / 2 < size + 64) capacity *= 2;
  return shm::RingConfig{capacity, 0};
}

shm::RingConfig pooled_ring_for(std::size_t size) {
  shm::RingConfig config{64 * KiB, 0};
  config.loan_buffers = 4;
  config.loan_buffer_bytes = std::max<std::size_t>(size, 64);
  return config;
}

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

Timing ring_copy_pingpong(std::size_t size, std::uint64_t rounds, const shm::WaitPolicy& policy) {
  std::vector<std::byte> echo_buffer(size);
  std::vector<std::byte> buffer = rawbase::pattern(size);
  return ring_pingpong(
      ring_for(size), policy, rounds,
      [&](ShmSide& side, std::uint64_t) {
        auto n = side.in.recv_into(echo_buffer);
        return n && *n == size && side.out.send(echo_buffer).has_value();
      },
      [&](ShmSide& side, std::uint64_t) {
        if (!side.out.send(buffer)) return false;
        auto n = side.in.recv_into(buffer);
        return n && *n == size;
      });
}

Timing ring_view_pingpong(std::size_t size, std::uint64_t rounds, const shm::WaitPolicy& policy) {
  size = std::max<std::size_t>(size, 8);
  return ring_pingpong(
      pooled_ring_for(size), policy, rounds,
      [&](ShmSide& side, std::uint64_t i) {
        return recv_sequence(side.in, size, 2 * i + 1) && send_sequence(side.out, size, 2 * i + 2);
      },
      [&](ShmSide& side, std::uint64_t i) {
        return send_sequence(side.out, size, 2 * i + 1) && recv_sequence(side.in, size, 2 * i + 2);
      });
}

}  // namespace benchkit
