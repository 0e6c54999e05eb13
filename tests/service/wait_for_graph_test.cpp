// wait_for_graph_test - the wait-for graph: cycles found with the right report,
// never a false positive, always a report when a cycle closes.
#include "missive/service/wait_for_graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace missive::service {
namespace {

// prefix followed by n ("s3"); appends rather than `"s" + to_string(n)`, on
// which g++ 12 raises a false -Wrestrict.
std::string numbered(std::string_view prefix, std::uint64_t n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

std::string service_name(std::size_t i) { return numbered("s", i); }

// The edge was kept (no error, no deadlock).
void expect_kept(WaitForGraph& graph, const std::string& caller, const std::string& callee, std::uint64_t id) {
  const auto added = graph.add_edge(caller, callee, id);
  ASSERT_TRUE(added) << added.error().message();
  EXPECT_TRUE(added->kept()) << added->deadlock->text();
}

TEST(WaitForGraph, RingsOfTwoToEightServicesAreReportedEdgeByEdge) {
  for (std::size_t k = 2; k <= 8; ++k) {
    SCOPED_TRACE(numbered("k = ", k));
    WaitForGraph graph;
    // s0 -> s1 -> ... -> s(k-1), request ids 100, 101, ...
    for (std::size_t i = 0; i + 1 < k; ++i) expect_kept(graph, service_name(i), service_name(i + 1), 100 + i);
    const auto closing = graph.add_edge(service_name(k - 1), service_name(0), 7);
    ASSERT_TRUE(closing);
    ASSERT_TRUE(closing->deadlock.has_value());
    const DeadlockReport& report = *closing->deadlock;
    ASSERT_EQ(report.edges.size(), k);
    // edges[0] is the closing edge, then the chain in order back to its caller.
    EXPECT_EQ(report.edges[0], (WaitEdge{service_name(k - 1), service_name(0), 7, closing->sequence}));
    for (std::size_t i = 1; i < k; ++i) {
      EXPECT_EQ(report.edges[i].caller, service_name(i - 1));
      EXPECT_EQ(report.edges[i].callee, service_name(i));
      EXPECT_EQ(report.edges[i].request_id, 100 + i - 1);
    }
    EXPECT_EQ(report.youngest, 0u) << "the closing edge is the youngest";
    // The graph did not keep the closing edge.
    EXPECT_EQ(graph.edge_count(), k - 1);
    EXPECT_FALSE(graph.contains(service_name(k - 1), 7));
  }
}

TEST(WaitForGraph, ReportTextNamesServicesAndRequestIds) {
  WaitForGraph graph;
  expect_kept(graph, "b", "c", 7);
  expect_kept(graph, "c", "a", 3);
  const auto closing = graph.add_edge("a", "b", 12);
  ASSERT_TRUE(closing && closing->deadlock);
  EXPECT_EQ(closing->deadlock->text(), "a(#12) -> b(#7) -> c(#3) -> a");
  EXPECT_EQ(closing->deadlock->services(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(WaitForGraph, RemovingAnEdgeOfTheCycleLetsTheSameAddSucceed) {
  WaitForGraph graph;
  expect_kept(graph, "a", "b", 1);
  expect_kept(graph, "b", "c", 2);
  const auto refused = graph.add_edge("c", "a", 3);
  ASSERT_TRUE(refused && refused->deadlock);
  ASSERT_TRUE(graph.remove_edge("b", 2));
  expect_kept(graph, "c", "a", 3);
  EXPECT_EQ(graph.edge_count(), 2u);
}

TEST(WaitForGraph, ASelfCallIsACycleOfOne) {
  WaitForGraph graph;
  const auto added = graph.add_edge("a", "a", 5);
  ASSERT_TRUE(added && added->deadlock);
  EXPECT_EQ(added->deadlock->text(), "a(#5) -> a");
  EXPECT_EQ(graph.edge_count(), 0u);
}

// Property: the search follows EVERY out-edge of a node. Service b waits on
// eight callees at once; only one of them (request `via`) leads back to a.
// Whichever position that edge has in b's iteration order, the cycle is found.
TEST(WaitForGraph, CycleThroughAnyOfSeveralOutEdgesIsFound) {
  constexpr std::uint64_t fan_out = 8;
  for (std::uint64_t via = 0; via < fan_out; ++via) {
    SCOPED_TRACE(numbered("via request ", via));
    WaitForGraph graph;
    for (std::uint64_t id = 0; id < fan_out; ++id) {
      expect_kept(graph, "b", id == via ? "c" : numbered("dead_end", id), id);
    }
    expect_kept(graph, "c", "a", 100);
    const auto closing = graph.add_edge("a", "b", 200);
    ASSERT_TRUE(closing);
    ASSERT_TRUE(closing->deadlock.has_value());
    EXPECT_EQ(closing->deadlock->text(), numbered("a(#200) -> b(#", via) + ") -> c(#100) -> a");
  }
}

TEST(WaitForGraph, ReportNamesTheYoungestBySequence) {
  WaitForGraph graph;
  // Registrations arrive out of start order: b's call started last (sequence 50).
  ASSERT_TRUE(graph.add_edge("b", "c", 2, 50));
  ASSERT_TRUE(graph.add_edge("c", "a", 3, 10));
  const auto closing = graph.add_edge("a", "b", 1, 20);
  ASSERT_TRUE(closing && closing->deadlock);
  const DeadlockReport& report = *closing->deadlock;
  EXPECT_EQ(report.edges[report.youngest].caller, "b");
  EXPECT_EQ(report.edges[report.youngest].request_id, 2u);
  // Graph-assigned sequences continue above the largest seen.
  const auto later = graph.add_edge("x", "y", 1);
  ASSERT_TRUE(later);
  EXPECT_GT(later->sequence, 50u);
}

TEST(WaitForGraph, BadInputIsRefusedAndChangesNothing) {
  WaitForGraph graph;
  expect_kept(graph, "a", "b", 1);
  EXPECT_EQ(graph.add_edge("", "b", 2).code(), Errc::invalid_argument);
  EXPECT_EQ(graph.add_edge("a", "", 2).code(), Errc::invalid_argument);
  EXPECT_EQ(graph.add_edge("a", "c", 1).code(), Errc::invalid_argument) << "duplicate (caller, request id)";
  EXPECT_EQ(graph.remove_edge("a", 9).code(), Errc::not_found);
  EXPECT_EQ(graph.remove_edge("zzz", 1).code(), Errc::not_found);
  ASSERT_EQ(graph.edges().size(), 1u);
  EXPECT_EQ(graph.edges()[0].callee, "b");
}

TEST(WaitForGraph, RemoveEdgesOfADeadServiceDropsAllItsCalls) {
  WaitForGraph graph;
  expect_kept(graph, "a", "b", 1);
  expect_kept(graph, "a", "c", 2);
  expect_kept(graph, "c", "b", 3);
  EXPECT_EQ(graph.remove_edges_of("a"), 2u);
  EXPECT_EQ(graph.edge_count(), 1u);
  expect_kept(graph, "b", "a", 4);  // no longer a cycle through a
}

// A cycle that closes through a call that has been in flight for a long time
// (a slow call, with much unrelated traffic since) is still found, and the
// report names the slow call.
TEST(WaitForGraph, CycleClosingThroughASlowCallIsFound) {
  WaitForGraph graph;
  expect_kept(graph, "a", "slow", 1);
  for (std::uint64_t i = 0; i < 1000; ++i) {
    expect_kept(graph, numbered("x", i % 7), "y", 1000 + i);
    ASSERT_TRUE(graph.remove_edge(numbered("x", i % 7), 1000 + i));
  }
  expect_kept(graph, "slow", "b", 2);
  const auto closing = graph.add_edge("b", "a", 3);
  ASSERT_TRUE(closing && closing->deadlock);
  EXPECT_EQ(closing->deadlock->text(), "b(#3) -> a(#1) -> slow(#2) -> b");
  EXPECT_EQ(closing->deadlock->youngest, 0u);
}

// The brute-force oracle: is `to` reachable from `from` over `edges`?
bool reachable(const std::vector<WaitEdge>& edges, const std::string& from, const std::string& to) {
  std::vector<std::string> frontier{from};
  std::vector<std::string> seen{from};
  while (!frontier.empty()) {
    const std::string node = frontier.back();
    frontier.pop_back();
    if (node == to) return true;
    for (const WaitEdge& e : edges) {
      if (e.caller == node && std::find(seen.begin(), seen.end(), e.callee) == seen.end()) {
        seen.push_back(e.callee);
        frontier.push_back(e.callee);
      }
    }
  }
  return false;
}

// Property: for random adds and removes over a few services, add_edge reports a
// deadlock exactly when the oracle says the callee reaches the caller, and every
// report is a real cycle made of the new edge and edges present in the graph.
TEST(WaitForGraph, ReportsACycleExactlyWhenTheOracleSeesOne) {
  std::mt19937_64 rng(20261125);
  constexpr std::size_t services = 6;
  WaitForGraph graph;
  std::vector<WaitEdge> present;
  std::uint64_t next_id = 1;
  std::size_t cycles = 0;
  for (int step = 0; step < 20000; ++step) {
    if (!present.empty() && rng() % 3 == 0) {
      const std::size_t victim = rng() % present.size();
      ASSERT_TRUE(graph.remove_edge(present[victim].caller, present[victim].request_id));
      present.erase(present.begin() + static_cast<std::ptrdiff_t>(victim));
      continue;
    }
    const std::string caller = service_name(rng() % services);
    const std::string callee = service_name(rng() % services);
    const std::uint64_t id = next_id++;
    const bool oracle_cycle = reachable(present, callee, caller);
    const auto added = graph.add_edge(caller, callee, id);
    ASSERT_TRUE(added);
    ASSERT_EQ(added->deadlock.has_value(), oracle_cycle) << "step " << step;
    if (!oracle_cycle) {
      present.push_back(WaitEdge{caller, callee, id, added->sequence});
      continue;
    }
    ++cycles;
    const auto& edges = added->deadlock->edges;
    ASSERT_EQ(edges[0], (WaitEdge{caller, callee, id, added->sequence}));
    for (std::size_t i = 0; i < edges.size(); ++i) {
      EXPECT_EQ(edges[i].callee, edges[(i + 1) % edges.size()].caller);
      if (i > 0) {
        EXPECT_NE(std::find(present.begin(), present.end(), edges[i]), present.end());
      }
    }
  }
  EXPECT_EQ(graph.edge_count(), present.size());
  EXPECT_GT(cycles, 1000u) << "the test must exercise cycles";
}

// Property: no false positive. 10,000 random acyclic call patterns: in each
// round the threads share one random order of the services and only call from
// an earlier to a later service (so the union of their edges is a DAG), adding
// and removing their own edges in random interleavings, concurrently. No add may
// ever report a deadlock, and every edge is accounted for.
TEST(WaitForGraph, NoFalsePositiveAcrossTenThousandRandomAcyclicPatterns) {
  constexpr std::size_t threads = 4;
  constexpr std::size_t rounds = 2500;  // threads * rounds = 10,000 patterns
  constexpr std::size_t services = 12;
  WaitForGraph graph;
  std::vector<std::size_t> order(services);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937_64 order_rng(7);
  // The completion step (one thread, between rounds) draws the next order.
  std::barrier round_end(static_cast<std::ptrdiff_t>(threads),
                         [&]() noexcept { std::shuffle(order.begin(), order.end(), order_rng); });
  std::atomic<std::size_t> false_positives{0};
  std::atomic<std::size_t> errors{0};
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937_64 rng(t + 1);
      std::uint64_t next_id = (std::uint64_t{t} << 48) + 1;  // ids unique across threads
      std::vector<std::pair<std::string, std::uint64_t>> mine;
      for (std::size_t round = 0; round < rounds; ++round) {
        const std::size_t calls = 1 + rng() % 8;
        for (std::size_t c = 0; c < calls; ++c) {
          const std::size_t from = rng() % (services - 1);
          const std::size_t to = from + 1 + rng() % (services - 1 - from);
          const std::string caller = service_name(order[from]);
          const auto added = graph.add_edge(caller, service_name(order[to]), next_id);
          if (!added) {
            errors.fetch_add(1, std::memory_order_relaxed);  // relaxed: a counter read after join
          } else if (!added->kept()) {
            false_positives.fetch_add(1, std::memory_order_relaxed);
          } else {
            mine.emplace_back(caller, next_id);
          }
          ++next_id;
          if (!mine.empty() && rng() % 2 == 0) {
            const std::size_t victim = rng() % mine.size();
            if (!graph.remove_edge(mine[victim].first, mine[victim].second))
              errors.fetch_add(1, std::memory_order_relaxed);
            mine.erase(mine.begin() + static_cast<std::ptrdiff_t>(victim));
          }
        }
        for (const auto& [caller, id] : mine) {
          if (!graph.remove_edge(caller, id)) errors.fetch_add(1, std::memory_order_relaxed);
        }
        mine.clear();
        round_end.arrive_and_wait();
      }
    });
  }
  for (std::thread& w : workers) w.join();
  EXPECT_EQ(false_positives.load(), 0u);
  EXPECT_EQ(errors.load(), 0u);
  EXPECT_EQ(graph.edge_count(), 0u);
}

// Property: when k threads register the k edges of a ring concurrently, exactly
// one registration closes the cycle (whichever comes last) and is refused; the
// other k - 1 are kept.
TEST(WaitForGraph, ConcurrentRingRegistrationRefusesExactlyOneEdge) {
  for (int trial = 0; trial < 200; ++trial) {
    constexpr std::size_t k = 4;
    WaitForGraph graph;
    std::atomic<std::size_t> refused{0};
    std::vector<std::thread> callers;
    for (std::size_t i = 0; i < k; ++i) {
      callers.emplace_back([&, i] {
        const auto added = graph.add_edge(service_name(i), service_name((i + 1) % k), i);
        // relaxed: a counter read after join
        if (added && !added->kept() && added->deadlock->edges.size() == k)
          refused.fetch_add(1, std::memory_order_relaxed);
      });
    }
    for (std::thread& c : callers) c.join();
    ASSERT_EQ(refused.load(), 1u) << "trial " << trial;
    ASSERT_EQ(graph.edge_count(), k - 1);
  }
}

}  // namespace
}  // namespace missive::service
