// missive/wire/message.hpp - the convention for typed messages over records.
//
// A message type T describes its own fields with two members:
//
//   struct FileRead {
//     std::string path;
//     std::uint64_t offset = 0;
//
//     void encode(RecordWriter& w) const { w.add_string(1, path).add_u64(2, offset); }
//     static Result<FileRead> decode(const RecordView& r) {
//       return FileRead{std::string(r.get_string(1)), r.get_u64(2)};
//     }
//   };
//
// decode() gets an already validated view, so it fails only for reasons of
// its own (a strict getter's wrong_type, a value out of the type's range).
// Evolving T keeps three rules: never reuse a tag, never change a tag's wire
// type, and give every new field a default that means "the old behaviour".
//
// The helpers below then encode to bytes, decode from bytes, and nest one
// message inside another.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/wire/record_format.hpp"
#include "missive/wire/record_view.hpp"
#include "missive/wire/record_writer.hpp"

namespace missive {

template <class T>
concept Message = requires(const T& message, RecordWriter& writer, const RecordView& view) {
  { message.encode(writer) } -> std::same_as<void>;
  { T::decode(view) } -> std::same_as<Result<T>>;
};

template <Message T>
[[nodiscard]] std::vector<std::byte> encode_message(const T& message) {
  RecordWriter writer;
  message.encode(writer);
  return std::move(writer).take();
}

template <Message T>
[[nodiscard]] Result<T> decode_message(std::span<const std::byte> bytes, const RecordLimits& limits = {}) {
  Result<RecordView> view = RecordView::parse(bytes, limits);
  if (!view) return view.error();
  return T::decode(*view);
}

// Writes `message` as a nested record field.
template <Message T>
RecordWriter& add_message(RecordWriter& writer, Tag tag, const T& message) {
  return writer.add_record(tag, [&](RecordWriter& nested) { message.encode(nested); });
}

// Reads the nested record at `tag` as a T (defaults when missing; wrong_type
// when the tag holds something other than a record).
template <Message T>
[[nodiscard]] Result<T> get_message(const RecordView& view, Tag tag) {
  Result<RecordView> nested = view.get_record_strict(tag);
  if (!nested) return nested.error();
  return T::decode(*nested);
}

}  // namespace missive
