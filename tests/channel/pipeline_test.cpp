// Pipeline: stages, order, closing, shutdown and errors.
#include "missive/channel/pipeline.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace missive {
namespace {

using namespace std::chrono_literals;

class PipelineCapacity : public ::testing::TestWithParam<std::size_t> {};

// Property: values leave a k-stage pipeline in the order they entered, each
// transformed by every stage exactly once, and the output closes only after
// the input was closed and everything ahead of the close went through.
TEST_P(PipelineCapacity, PreservesOrderAndClosesDownstreamAfterInput) {
  const int n = static_cast<int>(test::scaled(5000, 1000));
  auto p = Pipeline<int>::with_capacity(GetParam())
               .stage([](int x) { return x * 2; })
               .stage([](int x) { return x + 1; })
               .stage([](int x) { return std::to_string(x); })
               .start();
  static_assert(std::is_same_v<decltype(p), Pipeline<int, std::string>>);
  EXPECT_EQ(p.stage_count(), 3u);
  EXPECT_EQ(p.input().capacity(), GetParam());
  EXPECT_EQ(p.output().capacity(), GetParam());
  std::thread feeder([&] {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(p.input().send(int{i}));
    p.input().close();
  });
  int expected = 0;
  for (;;) {
    auto r = p.output().recv();
    if (!r) {
      EXPECT_EQ(r.code(), Errc::closed);
      break;
    }
    EXPECT_EQ(*r, std::to_string(expected * 2 + 1));
    ++expected;
  }
  feeder.join();
  EXPECT_EQ(expected, n);
  EXPECT_TRUE(p.output().is_closed());
  p.join();
}

INSTANTIATE_TEST_SUITE_P(Capacities, PipelineCapacity, ::testing::Values(0, 1, 8),
                         [](const auto& tpi) { return "capacity_" + std::to_string(tpi.param); });

TEST(Pipeline, StagesMayChangeTypesAndCarryMoveOnlyValues) {
  auto p = Pipeline<int>::with_capacity(2)
               .stage([](int x) { return std::make_unique<int>(x); })
               .stage([](std::unique_ptr<int> x) { return std::string(static_cast<std::size_t>(*x), 'a'); })
               .stage([](const std::string& s) { return s.size(); })
               .start();
  static_assert(std::is_same_v<decltype(p), Pipeline<int, std::size_t>>);
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(p.input().send(int{i}));
  p.input().close();
  for (std::size_t i = 1; i <= 3; ++i) EXPECT_EQ(*p.output().recv(), i);
  EXPECT_EQ(p.output().recv().code(), Errc::closed);
  p.join();
}

TEST(Pipeline, ZeroStagesIsOneChannel) {
  auto p = Pipeline<int>::with_capacity(1).start();
  EXPECT_EQ(p.stage_count(), 0u);
  EXPECT_EQ(&p.input(), &p.output());
  ASSERT_TRUE(p.input().send(1));
  EXPECT_EQ(*p.output().recv(), 1);
  p.join();
}

// Property: destroying a pipeline nobody drains never hangs (the last stage
// is blocked on a full output when the destructor runs).
TEST(Pipeline, DestructorStopsAStuckPipeline) {
  auto p = std::make_unique<Pipeline<int>>(
      Pipeline<int>::with_capacity(1).stage([](int x) { return x; }).stage([](int x) { return x; }).start());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(p->input().send_until(int{i}, Deadline::after(5s)));
  std::this_thread::sleep_for(10ms);
  p.reset();  // must return
  SUCCEED();
}

// Property: a consumer closing the output stops the pipeline upstream, so a
// producer blocked on the input is released with closed.
TEST(Pipeline, ClosingTheOutputStopsUpstream) {
  auto p = Pipeline<int>::with_capacity(0).stage([](int x) { return x; }).stage([](int x) { return x; }).start();
  std::thread producer([&] {
    Status s = ok();
    for (int i = 0; s; ++i) s = p.input().send(int{i});
    EXPECT_EQ(s.code(), Errc::closed);
  });
  EXPECT_TRUE(p.output().recv());
  p.output().close();
  producer.join();
  p.join();
}

// Property: an exception in a stage stops the pipeline and reaches join().
TEST(Pipeline, StageExceptionStopsThePipelineAndIsRethrownByJoin) {
  auto p = Pipeline<int>::with_capacity(1)
               .stage([](int x) {
                 if (x == 2) throw std::runtime_error("bad value");
                 return x;
               })
               .start();
  ASSERT_TRUE(p.input().send(1));
  EXPECT_EQ(*p.output().recv(), 1);
  (void)p.input().send(2);
  EXPECT_EQ(p.output().recv().code(), Errc::closed);
  EXPECT_THROW(p.join(), std::runtime_error);
  EXPECT_TRUE(p.input().is_closed());
}

TEST(Pipeline, MovedPipelineKeepsRunning) {
  auto p = Pipeline<int>::with_capacity(1).stage([](int x) { return x + 1; }).start();
  Pipeline<int> q = std::move(p);
  ASSERT_TRUE(q.input().send(1));
  EXPECT_EQ(*q.output().recv(), 2);
  q.input().close();
  EXPECT_EQ(q.output().recv().code(), Errc::closed);
  q.join();
}

}  // namespace
}  // namespace missive
