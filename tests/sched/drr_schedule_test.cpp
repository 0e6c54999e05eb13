// Deficit round robin: exact schedules on cases small enough to check by hand.
//
// Each turn the front flow adds its quantum Q to its deficit D and sends head
// messages while they fit in D; a head that does not fit ends the turn (the
// flow goes to the back and keeps D); a flow that empties leaves with D = 0.
// Flows A, B, C are the constants a, b, c.
#include <gtest/gtest.h>

#include <vector>

#include "missive/sched/fair_queue.hpp"
#include "sched_test_support.hpp"

namespace missive::sched {
namespace {

using test::drain_flows;
using test::make_queue;

constexpr FlowId a = 1;
constexpr FlowId b = 2;
constexpr FlowId c = 3;

FairQueueOptions drr(FairnessMode mode, double quantum) {
  FairQueueOptions o;
  o.algorithm = Algorithm::drr;
  o.mode = mode;
  o.drr_quantum_bytes = quantum;
  o.measure_wait = false;
  return o;
}

// Quantum 100 bytes per unit of weight; A has weight 1 (Q = 100) and three
// 60-byte messages, B weight 2 (Q = 200) and two 150-byte messages.
//   turn A: D = 100, send A1 (D = 40), A2 = 60 > 40: back of the line
//   turn B: D = 200, send B1 (D = 50), B2 = 150 > 50: back of the line
//   turn A: D = 140, send A2 (80), A3 (20), empty: leaves, D = 0
//   turn B: D = 250, send B2, empty
TEST(DrrSchedule, SpendsQuantumScaledByWeightAndCarriesTheDeficit) {
  auto q = make_queue<int>(drr(FairnessMode::explicit_weights, 100));
  ASSERT_TRUE(q.add_flow(a, 1.0));
  ASSERT_TRUE(q.add_flow(b, 2.0));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.enqueue(a, i, 60));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(q.enqueue(b, i, 150));
  EXPECT_EQ(drain_flows(q), (std::vector<FlowId>{a, b, a, a, b}));
}

// A message larger than the quantum waits until the deficit covers it.
// Q = 100 for both; A holds one 250-byte message, B five 100-byte ones.
//   A: D = 100 < 250, pass    B: send B1     A: D = 200 < 250, pass
//   B: send B2                A: D = 300, send A1 (then empty)
//   B: B3, then B4, B5 on its own turns
TEST(DrrSchedule, MessageLargerThanQuantumWaitsForEnoughDeficit) {
  auto q = make_queue<int>(drr(FairnessMode::equal_bytes, 100));
  ASSERT_TRUE(q.enqueue(a, 0, 250));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.enqueue(b, i, 100));
  EXPECT_EQ(drain_flows(q), (std::vector<FlowId>{b, b, a, b, b, b}));
}

// A flow that becomes backlogged joins at the back of the round, behind flows
// whose turn ended before it arrived. Q = 100; A and B hold 100-byte messages.
//   A1 (A's turn ends: its next head no longer fits, A goes behind B)
//   C arrives now: the line is B, A, C  -> B1, A2, C1, B2
TEST(DrrSchedule, NewFlowJoinsAtTheBackOfTheRound) {
  auto q = make_queue<int>(drr(FairnessMode::equal_bytes, 100));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(q.enqueue(a, i, 100));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(q.enqueue(b, i, 100));
  EXPECT_EQ(q.dequeue()->flow, a);
  ASSERT_TRUE(q.enqueue(c, 0, 100));
  EXPECT_EQ(drain_flows(q), (std::vector<FlowId>{b, a, c, b}));
}

// equal_messages: a flow's quantum is its mean message size, so each turn
// sends one message whatever its size: 64 B and 64 KiB flows alternate.
TEST(DrrSchedule, EqualMessagesSendsOneMessagePerTurn) {
  auto q = make_queue<int>(drr(FairnessMode::equal_messages, 100));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(q.enqueue(a, i, 64));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(q.enqueue(b, i, 65536));
  EXPECT_EQ(drain_flows(q), (std::vector<FlowId>{a, b, a, b, a, b, a, b}));
}

// An idle flow earns no credit: A is served, falls idle while B has the
// server alone, then returns. With Q = 100 and 100-byte messages each turn is
// one message, so the two alternate; B comes first because A joins at the
// back. (A flow that kept accumulating quantum while idle would burst.)
TEST(DrrSchedule, ReturningFlowDoesNotHoardCredit) {
  auto q = make_queue<int>(drr(FairnessMode::equal_bytes, 100));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.enqueue(a, i, 100));
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(q.enqueue(b, i, 100));
  for (int i = 0; i < 410; ++i) ASSERT_TRUE(q.dequeue());
  ASSERT_EQ(q.stats(a)->backlog_messages, 0u);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(q.enqueue(a, i, 100));
  std::vector<FlowId> next;
  next.reserve(20);
  for (int i = 0; i < 20; ++i) next.push_back(q.dequeue()->flow);
  EXPECT_EQ(next, (std::vector<FlowId>{b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a}));
}

}  // namespace
}  // namespace missive::sched
