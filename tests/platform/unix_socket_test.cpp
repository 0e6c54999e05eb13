#include "missive/platform/unix_socket.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>

#include "missive/platform/credentials.hpp"

namespace missive::platform {
namespace {

using namespace std::chrono_literals;

// Abstract names are per network namespace: make them unique per process and test.
std::string unique_name(const char* tag) {
  static std::atomic<int> counter{0};
  return "@missive-test-" + std::to_string(::getpid()) + "-" + tag + "-" +
         std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
}

void exchange_one_byte(const Fd& a, const Fd& b) {
  const char out = 'm';
  ASSERT_EQ(::send(a.get(), &out, 1, MSG_NOSIGNAL), 1);
  char in = 0;
  ASSERT_EQ(::recv(b.get(), &in, 1, 0), 1);
  EXPECT_EQ(in, 'm');
}

class UnixSocket : public ::testing::TestWithParam<SocketType> {};

TEST_P(UnixSocket, ListenConnectAcceptExchange) {
  const std::string name = unique_name("lca");
  auto listener = listen_unix(name, GetParam());
  ASSERT_TRUE(listener) << listener.error().message();
  auto client = connect_unix(name, GetParam(), Deadline::after(2s));
  ASSERT_TRUE(client) << client.error().message();
  auto server = accept_unix(*listener, Deadline::after(2s));
  ASSERT_TRUE(server) << server.error().message();
  exchange_one_byte(*client, *server);
  exchange_one_byte(*server, *client);
  auto cred = peer_credentials(*server);
  ASSERT_TRUE(cred);
  EXPECT_EQ(cred->pid, ::getpid());
}

TEST_P(UnixSocket, AbstractNameIsTakenOnlyOnce) {
  const std::string name = unique_name("twice");
  auto first = listen_unix(name, GetParam());
  ASSERT_TRUE(first);
  EXPECT_EQ(listen_unix(name, GetParam()).code(), Errc::address_in_use);
  first->reset();  // the name vanishes with its owner: nothing to clean up
  EXPECT_TRUE(listen_unix(name, GetParam()));
}

TEST_P(UnixSocket, ConnectToNobodyIsRefused) {
  EXPECT_EQ(connect_unix(unique_name("nobody"), GetParam(), Deadline::after(1s)).code(), Errc::refused);
}

TEST_P(UnixSocket, AcceptTimesOut) {
  auto listener = listen_unix(unique_name("timeout"), GetParam());
  ASSERT_TRUE(listener);
  const auto start = Clock::now();
  EXPECT_EQ(accept_unix(*listener, Deadline::after(30ms)).code(), Errc::timed_out);
  EXPECT_GE(Clock::now() - start, 30ms);
}

INSTANTIATE_TEST_SUITE_P(Types, UnixSocket, ::testing::Values(SocketType::seqpacket, SocketType::stream));

TEST(UnixSocketAddress, RejectsUnusableAddresses) {
  EXPECT_EQ(listen_unix("", SocketType::stream).code(), Errc::invalid_argument);
  EXPECT_EQ(listen_unix("@", SocketType::stream).code(), Errc::invalid_argument);
  EXPECT_EQ(listen_unix("@" + std::string(200, 'x'), SocketType::stream).code(), Errc::invalid_argument);
  EXPECT_EQ(connect_unix(std::string("@a\0b", 4), SocketType::stream, Deadline::after(1s)).code(),
            Errc::invalid_argument);
}

TEST(UnixSocketAddress, FilesystemPathsWork) {
  const std::string path = "/tmp/missive-test-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  auto listener = listen_unix(path, SocketType::stream);
  ASSERT_TRUE(listener) << listener.error().message();
  auto client = connect_unix(path, SocketType::stream, Deadline::after(2s));
  ASSERT_TRUE(client);
  auto server = accept_unix(*listener, Deadline::after(2s));
  ASSERT_TRUE(server);
  exchange_one_byte(*client, *server);
  ::unlink(path.c_str());
}

TEST(SocketPair, BothEndsTalk) {
  auto pair = socket_pair(SocketType::seqpacket);
  ASSERT_TRUE(pair);
  exchange_one_byte(pair->first, pair->second);
  exchange_one_byte(pair->second, pair->first);
}

}  // namespace
}  // namespace missive::platform
