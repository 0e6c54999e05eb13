// missive/services/kv_service.hpp - KvService: kvd's request handlers, without transport.
//
//   KvService service(store);   // store: a KvStore that outlives it
//   auto reply = service.handle(frame.message_type, payload);
//
// A put or delete reply is produced only after KvStore made the write durable
// (kv_store.hpp), so the call layer may acknowledge as soon as it has it.
// Hostile input gets an error and changes nothing: payloads above
// KvServiceLimits::max_request_bytes (too_large), malformed records, fields
// of the wrong wire type (wrong_type), versions other than 1
// (unsupported_version), unknown message types (invalid_argument), keys and
// values beyond KvLimits (too_large).
//
// Thread safety: any number of threads may call it at once (KvStore locks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/services/kv_protocol.hpp"
#include "missive/services/kv_store.hpp"

namespace missive::services {

struct KvServiceLimits {
  // A put's key and value plus room for the field keys and lengths.
  std::size_t max_request_bytes = (std::size_t{1} << 20) + 2048;
};

class KvService {
 public:
  explicit KvService(KvStore& store, const KvServiceLimits& limits = {}) noexcept : store_(&store), limits_(limits) {}

  [[nodiscard]] Result<KvGetReply> get(const KvGetRequest& request) const;
  [[nodiscard]] Result<KvPutReply> put(const KvPutRequest& request) const;
  [[nodiscard]] Result<KvDeleteReply> erase(const KvDeleteRequest& request) const;
  [[nodiscard]] Result<KvScanReply> scan(const KvScanRequest& request) const;

  // Decodes `payload` as the request of `message_type` (a KvMethod), calls
  // the handler and encodes its reply.
  [[nodiscard]] Result<std::vector<std::byte>> handle(std::uint32_t message_type,
                                                      std::span<const std::byte> payload) const;

 private:
  KvStore* store_;
  KvServiceLimits limits_;
};

}  // namespace missive::services
