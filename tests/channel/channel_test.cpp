// Channel<T>: semantics of every public call, one property per test.
#include "missive/channel/channel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace missive {
namespace {

using namespace std::chrono_literals;
using test::Counted;
using test::eventually;

TEST(Channel, ReportsCapacityAndStartsEmptyAndOpen) {
  Channel<int> ch(3);
  EXPECT_EQ(ch.capacity(), 3u);
  EXPECT_EQ(ch.size(), 0u);
  EXPECT_FALSE(ch.is_closed());
  Channel<int> rendezvous(0);
  EXPECT_EQ(rendezvous.capacity(), 0u);
}

TEST(Channel, BufferedValuesComeOutInFifoOrder) {
  Channel<int> ch(4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(ch.send(int{i}));
  EXPECT_EQ(ch.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    auto r = ch.recv();
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, i);
  }
  EXPECT_EQ(ch.size(), 0u);
}

TEST(Channel, SendConstRefSendsACopy) {
  Channel<std::string> ch(1);
  const std::string hello = "hello";
  ASSERT_TRUE(ch.send(hello));
  EXPECT_EQ(hello, "hello");
  EXPECT_EQ(*ch.recv(), "hello");
}

// Property: a failed try_send never moves from the caller's value.
TEST(Channel, TrySendWouldBlockWhenFullAndKeepsTheValue) {
  Channel<std::unique_ptr<int>> ch(1);
  ASSERT_TRUE(ch.try_send(std::make_unique<int>(1)));
  auto v = std::make_unique<int>(2);
  const Status s = ch.try_send(std::move(v));
  EXPECT_EQ(s.code(), Errc::would_block);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 2);  // NOLINT(bugprone-use-after-move): moved from only on ok
}

// Property: a timed-out send returns after the deadline and the value stays with the caller.
TEST(Channel, SendUntilTimesOutWhenFullAndKeepsTheValue) {
  Channel<std::unique_ptr<int>> ch(1);
  ASSERT_TRUE(ch.send(std::make_unique<int>(1)));
  auto v = std::make_unique<int>(2);
  const auto start = Clock::now();
  const Status s = ch.send_until(std::move(v), Deadline::after(30ms));
  EXPECT_EQ(s.code(), Errc::timed_out);
  EXPECT_GE(Clock::now() - start, 30ms);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 2);          // NOLINT(bugprone-use-after-move): moved from only on ok
  EXPECT_EQ(ch.size(), 1u);  // the timed-out sender left nothing behind
}

TEST(Channel, TryRecvWouldBlockWhenEmpty) {
  Channel<int> ch(2);
  EXPECT_EQ(ch.try_recv().code(), Errc::would_block);
  ASSERT_TRUE(ch.try_send(5));
  auto r = ch.try_recv();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 5);
}

TEST(Channel, RecvUntilTimesOutWhenEmpty) {
  Channel<int> ch(2);
  const auto start = Clock::now();
  EXPECT_EQ(ch.recv_until(Deadline::after(30ms)).code(), Errc::timed_out);
  EXPECT_GE(Clock::now() - start, 30ms);
}

TEST(Channel, ExpiredDeadlineStillCompletesWhatIsReady) {
  Channel<int> ch(1);
  ASSERT_TRUE(ch.send_until(7, Deadline::now_or_never()));
  EXPECT_EQ(ch.send_until(8, Deadline::now_or_never()).code(), Errc::timed_out);
  auto r = ch.recv_until(Deadline::now_or_never());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(ch.recv_until(Deadline::now_or_never()).code(), Errc::timed_out);
}

// Property: a receiver blocked with a deadline gets a value that arrives before it.
TEST(Channel, RecvUntilGetsAValueSentBeforeTheDeadline) {
  Channel<int> ch(0);
  std::thread sender([&] {
    std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(ch.send(42));
  });
  auto r = ch.recv_until(Deadline::after(5s));
  sender.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 42);
}

// Property: a rendezvous send never returns before a receiver has taken the value.
TEST(Rendezvous, SendDoesNotReturnBeforeAReceiverTookTheValue) {
  Channel<int> ch(0);
  std::atomic<bool> returned{false};
  Clock::time_point returned_at{};
  std::thread sender([&] {
    EXPECT_TRUE(ch.send(1));
    returned_at = Clock::now();
    returned.store(true);
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(returned.load()) << "send returned with no receiver";
  const auto recv_started = Clock::now();
  auto r = ch.recv();
  sender.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1);
  EXPECT_TRUE(returned.load());
  EXPECT_GE(returned_at, recv_started);
}

// Property: with no receiver waiting, try_send fails and keeps the value;
// once a receiver waits, try_send hands the value straight to it.
TEST(Rendezvous, TrySendNeedsAWaitingReceiver) {
  Channel<std::unique_ptr<int>> ch(0);
  auto v = std::make_unique<int>(9);
  EXPECT_EQ(ch.try_send(std::move(v)).code(), Errc::would_block);
  ASSERT_NE(v, nullptr);

  std::unique_ptr<int> got;
  std::thread receiver([&] {
    auto r = ch.recv();
    ASSERT_TRUE(r);
    got = std::move(*r);
  });
  EXPECT_TRUE(eventually([&] { return ch.try_send(std::move(v)).has_value(); }));
  receiver.join();
  EXPECT_EQ(v, nullptr);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(*got, 9);
  EXPECT_EQ(ch.size(), 0u);
}

// Property: try_recv on a rendezvous channel takes from a blocked sender, and
// finds nothing when no sender waits.
TEST(Rendezvous, TryRecvTakesFromAWaitingSender) {
  Channel<int> ch(0);
  EXPECT_EQ(ch.try_recv().code(), Errc::would_block);
  std::thread sender([&] { EXPECT_TRUE(ch.send(3)); });
  Result<int> r = Errc::would_block;
  EXPECT_TRUE(eventually([&] {
    r = ch.try_recv();
    return r.has_value();
  }));
  sender.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3);
}

// Property: a rendezvous sender that times out keeps its value and leaves no
// trace (a later receiver does not get it).
TEST(Rendezvous, SendUntilTimesOutWithoutAReceiver) {
  Channel<std::unique_ptr<int>> ch(0);
  auto v = std::make_unique<int>(4);
  EXPECT_EQ(ch.send_until(std::move(v), Deadline::after(20ms)).code(), Errc::timed_out);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(ch.try_recv().code(), Errc::would_block);
}

// Property: close never loses buffered values: receivers drain them, then see closed.
TEST(Close, ReceiversDrainThenSeeClosed) {
  Channel<int> ch(3);
  ASSERT_TRUE(ch.send(1));
  ASSERT_TRUE(ch.send(2));
  ch.close();
  EXPECT_TRUE(ch.is_closed());
  EXPECT_EQ(*ch.recv(), 1);
  EXPECT_EQ(*ch.try_recv(), 2);
  EXPECT_EQ(ch.recv().code(), Errc::closed);
  EXPECT_EQ(ch.try_recv().code(), Errc::closed);
  EXPECT_EQ(ch.recv_until(Deadline::after(1s)).code(), Errc::closed);
}

// Property: sending on a closed channel fails with closed and keeps the value; close is idempotent.
TEST(Close, SendAfterCloseFailsAndKeepsTheValue) {
  Channel<std::unique_ptr<int>> ch(2);
  ch.close();
  ch.close();
  auto v = std::make_unique<int>(1);
  EXPECT_EQ(ch.send(std::move(v)).code(), Errc::closed);
  EXPECT_EQ(ch.try_send(std::move(v)).code(), Errc::closed);
  EXPECT_EQ(ch.send_until(std::move(v), Deadline::after(1s)).code(), Errc::closed);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 1);  // NOLINT(bugprone-use-after-move): moved from only on ok
}

// Property: no receiver stays blocked after close.
TEST(Close, WakesEveryBlockedReceiver) {
  Channel<int> ch(0);
  std::atomic<int> woken_closed{0};
  std::vector<std::thread> receivers;
  receivers.reserve(4);
  for (int i = 0; i < 4; ++i) {
    receivers.emplace_back([&] {
      if (ch.recv().code() == Errc::closed) woken_closed.fetch_add(1);
    });
  }
  std::this_thread::sleep_for(20ms);
  ch.close();
  for (auto& t : receivers) t.join();
  EXPECT_EQ(woken_closed.load(), 4);
}

// Property: no sender stays blocked after close, each keeps its value, and the
// values buffered before the close are still delivered.
TEST(Close, WakesBlockedSendersWhoKeepTheirValues) {
  Channel<std::unique_ptr<int>> ch(1);
  ASSERT_TRUE(ch.send(std::make_unique<int>(0)));
  std::vector<std::unique_ptr<int>> kept(3);
  std::vector<std::thread> senders;
  senders.reserve(3);
  for (int i = 0; i < 3; ++i) {
    senders.emplace_back([&, i] {
      auto v = std::make_unique<int>(i + 1);
      const Status s = i == 0 ? ch.send(std::move(v)) : ch.send_until(std::move(v), Deadline::after(10s));
      EXPECT_EQ(s.code(), Errc::closed);
      kept[static_cast<std::size_t>(i)] = std::move(v);
    });
  }
  std::this_thread::sleep_for(20ms);
  ch.close();
  for (auto& t : senders) t.join();
  for (int i = 0; i < 3; ++i) {
    ASSERT_NE(kept[static_cast<std::size_t>(i)], nullptr);
    EXPECT_EQ(*kept[static_cast<std::size_t>(i)], i + 1);
  }
  auto r = ch.recv();
  ASSERT_TRUE(r);
  EXPECT_EQ(**r, 0);
  EXPECT_EQ(ch.recv().code(), Errc::closed);
}

// Property: values from blocked senders enter the buffer in the order the
// senders blocked (a freed slot is refilled from the oldest sender).
TEST(Channel, BlockedSenderRefillsTheBufferInOrder) {
  Channel<int> ch(2);
  std::thread sender([&] {
    for (int i = 0; i < 50; ++i) EXPECT_TRUE(ch.send(int{i}));
  });
  std::this_thread::sleep_for(10ms);
  for (int i = 0; i < 50; ++i) {
    auto r = ch.recv();
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, i);
  }
  sender.join();
}

TEST(Channel, MoveOnlyValuesCrossThreads) {
  Channel<std::unique_ptr<std::string>> ch(2);
  std::thread sender([&] {
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(ch.send(std::make_unique<std::string>(std::to_string(i))));
    ch.close();
  });
  int expected = 0;
  while (auto r = ch.recv()) {
    ASSERT_NE(*r, nullptr);
    EXPECT_EQ(**r, std::to_string(expected++));
  }
  sender.join();
  EXPECT_EQ(expected, 100);
}

// Property: every path (buffer, hand-off, timeout, close, destruction with
// values inside) destroys exactly what it constructed.
TEST(Channel, CountedValuesNeverLeak) {
  Counted::reset();
  {
    Channel<Counted> buffered(4);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(buffered.send(Counted(i)));
    EXPECT_EQ(buffered.recv()->value(), 0);
    Counted keep(99);
    EXPECT_EQ(buffered.send_until(std::move(keep), Deadline::after(1ms)).code(), Errc::ok);
    ASSERT_TRUE(buffered.try_send(Counted(50)));  // now full
    Counted keep2(100);
    EXPECT_EQ(buffered.send_until(std::move(keep2), Deadline::after(1ms)).code(), Errc::timed_out);
    EXPECT_EQ(keep2.value(), 100);  // NOLINT(bugprone-use-after-move): moved from only on ok
    // Destroyed with 4 values still buffered.
  }
  {
    Channel<Counted> rendezvous(0);
    std::thread receiver([&] {
      for (int i = 0; i < 10; ++i) EXPECT_EQ(rendezvous.recv()->value(), i);
    });
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(rendezvous.send(Counted(i)));
    receiver.join();
    rendezvous.close();
    EXPECT_EQ(rendezvous.send(Counted(1)).code(), Errc::closed);
  }
  EXPECT_EQ(Counted::live(), 0);
  EXPECT_GT(Counted::constructed(), 0);
}

TEST(Channel, ErrorsCarryAReadableDetail) {
  Channel<int> ch(0);
  const Status s = ch.try_send(1);
  EXPECT_EQ(s.error().message(), "would_block: channel full and no receiver waiting");
  ch.close();
  EXPECT_EQ(ch.recv().error().message(), "closed: channel closed");
}

}  // namespace
}  // namespace missive
