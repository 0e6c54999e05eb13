// Long randomized runs: each flow's service against the ideal fluid schedule.
//
// Setting. The server is a link of rate 1 byte per unit of work time, and the
// work clock t advances by each served message's size. At every decision
// instant t_k (before the k-th dequeue) random messages arrive, then the
// scheduler picks one. The fluid reference (FluidGps in sched_test_support.hpp,
// written without any virtual-time bookkeeping) receives the same arrivals at
// the same instants. For each flow i:
//   behind_i(t_k) = W_i^GPS(t_k) - W_i(t_k)    ahead_i(t_k) = -behind_i(t_k)
// where W_i is bytes served.
//
// Bounds asserted, at every instant, for every flow (L_max: largest message
// of the run, L_i: largest message of flow i, Q_i: flow i's DRR quantum,
// r_i = w_i / sum_j w_j):
//   wfq   behind_i <= L_max                        (Parekh and Gallager 1993)
//   wf2q  behind_i <= L_max,  ahead_i <= L_i       (Bennett and Zhang 1996)
//   drr, every flow backlogged throughout:
//         behind_i, ahead_i <= Q_i + L_i + r_i * sum_j L_j   (derived below)
//   drr, flows coming and going:
//         behind_i, ahead_i <= 3 Q_i + L_i + L_max          (a measured envelope)
// Each workload runs twice: with churn (flows switch on and off, the load
// swings between under- and overload, the queue sometimes empties) and with
// every flow backlogged throughout. A FIFO queue run on the same workloads
// must break the wfq bound: the check can fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "missive/sched/fair_queue.hpp"
#include "sched_test_support.hpp"

namespace missive::sched {
namespace {

using test::FluidGps;

struct Workload {
  std::vector<double> weights;
  std::vector<std::size_t> max_size;  // per flow; sizes are uniform in [1, max]
  std::uint64_t seed = 1;
  std::size_t decisions = 20'000;
  // false: flows switch on and off, load swings between under- and overload.
  // true: every flow stays backlogged from the first instant to the last
  // (topped up before it could run dry in either system).
  bool always_backlogged = false;
};

struct Lag {
  std::vector<double> behind;  // max over the run, per flow
  std::vector<double> ahead;
  std::size_t decisions = 0;
  std::size_t empty_instants = 0;  // times the queue ran dry (the run must exercise it)
};

// A random workload: 10 flows with weights from 1/4 to 8 and largest messages
// from 1 byte to 9000 bytes.
Workload random_workload(std::uint64_t seed, bool always_backlogged = false) {
  std::mt19937_64 rng(seed);
  const std::vector<double> weights{0.25, 0.5, 1, 1, 2, 3, 8};
  const std::vector<std::size_t> sizes{1, 64, 200, 1500, 1500, 4096, 9000};
  Workload w;
  w.seed = seed;
  w.always_backlogged = always_backlogged;
  for (int i = 0; i < 10; ++i) {
    w.weights.push_back(weights[rng() % weights.size()]);
    w.max_size.push_back(sizes[rng() % sizes.size()]);
  }
  return w;
}

double largest(const Workload& w) { return static_cast<double>(*std::max_element(w.max_size.begin(), w.max_size.end())); }

// Runs `q` (an adapter with enqueue(flow, bytes), dequeue() -> {flow, bytes})
// through the workload and measures each flow's lag.
template <class Queue>
Lag measure_lag(Queue& q, const Workload& w) {
  const std::size_t n = w.weights.size();
  std::mt19937_64 rng(w.seed * 7919 + 1);
  std::uniform_real_distribution<double> unit(0, 1);
  FluidGps gps(w.weights);
  std::vector<double> served(n, 0.0);
  std::vector<double> queued(n, 0.0);
  std::vector<bool> on(n, true);
  Lag lag{std::vector<double>(n, 0.0), std::vector<double>(n, 0.0), 0, 0};
  double backlog_bytes = 0;
  double intensity = 1;  // expected arrivals per decision instant
  auto arrive = [&](std::size_t flow) {
    std::uniform_int_distribution<std::size_t> size(1, w.max_size[flow]);
    const std::size_t bytes = size(rng);
    q.enqueue(flow, bytes);
    gps.arrive(flow, static_cast<double>(bytes));
    queued[flow] += static_cast<double>(bytes);
    backlog_bytes += static_cast<double>(bytes);
  };
  // always_backlogged: a flow is topped up while it holds less than this in
  // either system. One decision serves at most one largest message, so no
  // flow ever runs dry.
  const double reserve = 4 * largest(w);
  for (std::size_t k = 0; k < w.decisions; ++k) {
    // Compare at t_k, before anything happens at this instant.
    for (std::size_t i = 0; i < n; ++i) {
      lag.behind[i] = std::max(lag.behind[i], gps.served(i) - served[i]);
      lag.ahead[i] = std::max(lag.ahead[i], served[i] - gps.served(i));
    }
    if (w.always_backlogged) {
      for (std::size_t i = 0; i < n; ++i) {
        if (k > 0 && (queued[i] <= 0 || gps.backlog(i) <= 0)) ADD_FAILURE() << "flow " << i << " ran dry";
        while (std::min(queued[i], gps.backlog(i)) < reserve) arrive(i);
      }
    } else {
      if (k % 300 == 0) intensity = 0.3 + 1.5 * unit(rng);
      for (std::size_t i = 0; i < n; ++i) {
        if (unit(rng) < 0.004) on[i] = !on[i];
      }
      // Arrivals: a few on-flows each get a burst of one to three messages.
      if (backlog_bytes < 400'000) {
        const double arrivals = intensity * unit(rng) * 2;
        for (int a = 0; a < static_cast<int>(arrivals); ++a) {
          const std::size_t flow = rng() % n;
          if (!on[flow]) continue;
          const int burst = 1 + static_cast<int>(rng() % 3);
          for (int b = 0; b < burst; ++b) arrive(flow);
        }
      }
      if (backlog_bytes == 0) {
        ++lag.empty_instants;
        arrive(rng() % n);
      }
    }
    const auto [flow, bytes] = q.dequeue();
    served[flow] += static_cast<double>(bytes);
    queued[flow] -= static_cast<double>(bytes);
    backlog_bytes -= static_cast<double>(bytes);
    gps.advance(static_cast<double>(std::max<std::size_t>(bytes, 1)));
    ++lag.decisions;
  }
  return lag;
}

// FairQueue<int> behind the adapter interface; the item is the flow index.
class FairQueueAdapter {
 public:
  FairQueueAdapter(Algorithm algorithm, const Workload& w, double quantum) {
    FairQueueOptions o;
    o.algorithm = algorithm;
    o.mode = FairnessMode::explicit_weights;
    o.drr_quantum_bytes = quantum;
    o.measure_wait = false;
    o.create_flows_on_enqueue = false;
    q_.emplace(test::make_queue<int>(o));
    for (std::size_t i = 0; i < w.weights.size(); ++i) EXPECT_TRUE(q_->add_flow(i, w.weights[i]));
  }
  void enqueue(std::size_t flow, std::size_t bytes) { ASSERT_TRUE(q_->enqueue(flow, static_cast<int>(flow), bytes)); }
  std::pair<std::size_t, std::size_t> dequeue() {
    auto m = q_->dequeue();
    EXPECT_TRUE(m);
    return {static_cast<std::size_t>(m->item), m->bytes};
  }
  FairQueue<int>& queue() { return *q_; }

 private:
  std::optional<FairQueue<int>> q_;
};

// One FIFO for everybody: the unfair baseline.
class FifoAdapter {
 public:
  void enqueue(std::size_t flow, std::size_t bytes) { fifo_.emplace_back(flow, bytes); }
  std::pair<std::size_t, std::size_t> dequeue() {
    const auto head = fifo_.front();
    fifo_.pop_front();
    return head;
  }

 private:
  std::deque<std::pair<std::size_t, std::size_t>> fifo_;
};

constexpr double eps = 1e-6;  // rounding in the fluid reference (bytes)
constexpr int seeds = 8;

TEST(GpsLag, WfqIsNeverMoreThanOneLargestMessageBehindTheFluidSchedule) {
  for (const bool always_backlogged : {false, true}) {
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      SCOPED_TRACE("seed " + std::to_string(seed) + (always_backlogged ? ", backlogged" : ", churn"));
      const Workload w = random_workload(seed, always_backlogged);
      FairQueueAdapter q(Algorithm::wfq, w, 65536);
      const Lag lag = measure_lag(q, w);
      if (!always_backlogged) {
        EXPECT_GT(lag.empty_instants, 0u);  // the churn workload does drain the queue
      }
      for (std::size_t i = 0; i < w.weights.size(); ++i) {
        EXPECT_LE(lag.behind[i], largest(w) + eps) << "flow " << i;
      }
      // No bound on ahead: WFQ may serve a flow's messages well before the
      // fluid reference gets to them (up to 2.4 L_max in 300 seeded runs of
      // these workloads); that is what wf2q's eligibility rule removes.
    }
  }
}

TEST(GpsLag, Wf2qIsNeverMoreThanOneMessageBehindOrAheadOfTheFluidSchedule) {
  for (const bool always_backlogged : {false, true}) {
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      SCOPED_TRACE("seed " + std::to_string(seed) + (always_backlogged ? ", backlogged" : ", churn"));
      const Workload w = random_workload(seed, always_backlogged);
      FairQueueAdapter q(Algorithm::wf2q, w, 65536);
      const Lag lag = measure_lag(q, w);
      for (std::size_t i = 0; i < w.weights.size(); ++i) {
        EXPECT_LE(lag.behind[i], largest(w) + eps) << "flow " << i;
        EXPECT_LE(lag.ahead[i], static_cast<double>(w.max_size[i]) + eps) << "flow " << i;
      }
      EXPECT_EQ(q.queue().fallbacks_for_testing(), 0u);
    }
  }
}

struct DrrTerms {
  double quantum;  // Q_i
  double largest;  // L_i
  double share;    // r_i * sum_j L_j
};

DrrTerms drr_terms(const Workload& w, double quantum, std::size_t i) {
  double total_weight = 0;
  double sum_largest = 0;
  for (std::size_t j = 0; j < w.weights.size(); ++j) {
    total_weight += w.weights[j];
    sum_largest += static_cast<double>(w.max_size[j]);
  }
  return {quantum * w.weights[i], static_cast<double>(w.max_size[i]), w.weights[i] / total_weight * sum_largest};
}

// Flows backlogged throughout: over k complete rounds flow i receives
// k Q_i + D_i(0) - D_i(k) (deficits D < L_i at round boundaries) while the
// fluid gives it the share r_i = Q_i / sum Q of the same bytes, which differs
// by at most L_i + r_i sum_j L_j; inside a round the burst adds at most Q_i.
// The quanta include 300 bytes, smaller than most messages (several turns per
// message).
TEST(GpsLag, DrrIsWithinAQuantumAndALargestMessageWhileFlowsStayBacklogged) {
  for (const double quantum : {300.0, 9000.0}) {
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      SCOPED_TRACE("seed " + std::to_string(seed) + ", quantum " + std::to_string(quantum));
      const Workload w = random_workload(seed, true);
      FairQueueAdapter q(Algorithm::drr, w, quantum);
      const Lag lag = measure_lag(q, w);
      for (std::size_t i = 0; i < w.weights.size(); ++i) {
        const DrrTerms t = drr_terms(w, quantum, i);
        EXPECT_LE(lag.behind[i], t.quantum + t.largest + t.share + eps) << "flow " << i;
        EXPECT_LE(lag.ahead[i], t.quantum + t.largest + t.share + eps) << "flow " << i;
      }
    }
  }
}

// With flows coming and going DRR has no comparable theorem: a flow that
// empties after its turn rejoins the ring at once, and while the flows DRR has
// already served ahead of time still hold the fluid reference's attention it
// can get two or three turns for the fluid's one. The envelope asserted,
// 3 Q_i + L_i + L_max, is a measured one: over 600 seeded runs of 20,000
// decisions (quanta 500 B to 64 KiB) the worst flow reached 0.92 of it. It
// pins the behaviour; wf2q is the algorithm with a guarantee.
TEST(GpsLag, DrrUnderChurnStaysWithinAFewQuanta) {
  for (const double quantum : {1500.0, 9000.0}) {
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      SCOPED_TRACE("seed " + std::to_string(seed) + ", quantum " + std::to_string(quantum));
      const Workload w = random_workload(seed);
      FairQueueAdapter q(Algorithm::drr, w, quantum);
      const Lag lag = measure_lag(q, w);
      for (std::size_t i = 0; i < w.weights.size(); ++i) {
        const DrrTerms t = drr_terms(w, quantum, i);
        EXPECT_LE(lag.behind[i], 3 * t.quantum + t.largest + largest(w) + eps) << "flow " << i;
        EXPECT_LE(lag.ahead[i], 3 * t.quantum + t.largest + largest(w) + eps) << "flow " << i;
      }
    }
  }
}

// The check is able to fail: a FIFO queue, which ignores weights, falls far
// behind the fluid schedule for some flow on every one of these workloads.
TEST(GpsLag, FifoBreaksTheWfqBound) {
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Workload w = random_workload(seed);
    FifoAdapter q;
    const Lag lag = measure_lag(q, w);
    EXPECT_GT(*std::max_element(lag.behind.begin(), lag.behind.end()), 2 * largest(w));
  }
}

}  // namespace
}  // namespace missive::sched
