// FairQueue<T>: the API contract (errors, ownership, flows coming and going)
// and the statistics, for every algorithm.
#include "missive/sched/fair_queue.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "missive/sched/jain.hpp"
#include "sched_test_support.hpp"

namespace missive::sched {
namespace {

using namespace std::chrono_literals;
using test::Counted;
using test::drain_flows;
using test::make_queue;

class FairQueueTest : public ::testing::TestWithParam<Algorithm> {
 protected:
  [[nodiscard]] FairQueueOptions options(FairnessMode mode = FairnessMode::equal_bytes) const {
    FairQueueOptions o;
    o.algorithm = GetParam();
    o.mode = mode;
    return o;
  }
};

INSTANTIATE_TEST_SUITE_P(Algorithms, FairQueueTest, ::testing::Values(Algorithm::wfq, Algorithm::wf2q, Algorithm::drr),
                         test::algorithm_name);

TEST_P(FairQueueTest, StartsEmptyAndDequeueWouldBlock) {
  auto q = make_queue<int>(options());
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.flow_count(), 0u);
  EXPECT_EQ(q.dequeue().code(), Errc::would_block);
}

TEST_P(FairQueueTest, OneFlowIsFifo) {
  auto q = make_queue<int>(options());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(q.enqueue(7, i, static_cast<std::size_t>(1 + i % 13)));
  EXPECT_EQ(q.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    auto m = q.dequeue();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->flow, 7u);
    EXPECT_EQ(m->item, i);
    EXPECT_EQ(m->bytes, static_cast<std::size_t>(1 + i % 13));
  }
  EXPECT_TRUE(q.empty());
}

// Property: within every flow, messages leave in arrival order, whatever the
// interleaving across flows.
TEST_P(FairQueueTest, EachFlowStaysFifoAmongOthers) {
  auto q = make_queue<int>(options(FairnessMode::equal_messages));
  std::vector<int> next_in(5, 0);
  std::vector<int> next_out(5, 0);
  for (int round = 0; round < 200; ++round) {
    for (FlowId f = 0; f < 5; ++f) {
      const std::size_t size = 1 + (static_cast<std::size_t>(round) * 7919 + f * 104729) % 5000;
      ASSERT_TRUE(q.enqueue(f, next_in[f]++, size));
    }
    if (round % 3 == 0) {
      for (int k = 0; k < 4; ++k) {
        auto m = q.dequeue();
        ASSERT_TRUE(m);
        EXPECT_EQ(m->item, next_out[m->flow]++);
      }
    }
  }
  while (auto m = q.dequeue()) EXPECT_EQ(m->item, next_out[m->flow]++);
  EXPECT_EQ(next_out, next_in);
}

TEST_P(FairQueueTest, ZeroByteMessagesAreScheduledAsOneByte) {
  auto q = make_queue<int>(options());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.enqueue(1, i, 0));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.enqueue(2, i, 0));
  const auto order = drain_flows(q);
  EXPECT_EQ(order.size(), 6u);
  EXPECT_EQ(q.stats(1)->bytes, 0u);
  EXPECT_EQ(q.stats(1)->messages, 3u);
}

// Property: a failed enqueue never moves from the caller's value.
TEST_P(FairQueueTest, FullFlowWouldBlockAndKeepsTheItem) {
  auto o = options();
  o.flow_capacity = 2;
  auto q = make_queue<std::unique_ptr<int>>(o);
  ASSERT_TRUE(q.enqueue(1, std::make_unique<int>(1), 10));
  ASSERT_TRUE(q.enqueue(1, std::make_unique<int>(2), 10));
  auto v = std::make_unique<int>(3);
  EXPECT_EQ(q.enqueue(1, std::move(v), 10).code(), Errc::would_block);
  ASSERT_NE(v, nullptr);  // NOLINT(bugprone-use-after-move): moved from only on ok
  EXPECT_EQ(*v, 3);       // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(q.enqueue(2, std::move(v), 10));  // another flow has room
  EXPECT_EQ(q.size(), 3u);
}

TEST_P(FairQueueTest, UnknownFlowIsRefusedWhenAutoCreationIsOff) {
  auto o = options();
  o.create_flows_on_enqueue = false;
  auto q = make_queue<std::unique_ptr<int>>(o);
  auto v = std::make_unique<int>(1);
  EXPECT_EQ(q.enqueue(9, std::move(v), 10).code(), Errc::invalid_argument);
  ASSERT_NE(v, nullptr);  // NOLINT(bugprone-use-after-move): moved from only on ok
  ASSERT_TRUE(q.add_flow(9));
  EXPECT_TRUE(q.enqueue(9, std::move(v), 10));
}

TEST_P(FairQueueTest, FlowTableErrors) {
  auto q = make_queue<int>(options(FairnessMode::equal_bytes));
  ASSERT_TRUE(q.add_flow(1));
  EXPECT_EQ(q.add_flow(1).code(), Errc::invalid_argument);                   // exists
  EXPECT_EQ(q.add_flow(2, 3.0).code(), Errc::invalid_argument);              // weights are derived
  EXPECT_EQ(q.set_weight(1, 3.0).code(), Errc::invalid_argument);            // weights are derived
  EXPECT_EQ(q.set_weight(5, 3.0).code(), Errc::invalid_argument);            // no such flow
  EXPECT_EQ(q.remove_flow(5).code(), Errc::invalid_argument);                // no such flow
  EXPECT_EQ(q.stats(5).code(), Errc::invalid_argument);                      // no such flow
  auto w = make_queue<int>(options(FairnessMode::explicit_weights));
  EXPECT_EQ(w.add_flow(1, 0.0).code(), Errc::invalid_argument);
  EXPECT_EQ(w.add_flow(1, -1.0).code(), Errc::invalid_argument);
  EXPECT_EQ(w.add_flow(1, std::numeric_limits<double>::quiet_NaN()).code(), Errc::invalid_argument);
  EXPECT_EQ(w.add_flow(1, std::numeric_limits<double>::infinity()).code(), Errc::invalid_argument);
  ASSERT_TRUE(w.add_flow(1, 2.5));
  EXPECT_EQ(w.stats(1)->weight, 2.5);
  EXPECT_EQ(w.set_weight(1, 0.0).code(), Errc::invalid_argument);
  ASSERT_TRUE(w.set_weight(1, 4.0));
  EXPECT_EQ(w.stats(1)->weight, 4.0);
}

TEST(FairQueueOptionsTest, CreateRejectsBadOptions) {
  auto bad = [](auto change) {
    FairQueueOptions o;
    change(o);
    return FairQueue<int>::create(o).code();
  };
  EXPECT_EQ(bad([](FairQueueOptions& o) { o.size_ewma_alpha = 0; }), Errc::invalid_argument);
  EXPECT_EQ(bad([](FairQueueOptions& o) { o.size_ewma_alpha = 1.5; }), Errc::invalid_argument);
  EXPECT_EQ(bad([](FairQueueOptions& o) { o.drr_quantum_bytes = 0; }), Errc::invalid_argument);
  EXPECT_EQ(bad([](FairQueueOptions& o) { o.drr_messages_per_turn = -1; }), Errc::invalid_argument);
  EXPECT_EQ(bad([](FairQueueOptions& o) { o.default_weight = std::nan(""); }), Errc::invalid_argument);
  EXPECT_EQ(bad([](FairQueueOptions& o) { o.algorithm = static_cast<Algorithm>(9); }), Errc::invalid_argument);
  EXPECT_EQ(bad([](FairQueueOptions& o) { o.mode = static_cast<FairnessMode>(9); }), Errc::invalid_argument);
  EXPECT_EQ(bad([](FairQueueOptions& o) { o.size_ewma_alpha = 1; }), Errc::ok);
  const Status s = validate(FairQueueOptions{.drr_quantum_bytes = -5});
  EXPECT_NE(s.error().message().find("drr_quantum_bytes"), std::string::npos);
}

// Flows come and go: a removed flow hands back its messages in order, the
// others keep going, the id can be reused (with fresh statistics) and slots
// are recycled.
TEST_P(FairQueueTest, RemoveFlowHandsBackItsMessagesAndTheOthersContinue) {
  auto q = make_queue<int>(options());
  for (int i = 0; i < 10; ++i) {
    for (FlowId f = 1; f <= 3; ++f) ASSERT_TRUE(q.enqueue(f, i, 100));
  }
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(q.dequeue());
  const std::uint64_t served_of_2 = q.stats(2)->messages;
  auto items = q.remove_flow(2);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 10u - served_of_2);
  for (std::size_t k = 0; k < items->size(); ++k) EXPECT_EQ((*items)[k], static_cast<int>(served_of_2 + k));
  EXPECT_FALSE(q.contains(2));
  EXPECT_EQ(q.flow_count(), 2u);
  EXPECT_EQ(q.size(), 24u - items->size());
  EXPECT_EQ(q.totals().backlog_messages, q.size());
  for (const FlowId f : drain_flows(q)) EXPECT_NE(f, 2u);
  ASSERT_TRUE(q.enqueue(2, 42, 100));
  EXPECT_EQ(q.stats(2)->enqueued_messages, 1u);
  EXPECT_EQ(q.dequeue()->item, 42);
}

// Flows joining a busy queue get their share at once, and leaving ones free
// theirs. Two flows saturate; a third joins; then the first leaves.
TEST_P(FairQueueTest, JoiningAndLeavingFlowsShareTheServer) {
  auto o = options(FairnessMode::equal_bytes);
  o.drr_quantum_bytes = 1000;
  auto q = make_queue<int>(o);
  auto fill = [&](FlowId f, int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(q.enqueue(f, static_cast<int>(f), 500));
  };
  fill(1, 1000);
  fill(2, 1000);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(q.dequeue());
  fill(3, 1000);
  std::vector<double> served(4, 0.0);
  for (int i = 0; i < 300; ++i) served[q.dequeue()->flow] += 1;
  EXPECT_NEAR(served[1], 100, 2);
  EXPECT_NEAR(served[2], 100, 2);
  EXPECT_NEAR(served[3], 100, 2);
  ASSERT_TRUE(q.remove_flow(1));
  served.assign(4, 0.0);
  for (int i = 0; i < 200; ++i) served[q.dequeue()->flow] += 1;
  EXPECT_EQ(served[1], 0);
  EXPECT_NEAR(served[2], 100, 2);
  EXPECT_NEAR(served[3], 100, 2);
}

// Property: removing a backlogged flow in the middle of the scheduler's
// structures and adding many more never loses or duplicates a message.
TEST_P(FairQueueTest, ChurnOfFlowsKeepsEveryMessageAccountedFor) {
  auto q = make_queue<Counted>(options(FairnessMode::equal_messages));
  std::uint64_t enqueued = 0;
  std::uint64_t handed_back = 0;
  std::uint64_t served = 0;
  std::uint32_t state = 12345;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  for (int step = 0; step < 20000; ++step) {
    const FlowId f = next() % 64;
    switch (next() % 8) {
      case 0:
        if (auto items = q.remove_flow(f)) handed_back += items->size();
        break;
      case 1:
      case 2:
        if (q.dequeue()) ++served;
        break;
      default:
        ASSERT_TRUE(q.enqueue(f, Counted(static_cast<int>(f)), 1 + next() % 70000));
        ++enqueued;
    }
    ASSERT_EQ(q.size(), enqueued - handed_back - served);
  }
  while (q.dequeue()) ++served;
  EXPECT_EQ(enqueued, handed_back + served);
  EXPECT_EQ(Counted::alive, 0);
}

// Property: the flow table finds exactly the flows that exist, through growth
// and through removals in the middle of probe runs (ids chosen to collide).
TEST_P(FairQueueTest, ThousandsOfFlowsComeAndGo) {
  auto q = make_queue<int>(options());
  std::vector<bool> present(8192, false);
  auto id_of = [](std::size_t k) { return static_cast<FlowId>(k) << 40; };  // same low bits: crowded probes
  std::uint32_t state = 99;
  for (int step = 0; step < 30000; ++step) {
    state = state * 1664525u + 1013904223u;
    const std::size_t k = (state >> 8) % present.size();
    if (present[k]) {
      ASSERT_TRUE(q.remove_flow(id_of(k)));
      present[k] = false;
    } else {
      ASSERT_TRUE(q.enqueue(id_of(k), static_cast<int>(k), 10));
      present[k] = true;
    }
    if (step % 1000 == 0) {
      for (std::size_t j = 0; j < present.size(); ++j) ASSERT_EQ(q.contains(id_of(j)), present[j]) << j;
    }
  }
  std::size_t expected = 0;
  for (const bool p : present) expected += p ? 1 : 0;
  EXPECT_EQ(q.flow_count(), expected);
  EXPECT_EQ(q.size(), expected);
  while (auto m = q.dequeue()) EXPECT_EQ(m->flow, id_of(static_cast<std::size_t>(m->item)));
}

// Property: the queue destroys what it still holds, exactly once.
TEST_P(FairQueueTest, DestroysQueuedItemsExactlyOnce) {
  {
    auto q = make_queue<Counted>(options());
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(q.enqueue(static_cast<FlowId>(i % 7), Counted(i), 10));
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(q.dequeue());
    EXPECT_EQ(Counted::alive, 30);
    auto moved = std::move(q);
    EXPECT_EQ(Counted::alive, 30);
    EXPECT_EQ(moved.size(), 30u);
  }
  EXPECT_EQ(Counted::alive, 0);
}

// Statistics with explicit clock readings, so every figure is exact.
TEST_P(FairQueueTest, StatisticsCountMessagesBytesBacklogAndWaitingTime) {
  auto q = make_queue<int>(options(FairnessMode::equal_messages));
  const Clock::time_point t0{};
  ASSERT_TRUE(q.enqueue(1, 0, 100, t0));
  ASSERT_TRUE(q.enqueue(1, 1, 300, t0 + 1ms));
  ASSERT_TRUE(q.enqueue(2, 0, 50, t0 + 2ms));
  auto s1 = q.stats(1);
  ASSERT_TRUE(s1);
  EXPECT_EQ(s1->id, 1u);
  EXPECT_EQ(s1->enqueued_messages, 2u);
  EXPECT_EQ(s1->enqueued_bytes, 400u);
  EXPECT_EQ(s1->backlog_messages, 2u);
  EXPECT_EQ(s1->backlog_bytes, 400u);
  EXPECT_EQ(s1->messages, 0u);
  EXPECT_EQ(s1->mean_wait(), Clock::duration::zero());
  // Moving mean with alpha 1/8: 100, then 100 + (300 - 100) / 8 = 125.
  EXPECT_DOUBLE_EQ(s1->mean_message_bytes, 125.0);
  EXPECT_DOUBLE_EQ(s1->weight, 125.0);  // equal_messages: weight = mean size

  // Serve all three at 10 ms, 11 ms and 12 ms.
  std::vector<Clock::duration> waits;
  for (int k = 0; k < 3; ++k) {
    auto m = q.dequeue(t0 + 10ms + k * 1ms);
    ASSERT_TRUE(m);
    waits.push_back(m->waited);
  }
  s1 = q.stats(1);
  const auto s2 = q.stats(2);
  EXPECT_EQ(s1->messages, 2u);
  EXPECT_EQ(s1->bytes, 400u);
  EXPECT_EQ(s1->backlog_messages, 0u);
  EXPECT_EQ(s1->backlog_bytes, 0u);
  EXPECT_EQ(s2->messages, 1u);
  EXPECT_EQ(s2->bytes, 50u);
  Clock::duration total{0};
  for (const auto w : waits) total += w;
  EXPECT_EQ(s1->total_wait + s2->total_wait, total);
  // Whatever the order, the waits add up to (10+11+12) - (0+1+2) = 30 ms.
  EXPECT_EQ(total, 30ms);
  EXPECT_EQ(s1->mean_wait(), s1->total_wait / 2);
  EXPECT_GE(s1->max_wait, s1->mean_wait());

  const auto all = q.all_stats();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, 1u);
  EXPECT_EQ(all[1].id, 2u);
  const QueueTotals t = q.totals();
  EXPECT_EQ(t.flows, 2u);
  EXPECT_EQ(t.decisions, 3u);
  EXPECT_EQ(t.backlog_messages, 0u);
  EXPECT_EQ(t.backlogged_flows, 0u);
}

TEST_P(FairQueueTest, WithoutMeasureWaitNothingIsTimed) {
  auto o = options();
  o.measure_wait = false;
  auto q = make_queue<int>(o);
  ASSERT_TRUE(q.enqueue(1, 0, 10));
  auto m = q.dequeue();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->waited, Clock::duration::zero());
  EXPECT_EQ(q.stats(1)->total_wait, Clock::duration::zero());
}

TEST_P(FairQueueTest, BackloggedFlowsAreCounted) {
  auto q = make_queue<int>(options());
  ASSERT_TRUE(q.enqueue(1, 0, 10));
  ASSERT_TRUE(q.enqueue(1, 1, 10));
  ASSERT_TRUE(q.enqueue(2, 0, 10));
  ASSERT_TRUE(q.add_flow(3));
  EXPECT_EQ(q.totals().backlogged_flows, 2u);
  EXPECT_EQ(q.totals().backlog_bytes, 30u);
  ASSERT_TRUE(q.remove_flow(1));
  EXPECT_EQ(q.totals().backlogged_flows, 1u);
  EXPECT_EQ(q.totals().backlog_bytes, 10u);
}

TEST(JainIndex, KnownValues) {
  const std::vector<double> equal{5, 5, 5, 5};
  const std::vector<double> one_of_four{0, 0, 7, 0};
  const std::vector<double> two_to_one{2, 1};
  EXPECT_DOUBLE_EQ(jain_index(equal), 1.0);
  EXPECT_DOUBLE_EQ(jain_index(one_of_four), 0.25);
  EXPECT_DOUBLE_EQ(jain_index(two_to_one), 0.9);  // 9 / (2 * 5)
  EXPECT_DOUBLE_EQ(jain_index({}), 1.0);
}

}  // namespace
}  // namespace missive::sched
