// Helpers for the sched tests: a fluid (GPS) reference written independently
// of the scheduler, an element type that counts its lives, and small drivers.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "missive/sched/fair_queue.hpp"

namespace missive::sched::test {

// The ideal fluid schedule (generalized processor sharing): a server of rate
// 1 byte per unit of work time that serves every backlogged flow at once, flow
// i at rate w_i / (sum of the weights of the backlogged flows). Only each
// flow's backlog in bytes matters, not where its messages begin and end.
//
// Deliberately naive (O(flows) per event) and independent of the scheduler's
// virtual-time bookkeeping, so that it can judge it.
class FluidGps {
 public:
  explicit FluidGps(std::vector<double> weights)
      : weights_(std::move(weights)), backlog_(weights_.size(), 0.0), served_(weights_.size(), 0.0) {}

  void arrive(std::size_t flow, double bytes) { backlog_[flow] += bytes; }

  // Lets `dt` units of work time pass.
  void advance(double dt) {
    while (dt > 0) {
      double total_weight = 0;
      for (std::size_t i = 0; i < weights_.size(); ++i) {
        if (backlog_[i] > 0) total_weight += weights_[i];
      }
      if (total_weight == 0) return;  // idle: nothing to serve
      // The time until the first backlogged flow runs dry, or dt.
      double step = dt;
      for (std::size_t i = 0; i < weights_.size(); ++i) {
        if (backlog_[i] > 0) step = std::min(step, backlog_[i] * total_weight / weights_[i]);
      }
      for (std::size_t i = 0; i < weights_.size(); ++i) {
        if (backlog_[i] <= 0) continue;
        const double amount = std::min(backlog_[i], step * weights_[i] / total_weight);
        backlog_[i] -= amount;
        served_[i] += amount;
        // Rounding leaves crumbs: a flow within a billionth of a byte is empty.
        if (backlog_[i] < 1e-9) {
          served_[i] += backlog_[i];
          backlog_[i] = 0;
        }
      }
      dt -= step;
    }
  }

  [[nodiscard]] double served(std::size_t flow) const { return served_[flow]; }
  [[nodiscard]] double backlog(std::size_t flow) const { return backlog_[flow]; }

 private:
  std::vector<double> weights_;
  std::vector<double> backlog_;
  std::vector<double> served_;
};

// Counts constructions and destructions, to catch leaked or doubly destroyed
// elements.
struct Counted {
  static inline int alive = 0;
  int value = 0;
  explicit Counted(int v) : value(v) { ++alive; }
  Counted(const Counted& other) : value(other.value) { ++alive; }
  Counted(Counted&& other) noexcept : value(other.value) { ++alive; }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) noexcept = default;
  ~Counted() { --alive; }
};

// Names parameterized tests after the algorithm ("wfq").
inline std::string algorithm_name(const ::testing::TestParamInfo<Algorithm>& param) {
  return std::string(name(param.param));
}

template <class T>
FairQueue<T> make_queue(const FairQueueOptions& options) {
  auto q = FairQueue<T>::create(options);
  EXPECT_TRUE(q) << q.error().message();
  return std::move(q).value();
}

// Dequeues everything and returns the flow of each message in service order.
template <class T>
std::vector<FlowId> drain_flows(FairQueue<T>& q) {
  std::vector<FlowId> order;
  while (auto m = q.dequeue()) order.push_back(m->flow);
  return order;
}

// Serves `decisions` messages while keeping every flow backlogged: after each
// decision the served flow is topped up with new messages until it holds at
// least `backlog_bytes` bytes and two messages. size_of(flow_index) gives the
// size of each new message. Returns the messages and bytes served per flow
// (by index into `flows`).
//
// The backlog must be at least the largest message of any flow: a flow whose
// queue holds less than that runs dry in the fluid reference while a large
// message is being served, and is then not entitled to its share (wf2q, which
// follows the fluid reference closely, shows it most: see docs/fairness.md).
struct SaturatedRun {
  std::vector<double> messages;
  std::vector<double> bytes;
};

template <class SizeOf>
SaturatedRun run_saturated(FairQueue<int>& q, const std::vector<FlowId>& flows, double backlog_bytes,
                           std::size_t decisions, SizeOf&& size_of) {
  SaturatedRun run{std::vector<double>(flows.size(), 0.0), std::vector<double>(flows.size(), 0.0)};
  auto top_up = [&](std::size_t i) {
    const auto now = q.stats(flows[i]);
    double queued = now ? static_cast<double>(now->backlog_bytes) : 0.0;
    std::uint64_t messages = now ? now->backlog_messages : 0;
    while (queued < backlog_bytes || messages < 2) {
      const std::size_t size = size_of(i);
      EXPECT_TRUE(q.enqueue(flows[i], static_cast<int>(i), size));
      queued += static_cast<double>(size);
      ++messages;
    }
  };
  for (std::size_t i = 0; i < flows.size(); ++i) top_up(i);
  for (std::size_t n = 0; n < decisions; ++n) {
    auto m = q.dequeue();
    if (!m) {
      ADD_FAILURE() << "a saturated queue ran dry";
      break;
    }
    const auto i = static_cast<std::size_t>(m->item);
    run.messages[i] += 1;
    run.bytes[i] += static_cast<double>(m->bytes);
    top_up(i);
  }
  return run;
}

}  // namespace missive::sched::test
