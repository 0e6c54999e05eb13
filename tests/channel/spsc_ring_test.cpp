// SpscRing: single-threaded semantics, lifetime accounting and a two-thread stress.
#include "missive/channel/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace missive {
namespace {

using test::Counted;

TEST(SpscRing, CapacityRoundsUpToAPowerOfTwo) {
  EXPECT_EQ((SpscRing<int>(0).capacity()), 1u);
  EXPECT_EQ((SpscRing<int>(1).capacity()), 1u);
  EXPECT_EQ((SpscRing<int>(3).capacity()), 4u);
  EXPECT_EQ((SpscRing<int>(4).capacity()), 4u);
  EXPECT_EQ((SpscRing<int>(1000).capacity()), 1024u);
  EXPECT_THROW((SpscRing<int>(static_cast<std::size_t>(-1))), std::length_error);
}

TEST(SpscRing, LayoutsKeepTheirPromises) {
  // The static_asserts in spsc_ring.hpp are the real check; these document them.
  EXPECT_EQ(sizeof(detail::SpscIndices<RingLayout::padded>), 4 * cache_line_size);
  EXPECT_EQ(sizeof(detail::SpscIndices<RingLayout::packed>), cache_line_size);
  EXPECT_EQ(alignof(SpscRing<std::uint64_t>) % cache_line_size, 0u);
  EXPECT_EQ(sizeof(SpscRing<std::uint64_t>) % cache_line_size, 0u);
}

// Property: a full ring rejects a push without touching the value; an empty one rejects a pop.
TEST(SpscRing, FullRejectsPushAndKeepsTheValueEmptyRejectsPop) {
  SpscRing<std::unique_ptr<int>> ring(2);
  std::unique_ptr<int> out;
  EXPECT_FALSE(ring.try_pop(out));
  EXPECT_EQ(ring.front(), nullptr);
  ASSERT_TRUE(ring.try_push(std::make_unique<int>(1)));
  ASSERT_TRUE(ring.try_push(std::make_unique<int>(2)));
  auto v = std::make_unique<int>(3);
  EXPECT_FALSE(ring.try_push(std::move(v)));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 3);  // NOLINT(bugprone-use-after-move): moved from only on ok
  EXPECT_EQ(ring.size_approx(), 2u);
  ASSERT_TRUE(ring.try_pop(out));
  EXPECT_EQ(*out, 1);
  ASSERT_TRUE(ring.try_push(std::move(v)));
  EXPECT_EQ(v, nullptr);
}

// Property: FIFO order holds across many laps of index wraparound.
TEST(SpscRing, WrapsAroundInFifoOrder) {
  SpscRing<int> ring(4);
  int next_in = 0;
  int next_out = 0;
  for (int lap = 0; lap < 1000; ++lap) {
    const int burst = 1 + lap % 4;
    for (int i = 0; i < burst; ++i) ASSERT_TRUE(ring.try_push(next_in++));
    for (int i = 0; i < burst; ++i) {
      int v = -1;
      ASSERT_TRUE(ring.try_pop(v));
      ASSERT_EQ(v, next_out++);
    }
  }
  EXPECT_TRUE(ring.empty_approx());
}

TEST(SpscRing, CopyPushAndInPlaceFrontPop) {
  SpscRing<std::string> ring(2);
  const std::string s = "abc";
  ASSERT_TRUE(ring.try_push(s));
  EXPECT_EQ(s, "abc");
  ASSERT_TRUE(ring.try_emplace(std::size_t{3}, 'x'));
  std::string* f = ring.front();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(*f, "abc");
  f->append("d");
  EXPECT_EQ(*ring.front(), "abcd");
  ring.pop();
  EXPECT_EQ(*ring.front(), "xxx");
  ring.pop();
  EXPECT_EQ(ring.front(), nullptr);
}

// Property: batch calls move exactly as many elements as fit / exist, in order.
TEST(SpscRing, BatchPushAndPopAreBoundedByRoomAndContent) {
  SpscRing<int> ring(8);
  std::array<int, 12> in{};
  for (int i = 0; i < 12; ++i) in[static_cast<std::size_t>(i)] = i;
  EXPECT_EQ(ring.try_push_n(in.begin(), 5), 5u);
  EXPECT_EQ(ring.try_push_n(in.begin() + 5, 7), 3u);  // only 3 free slots
  EXPECT_EQ(ring.try_push_n(in.begin(), 1), 0u);
  std::vector<int> out;
  EXPECT_EQ(ring.try_pop_n(std::back_inserter(out), 3), 3u);
  EXPECT_EQ(ring.try_push_n(in.begin() + 8, 4), 3u);  // wraps around
  EXPECT_EQ(ring.try_pop_n(std::back_inserter(out), 100), 8u);
  EXPECT_EQ(ring.try_pop_n(std::back_inserter(out), 1), 0u);
  ASSERT_EQ(out.size(), 11u);
  for (int i = 0; i < 11; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)], i);
}

TEST(SpscRing, BatchPushCanMove) {
  SpscRing<std::unique_ptr<int>> ring(4);
  std::vector<std::unique_ptr<int>> in;
  in.reserve(3);
  for (int i = 0; i < 3; ++i) in.push_back(std::make_unique<int>(i));
  EXPECT_EQ(ring.try_push_n(std::make_move_iterator(in.begin()), in.size()), 3u);
  for (const auto& p : in) EXPECT_EQ(p, nullptr);
  std::vector<std::unique_ptr<int>> out(3);
  EXPECT_EQ(ring.try_pop_n(out.begin(), 3), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*out[static_cast<std::size_t>(i)], i);
}

// Property: every element constructed in a slot is destroyed exactly once:
// on pop, on batch pop, or by the ring's destructor.
TEST(SpscRing, CountedElementsNeverLeak) {
  Counted::reset();
  {
    SpscRing<Counted> ring(8);
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(ring.try_emplace(i));
    Counted out(0);
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out.value(), 0);
    std::vector<Counted> batch;
    EXPECT_EQ(ring.try_pop_n(std::back_inserter(batch), 2), 2u);
    std::vector<Counted> more{Counted(10), Counted(11)};
    EXPECT_EQ(ring.try_push_n(more.begin(), more.size()), 2u);  // copies
    const Counted c(12);
    ASSERT_TRUE(ring.try_push(c));
    // Destroyed holding 6 elements.
  }
  EXPECT_EQ(Counted::live(), 0);
}

struct alignas(128) OverAligned {
  std::uint64_t value;
};

TEST(SpscRing, OverAlignedElementsStayAligned) {
  SpscRing<OverAligned> ring(4);
  for (std::uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(ring.try_push(OverAligned{i}));
  for (std::uint64_t i = 0; i < 4; ++i) {
    OverAligned* f = ring.front();
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(f) % 128, 0u);
    EXPECT_EQ(f->value, i);
    ring.pop();
  }
}

template <class Ring>
class SpscRingStress : public ::testing::Test {};
using Layouts =
    ::testing::Types<SpscRing<std::uint64_t, RingLayout::padded>, SpscRing<std::uint64_t, RingLayout::packed>>;
class LayoutNames {
 public:
  template <class Ring>
  static std::string GetName(int) {  // NOLINT(readability-identifier-naming): gtest's name
    return std::is_same_v<Ring, SpscRing<std::uint64_t, RingLayout::padded>> ? "padded" : "packed";
  }
};
TYPED_TEST_SUITE(SpscRingStress, Layouts, LayoutNames);

// Property: with one producer and one consumer on different threads, the
// consumer sees every value exactly once and in the order pushed (no loss,
// no duplicate, no torn or stale slot), through millions of wraparounds of a
// small ring.
TYPED_TEST(SpscRingStress, TwoThreadsPreserveFifoOrder) {
  const std::uint64_t n = test::scaled(2'000'000, 200'000);
  TypeParam ring(64);
  std::thread producer([&] {
    test::Backoff backoff;
    for (std::uint64_t i = 0; i < n; ++i) {
      while (!ring.try_push(std::uint64_t{i})) backoff();
    }
  });
  std::uint64_t received = 0;
  std::uint64_t mismatches = 0;  // keep draining on failure so the producer can finish
  test::Backoff backoff;
  while (received < n) {
    std::uint64_t v = 0;
    if (ring.try_pop(v)) {
      if (v != received && mismatches++ == 0) ADD_FAILURE() << "got " << v << " expected " << received;
      ++received;
    } else {
      backoff();
    }
  }
  producer.join();
  EXPECT_EQ(mismatches, 0u);
  EXPECT_TRUE(ring.empty_approx());
}

// Property: the same holds when both sides move elements in batches.
TYPED_TEST(SpscRingStress, TwoThreadsBatchedPreserveFifoOrder) {
  const std::uint64_t n = test::scaled(2'000'000, 200'000);
  TypeParam ring(256);
  std::thread producer([&] {
    std::array<std::uint64_t, 32> batch{};
    std::uint64_t next = 0;
    while (next < n) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(batch.size(), n - next));
      for (std::size_t i = 0; i < want; ++i) batch[i] = next + i;
      std::size_t pushed = 0;
      test::Backoff backoff;
      while (pushed < want) {
        const std::size_t k = ring.try_push_n(batch.begin() + static_cast<std::ptrdiff_t>(pushed), want - pushed);
        if (k == 0) backoff();
        pushed += k;
      }
      next += want;
    }
  });
  std::array<std::uint64_t, 48> out{};
  std::uint64_t received = 0;
  std::uint64_t mismatches = 0;  // keep draining on failure so the producer can finish
  test::Backoff backoff;
  while (received < n) {
    const std::size_t got = ring.try_pop_n(out.begin(), out.size());
    if (got == 0) backoff();
    for (std::size_t i = 0; i < got; ++i) {
      if (out[i] != received && mismatches++ == 0) ADD_FAILURE() << "got " << out[i] << " expected " << received;
      ++received;
    }
  }
  producer.join();
  EXPECT_EQ(mismatches, 0u);
  EXPECT_TRUE(ring.empty_approx());
}

}  // namespace
}  // namespace missive
