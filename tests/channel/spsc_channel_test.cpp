// SpscChannel: semantics under each wait strategy, parking and close wake-ups.
#include "missive/channel/spsc_channel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "test_support.hpp"

namespace missive {
namespace {

using namespace std::chrono_literals;
using test::Counted;

struct Config {
  WaitStrategy strategy;
  ParkProtocol protocol;
};

class SpscChannelTest : public ::testing::TestWithParam<Config> {
 protected:
  template <class T>
  SpscChannel<T> make(std::size_t capacity) const {
    return SpscChannel<T>(capacity, GetParam().strategy, GetParam().protocol);
  }
  [[nodiscard]] WaitStrategy strategy() const { return GetParam().strategy; }
};

std::string config_name(const Config& c) {
  std::string name;
  switch (c.strategy) {
    case WaitStrategy::spin:
      name = "spin";
      break;
    case WaitStrategy::spin_then_park:
      name = "spin_then_park";
      break;
    case WaitStrategy::park:
      name = "park";
      break;
  }
  if (c.strategy != WaitStrategy::spin) name += c.protocol == ParkProtocol::symmetric ? "_symmetric" : "_asymmetric";
  return name;
}

TEST(SpscChannel, ProtocolSelection) {
  EXPECT_EQ(SpscChannel<int>(4, WaitStrategy::park, ParkProtocol::symmetric).park_protocol(), ParkProtocol::symmetric);
  EXPECT_EQ(SpscChannel<int>(4, WaitStrategy::spin).park_protocol(), ParkProtocol::symmetric);
  const ParkProtocol automatic = SpscChannel<int>(4).park_protocol();
  EXPECT_EQ(automatic, detail::asymmetric_fence_available() ? ParkProtocol::asymmetric : ParkProtocol::symmetric);
  EXPECT_EQ(SpscChannel<int>(4, WaitStrategy::park, ParkProtocol::asymmetric).park_protocol(), automatic);
}

TEST_P(SpscChannelTest, ReportsCapacityAndStrategy) {
  auto ch = make<int>(5);
  EXPECT_EQ(ch.capacity(), 8u);
  EXPECT_EQ(ch.wait_strategy(), strategy());
  EXPECT_FALSE(ch.is_closed());
}

// Property: failed non-blocking and timed calls keep the caller's value.
TEST_P(SpscChannelTest, TryAndTimedCallsFailCleanly) {
  auto ch = make<std::unique_ptr<int>>(1);
  EXPECT_EQ(ch.try_recv().code(), Errc::would_block);
  const auto start = Clock::now();
  EXPECT_EQ(ch.recv_until(Deadline::after(20ms)).code(), Errc::timed_out);
  EXPECT_GE(Clock::now() - start, 20ms);

  ASSERT_TRUE(ch.try_send(std::make_unique<int>(1)));
  auto v = std::make_unique<int>(2);
  EXPECT_EQ(ch.try_send(std::move(v)).code(), Errc::would_block);
  ASSERT_NE(v, nullptr);
  const auto start2 = Clock::now();
  EXPECT_EQ(ch.send_until(std::move(v), Deadline::after(20ms)).code(), Errc::timed_out);
  EXPECT_GE(Clock::now() - start2, 20ms);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 2);  // NOLINT(bugprone-use-after-move): moved from only on ok

  auto r = ch.try_recv();
  ASSERT_TRUE(r);
  EXPECT_EQ(**r, 1);
  ASSERT_TRUE(ch.send_until(std::move(v), Deadline::now_or_never()));
  EXPECT_EQ(**ch.recv_until(Deadline::now_or_never()), 2);
}

// Property: after close, buffered values are still received in order, then closed; sends fail.
TEST_P(SpscChannelTest, CloseDrainsThenReportsClosed) {
  auto ch = make<int>(4);
  ASSERT_TRUE(ch.send(1));
  ASSERT_TRUE(ch.send(2));
  ch.close();
  ch.close();
  EXPECT_TRUE(ch.is_closed());
  EXPECT_EQ(ch.send(3).code(), Errc::closed);
  EXPECT_EQ(ch.try_send(3).code(), Errc::closed);
  EXPECT_EQ(*ch.recv(), 1);
  EXPECT_EQ(*ch.try_recv(), 2);
  EXPECT_EQ(ch.recv().code(), Errc::closed);
  EXPECT_EQ(ch.try_recv().code(), Errc::closed);
  EXPECT_EQ(ch.recv_until(Deadline::after(1s)).code(), Errc::closed);
}

// Property: a receiver blocked on an empty channel (parked, for the park
// strategies) is woken by close from another thread and sees closed.
TEST_P(SpscChannelTest, CloseWakesABlockedReceiver) {
  auto ch = make<int>(4);
  std::atomic<bool> done{false};
  std::thread consumer([&] {
    EXPECT_EQ(ch.recv().code(), Errc::closed);
    done = true;
  });
  std::this_thread::sleep_for(50ms);  // long past the spin budget: parked now
  EXPECT_FALSE(done.load());
  ch.close();
  consumer.join();
  EXPECT_TRUE(done.load());
}

// Property: a sender blocked on a full channel is woken by close, gets
// closed, and keeps its value.
TEST_P(SpscChannelTest, CloseWakesABlockedSender) {
  auto ch = make<std::unique_ptr<int>>(1);
  ASSERT_TRUE(ch.send(std::make_unique<int>(1)));
  std::unique_ptr<int> kept;
  std::thread producer([&] {
    auto v = std::make_unique<int>(2);
    EXPECT_EQ(ch.send(std::move(v)).code(), Errc::closed);
    kept = std::move(v);
  });
  std::this_thread::sleep_for(50ms);
  ch.close();
  producer.join();
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(*kept, 2);
  EXPECT_EQ(**ch.recv(), 1);
}

// Property: a blocked receiver with a deadline wakes for a value that arrives
// in time, and a blocked sender wakes when room appears.
TEST_P(SpscChannelTest, ParkedSidesWakeForDataAndRoom) {
  auto ch = make<int>(1);
  std::thread consumer([&] {
    auto r = ch.recv_until(Deadline::after(10s));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 1);
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(*ch.recv(), 2);
    EXPECT_EQ(*ch.recv(), 3);
  });
  std::this_thread::sleep_for(30ms);
  ASSERT_TRUE(ch.send(1));
  ASSERT_TRUE(ch.send(2));
  ASSERT_TRUE(ch.send_until(3, Deadline::after(10s)));  // parks until the consumer frees a slot
  consumer.join();
}

// Property: values cross in FIFO order, none lost or duplicated, through a
// small ring where both sides keep blocking (so parking and waking run
// constantly for the park strategies).
TEST_P(SpscChannelTest, TwoThreadsPreserveFifoOrder) {
  const std::uint64_t n =
      strategy() == WaitStrategy::spin ? test::scaled(1'000'000, 100'000) : test::scaled(300'000, 50'000);
  auto ch = make<std::uint64_t>(16);
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < n; ++i) ASSERT_TRUE(ch.send(std::uint64_t{i}));
    ch.close();
  });
  std::uint64_t received = 0;
  std::uint64_t mismatches = 0;
  for (;;) {
    auto r = ch.recv();
    if (!r) {
      EXPECT_EQ(r.code(), Errc::closed);
      break;
    }
    if (*r != received && mismatches++ == 0) ADD_FAILURE() << "got " << *r << " expected " << received;
    ++received;
  }
  producer.join();
  EXPECT_EQ(received, n);
  EXPECT_EQ(mismatches, 0u);
}

// Property: no wake-up is ever lost. A ping-pong over two capacity-1 channels
// makes each side park on almost every message; a lost wake-up would leave a
// side asleep and the deadline below would fire.
TEST_P(SpscChannelTest, PingPongNeverLosesAWakeUp) {
  const int rounds = static_cast<int>(test::scaled(20'000, 3'000));
  auto ping = make<int>(1);
  auto pong = make<int>(1);
  std::thread echo([&] {
    for (;;) {
      auto r = ping.recv_until(Deadline::after(10s));
      if (!r) {
        EXPECT_EQ(r.code(), Errc::closed);
        return;
      }
      ASSERT_TRUE(pong.send(*r + 1));
    }
  });
  for (int i = 0; i < rounds; ++i) {
    ASSERT_TRUE(ping.send(int{i}));
    auto r = pong.recv_until(Deadline::after(10s));
    ASSERT_TRUE(r) << "round " << i << ": " << r.error().message();
    ASSERT_EQ(*r, i + 1);
  }
  ping.close();
  echo.join();
}

// Property: values still inside when the channel is destroyed are destroyed
// with it, and every hand-off destroys exactly what it constructed.
TEST_P(SpscChannelTest, CountedValuesNeverLeak) {
  Counted::reset();
  {
    auto ch = make<Counted>(4);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(ch.send(Counted(i)));
    EXPECT_EQ(ch.recv()->value(), 0);
    const Counted c(7);
    ASSERT_TRUE(ch.send(c));
    Counted rejected(8);
    EXPECT_EQ(ch.try_send(std::move(rejected)).code(), Errc::would_block);
    EXPECT_EQ(rejected.value(), 8);  // NOLINT(bugprone-use-after-move): moved from only on ok
  }
  EXPECT_EQ(Counted::live(), 0);
}

INSTANTIATE_TEST_SUITE_P(Strategies, SpscChannelTest,
                         ::testing::Values(Config{WaitStrategy::spin, ParkProtocol::symmetric},
                                           Config{WaitStrategy::spin_then_park, ParkProtocol::symmetric},
                                           Config{WaitStrategy::spin_then_park, ParkProtocol::asymmetric},
                                           Config{WaitStrategy::park, ParkProtocol::symmetric},
                                           Config{WaitStrategy::park, ParkProtocol::asymmetric}),
                         [](const auto& tpi) { return config_name(tpi.param); });

}  // namespace
}  // namespace missive
