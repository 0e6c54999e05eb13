// transport: the endpoint API above plain send/recv, for every scheme.
// - Halves: a Sender and a Receiver of one connection used by two threads at
//   once never lose, reorder or corrupt a message; closing the Sender ends
//   only our direction (shm, inproc).
// - Loans: loan / send_loan / recv_view deliver the bytes written in place;
//   shm views are zero-copy, every other case a copy; the pool's backpressure
//   is would_block, timed_out or a wait that ends when a view is dropped
//   (never a wait that outlives the drop by more than a bounded time).
// - Peer death with loans outstanding: a sender blocked on an exhausted pool
//   gets peer_died; a receiver's views of a dead sender stay readable and,
//   once dropped and the connection gone, nothing is left mapped or open.
// - readable_fd: one epoll (edge-triggered) over several shm, unix and inproc
//   connections receives every message: a wait that times out while a
//   message is pending is a lost wake-up and fails the test. A peer's death
//   makes its descriptor readable and try_recv says peer_died.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "child_process.hpp"
#include "transport_support.hpp"

namespace missive::transport {
namespace {

using namespace std::chrono_literals;
using testing::Kind;
using testing::pattern;

class Endpoint : public ::testing::TestWithParam<Kind> {};

// ------------------------------------------------------------------- halves

// Must never happen: a message lost, duplicated, reordered or changed while
// one thread sends on the Sender and another receives on the Receiver.
TEST_P(Endpoint, HalvesSendAndReceiveOnTwoThreadsAtOnce) {
  auto pair = testing::connected_pair(GetParam());
  constexpr std::uint32_t count = 2000;
  // The server echoes everything back.
  std::thread echo([&] {
    std::vector<std::byte> got;
    for (std::uint32_t i = 0; i < count; ++i) {
      if (!pair.server.recv(got, Deadline::after(10s))) return;
      if (!pair.server.send(got, Deadline::after(10s))) return;
    }
  });
  auto [sender, receiver] = std::move(pair.client).split();
  EXPECT_EQ(pair.client.send(pattern(1, 1)).code(), Errc::closed);  // moved from
  std::thread writer([&sender = sender] {
    std::mt19937 rng(7);
    for (std::uint32_t i = 0; i < count; ++i) {
      if (!sender.send(pattern(rng() % 2000, i), Deadline::after(10s))) return;
    }
  });
  std::mt19937 rng(7);
  std::vector<std::byte> got;
  std::uint32_t matched = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    ASSERT_TRUE(receiver.recv(got, Deadline::after(10s))) << i;
    if (got == pattern(rng() % 2000, i)) ++matched;
  }
  writer.join();
  echo.join();
  EXPECT_EQ(matched, count);
}

// Sender::close ends our direction only: the peer drains, then sees closed,
// and what it sends us still arrives (shm, inproc; unix closes both ways).
TEST_P(Endpoint, ClosingTheSenderEndsOnlyThatDirection) {
  auto pair = testing::connected_pair(GetParam());
  auto [sender, receiver] = std::move(pair.client).split();
  ASSERT_TRUE(sender.send(pattern(10, 1), Deadline::after(1s)));
  sender.close();
  std::vector<std::byte> got;
  ASSERT_TRUE(pair.server.recv(got, Deadline::after(1s)));
  EXPECT_EQ(got, pattern(10, 1));
  EXPECT_EQ(pair.server.recv(got, Deadline::after(1s)).code(), Errc::closed);
  if (GetParam() == Kind::unix_abstract || GetParam() == Kind::unix_path) return;
  ASSERT_TRUE(pair.server.send(pattern(20, 2), Deadline::after(1s)));
  ASSERT_TRUE(receiver.recv(got, Deadline::after(1s)));
  EXPECT_EQ(got, pattern(20, 2));
}

// -------------------------------------------------------------------- loans

TEST_P(Endpoint, LoanSendAndViewDeliverTheBytesWrittenInPlace) {
  auto pair = testing::connected_pair(GetParam());
  const bool shared = GetParam() == Kind::shm;
  for (std::uint32_t i = 0; i < 50; ++i) {
    const std::size_t size = 1000 + i * 37;
    auto loan = pair.client.loan(size, Deadline::after(1s));
    ASSERT_TRUE(loan) << loan.error().message();
    EXPECT_EQ(loan->zero_copy(), shared);
    ASSERT_EQ(loan->size(), size);
    const auto expected = pattern(size, i);
    std::memcpy(loan->bytes().data(), expected.data(), size);
    ASSERT_TRUE(pair.client.send_loan(std::move(*loan), Deadline::after(1s)));
    if (i % 2 == 0) {
      auto view = pair.server.recv_view(Deadline::after(1s));
      ASSERT_TRUE(view) << view.error().message();
      EXPECT_EQ(view->zero_copy(), shared);
      EXPECT_TRUE(std::equal(view->bytes().begin(), view->bytes().end(), expected.begin(), expected.end()));
    } else {
      std::vector<std::byte> copy;  // a loaned message received as a copy
      ASSERT_TRUE(pair.server.recv(copy, Deadline::after(1s)));
      EXPECT_EQ(copy, expected);
    }
  }
  // An empty loan object is refused, not sent.
  EXPECT_EQ(pair.client.send_loan(Loan{}).code(), Errc::invalid_argument);
  EXPECT_EQ(pair.client.loan(pair.client.max_message_size() + 1, Deadline::after(1s)).code(), Errc::too_large);
  // An inline message read as a view is a private copy.
  ASSERT_TRUE(pair.client.send(pattern(16, 9), Deadline::after(1s)));
  auto view = pair.server.recv_view(Deadline::after(1s));
  ASSERT_TRUE(view);
  EXPECT_FALSE(view->zero_copy());
  EXPECT_TRUE(std::ranges::equal(view->bytes(), pattern(16, 9)));
}

// A pool of two buffers, both held by the receiver's views. Must never happen:
// a loan beyond the pool succeeding, a deadline not honoured, or a blocked
// loan that stays blocked long after a view is dropped. The liveness slice is
// 10 s, so only the receiver's wake on return can end the wait in time.
TEST(EndpointShm, LoanBackpressureFailsTimesOutOrWaitsForAReturnedBuffer) {
  ConnectOptions co;
  co.ring.loan_buffers = 2;
  co.ring.loan_buffer_bytes = 8192;
  co.send_path = SendPath::loan;
  co.wait.liveness_interval = 10s;
  auto pair = testing::connected_pair(Kind::shm, {}, co);
  std::vector<View> held;
  for (std::uint32_t i = 0; i < 2; ++i) {
    auto loan = pair.client.try_loan(4096);
    ASSERT_TRUE(loan) << loan.error().message();
    ASSERT_TRUE(loan->zero_copy());
    ASSERT_TRUE(pair.client.send_loan(std::move(*loan)));
    auto view = pair.server.recv_view(Deadline::after(1s));
    ASSERT_TRUE(view && view->zero_copy());
    held.push_back(std::move(*view));
  }
  EXPECT_EQ(pair.client.try_loan(4096).code(), Errc::would_block);
  const auto before = Clock::now();
  EXPECT_EQ(pair.client.loan(4096, Deadline::after(50ms)).code(), Errc::timed_out);
  EXPECT_GE(Clock::now() - before, 50ms);

  std::thread dropper([&] {
    std::this_thread::sleep_for(50ms);
    held.pop_back();  // returns one buffer and wakes the parked sender
  });
  const auto start = Clock::now();
  auto loan = pair.client.loan(4096);  // blocks
  dropper.join();
  ASSERT_TRUE(loan) << loan.error().message();
  EXPECT_TRUE(loan->zero_copy());
  EXPECT_LT(Clock::now() - start, 2s);
}

// The child receives two loans, keeps their views and is SIGKILLed; the
// parent, blocked in loan() on the exhausted pool, gets peer_died.
TEST(EndpointShm, SenderBlockedOnAnExhaustedPoolSeesPeerDied) {
  const std::string address = testing::unique_address(Kind::shm);
  ListenOptions lo;
  lo.ring.loan_buffers = 2;
  lo.ring.loan_buffer_bytes = 8192;
  lo.wait.liveness_interval = 5ms;
  auto listener = Listener::listen(address, lo);
  ASSERT_TRUE(listener);
  auto child = missive::testing::Child::fork([&] {
    auto c = connect(address, Deadline::after(5s));
    if (!c) return 1;
    std::vector<View> views;
    for (int i = 0; i < 2; ++i) {
      auto v = c->recv_view(Deadline::after(5s));
      if (!v || !v->zero_copy()) return 2;
      views.push_back(std::move(*v));
    }
    if (!c->send(pattern(1, 0))) return 3;  // "holding both"
    for (;;) ::pause();
  });
  auto server = listener->accept(Deadline::after(5s));
  ASSERT_TRUE(server) << server.error().message();
  for (int i = 0; i < 2; ++i) {
    auto loan = server->loan(4096, Deadline::after(5s));
    ASSERT_TRUE(loan && loan->zero_copy());
    ASSERT_TRUE(server->send_loan(std::move(*loan), Deadline::after(5s)));
  }
  std::vector<std::byte> ack;
  ASSERT_TRUE(server->recv(ack, Deadline::after(5s)));
  std::thread killer([&] {
    std::this_thread::sleep_for(30ms);
    (void)platform::send_signal(child.pidfd(), SIGKILL);
  });
  const auto start = Clock::now();
  auto loan = server->loan(4096, Deadline::after(10s));
  killer.join();
  EXPECT_EQ(loan.code(), Errc::peer_died);
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(child.wait().signal, SIGKILL);
}

// The child sends three loans and is SIGKILLed while we hold views of them:
// the views stay readable with the bytes sent, recv then says peer_died, and
// once everything is dropped no descriptor or mapping is left behind.
// One round of the scenario below (its own listener, child and connection).
void views_of_a_dead_sender_round() {
  const std::string address = testing::unique_address(Kind::shm);
  ListenOptions lo;
  lo.wait.liveness_interval = 5ms;
  auto listener = Listener::listen(address, lo);
  ASSERT_TRUE(listener);
  auto child = missive::testing::Child::fork([&] {
    auto c = connect(address, Deadline::after(5s));
    if (!c) return 1;
    for (std::uint32_t i = 0; i < 3; ++i) {
      auto loan = c->loan(5000, Deadline::after(5s));
      if (!loan || !loan->zero_copy()) return 2;
      const auto bytes = pattern(5000, i);
      std::memcpy(loan->bytes().data(), bytes.data(), bytes.size());
      if (!c->send_loan(std::move(*loan), Deadline::after(5s))) return 3;
    }
    for (;;) ::pause();
  });
  auto server = listener->accept(Deadline::after(5s));
  ASSERT_TRUE(server) << server.error().message();
  std::vector<View> views;
  for (int i = 0; i < 3; ++i) {
    auto v = server->recv_view(Deadline::after(5s));
    ASSERT_TRUE(v && v->zero_copy());
    views.push_back(std::move(*v));
  }
  ASSERT_TRUE(platform::send_signal(child.pidfd(), SIGKILL));
  EXPECT_EQ(child.wait().signal, SIGKILL);
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_TRUE(std::ranges::equal(views[i].bytes(), pattern(5000, i)));
  std::vector<std::byte> got;
  EXPECT_EQ(server->recv(got, Deadline::after(5s)).code(), Errc::peer_died);
  views.clear();
}

// Mappings the allocator may add on its own (ASan maps a region per size
// class as it fills); a leaked connection would add six (two rings, two pools).
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t map_slack = 16;
#else
constexpr std::size_t map_slack = 2;
#endif

// The child sends three loans and is SIGKILLed while we hold views of them:
// the views stay readable with the bytes sent, recv then says peer_died, and
// once everything is dropped no descriptor or mapping is left behind (counted
// around three rounds, after a warm-up round).
TEST(EndpointShm, ViewsOfADeadSenderStayValidAndAreReclaimed) {
  views_of_a_dead_sender_round();
  const std::size_t fds_before = testing::count_fds();
  const std::size_t maps_before = testing::count_maps();
  for (int round = 0; round < 3; ++round) views_of_a_dead_sender_round();
  EXPECT_EQ(testing::count_fds(), fds_before);
  EXPECT_LE(testing::count_maps(), maps_before + map_slack);
}

// ---------------------------------------------------------------- readable_fd

// Three shm, two unix and one inproc connection, one edge-triggered epoll,
// four sender threads writing bursts with random pauses. Must never happen:
// epoll_wait times out (2 s) while a sent message has not been received.
TEST(EndpointEvents, OneEpollOverManyConnectionsMissesNoMessage) {
  const std::vector<Kind> kinds = {Kind::shm, Kind::shm, Kind::shm, Kind::unix_abstract, Kind::unix_path,
                                   Kind::inproc};
  std::vector<testing::Pair> pairs;
  for (Kind k : kinds) pairs.push_back(testing::connected_pair(k));
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  ASSERT_GE(epoll, 0);
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    auto fd = pairs[i].server.readable_fd();
    ASSERT_TRUE(fd) << fd.error().message();
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = i;
    ASSERT_EQ(::epoll_ctl(epoll, EPOLL_CTL_ADD, *fd, &ev), 0);
    std::vector<std::byte> none;
    ASSERT_EQ(pairs[i].server.try_recv(none).code(), Errc::would_block);  // the contract: wait after would_block
  }
  constexpr std::uint32_t per_connection = 3000;
  std::vector<std::thread> senders;
  for (std::size_t t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      std::mt19937 rng(static_cast<std::uint32_t>(t));
      for (std::uint32_t i = 0; i < per_connection; ++i) {
        for (std::size_t c = t; c < pairs.size(); c += 4) {
          if (!pairs[c].client.send(pattern(8 + i % 64, i), Deadline::after(10s))) return;
        }
        if (rng() % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 200));
        if (rng() % 4 == 0) std::this_thread::yield();
      }
    });
  }
  std::vector<std::uint32_t> received(pairs.size(), 0);
  std::uint32_t total = 0;
  std::uint32_t bad = 0;
  std::uint32_t timeouts = 0;
  const std::uint32_t expected = per_connection * static_cast<std::uint32_t>(pairs.size());
  std::vector<std::byte> got;
  while (total < expected && timeouts == 0) {
    epoll_event events[8];
    const int n = ::epoll_wait(epoll, events, 8, 2000);
    if (n == 0) ++timeouts;
    for (int e = 0; e < n; ++e) {
      const std::size_t c = events[e].data.u64;
      for (;;) {
        const Status s = pairs[c].server.try_recv(got);
        if (s.code() == Errc::would_block) break;
        if (!s) {
          ADD_FAILURE() << s.error().message();
          ++timeouts;  // ends the loop; the senders are joined below
          break;
        }
        if (got != pattern(8 + received[c] % 64, received[c])) ++bad;
        ++received[c];
        ++total;
      }
    }
  }
  for (auto& s : senders) s.join();
  ::close(epoll);
  EXPECT_EQ(timeouts, 0u) << "a lost wake-up: " << total << " of " << expected << " received";
  EXPECT_EQ(total, expected);
  EXPECT_EQ(bad, 0u);
}

// A SIGKILLed shm peer makes the survivor's descriptor readable, and try_recv
// then reports peer_died: an epoll loop learns of the death without polling.
TEST(EndpointEvents, PeerDeathMakesTheDescriptorReadable) {
  const std::string address = testing::unique_address(Kind::shm);
  auto listener = Listener::listen(address);
  ASSERT_TRUE(listener);
  auto child = missive::testing::Child::fork([&] {
    auto c = connect(address, Deadline::after(5s));
    if (!c) return 1;
    if (!c->send(pattern(5, 5))) return 2;
    for (;;) ::pause();
  });
  auto server = listener->accept(Deadline::after(5s));
  ASSERT_TRUE(server) << server.error().message();
  auto fd = server->readable_fd();
  ASSERT_TRUE(fd);
  std::vector<std::byte> got;
  ASSERT_TRUE(server->recv(got, Deadline::after(5s)));
  ASSERT_EQ(server->try_recv(got).code(), Errc::would_block);
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ASSERT_EQ(::epoll_ctl(epoll, EPOLL_CTL_ADD, *fd, &ev), 0);
  epoll_event out{};
  // A spurious wake is allowed (the child's send may have seen our arming
  // after we had already taken its message); it must not hide a message.
  if (::epoll_wait(epoll, &out, 1, 50) == 1) {
    EXPECT_EQ(server->try_recv(got).code(), Errc::would_block);
  }
  ASSERT_TRUE(platform::send_signal(child.pidfd(), SIGKILL));
  EXPECT_EQ(::epoll_wait(epoll, &out, 1, 5000), 1);
  EXPECT_EQ(server->try_recv(got).code(), Errc::peer_died);
  ::close(epoll);
  EXPECT_EQ(child.wait().signal, SIGKILL);
}

INSTANTIATE_TEST_SUITE_P(Schemes, Endpoint,
                         ::testing::Values(Kind::inproc, Kind::shm, Kind::unix_abstract, Kind::unix_path),
                         [](const auto& p) { return std::string(testing::kind_name(p.param)); });

}  // namespace
}  // namespace missive::transport
