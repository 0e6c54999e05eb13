// Exhaustive quorum intersection: for n = 3f+1 .. 3f+3 and f = 1..5, any two
// quorums of size floor((n+f)/2)+1 share a correct member, whichever f
// members are Byzantine, and the correct members alone form a quorum.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <vector>

#include "missive/bft/config.hpp"

namespace missive::bft {
namespace {

std::vector<std::uint32_t> subsets_of_size(std::uint32_t n, std::uint32_t k) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
    if (static_cast<std::uint32_t>(std::popcount(mask)) == k) out.push_back(mask);
  }
  return out;
}

// Literally: for every pair of quorums and every Byzantine set, a member of
// both quorums is outside the Byzantine set. Returns the first counterexample count.
std::uint64_t literal_violations(std::uint32_t n, std::uint32_t f, std::uint32_t q) {
  const std::vector<std::uint32_t> quorums = subsets_of_size(n, q);
  const std::vector<std::uint32_t> byzantine = subsets_of_size(n, f);
  std::uint64_t violations = 0;
  for (std::uint32_t a : quorums) {
    for (std::uint32_t b : quorums) {
      for (std::uint32_t bad : byzantine) violations += ((a & b & ~bad) == 0) ? 1 : 0;
    }
  }
  return violations;
}

// The same through the smallest intersection: some Byzantine set covers
// a ∩ b exactly when |a ∩ b| <= f.
std::uint32_t smallest_intersection(std::uint32_t n, std::uint32_t q) {
  const std::vector<std::uint32_t> quorums = subsets_of_size(n, q);
  std::uint32_t smallest = n;
  for (std::uint32_t a : quorums) {
    for (std::uint32_t b : quorums) smallest = std::min(smallest, static_cast<std::uint32_t>(std::popcount(a & b)));
  }
  return smallest;
}

TEST(QuorumIntersection, EveryPairOfQuorumsSharesACorrectMemberLiterally) {
  for (std::uint32_t f = 1; f <= 3; ++f) {
    for (std::uint32_t n = 3 * f + 1; n <= 3 * f + 2; ++n) {
      EXPECT_EQ(literal_violations(n, f, ClusterConfig::quorum_size(n, f)), 0u) << "n " << n << " f " << f;
    }
  }
}

TEST(QuorumIntersection, SmallestIntersectionExceedsFUpToFFive) {
  for (std::uint32_t f = 1; f <= 5; ++f) {
    for (std::uint32_t n = 3 * f + 1; n <= std::min(3 * f + 3, 16u); ++n) {
      const std::uint32_t q = ClusterConfig::quorum_size(n, f);
      EXPECT_GE(smallest_intersection(n, q), f + 1) << "n " << n << " f " << f;
      EXPECT_LE(q, n - f) << "the correct members alone must form a quorum: n " << n << " f " << f;
    }
  }
}

TEST(QuorumIntersection, TheCheckFindsTheFlawWhenNIsOnlyThreeF) {
  // Negative control: with n = 3f, the largest quorum the correct members
  // can still reach (n - f = 2f) lets two quorums meet only in Byzantine members.
  for (std::uint32_t f = 1; f <= 3; ++f) {
    const std::uint32_t n = 3 * f;
    EXPECT_GT(literal_violations(n, f, n - f), 0u) << "n " << n << " f " << f;
  }
  // And 2f+1 is too small a quorum once n > 3f+1 (n = 5, f = 1).
  EXPECT_GT(literal_violations(5, 1, 3), 0u);
}

}  // namespace
}  // namespace missive::bft
