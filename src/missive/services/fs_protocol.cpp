#include "missive/services/fs_protocol.hpp"

#include "missive/services/detail/strict_fields.hpp"
#include "missive/wire/crc32c.hpp"

namespace missive::services {
namespace {

using detail::finish;
using detail::read_version;
using detail::StrictFields;

Result<FileKind> kind_from_wire(std::uint64_t value) {
  if (value < static_cast<std::uint64_t>(FileKind::regular) || value > static_cast<std::uint64_t>(FileKind::other)) {
    return Error{Errc::malformed_record, "unknown file kind"};
  }
  return static_cast<FileKind>(value);
}

}  // namespace

void FsStatRequest::encode(RecordWriter& w) const { w.add_u64(protocol_version_tag, version).add_string(1, path); }
Result<FsStatRequest> FsStatRequest::decode(const RecordView& r) {
  StrictFields f(r);
  FsStatRequest m;
  m.version = read_version(f);
  m.path = f.string(1);
  return finish(f, std::move(m));
}

void FsStatReply::encode(RecordWriter& w) const {
  w.add_u64(1, static_cast<std::uint64_t>(info.kind))
      .add_u64(2, info.size)
      .add_i64(3, info.mtime_ns)
      .add_u64(4, info.permissions);
}
Result<FsStatReply> FsStatReply::decode(const RecordView& r) {
  StrictFields f(r);
  FsStatReply m;
  auto kind = kind_from_wire(f.u64(1, static_cast<std::uint64_t>(FileKind::other)));
  if (!kind) return kind.error();
  m.info.kind = *kind;
  m.info.size = f.u64(2);
  m.info.mtime_ns = f.i64(3);
  m.info.permissions = static_cast<std::uint32_t>(f.u64(4) & 07777);
  return finish(f, m);
}

void FsListRequest::encode(RecordWriter& w) const { w.add_u64(protocol_version_tag, version).add_string(1, path); }
Result<FsListRequest> FsListRequest::decode(const RecordView& r) {
  StrictFields f(r);
  FsListRequest m;
  m.version = read_version(f);
  m.path = f.string(1);
  return finish(f, std::move(m));
}

void FsListReply::encode(RecordWriter& w) const {
  for (const DirEntry& entry : listing.entries) {
    w.add_record(1, [&](RecordWriter& nested) {
      nested.add_string(1, entry.name).add_u64(2, static_cast<std::uint64_t>(entry.kind));
    });
  }
  w.add_bool(2, listing.truncated);
}
Result<FsListReply> FsListReply::decode(const RecordView& r) {
  FsListReply m;
  Error error{};
  r.for_each_record(1, [&](const RecordView& entry) {
    StrictFields f(entry);
    DirEntry decoded;
    decoded.name = f.string(1);
    auto kind = kind_from_wire(f.u64(2, static_cast<std::uint64_t>(FileKind::other)));
    if (error.code == Errc::ok && !f.status()) error = f.status().error();
    if (error.code == Errc::ok && !kind) error = kind.error();
    if (kind) decoded.kind = *kind;
    m.listing.entries.push_back(std::move(decoded));
  });
  if (error.code != Errc::ok) return error;
  StrictFields f(r);
  m.listing.truncated = f.boolean(2);
  return finish(f, std::move(m));
}

void FsOpenRequest::encode(RecordWriter& w) const { w.add_u64(protocol_version_tag, version).add_string(1, path); }
Result<FsOpenRequest> FsOpenRequest::decode(const RecordView& r) {
  StrictFields f(r);
  FsOpenRequest m;
  m.version = read_version(f);
  m.path = f.string(1);
  return finish(f, std::move(m));
}

void FsOpenReply::encode(RecordWriter& w) const { w.add_u64(1, handle).add_u64(2, size); }
Result<FsOpenReply> FsOpenReply::decode(const RecordView& r) {
  StrictFields f(r);
  FsOpenReply m;
  m.handle = f.u64(1);
  m.size = f.u64(2);
  return finish(f, m);
}

void FsReadRequest::encode(RecordWriter& w) const {
  w.add_u64(protocol_version_tag, version);
  if (handle == 0) w.add_string(1, path);
  w.add_u64(2, handle).add_u64(3, offset);
  if (version >= 2) w.add_u64(4, length).add_bool(5, want_checksum);
}
Result<FsReadRequest> FsReadRequest::decode(const RecordView& r) {
  StrictFields f(r);
  FsReadRequest m;
  m.version = read_version(f);
  m.path = f.string(1);
  m.handle = f.u64(2);
  m.offset = f.u64(3);
  m.length = f.u64(4);
  m.want_checksum = f.boolean(5);
  return finish(f, std::move(m));
}

void FsReadReply::encode(RecordWriter& w) const {
  w.add_bytes(1, data);
  if (crc32c) w.add_u64(2, *crc32c);
  w.add_u64(3, file_size);
}
Result<FsReadReply> FsReadReply::decode(const RecordView& r) {
  StrictFields f(r);
  FsReadReply m;
  m.data = f.bytes(1);
  if (r.has(2)) {
    const std::uint64_t crc = f.u64(2);
    if (crc > UINT32_MAX) return Error{Errc::malformed_record, "crc32c field wider than 32 bits"};
    m.crc32c = static_cast<std::uint32_t>(crc);
  }
  m.file_size = f.u64(3);
  return finish(f, std::move(m));
}
Status FsReadReply::verify() const noexcept {
  if (crc32c && *crc32c != missive::crc32c(data))
    return Error{Errc::bad_checksum, "read data does not match its crc32c"};
  return ok();
}

void FsCloseRequest::encode(RecordWriter& w) const { w.add_u64(protocol_version_tag, version).add_u64(1, handle); }
Result<FsCloseRequest> FsCloseRequest::decode(const RecordView& r) {
  StrictFields f(r);
  FsCloseRequest m;
  m.version = read_version(f);
  m.handle = f.u64(1);
  return finish(f, m);
}

}  // namespace missive::services
