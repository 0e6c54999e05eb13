// transport, hostile peers. Property: a peer that writes garbage breaks only
// its own connection (a clear wire error there, never a crash, hang or huge
// allocation), and the listener keeps serving well-behaved clients.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "missive/platform/fd_passing.hpp"
#include "missive/platform/unix_socket.hpp"
#include "transport_support.hpp"

namespace missive::transport {
namespace {

using namespace std::chrono_literals;
using testing::Kind;
using testing::pattern;

void check_good_client_served(Listener& listener, const std::string& address) {
  std::optional<Result<Connection>> accepted;
  std::thread acceptor([&] { accepted.emplace(listener.accept(Deadline::after(5s))); });
  auto client = connect(address, Deadline::after(5s));
  acceptor.join();
  ASSERT_TRUE(client) << client.error().message();
  ASSERT_TRUE(*accepted) << accepted->error().message();
  ASSERT_TRUE(client->send(pattern(50, 1), Deadline::after(1s)));
  std::vector<std::byte> got;
  ASSERT_TRUE((*accepted)->recv(got, Deadline::after(1s)));
  EXPECT_EQ(got, pattern(50, 1));
}

TEST(Hostile, GarbageOnAUnixConnectionIsAClearErrorAndTheListenerKeepsServing) {
  const std::string address = testing::unique_address(Kind::unix_abstract);
  auto listener = Listener::listen(address);
  ASSERT_TRUE(listener);
  const std::string socket_address = address.substr(5);  // "unix:@x" -> "@x"
  struct Case {
    std::vector<std::byte> bytes;
    Errc expected;
  };
  std::vector<Case> cases;
  cases.push_back({std::vector<std::byte>(4096, std::byte{0x5A}), Errc::bad_magic});
  {
    std::vector<std::byte> frame;
    ASSERT_TRUE(append_frame({}, pattern(100, 1), frame));
    frame[frame_offset::payload_length + 3] = std::byte{0xFF};  // ~4 GiB announced
    cases.push_back({frame, Errc::too_large});
    frame[frame_offset::payload_length + 3] = std::byte{0};
    frame[40] ^= std::byte{0xFF};
    cases.push_back({frame, Errc::bad_checksum});
  }
  for (const Case& c : cases) {
    auto raw = platform::connect_unix(socket_address, platform::SocketType::stream, Deadline::after(1s));
    ASSERT_TRUE(raw);
    auto conn = listener->accept(Deadline::after(1s));
    ASSERT_TRUE(conn);
    ASSERT_EQ(::send(raw->get(), c.bytes.data(), c.bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(c.bytes.size()));
    std::vector<std::byte> got;
    const Status s = conn->recv(got, Deadline::after(1s));
    EXPECT_EQ(s.code(), c.expected) << s.error().message();
    EXPECT_EQ(conn->recv(got, Deadline::after(10ms)).code(), c.expected) << "errors on a broken stream are sticky";
  }
  check_good_client_served(*listener, address);
}

TEST(Hostile, BrokenShmHandshakesDoNotStopTheListener) {
  const std::string address = testing::unique_address(Kind::shm);
  ListenOptions lo;
  lo.handshake_timeout = 200ms;
  auto listener = Listener::listen(address, lo);
  ASSERT_TRUE(listener);
  const std::string socket_address = "@missive-shm-" + address.substr(6);
  // 1: garbage instead of a hello; 2: a hello without descriptors; 3: silence.
  std::vector<platform::Fd> raws;
  for (int i = 0; i < 3; ++i) {
    auto raw = platform::connect_unix(socket_address, platform::SocketType::seqpacket, Deadline::after(1s));
    ASSERT_TRUE(raw);
    raws.push_back(std::move(*raw));
  }
  const std::vector<std::byte> junk(16, std::byte{0x33});
  ASSERT_TRUE(platform::send_fds(raws[0], junk, {}, Deadline::after(1s)));
  std::vector<std::byte> hello(16);
  const char magic[] = "mShk";
  for (int i = 0; i < 4; ++i) hello[static_cast<std::size_t>(i)] = static_cast<std::byte>(magic[i]);
  hello[4] = std::byte{1};
  hello[5] = std::byte{1};
  ASSERT_TRUE(platform::send_fds(raws[1], hello, {}, Deadline::after(1s)));
  // The good client queues behind the three broken ones.
  check_good_client_served(*listener, address);
  EXPECT_EQ(listener->stats().failed_handshakes, 3u);
  EXPECT_EQ(listener->stats().accepted, 1u);
}

}  // namespace
}  // namespace missive::transport
