// select(): readiness, deadlines, closing, fairness and wake-ups.
#include "missive/channel/select.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace missive {
namespace {

using namespace std::chrono_literals;

TEST(Select, TakesFromTheReadyChannel) {
  Channel<int> a(1);
  Channel<std::string> b(1);
  ASSERT_TRUE(b.send(std::string("hi")));
  std::string got;
  auto r = select(Deadline::after(1s), on(a, [](int) { FAIL() << "a was empty"; }),
                  on(b, [&](std::string s) { got = std::move(s); }));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1u);
  EXPECT_EQ(got, "hi");
  EXPECT_EQ(b.size(), 0u);
}

// Property: a select blocked on empty channels wakes for a value sent later.
TEST(Select, WaitsForAValueSentLater) {
  Channel<int> a(1);
  Channel<int> b(1);
  std::thread sender([&] {
    std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(b.send(5));
  });
  int got = 0;
  auto r = select(Deadline::after(10s), on(a, [&](int v) { got = -v; }), on(b, [&](int v) { got = v; }));
  sender.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1u);
  EXPECT_EQ(got, 5);
}

// Property: a sender blocked on a rendezvous channel wakes a waiting select,
// which takes the value (so the sender's send completes).
TEST(Select, TakesFromABlockedRendezvousSender) {
  Channel<int> a(0);
  std::thread sender([&] {
    std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(a.send(8));
  });
  int got = 0;
  auto r = select(Deadline::after(10s), on(a, [&](int v) { got = v; }));
  sender.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(got, 8);
}

TEST(Select, TimesOutAtTheDeadline) {
  Channel<int> a(1);
  Channel<int> b(0);
  const auto start = Clock::now();
  auto r = select(Deadline::after(30ms), on(a, [](int) {}), on(b, [](int) {}));
  EXPECT_EQ(r.code(), Errc::timed_out);
  EXPECT_GE(Clock::now() - start, 30ms);
  // An expired deadline still takes what is ready.
  ASSERT_TRUE(a.send(1));
  EXPECT_TRUE(select(Deadline::now_or_never(), on(a, [](int) {}), on(b, [](int) {})));
  EXPECT_EQ(select(Deadline::now_or_never(), on(a, [](int) {})).code(), Errc::timed_out);
}

// Property: select reports closed only when every channel is closed AND drained.
TEST(Select, ClosedOnlyWhenEveryChannelIsClosedAndDrained) {
  Channel<int> a(2);
  Channel<int> b(2);
  ASSERT_TRUE(a.send(1));
  a.close();
  int got = 0;
  auto r = select(Deadline::after(1s), on(a, [&](int v) { got = v; }), on(b, [](int) {}));
  ASSERT_TRUE(r);
  EXPECT_EQ(got, 1);
  // a is closed and drained, b open and empty: no value, no "closed" yet.
  EXPECT_EQ(select(Deadline::after(10ms), on(a, [](int) {}), on(b, [](int) {})).code(), Errc::timed_out);
  // Closing b from another thread wakes the waiting select with closed.
  std::thread closer([&] {
    std::this_thread::sleep_for(20ms);
    b.close();
  });
  EXPECT_EQ(select(Deadline::after(10s), on(a, [](int) {}), on(b, [](int) {})).code(), Errc::closed);
  closer.join();
}

// Property: a channel that is always ready cannot starve another ready one.
TEST(Select, RotatesSoNoReadyChannelStarves) {
  Channel<int> a(1);
  Channel<int> b(1);
  int from_a = 0;
  int from_b = 0;
  for (int i = 0; i < 1000; ++i) {
    (void)a.try_send(1);
    (void)b.try_send(2);
    auto r = select(Deadline::after(1s), on(a, [&](int) { ++from_a; }), on(b, [&](int) { ++from_b; }));
    ASSERT_TRUE(r);
  }
  EXPECT_GE(from_a, 300);
  EXPECT_GE(from_b, 300);
}

// Property: the same channel may appear in two cases; links are detached on
// return, also when the case function throws (later sends must not touch the
// finished select's notifier; ASan/TSan would flag it).
TEST(Select, DetachesOnReturnAndOnThrow) {
  Channel<int> a(4);
  EXPECT_EQ(select(Deadline::after(5ms), on(a, [](int) {}), on(a, [](int) {})).code(), Errc::timed_out);
  ASSERT_TRUE(a.send(1));
  ASSERT_TRUE(a.send(2));
  std::thread sender([&] {
    std::this_thread::sleep_for(10ms);
    EXPECT_TRUE(a.send(3));
  });
  (void)a.recv();
  (void)a.recv();
  EXPECT_THROW((void)select(Deadline::after(10s), on(a, [](int) { throw std::runtime_error("boom"); })),
               std::runtime_error);
  sender.join();
  ASSERT_TRUE(a.send(4));
  EXPECT_EQ(*a.recv(), 4);
}

// Property: no wake-up is lost under stress. Producers feed channels of
// different capacities at uneven rates; one consumer selects until all are
// closed. A lost wake-up would leave it asleep until the (generous) deadline,
// which fails the test; every value must arrive exactly once.
TEST(Select, NoLostWakeUpUnderStress) {
  const int per_channel = static_cast<int>(test::scaled(20'000, 2'000));
  Channel<int> c0(0);
  Channel<int> c1(1);
  Channel<int> c2(16);
  auto produce = [&](Channel<int>& ch, int spin_every) {
    for (int i = 0; i < per_channel; ++i) {
      EXPECT_TRUE(ch.send(int{i}));
      if (i % spin_every == 0) std::this_thread::yield();
    }
    ch.close();
  };
  std::thread p0(produce, std::ref(c0), 3);
  std::thread p1(produce, std::ref(c1), 7);
  std::thread p2(produce, std::ref(c2), 100);
  std::vector<int> next(3, 0);
  std::int64_t total = 0;
  for (;;) {
    auto r = select(Deadline::after(10s), on(c0, [&](int v) { EXPECT_EQ(v, next[0]++); }),
                    on(c1, [&](int v) { EXPECT_EQ(v, next[1]++); }), on(c2, [&](int v) { EXPECT_EQ(v, next[2]++); }));
    if (!r) {
      ASSERT_EQ(r.code(), Errc::closed) << "select timed out: a wake-up was lost";
      break;
    }
    ++total;
  }
  p0.join();
  p1.join();
  p2.join();
  EXPECT_EQ(total, 3 * per_channel);
  for (int n : next) EXPECT_EQ(n, per_channel);
}

// Property: two selects competing for the same channels never receive the
// same value twice and never miss one.
TEST(Select, CompetingSelectsShareValuesExactlyOnce) {
  const int n = static_cast<int>(test::scaled(20'000, 2'000));
  Channel<int> a(4);
  Channel<int> b(0);
  std::thread pa([&] {
    for (int i = 0; i < n; ++i) EXPECT_TRUE(a.send(int{i}));
    a.close();
  });
  std::thread pb([&] {
    for (int i = 0; i < n; ++i) EXPECT_TRUE(b.send(n + i));
    b.close();
  });
  std::vector<std::atomic<int>> seen(static_cast<std::size_t>(2 * n));
  auto consume = [&] {
    auto mark = [&](int v) { EXPECT_EQ(seen[static_cast<std::size_t>(v)].fetch_add(1), 0); };
    for (;;) {
      auto r = select(Deadline::after(10s), on(a, mark), on(b, mark));
      if (!r) {
        EXPECT_EQ(r.code(), Errc::closed);
        return;
      }
    }
  };
  std::thread c1(consume);
  std::thread c2(consume);
  pa.join();
  pb.join();
  c1.join();
  c2.join();
  for (const auto& s : seen) EXPECT_EQ(s.load(), 1);
}

}  // namespace
}  // namespace missive
