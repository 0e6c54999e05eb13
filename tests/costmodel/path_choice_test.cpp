// Path choice on shm:// connections: each message goes inline or through a
// loaned buffer as the crossover, the connection's option and the calling
// thread's override say, and arrives identical either way.
//
// Both ends live in this process (two threads); the rings are the same as
// between processes (memfds, the receiver maps the sender's segments read-only).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "missive/costmodel/path_choice.hpp"
#include "missive/transport/connection.hpp"
#include "missive/transport/listener.hpp"
#include "missive/transport/options.hpp"

namespace missive::transport {
namespace {

using namespace std::chrono_literals;

std::string unique_shm_address() {
  static std::atomic<int> counter{0};
  return "shm://cost-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

std::vector<std::byte> pattern(std::size_t size, std::uint32_t seed) {
  std::vector<std::byte> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>((seed * 167u + i * 13u + (i >> 8)) & 0xFFu);
  return out;
}

struct Pair {
  Listener listener;
  Connection client;
  Connection server;
};

// A connected pair: the client sends with `client_options`.
Pair connect_pair(const ConnectOptions& client_options) {
  const std::string address = unique_shm_address();
  auto listener = Listener::listen(address);
  EXPECT_TRUE(listener) << listener.error().message();
  Result<Connection> server = Errc::invalid_argument;
  std::thread accepter([&] { server = listener->accept(Deadline::after(5s)); });
  auto client = connect(address, Deadline::after(5s), client_options);
  accepter.join();
  EXPECT_TRUE(client) << client.error().message();
  EXPECT_TRUE(server) << server.error().message();
  return Pair{std::move(*listener), std::move(*client), std::move(*server)};
}

ConnectOptions with_path(SendPath path, std::size_t crossover) {
  ConnectOptions options;
  options.send_path = path;
  options.crossover_bytes = crossover;
  return options;
}

// Sends `sizes` one after the other (the peer receives each before the next
// is sent, so no buffer is ever busy) and returns the path counts of the send.
SendPathCounts send_each(Pair& pair, const std::vector<std::size_t>& sizes) {
  const SendPathCounts before = this_thread_send_path_counts();
  std::vector<std::byte> got;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const auto message = pattern(sizes[i], static_cast<std::uint32_t>(i));
    EXPECT_TRUE(pair.client.send(message, Deadline::after(5s)));
    EXPECT_TRUE(pair.server.recv(got, Deadline::after(5s)));
    EXPECT_EQ(got, message) << "message " << i << " of " << sizes[i] << " bytes changed on the way";
  }
  const SendPathCounts after = this_thread_send_path_counts();
  return {after.inline_copies - before.inline_copies, after.loans - before.loans,
          after.loan_fallbacks - before.loan_fallbacks};
}

TEST(PathChoice, AutomaticFollowsTheCrossover) {
  Pair pair = connect_pair(with_path(SendPath::automatic, 4096));
  // 0, 64, 4095 inline; 4096, 8000, 16000 loaned.
  const SendPathCounts counts = send_each(pair, {0, 64, 4095, 4096, 8000, 16000});
  EXPECT_EQ(counts.inline_copies, 3u);
  EXPECT_EQ(counts.loans, 3u);
  EXPECT_EQ(counts.loan_fallbacks, 0u);
}

TEST(PathChoice, ConnectionOptionForcesOneWay) {
  Pair always_inline = connect_pair(with_path(SendPath::inline_copy, 0));
  SendPathCounts counts = send_each(always_inline, {8, 4096, 30000});
  EXPECT_EQ(counts.inline_copies, 3u);
  EXPECT_EQ(counts.loans, 0u);
  Pair always_loan = connect_pair(with_path(SendPath::loan, 1u << 20));
  counts = send_each(always_loan, {0, 8, 4096, 30000});
  EXPECT_EQ(counts.inline_copies, 0u);
  EXPECT_EQ(counts.loans, 4u);
}

TEST(PathChoice, PerMessageOverrideWinsAndNests) {
  Pair pair = connect_pair(with_path(SendPath::automatic, 4096));
  {
    ScopedSendPath loan_these(SendPath::loan);
    EXPECT_EQ(send_each(pair, {64}).loans, 1u);
    {
      ScopedSendPath inline_these(SendPath::inline_copy);
      EXPECT_EQ(send_each(pair, {16000}).inline_copies, 1u);
    }
    EXPECT_EQ(send_each(pair, {64}).loans, 1u);  // the outer override is back
  }
  EXPECT_EQ(send_each(pair, {64}).inline_copies, 1u);  // and then the crossover
  EXPECT_EQ(send_each(pair, {16000}).loans, 1u);
}

TEST(PathChoice, ExhaustedPoolFallsBackInlineAndNothingIsLost) {
  // The sender runs ahead of the receiver: 4 buffers are soon all in flight,
  // so later loans fall back to inline. Every message still arrives, in
  // order and intact, whichever way it went.
  Pair pair = connect_pair(with_path(SendPath::loan, 0));
  constexpr int count = 40;
  std::vector<std::vector<std::byte>> sent;
  for (int i = 0; i < count; ++i)
    sent.push_back(pattern(1000 + static_cast<std::size_t>(i), static_cast<std::uint32_t>(i)));
  const SendPathCounts before = this_thread_send_path_counts();
  for (const auto& m : sent) ASSERT_TRUE(pair.client.send(m, Deadline::after(5s)));
  const SendPathCounts after = this_thread_send_path_counts();
  EXPECT_GE(after.loan_fallbacks - before.loan_fallbacks, 1u);
  EXPECT_EQ((after.loans - before.loans) + (after.inline_copies - before.inline_copies), std::uint64_t{count});
  std::vector<std::byte> got;
  for (const auto& m : sent) {
    ASSERT_TRUE(pair.server.recv(got, Deadline::after(5s)));
    EXPECT_EQ(got, m);
  }
}

TEST(PathChoice, RandomSizesArriveIdenticalEitherWay) {
  // Property: for any mix of paths, the byte strings received equal those
  // sent, in order; a concurrent receiver thread races the sender.
  for (SendPath path : {SendPath::automatic, SendPath::inline_copy, SendPath::loan}) {
    Pair pair = connect_pair(with_path(path, 2048));
    std::mt19937 rng(static_cast<std::uint32_t>(path) + 7);
    std::uniform_int_distribution<std::size_t> size(0, 20000);
    std::vector<std::vector<std::byte>> sent;
    for (int i = 0; i < 1500; ++i) sent.push_back(pattern(size(rng), static_cast<std::uint32_t>(i)));
    std::atomic<int> mismatches{0};
    std::thread receiver([&] {
      std::vector<std::byte> got;
      for (const auto& m : sent) {
        if (!pair.server.recv(got, Deadline::after(10s)) || got != m) mismatches.fetch_add(1);
      }
    });
    for (const auto& m : sent) ASSERT_TRUE(pair.client.send(m, Deadline::after(10s)));
    receiver.join();
    EXPECT_EQ(mismatches.load(), 0) << "path " << static_cast<int>(path);
  }
}

TEST(PathChoice, TrySendTakesTheSamePaths) {
  Pair pair = connect_pair(with_path(SendPath::automatic, 4096));
  const SendPathCounts before = this_thread_send_path_counts();
  const auto small = pattern(100, 1);
  const auto large = pattern(10000, 2);
  ASSERT_TRUE(pair.client.try_send(small));
  ASSERT_TRUE(pair.client.try_send(large));
  const SendPathCounts after = this_thread_send_path_counts();
  EXPECT_EQ(after.inline_copies - before.inline_copies, 1u);
  EXPECT_EQ(after.loans - before.loans, 1u);
  std::vector<std::byte> got;
  ASSERT_TRUE(pair.server.recv(got, Deadline::after(5s)));
  EXPECT_EQ(got, small);
  ASSERT_TRUE(pair.server.recv(got, Deadline::after(5s)));
  EXPECT_EQ(got, large);
}

TEST(PathChoice, InlineOnlyConnectionsHaveNoPool) {
  // A pool costs memory: a connection that never loans does not get one, and
  // its largest message is the ring's.
  ConnectOptions options = with_path(SendPath::inline_copy, 0);
  Pair pair = connect_pair(options);
  EXPECT_EQ(pair.client.max_message_size(), options.ring.capacity_bytes / 2 - 8);
  const auto message = pattern(pair.client.max_message_size() + 1, 3);
  EXPECT_EQ(pair.client.send(message, Deadline::after(1s)).code(), Errc::too_large);
}

}  // namespace
}  // namespace missive::transport
