#include "missive/services/kv_protocol.hpp"

#include "missive/services/detail/strict_fields.hpp"

namespace missive::services {
namespace {

using detail::finish;
using detail::read_version;
using detail::StrictFields;

}  // namespace

void KvGetRequest::encode(RecordWriter& w) const { w.add_u64(protocol_version_tag, version).add_string(1, key); }
Result<KvGetRequest> KvGetRequest::decode(const RecordView& r) {
  StrictFields f(r);
  KvGetRequest m;
  m.version = read_version(f);
  m.key = f.string(1);
  return finish(f, std::move(m));
}

void KvGetReply::encode(RecordWriter& w) const { w.add_string(1, value); }
Result<KvGetReply> KvGetReply::decode(const RecordView& r) {
  StrictFields f(r);
  KvGetReply m;
  m.value = f.string(1);
  return finish(f, std::move(m));
}

void KvPutRequest::encode(RecordWriter& w) const {
  w.add_u64(protocol_version_tag, version).add_string(1, key).add_string(2, value);
}
Result<KvPutRequest> KvPutRequest::decode(const RecordView& r) {
  StrictFields f(r);
  KvPutRequest m;
  m.version = read_version(f);
  m.key = f.string(1);
  m.value = f.string(2);
  return finish(f, std::move(m));
}

void KvDeleteRequest::encode(RecordWriter& w) const { w.add_u64(protocol_version_tag, version).add_string(1, key); }
Result<KvDeleteRequest> KvDeleteRequest::decode(const RecordView& r) {
  StrictFields f(r);
  KvDeleteRequest m;
  m.version = read_version(f);
  m.key = f.string(1);
  return finish(f, std::move(m));
}

void KvScanRequest::encode(RecordWriter& w) const {
  w.add_u64(protocol_version_tag, version).add_string(1, start).add_string(2, end).add_u64(3, limit);
}
Result<KvScanRequest> KvScanRequest::decode(const RecordView& r) {
  StrictFields f(r);
  KvScanRequest m;
  m.version = read_version(f);
  m.start = f.string(1);
  m.end = f.string(2);
  m.limit = f.u64(3);
  return finish(f, std::move(m));
}

void KvScanReply::encode(RecordWriter& w) const {
  for (const KvEntry& entry : scan.entries) {
    w.add_record(1, [&](RecordWriter& nested) { nested.add_string(1, entry.key).add_string(2, entry.value); });
  }
  w.add_bool(2, scan.more);
}
Result<KvScanReply> KvScanReply::decode(const RecordView& r) {
  KvScanReply m;
  Error error{};
  r.for_each_record(1, [&](const RecordView& entry) {
    StrictFields f(entry);
    KvEntry decoded{f.string(1), f.string(2)};
    if (error.code == Errc::ok && !f.status()) error = f.status().error();
    m.scan.entries.push_back(std::move(decoded));
  });
  if (error.code != Errc::ok) return error;
  StrictFields f(r);
  m.scan.more = f.boolean(2);
  return finish(f, std::move(m));
}

}  // namespace missive::services
