// Record validation (once, in parse) and the never-failing accessors.
//
// Validation recurses once per nesting level; the depth is bounded by
// RecordLimits::max_depth and by record_depth_ceiling, so the stack stays small
// whatever the input. It reads every byte at most once per level it is
// nested in and allocates nothing.
#include "missive/wire/record_view.hpp"

#include <algorithm>

#include "missive/wire/varint.hpp"

namespace missive {
namespace {

// One field split into its parts; `rest` is what follows it.
struct SplitField {
  std::uint64_t key = 0;
  std::uint64_t number = 0;
  std::span<const std::byte> payload{};
  std::span<const std::byte> rest{};
};

Result<SplitField> split_first_field(std::span<const std::byte> bytes) noexcept {
  const Result<DecodedVarint> key = decode_varint(bytes);
  if (!key) return key.error();
  const std::uint64_t tag = key->value >> wire_type_bits;
  if (tag < Tag::min_value || tag > Tag::max_value) return Error{Errc::malformed_record, "tag outside 1 .. 2^29-1"};
  if ((key->value & ((1u << wire_type_bits) - 1u)) > max_wire_type) {
    return Error{Errc::malformed_record, "unknown wire type"};
  }
  const std::span<const std::byte> after_key = bytes.subspan(key->size);
  const Result<DecodedVarint> number = decode_varint(after_key);
  if (!number) return number.error();
  SplitField field{key->value, number->value, {}, after_key.subspan(number->size)};
  const WireType type = detail::wire_type_of_key(key->value);
  if (type == WireType::bytes || type == WireType::record) {
    if (number->value > field.rest.size())
      return Error{Errc::truncated, "field length runs past the end of its record"};
    const auto length = static_cast<std::size_t>(number->value);
    field.payload = field.rest.first(length);
    field.rest = field.rest.subspan(length);
  }
  return field;
}

class Validator {
 public:
  explicit Validator(const RecordLimits& limits) noexcept
      : fields_left_(limits.max_fields), max_depth_(std::min(limits.max_depth, record_depth_ceiling)) {}

  Status validate(std::span<const std::byte> record, std::uint32_t depth) noexcept {
    if (depth > max_depth_) return Error{Errc::too_deep, "records nested deeper than RecordLimits::max_depth"};
    while (!record.empty()) {
      if (fields_left_ == 0) return Error{Errc::too_many_fields, "more fields than RecordLimits::max_fields"};
      --fields_left_;
      const Result<SplitField> field = split_first_field(record);
      if (!field) return field.error();
      if (detail::wire_type_of_key(field->key) == WireType::record) {
        if (Status inner = validate(field->payload, depth + 1); !inner) return inner;
      }
      record = field->rest;
    }
    return ok();
  }

 private:
  std::uint32_t fields_left_;
  std::uint32_t max_depth_;
};

}  // namespace

Result<RecordView> RecordView::parse(std::span<const std::byte> bytes, const RecordLimits& limits) noexcept {
  if (bytes.size() > limits.max_bytes) return Error{Errc::too_large, "record above RecordLimits::max_bytes"};
  Validator validator(limits);
  if (Status s = validator.validate(bytes, 1); !s) return s.error();
  return RecordView(bytes);
}

void FieldIterator::advance() noexcept {
  if (rest_.empty()) {
    done_ = true;
    return;
  }
  const Result<SplitField> field = split_first_field(rest_);
  if (!field) {  // cannot happen on validated bytes; end rather than read on
    done_ = true;
    rest_ = {};
    return;
  }
  current_.key_ = field->key;
  current_.number_ = field->number;
  current_.payload_ = field->payload;
  rest_ = field->rest;
  done_ = false;
}

std::uint64_t Field::as_u64() const noexcept { return type() == WireType::unsigned_int ? number_ : 0; }

std::int64_t Field::as_i64() const noexcept { return type() == WireType::signed_int ? zigzag_decode(number_) : 0; }

std::span<const std::byte> Field::as_bytes() const noexcept { return payload_; }

std::string_view Field::as_string() const noexcept {
  return {reinterpret_cast<const char*>(payload_.data()), payload_.size()};
}

RecordView Field::as_record() const noexcept {
  return type() == WireType::record ? RecordView(payload_) : RecordView();
}

bool RecordView::find_first(Tag tag, Field& out) const noexcept {
  for (const Field& f : fields()) {
    if (f.tag() == tag) {
      out = f;
      return true;
    }
  }
  return false;
}

bool RecordView::has(Tag tag) const noexcept {
  Field unused;
  return find_first(tag, unused);
}

std::size_t RecordView::count(Tag tag) const noexcept {
  std::size_t n = 0;
  for (const Field& f : fields()) n += f.tag() == tag ? 1u : 0u;
  return n;
}

Result<std::uint64_t> RecordView::get_u64_strict(Tag tag, std::uint64_t fallback) const noexcept {
  Field f;
  if (!find_first(tag, f)) return fallback;
  if (f.type() != WireType::unsigned_int) return Error{Errc::wrong_type, "field is not an unsigned integer"};
  return f.as_u64();
}

Result<std::int64_t> RecordView::get_i64_strict(Tag tag, std::int64_t fallback) const noexcept {
  Field f;
  if (!find_first(tag, f)) return fallback;
  if (f.type() != WireType::signed_int) return Error{Errc::wrong_type, "field is not a signed integer"};
  return f.as_i64();
}

Result<std::span<const std::byte>> RecordView::get_bytes_strict(Tag tag) const noexcept {
  Field f;
  if (!find_first(tag, f)) return std::span<const std::byte>{};
  if (f.type() != WireType::bytes) return Error{Errc::wrong_type, "field is not bytes"};
  return f.as_bytes();
}

Result<std::string_view> RecordView::get_string_strict(Tag tag, std::string_view fallback) const noexcept {
  Field f;
  if (!find_first(tag, f)) return fallback;
  if (f.type() != WireType::bytes) return Error{Errc::wrong_type, "field is not a string"};
  return f.as_string();
}

Result<RecordView> RecordView::get_record_strict(Tag tag) const noexcept {
  Field f;
  if (!find_first(tag, f)) return RecordView();
  if (f.type() != WireType::record) return Error{Errc::wrong_type, "field is not a record"};
  return f.as_record();
}

std::uint64_t RecordView::get_u64(Tag tag, std::uint64_t fallback) const noexcept {
  return get_u64_strict(tag, fallback).value_or(fallback);
}

std::int64_t RecordView::get_i64(Tag tag, std::int64_t fallback) const noexcept {
  return get_i64_strict(tag, fallback).value_or(fallback);
}

bool RecordView::get_bool(Tag tag, bool fallback) const noexcept {
  const Result<std::uint64_t> value = get_u64_strict(tag, fallback ? 1u : 0u);
  return value ? *value != 0 : fallback;
}

std::span<const std::byte> RecordView::get_bytes(Tag tag) const noexcept {
  return get_bytes_strict(tag).value_or(std::span<const std::byte>{});
}

std::string_view RecordView::get_string(Tag tag, std::string_view fallback) const noexcept {
  return get_string_strict(tag, fallback).value_or(fallback);
}

RecordView RecordView::get_record(Tag tag) const noexcept { return get_record_strict(tag).value_or(RecordView()); }

}  // namespace missive
