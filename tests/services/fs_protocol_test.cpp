// fsd's messages and FsService: v1 and v2 peers interoperate; hostile requests get errors.
#include "missive/services/fs_protocol.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>

#include "missive/services/fs_service.hpp"
#include "missive/wire/crc32c.hpp"
#include "temp_dir.hpp"

namespace missive::services {
namespace {

std::string text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// What a version-1 peer was compiled with: the v1 tags only, no version field.
namespace v1 {
struct ReadRequest {
  std::string path;
  std::uint64_t handle = 0;
  std::uint64_t offset = 0;
  void encode(RecordWriter& w) const { w.add_string(1, path).add_u64(2, handle).add_u64(3, offset); }
  static Result<ReadRequest> decode(const RecordView& r) {
    return ReadRequest{std::string(r.get_string(1)), r.get_u64(2), r.get_u64(3)};
  }
};
struct ReadReply {
  std::vector<std::byte> data;
  void encode(RecordWriter& w) const { w.add_bytes(1, data); }
  static Result<ReadReply> decode(const RecordView& r) {
    const auto bytes = r.get_bytes(1);
    return ReadReply{{bytes.begin(), bytes.end()}};
  }
};
}  // namespace v1

class FsProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "alphabet.txt") << "abcdefghijklmnopqrstuvwxyz";
    std::filesystem::create_directory(dir_.path() / "docs");
    std::ofstream(dir_.path() / "docs" / "a.md") << "# a";
    FsLimits limits;
    limits.max_read_bytes = 16;
    limits.max_open_handles = 4;
    auto root = FsRoot::open(dir_.str(), limits);
    ASSERT_TRUE(root) << root.error().message();
    root_.emplace(std::move(*root));
    service_.emplace(*root_);
  }

  template <class Request>
  Result<std::vector<std::byte>> call(FsSession& session, FsMethod method, const Request& request) {
    const std::vector<std::byte> payload = encode_message(request);
    return service_->handle(session, static_cast<std::uint32_t>(method), payload);
  }

  testing::TempDir dir_;
  std::optional<FsRoot> root_;
  std::optional<FsService> service_;
};

TEST(FsMessages, RoundTrip) {
  FsReadRequest read{2, "x/y", 7, 100, 50, true};
  auto read_back = decode_message<FsReadRequest>(encode_message(read));
  ASSERT_TRUE(read_back);
  EXPECT_EQ(read_back->path, "");  // a handle read carries no path
  EXPECT_EQ(read_back->handle, 7u);
  EXPECT_EQ(read_back->offset, 100u);
  EXPECT_EQ(read_back->length, 50u);
  EXPECT_TRUE(read_back->want_checksum);

  FsListReply list;
  list.listing.entries = {{"a", FileKind::regular}, {"b", FileKind::directory}};
  list.listing.truncated = true;
  auto list_back = decode_message<FsListReply>(encode_message(list));
  ASSERT_TRUE(list_back);
  ASSERT_EQ(list_back->listing.entries.size(), 2u);
  EXPECT_EQ(list_back->listing.entries[1].name, "b");
  EXPECT_EQ(list_back->listing.entries[1].kind, FileKind::directory);
  EXPECT_TRUE(list_back->listing.truncated);

  FsStatReply stat{FileInfo{FileKind::regular, 42, -5, 0644}};
  auto stat_back = decode_message<FsStatReply>(encode_message(stat));
  ASSERT_TRUE(stat_back);
  EXPECT_EQ(stat_back->info.size, 42u);
  EXPECT_EQ(stat_back->info.mtime_ns, -5);
  EXPECT_EQ(stat_back->info.permissions, 0644u);
}

TEST(FsMessages, WrongWireTypesAndBadKindsAreRefused) {
  RecordWriter w;
  w.add_u64(1, 5);  // path as a number
  EXPECT_EQ(decode_message<FsStatRequest>(std::move(w).take()).code(), Errc::wrong_type);
  RecordWriter kind;
  kind.add_u64(1, 99);
  EXPECT_EQ(decode_message<FsStatReply>(std::move(kind).take()).code(), Errc::malformed_record);
  RecordWriter crc;
  crc.add_bytes(1, {}).add_u64(2, std::uint64_t{1} << 40);
  EXPECT_EQ(decode_message<FsReadReply>(std::move(crc).take()).code(), Errc::malformed_record);
}

TEST_F(FsProtocolTest, V1RequestIsServedByTheV2Handler) {
  FsSession session = service_->new_session();
  const v1::ReadRequest request{"alphabet.txt", 0, 3};
  auto reply = service_->handle(session, static_cast<std::uint32_t>(FsMethod::read), encode_message(request));
  ASSERT_TRUE(reply) << reply.error().message();
  // The v1 client decodes the v2 reply; the checksum and size tags are skipped.
  auto as_v1 = decode_message<v1::ReadReply>(*reply);
  ASSERT_TRUE(as_v1);
  EXPECT_EQ(text(as_v1->data), "defghijklmnopqrs");  // v1 semantics: the cap (16) from the offset
  auto as_v2 = decode_message<FsReadReply>(*reply);
  ASSERT_TRUE(as_v2);
  EXPECT_FALSE(as_v2->crc32c);  // a v1 request cannot ask for one
}

TEST_F(FsProtocolTest, V2RequestGetsARangeAndAChecksumThatAV1DecoderSkips) {
  FsSession session = service_->new_session();
  FsReadRequest request;
  request.path = "alphabet.txt";
  request.offset = 10;
  request.length = 5;
  request.want_checksum = true;
  auto reply = call(session, FsMethod::read, request);
  ASSERT_TRUE(reply) << reply.error().message();
  auto v2_reply = decode_message<FsReadReply>(*reply);
  ASSERT_TRUE(v2_reply);
  EXPECT_EQ(text(v2_reply->data), "klmno");
  ASSERT_TRUE(v2_reply->crc32c);
  EXPECT_EQ(*v2_reply->crc32c, crc32c(v2_reply->data));
  EXPECT_EQ(v2_reply->file_size, 26u);
  EXPECT_TRUE(v2_reply->verify());

  auto v1_reply = decode_message<v1::ReadReply>(*reply);
  ASSERT_TRUE(v1_reply);
  EXPECT_EQ(text(v1_reply->data), "klmno");
}

// The reverse direction: a v2 client talking to a v1 server (simulated here
// as the v1 code was: v1 types over the same FsRoot).
TEST_F(FsProtocolTest, AV2ClientWorksWithAV1Server) {
  const auto v1_server = [&](std::span<const std::byte> payload) -> Result<std::vector<std::byte>> {
    auto request = decode_message<v1::ReadRequest>(payload);  // tags 4, 5 and 15 are skipped
    if (!request) return request.error();
    auto data = root_->read(request->path, request->offset, 0);
    if (!data) return data.error();
    return encode_message(v1::ReadReply{std::move(*data)});
  };
  FsReadRequest request;
  request.path = "alphabet.txt";
  request.offset = 4;
  request.length = 2;
  request.want_checksum = true;
  auto reply_bytes = v1_server(encode_message(request));
  ASSERT_TRUE(reply_bytes) << reply_bytes.error().message();
  auto reply = decode_message<FsReadReply>(*reply_bytes);
  ASSERT_TRUE(reply);
  // The v2 client sees no checksum (so it knows the server is v1), verify()
  // has nothing to refute, and the data starts at the offset it asked for;
  // the v1 server ignored the length, so the client keeps the first 2 bytes.
  EXPECT_FALSE(reply->crc32c);
  EXPECT_EQ(reply->file_size, 0u);
  EXPECT_TRUE(reply->verify());
  ASSERT_GE(reply->data.size(), request.length);
  EXPECT_EQ(text(std::span(reply->data).first(request.length)), "ef");
}

TEST(FsMessages, AV1EncodedReadRequestCarriesNoV2Fields) {
  FsReadRequest request;
  request.version = 1;
  request.path = "x";
  request.length = 9;
  request.want_checksum = true;
  const std::vector<std::byte> bytes = encode_message(request);
  auto view = RecordView::parse(bytes);
  ASSERT_TRUE(view);
  EXPECT_FALSE(view->has(4));
  EXPECT_FALSE(view->has(5));
}

TEST_F(FsProtocolTest, ChecksumCatchesADamagedReply) {
  FsReadReply reply{std::vector<std::byte>(8, std::byte{1}), std::nullopt, 8};
  reply.crc32c = crc32c(reply.data);
  reply.data[3] = std::byte{2};
  EXPECT_EQ(reply.verify().code(), Errc::bad_checksum);
}

TEST_F(FsProtocolTest, StatListOpenReadCloseThroughBytes) {
  FsSession session = service_->new_session();
  auto stat = call(session, FsMethod::stat, FsStatRequest{2, "alphabet.txt"});
  ASSERT_TRUE(stat);
  EXPECT_EQ(decode_message<FsStatReply>(*stat)->info.size, 26u);

  auto list = call(session, FsMethod::list, FsListRequest{2, "."});
  ASSERT_TRUE(list);
  auto listing = decode_message<FsListReply>(*list);
  ASSERT_TRUE(listing);
  ASSERT_EQ(listing->listing.entries.size(), 2u);
  EXPECT_EQ(listing->listing.entries[0].name, "alphabet.txt");

  auto opened = call(session, FsMethod::open, FsOpenRequest{2, "docs/a.md"});
  ASSERT_TRUE(opened);
  const FsOpenReply open_reply = *decode_message<FsOpenReply>(*opened);
  EXPECT_EQ(open_reply.size, 3u);
  FsReadRequest by_handle;
  by_handle.handle = open_reply.handle;
  by_handle.want_checksum = true;
  auto read = call(session, FsMethod::read, by_handle);
  ASSERT_TRUE(read);
  EXPECT_EQ(text(decode_message<FsReadReply>(*read)->data), "# a");

  // Another client cannot use this client's handle.
  FsSession other = service_->new_session();
  EXPECT_EQ(call(other, FsMethod::read, by_handle).code(), Errc::not_found);

  ASSERT_TRUE(call(session, FsMethod::close, FsCloseRequest{2, open_reply.handle}));
  EXPECT_EQ(call(session, FsMethod::read, by_handle).code(), Errc::not_found);
  EXPECT_EQ(session.handles().open_count(), 0u);
}

TEST_F(FsProtocolTest, WrongVersionsAreRefused) {
  FsSession session = service_->new_session();
  for (std::uint64_t version : {std::uint64_t{0}, std::uint64_t{3}, ~std::uint64_t{0}}) {
    EXPECT_EQ(call(session, FsMethod::stat, FsStatRequest{version, "alphabet.txt"}).code(), Errc::unsupported_version);
    FsReadRequest read;
    read.version = version;
    read.path = "alphabet.txt";
    EXPECT_EQ(call(session, FsMethod::read, read).code(), Errc::unsupported_version);
  }
}

// Property: hostile requests get an error, change nothing, and the service
// goes on answering good requests exactly as before.
TEST_F(FsProtocolTest, HostileInputGetsErrorsAndTheServiceKeepsServing) {
  FsSession session = service_->new_session();
  const auto method = [](FsMethod m) { return static_cast<std::uint32_t>(m); };
  const std::vector<std::byte> garbage = {std::byte{0xFF}, std::byte{0xFF}, std::byte{0xFF}};
  EXPECT_FALSE(service_->handle(session, method(FsMethod::stat), garbage));
  std::vector<std::byte> truncated = encode_message(FsStatRequest{2, "alphabet.txt"});
  truncated.pop_back();
  EXPECT_EQ(service_->handle(session, method(FsMethod::stat), truncated).code(), Errc::truncated);
  const std::vector<std::byte> oversized = encode_message(FsStatRequest{2, std::string(5000, 'a')});
  EXPECT_EQ(service_->handle(session, method(FsMethod::stat), oversized).code(), Errc::too_large);
  EXPECT_EQ(service_->handle(session, 0x9999, encode_message(FsStatRequest{2, "x"})).code(), Errc::invalid_argument);
  EXPECT_EQ(call(session, FsMethod::stat, FsStatRequest{2, "../etc/passwd"}).code(), Errc::permission_denied);
  EXPECT_EQ(call(session, FsMethod::stat, FsStatRequest{2, "/etc/passwd"}).code(), Errc::permission_denied);
  EXPECT_EQ(call(session, FsMethod::stat, FsStatRequest{2, std::string("alphabet.txt\0/..", 16)}).code(),
            Errc::invalid_argument);
  for (int i = 0; i < 6; ++i) (void)call(session, FsMethod::open, FsOpenRequest{2, "alphabet.txt"});
  EXPECT_EQ(session.handles().open_count(), 4u);  // the limit held

  // Random bytes for every method: never a crash, never a changed state.
  std::mt19937 random(12345);
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::byte> noise(random() % 64);
    for (std::byte& b : noise) b = static_cast<std::byte>(random());
    const std::uint32_t m = 0x0101 + static_cast<std::uint32_t>(random() % 6);
    (void)service_->handle(session, m, noise);
  }
  EXPECT_LE(session.handles().open_count(), 4u);

  FsReadRequest good;
  good.path = "alphabet.txt";
  good.length = 3;
  auto reply = call(session, FsMethod::read, good);
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(text(decode_message<FsReadReply>(*reply)->data), "abc");
}

}  // namespace
}  // namespace missive::services
