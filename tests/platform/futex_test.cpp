#include "missive/platform/futex.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <new>
#include <thread>

#include "child_process.hpp"
#include "missive/platform/mapping.hpp"
#include "missive/platform/memfd.hpp"

namespace missive::platform {
namespace {

using namespace std::chrono_literals;

TEST(Futex, WaitTimesOutAtTheAbsoluteDeadline) {
  std::atomic<std::uint32_t> word{0};
  const auto start = Clock::now();
  EXPECT_EQ(futex_wait(word, 0, Deadline::after(30ms)).code(), Errc::timed_out);
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 30ms);
  EXPECT_LT(elapsed, 2s);
}

TEST(Futex, ChangedValueIsWouldBlock) {
  std::atomic<std::uint32_t> word{5};
  EXPECT_EQ(futex_wait(word, 4, Deadline::after(1s)).code(), Errc::would_block);
  EXPECT_EQ(futex_wait(word, 4, Deadline::now_or_never()).code(), Errc::would_block);
  EXPECT_EQ(futex_wait(word, 5, Deadline::now_or_never()).code(), Errc::timed_out);
}

TEST(Futex, WakeWithoutWaitersWakesNobody) {
  std::atomic<std::uint32_t> word{0};
  EXPECT_EQ(futex_wake(word, 1), 0);
}

// Property: a waiter is never stranded: the value changes, then the wake comes.
TEST(Futex, WokenByAnotherThread) {
  std::atomic<std::uint32_t> word{0};
  std::thread waker([&] {
    std::this_thread::sleep_for(20ms);
    word.store(1, std::memory_order_release);
    (void)futex_wake(word, 1);
  });
  const Deadline deadline = Deadline::after(5s);
  while (word.load(std::memory_order_acquire) == 0) {
    const Status s = futex_wait(word, 0, deadline);
    ASSERT_NE(s.code(), Errc::timed_out);
  }
  waker.join();
}

// A futex word in a shared memfd page, woken across fork()ed processes in both
// directions (the futex is not FUTEX_PRIVATE, so the kernel keys it by page).
TEST(Futex, WokenAcrossProcessesBothWays) {
  auto memfd = create_memfd("missive-futex-test", 4096);
  ASSERT_TRUE(memfd);
  auto map = Mapping::map(*memfd, 4096, Access::read_write);
  ASSERT_TRUE(map);
  auto* words = new (map->writable_bytes().data()) std::atomic<std::uint32_t>[2] {};
  std::atomic<std::uint32_t>& to_child = words[0];
  std::atomic<std::uint32_t>& to_parent = words[1];

  auto child = testing::Child::fork([&] {
    const Deadline deadline = Deadline::after(10s);
    while (to_child.load(std::memory_order_acquire) == 0) {
      if (futex_wait(to_child, 0, deadline).code() == Errc::timed_out) return 1;
    }
    to_parent.store(1, std::memory_order_release);
    (void)futex_wake(to_parent, 1);
    return 0;
  });
  std::this_thread::sleep_for(30ms);  // let the child go to sleep first (not required for correctness)
  to_child.store(1, std::memory_order_release);
  (void)futex_wake(to_child, 1);
  const Deadline deadline = Deadline::after(10s);
  while (to_parent.load(std::memory_order_acquire) == 0) {
    ASSERT_NE(futex_wait(to_parent, 0, deadline).code(), Errc::timed_out);
  }
  EXPECT_TRUE(child.succeeded());
}

// The waiter may map the word read-only: waiting and waking only read it.
TEST(Futex, WaitOnAReadOnlyMapping) {
  auto memfd = create_memfd("missive-futex-test", 4096);
  ASSERT_TRUE(memfd);
  auto rw = Mapping::map(*memfd, 4096, Access::read_write);
  auto ro = Mapping::map(*memfd, 4096, Access::read_only);
  ASSERT_TRUE(rw && ro);
  auto* word = new (rw->writable_bytes().data()) std::atomic<std::uint32_t>{0};
  const auto* seen = reinterpret_cast<const std::atomic<std::uint32_t>*>(ro->bytes().data());
  EXPECT_EQ(futex_wait(*seen, 0, Deadline::after(10ms)).code(), Errc::timed_out);
  std::thread waker([&] {
    std::this_thread::sleep_for(20ms);
    word->store(1, std::memory_order_release);
    (void)futex_wake(*word, 1);
  });
  const Deadline deadline = Deadline::after(5s);
  while (seen->load(std::memory_order_acquire) == 0) {
    ASSERT_NE(futex_wait(*seen, 0, deadline).code(), Errc::timed_out);
  }
  waker.join();
}

}  // namespace
}  // namespace missive::platform
