// The least-squares fit recovers known parameters from synthetic measurements
// (exact and noisy), rejects data it cannot fit, and the measured crossover
// interpolates where two measured curves cross.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "missive/costmodel/fit.hpp"

namespace missive::costmodel {
namespace {

const std::vector<double> sizes = {64, 256, 1024, 4096, 16384, 65536, 262144, 1048576};

std::vector<Sample> synthetic(const Line& line, double noise, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> jitter(-noise, noise);
  std::vector<Sample> out;
  for (double x : sizes) out.push_back({x, line.at(x) * (1 + jitter(rng))});
  return out;
}

TEST(Fit, RecoversAnExactLine) {
  const Line truth{12000, 2.0 / 9.5};
  auto fitted = fit_line(synthetic(truth, 0, 1));
  ASSERT_TRUE(fitted);
  EXPECT_NEAR(fitted->fixed_ns, truth.fixed_ns, 1e-6 * truth.fixed_ns);
  EXPECT_NEAR(fitted->ns_per_byte, truth.ns_per_byte, 1e-9);
}

TEST(Fit, RecoversParametersFromNoisyMeasurements) {
  Parameters truth;
  truth.sigma_ns = 15000;
  truth.bk_gbps = 8;
  truth.inline_fixed_ns = 140;
  truth.inline_gbps = 12;
  truth.share_fixed_ns = 420;
  truth.bcc_gbps = 25;
  Measurements m;
  m.kernel_copy = synthetic(line_of(truth, Path::kernel_copy), 0.03, 2);
  m.inline_copy = synthetic(line_of(truth, Path::inline_copy), 0.03, 3);
  m.share = synthetic(line_of(truth, Path::share), 0.03, 4);
  m.syscall_ns = 123;
  m.wakeup_ns = 9000;
  auto p = fit_parameters(m);
  ASSERT_TRUE(p) << p.error().message();
  // +-3% noise per point: every parameter within 6%.
  EXPECT_NEAR(p->sigma_ns, truth.sigma_ns, 0.06 * truth.sigma_ns);
  EXPECT_NEAR(p->bk_gbps, truth.bk_gbps, 0.06 * truth.bk_gbps);
  EXPECT_NEAR(p->inline_fixed_ns, truth.inline_fixed_ns, 0.06 * truth.inline_fixed_ns);
  EXPECT_NEAR(p->inline_gbps, truth.inline_gbps, 0.06 * truth.inline_gbps);
  EXPECT_NEAR(p->share_fixed_ns, truth.share_fixed_ns, 0.06 * truth.share_fixed_ns);
  EXPECT_NEAR(p->bcc_gbps, truth.bcc_gbps, 0.06 * truth.bcc_gbps);
  EXPECT_EQ(p->syscall_ns, 123);
  EXPECT_EQ(p->wakeup_ns, 9000);
  // And so the crossover: true (420 - 140) / (1/12 - 1/25) = 6461.5 bytes.
  const Crossover x = inline_share_crossover(*p);
  ASSERT_EQ(x.kind, Crossover::Kind::at_size);
  EXPECT_NEAR(x.bytes, 280.0 / (1.0 / 12 - 1.0 / 25), 0.15 * 6461.5);
}

TEST(Fit, WeighsSmallSizesAsMuchAsLargeOnes) {
  // An unweighted fit would let the 1 MiB point decide and miss the 64-byte
  // intercept by far; relative weighting keeps both within a few percent.
  const Line truth{150, 1.0 / 15};
  auto samples = synthetic(truth, 0, 5);
  samples.back().ns *= 1.05;  // one large point 5% off
  auto fitted = fit_line(samples);
  ASSERT_TRUE(fitted);
  for (const Sample& s : samples) EXPECT_NEAR(fitted->at(s.bytes) / s.ns, 1.0, 0.06) << s.bytes;
}

TEST(Fit, ClampsANegativeInterceptToZero) {
  const std::vector<Sample> samples = {{1000, 50}, {2000, 150}, {4000, 350}};
  auto fitted = fit_line(samples);
  ASSERT_TRUE(fitted);
  EXPECT_EQ(fitted->fixed_ns, 0);
  EXPECT_GT(fitted->ns_per_byte, 0);
}

TEST(Fit, RejectsWhatItCannotFit) {
  EXPECT_EQ(fit_line(std::vector<Sample>{}).code(), Errc::invalid_argument);
  EXPECT_EQ(fit_line(std::vector<Sample>{{64, 100}}).code(), Errc::invalid_argument);
  EXPECT_EQ(fit_line(std::vector<Sample>{{64, 100}, {64, 110}}).code(), Errc::invalid_argument);
  EXPECT_EQ(fit_line(std::vector<Sample>{{64, 100}, {128, 0}}).code(), Errc::invalid_argument);
  EXPECT_EQ(fit_line(std::vector<Sample>{{64, 100}, {128, NAN}}).code(), Errc::invalid_argument);
  EXPECT_EQ(fit_line(std::vector<Sample>{{-1, 100}, {128, 120}}).code(), Errc::invalid_argument);
  EXPECT_EQ(fit_line(std::vector<Sample>{{64, 100}, {128, INFINITY}}).code(), Errc::invalid_argument);
  // Latency falling with size: no bandwidth.
  EXPECT_EQ(fit_line(std::vector<Sample>{{64, 200}, {4096, 100}}).code(), Errc::invalid_argument);
  Measurements m;
  m.kernel_copy = {{64, 100}, {128, 200}};
  m.inline_copy = {{64, 100}, {128, 200}};
  EXPECT_EQ(fit_parameters(m).code(), Errc::invalid_argument);  // no share samples
}

TEST(MeasuredCrossover, InterpolatesInLogSize) {
  // copy - share: -100 at 4 KiB, +100 at 16 KiB: halfway in log2 = 8 KiB.
  const std::vector<Sample> copy = {{1024, 100}, {4096, 200}, {16384, 600}, {65536, 2000}};
  const std::vector<Sample> share = {{1024, 300}, {4096, 300}, {16384, 500}, {65536, 900}};
  auto x = measured_crossover(copy, share);
  ASSERT_TRUE(x);
  ASSERT_EQ(x->kind, Crossover::Kind::at_size);
  EXPECT_NEAR(x->bytes, 8192, 1e-6);
}

TEST(MeasuredCrossover, TakesTheLastSignChangeAndReportsTheExtremes) {
  // share wins at 1 KiB by noise, loses at 4 KiB, wins from 16 KiB on.
  const std::vector<Sample> copy = {{1024, 310}, {4096, 200}, {16384, 600}, {65536, 2000}};
  const std::vector<Sample> share = {{1024, 300}, {4096, 300}, {16384, 500}, {65536, 900}};
  auto x = measured_crossover(copy, share);
  ASSERT_TRUE(x);
  EXPECT_EQ(x->kind, Crossover::Kind::at_size);
  EXPECT_GT(x->bytes, 4096);
  EXPECT_LT(x->bytes, 16384);
  const std::vector<Sample> cheap = {{1024, 1}, {4096, 1}, {16384, 1}, {65536, 1}};
  EXPECT_EQ(measured_crossover(copy, cheap)->kind, Crossover::Kind::share_always);
  EXPECT_EQ(measured_crossover(cheap, share)->kind, Crossover::Kind::copy_always);
}

TEST(MeasuredCrossover, RejectsMismatchedInputs) {
  const std::vector<Sample> a = {{1024, 1}, {4096, 1}};
  const std::vector<Sample> b = {{1024, 1}, {8192, 1}};
  const std::vector<Sample> unsorted = {{4096, 1}, {1024, 1}};
  EXPECT_EQ(measured_crossover(a, b).code(), Errc::invalid_argument);
  EXPECT_EQ(measured_crossover(unsorted, unsorted).code(), Errc::invalid_argument);
  EXPECT_EQ(measured_crossover(std::vector<Sample>{}, std::vector<Sample>{}).code(), Errc::invalid_argument);
  EXPECT_EQ(measured_crossover(a, std::span<const Sample>(b).first(1)).code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace missive::costmodel

namespace missive::costmodel {
namespace {

TEST(BentFit, FindsAKneeWhereTheSlopeChanges) {
  // 150 ns + x / 30 GB/s up to 256 KiB, then x / 8 GB/s (caches overflow).
  const Line truth{150, 1.0 / 30, 262144, 1.0 / 8};
  std::vector<Sample> samples;
  for (double x : sizes) samples.push_back({x, truth.at(x)});
  auto fitted = fit_bent_line(samples);
  ASSERT_TRUE(fitted);
  ASSERT_TRUE(fitted->bent());
  EXPECT_EQ(fitted->knee_bytes, 262144);
  EXPECT_NEAR(fitted->fixed_ns, 150, 1);
  EXPECT_NEAR(fitted->ns_per_byte_above, 1.0 / 8, 1e-6);
  for (const Sample& s : samples) EXPECT_NEAR(fitted->at(s.bytes) / s.ns, 1.0, 1e-6);
  // A straight line stays straight.
  std::vector<Sample> straight;
  for (double x : sizes) straight.push_back({x, 150 + x / 30});
  EXPECT_FALSE(fit_bent_line(straight)->bent());
}

TEST(BentFit, ParametersCarryTheKnees) {
  Measurements m;
  const Line bent{200, 1.0 / 25, 65536, 1.0 / 10};
  const Line kernel{12000, 2.0 / 10};
  for (double x : sizes) {
    m.kernel_copy.push_back({x, kernel.at(x)});
    m.inline_copy.push_back({x, bent.at(x)});
    m.share.push_back({x, bent.at(x) + 100});
  }
  auto p = fit_parameters(m);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kernel_knee_bytes, 0);
  EXPECT_EQ(p->inline_knee_bytes, 65536);
  EXPECT_NEAR(p->inline_above_gbps, 10, 0.01);
  EXPECT_NEAR(p->inline_gbps, 25, 0.01);
  for (double x : sizes) EXPECT_NEAR(predict_ns(*p, Path::inline_copy, x) / bent.at(x), 1.0, 1e-6);
}

TEST(BentCrossover, SolvesPerSegment) {
  // Straight below 64 KiB the lines never meet (copy cheaper); above the
  // knee copy's slope grows: 100 + 0.05x  vs  300 + 0.04x  => no crossing
  // below 64 KiB... copy at 64 KiB: 3376.8, share: 2921.4 => already crossed
  // at 20 000 bytes (straight formula: 200 / 0.01).
  const Line copy{100, 0.05, 65536, 0.2};
  const Line share{300, 0.04};
  Crossover x = crossover(copy, share);
  ASSERT_EQ(x.kind, Crossover::Kind::at_size);
  EXPECT_NEAR(x.bytes, 20000, 1e-6);
  // A share line that is flatter only above its knee crosses there.
  const Line copy2{100, 0.05};
  const Line share2{300, 0.06, 100000, 0.01};  // share dearer below 100 KB, much cheaper above
  x = crossover(copy2, share2);
  ASSERT_EQ(x.kind, Crossover::Kind::at_size);
  EXPECT_NEAR(copy2.at(x.bytes), share2.at(x.bytes), 1e-6);
  EXPECT_GT(x.bytes, 100000);
  // Copy bends up above its knee, share never crosses below it: copy_always
  // turns into at_size past the knee.
  x = crossover(Line{100, 0.01, 1000, 1.0}, Line{5000, 0.02});
  ASSERT_EQ(x.kind, Crossover::Kind::at_size);
  EXPECT_NEAR(Line({100, 0.01, 1000, 1.0}).at(x.bytes), Line({5000, 0.02}).at(x.bytes), 1e-6);
}

}  // namespace
}  // namespace missive::costmodel
