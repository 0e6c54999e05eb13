#include "missive/services/kv_service.hpp"

#include "missive/services/detail/dispatch.hpp"

namespace missive::services {
namespace {

Status check_kv_version(std::uint64_t version) noexcept {
  return check_version(version, kv_protocol_min_version, kv_protocol_version);
}

}  // namespace

Result<KvGetReply> KvService::get(const KvGetRequest& request) const {
  if (Status v = check_kv_version(request.version); !v) return v.error();
  auto value = store_->get(request.key);
  if (!value) return value.error();
  return KvGetReply{std::move(*value)};
}

Result<KvPutReply> KvService::put(const KvPutRequest& request) const {
  if (Status v = check_kv_version(request.version); !v) return v.error();
  if (Status done = store_->put(request.key, request.value); !done) return done.error();
  return KvPutReply{};
}

Result<KvDeleteReply> KvService::erase(const KvDeleteRequest& request) const {
  if (Status v = check_kv_version(request.version); !v) return v.error();
  if (Status done = store_->erase(request.key); !done) return done.error();
  return KvDeleteReply{};
}

Result<KvScanReply> KvService::scan(const KvScanRequest& request) const {
  if (Status v = check_kv_version(request.version); !v) return v.error();
  const std::uint64_t cap = store_->limits().max_scan_entries;
  const auto limit = static_cast<std::size_t>(request.limit == 0 || request.limit > cap ? cap : request.limit);
  auto found = store_->scan(request.start, request.end, limit);
  if (!found) return found.error();
  return KvScanReply{std::move(*found)};
}

Result<std::vector<std::byte>> KvService::handle(std::uint32_t message_type, std::span<const std::byte> payload) const {
  RecordLimits limits;
  limits.max_bytes = limits_.max_request_bytes;
  limits.max_fields = 64;
  limits.max_depth = 2;
  switch (static_cast<KvMethod>(message_type)) {
    case KvMethod::get:
      return detail::call_with_bytes<KvGetRequest>(payload, limits, [&](const KvGetRequest& r) { return get(r); });
    case KvMethod::put:
      return detail::call_with_bytes<KvPutRequest>(payload, limits, [&](const KvPutRequest& r) { return put(r); });
    case KvMethod::erase:
      return detail::call_with_bytes<KvDeleteRequest>(payload, limits,
                                                      [&](const KvDeleteRequest& r) { return erase(r); });
    case KvMethod::scan:
      return detail::call_with_bytes<KvScanRequest>(payload, limits, [&](const KvScanRequest& r) { return scan(r); });
  }
  return Error{Errc::invalid_argument, "unknown kvd message type"};
}

}  // namespace missive::services
