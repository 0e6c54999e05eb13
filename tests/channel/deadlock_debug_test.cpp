// deadlock_debug_test - the channel debug registry reports threads stuck on each
// other, and never a thread that something still running could wake.
#include "missive/channel/deadlock_debug.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <optional>
#include <string>
#include <thread>

#include "missive/channel/channel.hpp"
#include "missive/channel/select.hpp"
#include "missive/channel/spsc_channel.hpp"

namespace missive {
namespace {

using namespace std::chrono_literals;

// Polls check() until it finds something or `patience` passes.
std::optional<deadlock_debug::DeadlockFinding> await_finding(std::chrono::milliseconds patience) {
  const auto give_up = Clock::now() + patience;
  while (Clock::now() < give_up) {
    if (auto found = deadlock_debug::check()) return found;
    std::this_thread::sleep_for(1ms);
  }
  return std::nullopt;
}

// A two-thread cycle may be reported starting from either thread: true when
// `text` is "deadlock: a (how_a) -> b (how_b) -> a" or its rotation from b.
bool is_cycle_of_two(const std::string& text, const std::string& how_a, const std::string& how_b) {
  return text == "deadlock: a (" + how_a + ") -> b (" + how_b + ") -> a" ||
         text == "deadlock: b (" + how_b + ") -> a (" + how_a + ") -> b";
}

// Turns recording on for one test and off again.
class DeadlockDebug : public ::testing::Test {
 protected:
  void SetUp() override { deadlock_debug::enable(); }
  void TearDown() override { deadlock_debug::disable(); }
};

// A thread that owns (receives from) `inbox` and blocks sending to `peer`, once
// every thread of the test has registered (else check() could rightly see "all
// 1 registered threads blocked" before the second thread exists).
void send_to_peer(const char* name, Channel<int>& inbox, Channel<int>& peer, std::latch& all_registered) {
  deadlock_debug::ThreadRegistration me(name);
  deadlock_debug::declare_receiver(inbox);
  all_registered.arrive_and_wait();
  (void)peer.send(1);  // blocks until the test closes `peer`
}

// Property: two threads each blocked sending to the other's rendezvous inbox are
// reported as a cycle of two, naming both threads and both channels.
TEST_F(DeadlockDebug, TwoThreadsSendingToEachOtherAreReportedAsACycle) {
  Channel<int> a_inbox(0);
  Channel<int> b_inbox(0);
  deadlock_debug::label_channel(a_inbox, "a.inbox");
  deadlock_debug::label_channel(b_inbox, "b.inbox");
  std::latch registered(2);
  std::thread a([&] { send_to_peer("a", a_inbox, b_inbox, registered); });
  std::thread b([&] { send_to_peer("b", b_inbox, a_inbox, registered); });

  const auto found = await_finding(5s);
  a_inbox.close();
  b_inbox.close();
  a.join();
  b.join();
  deadlock_debug::forget_channel(a_inbox);
  deadlock_debug::forget_channel(b_inbox);

  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->kind, deadlock_debug::DeadlockFinding::Kind::cycle);
  ASSERT_EQ(found->threads.size(), 2u);
  const std::string text = found->text();
  EXPECT_TRUE(is_cycle_of_two(text, "sending on b.inbox", "sending on a.inbox")) << text;
}

// Property: the watchdog finds the same cycle on its own, and reports a finding
// once, not once per period.
TEST_F(DeadlockDebug, WatchdogReportsACycleOnce) {
  Channel<int> a_inbox(0);
  Channel<int> b_inbox(0);
  std::atomic<int> reports{0};
  std::latch reported(1);
  {
    deadlock_debug::Watchdog watchdog(1ms, [&](const deadlock_debug::DeadlockFinding& f) {
      // relaxed: a counter read after the watchdog joined
      if (f.kind == deadlock_debug::DeadlockFinding::Kind::cycle &&
          reports.fetch_add(1, std::memory_order_relaxed) == 0) {
        reported.count_down();
      }
    });
    std::latch registered(2);
    std::thread a([&] { send_to_peer("a", a_inbox, b_inbox, registered); });
    std::thread b([&] { send_to_peer("b", b_inbox, a_inbox, registered); });
    reported.wait();
    std::this_thread::sleep_for(20ms);  // about 20 more periods
    a_inbox.close();
    b_inbox.close();
    a.join();
    b.join();
  }
  EXPECT_EQ(reports.load(), 1);
}

// Property: a pipeline that is merely slow is never reported. The producer
// blocks on a full channel over and over, but its only waker (the consumer) is
// busy working, not parked, whenever that happens.
TEST_F(DeadlockDebug, ASlowPipelineIsNotReported) {
  Channel<int> queue(1);
  deadlock_debug::label_channel(queue, "queue");
  std::atomic<int> findings{0};
  std::string first_finding;
  {
    deadlock_debug::Watchdog watchdog(2ms, [&](const deadlock_debug::DeadlockFinding& f) {
      // relaxed: read after the watchdog joined
      if (findings.fetch_add(1, std::memory_order_relaxed) == 0) first_finding = f.text();
    });
    std::latch registered(2);  // else the consumer, parked alone, is rightly "all 1 blocked"
    std::thread consumer([&] {
      deadlock_debug::ThreadRegistration me("consumer");
      deadlock_debug::declare_receiver(queue);
      registered.arrive_and_wait();
      while (queue.recv()) std::this_thread::sleep_for(5ms);  // slow work per item
    });
    std::thread producer([&] {
      deadlock_debug::ThreadRegistration me("producer");
      deadlock_debug::declare_sender(queue);
      registered.arrive_and_wait();
      for (int i = 0; i < 20; ++i) (void)queue.send(i);
      queue.close();
    });
    for (int i = 0; i < 50; ++i) {
      if (deadlock_debug::check()) findings.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::sleep_for(2ms);
    }
    producer.join();
    consumer.join();
  }
  deadlock_debug::forget_channel(queue);
  EXPECT_EQ(findings.load(), 0) << first_finding;
}

// Property: when every registered thread is parked and no cycle can be shown
// (nobody declared as a sender), the report is "all N registered threads blocked".
TEST_F(DeadlockDebug, AllRegisteredThreadsBlockedIsReported) {
  Channel<int> x(0);
  Channel<int> y(4);
  std::latch registered(2);
  auto wait_on = [&registered](const char* name, Channel<int>& ch) {
    deadlock_debug::ThreadRegistration me(name);
    registered.arrive_and_wait();
    (void)ch.recv();  // blocks until closed
  };
  std::thread p([&] { wait_on("p", x); });
  std::thread q([&] { wait_on("q", y); });
  const auto found = await_finding(5s);
  x.close();
  y.close();
  p.join();
  q.join();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->kind, deadlock_debug::DeadlockFinding::Kind::all_blocked);
  EXPECT_EQ(found->threads.size(), 2u);
  EXPECT_NE(found->text().find("all 2 registered threads blocked"), std::string::npos) << found->text();
}

// Property: a cycle with a way out is not a deadlock. a and b wait on each other,
// but e, also a receiver of b.inbox (where a is stuck sending), is awake (waiting
// on a latch, not a channel), so nothing is reported; once e is gone, the cycle is.
TEST_F(DeadlockDebug, ACycleWithAFreeWakerIsNotReported) {
  Channel<int> a_inbox(0);
  Channel<int> b_inbox(0);
  std::latch e_may_leave(1);
  std::latch e_declared(1);
  std::thread e([&] {
    deadlock_debug::ThreadRegistration me("e");
    deadlock_debug::declare_receiver(b_inbox);  // e could take what a sends
    e_declared.count_down();
    e_may_leave.wait();
  });
  e_declared.wait();
  std::latch registered(2);
  std::thread a([&] { send_to_peer("a", a_inbox, b_inbox, registered); });
  std::thread b([&] { send_to_peer("b", b_inbox, a_inbox, registered); });

  const auto while_e_is_awake = await_finding(300ms);
  e_may_leave.count_down();
  e.join();  // e's registration, and its role, end here
  const auto after_e_left = await_finding(5s);
  a_inbox.close();
  b_inbox.close();
  a.join();
  b.join();

  EXPECT_FALSE(while_e_is_awake.has_value()) << while_e_is_awake->text();
  ASSERT_TRUE(after_e_left.has_value());
  EXPECT_EQ(after_e_left->kind, deadlock_debug::DeadlockFinding::Kind::cycle);
}

// Property: select() is an OR-wait. a waits in select() on x and y; b, the
// only sender of x, is stuck receiving on b.inbox, whose only sender is a. While
// c, a sender of y, is awake, a can still be woken: nothing may be reported.
// Once c is gone, the knot {a, b} is reported naming every channel of a's
// select and b's inbox.
TEST_F(DeadlockDebug, ACycleThroughSelectIsReportedOnlyWhenNoCaseHasAFreeSender) {
  Channel<int> x(0);
  Channel<int> y(0);
  Channel<int> b_inbox(0);
  deadlock_debug::label_channel(x, "x");
  deadlock_debug::label_channel(y, "y");
  deadlock_debug::label_channel(b_inbox, "b.inbox");
  std::latch c_may_leave(1);
  std::latch c_declared(1);
  std::thread c([&] {
    deadlock_debug::ThreadRegistration me("c");
    deadlock_debug::declare_sender(y);  // c could send a value a would take
    c_declared.count_down();
    c_may_leave.wait();
  });
  c_declared.wait();
  std::latch registered(2);
  std::thread a([&] {
    deadlock_debug::ThreadRegistration me("a");
    deadlock_debug::declare_sender(b_inbox);
    registered.arrive_and_wait();
    // Blocks until the channels close (closed once both are drained).
    (void)select(Deadline::never(), on(x, [](int) {}), on(y, [](int) {}));
  });
  std::thread b([&] {
    deadlock_debug::ThreadRegistration me("b");
    deadlock_debug::declare_sender(x);
    registered.arrive_and_wait();
    (void)b_inbox.recv();  // blocks until closed
  });

  const auto while_c_is_awake = await_finding(300ms);
  c_may_leave.count_down();
  c.join();
  const auto after_c_left = await_finding(5s);
  x.close();
  y.close();
  b_inbox.close();
  a.join();
  b.join();
  for (const void* ch : {static_cast<const void*>(&x), static_cast<const void*>(&y), static_cast<const void*>(&b_inbox)}) {
    deadlock_debug::forget_channel(ch);
  }

  EXPECT_FALSE(while_c_is_awake.has_value()) << while_c_is_awake->text();
  ASSERT_TRUE(after_c_left.has_value());
  EXPECT_EQ(after_c_left->kind, deadlock_debug::DeadlockFinding::Kind::cycle);
  const std::string text = after_c_left->text();
  EXPECT_TRUE(is_cycle_of_two(text, "receiving on any of x | y", "receiving on b.inbox")) << text;
}

// Property: two threads each parked receiving on their own SpscChannel, each
// the only producer of the other's, are reported as a cycle naming both
// channels (in park mode the consumer parks at once).
TEST_F(DeadlockDebug, TwoSpscConsumersWaitingOnEachOtherAreReported) {
  SpscChannel<int> a_inbox(4, WaitStrategy::park);
  SpscChannel<int> b_inbox(4, WaitStrategy::park);
  deadlock_debug::label_channel(a_inbox, "a.spsc");
  deadlock_debug::label_channel(b_inbox, "b.spsc");
  std::latch registered(2);
  auto wait_for_peer = [&registered](const char* name, SpscChannel<int>& inbox, SpscChannel<int>& peer) {
    deadlock_debug::ThreadRegistration me(name);
    deadlock_debug::declare_sender(peer);  // the peer's only producer
    registered.arrive_and_wait();
    (void)inbox.recv();  // blocks until closed
  };
  std::thread a([&] { wait_for_peer("a", a_inbox, b_inbox); });
  std::thread b([&] { wait_for_peer("b", b_inbox, a_inbox); });
  const auto found = await_finding(5s);
  a_inbox.close();
  b_inbox.close();
  a.join();
  b.join();
  deadlock_debug::forget_channel(a_inbox);
  deadlock_debug::forget_channel(b_inbox);

  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->kind, deadlock_debug::DeadlockFinding::Kind::cycle);
  const std::string text = found->text();
  EXPECT_TRUE(is_cycle_of_two(text, "receiving on a.spsc", "receiving on b.spsc")) << text;
}

// Property: an SpscChannel pipeline that is merely slow is never reported: the
// consumer parks on an empty channel again and again, and the producer parks
// on a full one, but each time the other side is awake (working, sleeping),
// not parked.
TEST_F(DeadlockDebug, ASlowSpscPipelineIsNotReported) {
  SpscChannel<int> queue(1, WaitStrategy::park);
  deadlock_debug::label_channel(queue, "spsc.queue");
  std::atomic<int> findings{0};
  std::latch registered(2);
  std::thread consumer([&] {
    deadlock_debug::ThreadRegistration me("consumer");
    deadlock_debug::declare_receiver(queue);
    registered.arrive_and_wait();
    for (int i = 0; i < 10; ++i) {
      (void)queue.recv();
      std::this_thread::sleep_for(3ms);  // slow work: the producer parks on full meanwhile
    }
    while (queue.recv()) {
    }
  });
  std::thread producer([&] {
    deadlock_debug::ThreadRegistration me("producer");
    deadlock_debug::declare_sender(queue);
    registered.arrive_and_wait();
    for (int i = 0; i < 20; ++i) {
      (void)queue.send(i);
      if (i >= 10) std::this_thread::sleep_for(3ms);  // slow production: the consumer parks on empty
    }
    queue.close();
  });
  for (int i = 0; i < 60; ++i) {
    if (deadlock_debug::check()) findings.fetch_add(1, std::memory_order_relaxed);  // relaxed: one thread
    std::this_thread::sleep_for(1ms);
  }
  producer.join();
  consumer.join();
  deadlock_debug::forget_channel(queue);
  EXPECT_EQ(findings.load(), 0);
}

// Property: with recording off, nothing is recorded (the hook is inert).
TEST(DeadlockDebugOff, NothingIsRecordedWhenDisabled) {
  deadlock_debug::disable();
  Channel<int> a_inbox(0);
  Channel<int> b_inbox(0);
  std::latch registered(2);
  std::thread a([&] { send_to_peer("a", a_inbox, b_inbox, registered); });
  std::thread b([&] { send_to_peer("b", b_inbox, a_inbox, registered); });
  std::this_thread::sleep_for(100ms);
  const auto found = deadlock_debug::check();
  a_inbox.close();
  b_inbox.close();
  a.join();
  b.join();
  EXPECT_FALSE(found.has_value());
}

}  // namespace
}  // namespace missive
