// Seeded adversarial scenarios (sim/scenario.hpp).
//
// Property (every scenario): agreement and integrity at the correct nodes
// always; validity and totality once the network healed, whenever the links
// are live. A failure prints the seed; rerun one seed with
// MISSIVE_BFT_SEED=<seed>, see each run with MISSIVE_BFT_VERBOSE=1, and run
// thousands with MISSIVE_BFT_SCENARIOS=<per chunk> (the default run has
// 350 scenarios; a third of that under sanitizers).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "missive/bft/sim/scenario.hpp"

namespace missive::bft::sim {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::uint64_t default_divisor = 3;
#else
constexpr std::uint64_t default_divisor = 1;
#endif

std::uint64_t per_chunk(std::uint64_t fallback) {
  const char* value = std::getenv("MISSIVE_BFT_SCENARIOS");
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback / default_divisor;
}

void print(const ScenarioSpec& spec, const Outcome& outcome, double ms) {
  std::printf("%s\n  %.1f ms, sent %llu, dropped %llu, tampered %llu, refused %llu, broadcasts %llu, deliveries %llu\n",
              describe(spec).c_str(), ms, static_cast<unsigned long long>(outcome.messages_sent),
              static_cast<unsigned long long>(outcome.messages_dropped),
              static_cast<unsigned long long>(outcome.messages_tampered),
              static_cast<unsigned long long>(outcome.messages_refused),
              static_cast<unsigned long long>(outcome.correct_broadcasts),
              static_cast<unsigned long long>(outcome.deliveries));
  for (const auto& [code, times] : outcome.refusals) {
    std::printf("    %s %llu\n", code.c_str(), static_cast<unsigned long long>(times));
  }
}

Outcome run_checked(const ScenarioSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  Outcome outcome = run_scenario(spec);
  if (std::getenv("MISSIVE_BFT_VERBOSE") != nullptr) {
    print(spec, outcome, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::string all;
  for (const std::string& v : outcome.violations) all += "\n  " + v;
  EXPECT_TRUE(outcome.violations.empty()) << describe(spec) << all;
  return outcome;
}

void run_many(Mode mode, std::uint64_t first_seed, std::uint64_t count) {
  if (const char* one = std::getenv("MISSIVE_BFT_SEED")) {
    first_seed = std::strtoull(one, nullptr, 10);
    count = 1;
  }
  std::uint64_t live = 0;
  std::uint64_t deliveries = 0;
  for (std::uint64_t seed = first_seed; seed < first_seed + count; ++seed) {
    const Outcome outcome = run_checked(random_scenario(seed, mode));
    live += outcome.liveness_checked ? 1 : 0;
    deliveries += outcome.deliveries;
    if (::testing::Test::HasFailure()) return;  // the first failing seed is the useful one
  }
  EXPECT_GE(live * 2, count) << "most scenarios must check liveness too";
  EXPECT_GT(deliveries, count) << "scenarios must deliver something";
}

TEST(Scenarios, SignedEchoSeedsFrom1) { run_many(Mode::signed_echo, 1, per_chunk(50)); }
TEST(Scenarios, SignedEchoSeedsFrom1001) { run_many(Mode::signed_echo, 1001, per_chunk(50)); }
TEST(Scenarios, SignedEchoSeedsFrom2001) { run_many(Mode::signed_echo, 2001, per_chunk(50)); }
TEST(Scenarios, BrachaSeedsFrom1) { run_many(Mode::bracha, 1, per_chunk(100)); }
TEST(Scenarios, BrachaSeedsFrom1001) { run_many(Mode::bracha, 1001, per_chunk(100)); }

// The Byzantine sender proposes two batches to two groups (a bridge peer gets
// both) and pads every short certificate to a quorum with its own signature
// repeated. Property: correct nodes never deliver two batches for one
// instance; the padded certificates are refused. (Mutation check: accepting a
// duplicate signer in Certificate::verify makes this test fail.)
TEST(Scenarios, EquivocatingDoubleSignerNeverSplitsTheCorrectNodes) {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    ScenarioSpec spec;
    spec.seed = seed;
    spec.mode = Mode::signed_echo;
    spec.n = seed % 3 == 0 ? 7 : 4;
    spec.f = spec.n == 7 ? 2 : 1;
    spec.byzantine[static_cast<NodeId>(seed % spec.n)] = Behaviour::equivocating_sender;
    if (spec.f == 2) spec.byzantine[static_cast<NodeId>((seed + 1) % spec.n)] = Behaviour::double_acker;
    spec.faults.drop = 0.05;
    spec.broadcasts_per_node = 2;
    Outcome outcome = run_checked(spec);
    EXPECT_GT(outcome.refusals["bad_signature"] + outcome.refusals["equivocation"], 0u) << describe(spec);
    if (::testing::Test::HasFailure()) return;
  }
}

// Each behaviour alone, n = 4, lossy links with a partition: all four properties.
TEST(Scenarios, EveryBehaviourAloneInBothModes) {
  for (const Mode mode : {Mode::signed_echo, Mode::bracha}) {
    for (int b = 0; b < behaviour_count; ++b) {
      ScenarioSpec spec;
      spec.seed = 77 + static_cast<std::uint64_t>(b);
      spec.mode = mode;
      spec.byzantine[static_cast<NodeId>(b % 4)] = static_cast<Behaviour>(b);
      spec.faults = LinkFaults{.drop = 0.1, .duplicate = 0.05, .corrupt = 0.02, .replay = 0.03};
      spec.partition = Partition{20'000, 120'000, {0, 1}};
      const Outcome outcome = run_checked(spec);
      EXPECT_TRUE(outcome.liveness_checked);
      EXPECT_EQ(outcome.correct_sender_deliveries.size(), outcome.correct_broadcasts) << describe(spec);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// Corrupted bytes handed to the nodes (no link authentication): the signed
// mode must stay safe (agreement, integrity) on its signatures alone.
TEST(Scenarios, SignedEchoStaysSafeOnUnauthenticatedCorruptingLinks) {
  for (std::uint64_t seed = 500; seed < 500 + per_chunk(30); ++seed) {
    ScenarioSpec spec = random_scenario(seed, Mode::signed_echo);
    spec.faults.authenticated_links = false;
    spec.faults.corrupt = 0.2;
    const Outcome outcome = run_checked(spec);
    EXPECT_FALSE(outcome.liveness_checked);
    EXPECT_GT(outcome.messages_tampered, 0u);
    if (::testing::Test::HasFailure()) return;
  }
}

// Differential oracle: the same scenario (same schedule, same Byzantine
// members, live links) in both modes. Property: for correct senders both
// deliver exactly the same instances with the same roots.
TEST(Scenarios, BrachaAndSignedEchoDeliverTheSameForCorrectSenders) {
  for (std::uint64_t seed = 3000; seed < 3000 + per_chunk(40); ++seed) {
    ScenarioSpec echo = random_scenario(seed, Mode::signed_echo);
    echo.faults.authenticated_links = true;
    ScenarioSpec bracha = echo;
    bracha.mode = Mode::bracha;
    const Outcome a = run_checked(echo);
    const Outcome b = run_checked(bracha);
    EXPECT_EQ(a.correct_broadcasts, b.correct_broadcasts);
    EXPECT_EQ(a.correct_sender_deliveries, b.correct_sender_deliveries) << describe(echo);
    EXPECT_EQ(a.correct_sender_deliveries.size(), a.correct_broadcasts) << describe(echo);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(Scenarios, ASeedReplaysExactly) {
  const ScenarioSpec spec = random_scenario(42, Mode::signed_echo);
  const Outcome a = run_scenario(spec);
  const Outcome b = run_scenario(spec);
  EXPECT_EQ(a.messages_sent, b.messages_sent);
  EXPECT_EQ(a.messages_dropped, b.messages_dropped);
  EXPECT_EQ(a.refusals, b.refusals);
  EXPECT_EQ(a.correct_sender_deliveries, b.correct_sender_deliveries);
}

// Property: the trace reports exactly the outcome's broadcasts and deliveries, in time order.
TEST(Scenarios, TheTraceMatchesTheOutcome) {
  const ScenarioSpec spec = random_scenario(7, Mode::signed_echo);
  std::uint64_t broadcasts = 0;
  std::uint64_t deliveries = 0;
  std::uint64_t refusals = 0;
  std::uint64_t last_time = 0;
  bool ordered = true;
  const Outcome outcome = run_scenario(spec, [&](const TraceEvent& e) {
    ordered = ordered && e.time_us >= last_time;
    last_time = e.time_us;
    broadcasts += e.kind == TraceEvent::Kind::broadcast ? 1 : 0;
    deliveries += e.kind == TraceEvent::Kind::delivery ? 1 : 0;
    refusals += e.kind == TraceEvent::Kind::refusal ? 1 : 0;
  });
  EXPECT_TRUE(ordered);
  EXPECT_EQ(broadcasts, outcome.correct_broadcasts);
  EXPECT_EQ(deliveries, outcome.deliveries);
  EXPECT_EQ(refusals, outcome.messages_refused);
  EXPECT_GT(deliveries, 0u);
}

TEST(Scenarios, MoreByzantineMembersThanFIsRefused) {
  ScenarioSpec spec;
  spec.byzantine = {{0, Behaviour::silent}, {1, Behaviour::silent}};
  EXPECT_FALSE(run_scenario(spec).violations.empty());
}

}  // namespace
}  // namespace missive::bft::sim
