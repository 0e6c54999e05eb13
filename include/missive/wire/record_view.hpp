// missive/wire/record_view.hpp - RecordView: a validated, read-only view of a record.
//
// RecordView::parse() walks the whole record once, nested records included,
// and accepts it only if every field is well formed and within RecordLimits.
// After that nothing can fail: the getters below return a value, and a
// missing field gives its default. parse() allocates nothing and copies
// nothing; the view points into the caller's bytes, which must outlive it.
//
// Reading rules (the compatibility contract, see docs/wire.md):
//   - unknown tags are skipped;
//   - a missing tag gives the default (0, empty, the `fallback` argument);
//   - when a tag appears several times, the single-value getters use the
//     FIRST occurrence; for_each_*() and fields() see all of them in order;
//   - lenient getters (get_*) return the default when the first occurrence
//     has another wire type than asked; strict getters (get_*_strict) report
//     Errc::wrong_type instead, and the default only when the tag is missing.
//
// Getters scan the record (O(size)); a message with many fields is decoded
// best by one pass over fields().
//
// Thread safety: a RecordView is an immutable value; any number of threads
// may read it while nobody changes the underlying bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>

#include "missive/core/result.hpp"
#include "missive/wire/record_format.hpp"

namespace missive {

class RecordView;

// One field of a validated record, as met while iterating.
class Field {
 public:
  [[nodiscard]] Tag tag() const noexcept { return detail::tag_from_validated_key(key_); }
  [[nodiscard]] WireType type() const noexcept { return detail::wire_type_of_key(key_); }

  // The value when type() matches, the zero value otherwise.
  [[nodiscard]] std::uint64_t as_u64() const noexcept;
  [[nodiscard]] std::int64_t as_i64() const noexcept;
  [[nodiscard]] std::span<const std::byte> as_bytes() const noexcept;  // bytes and record fields
  [[nodiscard]] std::string_view as_string() const noexcept;
  [[nodiscard]] RecordView as_record() const noexcept;

 private:
  friend class FieldIterator;
  std::uint64_t key_ = detail::make_key(Tag(1), WireType::unsigned_int);
  std::uint64_t number_ = 0;              // varint value (signed_int: still zigzagged)
  std::span<const std::byte> payload_{};  // bytes / record value
};

// Walks the fields of a validated record in order. Ends at std::default_sentinel.
class FieldIterator {
 public:
  using value_type = Field;
  using difference_type = std::ptrdiff_t;

  FieldIterator() = default;
  explicit FieldIterator(std::span<const std::byte> validated) noexcept : rest_(validated) { advance(); }

  const Field& operator*() const noexcept { return current_; }
  const Field* operator->() const noexcept { return &current_; }
  FieldIterator& operator++() noexcept {
    advance();
    return *this;
  }
  void operator++(int) noexcept { advance(); }
  friend bool operator==(const FieldIterator& it, std::default_sentinel_t /*end*/) noexcept { return it.done_; }

 private:
  void advance() noexcept;

  std::span<const std::byte> rest_{};
  Field current_{};
  bool done_ = true;
};

struct FieldRange {
  std::span<const std::byte> validated;
  [[nodiscard]] FieldIterator begin() const noexcept { return FieldIterator(validated); }
  [[nodiscard]] std::default_sentinel_t end() const noexcept { return {}; }
};

class RecordView {
 public:
  // The empty record: every getter gives its default.
  RecordView() = default;

  // Validates `bytes` as a record within `limits`. Errors:
  //   too_large         bytes.size() > limits.max_bytes
  //   too_many_fields   more than limits.max_fields fields at all levels together
  //   too_deep          records nested deeper than limits.max_depth (at most record_depth_ceiling)
  //   truncated         a varint or a length that runs past the end of its record
  //   malformed_record  bad varint, tag 0 or above 2^29-1, wire type 4..7
  [[nodiscard]] static Result<RecordView> parse(std::span<const std::byte> bytes,
                                                const RecordLimits& limits = {}) noexcept;

  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return bytes_; }
  [[nodiscard]] bool empty() const noexcept { return bytes_.empty(); }
  [[nodiscard]] FieldRange fields() const noexcept { return FieldRange{bytes_}; }

  // Presence and counts, whatever the wire type.
  [[nodiscard]] bool has(Tag tag) const noexcept;
  [[nodiscard]] std::size_t count(Tag tag) const noexcept;

  // Lenient getters: the first occurrence's value, or the default.
  [[nodiscard]] std::uint64_t get_u64(Tag tag, std::uint64_t fallback = 0) const noexcept;
  [[nodiscard]] std::int64_t get_i64(Tag tag, std::int64_t fallback = 0) const noexcept;
  [[nodiscard]] bool get_bool(Tag tag, bool fallback = false) const noexcept;  // an unsigned_int != 0
  [[nodiscard]] std::span<const std::byte> get_bytes(Tag tag) const noexcept;
  [[nodiscard]] std::string_view get_string(Tag tag, std::string_view fallback = {}) const noexcept;
  [[nodiscard]] RecordView get_record(Tag tag) const noexcept;

  // Strict getters: as above, but Errc::wrong_type when the tag is present
  // with another wire type.
  [[nodiscard]] Result<std::uint64_t> get_u64_strict(Tag tag, std::uint64_t fallback = 0) const noexcept;
  [[nodiscard]] Result<std::int64_t> get_i64_strict(Tag tag, std::int64_t fallback = 0) const noexcept;
  [[nodiscard]] Result<std::span<const std::byte>> get_bytes_strict(Tag tag) const noexcept;
  [[nodiscard]] Result<std::string_view> get_string_strict(Tag tag, std::string_view fallback = {}) const noexcept;
  [[nodiscard]] Result<RecordView> get_record_strict(Tag tag) const noexcept;

  // Repeated fields: calls fn(value) for every occurrence of `tag` with the
  // matching wire type, in order; occurrences of another wire type are skipped.
  template <class Fn>
  void for_each_u64(Tag tag, Fn&& fn) const {
    for_each_of(tag, WireType::unsigned_int, [&](const Field& f) { fn(f.as_u64()); });
  }
  template <class Fn>
  void for_each_i64(Tag tag, Fn&& fn) const {
    for_each_of(tag, WireType::signed_int, [&](const Field& f) { fn(f.as_i64()); });
  }
  template <class Fn>
  void for_each_bytes(Tag tag, Fn&& fn) const {
    for_each_of(tag, WireType::bytes, [&](const Field& f) { fn(f.as_bytes()); });
  }
  template <class Fn>
  void for_each_string(Tag tag, Fn&& fn) const {
    for_each_of(tag, WireType::bytes, [&](const Field& f) { fn(f.as_string()); });
  }
  template <class Fn>
  void for_each_record(Tag tag, Fn&& fn) const {
    for_each_of(tag, WireType::record, [&](const Field& f) { fn(f.as_record()); });
  }

 private:
  friend class Field;
  explicit RecordView(std::span<const std::byte> validated) noexcept : bytes_(validated) {}

  // The first field with `tag`, if any.
  [[nodiscard]] bool find_first(Tag tag, Field& out) const noexcept;

  template <class Visit>
  void for_each_of(Tag tag, WireType type, Visit&& visit) const {
    for (const Field& f : fields()) {
      if (f.tag() == tag && f.type() == type) visit(f);
    }
  }

  std::span<const std::byte> bytes_{};
};

}  // namespace missive
