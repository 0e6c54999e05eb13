// RecordWriter: appends fields in their shortest encoding.
#include "missive/wire/record_writer.hpp"

#include <cstring>

#include "missive/wire/varint.hpp"

namespace missive {

void RecordWriter::append_varint(std::uint64_t value) {
  const std::size_t start = out_.size();
  out_.resize(start + max_varint_bytes);
  out_.resize(start + encode_varint(value, out_.data() + start));
}

void RecordWriter::append_key(Tag tag, WireType type) { append_varint(detail::make_key(tag, type)); }

void RecordWriter::append_raw(std::span<const std::byte> bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }

RecordWriter& RecordWriter::add_u64(Tag tag, std::uint64_t value) {
  append_key(tag, WireType::unsigned_int);
  append_varint(value);
  return *this;
}

RecordWriter& RecordWriter::add_i64(Tag tag, std::int64_t value) {
  append_key(tag, WireType::signed_int);
  append_varint(zigzag_encode(value));
  return *this;
}

RecordWriter& RecordWriter::add_bytes(Tag tag, std::span<const std::byte> value) {
  append_key(tag, WireType::bytes);
  append_varint(value.size());
  append_raw(value);
  return *this;
}

RecordWriter& RecordWriter::add_string(Tag tag, std::string_view value) {
  return add_bytes(tag, std::as_bytes(std::span<const char>(value.data(), value.size())));
}

RecordWriter& RecordWriter::add_record(Tag tag, std::span<const std::byte> encoded) {
  append_key(tag, WireType::record);
  append_varint(encoded.size());
  append_raw(encoded);
  return *this;
}

std::size_t RecordWriter::open_record(Tag tag) {
  append_key(tag, WireType::record);
  out_.push_back(std::byte{0});  // length placeholder, right for records up to 127 bytes
  return out_.size();
}

void RecordWriter::close_record(std::size_t mark) {
  const std::size_t length = out_.size() - mark;
  const std::size_t length_size = varint_size(length);
  if (length_size > 1) {
    out_.insert(out_.begin() + static_cast<std::ptrdiff_t>(mark), length_size - 1, std::byte{0});
  }
  encode_varint(length, out_.data() + mark - 1);
}

}  // namespace missive
