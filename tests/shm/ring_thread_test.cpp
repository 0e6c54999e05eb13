// One-way rings between two threads of one process: ordering, integrity,
// backpressure, closing and the parking protocol.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <span>
#include <thread>
#include <vector>

#include "ring_test_support.hpp"

namespace missive::shm {
namespace {

using namespace std::chrono_literals;
using testing::make_message;
using testing::make_pair;
using testing::matches;

std::span<const std::byte> view(const std::vector<std::byte>& bytes) { return bytes; }

// Polls a parked flag in a segment until the owning endpoint has set it.
bool wait_for_flag(const std::atomic<std::uint32_t>& flag) {
  const Deadline deadline = Deadline::after(5s);
  while (flag.load(std::memory_order_seq_cst) == 0) {  // seq_cst: as the waker's load [L]
    if (deadline.expired()) return false;
    std::this_thread::sleep_for(100us);
  }
  return true;
}

TEST(Ring, CreateRoundsCapacityAndDerivesTheLimit) {
  auto sender = RingSender::create(5000);
  ASSERT_TRUE(sender);
  EXPECT_EQ(sender->capacity(), 8192u);
  EXPECT_EQ(sender->max_message_size(), 8192u / 2 - 8);
  auto tiny = RingSender::create(1);
  ASSERT_TRUE(tiny);
  EXPECT_EQ(tiny->capacity(), 4096u);
  EXPECT_EQ(RingSender::create(RingConfig{4096, 4096}).code(), Errc::invalid_argument);
  EXPECT_EQ(RingSender::create(RingConfig{4096, 2041}).code(), Errc::invalid_argument);
  EXPECT_EQ(RingSender::create(RingConfig{4096, ~std::size_t{0}}).code(), Errc::invalid_argument);  // no wrap-around
  EXPECT_EQ(RingSender::create(RingConfig{(std::size_t{1} << 30) + 1, 0}).code(), Errc::invalid_argument);
  auto limited = RingSender::create(RingConfig{4096, 100});
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->max_message_size(), 100u);
}

TEST(Ring, SendsBeforeAttachWaitInTheRing) {
  auto sender = RingSender::create(4096);
  ASSERT_TRUE(sender);
  for (std::uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(sender->try_send(view(make_message(i, 100))));
  auto receiver = RingReceiver::attach(*sender->data_fd().duplicate(), *sender->control_fd().duplicate());
  ASSERT_TRUE(receiver);
  std::vector<std::byte> got;
  for (std::uint64_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(receiver->try_recv(got));
    EXPECT_TRUE(matches(i, got, 100));
  }
  EXPECT_EQ(receiver->try_recv(got).code(), Errc::would_block);
}

TEST(Ring, EmptyAndMaximalMessages) {
  auto [sender, receiver] = make_pair(RingConfig{4096, 0});
  std::vector<std::byte> got(5, std::byte{1});
  ASSERT_TRUE(sender.try_send({}));
  ASSERT_TRUE(receiver.try_recv(got));
  EXPECT_TRUE(got.empty());
  const std::vector<std::byte> big = make_message(9, sender.max_message_size());
  ASSERT_TRUE(sender.try_send(big));
  ASSERT_TRUE(receiver.try_recv(got));
  EXPECT_TRUE(matches(9, got, big.size()));
  const std::vector<std::byte> too_big(sender.max_message_size() + 1);
  EXPECT_EQ(sender.try_send(too_big).code(), Errc::too_large);
  EXPECT_EQ(sender.send(too_big, Deadline::after(1s)).code(), Errc::too_large);
}

TEST(Ring, RecvIntoASmallBufferIsTooLargeAndKeepsTheMessage) {
  auto [sender, receiver] = make_pair();
  ASSERT_TRUE(sender.try_send(view(make_message(1, 300))));
  std::vector<std::byte> small(100);
  EXPECT_EQ(receiver.try_recv_into(small).code(), Errc::too_large);
  std::vector<std::byte> enough(receiver.max_message_size());
  auto n = receiver.try_recv_into(enough);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 300u);
  EXPECT_TRUE(matches(1, std::span(enough).first(*n), 300));
}

// Property: with one thread per side, every message arrives once, in order,
// byte for byte, across thousands of wrap-arounds of a small ring.
TEST(Ring, FifoAndIntegrityAcrossThreadsWithWrapAround) {
  constexpr std::uint64_t count = 30000;
  WaitPolicy policy;
  policy.spin_iterations = 64;  // park often: exercises the wake protocol too
  auto [sender, receiver] = make_pair(RingConfig{4096, 0}, policy, policy);
  const std::size_t max = sender.max_message_size();
  std::thread producer([&sender = sender, max] {
    std::mt19937_64 sizes(42);
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::size_t size = (i % 97 == 0) ? max : static_cast<std::size_t>(sizes() % 700);
      const Status s = sender.send(make_message(i, size), Deadline::after(10s));
      if (!s) {
        ADD_FAILURE() << "send " << i << ": " << s.error().message();
        return;
      }
    }
    sender.close();
  });
  std::mt19937_64 sizes(42);
  std::vector<std::byte> got;
  std::uint64_t received = 0;
  for (;;) {
    const Status s = receiver.recv(got, Deadline::after(10s));
    if (s.code() == Errc::closed) break;
    ASSERT_TRUE(s) << s.error().message();
    const std::size_t size = (received % 97 == 0) ? max : static_cast<std::size_t>(sizes() % 700);
    ASSERT_TRUE(matches(received, got, size)) << "message " << received;
    ++received;
  }
  producer.join();
  EXPECT_EQ(received, count);
  EXPECT_EQ(receiver.try_recv(got).code(), Errc::closed);  // closed stays closed
}

// Batched publication across threads, parking often. Must never happen: a
// message of a burst lost, reordered, torn or delivered twice; a burst that
// reports more messages sent than the receiver gets.
TEST(Ring, BatchesArriveWholeAndInOrderAcrossThreads) {
  constexpr std::uint64_t count = 30000;
  WaitPolicy policy;
  policy.spin_iterations = 64;
  auto [sender, receiver] = make_pair(RingConfig{4096, 0}, policy, policy);
  std::thread producer([&sender = sender] {
    std::mt19937_64 sizes(7);
    std::vector<std::vector<std::byte>> messages;
    for (std::uint64_t i = 0; i < count; ++i) messages.push_back(make_message(i, sizes() % 300));
    std::vector<std::span<const std::byte>> views(messages.begin(), messages.end());
    for (std::size_t sent = 0; sent < count;) {
      const std::size_t burst = std::min<std::size_t>(1 + sent % 40, count - sent);
      auto n = sender.send_batch(std::span(views).subspan(sent, burst), Deadline::after(10s));
      if (!n || *n == 0 || *n > burst) {
        ADD_FAILURE() << "send_batch at " << sent;
        return;
      }
      sent += *n;
    }
    sender.close();
  });
  std::mt19937_64 sizes(7);
  std::vector<std::byte> got;
  std::uint64_t received = 0;
  for (;;) {
    const Status s = receiver.recv(got, Deadline::after(10s));
    if (s.code() == Errc::closed) break;
    ASSERT_TRUE(s) << s.error().message();
    ASSERT_TRUE(matches(received, got, sizes() % 300)) << "message " << received;
    ++received;
  }
  producer.join();
  EXPECT_EQ(received, count);
}

// A burst stops at the first message that does not fit or is too large; that
// one and the rest stay with the caller.
TEST(Ring, BatchStopsAtTheFirstMessageThatCannotGo) {
  auto [sender, receiver] = make_pair(RingConfig{4096, 0});
  const std::vector<std::byte> small(100);
  const std::vector<std::byte> huge(sender.max_message_size() + 1);
  const std::vector<std::span<const std::byte>> with_huge = {small, small, huge, small};
  auto n = sender.try_send_batch(with_huge);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(sender.try_send_batch(std::span(with_huge).subspan(2)).code(), Errc::too_large);
  const std::vector<std::span<const std::byte>> many(100, std::span<const std::byte>(small));
  auto fit = sender.try_send_batch(many);
  ASSERT_TRUE(fit);
  EXPECT_EQ(*fit, 4096 / 112 - 2);  // 112-byte records; two already in the ring
  EXPECT_EQ(sender.try_send_batch(many).code(), Errc::would_block);
  std::vector<std::byte> got;
  std::size_t received = 0;
  while (receiver.try_recv(got)) ++received;
  EXPECT_EQ(received, 2 + *fit);
}

TEST(Ring, FullRingIsWouldBlockThenTimedOut) {
  auto [sender, receiver] = make_pair(RingConfig{4096, 0});
  const std::vector<std::byte> message = make_message(0, 1000);
  int sent = 0;
  while (sender.try_send(message)) ++sent;
  EXPECT_EQ(sent, 4);  // 4 records of 1008 bytes fill 4096
  EXPECT_EQ(sender.try_send(message).code(), Errc::would_block);
  const auto start = Clock::now();
  EXPECT_EQ(sender.send(message, Deadline::after(30ms)).code(), Errc::timed_out);
  EXPECT_GE(Clock::now() - start, 30ms);
  // Consuming one record makes room for exactly one more.
  std::vector<std::byte> got;
  ASSERT_TRUE(receiver.try_recv(got));
  EXPECT_TRUE(sender.try_send(message));
  EXPECT_EQ(sender.try_send(message).code(), Errc::would_block);
}

TEST(Ring, EmptyRingIsWouldBlockThenTimedOut) {
  auto [sender, receiver] = make_pair();
  std::vector<std::byte> got;
  EXPECT_EQ(receiver.try_recv(got).code(), Errc::would_block);
  const auto start = Clock::now();
  EXPECT_EQ(receiver.recv(got, Deadline::after(30ms)).code(), Errc::timed_out);
  EXPECT_GE(Clock::now() - start, 30ms);
  std::vector<std::byte> buffer(16);
  EXPECT_EQ(receiver.recv_into(buffer, Deadline::after(1ms)).code(), Errc::timed_out);
}

// Property: closing never loses what was sent before it.
TEST(Ring, SenderCloseDrainsThenClosed) {
  auto [sender, receiver] = make_pair();
  for (std::uint64_t i = 0; i < 5; ++i) ASSERT_TRUE(sender.try_send(view(make_message(i, 64))));
  sender.close();
  sender.close();  // idempotent
  EXPECT_EQ(sender.try_send(view(make_message(9, 8))).code(), Errc::closed);
  std::vector<std::byte> got;
  for (std::uint64_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(receiver.recv(got, Deadline::after(1s)));
    EXPECT_TRUE(matches(i, got, 64));
  }
  EXPECT_EQ(receiver.recv(got, Deadline::after(1s)).code(), Errc::closed);
}

TEST(Ring, ReceiverCloseFailsTheSender) {
  auto [sender, receiver] = make_pair();
  ASSERT_TRUE(sender.try_send(view(make_message(0, 8))));
  receiver.close();
  EXPECT_EQ(sender.try_send(view(make_message(1, 8))).code(), Errc::closed);
  std::vector<std::byte> got;
  EXPECT_EQ(receiver.try_recv(got).code(), Errc::closed);
}

TEST(Ring, CloseWakesABlockedPeer) {
  auto [sender, receiver] = make_pair({}, {}, WaitPolicy{WaitStrategy::park, 0, {}});
  std::thread closer([&sender = sender] {
    std::this_thread::sleep_for(30ms);
    sender.close();
  });
  std::vector<std::byte> got;
  const auto start = Clock::now();
  EXPECT_EQ(receiver.recv(got, Deadline::after(10s)).code(), Errc::closed);
  EXPECT_LT(Clock::now() - start, 5s);  // woken by close, not by its own deadline
  closer.join();
}

TEST(Ring, MovedEndpointsKeepWorking) {
  auto [sender, receiver] = make_pair();
  RingSender moved_sender = std::move(sender);
  RingReceiver moved_receiver = std::move(receiver);
  EXPECT_EQ(sender.try_send(view(make_message(0, 8))).code(), Errc::closed);  // NOLINT: moved-from is closed
  ASSERT_TRUE(moved_sender.try_send(view(make_message(0, 8))));
  std::vector<std::byte> got;
  ASSERT_TRUE(moved_receiver.try_recv(got));
  EXPECT_TRUE(matches(0, got, 8));
  auto [other_sender, other_receiver] = make_pair();
  moved_sender = std::move(other_sender);  // closes the first ring
  EXPECT_EQ(moved_receiver.try_recv(got).code(), Errc::closed);
}

// Property: a receiver that never parks (spin) costs the sender no system call.
TEST(RingWaiting, NoWakeSyscallWhileThePeerIsNotParked) {
  constexpr std::uint64_t count = 20000;
  WaitPolicy spin{WaitStrategy::spin, 0, {}};
  auto [sender, receiver] = make_pair(RingConfig{1 << 20, 0}, spin, spin);
  std::thread consumer([&receiver = receiver] {
    std::vector<std::byte> got;
    for (std::uint64_t i = 0; i < count; ++i) {
      if (!receiver.recv(got, Deadline::after(10s)) || !matches(i, got, 32)) {
        ADD_FAILURE() << "message " << i;
        return;
      }
    }
  });
  for (std::uint64_t i = 0; i < count; ++i) ASSERT_TRUE(sender.send(make_message(i, 32), Deadline::after(10s)));
  consumer.join();
  EXPECT_EQ(sender.stats().wake_syscalls, 0u);
  EXPECT_EQ(receiver.stats().parks, 0u);
  EXPECT_EQ(receiver.stats().wake_syscalls, 0u);
  EXPECT_EQ(sender.stats().parks, 0u);
}

// Property: a receiver parked on an empty ring is woken by the next send (it
// would otherwise sleep until its 10 s deadline and fail).
TEST(RingWaiting, ReceiverParkedOnEmptyIsWoken) {
  auto [sender, receiver] = make_pair({}, {}, WaitPolicy{WaitStrategy::park, 0, {}});
  std::atomic<bool> done{false};
  std::thread consumer([&receiver = receiver, &done] {
    std::vector<std::byte> got;
    const Status s = receiver.recv(got, Deadline::after(10s));
    EXPECT_TRUE(s) << s.error().message();
    EXPECT_TRUE(matches(7, got, 10));
    done.store(true, std::memory_order_release);
  });
  // Wait until it has announced that it sleeps (it clears the flag only once woken).
  ASSERT_TRUE(wait_for_flag(testing::Access::control(receiver).receiver_parked));
  const auto start = Clock::now();
  ASSERT_TRUE(sender.try_send(view(make_message(7, 10))));
  consumer.join();
  EXPECT_LT(Clock::now() - start, 5s);  // woken by the send, not by its own deadline
  EXPECT_TRUE(done.load(std::memory_order_acquire));
  EXPECT_EQ(sender.stats().wake_syscalls, 1u);
}

// Property: a sender parked on a full ring is woken when the receiver makes room.
TEST(RingWaiting, SenderParkedOnFullIsWoken) {
  auto [sender, receiver] = make_pair(RingConfig{4096, 0}, WaitPolicy{WaitStrategy::park, 0, {}});
  const std::vector<std::byte> message = make_message(0, 1000);
  while (sender.try_send(message)) {
  }
  std::thread producer([&sender = sender, &message] {
    const Status s = sender.send(message, Deadline::after(10s));
    EXPECT_TRUE(s) << s.error().message();
  });
  ASSERT_TRUE(wait_for_flag(testing::Access::data(sender).sender_parked));
  std::vector<std::byte> got;
  const auto start = Clock::now();
  ASSERT_TRUE(receiver.try_recv(got));
  producer.join();
  EXPECT_LT(Clock::now() - start, 5s);  // woken by the receiver, not by its own deadline
  EXPECT_EQ(receiver.stats().wake_syscalls, 1u);
}

// Property: no wake-up is ever lost. Two rings carry a ping-pong; both sides
// park after a handful of spins, so every hand-off races the parking protocol.
// A lost wake-up leaves one side asleep until the test's single deadline
// (the whole run normally takes well under a second): the test fails.
TEST(RingWaiting, PingPongNeverLosesAWakeUp) {
  constexpr std::uint64_t rounds = 3000;
  const Deadline deadline = Deadline::after(20s);
  const WaitPolicy policy{WaitStrategy::spin_then_park, 4, {}};
  auto ping = make_pair(RingConfig{4096, 0}, policy, policy);
  auto pong = make_pair(RingConfig{4096, 0}, policy, policy);
  std::thread echo([&] {
    std::vector<std::byte> got;
    for (std::uint64_t i = 0; i < rounds; ++i) {
      if (!ping.receiver.recv(got, deadline) || !pong.sender.send(got, deadline)) {
        ADD_FAILURE() << "echo stalled at round " << i;
        return;
      }
    }
  });
  std::vector<std::byte> got;
  for (std::uint64_t i = 0; i < rounds; ++i) {
    ASSERT_TRUE(ping.sender.send(make_message(i, 24), deadline));
    const Status s = pong.receiver.recv(got, deadline);
    ASSERT_TRUE(s) << "round " << i << ": " << s.error().message();
    ASSERT_TRUE(matches(i, got, 24));
  }
  echo.join();
  // The race was real: both sides slept and were woken many times.
  EXPECT_GT(pong.receiver.stats().parks + ping.receiver.stats().parks, 0u);
  EXPECT_GT(ping.sender.stats().wake_syscalls + pong.sender.stats().wake_syscalls, 0u);
  ::testing::Test::RecordProperty("parks", std::to_string(pong.receiver.stats().parks + ping.receiver.stats().parks));
}

}  // namespace
}  // namespace missive::shm
