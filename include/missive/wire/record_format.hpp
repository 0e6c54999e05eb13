// missive/wire/record_format.hpp - the vocabulary of records: tags, wire types, limits.
//
// A record is a sequence of tagged fields. Every field starts with a key, a
// varint holding the field's tag and its wire type; the wire type alone says
// how long the value is, so a reader can skip a field it does not know.
//
//   record := field*
//   field  := key value
//   key    := varint(tag << 3 | wire_type)          tag 1 .. 2^29-1, so a key fits in 32 bits
//
//   wire_type  name          value bytes
//   ---------  ------------  --------------------------------------------------
//   0          unsigned_int  varint(v)
//   1          signed_int    varint(zigzag(v))
//   2          bytes         varint(n) byte[n]      (strings are bytes; UTF-8 is not checked)
//   3          record        varint(n) record[n]    (validated recursively by the reader)
//   4..7       -             rejected as malformed_record
//
// Example: tag 1 = 300 (unsigned), tag 2 = "hi" (bytes):
//
//   08 AC 02   12 02 68 69
//   |  |       |  |  '--'-- "hi"
//   |  |       |  '-- length 2
//   |  |       '-- key: tag 2, wire type 2  (2 << 3 | 2 = 0x12)
//   |  '-- varint 300
//   '-- key: tag 1, wire type 0  (1 << 3 | 0 = 0x08)
//
// A tag may appear several times (a repeated field); readers see the values
// in the order they were written. Fields need not be sorted by tag.
#pragma once

#include <cstddef>
#include <cstdint>

#include "missive/core/result.hpp"

namespace missive {

enum class WireType : std::uint8_t {
  unsigned_int = 0,
  signed_int = 1,
  bytes = 2,
  record = 3,
};

inline constexpr std::uint32_t wire_type_bits = 3;
inline constexpr std::uint32_t max_wire_type = 3;

class Tag;
namespace detail {
constexpr Tag tag_from_validated_key(std::uint64_t key) noexcept;
}  // namespace detail

// A field number, 1 .. 2^29-1. Tags written as constants are checked at
// compile time (`writer.add_u64(3, x)`: a 0 there does not compile); tags
// computed at run time go through Tag::checked().
class Tag {
 public:
  static constexpr std::uint32_t min_value = 1;
  static constexpr std::uint32_t max_value = (1u << 29) - 1;

  consteval Tag(std::uint32_t value) : value_(value) {  // NOLINT(google-explicit-constructor)
    if (!is_valid(value)) throw "record tags are 1 .. 2^29-1";
  }

  [[nodiscard]] static constexpr bool is_valid(std::uint32_t value) noexcept {
    return value >= min_value && value <= max_value;
  }

  [[nodiscard]] static Result<Tag> checked(std::uint32_t value) noexcept {
    if (!is_valid(value)) return Error{Errc::invalid_argument, "record tags are 1 .. 2^29-1"};
    return Tag(Unchecked{}, value);
  }

  [[nodiscard]] constexpr std::uint32_t value() const noexcept { return value_; }
  friend constexpr bool operator==(Tag a, Tag b) noexcept = default;

 private:
  struct Unchecked {};
  constexpr Tag(Unchecked /*unused*/, std::uint32_t value) noexcept : value_(value) {}
  friend constexpr Tag detail::tag_from_validated_key(std::uint64_t key) noexcept;

  std::uint32_t value_;
};

namespace detail {

[[nodiscard]] constexpr std::uint64_t make_key(Tag tag, WireType type) noexcept {
  return (std::uint64_t{tag.value()} << wire_type_bits) | static_cast<std::uint64_t>(type);
}

// Only for keys a validator has accepted (tag in range).
[[nodiscard]] constexpr Tag tag_from_validated_key(std::uint64_t key) noexcept {
  return Tag(Tag::Unchecked{}, static_cast<std::uint32_t>(key >> wire_type_bits));
}

[[nodiscard]] constexpr WireType wire_type_of_key(std::uint64_t key) noexcept {
  return static_cast<WireType>(key & ((1u << wire_type_bits) - 1u));
}

}  // namespace detail

// Nesting is never followed deeper than this, whatever RecordLimits says:
// validation recurses once per level and must stay within a small stack.
inline constexpr std::uint32_t record_depth_ceiling = 64;

// What RecordView::parse() accepts. Checked while validating, before any
// field is handed out; validation itself allocates nothing.
struct RecordLimits {
  std::size_t max_bytes = std::size_t{16} << 20;  // size of the outermost record
  std::uint32_t max_fields = 1u << 16;            // fields at all nesting levels together
  std::uint32_t max_depth = 16;                   // records inside records; the outermost is depth 1
};

}  // namespace missive
