// The fairness modes on saturated servers: equal message rates, equal byte
// rates and explicit weights, for every algorithm. "Rate" here is per byte of
// service: every flow is backlogged the whole time, so the shares of a run are
// the shares of the server.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "missive/sched/fair_queue.hpp"
#include "missive/sched/jain.hpp"
#include "sched_test_support.hpp"

namespace missive::sched {
namespace {

using test::make_queue;
using test::run_saturated;

constexpr std::size_t small = 64;
constexpr std::size_t large = std::size_t{64} * 1024;

class ModesTest : public ::testing::TestWithParam<Algorithm> {
 protected:
  [[nodiscard]] FairQueueOptions options(FairnessMode mode) const {
    FairQueueOptions o;
    o.algorithm = GetParam();
    o.mode = mode;
    o.measure_wait = false;
    return o;
  }
};

INSTANTIATE_TEST_SUITE_P(Algorithms, ModesTest, ::testing::Values(Algorithm::wfq, Algorithm::wf2q, Algorithm::drr),
                         test::algorithm_name);

// equal_messages, one 64 B flow and one 64 KiB flow: the message counts may
// differ by at most one (each message costs one unit of virtual time, or one
// DRR turn), so the message rates are equal and the byte rates differ 1024x.
TEST_P(ModesTest, EqualMessagesGivesSmallAndLargeFlowsTheSameMessageRate) {
  auto q = make_queue<int>(options(FairnessMode::equal_messages));
  const auto run = run_saturated(q, {10, 20}, 2 * large, 20001, [](std::size_t i) { return i == 0 ? small : large; });
  EXPECT_LE(std::abs(run.messages[0] - run.messages[1]), 1.0);
  EXPECT_GE(jain_index(run.messages), 0.9999);
  EXPECT_NEAR(run.bytes[1] / run.bytes[0], 1024.0, 1.0);
}

// equal_bytes, the same two flows: the byte counts differ by at most about one
// large message (wfq, wf2q) or one quantum plus one large message (drr), so
// the small flow sends 1024 messages per large one.
TEST_P(ModesTest, EqualBytesGivesSmallAndLargeFlowsTheSameByteRate) {
  auto q = make_queue<int>(options(FairnessMode::equal_bytes));
  const auto run = run_saturated(q, {10, 20}, 2 * large, 200'000, [](std::size_t i) { return i == 0 ? small : large; });
  const double slack = GetParam() == Algorithm::drr ? 65536.0 + large : large;
  EXPECT_LE(std::abs(run.bytes[0] - run.bytes[1]), slack);
  EXPECT_GE(jain_index(run.bytes), 0.9999);
  EXPECT_GT(run.messages[0], 150'000);
}

// equal_messages with sizes that vary inside each flow (uniform over [32, 96]
// and over [32 KiB, 96 KiB]): the moving mean tracks each flow's size, and
// the message rates stay within a few percent of each other.
TEST_P(ModesTest, EqualMessagesHoldsWhenSizesVaryWithinAFlow) {
  auto q = make_queue<int>(options(FairnessMode::equal_messages));
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::size_t> small_size(32, 96);
  std::uniform_int_distribution<std::size_t> large_size(std::size_t{32} * 1024, std::size_t{96} * 1024);
  const auto run = run_saturated(q, {1, 2, 3}, 2 * 96 * 1024, 30'000, [&](std::size_t i) {
    return i == 0 ? small_size(rng) : i == 1 ? large_size(rng) : std::size_t{4096};
  });
  EXPECT_GE(jain_index(run.messages), 0.999);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(run.messages[i] / 10'000.0, 1.0, 0.03) << "flow " << i;
  EXPECT_NEAR(q.stats(1)->mean_message_bytes, 64, 32);
  EXPECT_NEAR(q.stats(2)->mean_message_bytes, 64 * 1024, 32 * 1024);
}

// A flow that switches from 64 B to 64 KiB messages gets a weight that
// follows, and message rates are equal again once its moving mean has caught
// up (a few dozen messages with alpha = 1/8). Two queued messages per flow are
// enough backlog here: every message costs about one unit of virtual time.
TEST_P(ModesTest, EqualMessagesWeightFollowsAChangeOfMessageSize) {
  auto q = make_queue<int>(options(FairnessMode::equal_messages));
  std::size_t size_of_first = small;
  (void)run_saturated(q, {1, 2}, 0, 1000, [&](std::size_t i) { return i == 0 ? size_of_first : std::size_t{4096}; });
  EXPECT_DOUBLE_EQ(q.stats(1)->weight, 64.0);
  size_of_first = large;
  (void)run_saturated(q, {1, 2}, 0, 3000, [&](std::size_t i) { return i == 0 ? size_of_first : std::size_t{4096}; });
  EXPECT_NEAR(q.stats(1)->weight, 65536.0, 1.0);
  const auto run =
      run_saturated(q, {1, 2}, 0, 2000, [&](std::size_t i) { return i == 0 ? size_of_first : std::size_t{4096}; });
  EXPECT_LE(std::abs(run.messages[0] - run.messages[1]), 2.0);
}

// explicit_weights 1 : 2 : 4 with random sizes up to 1500 bytes: bytes served
// per unit of weight are equal within a few largest messages (plus a quantum
// for drr).
TEST_P(ModesTest, ExplicitWeightsSplitBytesInProportion) {
  auto o = options(FairnessMode::explicit_weights);
  o.drr_quantum_bytes = 1500;
  auto q = make_queue<int>(o);
  const std::vector<double> weights{1, 2, 4};
  for (std::size_t i = 0; i < weights.size(); ++i) ASSERT_TRUE(q.add_flow(i + 1, weights[i]));
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<std::size_t> size(1, 1500);
  const auto run = run_saturated(q, {1, 2, 3}, 3000, 60'000, [&](std::size_t) { return size(rng); });
  std::vector<double> normalized;
  for (std::size_t i = 0; i < weights.size(); ++i) normalized.push_back(run.bytes[i] / weights[i]);
  EXPECT_GE(jain_index(normalized), 0.9999);
  const double total = run.bytes[0] + run.bytes[1] + run.bytes[2];
  for (std::size_t i = 0; i < weights.size(); ++i) {
    EXPECT_NEAR(run.bytes[i], total * weights[i] / 7.0, 4 * 1500.0 * weights[i]) << "flow " << i;
  }
}

// A hundred flows with random mean sizes between 64 B and 16 KiB (log-uniform,
// +-50% around the mean): equal_messages equalizes message counts,
// equal_bytes byte counts. (bench/sched_bench.cpp runs the full 64 B..64 KiB
// range on a real server loop.)
TEST_P(ModesTest, HundredFlowsWithRandomSizes) {
  std::mt19937_64 rng(3);
  std::vector<double> mean(100);
  std::uniform_real_distribution<double> exponent(6, 14);
  for (double& m : mean) m = std::exp2(exponent(rng));
  std::vector<FlowId> flows;
  for (FlowId f = 0; f < 100; ++f) flows.push_back(f + 1000);
  auto size_of = [&](std::size_t i) {
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    return static_cast<std::size_t>(mean[i] * jitter(rng));
  };
  const double backlog = 2 * 1.5 * 16384;
  {
    auto q = make_queue<int>(options(FairnessMode::equal_messages));
    const auto run = run_saturated(q, flows, backlog, 40'000, size_of);
    EXPECT_GE(jain_index(run.messages), 0.999);
  }
  {
    auto q = make_queue<int>(options(FairnessMode::equal_bytes));
    const auto run = run_saturated(q, flows, backlog, 120'000, size_of);
    EXPECT_GE(jain_index(run.bytes), 0.999);
  }
}

}  // namespace
}  // namespace missive::sched
