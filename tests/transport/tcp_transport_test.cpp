// transport over tcp://: the one endpoint API on TCP loopback. Properties: a
// port-0 listener names the port it bound; messages arrive whole, in order and
// intact both ways; a peer that keeps sending into a reader that does not read
// meets would_block / timed_out and loses nothing; a closed peer ends every
// wait; nobody listening -> refused; allowed_uids (which TCP cannot check) is
// refused at listen rather than ignored; the connection's fd works with poll.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <thread>

#include "transport_support.hpp"

namespace missive::transport {
namespace {

using namespace std::chrono_literals;
using testing::Kind;
using testing::pattern;

TEST(TcpTransport, PortZeroListenerNamesTheBoundPort) {
  auto listener = Listener::listen("tcp://127.0.0.1:0");
  ASSERT_TRUE(listener) << listener.error().message();
  EXPECT_EQ(listener->scheme(), Scheme::tcp);
  EXPECT_TRUE(listener->address().starts_with("tcp://127.0.0.1:"));
  EXPECT_NE(listener->address(), "tcp://127.0.0.1:0");
}

TEST(TcpTransport, ExchangeInBothDirectionsUpToTheLimit) {
  auto p = testing::connected_pair(Kind::tcp);
  EXPECT_EQ(p.client.scheme(), Scheme::tcp);
  EXPECT_FALSE(p.client.peer().known);  // no SO_PEERCRED across TCP
  std::vector<std::byte> got;
  // Each side sends from its own thread while the other reads: a frame larger
  // than the socket buffers completes only while the peer drains it.
  auto exchange = [&](Connection& from, Connection& to, std::size_t size, std::uint32_t seed) {
    Status sent = ok();
    std::thread sender([&] { sent = from.send(pattern(size, seed), Deadline::after(10s)); });
    const Status received = to.recv(got, Deadline::after(10s));
    sender.join();
    ASSERT_TRUE(sent) << size << ": " << sent.error().message();
    ASSERT_TRUE(received) << size << ": " << received.error().message();
    EXPECT_EQ(got, pattern(size, seed)) << size;
  };
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{4096}, std::size_t{1} << 20,
                           p.client.max_message_size()}) {
    exchange(p.client, p.server, size, 1);
    exchange(p.server, p.client, size, 2);
  }
  EXPECT_EQ(p.client.send(pattern(p.client.max_message_size() + 1, 3), Deadline::after(1s)).code(), Errc::too_large);
  EXPECT_EQ(p.listener.stats().accepted, 1u);
}

TEST(TcpTransport, AFullPeerPushesBackAndNothingIsLost) {
  auto p = testing::connected_pair(Kind::tcp);
  const auto message = pattern(16 * 1024, 4);
  int accepted = 0;
  Status last = ok();
  for (; accepted < 100'000; ++accepted) {  // bounded: socket buffers fill long before
    last = p.client.try_send(message);
    if (!last) break;
  }
  ASSERT_EQ(last.code(), Errc::would_block);
  EXPECT_EQ(p.client.send(message, Deadline::after(50ms)).code(), Errc::timed_out);
  // Every accepted message arrives, then the one sent once there is room
  // again (a stream may hold the tail of an accepted frame until that send).
  Status after = ok();
  std::thread sender([&] { after = p.client.send(pattern(100, 5), Deadline::after(10s)); });
  std::vector<std::byte> got;
  for (int i = 0; i < accepted; ++i) {
    ASSERT_TRUE(p.server.recv(got, Deadline::after(5s))) << i;
    ASSERT_EQ(got, message) << i;
  }
  ASSERT_TRUE(p.server.recv(got, Deadline::after(5s)));
  sender.join();
  EXPECT_TRUE(after);
  EXPECT_EQ(got, pattern(100, 5));
  EXPECT_EQ(p.server.try_recv(got).code(), Errc::would_block);
}

TEST(TcpTransport, ClosedPeerEndsTheWaitAndReadableFdSignalsIt) {
  auto p = testing::connected_pair(Kind::tcp);
  auto fd = p.server.readable_fd();
  ASSERT_TRUE(fd);
  std::thread closer([&] {
    std::this_thread::sleep_for(20ms);
    p.client.close();
  });
  pollfd pfd{*fd, POLLIN, 0};
  EXPECT_EQ(::poll(&pfd, 1, 5000), 1);
  closer.join();
  std::vector<std::byte> got;
  const Status s = p.server.recv(got, Deadline::after(2s));
  EXPECT_TRUE(s.code() == Errc::closed || s.code() == Errc::peer_died) << s.error().message();
}

TEST(TcpTransport, NobodyListeningIsRefused) {
  std::string address;
  {
    auto listener = Listener::listen("tcp://127.0.0.1:0");
    ASSERT_TRUE(listener);
    address = listener->address();
  }  // closed: the port is free again
  EXPECT_EQ(connect(address, Deadline::after(2s)).code(), Errc::refused);
}

TEST(TcpTransport, UidAllowListIsRefusedNotIgnored) {
  ListenOptions options;
  options.allowed_uids = {0};
  EXPECT_EQ(Listener::listen("tcp://127.0.0.1:0", options).code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace missive::transport
