// transport: the same behaviour from every address scheme. Properties: messages
// arrive whole, in order and intact in both directions; a full peer yields
// would_block / timed_out and nothing is lost; close drains, then closed; a
// dead peer process ends every wait (peer_died or closed) within a bounded
// time; no listener -> refused; a uid outside the allow-list never gets a
// working connection.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "child_process.hpp"
#include "transport_support.hpp"

namespace missive::transport {
namespace {

using namespace std::chrono_literals;
using testing::Kind;
using testing::pattern;

class Transport : public ::testing::TestWithParam<Kind> {};

TEST(Address, ParsesEverySchemeAndRejectsTheRest) {
  EXPECT_EQ(parse_address("inproc://a")->scheme, Scheme::inproc);
  EXPECT_EQ(parse_address("shm://a")->name, "a");
  EXPECT_EQ(parse_address("unix:@x")->name, "@x");
  EXPECT_EQ(parse_address("unix:///run/x.sock")->name, "/run/x.sock");
  EXPECT_EQ(parse_address("tcp://127.0.0.1:7000")->scheme, Scheme::tcp);
  EXPECT_EQ(parse_address("tcp://[::1]:7000")->name, "tcp://[::1]:7000");
  for (const char* bad : {"", "tcp://h:1", "tcp://127.0.0.1", "tcp://127.0.0.1:99999", "inproc://", "shm://", "shm://a/b", "unix:@", "unix://rel", "x"}) {
    EXPECT_EQ(parse_address(bad).code(), Errc::invalid_argument) << bad;
  }
}

TEST_P(Transport, ExchangeInBothDirections) {
  auto p = testing::connected_pair(GetParam());
  ASSERT_TRUE(p.client.send(pattern(100, 1), Deadline::after(2s)));
  ASSERT_TRUE(p.server.send(pattern(200, 2), Deadline::after(2s)));
  std::vector<std::byte> got;
  ASSERT_TRUE(p.server.recv(got, Deadline::after(2s)));
  EXPECT_EQ(got, pattern(100, 1));
  ASSERT_TRUE(p.client.recv(got, Deadline::after(2s)));
  EXPECT_EQ(got, pattern(200, 2));
  ASSERT_TRUE(p.client.send({}, Deadline::after(2s)));  // empty messages are messages
  ASSERT_TRUE(p.server.recv(got, Deadline::after(2s)));
  EXPECT_TRUE(got.empty());
  EXPECT_TRUE(p.client.peer().known);
  EXPECT_EQ(p.client.peer().pid, ::getpid());
  EXPECT_EQ(p.server.peer().uid, ::getuid());
  EXPECT_EQ(p.listener.stats().accepted, 1u);
}

TEST_P(Transport, ManyRandomSizesBothWaysAtOnce) {
  auto p = testing::connected_pair(GetParam());
  constexpr int count = 3000;
  const std::size_t max = std::min<std::size_t>(p.client.max_message_size(), 8192);
  auto pump = [&](Connection& out, std::uint32_t seed) {
    std::mt19937 rng(seed);
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(out.send(pattern(rng() % max, seed + static_cast<std::uint32_t>(i)), Deadline::after(10s)));
    }
  };
  auto drain = [&](Connection& in, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<std::byte> got;
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(in.recv(got, Deadline::after(10s))) << i;
      ASSERT_EQ(got, pattern(rng() % max, seed + static_cast<std::uint32_t>(i))) << i;
    }
  };
  std::thread a([&] { pump(p.client, 1); });
  std::thread b([&] { pump(p.server, 777); });
  std::thread c([&] { drain(p.server, 1); });
  drain(p.client, 777);
  a.join();
  b.join();
  c.join();
}

TEST_P(Transport, BackpressureWouldBlockThenTimedOutAndNothingLost) {
  ConnectOptions co;
  co.ring.capacity_bytes = 16 * 1024;
  co.inproc_capacity = 8;
  auto p = testing::connected_pair(GetParam(), {}, co);
  const auto message = pattern(1000, 3);
  int sent = 0;
  for (;;) {
    Status s = p.client.try_send(message);
    if (!s) {
      ASSERT_EQ(s.code(), Errc::would_block) << s.error().message();
      break;
    }
    ASSERT_LT(++sent, 1'000'000) << "try_send never saw a full peer";
  }
  const auto start = Clock::now();
  EXPECT_EQ(p.client.send(message, Deadline::after(50ms)).code(), Errc::timed_out);
  EXPECT_LT(Clock::now() - start, 2s);
  std::vector<std::byte> got;
  for (int i = 0; i < sent; ++i) {
    ASSERT_TRUE(p.server.recv(got, Deadline::after(2s))) << i;
    ASSERT_EQ(got, message);
  }
  if (GetParam() != Kind::unix_abstract && GetParam() != Kind::unix_path) {
    // A unix stream may still hold the tail of a partly written frame, which
    // the next send flushes; rings and channels hold whole messages only.
    EXPECT_EQ(p.server.try_recv(got).code(), Errc::would_block);
  }
  EXPECT_TRUE(p.client.send(message, Deadline::after(2s)));  // room again
}

TEST_P(Transport, RecvDeadline) {
  auto p = testing::connected_pair(GetParam());
  std::vector<std::byte> got;
  const auto start = Clock::now();
  EXPECT_EQ(p.server.recv(got, Deadline::after(30ms)).code(), Errc::timed_out);
  EXPECT_GE(Clock::now() - start, 30ms);
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(p.server.try_recv(got).code(), Errc::would_block);
}

TEST_P(Transport, CloseDrainsThenClosed) {
  auto p = testing::connected_pair(GetParam());
  for (std::uint32_t i = 0; i < 10; ++i) ASSERT_TRUE(p.client.send(pattern(64, i), Deadline::after(1s)));
  p.client.close();
  std::vector<std::byte> got;
  for (std::uint32_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(p.server.recv(got, Deadline::after(1s)));
    EXPECT_EQ(got, pattern(64, i));
  }
  EXPECT_EQ(p.server.recv(got, Deadline::after(1s)).code(), Errc::closed);
  EXPECT_EQ(p.server.send(pattern(8, 1), Deadline::after(1s)).code(), Errc::closed);
  EXPECT_EQ(p.client.send(pattern(8, 1), Deadline::after(1s)).code(), Errc::closed);
}

TEST_P(Transport, TooLarge) {
  auto p = testing::connected_pair(GetParam());
  const std::vector<std::byte> huge(p.client.max_message_size() + 1);
  EXPECT_EQ(p.client.send(huge, Deadline::after(1s)).code(), Errc::too_large);
  EXPECT_EQ(p.client.try_send(huge).code(), Errc::too_large);
}

TEST_P(Transport, ConnectToNothingIsRefused) {
  auto r = connect(testing::unique_address(GetParam()), Deadline::after(1s));
  EXPECT_EQ(r.code(), Errc::refused) << r.error().message();
}

TEST_P(Transport, AddressIsTakenOnce) {
  const std::string address = testing::unique_address(GetParam());
  auto first = Listener::listen(address);
  ASSERT_TRUE(first);
  EXPECT_EQ(Listener::listen(address).code(), Errc::address_in_use);
}

TEST_P(Transport, UidOutsideAllowListIsRefused) {
  ListenOptions lo;
  lo.allowed_uids = {::getuid() + 1};
  const std::string address = testing::unique_address(GetParam());
  auto listener = Listener::listen(address, lo);
  ASSERT_TRUE(listener);
  std::optional<Result<Connection>> accepted;
  std::thread acceptor([&] { accepted.emplace(listener->accept(Deadline::after(300ms))); });
  auto client = connect(address, Deadline::after(2s));
  if (GetParam() == Kind::unix_abstract || GetParam() == Kind::unix_path) {
    // No handshake on unix://: the connection is dropped unused.
    ASSERT_TRUE(client);
    std::vector<std::byte> got;
    EXPECT_EQ(client->recv(got, Deadline::after(2s)).code(), Errc::closed);
  } else {
    EXPECT_EQ(client.code(), Errc::permission_denied) << client.error().message();
  }
  acceptor.join();
  EXPECT_EQ(accepted->code(), Errc::timed_out);
  if (GetParam() != Kind::inproc) {
    EXPECT_EQ(listener->stats().refused_uid, 1u);
  }
}

struct Ping {
  std::string text;
  std::uint64_t n = 0;
  void encode(RecordWriter& w) const { w.add_string(1, text).add_u64(2, n); }
  static Result<Ping> decode(const RecordView& r) { return Ping{std::string(r.get_string(1)), r.get_u64(2)}; }
};

TEST_P(Transport, TypedMessages) {
  auto p = testing::connected_pair(GetParam());
  ASSERT_TRUE(p.client.send_message(Ping{"hello", 42}, Deadline::after(1s)));
  auto got = p.server.recv_message<Ping>(Deadline::after(1s));
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->text, "hello");
  EXPECT_EQ(got->n, 42u);
}

// A forked child connects, sends three messages and is SIGKILLed; the parent
// drains them, then gets peer_died (shm) or closed (unix) - never a hang.
TEST_P(Transport, PeerDeathEndsTheSurvivorsWait) {
  if (GetParam() == Kind::inproc) GTEST_SKIP() << "inproc peers share one process";
  const std::string address = testing::unique_address(GetParam());
  ListenOptions lo;
  lo.wait.liveness_interval = 5ms;
  auto listener = Listener::listen(address, lo);
  ASSERT_TRUE(listener);
  auto child = missive::testing::Child::fork([&] {
    auto c = connect(address, Deadline::after(5s));
    if (!c) return 1;
    for (std::uint32_t i = 0; i < 3; ++i) {
      if (!c->send(pattern(100, i), Deadline::after(5s))) return 2;
    }
    for (;;) ::pause();
  });
  auto server = listener->accept(Deadline::after(5s));
  ASSERT_TRUE(server) << server.error().message();
  std::vector<std::byte> got;
  for (std::uint32_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(server->recv(got, Deadline::after(5s)));
    EXPECT_EQ(got, pattern(100, i));
  }
  // Kill while the parent is blocked in recv (a thread fires the signal).
  std::thread killer([&] {
    std::this_thread::sleep_for(30ms);
    (void)platform::send_signal(child.pidfd(), SIGKILL);
  });
  const auto start = Clock::now();
  const Status s = server->recv(got, Deadline::after(10s));
  killer.join();
  EXPECT_TRUE(s.code() == Errc::peer_died || s.code() == Errc::closed) << s.error().message();
  EXPECT_LT(Clock::now() - start, 2s);
  const auto exit = child.wait();
  EXPECT_EQ(exit.signal, SIGKILL);
  // A blocked send to the dead peer ends too.
  const auto big = pattern(std::min<std::size_t>(server->max_message_size(), 4000), 1);
  Status last = ok();
  const auto send_start = Clock::now();
  for (int i = 0; i < 100000 && last; ++i) last = server->send(big, Deadline::after(10s));
  EXPECT_TRUE(last.code() == Errc::peer_died || last.code() == Errc::closed) << last.error().message();
  EXPECT_LT(Clock::now() - send_start, 5s);
}

// The child is the listener this time and dies while the parent is blocked in
// a send on a full ring / socket.
TEST_P(Transport, ListenerDeathEndsABlockedSend) {
  if (GetParam() == Kind::inproc) GTEST_SKIP() << "inproc peers share one process";
  const std::string address = testing::unique_address(GetParam());
  auto child = missive::testing::Child::fork([&] {
    auto l = Listener::listen(address);
    if (!l) return 1;
    auto c = l->accept(Deadline::after(5s));
    if (!c) return 2;
    for (;;) ::pause();  // never reads
  });
  Result<Connection> client = Error{Errc::refused, ""};
  const Deadline connect_by = Deadline::after(5s);
  do {
    ConnectOptions co;
    co.wait.liveness_interval = 5ms;
    client = connect(address, Deadline::after(1s), co);
    if (!client) std::this_thread::sleep_for(1ms);
  } while (!client && client.code() == Errc::refused && !connect_by.expired());
  ASSERT_TRUE(client) << client.error().message();
  std::thread killer([&] {
    std::this_thread::sleep_for(100ms);
    (void)platform::send_signal(child.pidfd(), SIGKILL);
  });
  const auto message = pattern(std::min<std::size_t>(client->max_message_size(), 4000), 2);
  Status last = ok();
  const auto start = Clock::now();
  for (int i = 0; i < 1'000'000 && last; ++i) last = client->send(message, Deadline::after(10s));
  killer.join();
  EXPECT_TRUE(last.code() == Errc::peer_died || last.code() == Errc::closed) << last.error().message();
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(child.wait().signal, SIGKILL);
}

INSTANTIATE_TEST_SUITE_P(Schemes, Transport,
                         ::testing::Values(Kind::inproc, Kind::shm, Kind::unix_abstract, Kind::unix_path),
                         [](const auto& p) { return std::string(testing::kind_name(p.param)); });

TEST(Inproc, ListenerGoneClosesUnacceptedConnections) {
  const std::string address = testing::unique_address(Kind::inproc);
  auto listener = Listener::listen(address);
  ASSERT_TRUE(listener);
  auto client = connect(address, Deadline::after(1s));
  ASSERT_TRUE(client);
  { Listener gone = std::move(*listener); }
  std::vector<std::byte> got;
  EXPECT_EQ(client->recv(got, Deadline::after(1s)).code(), Errc::closed);
  EXPECT_EQ(connect(address, Deadline::after(1s)).code(), Errc::refused);
}

}  // namespace
}  // namespace missive::transport
