// missive/services/detail/strict_fields.hpp - decoding many fields, keeping the first error.
//
// Wraps the strict getters of RecordView so decode() can read every field in
// a row and check once at the end: a field present with the wrong wire type
// makes status() wrong_type; missing fields give their defaults.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/services/request_version.hpp"
#include "missive/wire/record_view.hpp"

namespace missive::services::detail {

class StrictFields {
 public:
  explicit StrictFields(const RecordView& record) noexcept : record_(record) {}

  std::uint64_t u64(Tag tag, std::uint64_t fallback = 0) {
    return take(record_.get_u64_strict(tag, fallback), fallback);
  }
  std::int64_t i64(Tag tag) { return take(record_.get_i64_strict(tag), std::int64_t{0}); }
  bool boolean(Tag tag) { return u64(tag) != 0; }
  std::string string(Tag tag) { return std::string(take(record_.get_string_strict(tag), std::string_view{})); }
  std::vector<std::byte> bytes(Tag tag) {
    const std::span<const std::byte> view = take(record_.get_bytes_strict(tag), std::span<const std::byte>{});
    return {view.begin(), view.end()};
  }

  // The first error met, or ok.
  [[nodiscard]] Status status() const noexcept { return first_error_; }

 private:
  template <class T>
  T take(Result<T> value, T fallback) {
    if (value) return *value;
    if (first_error_.code == Errc::ok) first_error_ = value.error();
    return fallback;
  }

  const RecordView& record_;
  Error first_error_{};
};

// The request's protocol version (tag 15; 1 when absent), read strictly.
inline std::uint64_t read_version(StrictFields& fields) {
  return fields.u64(protocol_version_tag, protocol_version_when_absent);
}

// The decoded message, or the first field error the reads met.
template <class T>
Result<T> finish(const StrictFields& fields, T message) {
  if (Status s = fields.status(); !s) return s.error();
  return message;
}

}  // namespace missive::services::detail
