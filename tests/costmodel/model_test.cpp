// The model's algebra: predictions per path and the closed-form crossover,
// checked against values computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "missive/costmodel/model.hpp"
#include "missive/costmodel/path_choice.hpp"

namespace missive::costmodel {
namespace {

Parameters sample_parameters() {
  Parameters p;
  p.sigma_ns = 10000;
  p.bk_gbps = 10;  // 0.1 ns/B, twice: 0.2 ns/B
  p.inline_fixed_ns = 100;
  p.inline_gbps = 10;  // 0.1 ns/B
  p.share_fixed_ns = 500;
  p.bcc_gbps = 20;  // 0.05 ns/B
  return p;
}

TEST(Model, PredictsEachPathAsItsLine) {
  const Parameters p = sample_parameters();
  EXPECT_DOUBLE_EQ(predict_ns(p, Path::kernel_copy, 0), 10000);
  EXPECT_DOUBLE_EQ(predict_ns(p, Path::kernel_copy, 1000), 10000 + 200);
  EXPECT_DOUBLE_EQ(predict_ns(p, Path::inline_copy, 1000), 100 + 100);
  EXPECT_DOUBLE_EQ(predict_ns(p, Path::share, 1000), 500 + 50);
  EXPECT_EQ(path_name(Path::share), "share");
}

TEST(Model, InlineShareCrossoverIsWhereTheLinesMeet) {
  // 100 + 0.1 x = 500 + 0.05 x  <=>  x = 400 / 0.05 = 8000
  const Crossover x = inline_share_crossover(sample_parameters());
  ASSERT_EQ(x.kind, Crossover::Kind::at_size);
  EXPECT_NEAR(x.bytes, 8000, 1e-6);
  EXPECT_NEAR(x.share_from(), 8000, 1e-6);
  const Parameters p = sample_parameters();
  EXPECT_NEAR(predict_ns(p, Path::inline_copy, x.bytes), predict_ns(p, Path::share, x.bytes), 1e-6);
  // Below it copying is cheaper, above it sharing.
  EXPECT_LT(predict_ns(p, Path::inline_copy, 7000), predict_ns(p, Path::share, 7000));
  EXPECT_GT(predict_ns(p, Path::inline_copy, 9000), predict_ns(p, Path::share, 9000));
}

TEST(Model, KernelShareCrossoverWithTheSeedsFormula) {
  // sigma + 2x/B_k = f + x/B_cc  <=>  x = (f - sigma) / (2/B_k - 1/B_cc)
  Parameters p = sample_parameters();
  p.sigma_ns = 100;  // a kernel cheaper up front than sharing: a real crossover
  const Crossover x = kernel_share_crossover(p);
  ASSERT_EQ(x.kind, Crossover::Kind::at_size);
  EXPECT_NEAR(x.bytes, (500.0 - 100.0) / (0.2 - 0.05), 1e-6);
  // With the usual sigma (10 us) sharing wins at every size.
  EXPECT_EQ(kernel_share_crossover(sample_parameters()).kind, Crossover::Kind::share_always);
}

TEST(Model, CrossoverCases) {
  EXPECT_EQ(crossover({100, 0.1}, {50, 0.05}).kind, Crossover::Kind::share_always);
  EXPECT_EQ(crossover({100, 0.1}, {50, 0.05}).share_from(), 0);
  EXPECT_EQ(crossover({100, 0.05}, {200, 0.1}).kind, Crossover::Kind::copy_always);
  EXPECT_TRUE(std::isinf(crossover({100, 0.05}, {200, 0.1}).share_from()));
  // Parallel lines: the cheaper fixed cost wins everywhere.
  EXPECT_EQ(crossover({100, 0.1}, {200, 0.1}).kind, Crossover::Kind::copy_always);
  EXPECT_EQ(crossover({200, 0.1}, {100, 0.1}).kind, Crossover::Kind::share_always);
  // Inverted: sharing cheap up front, dearer per byte.
  const Crossover inverted = crossover({200, 0.05}, {100, 0.1});
  EXPECT_EQ(inverted.kind, Crossover::Kind::share_below);
  EXPECT_NEAR(inverted.bytes, 2000, 1e-9);
  EXPECT_TRUE(std::isinf(inverted.share_from()));
}

TEST(Model, ZeroBandwidthIsAnInfiniteCostPerByte) {
  Parameters p = sample_parameters();
  p.bcc_gbps = 0;
  EXPECT_TRUE(std::isinf(predict_ns(p, Path::share, 1)));
  EXPECT_EQ(inline_share_crossover(p).kind, Crossover::Kind::copy_always);
}

TEST(PathChoice, FollowsTheCrossoverUnlessOverridden) {
  EXPECT_EQ(choose_path(SendPath::automatic, 4095, 4096), SendPath::inline_copy);
  EXPECT_EQ(choose_path(SendPath::automatic, 4096, 4096), SendPath::loan);
  EXPECT_EQ(choose_path(SendPath::automatic, 0, 0), SendPath::loan);
  EXPECT_EQ(choose_path(SendPath::automatic, std::size_t{1} << 40, never_share), SendPath::inline_copy);
  EXPECT_EQ(choose_path(SendPath::inline_copy, 1 << 20, 4096), SendPath::inline_copy);
  EXPECT_EQ(choose_path(SendPath::loan, 8, 4096), SendPath::loan);
}

}  // namespace
}  // namespace missive::costmodel
