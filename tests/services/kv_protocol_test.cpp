// kvd's messages and KvService: typed calls, byte-level dispatch, hostile input.
#include "missive/services/kv_protocol.hpp"

#include <gtest/gtest.h>

#include <random>

#include "missive/services/kv_service.hpp"
#include "temp_dir.hpp"

namespace missive::services {
namespace {

class KvServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KvLimits limits;
    limits.max_value_bytes = 1024;
    auto store = KvStore::open(dir_.str(), limits);
    ASSERT_TRUE(store) << store.error().message();
    store_ = std::move(*store);
    service_.emplace(*store_, KvServiceLimits{4096});
  }

  template <class Request>
  Result<std::vector<std::byte>> call(KvMethod method, const Request& request) {
    return service_->handle(static_cast<std::uint32_t>(method), encode_message(request));
  }

  testing::TempDir dir_;
  std::unique_ptr<KvStore> store_;
  std::optional<KvService> service_;
};

TEST(KvMessages, RoundTrip) {
  const KvPutRequest put{1, std::string("k\0y", 3), std::string("\0value", 6)};
  auto put_back = decode_message<KvPutRequest>(encode_message(put));
  ASSERT_TRUE(put_back);
  EXPECT_EQ(put_back->key, put.key);
  EXPECT_EQ(put_back->value, put.value);
  KvScanReply scan;
  scan.scan.entries = {{"a", "1"}, {"b", "2"}};
  scan.scan.more = true;
  auto scan_back = decode_message<KvScanReply>(encode_message(scan));
  ASSERT_TRUE(scan_back);
  EXPECT_EQ(scan_back->scan.entries, scan.scan.entries);
  EXPECT_TRUE(scan_back->scan.more);
  // A request without a version field is version 1.
  RecordWriter w;
  w.add_string(1, "key");
  auto unversioned = decode_message<KvGetRequest>(std::move(w).take());
  ASSERT_TRUE(unversioned);
  EXPECT_EQ(unversioned->version, 1u);
}

TEST_F(KvServiceTest, PutGetDeleteScanThroughBytes) {
  ASSERT_TRUE(call(KvMethod::put, KvPutRequest{1, "b", "2"}));
  ASSERT_TRUE(call(KvMethod::put, KvPutRequest{1, "a", "1"}));
  ASSERT_TRUE(call(KvMethod::put, KvPutRequest{1, "c", "3"}));
  auto got = call(KvMethod::get, KvGetRequest{1, "a"});
  ASSERT_TRUE(got);
  EXPECT_EQ(decode_message<KvGetReply>(*got)->value, "1");
  ASSERT_TRUE(call(KvMethod::erase, KvDeleteRequest{1, "b"}));
  EXPECT_EQ(call(KvMethod::get, KvGetRequest{1, "b"}).code(), Errc::not_found);
  EXPECT_EQ(call(KvMethod::erase, KvDeleteRequest{1, "b"}).code(), Errc::not_found);
  auto scanned = call(KvMethod::scan, KvScanRequest{1, "", "", 1});
  ASSERT_TRUE(scanned);
  auto scan = decode_message<KvScanReply>(*scanned);
  ASSERT_TRUE(scan);
  ASSERT_EQ(scan->scan.entries.size(), 1u);
  EXPECT_EQ(scan->scan.entries[0], (KvEntry{"a", "1"}));
  EXPECT_TRUE(scan->scan.more);
}

// Property: hostile requests get an error and leave the store exactly as it
// was (same entries, same log length); good requests keep working.
TEST_F(KvServiceTest, HostileInputGetsErrorsAndChangesNothing) {
  ASSERT_TRUE(call(KvMethod::put, KvPutRequest{1, "keep", "me"}));
  const std::uint64_t log_before = store_->log_bytes();
  const auto put = static_cast<std::uint32_t>(KvMethod::put);

  EXPECT_EQ(call(KvMethod::put, KvPutRequest{2, "x", "y"}).code(), Errc::unsupported_version);
  EXPECT_EQ(call(KvMethod::put, KvPutRequest{0, "x", "y"}).code(), Errc::unsupported_version);
  EXPECT_EQ(call(KvMethod::put, KvPutRequest{1, "", "y"}).code(), Errc::invalid_argument);
  EXPECT_EQ(call(KvMethod::put, KvPutRequest{1, "x", std::string(2000, 'y')}).code(),
            Errc::too_large);  // > value limit
  EXPECT_EQ(call(KvMethod::put, KvPutRequest{1, "x", std::string(5000, 'y')}).code(),
            Errc::too_large);  // > request limit
  EXPECT_EQ(service_->handle(0x7777, encode_message(KvGetRequest{1, "keep"})).code(), Errc::invalid_argument);
  RecordWriter wrong_type;
  wrong_type.add_u64(1, 42).add_string(2, "value");
  EXPECT_EQ(service_->handle(put, std::move(wrong_type).take()).code(), Errc::wrong_type);
  std::vector<std::byte> truncated = encode_message(KvPutRequest{1, "x", "y"});
  truncated.pop_back();
  EXPECT_EQ(service_->handle(put, truncated).code(), Errc::truncated);

  std::mt19937 random(777);
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::byte> noise(random() % 48);
    for (std::byte& b : noise) b = static_cast<std::byte>(random());
    // Only reads and scans: random bytes must not be able to write (puts of
    // random keys could be valid requests, which is not hostility).
    const std::uint32_t method = (random() % 2) != 0 ? 0x0201u : 0x0204u;
    (void)service_->handle(method, noise);
  }
  EXPECT_EQ(store_->log_bytes(), log_before);
  EXPECT_EQ(store_->size(), 1u);
  auto got = call(KvMethod::get, KvGetRequest{1, "keep"});
  ASSERT_TRUE(got);
  EXPECT_EQ(decode_message<KvGetReply>(*got)->value, "me");
}

}  // namespace
}  // namespace missive::services
