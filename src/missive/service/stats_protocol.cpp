#include "missive/service/stats_protocol.hpp"

#include "missive/wire/message.hpp"

namespace missive::service {

void FlowEntry::encode(RecordWriter& w) const {
  w.add_u64(1, flow).add_u64(2, messages).add_u64(3, bytes).add_u64(4, backlog).add_u64(5, mean_wait_ns);
  w.add_u64(6, weight_milli);
}

Result<FlowEntry> FlowEntry::decode(const RecordView& v) {
  return FlowEntry{v.get_u64(1), v.get_u64(2), v.get_u64(3), v.get_u64(4), v.get_u64(5), v.get_u64(6)};
}

void StatsReply::encode(RecordWriter& w) const {
  w.add_u64(1, server.connections).add_u64(2, server.open_connections).add_u64(3, server.calls);
  w.add_u64(4, server.notifications).add_u64(5, server.errors).add_u64(6, server.bad_requests);
  w.add_u64(7, server.duplicates).add_u64(8, server.discarded).add_u64(9, server.queued).add_u64(10, pid);
  for (const FlowEntry& f : flows) add_message(w, 11, f);
}

Result<StatsReply> StatsReply::decode(const RecordView& v) {
  StatsReply r;
  r.server = ServerStats{v.get_u64(1), v.get_u64(2), v.get_u64(3), v.get_u64(4), v.get_u64(5),
                         v.get_u64(6), v.get_u64(7), v.get_u64(8), v.get_u64(9)};
  r.pid = v.get_u64(10);
  v.for_each_record(11, [&](const RecordView& nested) {
    if (Result<FlowEntry> f = FlowEntry::decode(nested)) r.flows.push_back(*f);
  });
  return r;
}

}  // namespace missive::service
