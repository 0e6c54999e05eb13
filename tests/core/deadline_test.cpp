#include "missive/core/deadline.hpp"
#include "missive/core/cache_line.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace missive {
namespace {

using namespace std::chrono_literals;

TEST(Deadline, NeverDoesNotExpire) {
  const auto d = Deadline::never();
  EXPECT_TRUE(d.is_never());
  EXPECT_FALSE(d.expired());
  EXPECT_EQ(d.remaining(), Clock::duration::max());
}

TEST(Deadline, NowOrNeverIsExpired) {
  const auto d = Deadline::now_or_never();
  EXPECT_TRUE(d.expired());
  EXPECT_EQ(d.remaining(), Clock::duration::zero());
}

TEST(Deadline, AfterExpiresAndCountsDown) {
  const auto d = Deadline::after(20ms);
  EXPECT_FALSE(d.expired());
  EXPECT_GT(d.remaining(), 0ms);
  EXPECT_LE(d.remaining(), 20ms);
  std::this_thread::sleep_for(25ms);
  EXPECT_TRUE(d.expired());
  EXPECT_EQ(d.remaining(), Clock::duration::zero());
}

TEST(Deadline, AtKeepsTimePoint) {
  const auto t = Clock::now() + 1h;
  EXPECT_EQ(Deadline::at(t).when(), t);
}

TEST(CacheLine, PaddedTypeOwnsWholeLine) {
  static_assert(alignof(CacheLinePadded<int>) == cache_line_size);
  static_assert(sizeof(CacheLinePadded<int>) == cache_line_size);
  CacheLinePadded<int> a[2]{};
  EXPECT_EQ(reinterpret_cast<char*>(&a[1]) - reinterpret_cast<char*>(&a[0]), 64);
}

}  // namespace
}  // namespace missive
