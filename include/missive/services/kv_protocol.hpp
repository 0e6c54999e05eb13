// missive/services/kv_protocol.hpp - the messages of kvd, protocol version 1.
//
// Each request travels in a frame whose message type is a KvMethod value; a
// handler returns Result<reply> and the call layer carries errors (not_found
// for a missing key, too_large, ...).
//
//   message          tag  type    field                          since
//   ---------------  ---  ------  -----------------------------  -----
//   any request       15  u64     version (1 if absent)          1
//   KvGetRequest       1  bytes   key                            1
//   KvGetReply         1  bytes   value                          1
//   KvPutRequest       1  bytes   key                            1
//                      2  bytes   value                          1
//   KvPutReply         -  -       (empty: ok means durable)      1
//   KvDeleteRequest    1  bytes   key                            1
//   KvDeleteReply      -  -       (empty)                        1
//   KvScanRequest      1  bytes   start (inclusive)              1
//                      2  bytes   end (exclusive; empty: none)   1
//                      3  u64     limit (0: the server's cap)    1
//   KvScanReply        1  record  entry*: 1 key, 2 value         1
//                      2  u64     more (bool)                    1
//
// Keys and values are bytes (any content; the string type only carries them).
#pragma once

#include <cstdint>
#include <string>

#include "missive/core/result.hpp"
#include "missive/services/kv_store.hpp"
#include "missive/services/request_version.hpp"
#include "missive/wire/message.hpp"

namespace missive::services {

enum class KvMethod : std::uint32_t {
  get = 0x0201,
  put = 0x0202,
  erase = 0x0203,  // "delete"
  scan = 0x0204,
};

inline constexpr std::uint64_t kv_protocol_min_version = 1;
inline constexpr std::uint64_t kv_protocol_version = 1;

struct KvGetRequest {
  std::uint64_t version = kv_protocol_version;
  std::string key;
  void encode(RecordWriter& w) const;
  static Result<KvGetRequest> decode(const RecordView& r);
};

struct KvGetReply {
  std::string value;
  void encode(RecordWriter& w) const;
  static Result<KvGetReply> decode(const RecordView& r);
};

struct KvPutRequest {
  std::uint64_t version = kv_protocol_version;
  std::string key;
  std::string value;
  void encode(RecordWriter& w) const;
  static Result<KvPutRequest> decode(const RecordView& r);
};

struct KvPutReply {
  void encode(RecordWriter& /*w*/) const {}
  static Result<KvPutReply> decode(const RecordView& /*r*/) { return KvPutReply{}; }
};

struct KvDeleteRequest {
  std::uint64_t version = kv_protocol_version;
  std::string key;
  void encode(RecordWriter& w) const;
  static Result<KvDeleteRequest> decode(const RecordView& r);
};

struct KvDeleteReply {
  void encode(RecordWriter& /*w*/) const {}
  static Result<KvDeleteReply> decode(const RecordView& /*r*/) { return KvDeleteReply{}; }
};

struct KvScanRequest {
  std::uint64_t version = kv_protocol_version;
  std::string start;
  std::string end;
  std::uint64_t limit = 0;
  void encode(RecordWriter& w) const;
  static Result<KvScanRequest> decode(const RecordView& r);
};

struct KvScanReply {
  KvScan scan;
  void encode(RecordWriter& w) const;
  static Result<KvScanReply> decode(const RecordView& r);
};

static_assert(Message<KvGetRequest> && Message<KvGetReply> && Message<KvPutRequest> && Message<KvPutReply> &&
              Message<KvDeleteRequest> && Message<KvDeleteReply> && Message<KvScanRequest> && Message<KvScanReply>);

}  // namespace missive::services
