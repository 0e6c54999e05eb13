#include "missive/services/detail/kv_log_format.hpp"

#include <cstring>

#include "missive/wire/crc32c.hpp"
#include "missive/wire/detail/little_endian.hpp"

namespace missive::services::detail {

std::vector<std::byte> encode_kv_record(KvOp op, std::string_view key, std::string_view value) {
  const std::size_t body_bytes = kv_body_fixed_bytes + key.size() + value.size();
  std::vector<std::byte> out(kv_record_prefix_bytes + body_bytes);
  std::byte* body = out.data() + kv_record_prefix_bytes;
  body[0] = static_cast<std::byte>(op);
  missive::detail::store_le<std::uint32_t>(body + 1, static_cast<std::uint32_t>(key.size()));
  if (!key.empty()) std::memcpy(body + kv_body_fixed_bytes, key.data(), key.size());
  if (!value.empty()) std::memcpy(body + kv_body_fixed_bytes + key.size(), value.data(), value.size());
  const std::span<const std::byte> body_span(body, body_bytes);
  missive::detail::store_le<std::uint32_t>(out.data(), static_cast<std::uint32_t>(body_bytes));
  missive::detail::store_le<std::uint32_t>(out.data() + 4, crc32c(body_span));
  return out;
}

Result<KvRecord> parse_kv_record(std::span<const std::byte> bytes) noexcept {
  if (bytes.size() < kv_record_prefix_bytes) return Error{Errc::truncated, "log ends inside a record prefix"};
  const std::uint32_t body_bytes = missive::detail::load_le<std::uint32_t>(bytes.data());
  const std::uint32_t expected_crc = missive::detail::load_le<std::uint32_t>(bytes.data() + 4);
  if (body_bytes > bytes.size() - kv_record_prefix_bytes) return Error{Errc::truncated, "log ends inside a record"};
  const std::span<const std::byte> body = bytes.subspan(kv_record_prefix_bytes, body_bytes);
  if (crc32c(body) != expected_crc) return Error{Errc::bad_checksum, "log record fails its crc32c"};
  if (body.size() < kv_body_fixed_bytes) return Error{Errc::malformed_record, "log record body too short"};
  const auto op = static_cast<std::uint8_t>(body[0]);
  if (op != static_cast<std::uint8_t>(KvOp::put) && op != static_cast<std::uint8_t>(KvOp::erase)) {
    return Error{Errc::malformed_record, "log record with an unknown op"};
  }
  const std::uint32_t key_bytes = missive::detail::load_le<std::uint32_t>(body.data() + 1);
  if (key_bytes > body.size() - kv_body_fixed_bytes) return Error{Errc::malformed_record, "log key beyond its record"};
  const auto* chars = reinterpret_cast<const char*>(body.data());
  KvRecord record;
  record.op = static_cast<KvOp>(op);
  record.key = std::string_view(chars + kv_body_fixed_bytes, key_bytes);
  record.value =
      std::string_view(chars + kv_body_fixed_bytes + key_bytes, body.size() - kv_body_fixed_bytes - key_bytes);
  record.encoded_bytes = kv_record_prefix_bytes + body_bytes;
  if (record.op == KvOp::erase && !record.value.empty()) {
    return Error{Errc::malformed_record, "log erase record with a value"};
  }
  return record;
}

}  // namespace missive::services::detail
