// WFQ and WF2Q: exact schedules on cases small enough to check by hand.
//
// Notation: flows A, B, C (the constants a, b, c); their messages A1, A2, ...; S and F are virtual start and
// finish tags; V(t) is the system virtual time after t bytes of service (the
// work clock advances by a message's size when it is dequeued). All sizes and
// weights are chosen so that every tag is exact in binary floating point.
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

FairQueueOptions options(Algorithm algorithm, FairnessMode mode) {
  FairQueueOptions o;
  o.algorithm = algorithm;
  o.mode = mode;
  o.measure_wait = false;
  return o;
}

// Everything arrives at t = 0, weights A = 1, B = 1, C = 2, so W = 4 and
// V(t) = t / 4 while all three are backlogged.
//   A: 3 x 100 B  -> (S, F) = (0, 100), (100, 200), (200, 300)   seq 0, 1, 2
//   B: 1 x 300 B  -> (0, 300)                                      seq 3
//   C: 2 x 200 B  -> (0, 100), (100, 200)   (200 / weight 2)        seq 4, 5
void fill_three_flows(FairQueue<int>& q) {
  ASSERT_TRUE(q.add_flow(a, 1.0));
  ASSERT_TRUE(q.add_flow(b, 1.0));
  ASSERT_TRUE(q.add_flow(c, 2.0));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.enqueue(a, i, 100));
  ASSERT_TRUE(q.enqueue(b, 0, 300));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(q.enqueue(c, i, 200));
}

// WFQ serves by finish tag alone, ties in arrival order:
//   F=100: A1 (seq 0), C1 (seq 4); F=200: A2 (1), C2 (5); F=300: A3 (2), B1 (3).
TEST(WfqSchedule, ServesBySmallestFinishTagWithTiesInArrivalOrder) {
  auto q = make_queue<int>(options(Algorithm::wfq, FairnessMode::explicit_weights));
  fill_three_flows(q);
  EXPECT_EQ(drain_flows(q), (std::vector<FlowId>{a, c, a, c, a, b}));
}

// WF2Q serves the smallest finish tag among heads whose start tag V has
// reached:
//   t=0    V=0    eligible A1(F100) B1(F300) C1(F100)    -> A1 (tie, earlier)
//   t=100  V=25   A2 has S=100: not yet; B1, C1          -> C1
//   t=300  V=75   A2, C2 have S=100: not yet; only B1    -> B1
//   t=600  V=150  A2(F200) C2(F200)                      -> A2 (tie, earlier)
//   t=700  V=175  A3 has S=200: not yet; C2              -> C2
//   t=900  C left the fluid system at V=200 (t=800), so W=2 from there:
//          V=250; A3                                     -> A3
// WFQ sends A1 C1 A2 C2 A3 before B1 although the fluid reference has served
// B for a while; WF2Q does not run ahead of the fluid reference like that.
TEST(Wf2qSchedule, ServesOnlyHeadsTheFluidReferenceHasStarted) {
  auto q = make_queue<int>(options(Algorithm::wf2q, FairnessMode::explicit_weights));
  fill_three_flows(q);
  EXPECT_EQ(drain_flows(q), (std::vector<FlowId>{a, c, b, a, c, a}));
  EXPECT_EQ(q.fallbacks_for_testing(), 0u);
}

// The virtual time follows the fluid reference, including the moment a flow
// leaves it. Equal weights; A: 1 x 100, B: 3 x 100, all at t = 0:
//   A1 (0,100) seq 0; B1 (0,100) seq 1; B2 (100,200); B3 (200,300)
//   A1 goes first (tie, earlier); t=100: V = 100/2 = 50.
//   B1; t=200: V = 100, exactly when A's last tag is reached: A leaves, W = 1.
//   B2; t=300: V = 100 + 100/1 = 200.
// Now C arrives with 120 bytes: S = V = 200, F = 320 > B3's 300, so B3 first.
// (A virtual time that ignored A's departure, t/2 = 150, would give C F = 270
// and serve C first; one frozen at 0 would too.)
TEST(WfqSchedule, VirtualTimeSlowsWhileFlowsAreBackloggedAndSpeedsUpWhenTheyLeave) {
  for (const Algorithm algorithm : {Algorithm::wfq, Algorithm::wf2q}) {
    SCOPED_TRACE(name(algorithm));
    auto q = make_queue<int>(options(algorithm, FairnessMode::equal_bytes));
    ASSERT_TRUE(q.enqueue(a, 1, 100));
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(q.enqueue(b, i, 100));
    EXPECT_EQ(q.virtual_time_for_testing(), 0.0);
    EXPECT_EQ(q.dequeue()->flow, a);
    EXPECT_EQ(q.virtual_time_for_testing(), 50.0);
    EXPECT_EQ(q.dequeue()->flow, b);
    EXPECT_EQ(q.virtual_time_for_testing(), 100.0);
    EXPECT_EQ(q.dequeue()->flow, b);
    EXPECT_EQ(q.virtual_time_for_testing(), 200.0);
    ASSERT_TRUE(q.enqueue(c, 1, 120));
    EXPECT_EQ(drain_flows(q), (std::vector<FlowId>{b, c}));
  }
}

// A new flow starts at the current virtual time, not at the finish tag of the
// message in service (self-clocked fair queuing would) and not at 0. Equal
// weights, A and B 2 x 100 each at t = 0 (seq 0..3 in the order A1 A2 B1 B2):
//   A1 goes first; t = 100, V = 50. C arrives with 40 bytes: F = 50 + 40 = 90,
//   ahead of B1 (F = 100). Then B1 (100), A2 (200, seq 1), B2 (200, seq 3).
// Self-clocked FQ would stamp C with V = 100 (A1's tag), F = 140: after B1.
TEST(WfqSchedule, NewFlowStartsAtTheFluidVirtualTime) {
  auto q = make_queue<int>(options(Algorithm::wfq, FairnessMode::equal_bytes));
  ASSERT_TRUE(q.enqueue(a, 1, 100));
  ASSERT_TRUE(q.enqueue(a, 2, 100));
  ASSERT_TRUE(q.enqueue(b, 1, 100));
  ASSERT_TRUE(q.enqueue(b, 2, 100));
  EXPECT_EQ(q.dequeue()->flow, a);
  ASSERT_TRUE(q.enqueue(c, 1, 40));
  EXPECT_EQ(drain_flows(q), (std::vector<FlowId>{c, b, a, b}));
}

// The classic case for WF2Q (Bennett and Zhang, 1996). Flow 1 has weight 10
// and ten 10-byte messages; flows 2..11 have weight 1 and one 10-byte message
// each, all at t = 0. W = 20 and V(t) = t / 20, so after n messages V = n / 2.
//   Flow 1's k-th message: S = k - 1, F = k. Each small flow: S = 0, F = 10.
// WFQ: F = 1..9 are flow 1's; at F = 10 flow 1's tenth message arrived first.
//   -> flow 1 ten times in a row, then 2, 3, ..., 11.
// WF2Q: flow 1's k-th message is eligible once n / 2 >= k - 1, i.e. at even n;
// at odd n only small flows are eligible.
//   -> 1, 2, 1, 3, 1, 4, ..., 1, 11: flow 1 gets its half of the link evenly.
TEST(Wf2qSchedule, InterleavesAHeavyFlowInsteadOfBurstingIt) {
  constexpr FlowId heavy = 1;
  std::vector<FlowId> wfq_expected(10, heavy);
  std::vector<FlowId> wf2q_expected;
  for (FlowId small = 2; small <= 11; ++small) {
    wfq_expected.push_back(small);
    wf2q_expected.push_back(heavy);
    wf2q_expected.push_back(small);
  }
  for (const Algorithm algorithm : {Algorithm::wfq, Algorithm::wf2q}) {
    SCOPED_TRACE(name(algorithm));
    auto q = make_queue<int>(options(algorithm, FairnessMode::explicit_weights));
    ASSERT_TRUE(q.add_flow(heavy, 10.0));
    for (int k = 1; k <= 10; ++k) ASSERT_TRUE(q.enqueue(heavy, k, 10));
    for (FlowId small = 2; small <= 11; ++small) ASSERT_TRUE(q.enqueue(small, 0, 10));
    EXPECT_EQ(drain_flows(q), algorithm == Algorithm::wfq ? wfq_expected : wf2q_expected);
    EXPECT_EQ(q.fallbacks_for_testing(), 0u);
  }
}

// In equal_messages mode a flow's weight is its message size, so every
// message costs one unit of virtual time whatever its size: 64 B and 64 KiB
// flows alternate exactly. Each flow's first message gets (S, F) = (0, 1), the
// next (1, 2) and so on; ties go to A, which enqueued first.
TEST(WfqSchedule, EqualMessagesAlternatesSmallAndLargeMessages) {
  for (const Algorithm algorithm : {Algorithm::wfq, Algorithm::wf2q}) {
    SCOPED_TRACE(name(algorithm));
    auto q = make_queue<int>(options(algorithm, FairnessMode::equal_messages));
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(q.enqueue(a, i, 64));
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(q.enqueue(b, i, 65536));
    EXPECT_EQ(drain_flows(q), (std::vector<FlowId>{a, b, a, b, a, b, a, b}));
  }
}

// An idle flow earns no credit: A is served, falls idle while B has the
// server to itself for 400 messages, then returns with 10. Its first tag is
// the current V, level with B's head, so the two alternate (B first: its head
// arrived earlier). Starting A from its old finish tag instead would give it
// about 400 messages in a row.
TEST(WfqSchedule, ReturningFlowDoesNotHoardCredit) {
  for (const Algorithm algorithm : {Algorithm::wfq, Algorithm::wf2q}) {
    SCOPED_TRACE(name(algorithm));
    auto q = make_queue<int>(options(algorithm, FairnessMode::equal_bytes));
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.enqueue(a, i, 100));
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(q.enqueue(b, i, 100));
    for (int i = 0; i < 410; ++i) ASSERT_TRUE(q.dequeue());
    ASSERT_EQ(q.stats(a)->backlog_messages, 0u);
    ASSERT_EQ(q.stats(b)->messages, 405u);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(q.enqueue(a, i, 100));
    std::vector<FlowId> next;
    next.reserve(20);
    for (int i = 0; i < 20; ++i) next.push_back(q.dequeue()->flow);
    EXPECT_EQ(next, (std::vector<FlowId>{b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a}));
  }
}

}  // namespace
}  // namespace missive::sched
