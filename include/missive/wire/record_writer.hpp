// missive/wire/record_writer.hpp - RecordWriter: builds a record into a byte vector.
//
// Fields are appended in call order (see record_format.hpp for the bytes).
// Calling an add_*() several times with one tag writes a repeated field.
//
//   RecordWriter w;
//   w.add_string(1, "/etc/hosts").add_u64(2, 4096);
//   w.add_record(3, [&](RecordWriter& nested) { nested.add_i64(1, -5); });
//   std::vector<std::byte> bytes = std::move(w).take();
//
// Every varint is written in its shortest form, so a record read by
// RecordView and written back field by field gives the same bytes.
//
// Nested records are built in place: add_record(tag, build) reserves one
// length byte, lets `build` append the inner fields to this same writer, and
// widens the length afterwards if the record turned out longer than 127
// bytes (moving the inner bytes once per level).
//
// Errors: none besides std::bad_alloc; tags are valid by construction (Tag).
// After an exception the content is unspecified; clear() before reuse.
// Values passed in must not point into this writer's own buffer.
//
// Thread safety: a RecordWriter is a plain value; one thread at a time.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "missive/wire/record_format.hpp"

namespace missive {

class RecordWriter {
 public:
  RecordWriter() = default;
  // Starts empty but reuses the capacity of `buffer`.
  explicit RecordWriter(std::vector<std::byte> buffer) noexcept : out_(std::move(buffer)) { out_.clear(); }

  RecordWriter& add_u64(Tag tag, std::uint64_t value);
  RecordWriter& add_i64(Tag tag, std::int64_t value);
  RecordWriter& add_bool(Tag tag, bool value) { return add_u64(tag, value ? 1u : 0u); }
  RecordWriter& add_bytes(Tag tag, std::span<const std::byte> value);
  RecordWriter& add_string(Tag tag, std::string_view value);

  // A record encoded elsewhere (another RecordWriter, RecordView::bytes()).
  // Not re-validated here: invalid bytes make the reader reject the whole record.
  RecordWriter& add_record(Tag tag, std::span<const std::byte> encoded);
  RecordWriter& add_record(Tag tag, const RecordWriter& nested) { return add_record(tag, nested.bytes()); }

  // A record built in place by build(*this).
  template <class Build>
  requires std::invocable<Build&, RecordWriter&> RecordWriter& add_record(Tag tag, Build&& build) {
    const std::size_t mark = open_record(tag);
    build(*this);
    close_record(mark);
    return *this;
  }

  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return out_; }
  [[nodiscard]] std::size_t size() const noexcept { return out_.size(); }
  [[nodiscard]] bool empty() const noexcept { return out_.empty(); }
  void clear() noexcept { out_.clear(); }
  // Hands the encoded record over; the writer is empty afterwards.
  [[nodiscard]] std::vector<std::byte> take() && noexcept { return std::exchange(out_, {}); }

 private:
  void append_key(Tag tag, WireType type);
  void append_varint(std::uint64_t value);
  void append_raw(std::span<const std::byte> bytes);
  // Writes the key and a one-byte length placeholder; returns where the inner fields start.
  std::size_t open_record(Tag tag);
  // Fixes the length in front of out_[mark..end).
  void close_record(std::size_t mark);

  std::vector<std::byte> out_;
};

}  // namespace missive
