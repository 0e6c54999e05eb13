// missive/service/stats_protocol.hpp - missive.stats: every Server describes itself.
//
// Every Server answers the built-in method `missive.stats` (an empty request)
// with its counters and, under fair-queue dispatch, one entry per client
// flow. `missive top` shows them.
//
//   StatsReply                          FlowEntry (tag 11, repeated)
//   tag 1  u64  connections accepted    tag 1  u64  flow (connection) id
//   tag 2  u64  open connections        tag 2  u64  messages served
//   tag 3  u64  calls                   tag 3  u64  bytes served
//   tag 4  u64  notifications           tag 4  u64  backlog (messages)
//   tag 5  u64  error replies           tag 5  u64  mean wait, ns
//   tag 6  u64  bad requests            tag 6  u64  weight x 1000
//   tag 7  u64  duplicates
//   tag 8  u64  discarded
//   tag 9  u64  queued now
//   tag 10 u64  server pid
#pragma once

#include <cstdint>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/service/server.hpp"
#include "missive/wire/record_view.hpp"
#include "missive/wire/record_writer.hpp"

namespace missive::service {

inline constexpr const char* stats_method = "missive.stats";

struct FlowEntry {
  std::uint64_t flow = 0;
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::uint64_t backlog = 0;
  std::uint64_t mean_wait_ns = 0;
  std::uint64_t weight_milli = 0;
  void encode(RecordWriter& w) const;
  [[nodiscard]] static Result<FlowEntry> decode(const RecordView& v);
};

struct StatsReply {
  ServerStats server;
  std::uint64_t pid = 0;
  std::vector<FlowEntry> flows;
  void encode(RecordWriter& w) const;
  [[nodiscard]] static Result<StatsReply> decode(const RecordView& v);
};

struct StatsRequest {
  void encode(RecordWriter& /*w*/) const {}
  [[nodiscard]] static Result<StatsRequest> decode(const RecordView& /*v*/) { return StatsRequest{}; }
};

}  // namespace missive::service
