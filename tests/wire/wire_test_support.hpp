// wire_test_support.hpp - helpers shared by the wire tests and the fuzz targets.
//
// - bytes_of / text_bytes: build byte vectors tersely.
// - reencode(): writes a validated record back field by field; since missive
//   accepts only shortest-form varints, the result must equal the input.
// - check_view(): calls every accessor of a validated view (recursively) and
//   reports the first inconsistency: a span outside the view, a getter that
//   disagrees with iteration, a strict getter that fails where it must not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "missive/wire/record_view.hpp"
#include "missive/wire/record_writer.hpp"

namespace missive::testing {

inline std::vector<std::byte> bytes_of(std::initializer_list<unsigned> values) {
  std::vector<std::byte> out;
  for (unsigned v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

inline std::span<const std::byte> text_bytes(std::string_view text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

inline void reencode_into(const RecordView& view, RecordWriter& out) {
  for (const Field& f : view.fields()) {
    switch (f.type()) {
      case WireType::unsigned_int:
        out.add_u64(f.tag(), f.as_u64());
        break;
      case WireType::signed_int:
        out.add_i64(f.tag(), f.as_i64());
        break;
      case WireType::bytes:
        out.add_bytes(f.tag(), f.as_bytes());
        break;
      case WireType::record:
        out.add_record(f.tag(), [&](RecordWriter& nested) { reencode_into(f.as_record(), nested); });
        break;
    }
  }
}

inline std::vector<std::byte> reencode(const RecordView& view) {
  RecordWriter writer;
  reencode_into(view, writer);
  return std::move(writer).take();
}

// Whether `inner` lies within `outer` (pointer comparisons through std::less,
// which is a total order even across unrelated objects).
inline bool contains(std::span<const std::byte> outer, std::span<const std::byte> inner) {
  if (inner.empty()) return true;
  const std::less<const std::byte*> before;
  return !before(inner.data(), outer.data()) && !before(outer.data() + outer.size(), inner.data() + inner.size());
}

// Checks the getters of `tag` against each other and against the view's bounds.
inline const char* check_tag(const RecordView& view, Tag tag) {
  if (!view.has(tag) || view.count(tag) == 0) return "has/count disagree with iteration";
  std::size_t typed = 0;
  view.for_each_u64(tag, [&](std::uint64_t) { ++typed; });
  view.for_each_i64(tag, [&](std::int64_t) { ++typed; });
  view.for_each_bytes(tag, [&](std::span<const std::byte> b) { typed += contains(view.bytes(), b) ? 1u : 1000u; });
  view.for_each_record(tag, [&](const RecordView& r) { typed += contains(view.bytes(), r.bytes()) ? 1u : 1000u; });
  if (typed != view.count(tag)) return "for_each_* do not add up to count()";
  const bool unsigned_first = view.get_u64_strict(tag).has_value();
  const bool signed_first = view.get_i64_strict(tag).has_value();
  const bool bytes_first = view.get_bytes_strict(tag).has_value();
  const bool string_first = view.get_string_strict(tag).has_value();
  const bool record_first = view.get_record_strict(tag).has_value();
  if (bytes_first != string_first) return "bytes and string getters disagree";
  if (unsigned_first + signed_first + bytes_first + record_first != 1) return "strict getters: not exactly one type";
  if (!contains(view.bytes(), view.get_bytes(tag))) return "get_bytes outside the record";
  if (!contains(view.bytes(), view.get_record(tag).bytes())) return "get_record outside the record";
  if (!contains(view.bytes(), text_bytes(view.get_string(tag)))) return "get_string outside the record";
  (void)view.get_u64(tag, 7);
  (void)view.get_i64(tag, -7);
  (void)view.get_bool(tag, true);
  return nullptr;
}

// nullptr when the view is consistent, else a description of the first
// problem. Every field is bounds-checked and every nested record visited; the
// getters (each a scan) are cross-checked for the first `getter_checks` fields
// of each record, which keeps the whole check linear in the input size.
inline const char* check_view(const RecordView& view, std::size_t getter_checks = 16) {
  std::size_t index = 0;
  for (const Field& f : view.fields()) {
    if (!contains(view.bytes(), f.as_bytes())) return "field bytes outside the record";
    if (index++ < getter_checks) {
      if (const char* problem = check_tag(view, f.tag())) return problem;
    }
    if (f.type() == WireType::record) {
      if (const char* inner = check_view(f.as_record(), getter_checks)) return inner;
    }
  }
  return nullptr;
}

}  // namespace missive::testing
