// missive/services/detail/kv_log_format.hpp - the records of KvStore's log (diagram in kv_store.hpp).
//
// Pure functions over bytes, shared by the store and its tests (which forge
// torn and corrupt tails with them).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "missive/core/result.hpp"

namespace missive::services::detail {

inline constexpr std::array<char, 8> kv_log_magic = {'M', 'S', 'V', 'K', 'V', 'L', 'G', '1'};
inline constexpr std::size_t kv_record_prefix_bytes = 8;  // length u32 + crc32c u32
inline constexpr std::size_t kv_body_fixed_bytes = 5;     // op u8 + key_length u32

enum class KvOp : std::uint8_t { put = 1, erase = 2 };

struct KvRecord {
  KvOp op = KvOp::put;
  std::string_view key;
  std::string_view value;  // empty for erase
  std::size_t encoded_bytes = 0;
};

// One whole record (prefix and body). Keys and values must fit in u32 lengths.
[[nodiscard]] std::vector<std::byte> encode_kv_record(KvOp op, std::string_view key, std::string_view value);

// Parses the record at the start of `bytes` (views point into `bytes`):
//   truncated         fewer bytes than the prefix, or than the length announces (a torn write)
//   bad_checksum      the body does not match its crc32c
//   malformed_record  an unknown op, a key length beyond the body, or a body too short
[[nodiscard]] Result<KvRecord> parse_kv_record(std::span<const std::byte> bytes) noexcept;

}  // namespace missive::services::detail
