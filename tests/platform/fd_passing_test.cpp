#include "missive/platform/fd_passing.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

#include "child_process.hpp"
#include "missive/platform/mapping.hpp"
#include "missive/platform/memfd.hpp"
#include "missive/platform/unix_socket.hpp"

namespace missive::platform {
namespace {

using namespace std::chrono_literals;

std::span<const std::byte> bytes_of(const char* text) {
  return {reinterpret_cast<const std::byte*>(text), std::strlen(text)};
}

bool same_file(int a, int b) {
  struct stat sa = {};
  struct stat sb = {};
  return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

std::size_t open_fd_count() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

class FdPassing : public ::testing::TestWithParam<SocketType> {};

// Property: a passed memfd is the same memory on both ends, not a copy.
TEST_P(FdPassing, PassedMemfdIsTheSameMemory) {
  auto pair = socket_pair(GetParam());
  ASSERT_TRUE(pair);
  auto memfd = create_memfd("missive-test", 4096);
  ASSERT_TRUE(memfd);
  auto original = Mapping::map(*memfd, 4096, Access::read_write);
  ASSERT_TRUE(original);
  std::memcpy(original->writable_bytes().data(), "before", 6);

  const int fds[] = {memfd->get()};
  ASSERT_TRUE(send_fds(pair->first, bytes_of("ring"), fds, Deadline::after(2s)));
  std::array<std::byte, 16> payload{};
  auto received = recv_fds(pair->second, payload, Deadline::after(2s));
  ASSERT_TRUE(received) << received.error().message();
  ASSERT_EQ(received->payload_bytes, 4u);
  EXPECT_EQ(std::memcmp(payload.data(), "ring", 4), 0);
  ASSERT_EQ(received->fds.size(), 1u);
  const Fd& passed = received->fds[0];
  EXPECT_NE(passed.get(), memfd->get());
  EXPECT_TRUE(same_file(passed.get(), memfd->get()));
  EXPECT_TRUE((::fcntl(passed.get(), F_GETFD) & FD_CLOEXEC) != 0);

  auto other = Mapping::map(passed, 4096, Access::read_write);
  ASSERT_TRUE(other);
  EXPECT_EQ(std::memcmp(other->bytes().data(), "before", 6), 0);
  std::memcpy(other->writable_bytes().data(), "after!", 6);
  EXPECT_EQ(std::memcmp(original->bytes().data(), "after!", 6), 0);
}

TEST_P(FdPassing, SeveralDescriptorsInOneMessage) {
  auto pair = socket_pair(GetParam());
  ASSERT_TRUE(pair);
  std::vector<Fd> memfds;
  std::vector<int> raw;
  for (int i = 0; i < 3; ++i) {
    auto fd = create_memfd("missive-test", 4096 * static_cast<std::size_t>(i + 1));
    ASSERT_TRUE(fd);
    raw.push_back(fd->get());
    memfds.push_back(std::move(*fd));
  }
  ASSERT_TRUE(send_fds(pair->first, bytes_of("x"), raw));
  std::array<std::byte, 4> payload{};
  auto received = recv_fds(pair->second, payload, Deadline::after(2s));
  ASSERT_TRUE(received);
  ASSERT_EQ(received->fds.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(same_file(received->fds[i].get(), raw[i]));
    EXPECT_EQ(*file_size(received->fds[i]), 4096 * (i + 1));
  }
}

TEST_P(FdPassing, AcrossForkedProcesses) {
  auto pair = socket_pair(GetParam());
  ASSERT_TRUE(pair);
  auto child = testing::Child::fork([&] {
    pair->first.reset();
    auto memfd = create_memfd("missive-child", 4096);
    if (!memfd) return 1;
    auto map = Mapping::map(*memfd, 4096, Access::read_write);
    if (!map) return 2;
    std::memcpy(map->writable_bytes().data(), "from child", 10);
    const int fds[] = {memfd->get()};
    if (!send_fds(pair->second, bytes_of("!"), fds, Deadline::after(5s))) return 3;
    return 0;
  });
  pair->second.reset();
  std::array<std::byte, 4> payload{};
  auto received = recv_fds(pair->first, payload, Deadline::after(5s));
  ASSERT_TRUE(received) << received.error().message();
  ASSERT_EQ(received->fds.size(), 1u);
  auto map = Mapping::map(received->fds[0], 4096, Access::read_only);
  ASSERT_TRUE(map);
  EXPECT_EQ(std::memcmp(map->bytes().data(), "from child", 10), 0);
  EXPECT_TRUE(child.succeeded());
}

TEST_P(FdPassing, PeerGoneIsClosedAndTimeoutIsTimedOut) {
  auto pair = socket_pair(GetParam());
  ASSERT_TRUE(pair);
  std::array<std::byte, 4> payload{};
  EXPECT_EQ(recv_fds(pair->second, payload, Deadline::after(20ms)).code(), Errc::timed_out);
  pair->first.reset();
  EXPECT_EQ(recv_fds(pair->second, payload, Deadline::after(2s)).code(), Errc::closed);
  const int fds[] = {0};
  EXPECT_EQ(send_fds(pair->second, bytes_of("x"), fds, Deadline::after(1s)).code(), Errc::closed);
}

INSTANTIATE_TEST_SUITE_P(Types, FdPassing, ::testing::Values(SocketType::seqpacket, SocketType::stream));

TEST(FdPassingLimits, OversizedPayloadIsTooLargeAndLeaksNothing) {
  auto pair = socket_pair(SocketType::seqpacket);
  ASSERT_TRUE(pair);
  auto memfd = create_memfd("missive-test", 4096);
  ASSERT_TRUE(memfd);
  const int fds[] = {memfd->get()};
  ASSERT_TRUE(send_fds(pair->first, bytes_of("a payload too long"), fds));
  const std::size_t open_before = open_fd_count();
  std::array<std::byte, 4> small{};
  EXPECT_EQ(recv_fds(pair->second, small, Deadline::after(2s)).code(), Errc::too_large);
  // The descriptor that arrived with the rejected message was closed, not leaked.
  EXPECT_EQ(open_fd_count(), open_before);
}

TEST(FdPassingLimits, ArgumentChecks) {
  auto pair = socket_pair(SocketType::seqpacket);
  ASSERT_TRUE(pair);
  const int fds[] = {0};
  EXPECT_EQ(send_fds(pair->first, {}, fds).code(), Errc::invalid_argument);
  std::vector<int> many(max_passed_fds + 1, 0);
  EXPECT_EQ(send_fds(pair->first, bytes_of("x"), many).code(), Errc::invalid_argument);
  EXPECT_EQ(recv_fds(pair->second, {}, Deadline::after(1ms)).code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace missive::platform
