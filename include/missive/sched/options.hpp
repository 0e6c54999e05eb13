// missive/sched/options.hpp - what a fair queue schedules by, and how.
//
// A FairQueue<T> (fair_queue.hpp) holds one FIFO per flow (a client, a
// connection) and decides which flow's head message a server takes next.
// Two choices configure it, both fixed at creation:
//
//   Algorithm     how the next flow is picked:
//     wfq         weighted fair queuing (packet-by-packet GPS): the head with the
//                 smallest virtual finish tag; the system virtual time follows an
//                 exact emulation of the fluid (GPS) reference. O(log n).
//     wf2q        worst-case fair WFQ: the same tags and virtual time, but only
//                 heads whose virtual start tag has been reached are eligible.
//                 Never more than one message ahead of or behind GPS. O(log n).
//     drr         deficit round robin: flows take turns and spend a per-turn
//                 quantum proportional to their weight. O(1) per decision when
//                 every quantum is at least that flow's largest message.
//
//   FairnessMode  what "fair" means, i.e. where each flow's weight comes from:
//     equal_messages    weight = the flow's mean message size (EWMA), so every
//                       backlogged flow completes the same number of messages
//                       per second whatever its message size.
//     equal_bytes       every weight is 1: equal bytes per second.
//     explicit_weights  weights set with add_flow()/set_weight(): byte rates in
//                       proportion to the weights.
//
// docs/fairness.md explains the algorithms, the lag bounds and the figures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "missive/core/result.hpp"

namespace missive::sched {

// Names a flow. The caller chooses the values (a client id, a connection
// number); the queue only compares them.
using FlowId = std::uint64_t;

enum class Algorithm : std::uint8_t { wfq, wf2q, drr };
enum class FairnessMode : std::uint8_t { equal_messages, equal_bytes, explicit_weights };

[[nodiscard]] std::string_view name(Algorithm algorithm) noexcept;  // "wfq"
[[nodiscard]] std::string_view name(FairnessMode mode) noexcept;    // "equal_messages"

struct FairQueueOptions {
  Algorithm algorithm = Algorithm::wfq;
  FairnessMode mode = FairnessMode::equal_messages;

  // equal_messages: weight of each new message size in the flow's moving mean
  // size (an exponentially weighted moving average), in (0, 1]. 1 makes every
  // message cost exactly one turn; smaller values smooth a flow whose sizes vary.
  double size_ewma_alpha = 0.125;

  // drr, equal_bytes and explicit_weights: bytes a flow of weight 1 may send per
  // turn. Keep it at least the largest message: a message larger than the
  // quantum waits ceil(size / quantum) turns, and each skipped turn is work.
  double drr_quantum_bytes = 65536;
  // drr, equal_messages: a flow's quantum is its mean message size times this,
  // i.e. about this many messages per turn. (Every quantum is at least 1 byte.)
  double drr_messages_per_turn = 1;

  // Weight of a flow created by enqueue() (explicit_weights mode).
  double default_weight = 1;
  // Most messages one flow may hold; enqueue() beyond it fails with
  // would_block. 0: unbounded.
  std::size_t flow_capacity = 0;
  // false: enqueue() to an unknown flow fails with invalid_argument instead of
  // creating the flow.
  bool create_flows_on_enqueue = true;
  // false: no clock reads and no waiting-time statistics (the overloads that
  // take `now` still work and record what they are given).
  bool measure_wait = true;
};

// A usable weight: positive and finite.
[[nodiscard]] bool valid_weight(double weight) noexcept;

// ok, or invalid_argument naming the first option out of range.
[[nodiscard]] Status validate(const FairQueueOptions& options) noexcept;

}  // namespace missive::sched
