// missive/services/fs_protocol.hpp - the messages of fsd, protocol versions 1 and 2.
//
// Each request travels in a frame whose message type is an FsMethod value;
// the reply travels back as the payload of the reply frame (errors are the
// call layer's business: a handler returns Result<reply>).
//
// Every request carries its protocol version in tag 15 (missing = 1). Version
// 2 only ADDS fields, each with a default meaning "what version 1 did":
//
//   message          tag  type    field                 since
//   ---------------  ---  ------  --------------------  -----
//   any request       15  u64     version (1 if absent) 1
//   FsStatRequest      1  bytes   path                  1
//   FsStatReply        1  u64     kind (FileKind)       1
//                      2  u64     size                  1
//                      3  i64     mtime_ns              1
//                      4  u64     permissions           1
//   FsListRequest      1  bytes   path                  1
//   FsListReply        1  record  entry*: 1 name, 2 kind 1
//                      2  u64     truncated (bool)      1
//   FsOpenRequest      1  bytes   path                  1
//   FsOpenReply        1  u64     handle                1
//                      2  u64     size                  1
//   FsReadRequest      1  bytes   path (if handle == 0) 1
//                      2  u64     handle (0: use path)  1
//                      3  u64     offset                1
//                      4  u64     length (0: the cap)   2   v1 reads always got the cap
//                      5  u64     want_checksum (bool)  2
//   FsReadReply        1  bytes   data                  1
//                      2  u64     crc32c of data        2   present only when asked
//                      3  u64     file_size             2
//   FsCloseRequest     1  u64     handle                1
//   FsCloseReply       -  -       (empty)               1
//
// A v1 peer skips tags it does not know, and a v2 peer reading a v1 message
// finds its defaults: both directions work (tests/services/fs_protocol_test.cpp).
//
// decode() uses the strict getters, so a field sent with the wrong wire type
// is refused as wrong_type instead of silently read as its default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "missive/core/result.hpp"
#include "missive/services/fs_root.hpp"
#include "missive/services/request_version.hpp"
#include "missive/wire/message.hpp"

namespace missive::services {

// Message types of fsd's frames.
enum class FsMethod : std::uint32_t {
  stat = 0x0101,
  list = 0x0102,
  open = 0x0103,
  read = 0x0104,
  close = 0x0105,
};

inline constexpr std::uint64_t fs_protocol_min_version = 1;
inline constexpr std::uint64_t fs_protocol_version = 2;  // the newest this build speaks

struct FsStatRequest {
  std::uint64_t version = fs_protocol_version;
  std::string path;
  void encode(RecordWriter& w) const;
  static Result<FsStatRequest> decode(const RecordView& r);
};

struct FsStatReply {
  FileInfo info;
  void encode(RecordWriter& w) const;
  static Result<FsStatReply> decode(const RecordView& r);
};

struct FsListRequest {
  std::uint64_t version = fs_protocol_version;
  std::string path;
  void encode(RecordWriter& w) const;
  static Result<FsListRequest> decode(const RecordView& r);
};

struct FsListReply {
  DirListing listing;
  void encode(RecordWriter& w) const;
  static Result<FsListReply> decode(const RecordView& r);
};

struct FsOpenRequest {
  std::uint64_t version = fs_protocol_version;
  std::string path;
  void encode(RecordWriter& w) const;
  static Result<FsOpenRequest> decode(const RecordView& r);
};

struct FsOpenReply {
  std::uint64_t handle = 0;
  std::uint64_t size = 0;
  void encode(RecordWriter& w) const;
  static Result<FsOpenReply> decode(const RecordView& r);
};

struct FsReadRequest {
  std::uint64_t version = fs_protocol_version;
  std::string path;  // used when handle == 0
  std::uint64_t handle = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;    // v2; 0 = as much as the server's cap allows
  bool want_checksum = false;  // v2
  void encode(RecordWriter& w) const;
  static Result<FsReadRequest> decode(const RecordView& r);
};

struct FsReadReply {
  std::vector<std::byte> data;
  std::optional<std::uint32_t> crc32c;  // v2, when asked; absent from a v1 server
  std::uint64_t file_size = 0;          // v2; 0 from a v1 server
  void encode(RecordWriter& w) const;
  static Result<FsReadReply> decode(const RecordView& r);
  // ok when there is no checksum or it matches the data; bad_checksum otherwise.
  [[nodiscard]] Status verify() const noexcept;
};

struct FsCloseRequest {
  std::uint64_t version = fs_protocol_version;
  std::uint64_t handle = 0;
  void encode(RecordWriter& w) const;
  static Result<FsCloseRequest> decode(const RecordView& r);
};

struct FsCloseReply {
  void encode(RecordWriter& /*w*/) const {}
  static Result<FsCloseReply> decode(const RecordView& /*r*/) { return FsCloseReply{}; }
};

static_assert(Message<FsStatRequest> && Message<FsStatReply> && Message<FsListRequest> && Message<FsListReply> &&
              Message<FsOpenRequest> && Message<FsOpenReply> && Message<FsReadRequest> && Message<FsReadReply> &&
              Message<FsCloseRequest> && Message<FsCloseReply>);

}  // namespace missive::services
