// Schema evolution: a v1 and a v2 of one message, each with its own code,
// read each other's bytes. Also shows the Message convention (message.hpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "missive/wire/message.hpp"
#include "wire_test_support.hpp"

namespace missive {
namespace {

// Tags of FileRead. Never reused, never given another wire type.
namespace file_read {
inline constexpr std::uint32_t path = 1;           // bytes, since v1
inline constexpr std::uint32_t offset = 2;         // unsigned_int, since v1
inline constexpr std::uint32_t length = 3;         // unsigned_int, since v2; 0 = to the end (v1 behaviour)
inline constexpr std::uint32_t want_checksum = 4;  // unsigned_int (bool), since v2; false = v1 behaviour
inline constexpr std::uint32_t tag = 5;            // bytes, repeated, since v2
inline constexpr std::uint32_t origin = 6;         // record (Origin), since v2
}  // namespace file_read

struct FileReadV1 {
  std::string path;
  std::uint64_t offset = 0;

  void encode(RecordWriter& w) const { w.add_string(file_read::path, path).add_u64(file_read::offset, offset); }
  static Result<FileReadV1> decode(const RecordView& r) {
    return FileReadV1{std::string(r.get_string(file_read::path)), r.get_u64(file_read::offset)};
  }
};

struct Origin {
  std::string host;
  std::int64_t clock_skew_ms = 0;

  void encode(RecordWriter& w) const { w.add_string(1, host).add_i64(2, clock_skew_ms); }
  static Result<Origin> decode(const RecordView& r) { return Origin{std::string(r.get_string(1)), r.get_i64(2)}; }
};

struct FileReadV2 {
  std::string path;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool want_checksum = false;
  std::vector<std::string> tags;
  Origin origin;

  void encode(RecordWriter& w) const {
    w.add_string(file_read::path, path).add_u64(file_read::offset, offset);
    w.add_u64(file_read::length, length).add_bool(file_read::want_checksum, want_checksum);
    for (const std::string& t : tags) w.add_string(file_read::tag, t);
    add_message(w, file_read::origin, origin);
  }
  static Result<FileReadV2> decode(const RecordView& r) {
    FileReadV2 m;
    m.path = std::string(r.get_string(file_read::path));
    m.offset = r.get_u64(file_read::offset);
    m.length = r.get_u64(file_read::length);
    m.want_checksum = r.get_bool(file_read::want_checksum);
    r.for_each_string(file_read::tag, [&](std::string_view t) { m.tags.emplace_back(t); });
    Result<Origin> origin = get_message<Origin>(r, file_read::origin);
    if (!origin) return origin.error();
    m.origin = *std::move(origin);
    return m;
  }
};

static_assert(Message<FileReadV1>);
static_assert(Message<FileReadV2>);
static_assert(!Message<std::string>);

TEST(SchemaEvolution, V1ReaderReadsV2BytesAndIgnoresNewFields) {
  const FileReadV2 sent{"/var/log/syslog", 4096, 512, true, {"hot", "audit"}, {"node-7", -3}};
  const std::vector<std::byte> bytes = encode_message(sent);
  const Result<FileReadV1> got = decode_message<FileReadV1>(bytes);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->path, "/var/log/syslog");
  EXPECT_EQ(got->offset, 4096u);
}

TEST(SchemaEvolution, V2ReaderReadsV1BytesWithDefaults) {
  const std::vector<std::byte> bytes = encode_message(FileReadV1{"/etc/hosts", 10});
  const Result<FileReadV2> got = decode_message<FileReadV2>(bytes);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->path, "/etc/hosts");
  EXPECT_EQ(got->offset, 10u);
  EXPECT_EQ(got->length, 0u);
  EXPECT_FALSE(got->want_checksum);
  EXPECT_TRUE(got->tags.empty());
  EXPECT_EQ(got->origin.host, "");
  EXPECT_EQ(got->origin.clock_skew_ms, 0);
}

TEST(SchemaEvolution, V2RoundTrip) {
  const FileReadV2 sent{"/a", 1, 2, true, {"x", "", "z"}, {"h", 9}};
  const Result<FileReadV2> got = decode_message<FileReadV2>(encode_message(sent));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->path, sent.path);
  EXPECT_EQ(got->length, 2u);
  EXPECT_TRUE(got->want_checksum);
  EXPECT_EQ(got->tags, sent.tags);
  EXPECT_EQ(got->origin.host, "h");
  EXPECT_EQ(got->origin.clock_skew_ms, 9);
}

TEST(SchemaEvolution, ATagThatChangedWireTypeIsAWrongTypeErrorForStrictReaders) {
  RecordWriter w;
  w.add_string(file_read::path, "/p").add_string(file_read::origin, "not a record");
  const std::vector<std::byte> bytes = std::move(w).take();
  EXPECT_EQ(decode_message<FileReadV2>(bytes).code(), Errc::wrong_type);
  EXPECT_TRUE(decode_message<FileReadV1>(bytes)) << "v1 never knew tag 6";
}

TEST(SchemaEvolution, DecodeMessagePassesParseErrorsThrough) {
  EXPECT_EQ(decode_message<FileReadV1>(testing::bytes_of({0x0A, 0x05, 'a'})).code(), Errc::truncated);
}

}  // namespace
}  // namespace missive
